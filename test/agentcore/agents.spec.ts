/**
 * The three agents as real HTTP servers on 127.0.0.1, against loopback stand-ins: Bedrock Converse
 * (HTTP/2, reached through AWS_ENDPOINT_URL_BEDROCK_RUNTIME), S3 (s3rver through AWS_ENDPOINT_URL_S3) and a
 * callback receiver with scripted answers.
 */
import assert from "node:assert/strict";
import { readFileSync } from "fs";
import * as path from "path";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { startAgent, type AgentHandle, type AgentName } from "../../functions/agents/runtime";
import { addTestEnvironment } from "../harness/aws-calls";
import {
  analysisAnswer,
  captureLogs,
  deterministicAnswer,
  reportAnswer,
  researchAnswer,
  startBedrockStandIn,
  startCallbackReceiver,
  startLocalS3,
  type BedrockStandIn,
  type CallbackReceiver,
  type LocalS3,
} from "./standins";

const BUCKET = "agent-orchestration-test-artifacts";
const MODEL = "anthropic.claude-3-5-sonnet-20241022-v2:0";
const TOKEN = "cb-token-5f1c9a7e-SECRET";
const ENV_KEYS = [
  "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
  "AWS_ENDPOINT_URL_S3",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_REGION",
  "AWS_PROFILE",
];

async function post(
  url: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const res = await fetch(`${url}/invocations`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text), text };
}

async function ping(url: string): Promise<{ status: string; time_of_last_update: number }> {
  return (await fetch(`${url}/ping`)).json() as Promise<{ status: string; time_of_last_update: number }>;
}

function rpc(payload: unknown, id: string | number = "req-1"): Record<string, unknown> {
  return {
    jsonrpc: "2.0",
    id,
    method: "tasks/send",
    params: { message: { role: "user", parts: [{ kind: "text", text: JSON.stringify(payload) }] } },
  };
}

describe("agentcore agents (loopback Bedrock, S3 and callback stand-ins)", function () {
  this.timeout(20_000);
  let bedrock: BedrockStandIn;
  let s3: LocalS3;
  let s3client: S3Client;
  let logs: ReturnType<typeof captureLogs>;
  const saved: Record<string, string | undefined> = {};
  const started: AgentHandle[] = [];
  const receivers: CallbackReceiver[] = [];

  before(async () => {
    for (const k of ENV_KEYS) saved[k] = process.env[k];
    bedrock = await startBedrockStandIn(deterministicAnswer);
    s3 = await startLocalS3(BUCKET);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
      AWS_ENDPOINT_URL_S3: s3.url,
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER", // s3rver's fixed credentials
      AWS_REGION: "us-east-1",
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    s3client = new S3Client({ region: "us-east-1", forcePathStyle: true, endpoint: s3.url });
    logs = captureLogs();
  });

  after(async () => {
    logs.restore();
    s3client.destroy();
    await bedrock.close();
    await s3.close();
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  beforeEach(() => {
    bedrock.requests.length = 0;
    bedrock.queue.length = 0;
    bedrock.hold = undefined;
    logs.clear();
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((a) => a.close(2000)));
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  async function agent(name: AgentName, env: Record<string, string> = {}): Promise<AgentHandle> {
    const agentEnv = {
      ARTIFACT_BUCKET: BUCKET,
      MODEL_ID: MODEL,
      MODEL_MAX_TOKENS: "2048",
      BEDROCK_BASE_DELAY_MS: "5",
      CALLBACK_BASE_DELAY_MS: "5",
      S3_FORCE_PATH_STYLE: "true",
      LOG_LEVEL: "DEBUG",
      ...env,
    };
    // `npm run iam` maps the names the agent takes from this environment to the stack's.
    addTestEnvironment(agentEnv);
    const handle = await startAgent({
      agent: name,
      env: agentEnv,
      deps: { random: () => 0.5 },
    });
    started.push(handle);
    return handle;
  }

  async function receiver(statuses: number[] = []): Promise<CallbackReceiver> {
    const rx = await startCallbackReceiver(statuses);
    receivers.push(rx);
    return rx;
  }

  const researchPayload = (rx: CallbackReceiver, extra: Record<string, unknown> = {}) => ({
    workflow_id: "wf-123",
    callback_url: `${rx.url}/callbacks/wf-123`,
    callback_token: TOKEN,
    topic: "Impact of quantum computing on cryptography",
    parameters: { depth: "basic", sources: ["academic", "industry"] },
    ...extra,
  });

  describe("dispatch envelopes", () => {
    it("accepts a plain JSON body at once and POSTs SUCCESS with findings and sources", async () => {
      const a = await agent("researcher");
      const rx = await receiver();
      const res = await post(a.url, researchPayload(rx));
      assert.equal(res.status, 200);
      assert.equal(res.json.status, "accepted");
      assert.equal(res.json.workflow_id, "wf-123");
      assert.equal(res.json.agent, "researcher");
      assert.equal(res.json.duplicate, false);
      assert.match(String(res.json.task_id), /^[0-9a-f-]{36}$/);

      const [cb] = await rx.waitFor(1);
      assert.equal(cb.path, "/callbacks/wf-123");
      assert.equal(cb.body.token, TOKEN);
      assert.equal(cb.body.status, "SUCCESS");
      assert.deepEqual(Object.keys(cb.body).sort(), ["result", "status", "token"]);
      const result = cb.body.result as Record<string, unknown>;
      assert.equal(result.topic, "Impact of quantum computing on cryptography");
      assert.deepEqual(
        result.findings,
        researchAnswer("Impact of quantum computing on cryptography").findings,
      );
      assert.equal((result.sources as unknown[]).length, 2);
      assert.equal((result.metadata as Record<string, unknown>).bedrock_requests, 1);

      // The Converse request: configured model, prompts from the files beside the agent, inference settings.
      assert.equal(bedrock.requests.length, 1);
      const req = bedrock.requests[0];
      assert.equal(req.modelId, MODEL);
      const promptDir = path.join(__dirname, "../../functions/agents/researcher/prompts");
      assert.equal(req.system, readFileSync(path.join(promptDir, "system.md"), "utf8"));
      assert.match(req.messages[0].text, /^Research this topic: Impact of quantum computing on cryptography/);
      assert.match(req.messages[0].text, /Prefer these kinds of sources: academic, industry/);
      assert.equal(req.inferenceConfig.maxTokens, 2048);
      assert.equal(req.inferenceConfig.temperature, 0.2);
    });

    it("accepts the JSON-RPC tasks/send envelope and answers in JSON-RPC", async () => {
      const a = await agent("researcher");
      const rx = await receiver();
      const res = await post(a.url, rpc(researchPayload(rx), 42));
      assert.equal(res.status, 200);
      assert.equal(res.json.jsonrpc, "2.0");
      assert.equal(res.json.id, 42);
      const result = res.json.result as Record<string, unknown>;
      assert.equal(result.status, "accepted");
      assert.equal(result.workflow_id, "wf-123");
      const [cb] = await rx.waitFor(1);
      assert.equal(cb.body.status, "SUCCESS");
      assert.equal(cb.body.token, TOKEN);
    });

    it("starts a task once when the same dispatch arrives twice while it runs", async () => {
      const a = await agent("researcher");
      const rx = await receiver();
      let release!: () => void;
      bedrock.hold = new Promise((r) => (release = r));
      const first = await post(a.url, researchPayload(rx));
      const second = await post(a.url, rpc(researchPayload(rx)));
      assert.equal(first.json.duplicate, false);
      assert.equal((second.json.result as Record<string, unknown>).duplicate, true);
      release();
      await rx.waitFor(1);
      await a.idle();
      assert.equal(rx.received.length, 1);
      assert.equal(bedrock.requests.length, 1);
    });
  });

  describe("bad bodies get 400 naming the field, and echo no value", () => {
    const cases: Array<[string, (rx: CallbackReceiver) => unknown, RegExp]> = [
      ["body that is not JSON", () => "{not json", /\(body\): must be valid JSON/],
      ["JSON array body", () => "[1,2]", /\(body\): must be a JSON object/],
      [
        "missing topic",
        (rx) => ({ ...researchPayload(rx), topic: undefined }),
        /topic: is required \(the research topic\)/,
      ],
      ["topic of the wrong type", (rx) => ({ ...researchPayload(rx), topic: 7 }), /topic: must be a string/],
      [
        "workflow_id with a slash",
        (rx) => ({ ...researchPayload(rx), workflow_id: "../x" }),
        /workflow_id: must be 1-128 letters/,
      ],
      [
        "callback_url that is no URL",
        (rx) => ({ ...researchPayload(rx), callback_url: "callbacks/x" }),
        /callback_url: must be an absolute http\(s\) URL/,
      ],
      [
        "plain-http callback_url to another host",
        (rx) => ({ ...researchPayload(rx), callback_url: "http://api.example.com/callbacks/wf-123" }),
        /callback_url: must use https \(http only for localhost\)/,
      ],
      [
        "missing callback_token",
        (rx) => ({ ...researchPayload(rx), callback_token: undefined }),
        /callback_token: is required/,
      ],
      [
        "depth outside its choices",
        (rx) => ({ ...researchPayload(rx), parameters: { depth: "extreme" } }),
        /parameters\.depth: must be "basic", "comprehensive" or "deep"/,
      ],
    ];
    for (const [label, body, expected] of cases) {
      it(`rejects a ${label}`, async () => {
        const a = await agent("researcher");
        const rx = await receiver();
        const res = await post(a.url, body(rx));
        assert.equal(res.status, 400, res.text);
        assert.match(String(res.json.error), expected);
        assert.ok(Array.isArray(res.json.problems));
        assert.ok(!res.text.includes(TOKEN), "the token must not be echoed");
        assert.ok(!res.text.includes("quantum"), "the topic must not be echoed");
        assert.equal(a.running(), 0);
        assert.equal(bedrock.requests.length, 0);
      });
    }

    it("rejects a JSON-RPC envelope with the wrong method, in JSON-RPC form", async () => {
      const a = await agent("researcher");
      const rx = await receiver();
      const res = await post(a.url, { ...rpc(researchPayload(rx), "r-9"), method: "tasks/get" });
      assert.equal(res.status, 400);
      assert.equal(res.json.jsonrpc, "2.0");
      assert.equal(res.json.id, "r-9");
      const error = res.json.error as { code: number; message: string };
      assert.equal(error.code, -32602);
      assert.match(error.message, /method: must be "tasks\/send"/);
      assert.ok(!res.text.includes(TOKEN));
    });

    it("rejects a JSON-RPC text part that is not JSON, naming the part", async () => {
      const a = await agent("researcher");
      const env = rpc({}) as { params: { message: { parts: Array<{ text: string }> } } };
      env.params.message.parts[0].text = `token ${TOKEN} and not json`;
      const res = await post(a.url, env);
      assert.equal(res.status, 400);
      assert.match(
        (res.json.error as { message: string }).message,
        /params\.message\.parts\.0\.text: must be the payload as a JSON string/,
      );
      assert.ok(!res.text.includes(TOKEN));
    });

    it("rejects a JSON-RPC payload with missing fields, naming them", async () => {
      const a = await agent("analyst");
      const res = await post(
        a.url,
        rpc({ workflow_id: "wf-1", callback_url: "https://x.example/cb", callback_token: TOKEN }),
      );
      assert.equal(res.status, 400);
      assert.match((res.json.error as { message: string }).message, /research_data: is required/);
    });

    it("rejects a callback_url outside CALLBACK_URL_PREFIXES when they are set", async () => {
      const a = await agent("researcher", { CALLBACK_URL_PREFIXES: "https://api.example.com/callbacks/" });
      const rx = await receiver();
      const res = await post(a.url, researchPayload(rx));
      assert.equal(res.status, 400);
      assert.match(
        String(res.json.error),
        /callback_url: must start with one of the allowed callback prefixes/,
      );
    });

    it("refuses a body over MAX_BODY_BYTES with 413, declared or streamed", async () => {
      const a = await agent("researcher", { MAX_BODY_BYTES: "2048" });
      const rx = await receiver();
      const big = JSON.stringify(researchPayload(rx, { topic: "x".repeat(1900), pad: "y".repeat(500) }));
      const declared = await post(a.url, big);
      assert.equal(declared.status, 413);
      assert.match(String(declared.json.error), /\(body\): must be at most 2048 bytes/);
      const streamed = await fetch(`${a.url}/invocations`, {
        method: "POST",
        body: new Blob([big]).stream(),
        duplex: "half",
      } as RequestInit);
      assert.equal(streamed.status, 413);
      assert.equal(a.running(), 0);
    });

    it("answers 405 and 404 on other methods and paths", async () => {
      const a = await agent("writer");
      assert.equal((await fetch(`${a.url}/invocations`)).status, 405);
      assert.equal((await fetch(`${a.url}/ping`, { method: "POST" })).status, 405);
      assert.equal((await fetch(`${a.url}/nope`)).status, 404);
    });
  });

  describe("ping and the agent card", () => {
    it("says Healthy when idle and HealthyBusy while a task runs, moving time_of_last_update on changes", async () => {
      const a = await agent("researcher");
      const rx = await receiver();
      const idle = await ping(a.url);
      assert.equal(idle.status, "Healthy");
      assert.ok(Number.isInteger(idle.time_of_last_update));

      let release!: () => void;
      bedrock.hold = new Promise((r) => (release = r));
      await post(a.url, researchPayload(rx));
      const busy = await ping(a.url);
      assert.equal(busy.status, "HealthyBusy");
      assert.ok(busy.time_of_last_update >= idle.time_of_last_update);
      assert.equal(a.running(), 1);

      release();
      await rx.waitFor(1);
      await a.idle();
      const after = await ping(a.url);
      assert.equal(after.status, "Healthy");
      assert.ok(after.time_of_last_update >= busy.time_of_last_update);
    });

    it("refuses work beyond MAX_CONCURRENT_TASKS with 503 and Retry-After", async () => {
      const a = await agent("researcher", { MAX_CONCURRENT_TASKS: "1" });
      const rx = await receiver();
      let release!: () => void;
      bedrock.hold = new Promise((r) => (release = r));
      assert.equal((await post(a.url, researchPayload(rx))).status, 200);
      const res = await fetch(`${a.url}/invocations`, {
        method: "POST",
        body: JSON.stringify(researchPayload(rx, { callback_token: "another-token" })),
      });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get("retry-after"), "5");
      release();
      await rx.waitFor(1);
    });

    it("describes itself at /.well-known/agent-card.json", async () => {
      for (const name of ["researcher", "analyst", "writer"] as const) {
        const a = await agent(name);
        const card = (await (await fetch(`${a.url}/.well-known/agent-card.json`)).json()) as Record<
          string,
          unknown
        >;
        assert.equal(card.name, `${name}-agent`);
        assert.equal(card.protocol, "HTTP");
        const skill = (
          card.skills as Array<{ input_schema: { properties: Record<string, unknown>; required: string[] } }>
        )[0];
        for (const f of ["workflow_id", "callback_url", "callback_token"])
          assert.ok(skill.input_schema.required.includes(f), `${name} ${f}`);
        const own = { researcher: "topic", analyst: "research_data", writer: "analysis" }[name];
        assert.ok(own in skill.input_schema.properties, `${name} card lists ${own}`);
      }
    });
  });

  describe("Bedrock: throttling and model errors", () => {
    it("retries Converse on ThrottlingException and succeeds", async () => {
      const a = await agent("researcher");
      const rx = await receiver();
      bedrock.queue.push(
        { error: "ThrottlingException", status: 429, message: "Too many requests" },
        { error: "ThrottlingException", status: 429, message: "Too many requests" },
      );
      await post(a.url, researchPayload(rx));
      const [cb] = await rx.waitFor(1);
      assert.equal(cb.body.status, "SUCCESS");
      assert.equal(bedrock.requests.length, 3);
      assert.equal(
        ((cb.body.result as Record<string, unknown>).metadata as Record<string, unknown>).bedrock_requests,
        3,
      );
      const retries = logs.lines().filter((l) => l.includes('"converse_retry"'));
      assert.equal(retries.length, 2);
    });

    it("sends FAILURE (ModelThrottled) after BEDROCK_MAX_ATTEMPTS throttled attempts, and stops there", async () => {
      const a = await agent("researcher", { BEDROCK_MAX_ATTEMPTS: "3" });
      const rx = await receiver();
      bedrock.fallback = () => ({ error: "ThrottlingException", status: 429 });
      try {
        await post(a.url, researchPayload(rx));
        const [cb] = await rx.waitFor(1);
        assert.equal(cb.body.status, "FAILURE");
        assert.deepEqual(Object.keys(cb.body).sort(), ["error", "status", "token"]);
        assert.equal(
          cb.body.error,
          "ModelThrottled: Bedrock Converse still throttled after 3 attempts (ThrottlingException)",
        );
        assert.equal(bedrock.requests.length, 3);
      } finally {
        bedrock.fallback = deterministicAnswer;
      }
    });

    it("abandons a Converse attempt that hangs past MODEL_TIMEOUT_MS, retries, then sends FAILURE", async () => {
      const a = await agent("researcher", { MODEL_TIMEOUT_MS: "1000", BEDROCK_MAX_ATTEMPTS: "2" });
      const rx = await receiver();
      let release!: () => void;
      bedrock.hold = new Promise((r) => (release = r));
      try {
        await post(a.url, researchPayload(rx));
        const [cb] = await rx.waitFor(1, 8000);
        assert.equal(cb.body.status, "FAILURE");
        assert.match(
          String(cb.body.error),
          /^ModelUnavailable: Bedrock Converse still unavailable after 2 attempts \((AbortError|TimeoutError)\)$/,
        );
        assert.equal(bedrock.requests.length, 0, "no attempt was answered");
      } finally {
        release();
      }
    });

    it("sends FAILURE (ModelError) on a model error without retrying or quoting the message", async () => {
      const a = await agent("writer");
      const rx = await receiver();
      bedrock.queue.push({
        error: "ValidationException",
        status: 400,
        message: "Malformed input: Topic: Widgets and ANALYSIS-MARKER",
      });
      await post(a.url, {
        workflow_id: "wf-9",
        callback_url: `${rx.url}/callbacks/wf-9`,
        callback_token: TOKEN,
        topic: "Widgets",
        analysis: { summary: "ANALYSIS-MARKER" },
      });
      const [cb] = await rx.waitFor(1);
      assert.equal(cb.body.status, "FAILURE");
      assert.equal(cb.body.error, "ModelError: Bedrock Converse was refused (ValidationException, HTTP 400)");
      assert.equal(bedrock.requests.length, 1);
      assert.ok(
        !logs.text().includes("ANALYSIS-MARKER"),
        "neither the prompt nor the model's message is logged",
      );
      assert.ok(!logs.text().includes("Malformed input"));
    });
  });

  describe("analyst: schema-checked analysis", () => {
    const analystPayload = (rx: CallbackReceiver, research: unknown) => ({
      workflow_id: "wf-an",
      callback_url: `${rx.url}/callbacks/wf-an`,
      callback_token: TOKEN,
      topic: "Widgets",
      research_data: research,
    });

    it("sends the validated analysis and passes the research data to the model", async () => {
      const a = await agent("analyst");
      const rx = await receiver();
      await post(a.url, analystPayload(rx, researchAnswer("Widgets")));
      const [cb] = await rx.waitFor(1);
      assert.equal(cb.body.status, "SUCCESS");
      const result = cb.body.result as Record<string, unknown>;
      for (const [k, v] of Object.entries(analysisAnswer())) assert.deepEqual(result[k], v, k);
      assert.match(bedrock.requests[0].messages[0].text, /"finding": "Widgets is studied widely"/);
    });

    it("asks the model once to repair an answer that fails the schema, then sends it", async () => {
      const a = await agent("analyst");
      const rx = await receiver();
      bedrock.queue.push({ text: JSON.stringify({ ...analysisAnswer(), confidence: 7 }) });
      await post(a.url, analystPayload(rx, researchAnswer("Widgets")));
      const [cb] = await rx.waitFor(1);
      assert.equal(cb.body.status, "SUCCESS");
      assert.equal(bedrock.requests.length, 2);
      const repair = bedrock.requests[1].messages;
      assert.equal(repair.length, 3);
      assert.equal(repair[1].role, "assistant");
      assert.match(repair[2].text, /confidence: must be a number from 0 to 1/);
    });

    it("sends FAILURE (InvalidModelOutput) naming the failing paths when the answer still fails the schema", async () => {
      const a = await agent("analyst");
      const rx = await receiver();
      const bad = { ...analysisAnswer(), recommendations: [], summary: "RESULT-MARKER" };
      bedrock.queue.push({ text: JSON.stringify(bad) }, { text: "RESULT-MARKER is all I have" });
      await post(a.url, analystPayload(rx, researchAnswer("Widgets")));
      const [cb] = await rx.waitFor(1);
      assert.equal(cb.body.status, "FAILURE");
      assert.match(
        String(cb.body.error),
        /^InvalidModelOutput: the model's answer did not match the schema after 2 attempt\(s\)/,
      );
      assert.match(String(cb.body.error), /\(root\): the answer contains no JSON object/);
      assert.equal(bedrock.requests.length, 2);
      assert.ok(!String(cb.body.error).includes("RESULT-MARKER"));
      assert.ok(!logs.text().includes("RESULT-MARKER"));
    });

    it("reads research_data given as an S3 reference under artifacts/", async () => {
      const key = "artifacts/wf-an/researcher_20261125T000000000Z.json";
      await s3client.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: JSON.stringify(researchAnswer("Gadgets")) }),
      );
      const a = await agent("analyst");
      const rx = await receiver();
      await post(
        a.url,
        analystPayload(rx, { artifact_type: "s3_reference", s3_uri: `s3://${BUCKET}/${key}` }),
      );
      const [cb] = await rx.waitFor(1);
      assert.equal(cb.body.status, "SUCCESS");
      assert.match(bedrock.requests[0].messages[0].text, /Gadgets is studied widely/);
    });

    it("refuses an S3 reference outside the artifacts bucket's artifacts/ prefix", async () => {
      const a = await agent("analyst");
      const rx = await receiver();
      await post(
        a.url,
        analystPayload(rx, { artifact_type: "s3_reference", s3_uri: `s3://${BUCKET}/reports/x.json` }),
      );
      const [cb] = await rx.waitFor(1);
      assert.equal(cb.body.status, "FAILURE");
      assert.equal(
        cb.body.error,
        "InputError: research_data: an s3_reference must point into the artifacts bucket's artifacts/ prefix",
      );
      assert.equal(bedrock.requests.length, 0);
    });
  });

  describe("writer: report from analysis and feedback; large results through S3", () => {
    const writerPayload = (rx: CallbackReceiver, extra: Record<string, unknown> = {}) => ({
      workflow_id: "wf-wr",
      callback_url: `${rx.url}/callbacks/wf-wr`,
      callback_token: TOKEN,
      topic: "Widgets",
      analysis: { ...analysisAnswer(), metadata: { agent: "analyst" } },
      feedback: "Add a section on costs.",
      parameters: { word_limit: 1500, audience: "CTOs" },
      ...extra,
    });

    it("writes the report with the reviewer's feedback in the prompt", async () => {
      const a = await agent("writer");
      const rx = await receiver();
      await post(a.url, writerPayload(rx));
      const [cb] = await rx.waitFor(1);
      assert.equal(cb.body.status, "SUCCESS");
      const result = cb.body.result as Record<string, unknown>;
      assert.equal(result.title, "Report on Widgets");
      assert.equal(result.format, "markdown");
      assert.equal(result.content, reportAnswer("Widgets"));
      assert.deepEqual(result.sections, ["Report on Widgets", "Executive summary", "Recommendations"]);
      assert.equal(result.feedback_applied, true);
      assert.equal(result.truncated, false);
      const prompt = bedrock.requests[0].messages[0].text;
      assert.match(prompt, /Reviewer feedback:\nAdd a section on costs\./);
      assert.match(prompt, /Audience: CTOs/);
      assert.match(prompt, /Length: about 1500 words/);
      assert.ok(!prompt.includes('"metadata"'), "the analyst's metadata is not report material");
    });

    it("puts a result over 200 KB in S3 and sends an s3_reference that reads back", async () => {
      const a = await agent("writer");
      const rx = await receiver();
      bedrock.queue.push({ text: reportAnswer("Widgets", 300_000) });
      await post(a.url, writerPayload(rx));
      const [cb] = await rx.waitFor(1);
      assert.equal(cb.body.status, "SUCCESS");
      const ref = cb.body.result as Record<string, unknown>;
      assert.equal(ref.artifact_type, "s3_reference");
      assert.match(
        String(ref.s3_uri),
        new RegExp(`^s3://${BUCKET}/artifacts/wf-wr/writer_\\d{8}T\\d{9}Z\\.json$`),
      );
      assert.equal(ref.key, String(ref.s3_uri).slice(`s3://${BUCKET}/`.length));
      assert.ok(Number(ref.size_bytes) > 200_000);
      assert.ok(JSON.stringify(cb.body).length < 2000, "the callback carries the reference, not the report");
      const obj = await s3client.send(new GetObjectCommand({ Bucket: BUCKET, Key: String(ref.key) }));
      assert.equal(obj.ContentType, "application/json");
      const text = await obj.Body!.transformToString();
      assert.equal(Buffer.byteLength(text), ref.size_bytes);
      const stored = JSON.parse(text);
      assert.equal(stored.content, reportAnswer("Widgets", 300_000).trim());
      assert.equal(stored.metadata.workflow_id, "wf-wr");
    });

    it("keeps a result just under the limit inline", async () => {
      const a = await agent("writer", { INLINE_RESULT_LIMIT_BYTES: "200000" });
      const rx = await receiver();
      bedrock.queue.push({ text: reportAnswer("Widgets", 150_000) });
      await post(a.url, writerPayload(rx));
      const [cb] = await rx.waitFor(1);
      assert.equal((cb.body.result as Record<string, unknown>).format, "markdown");
    });
  });

  describe("callback delivery", () => {
    it("retries the callback on 503 with backoff until it is accepted", async () => {
      const a = await agent("researcher");
      const rx = await receiver([503, 503, 200]);
      await post(a.url, researchPayload(rx));
      await rx.waitFor(3);
      await a.idle();
      assert.equal(rx.received.length, 3);
      assert.deepEqual(rx.received[0].body, rx.received[2].body, "every attempt sends the same body");
      assert.equal(bedrock.requests.length, 1, "the work is not redone");
    });

    it("retries on 429 (a throttle)", async () => {
      const a = await agent("researcher");
      const rx = await receiver([429, 200]);
      await post(a.url, researchPayload(rx));
      await rx.waitFor(2);
      await a.idle();
      assert.equal(rx.received.length, 2);
    });

    it("never retries a callback answered 400", async () => {
      const a = await agent("researcher");
      const rx = await receiver([400]);
      await post(a.url, researchPayload(rx));
      await rx.waitFor(1);
      await a.idle();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(rx.received.length, 1);
      assert.ok(logs.lines().some((l) => l.includes('"callback_rejected"') && l.includes('"status":400')));
    });

    it("gives up after CALLBACK_MAX_ATTEMPTS on 5xx and goes back to Healthy", async () => {
      const a = await agent("researcher", { CALLBACK_MAX_ATTEMPTS: "3" });
      const rx = await receiver([500, 502, 503, 504]);
      await post(a.url, researchPayload(rx));
      await rx.waitFor(3);
      await a.idle();
      assert.equal(rx.received.length, 3);
      assert.equal((await ping(a.url)).status, "Healthy");
      assert.ok(logs.lines().some((l) => l.includes('"callback_undelivered"')));
    });

    it("retries when the callback receiver is unreachable, bounded", async () => {
      const a = await agent("researcher", { CALLBACK_MAX_ATTEMPTS: "2" });
      const rx = await receiver();
      const url = rx.url;
      await rx.close();
      receivers.splice(receivers.indexOf(rx), 1);
      await post(a.url, { ...researchPayload(rx), callback_url: `${url}/callbacks/wf-123` });
      await a.idle();
      const errors = logs.lines().filter((l) => l.includes('"callback_network_error"'));
      assert.equal(errors.length, 2);
    });
  });

  describe("nothing secret leaves the container", () => {
    it("logs no token, prompt or result across a success and a failure", async () => {
      const a = await agent("researcher");
      const rx = await receiver();
      const topic = "PROMPT-MARKER topic about widgets";
      bedrock.queue.push({
        text: JSON.stringify({ ...researchAnswer(topic), summary: "RESULT-MARKER summary" }),
      });
      await post(a.url, researchPayload(rx, { topic }));
      await rx.waitFor(1);
      bedrock.queue.push({
        error: "AccessDeniedException",
        status: 403,
        message: `no access for ${TOKEN} PROMPT-MARKER`,
      });
      await post(a.url, researchPayload(rx, { topic, callback_token: `${TOKEN}-2` }));
      const all = await rx.waitFor(2);
      await a.idle();
      assert.equal(all[0].body.status, "SUCCESS");
      assert.equal(all[1].body.status, "FAILURE");
      assert.ok(!String(all[1].body.error).includes("PROMPT-MARKER"));
      const text = logs.text();
      assert.ok(logs.lines().length > 5, "the agent logged its work");
      for (const secret of [TOKEN, "PROMPT-MARKER", "RESULT-MARKER"]) {
        assert.ok(!text.includes(secret), `logs must not contain ${secret}`);
      }
      for (const line of logs.lines()) {
        const entry = JSON.parse(line);
        assert.equal(entry.service, "researcher-agent");
        assert.ok(entry.level && entry.message && entry.timestamp);
      }
    });
  });
});
