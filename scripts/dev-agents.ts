/**
 * `npm run dev:agents -- "<topic>" [--approve | --reject] [--fail=<phase>]`
 *
 * Runs one agent-orchestration workflow end to end on this machine, with no cloud and no Docker:
 * the real API, callback and durable controller code; the controller inside the durable SDK's local runner;
 * dynalite for DynamoDB, s3rver for S3, a recording endpoint for Lambda and EventBridge, and deterministic
 * stand-in agents behind an HTTP/2 AgentCore endpoint that call back through the callback route. Every
 * server binds to 127.0.0.1 and is stopped at the end. Each phase is printed as it passes; at the approval
 * the script waits for a decision typed on the terminal (or takes --approve / --reject).
 */
import "../test/agents/support/quiet";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LocalDurableTestRunner } from "@aws/durable-execution-sdk-js-testing";
import * as readline from "readline";
import { WorkflowTable } from "../functions/agents/shared/table";
import { apiEvent, parse } from "../test/agents/support/events";
import { startRig } from "../test/agents/support/workflow-rig";

const started = Date.now();
const say = (line: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);

function usage(message?: string): never {
  if (message) console.error(`dev:agents: ${message}`);
  console.error(
    'usage: npm run dev:agents -- "<topic>" [--approve | --reject] [--fail=research|analysis|writing]',
  );
  process.exit(2);
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

async function main(argv: string[]): Promise<number> {
  const flags = argv.filter((a) => a.startsWith("--"));
  const words = argv.filter((a) => !a.startsWith("--"));
  const topic = words.join(" ").trim();
  if (!topic) usage("give a topic");
  if (topic.length > 2000) usage("the topic is longer than 2000 characters");
  const decision = flags.includes("--approve") ? true : flags.includes("--reject") ? false : undefined;
  const fail = flags.find((f) => f.startsWith("--fail="))?.slice("--fail=".length);
  if (fail && !["research", "analysis", "writing"].includes(fail))
    usage(`--fail must be research, analysis or writing`);
  for (const f of flags)
    if (!["--approve", "--reject"].includes(f) && !f.startsWith("--fail=")) usage(`unknown option ${f}`);

  say(
    "starting local servers on 127.0.0.1: dynalite, s3rver, Lambda/EventBridge recorder, AgentCore stand-in",
  );
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: false });
  const rig = await startRig();
  const table = new WorkflowTable(rig.table, 14);
  rig.onProgress = (line) => say(`  agent ${line}`);
  if (fail)
    rig.behaviour[fail as "research"] = {
      status: "FAILURE",
      error: `stand-in ${fail} agent was told to fail`,
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
      apiEvent("POST /workflows", { body: { topic, parameters: { depth: "standard" } } }),
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
    say(`durable execution ${done.getStatus()}: ${JSON.stringify(result)}`);
    const got = parse(await rig.api(apiEvent("GET /workflows/{workflow_id}", { path: { workflow_id: id } })));
    say(
      `GET /workflows/${id} → status ${got.status}, steps ${JSON.stringify((got.steps_completed as { step_name: string }[]).map((s) => s.step_name))}`,
    );
    if (got.report_url) {
      say(`report_url (presigned now, 1 h): ${String(got.report_url).slice(0, 110)}...`);
      const s3 = new S3Client({
        endpoint: rig.s3.endpoint,
        forcePathStyle: true,
        region: "us-east-1",
        credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
      });
      const report = await (
        await s3.send(new GetObjectCommand({ Bucket: rig.bucket, Key: String(got.report_s3_key) }))
      ).Body!.transformToString();
      say(`reports/${id}/final_report.json: ${report}`);
      s3.destroy();
    }
    say(
      `agent dispatches: ${rig.agents.tasks.length}, handler invocations (replays included): ${done.getInvocations().length}, events: ${rig.aws.events.length}, DynamoDB calls: ${rig.dynamo.calls.total()}`,
    );
    return result.status === "FAILED" ? 1 : 0;
  } finally {
    terminal?.rl.close();
    say("stopping local servers");
    await rig.stop();
    await LocalDurableTestRunner.teardownTestEnvironment();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
