/**
 * Loopback stand-ins for the agent tests and the benchmark: Bedrock Converse (HTTP/2, as the SDK's Bedrock
 * client speaks it), a local S3 (s3rver), and a callback receiver whose answers are scripted.
 * Everything binds 127.0.0.1 and is closed by the caller.
 */
import * as http from "http";
import * as http2 from "http2";
import { AddressInfo } from "net";
import { LocalS3, startLocalS3 as startLocal } from "../harness/local-s3";

/* ------------------------------------------------------------------ Bedrock Converse stand-in */

export interface ConverseRequest {
  modelId: string;
  system: string;
  /** The text of every message, in order. */
  messages: Array<{ role: string; text: string }>;
  inferenceConfig: Record<string, unknown>;
}

export type ConverseReply =
  | { text: string; stopReason?: string; inputTokens?: number; outputTokens?: number }
  | { error: string; status: number; message?: string };

export interface BedrockStandIn {
  url: string;
  requests: ConverseRequest[];
  /** Answers used in order; when they run out, `fallback` answers. */
  queue: ConverseReply[];
  /** While set, answers wait for it (to observe an agent mid-task). */
  hold?: Promise<void>;
  fallback: (req: ConverseRequest) => ConverseReply;
  close(): Promise<void>;
}

export async function startBedrockStandIn(
  fallback: (req: ConverseRequest) => ConverseReply,
): Promise<BedrockStandIn> {
  const standIn = {
    requests: [] as ConverseRequest[],
    queue: [] as ConverseReply[],
    fallback,
  } as BedrockStandIn;
  const server = http2.createServer();
  server.on("stream", (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", async () => {
      if (standIn.hold) await standIn.hold;
      const p = String(headers[":path"] ?? "");
      const m = /^\/model\/([^/]+)\/converse$/.exec(p);
      if (headers[":method"] !== "POST" || !m) {
        stream.respond({ ":status": 404, "content-type": "application/json" });
        stream.end(JSON.stringify({ message: `no route ${p}` }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
      const req: ConverseRequest = {
        modelId: decodeURIComponent(m[1]),
        system: (body.system ?? []).map((b: { text?: string }) => b.text ?? "").join(""),
        messages: (body.messages ?? []).map((msg: { role: string; content: Array<{ text?: string }> }) => ({
          role: msg.role,
          text: msg.content.map((c) => c.text ?? "").join(""),
        })),
        inferenceConfig: body.inferenceConfig ?? {},
      };
      standIn.requests.push(req);
      const reply = standIn.queue.length ? standIn.queue.shift()! : standIn.fallback(req);
      if ("error" in reply) {
        stream.respond({
          ":status": reply.status,
          "content-type": "application/json",
          "x-amzn-errortype": `${reply.error}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
          "x-amzn-requestid": `req-${standIn.requests.length}`,
        });
        stream.end(JSON.stringify({ message: reply.message ?? `${reply.error} from the stand-in` }));
        return;
      }
      const inputTokens =
        reply.inputTokens ??
        Math.ceil((req.system.length + req.messages.map((x) => x.text).join("").length) / 4);
      const outputTokens = reply.outputTokens ?? Math.ceil(reply.text.length / 4);
      stream.respond({
        ":status": 200,
        "content-type": "application/json",
        "x-amzn-requestid": `req-${standIn.requests.length}`,
      });
      stream.end(
        JSON.stringify({
          output: { message: { role: "assistant", content: [{ text: reply.text }] } },
          stopReason: reply.stopReason ?? "end_turn",
          usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
          metrics: { latencyMs: 1 },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  standIn.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      // Drop the SDK's pooled HTTP/2 sessions so close() returns.
      for (const s of sessions) s.destroy();
    });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  return standIn;
}

/* ------------------------------------------------------------------ S3 (s3rver) */

export type { LocalS3 };
/** s3rver on 127.0.0.1 with one bucket (test/harness/local-s3.ts). */
export const startLocalS3 = (bucket: string): Promise<LocalS3> => startLocal(bucket);

/* ------------------------------------------------------------------ callback receiver */

export interface ReceivedCallback {
  path: string;
  body: Record<string, unknown>;
  status: number;
}

export interface CallbackReceiver {
  url: string;
  /** Statuses answered in order; when they run out, 200. */
  statuses: number[];
  received: ReceivedCallback[];
  /** Resolves when `n` callbacks have arrived (rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<ReceivedCallback[]>;
  close(): Promise<void>;
}

export async function startCallbackReceiver(statuses: number[] = []): Promise<CallbackReceiver> {
  const rx = { statuses: [...statuses], received: [] as ReceivedCallback[] } as CallbackReceiver;
  let waiters: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const status = rx.statuses.length ? rx.statuses.shift()! : 200;
      rx.received.push({
        path: req.url ?? "/",
        body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
        status,
      });
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ status }));
      const w = waiters;
      waiters = [];
      w.forEach((f) => f());
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  rx.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  rx.waitFor = (n, ms = 10_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`expected ${n} callbacks, got ${rx.received.length}`)),
        ms,
      );
      const check = () => {
        if (rx.received.length >= n) {
          clearTimeout(timer);
          resolve(rx.received);
        } else waiters.push(check);
      };
      check();
    });
  rx.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return rx;
}

/* ------------------------------------------------------------------ log capture */

/**
 * Captures the JSON log lines the process writes to stdout/stderr (Powertools writes there); everything
 * else (the test reporter) passes through.
 */
export function captureLogs(): {
  lines: () => string[];
  text: () => string;
  clear: () => void;
  restore: () => void;
} {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  let chunks: string[] = [];
  const grab =
    (original: typeof process.stdout.write) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
      if (
        text.startsWith('{"level"') ||
        text.startsWith("(node:") ||
        text.includes("NodeVersionSupportWarning")
      ) {
        chunks.push(text);
        return true;
      }
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    };
  process.stdout.write = grab(out) as typeof process.stdout.write;
  process.stderr.write = grab(err) as typeof process.stderr.write;
  return {
    text: () => chunks.join(""),
    lines: () => chunks.join("").split("\n").filter(Boolean),
    clear: () => {
      chunks = [];
    },
    restore: () => {
      process.stdout.write = out;
      process.stderr.write = err;
    },
  };
}

/* ------------------------------------------------------------------ deterministic model answers */

/** A valid researcher answer for a topic (two findings, two sources). */
export function researchAnswer(topic: string): Record<string, unknown> {
  return {
    summary: `What is known about ${topic}, in brief.`,
    findings: [
      {
        finding: `${topic} is studied widely`,
        detail: "Several surveys agree.",
        confidence: "high",
        source_ids: ["S1", "S2"],
      },
      {
        finding: `${topic} has open problems`,
        detail: "Benchmarks disagree.",
        confidence: "medium",
        source_ids: ["S2"],
      },
    ],
    sources: [
      { id: "S1", title: "A survey", url: "https://example.org/survey", kind: "academic", year: 2024 },
      { id: "S2", title: "An industry report", kind: "industry" },
    ],
    gaps: ["long-term effects"],
  };
}

/** A valid analyst answer. */
export function analysisAnswer(): Record<string, unknown> {
  return {
    summary: "The field is maturing; costs fall while risks concentrate in integration.",
    key_insights: [{ insight: "Adoption is accelerating", evidence: ["S1"], confidence: "high" }],
    trends: [{ trend: "Cheaper inference", direction: "rising" }],
    risks: [
      { risk: "Vendor lock-in", likelihood: "medium", impact: "high", mitigation: "Abstract the model API" },
    ],
    opportunities: [{ opportunity: "Automated reviews", impact: "medium" }],
    recommendations: [
      { recommendation: "Pilot in one team", priority: "high", rationale: "Low cost, fast feedback" },
    ],
    confidence: 0.72,
  };
}

/** The markdown report a writer answer holds (`extraBytes` pads it, to make large results). */
export function reportAnswer(topic: string, extraBytes = 0): string {
  const padding =
    extraBytes > 0
      ? "\n\n## Appendix\n\n" + "Detail line for the appendix.\n".repeat(Math.ceil(extraBytes / 30))
      : "";
  return `# Report on ${topic}\n\n## Executive summary\n\nShort summary.\n\n## Recommendations\n\n- Pilot in one team.${padding}`;
}

/** Answers by agent (recognised from its system prompt), like a well-behaved model would. */
export function deterministicAnswer(req: ConverseRequest): ConverseReply {
  const user = req.messages[0]?.text ?? "";
  const topic = /(?:Research this topic|Topic): (.+)/.exec(user)?.[1]?.trim() ?? "the topic";
  if (req.system.includes("You are the researcher")) return { text: JSON.stringify(researchAnswer(topic)) };
  if (req.system.includes("You are the analyst"))
    return { text: "```json\n" + JSON.stringify(analysisAnswer()) + "\n```" };
  if (req.system.includes("You are the writer")) return { text: reportAnswer(topic) };
  return { error: "ValidationException", status: 400, message: "unknown system prompt" };
}
