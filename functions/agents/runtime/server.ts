/**
 * The AgentCore HTTP protocol server every agent runs (one module shared by the three agents).
 *
 * - `GET /ping` → `{"status": "Healthy" | "HealthyBusy", "time_of_last_update": <unix seconds>}`:
 *   HealthyBusy while any task runs, so AgentCore keeps the session alive; the timestamp moves only when
 *   the status changes (AgentCore uses it to judge progress).
 * - `POST /invocations` → checks the dispatch (either envelope), answers `accepted` at once (200) and
 *   works in the background; 400 names every bad field; 413 for an oversized body; 503 when the container
 *   already runs MAX_CONCURRENT_TASKS tasks. A second dispatch with the same callback token while the
 *   first still runs is answered `accepted` again without starting twice (dispatch steps get retried).
 * - `GET /.well-known/agent-card.json` → what the agent does and how to call it.
 *
 * Each task: resolve S3-referenced inputs, run the agent (Bedrock Converse), put a large result in S3,
 * POST the callback. Any failure becomes a FAILURE callback with a reason that quotes no prompt, result or
 * token.
 */
import { randomUUID, createHash } from "crypto";
import * as http from "http";
import { AddressInfo } from "net";
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import type { AgentDefinition } from "./agent";
import { Artifacts, createS3Client } from "./artifacts";
import { sendCallback } from "./callback";
import {
  checkPayload,
  InvocationError,
  unwrapInvocation,
  type CommonPayload,
  type Invocation,
} from "./contract";
import { publicReason, safeErrorFields } from "./errors";
import { createLogger, loggableUrl, type AgentLogger } from "./logger";
import { createBedrockClient, Model } from "./model";
import { Prompts, runtimePrompts } from "./prompts";
import type { Settings } from "./settings";

export const AGENT_VERSION = "1.0.0";

export interface AgentServerDeps {
  bedrock?: BedrockRuntimeClient;
  s3?: S3Client;
  logger?: AgentLogger;
  /** Jitter source for backoff (tests pin it). */
  random?: () => number;
}

export interface AgentHandle {
  url: string;
  /** Tasks running now. */
  running(): number;
  /** Resolves when no task is running. */
  idle(): Promise<void>;
  /** Stops accepting requests, waits for running tasks (at most `graceMs`), closes the server. */
  close(graceMs?: number): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the body up to `limit` bytes; a larger one is drained and refused with 413 (nothing buffered). */
function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new HttpError(413, `(body): must be at most ${limit} bytes`);
    if (Number(req.headers["content-length"] ?? 0) > limit) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on("end", () =>
      size > limit ? reject(tooLarge()) : resolve(Buffer.concat(chunks).toString("utf8")),
    );
    req.on("error", reject);
  });
}

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** The agent card served at /.well-known/agent-card.json. */
export function agentCard<S extends z.ZodRawShape>(
  def: AgentDefinition<S>,
  settings: Settings,
): Record<string, unknown> {
  const payload = z.object({}).extend({
    workflow_id: z.string().describe("Workflow id; part of the S3 key of large results"),
    callback_url: z.string().describe("URL the result is POSTed to"),
    callback_token: z.string().describe("Token echoed in the callback body"),
    ...def.payloadShape,
  });
  return {
    name: `${def.name}-agent`,
    version: AGENT_VERSION,
    description: def.description,
    protocol: "HTTP",
    endpoints: {
      invocations: "POST /invocations",
      ping: "GET /ping",
      card: "GET /.well-known/agent-card.json",
    },
    capabilities: { asynchronous: true, callbacks: true, streaming: false },
    skills: [{ ...def.skill, input_schema: z.toJSONSchema(payload, { unrepresentable: "any" }) }],
    invocation: {
      envelopes: [
        'JSON-RPC 2.0 {"jsonrpc":"2.0","id":...,"method":"tasks/send","params":{"message":{"role":"user","parts":[{"kind":"text","text":"<payload JSON>"}]}}}',
        "the payload as a plain JSON body",
      ],
      answer: '{"status":"accepted","task_id":...} (inside "result" for JSON-RPC)',
    },
    callback: {
      method: "POST",
      body: '{"token":<callback_token>,"status":"SUCCESS","result":...} or {"token":...,"status":"FAILURE","error":"<reason>"}',
      large_results: {
        over_bytes: settings.INLINE_RESULT_LIMIT_BYTES,
        sent_as:
          '{"artifact_type":"s3_reference","s3_uri":"s3://<bucket>/artifacts/<workflow_id>/<agent>_<timestamp>.json"}',
      },
    },
    model: { id: settings.MODEL_ID },
  };
}

export function createAgentServer<S extends z.ZodRawShape>(
  def: AgentDefinition<S>,
  settings: Settings,
  deps: AgentServerDeps = {},
): { server: http.Server; listen(): Promise<AgentHandle> } {
  const logger = deps.logger ?? createLogger(def.name, settings.LOG_LEVEL);
  const bedrock = deps.bedrock ?? createBedrockClient(settings);
  const artifacts = new Artifacts(deps.s3 ?? createS3Client(settings), settings);
  const prompts = Prompts.load(def.promptDir, def.promptFiles).with(runtimePrompts());
  const card = agentCard(def, settings);

  /** Running tasks keyed by a hash of their callback token (the token itself is never kept as a key). */
  const running = new Map<string, Promise<void>>();
  let lastStatus: "Healthy" | "HealthyBusy" = "Healthy";
  let lastChange = Math.floor(Date.now() / 1000);
  let idleWaiters: Array<() => void> = [];

  const pingStatus = () => {
    const status = running.size > 0 ? "HealthyBusy" : "Healthy";
    if (status !== lastStatus) {
      lastStatus = status;
      lastChange = Math.floor(Date.now() / 1000);
    }
    return { status, time_of_last_update: lastChange };
  };

  async function runTask(taskId: string, payload: CommonPayload & Record<string, unknown>): Promise<void> {
    const started = Date.now();
    const log = logger.createChild({ persistentKeys: { workflow_id: payload.workflow_id, task_id: taskId } });
    const model = new Model(bedrock, settings, log, deps.random);
    log.info("task_started", { callback: loggableUrl(payload.callback_url) });
    let body:
      | { token: string; status: "SUCCESS"; result: unknown }
      | { token: string; status: "FAILURE"; error: string };
    try {
      const result = await def.run({
        payload,
        taskId,
        prompts,
        model,
        artifacts,
        logger: log,
        settings,
      } as never);
      const out = await artifacts.inlineOrReference(result, payload.workflow_id, def.name);
      log.info("task_succeeded", {
        result_bytes: out.bytes,
        bedrock_requests: model.counters.requests,
        throttled: model.counters.throttled,
        s3_reference: out.reference?.s3_uri,
        duration_ms: Date.now() - started,
      });
      body = { token: payload.callback_token, status: "SUCCESS", result: out.value };
    } catch (err) {
      const reason = publicReason(err);
      log.error("task_failed", {
        ...safeErrorFields(err),
        bedrock_requests: model.counters.requests,
        duration_ms: Date.now() - started,
      });
      body = { token: payload.callback_token, status: "FAILURE", error: reason };
    }
    await sendCallback(payload.callback_url, body, settings, log, deps.random);
  }

  function rejectInvocation(
    res: http.ServerResponse,
    err: InvocationError | HttpError,
    inv?: Partial<Invocation>,
  ): void {
    const problems = err instanceof InvocationError ? err.problems : [err.message];
    const status = err instanceof HttpError ? err.status : 400;
    const envelope = err instanceof InvocationError ? err.envelope : inv?.envelope;
    logger.warn("invocation_rejected", { status, problems });
    if (envelope === "jsonrpc") {
      const rpcId = err instanceof InvocationError ? err.rpcId : inv?.rpcId;
      send(res, status, {
        jsonrpc: "2.0",
        id: rpcId ?? null,
        error: { code: -32602, message: `invalid params: ${problems.join("; ")}`, data: { problems } },
      });
    } else {
      send(res, status, { error: `invalid request: ${problems.join("; ")}`, problems });
    }
  }

  async function invoke(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let invocation: Invocation | undefined;
    try {
      const text = await readBody(req, settings.MAX_BODY_BYTES);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new InvocationError(["(body): must be valid JSON"], "plain");
      }
      invocation = unwrapInvocation(body);
      const payload = checkPayload(invocation, def.payloadShape) as CommonPayload & Record<string, unknown>;
      if (
        settings.CALLBACK_URL_PREFIXES.length > 0 &&
        !settings.CALLBACK_URL_PREFIXES.some((p) => payload.callback_url.startsWith(p))
      ) {
        throw new InvocationError(
          ["callback_url: must start with one of the allowed callback prefixes"],
          invocation.envelope,
          invocation.rpcId,
        );
      }
      const key = createHash("sha256").update(payload.callback_token).digest("hex");
      const accepted = (taskId: string, duplicate: boolean) => {
        const result = {
          status: "accepted",
          task_id: taskId,
          workflow_id: payload.workflow_id,
          agent: def.name,
          duplicate,
        };
        send(
          res,
          200,
          invocation!.envelope === "jsonrpc" ? { jsonrpc: "2.0", id: invocation!.rpcId, result } : result,
        );
      };
      if (running.has(key)) {
        logger.info("invocation_duplicate", { workflow_id: payload.workflow_id });
        accepted("duplicate", true);
        return;
      }
      if (running.size >= settings.MAX_CONCURRENT_TASKS) {
        logger.warn("invocation_busy", { running: running.size });
        send(
          res,
          503,
          { error: `busy: ${running.size} tasks running (limit ${settings.MAX_CONCURRENT_TASKS})` },
          { "retry-after": "5" },
        );
        return;
      }
      const taskId = randomUUID();
      const task = runTask(taskId, payload)
        .catch((err) => logger.error("task_crashed", safeErrorFields(err)))
        .finally(() => {
          running.delete(key);
          pingStatus();
          if (running.size === 0) {
            const waiters = idleWaiters;
            idleWaiters = [];
            waiters.forEach((w) => w());
          }
        });
      running.set(key, task);
      pingStatus();
      logger.info("invocation_accepted", {
        workflow_id: payload.workflow_id,
        task_id: taskId,
        envelope: invocation.envelope,
      });
      accepted(taskId, false);
    } catch (err) {
      if (err instanceof InvocationError || err instanceof HttpError) {
        rejectInvocation(res, err, invocation);
        return;
      }
      logger.error("invocation_error", safeErrorFields(err));
      send(res, 500, { error: "internal error; see the agent's logs" });
    }
  }

  const server = http.createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    if (url === "/ping") {
      if (req.method !== "GET") return send(res, 405, { error: "use GET /ping" }, { allow: "GET" });
      return send(res, 200, pingStatus());
    }
    if (url === "/.well-known/agent-card.json") {
      if (req.method !== "GET") return send(res, 405, { error: "use GET" }, { allow: "GET" });
      return send(res, 200, card);
    }
    if (url === "/invocations") {
      if (req.method !== "POST") return send(res, 405, { error: "use POST /invocations" }, { allow: "POST" });
      void invoke(req, res);
      return;
    }
    send(res, 404, { error: "not found" });
  });
  server.keepAliveTimeout = 65_000;

  const handle = (url: string): AgentHandle => ({
    url,
    running: () => running.size,
    idle: () => (running.size === 0 ? Promise.resolve() : new Promise((r) => idleWaiters.push(r))),
    async close(graceMs = 25_000) {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      if (running.size > 0) {
        await Promise.race([
          Promise.all(running.values()),
          new Promise((r) => setTimeout(r, graceMs).unref()),
        ]);
      }
      server.closeAllConnections();
      await closed;
    },
  });

  return {
    server,
    listen: () =>
      new Promise<AgentHandle>((resolve, reject) => {
        server.once("error", reject);
        server.listen(settings.PORT, settings.HOST, () => {
          const addr = server.address() as AddressInfo;
          const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
          logger.info("agent_listening", {
            host: addr.address,
            port: addr.port,
            model_id: settings.MODEL_ID,
          });
          resolve(handle(`http://${host}:${addr.port}`));
        });
      }),
  };
}
