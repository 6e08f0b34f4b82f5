/**
 * The image's entry as the container runs it: `node index.js` in the staged build context (the esbuild
 * bundle with prompts/ beside it), as a child process on 127.0.0.1, against the loopback stand-ins.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import { REPO_ROOT } from "../../lib/bundle";
import { stageAgentContext } from "../../components/agents/build-context";
import {
  deterministicAnswer,
  startBedrockStandIn,
  startCallbackReceiver,
  type BedrockStandIn,
  type CallbackReceiver,
} from "./standins";

interface Running {
  child: ChildProcess;
  url: string;
  lines: string[];
}

function runBundle(
  agent: "researcher" | "analyst" | "writer",
  env: Record<string, string>,
): Promise<Running> {
  const ctx = stageAgentContext(agent);
  const child = spawn(process.execPath, ["index.js"], {
    cwd: path.join(REPO_ROOT, ctx.dir),
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
        lines.push(line);
        if (line.includes('"agent_listening"'))
          resolve({ child, url: `http://127.0.0.1:${JSON.parse(line).port}`, lines });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(Object.assign(new Error(`exited with ${code}`), { code, lines })));
    setTimeout(() => reject(new Error(`no agent_listening line: ${lines.join("\n")}`)), 10_000).unref();
  });
}

describe("agentcore container entry (the staged bundle run with node)", function () {
  this.timeout(30_000);
  let bedrock: BedrockStandIn;
  let rx: CallbackReceiver;

  before(async () => {
    bedrock = await startBedrockStandIn(deterministicAnswer);
    rx = await startCallbackReceiver();
  });
  after(async () => {
    await bedrock.close();
    await rx.close();
  });

  it("serves /ping, runs a task with the prompts beside the bundle, and exits 0 on SIGTERM", async () => {
    const run = await runBundle("researcher", {
      PORT: "0",
      HOST: "127.0.0.1",
      ARTIFACT_BUCKET: "entry-test-artifacts",
      MODEL_ID: "anthropic.claude-3-5-sonnet-20241022-v2:0",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIDENTRYTEST",
      AWS_SECRET_ACCESS_KEY: "entry-test-secret",
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
    });
    try {
      const pong = (await (await fetch(`${run.url}/ping`)).json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(pong).sort(), ["status", "time_of_last_update"]);
      const res = await fetch(`${run.url}/invocations`, {
        method: "POST",
        body: JSON.stringify({
          workflow_id: "wf-entry",
          callback_url: `${rx.url}/callbacks/wf-entry`,
          callback_token: "entry-token",
          topic: "Container entry points",
        }),
      });
      assert.equal(res.status, 200);
      const [cb] = await rx.waitFor(1);
      assert.equal(cb.body.status, "SUCCESS");
      assert.match(bedrock.requests[0].system, /^You are the researcher/);
    } finally {
      run.child.kill("SIGTERM");
    }
    const code = await new Promise((r) => run.child.once("exit", r));
    assert.equal(code, 0);
  });

  it("exits 1 at start-up naming the missing settings", async () => {
    await assert.rejects(
      runBundle("writer", { PORT: "0", HOST: "127.0.0.1" }),
      (err: { code: number; lines: string[] }) => {
        assert.equal(err.code, 1);
        const line = JSON.parse(err.lines.find((l) => l.includes("agent_settings_invalid"))!);
        assert.deepEqual(line.problems, [
          "ARTIFACT_BUCKET is required (the artifacts bucket name)",
          "MODEL_ID is required (a Bedrock model or inference profile id)",
        ]);
        return true;
      },
    );
  });
});
