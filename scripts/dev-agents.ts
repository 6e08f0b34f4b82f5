/**
 * `npm run dev:agents -- "<topic>" [--approve | --reject] [--fail=<phase>]`
 *
 * Runs one agent-orchestration workflow end to end on this machine, with no cloud and no Docker:
 * the real API, callback and durable controller code; the controller inside the durable SDK's local runner;
 * dynalite for DynamoDB, s3rver for S3, a recording endpoint for Lambda and EventBridge, and the REAL
 * researcher, analyst and writer (functions/agents/runtime, `startAgent`) as local HTTP servers. The
 * controller's InvokeAgentRuntime calls reach an HTTP/2 AgentCore endpoint that forwards each JSON-RPC body
 * to the matching agent's `POST /invocations`; the agents call Bedrock Converse on a loopback stand-in
 * (deterministic model answers, through AWS_ENDPOINT_URL_BEDROCK_RUNTIME), keep large results in s3rver,
 * and POST their results to a callback bridge that turns `POST /callbacks/<workflow_id>` into an API
 * Gateway event for the real callback handler. `--fail=<phase>` makes the Bedrock stand-in refuse that
 * agent's model call (ValidationException), so the real agent reports FAILURE through its callback.
 * Every server binds to 127.0.0.1 and is stopped at the end. Each phase is printed as it passes; at the
 * approval the script waits for a decision typed on the terminal (or takes --approve / --reject).
 */
import "../test/agents/support/quiet";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { LocalDurableTestRunner } from "@aws/durable-execution-sdk-js-testing";
import * as http from "http";
import type { AddressInfo } from "net";
import * as readline from "readline";
import { startAgent, type AgentHandle, type AgentName } from "../functions/agents/runtime";
import { WorkflowTable } from "../functions/agents/shared/table";
import {
  deterministicAnswer,
  startBedrockStandIn,
  type ConverseReply,
  type ConverseRequest,
} from "../test/agentcore/standins";
import { apiEvent, parse } from "../test/agents/support/events";
import type { AgentTask } from "../test/agents/support/local-aws";
import { startRig, TASK_PHASE, type Rig } from "../test/agents/support/workflow-rig";
import { CliError, parseCli, runCli } from "./cli";

type Phase = "research" | "analysis" | "writing";
const PHASE_AGENT: Record<Phase, AgentName> = {
  research: "researcher",
  analysis: "analyst",
  writing: "writer",
};
const MODEL_ID = "anthropic.claude-3-5-sonnet-20241022-v2:0";
/** Largest callback body the bridge accepts (API Gateway's payload limit). */
const BRIDGE_MAX_BYTES = 10 * 1024 * 1024;

const started = Date.now();
const say = (line: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);

const USAGE = 'npm run dev:agents -- "<topic>" [--approve | --reject] [--fail=research|analysis|writing]';
const SPEC = {
  usage: USAGE,
  flags: {
    approve: { type: "boolean" },
    reject: { type: "boolean" },
    fail: { type: "string", choices: ["research", "analysis", "writing"] },
  },
  positionals: { min: 0, max: 200 },
} as const;

/** A value as readable text: JSON objects indented, multi-line strings (a report) as indented text blocks. */
export function readable(value: unknown, indent = "    "): string {
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      try {
        return readable(JSON.parse(trimmed), indent);
      } catch {
        // not JSON: plain text below
      }
    }
    return value.includes("\n")
      ? "\n" +
          value
            .split("\n")
            .map((l) => indent + l)
            .join("\n")
      : value;
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `\n${indent}${k}: ${readable(v, indent + "  ")}`)
      .join("");
  }
  return JSON.stringify(value);
}

/** One line reader for the whole run (a second reader would lose lines the first one buffered). */
let terminal: { rl: readline.Interface; lines: AsyncIterator<string> } | undefined;
async function ask(question: string): Promise<string> {
  if (!terminal) {
    const rl = readline.createInterface({ input: process.stdin, terminal: false });
    terminal = { rl, lines: rl[Symbol.asyncIterator]() };
  }
  process.stdout.write(question);
  const next = await terminal.lines.next();
  process.stdout.write("\n");
  return next.done ? "" : next.value;
}

/**
 * The Bedrock stand-in's answers: the deterministic model, except that the agent of the `fail` phase
 * (recognised by its system prompt) is refused with a ValidationException.
 */
function modelAnswers(fail?: Phase): (req: ConverseRequest) => ConverseReply {
  return (req) =>
    fail && req.system.includes(`You are the ${PHASE_AGENT[fail]}`)
      ? {
          error: "ValidationException",
          status: 400,
          message: `the local Bedrock stand-in was told to refuse the ${PHASE_AGENT[fail]}`,
        }
      : deterministicAnswer(req);
}

interface Bridge {
  url: string;
  close(): Promise<void>;
}

/**
 * `POST /callbacks/<workflow_id>` → an API Gateway v2 event for the real callback handler; answers with the
 * handler's status and body. Anything else is a 404.
 */
async function startCallbackBridge(
  handle: (workflowId: string, body: string) => Promise<{ statusCode: number; body: string }>,
): Promise<Bridge> {
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: string) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(body);
    };
    const m = /^\/callbacks\/([^/?]+)$/.exec((req.url ?? "/").split("?")[0]);
    if (req.method !== "POST" || !m) {
      req.resume();
      return reply(404, JSON.stringify({ message: "the bridge serves POST /callbacks/{workflow_id} only" }));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= BRIDGE_MAX_BYTES) chunks.push(c);
    });
    req.on("end", () => {
      if (size > BRIDGE_MAX_BYTES)
        return reply(413, JSON.stringify({ message: `body over ${BRIDGE_MAX_BYTES} bytes` }));
      handle(decodeURIComponent(m[1]), Buffer.concat(chunks).toString("utf8")).then(
        (out) => reply(out.statusCode, out.body),
        (err: Error) => reply(500, JSON.stringify({ message: `bridge: ${err.name}` })),
      );
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function main(argv: string[]): Promise<number> {
  const { flags, positionals } = parseCli(SPEC, argv);
  const topic = positionals.join(" ").trim();
  if (!topic) throw new CliError("give a topic", true);
  if (topic.length > 2000) throw new CliError("the topic is longer than 2000 characters", true);
  if (flags.approve && flags.reject) throw new CliError("--approve and --reject exclude each other", true);
  const decision = flags.approve ? true : flags.reject ? false : undefined;
  const fail = flags.fail;

  say(
    "starting local servers on 127.0.0.1: Bedrock Converse stand-in, callback bridge, dynalite, s3rver, Lambda/EventBridge recorder, AgentCore endpoint",
  );
  const bedrock = await startBedrockStandIn(modelAnswers(fail as Phase | undefined));
  process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = bedrock.url;
  // Which phase a callback token belongs to (to say whose callback came through the bridge).
  const tokenPhase = new Map<string, Phase>();
  const ready: { rig?: Rig } = {};
  const bridge = await startCallbackBridge(async (workflowId, body) => {
    const rig = ready.rig;
    if (!rig) return { statusCode: 503, body: JSON.stringify({ message: "not ready" }) };
    let sent: { token?: string; status?: string; error?: unknown } = {};
    try {
      sent = JSON.parse(body);
    } catch {
      // The handler answers a bad body itself.
    }
    const res = await rig.callback(
      apiEvent("POST /callbacks/{workflow_id}", { path: { workflow_id: workflowId }, rawBody: body }),
    );
    const phase = (sent.token && tokenPhase.get(sent.token)) || "unknown phase";
    const agent = phase === "unknown phase" ? "an agent" : `the real ${PHASE_AGENT[phase]}`;
    rig.onProgress?.(
      `${phase}: ${agent} called back ${sent.status ?? "?"}${sent.status === "FAILURE" ? ` (${JSON.stringify(sent.error)})` : ""} through the bridge → callback handler HTTP ${res.statusCode}`,
    );
    return { statusCode: res.statusCode, body: res.body ?? "" };
  });
  let rig: Rig;
  try {
    await LocalDurableTestRunner.setupTestEnvironment({ skipTime: false });
    rig = await startRig({
      env: { CALLBACK_API_URL: bridge.url, AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url },
    });
  } catch (e) {
    await Promise.all([bridge.close(), bedrock.close()]);
    throw e;
  }
  ready.rig = rig;
  const table = new WorkflowTable(rig.table, 14);
  rig.onProgress = (line) => say(`  agent ${line}`);

  // The real agents, after the rig: their S3 clients take s3rver's endpoint and credentials from the
  // environment the rig set (AWS_ENDPOINT_URL_S3, S3RVER/S3RVER), their Bedrock clients the stand-in's.
  const agents = {} as Record<Phase, AgentHandle>;
  const started: AgentHandle[] = [];
  try {
    for (const phase of ["research", "analysis", "writing"] as const) {
      agents[phase] = await startAgent({
        agent: PHASE_AGENT[phase],
        env: {
          ARTIFACT_BUCKET: rig.bucket,
          MODEL_ID,
          S3_FORCE_PATH_STYLE: "true",
          BEDROCK_BASE_DELAY_MS: "50",
          CALLBACK_BASE_DELAY_MS: "100",
          CALLBACK_URL_PREFIXES: `${bridge.url}/callbacks/`,
          LOG_LEVEL: "ERROR",
        },
      });
      started.push(agents[phase]);
      say(`real ${PHASE_AGENT[phase]} agent listening on ${agents[phase].url}`);
    }
  } catch (e) {
    await Promise.all(started.map((a) => a.close(1000)));
    await Promise.all([bridge.close(), bedrock.close(), rig.stop()]);
    await LocalDurableTestRunner.teardownTestEnvironment();
    throw e;
  }

  // AgentCore's InvokeAgentRuntime hands the request body to the runtime's POST /invocations unchanged:
  // forward the controller's JSON-RPC body to the real agent of the task's phase.
  const live = rig;
  rig.agents.onTask = (task: AgentTask) => {
    const phase = TASK_PHASE[task.payload.task];
    if (!phase) {
      live.onProgress?.(`no agent for task "${task.payload.task}" (from ${task.agentArn})`);
      return;
    }
    const agent = agents[phase];
    tokenPhase.set(task.payload.callback_token, phase);
    live.onProgress?.(`${phase}: dispatched to the real ${PHASE_AGENT[phase]} on ${agent.url}`);
    void (async () => {
      let status = 0;
      let text: string;
      try {
        const res = await fetch(`${agent.url}/invocations`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(task.rpc),
          signal: AbortSignal.timeout(30_000),
        });
        status = res.status;
        text = await res.text();
      } catch (err) {
        text = `(${(err as Error).name})`;
      }
      live.onProgress?.(`${phase}: ${PHASE_AGENT[phase]} answered HTTP ${status} ${text}`);
      if (status === 200) return;
      // A refused dispatch would leave the controller waiting for hours: report it as the agent's failure.
      const res = await live.callback(
        apiEvent("POST /callbacks/{workflow_id}", {
          path: { workflow_id: task.payload.workflow_id },
          body: {
            token: task.payload.callback_token,
            status: "FAILURE",
            error: `the real ${PHASE_AGENT[phase]} refused the task (HTTP ${status})`,
          },
        }),
      );
      live.onProgress?.(`${phase}: refusal reported as FAILURE → callback handler HTTP ${res.statusCode}`);
    })();
  };

  try {
    const runner = rig.newRunner();
    let execution: ReturnType<typeof runner.run> | undefined;
    rig.aws.hooks.onStart = (inv) => {
      say(
        `Lambda Invoke (Event) of ${inv.functionName}, execution name ${inv.executionName}: durable run starts`,
      );
      execution = runner.run({ payload: inv.payload });
    };
    const res = await rig.api(
      apiEvent("POST /workflows", { body: { topic, parameters: { depth: "comprehensive" } } }),
    );
    const body = parse(res);
    say(`POST /workflows → ${res.statusCode} ${res.body}`);
    if (res.statusCode !== 202 || !execution) return 1;
    const id = String(body.workflow_id);

    // Show state changes and events as they happen (bounded: the stand-ins answer at once).
    let last = "";
    let seenEvents = 0;
    let stop = false;
    const watcher = (async () => {
      for (let i = 0; i < 80000 && !stop; i++) {
        const item = await table.get(id);
        const now = `${item?.status} / ${item?.current_step}`;
        if (item && now !== last) {
          say(`workflow ${id}: ${now}`);
          last = now;
        }
        const events = rig.aws.events.filter((e) => e.resources[0] === id);
        for (const e of events.slice(seenEvents)) say(`event ${e.detailType} (source ${e.source})`);
        seenEvents = events.length;
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    // The approval is requested once its ApprovalRequested event is out (the submitter's last act).
    let finished = false;
    void execution.then(() => (finished = true));
    let outcome: "finished" | "approval" | undefined;
    for (let i = 0; i < 24000 && !outcome; i++) {
      if (rig.aws.events.some((e) => e.resources[0] === id && e.detailType === "ApprovalRequested"))
        outcome = "approval";
      else if (finished) outcome = "finished";
      else await new Promise((r) => setTimeout(r, 25));
    }
    if (!outcome)
      throw new Error("dev:agents: the workflow neither finished nor asked for approval within 10 minutes");
    if (outcome === "approval") {
      const item = await table.get(id);
      say(
        `approval requested: ${JSON.stringify(rig.aws.events.find((e) => e.resources[0] === id && e.detailType === "ApprovalRequested")?.detail.analysis_summary ?? item?.status)}`,
      );
      let approved = decision;
      let note = "";
      if (approved === undefined) {
        const answer = (await ask("Approve this analysis? [y/N] ")).trim().toLowerCase();
        approved = answer === "y" || answer === "yes";
        note = (await ask(approved ? "Feedback for the writer (optional): " : "Reason (optional): ")).trim();
      }
      const ap = await rig.api(
        apiEvent("POST /workflows/{workflow_id}/approval", {
          path: { workflow_id: id },
          body: approved
            ? { approved, ...(note ? { feedback: note } : {}) }
            : { approved, ...(note ? { reason: note } : {}) },
          iamUser: "arn:aws:iam::000000000000:user/local-reviewer",
        }),
      );
      say(`POST /workflows/${id}/approval → ${ap.statusCode} ${ap.body}`);
    }
    const done = await execution;
    stop = true;
    await watcher;
    const result = done.getResult() as { status: string };
    // The workflow's own status decides: a workflow that FAILED is a durable execution that ended normally
    // with a failure result, not a success.
    say(`workflow ${result.status} (durable execution ${done.getStatus()}):${readable(result)}`);
    const got = parse(await rig.api(apiEvent("GET /workflows/{workflow_id}", { path: { workflow_id: id } })));
    say(
      `GET /workflows/${id} → status ${got.status}, steps ${JSON.stringify((got.steps_completed as { step_name: string }[]).map((s) => s.step_name))}`,
    );
    if (got.report_url) {
      say(`report_url (presigned now, 1 h): ${String(got.report_url).slice(0, 110)}...`);
      const s3 = rig.s3.client();
      const report = await (
        await s3.send(new GetObjectCommand({ Bucket: rig.bucket, Key: String(got.report_s3_key) }))
      ).Body!.transformToString();
      say(`reports/${id}/final_report.json:${readable(report)}`);
      s3.destroy();
    }
    const byAgent = Object.values(PHASE_AGENT)
      .map((a) => `${a} ${bedrock.requests.filter((r) => r.system.includes(`You are the ${a}`)).length}`)
      .join(", ");
    say(
      `agent dispatches: ${rig.agents.tasks.length}, Bedrock Converse requests: ${bedrock.requests.length} (${byAgent}), handler invocations (replays included): ${done.getInvocations().length}, events: ${rig.aws.events.length}, DynamoDB calls: ${rig.dynamo.calls.total()}`,
    );
    return result.status === "FAILED" ? 1 : 0;
  } finally {
    terminal?.rl.close();
    say("stopping local servers");
    await Promise.all(started.map((a) => a.close(5000)));
    await Promise.all([bridge.close(), bedrock.close()]);
    await rig.stop();
    await LocalDurableTestRunner.teardownTestEnvironment();
  }
}

if (require.main === module) runCli(USAGE, () => main(process.argv.slice(2)));
