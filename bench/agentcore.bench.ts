/**
 * AgentCore agents: Bedrock Converse requests per task (clean, under throttling, with a schema repair),
 * the memory of an idle agent process (the real bundle, as the image runs it), and the size of what each
 * image adds to its base image (the esbuild bundle and prompts; measured without a Docker engine).
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { gzipSync } from "zlib";
import { REPO_ROOT } from "../lib/bundle";
import { stageAgentContext } from "../components/agents/build-context";
import { AGENT_NAMES, type AgentName } from "../components/agents/runtime-naming";
import { startAgent } from "../functions/agents/runtime";
import {
  analysisAnswer,
  deterministicAnswer,
  researchAnswer,
  startBedrockStandIn,
  startCallbackReceiver,
  startLocalS3,
  type BedrockStandIn,
  type CallbackReceiver,
} from "../test/agentcore/standins";

export const title =
  "AgentCore agents: Bedrock requests per task, idle agent memory (RSS), bytes each image adds (bundle + prompts)";

const BUCKET = "bench-artifacts";
const MODEL = "anthropic.claude-3-5-sonnet-20241022-v2:0";
const TASKS = 10;

function payload(agent: AgentName, rx: CallbackReceiver, i: number): Record<string, unknown> {
  const common = {
    workflow_id: `wf-bench-${i}`,
    callback_url: `${rx.url}/callbacks/wf-bench-${i}`,
    callback_token: `tok-${agent}-${i}`,
  };
  if (agent === "researcher")
    return { ...common, topic: `Benchmark topic ${i}`, parameters: { depth: "comprehensive" } };
  if (agent === "analyst")
    return {
      ...common,
      topic: `Benchmark topic ${i}`,
      research_data: researchAnswer(`Benchmark topic ${i}`),
    };
  return {
    ...common,
    topic: `Benchmark topic ${i}`,
    analysis: analysisAnswer(),
    feedback: "Shorter summary, please.",
  };
}

async function dispatch(url: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}/invocations`, { method: "POST", body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`dispatch answered ${res.status}`);
}

async function callsPerTask(bedrock: BedrockStandIn): Promise<void> {
  console.log(
    `Bedrock requests per task (${TASKS} tasks per agent and scenario, in-process agents, loopback Bedrock):`,
  );
  const scenarios: Array<{ label: string; inject: (agent: AgentName) => void }> = [
    { label: "clean", inject: () => undefined },
    {
      label: "first request throttled",
      inject: () => bedrock.queue.push({ error: "ThrottlingException", status: 429 }),
    },
    {
      label: "first answer fails the schema",
      inject: (agent) => {
        if (agent !== "writer") bedrock.queue.push({ text: '{"summary": ""}' });
      },
    },
  ];
  for (const scenario of scenarios) {
    const cells: string[] = [];
    for (const agent of AGENT_NAMES) {
      const rx = await startCallbackReceiver();
      const a = await startAgent({
        agent,
        env: {
          ARTIFACT_BUCKET: BUCKET,
          MODEL_ID: MODEL,
          BEDROCK_BASE_DELAY_MS: "5",
          LOG_LEVEL: "ERROR",
          S3_FORCE_PATH_STYLE: "true",
        },
      });
      bedrock.requests.length = 0;
      for (let i = 0; i < TASKS; i++) {
        scenario.inject(agent);
        await dispatch(a.url, payload(agent, rx, i));
        await a.idle();
      }
      await rx.waitFor(TASKS);
      const ok = rx.received.filter((r) => r.body.status === "SUCCESS").length;
      cells.push(`${agent} ${(bedrock.requests.length / TASKS).toFixed(2)} (${ok}/${TASKS} SUCCESS)`);
      await a.close(1000);
      await rx.close();
    }
    console.log(`  ${scenario.label.padEnd(30)} ${cells.join(" | ")}`);
  }
}

function rssKiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
}

async function waitForPing(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/ping`)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`agent at ${url} did not answer /ping`);
}

async function memoryAtRest(bedrockUrl: string, s3Url: string): Promise<void> {
  console.log(
    "Idle agent memory: the staged bundle run with `node index.js` as the image does (RSS from /proc):",
  );
  for (const [n, agent] of AGENT_NAMES.entries()) {
    const ctx = stageAgentContext(agent);
    const port = 18900 + n;
    const child: ChildProcess = spawn(process.execPath, ["index.js"], {
      cwd: path.join(REPO_ROOT, ctx.dir),
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: "127.0.0.1",
        ARTIFACT_BUCKET: BUCKET,
        MODEL_ID: MODEL,
        LOG_LEVEL: "ERROR",
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "S3RVER",
        AWS_SECRET_ACCESS_KEY: "S3RVER",
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrockUrl,
        AWS_ENDPOINT_URL_S3: s3Url,
        S3_FORCE_PATH_STYLE: "true",
        NODE_OPTIONS: "--enable-source-maps",
      },
      stdio: "ignore",
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitForPing(url);
      await new Promise((r) => setTimeout(r, 500));
      const idle = rssKiB(child.pid!);
      const rx = await startCallbackReceiver();
      const after: string[] = [];
      for (let i = 0; i < 200; i++) {
        await dispatch(url, payload(agent, rx, i));
        await rx.waitFor(i + 1, 20_000);
        if (i + 1 === 20 || i + 1 === 200) {
          await new Promise((r) => setTimeout(r, 500));
          after.push(`after ${i + 1} tasks ${(rssKiB(child.pid!) / 1024).toFixed(1)} MiB`);
        }
      }
      await rx.close();
      console.log(
        `  ${agent.padEnd(10)} idle after start ${(idle / 1024).toFixed(1)} MiB; idle ${after.join("; idle ")}`,
      );
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  }
}

function imageSizes(): void {
  console.log("What each image adds to node:22-bookworm-slim (staged build context, no Docker engine):");
  for (const agent of AGENT_NAMES) {
    const ctx = stageAgentContext(agent);
    const code = fs.readFileSync(path.join(REPO_ROOT, ctx.dir, "index.js"));
    const prompts = Object.entries(ctx.files)
      .filter(([f]) => f.startsWith("prompts/"))
      .reduce((a, [, n]) => a + n, 0);
    console.log(
      `  ${agent.padEnd(10)} index.js ${(ctx.bundleBytes / 1024).toFixed(1)} KiB (gzip ${(gzipSync(code).length / 1024).toFixed(1)} KiB), ` +
        `source map ${(ctx.files["index.js.map"] / 1024).toFixed(1)} KiB, prompts ${prompts} B, context total ${(ctx.contextBytes / 1024).toFixed(1)} KiB`,
    );
  }
}

export async function run(): Promise<void> {
  console.log("starting loopback Bedrock (HTTP/2) and S3 (s3rver) stand-ins ...");
  const saved = { ...process.env };
  const bedrock = await startBedrockStandIn(deterministicAnswer);
  const s3 = await startLocalS3(BUCKET);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
    AWS_ENDPOINT_URL_S3: s3.url,
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_REGION: "us-east-1",
  });
  try {
    await callsPerTask(bedrock);
    await memoryAtRest(bedrock.url, s3.url);
    imageSizes();
  } finally {
    process.env = saved;
    await bedrock.close();
    await s3.close();
  }
}
