/**
 * Durable agent orchestration, measured locally (dynalite, s3rver, recording Lambda/EventBridge endpoint,
 * HTTP/2 AgentCore stand-in; the controller in the durable SDK's local runner):
 * - checkpointed bytes per workflow (the durable history the service would store) and handler replays;
 * - DynamoDB, Lambda and EventBridge API calls per phase, counted at the local endpoints;
 * - API handler latency against dynalite (in-process handler calls, so only handler + DynamoDB time).
 */
import "../test/agents/support/quiet";
import { LocalDurableTestRunner } from "@aws/durable-execution-sdk-js-testing";
import { bundle } from "../lib/bundle";
import { apiEvent } from "../test/agents/support/events";
import { Rig, startRig } from "../test/agents/support/workflow-rig";

export const title = "agents: checkpoint bytes, API calls per phase, API latency against dynalite";

const WORKFLOWS = 5;

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`bench: timed out waiting for ${what}`);
}

function snapshot(rig: Rig): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(rig.dynamo.calls.snapshot())) out[`dynamodb:${k}`] = v;
  for (const [k, v] of Object.entries(rig.aws.calls.snapshot())) out[k] = v;
  out["agentcore:InvokeAgentRuntime"] = rig.agents.tasks.length;
  return out;
}
function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const d: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) d[k] = v - (before[k] ?? 0);
  return d;
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

export async function run(): Promise<void> {
  console.log("starting local servers (dynalite, s3rver, recorder, AgentCore stand-in) on 127.0.0.1");
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: false });
  const rig = await startRig();
  try {
    // Agents stay silent: the bench delivers each callback itself, so every phase is a clean window.
    rig.behaviour = {
      research: { status: "SILENT" },
      analysis: { status: "SILENT" },
      writing: { status: "SILENT" },
    };
    const perPhase = new Map<string, Record<string, number>[]>();
    const bytes: number[] = [];
    const replays: number[] = [];
    const record = (phase: string, d: Record<string, number>) =>
      perPhase.set(phase, [...(perPhase.get(phase) ?? []), d]);

    for (let w = 0; w < WORKFLOWS; w++) {
      const id = `wf-bench-${w}`;
      const runner = rig.newRunner();
      let execution: ReturnType<typeof runner.run> | undefined;
      rig.aws.hooks.onStart = (inv) => (execution = runner.run({ payload: inv.payload }));
      const tasks = () => rig.agents.tasks.filter((t) => t.payload.workflow_id === id);
      const answer = async (i: number, result: unknown) => {
        const t = tasks()[i];
        const res = await rig.callback(
          apiEvent("POST /callbacks/{workflow_id}", {
            path: { workflow_id: id },
            body: { token: t.payload.callback_token, status: "SUCCESS", result },
          }),
        );
        if (res.statusCode !== 200) throw new Error(`bench: callback answered ${res.statusCode} ${res.body}`);
      };

      let s = snapshot(rig);
      await rig.api(
        apiEvent("POST /workflows", {
          body: { topic: `bench topic ${w}`, parameters: { n: w }, workflow_id: id },
        }),
      );
      await until("research dispatch", () => tasks().length === 1);
      record("1 start → research dispatched", diff(snapshot(rig), s));

      s = snapshot(rig);
      await answer(0, { findings: ["a", "b"], text: "r".repeat(2000) });
      await until("analysis dispatch", () => tasks().length === 2);
      record("2 research callback → analysis dispatched", diff(snapshot(rig), s));

      s = snapshot(rig);
      await answer(1, { summary: "s".repeat(2000) });
      await until("approval request", () =>
        rig.aws.events.some((e) => e.resources[0] === id && e.detailType === "ApprovalRequested"),
      );
      record("3 analysis callback → approval requested", diff(snapshot(rig), s));

      s = snapshot(rig);
      await rig.api(
        apiEvent("POST /workflows/{workflow_id}/approval", {
          path: { workflow_id: id },
          body: { approved: true },
        }),
      );
      await until("writer dispatch", () => tasks().length === 3);
      record("4 approval → writing dispatched", diff(snapshot(rig), s));

      s = snapshot(rig);
      await answer(2, { title: "t", body: "w".repeat(4000) });
      const done = await execution!;
      record("5 writing callback → COMPLETED", diff(snapshot(rig), s));
      if ((done.getResult() as { status: string }).status !== "COMPLETED")
        throw new Error("bench: workflow did not complete");
      bytes.push(Buffer.byteLength(JSON.stringify(done.getHistoryEvents())));
      replays.push(done.getInvocations().length);
    }

    console.log(
      `\nworkflows run: ${WORKFLOWS} (phase results of 2-4 KB; >200 KB would travel as S3 references)`,
    );
    console.log(
      `checkpointed history per workflow: ${Math.round(bytes.reduce((a, b) => a + b, 0) / bytes.length)} bytes (min ${Math.min(...bytes)}, max ${Math.max(...bytes)})`,
    );
    console.log(
      `handler invocations per workflow (first run + replays): ${replays.join(", ")}; agent dispatches per workflow: ${rig.agents.tasks.length / WORKFLOWS}`,
    );
    console.log("\nAPI calls per phase (mean per workflow):");
    let total = 0;
    for (const [phase, ds] of perPhase) {
      const keys = [...new Set(ds.flatMap((d) => Object.keys(d)))].sort();
      const parts = keys.map((k) => {
        const mean = ds.reduce((a, d) => a + (d[k] ?? 0), 0) / ds.length;
        total += mean;
        return `${k}=${Number.isInteger(mean) ? mean : mean.toFixed(1)}`;
      });
      console.log(`  ${phase.padEnd(44)} ${parts.join("  ")}`);
    }
    console.log(`  total AWS API calls per workflow: ${total.toFixed(1)}`);

    // ---- API handler latency against dynalite ----
    const N = 200;
    rig.aws.hooks.onStart = undefined;
    const time = async (
      label: string,
      make: (i: number) => Parameters<Rig["api"]>[0],
      h: Rig["api"] = rig.api,
    ) => {
      const ms: number[] = [];
      for (let i = 0; i < N; i++) {
        const ev = make(i);
        const t0 = process.hrtime.bigint();
        const res = await h(ev);
        ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (res.statusCode >= 500) throw new Error(`bench: ${label} answered ${res.statusCode}`);
      }
      console.log(
        `  ${label.padEnd(44)} p50 ${pct(ms, 50).toFixed(3)} ms  p95 ${pct(ms, 95).toFixed(3)} ms  (n=${N})`,
      );
    };
    console.log("\nAPI handler latency (in process, dynalite on loopback):");
    await time("POST /workflows (put + Lambda Invoke)", (i) =>
      apiEvent("POST /workflows", { body: { topic: `latency ${i}`, workflow_id: `wf-lat-${i}` } }),
    );
    await time("GET /workflows/{id} (completed, presign)", (i) =>
      apiEvent("GET /workflows/{workflow_id}", { path: { workflow_id: `wf-bench-${i % WORKFLOWS}` } }),
    );
    await time("GET /workflows?status=INITIALIZING&limit=20", () =>
      apiEvent("GET /workflows", { query: { status: "INITIALIZING", limit: "20" } }),
    );
    await time(
      "POST /callbacks/{id} forged token (403)",
      () =>
        apiEvent("POST /callbacks/{workflow_id}", {
          path: { workflow_id: "wf-bench-0" },
          body: { token: "forged", status: "SUCCESS", result: 1 },
        }),
      rig.callback,
    );
    await time(
      "POST /callbacks/{id} invalid body (400)",
      () =>
        apiEvent("POST /callbacks/{workflow_id}", {
          path: { workflow_id: "wf-bench-0" },
          body: { token: "x" },
        }),
      rig.callback,
    );

    console.log("\nLambda bundles (minified):");
    for (const fn of ["agents/controller", "agents/api", "agents/callback"])
      console.log(`  ${fn.padEnd(20)} ${(bundle(fn).bytes / 1024).toFixed(0)} KB`);
  } finally {
    await rig.stop();
    await LocalDurableTestRunner.teardownTestEnvironment();
  }
}
