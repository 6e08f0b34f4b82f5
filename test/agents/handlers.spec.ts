/**
 * The API and callback handlers against real local servers: dynalite (DynamoDB), s3rver (S3) and a
 * recording Lambda/EventBridge endpoint, all on 127.0.0.1, reached through AWS_ENDPOINT_URL_<SERVICE>.
 */
import "./support/quiet";
import * as assert from "node:assert/strict";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { handler as api } from "../../functions/agents/api";
import { handler as callback } from "../../functions/agents/callback";
import { clients } from "../../functions/agents/shared/clients";
import { WorkflowTable, newItem } from "../../functions/agents/shared/table";
import { hashToken } from "../../functions/agents/shared/tokens";
import { apiEvent, parse } from "./support/events";
import {
  LocalAws,
  LocalDynamo,
  LocalS3,
  createWorkflowTable,
  localEnv,
  startDynamo,
  startLocalAws,
  startS3,
} from "./support/local-aws";

const TABLE = "agent-orchestration-test-workflows";
const BUCKET = "agent-orchestration-test-artifacts";
const saved = { ...process.env };

describe("agents API and callback handlers (dynalite, s3rver, recording Lambda)", function () {
  this.timeout(30000);
  let dynamo: LocalDynamo;
  let s3: LocalS3;
  let aws: LocalAws;
  let table: WorkflowTable;

  before(async () => {
    [dynamo, s3, aws] = await Promise.all([startDynamo(), startS3(BUCKET), startLocalAws()]);
    await createWorkflowTable(dynamo.endpoint, TABLE);
    Object.assign(
      process.env,
      localEnv({
        dynamo: dynamo.endpoint,
        s3: s3.endpoint,
        aws: aws.endpoint,
        agents: "http://127.0.0.1:9",
        table: TABLE,
        bucket: BUCKET,
        callbackApiUrl: "https://api.example.com/",
      }),
    );
    clients.reset();
    table = new WorkflowTable(TABLE, 14);
  });

  after(async () => {
    clients.reset();
    process.env = saved;
    await Promise.all([dynamo.stop(), s3.stop(), aws.stop()]);
  });

  /** A workflow item at a given phase, bound to known tokens (what the controller's submitters write). */
  async function seed(
    id: string,
    opts: { step?: string; status?: string; phases?: Record<string, string>; approval?: boolean } = {},
  ) {
    const item = newItem({ workflow_id: id, topic: "t", parameters: {} }, new Date(), 14);
    await table.create(item);
    if (opts.status && opts.status !== "INITIALIZING") {
      await table.transition(id, "RUNNING", { current_step: opts.step ?? "research_phase" });
      if (opts.status !== "RUNNING")
        await table.transition(id, opts.status as never, { current_step: opts.step });
    }
    for (const [phase, token] of Object.entries(opts.phases ?? {}))
      await table.bindCallback(id, phase as never, {
        callback_id: Buffer.from(`${id}/${phase}`).toString("base64"),
        token_sha256: hashToken(token),
        issued_at: new Date().toISOString(),
        state: "PENDING",
      });
    if (opts.approval)
      await table.bindCallback(id, "approval", {
        callback_id: Buffer.from(`${id}/approval`).toString("base64"),
        issued_at: new Date().toISOString(),
        state: "PENDING",
      });
  }

  const post = (id: string, body: unknown, raw?: string) =>
    callback(apiEvent("POST /callbacks/{workflow_id}", { path: { workflow_id: id }, body, rawBody: raw }));

  describe("callback validation (the seed's messages, in order)", () => {
    const cases: [string, unknown, string | undefined, string][] = [
      ["invalid JSON", undefined, "{not json", "Invalid JSON in request body"],
      ["an empty body", undefined, "", "Request body is empty or invalid JSON"],
      ["an empty object", {}, undefined, "Request body is empty or invalid JSON"],
      ["a JSON array", [1], undefined, "Request body is empty or invalid JSON"],
      ["no token", { status: "SUCCESS", result: 1 }, undefined, "Missing required field: token"],
      [
        "an empty token",
        { token: "", status: "SUCCESS", result: 1 },
        undefined,
        "Missing required field: token",
      ],
      ["no status", { token: "abc", result: 1 }, undefined, "Missing required field: status"],
      [
        "an unknown status",
        { token: "abc", status: "DONE", result: 1 },
        undefined,
        "Invalid status value: DONE. Must be SUCCESS or FAILURE",
      ],
      [
        "a lowercase status",
        { token: "abc", status: "success", result: 1 },
        undefined,
        "Invalid status value: success. Must be SUCCESS or FAILURE",
      ],
      [
        "SUCCESS without result",
        { token: "abc", status: "SUCCESS" },
        undefined,
        "SUCCESS status requires 'result' field",
      ],
      [
        "SUCCESS with a null result",
        { token: "abc", status: "SUCCESS", result: null },
        undefined,
        "SUCCESS status requires 'result' field",
      ],
      [
        "FAILURE without error",
        { token: "abc", status: "FAILURE" },
        undefined,
        "FAILURE status requires 'error' field",
      ],
    ];
    for (const [what, body, raw, message] of cases) {
      it(`answers 400 "${message}" for ${what}`, async () => {
        const res = await post("wf-validation", body, raw);
        assert.equal(res.statusCode, 400);
        assert.deepEqual(parse(res), { error: message });
      });
    }

    it("rejects a malformed workflow id in the path with 400", async () => {
      const res = await post("bad id!", { token: "a", status: "SUCCESS", result: 1 });
      assert.equal(res.statusCode, 400);
      assert.match(parse(res).error!, /workflow_id/);
    });

    it("answers 404 for an unknown workflow", async () => {
      const res = await post("wf-unknown", { token: "a", status: "SUCCESS", result: 1 });
      assert.equal(res.statusCode, 404);
      assert.deepEqual(parse(res), { error: "Workflow not found" });
    });
  });

  describe("callback tokens", () => {
    it("delivers a SUCCESS to the durable callback of the current phase (floats and base64 bodies included)", async () => {
      await seed("wf-ok", {
        status: "RUNNING",
        step: "research_phase",
        phases: { research: "tok-research" },
      });
      const before = aws.callbacks.length;
      const res = await callback(
        apiEvent("POST /callbacks/{workflow_id}", {
          path: { workflow_id: "wf-ok" },
          body: { token: "tok-research", status: "SUCCESS", result: { score: 0.75, items: [1, 2] } },
          base64: true,
        }),
      );
      assert.equal(res.statusCode, 200);
      const body = parse(res);
      assert.equal(body.status, "callback_delivered");
      assert.equal(body.phase, "research");
      assert.ok(!JSON.stringify(body).includes("tok-research"), "the answer never echoes the token");
      const sent = aws.callbacks.slice(before);
      assert.equal(sent.length, 1);
      assert.equal(sent[0].outcome, "succeed");
      assert.equal(sent[0].callbackId, Buffer.from("wf-ok/research").toString("base64"));
      assert.deepEqual(JSON.parse(sent[0].body as string), { score: 0.75, items: [1, 2] });
    });

    it("answers a repeat of an accepted callback with 200 and the same answer, without a second delivery", async () => {
      const first = await post("wf-ok", { token: "tok-research", status: "SUCCESS", result: { x: 1 } });
      const second = await post("wf-ok", { token: "tok-research", status: "SUCCESS", result: { x: 2 } });
      assert.equal(first.statusCode, 200);
      assert.equal(second.statusCode, 200);
      assert.deepEqual(parse(first), parse(second));
      assert.equal(
        aws.callbacks.filter((c) => c.callbackId === Buffer.from("wf-ok/research").toString("base64")).length,
        1,
      );
    });

    it("refuses a forged token with 403 and a token of another workflow with 403", async () => {
      await seed("wf-other", { status: "RUNNING", phases: { research: "tok-other" } });
      const forged = await post("wf-ok", { token: "tok-forged", status: "SUCCESS", result: 1 });
      const foreign = await post("wf-ok", { token: "tok-other", status: "SUCCESS", result: 1 });
      assert.equal(forged.statusCode, 403);
      assert.equal(foreign.statusCode, 403);
      assert.match(parse(forged).error!, /Token does not match/);
    });

    it("answers 409 to a callback for a phase that is not the current one", async () => {
      await seed("wf-late", {
        status: "RUNNING",
        step: "analysis_phase",
        phases: { research: "tok-r", analysis: "tok-a" },
      });
      const res = await post("wf-late", { token: "tok-r", status: "SUCCESS", result: 1 });
      assert.equal(res.statusCode, 409);
      assert.match(parse(res).error!, /research phase is too late/);
    });

    it("answers 409 once the workflow has failed (a phase that timed out)", async () => {
      await seed("wf-failed", { status: "RUNNING", phases: { research: "tok-f" } });
      await table.transition("wf-failed", "FAILED", { current_step: "error" });
      const res = await post("wf-failed", { token: "tok-f", status: "FAILURE", error: "boom" });
      assert.equal(res.statusCode, 409);
    });

    it("answers 409 when Lambda says the callback is closed (CallbackTimeoutException)", async () => {
      await seed("wf-closed", { status: "RUNNING", phases: { research: "tok-c" } });
      aws.closed.add(Buffer.from("wf-closed/research").toString("base64"));
      const res = await post("wf-closed", { token: "tok-c", status: "SUCCESS", result: 1 });
      assert.equal(res.statusCode, 409);
      assert.match(parse(res).error!, /too late/);
    });

    it("delivers a FAILURE as a durable callback failure with the agent's error", async () => {
      await seed("wf-agentfail", { status: "RUNNING", phases: { research: "tok-x" } });
      const res = await post("wf-agentfail", {
        token: "tok-x",
        status: "FAILURE",
        error: { code: "E1", msg: "no sources" },
      });
      assert.equal(res.statusCode, 200);
      const sent = aws.callbacks.at(-1)!;
      assert.equal(sent.outcome, "fail");
      assert.deepEqual(sent.body, {
        ErrorType: "AgentFailure",
        ErrorMessage: '{"code":"E1","msg":"no sources"}',
      });
    });

    it("stores a result over 200 KB under artifacts/<id>/ and passes an S3 reference", async () => {
      await seed("wf-big", { status: "RUNNING", phases: { research: "tok-big" } });
      const big = { text: "x".repeat(250 * 1024) };
      const res = await post("wf-big", { token: "tok-big", status: "SUCCESS", result: big });
      assert.equal(res.statusCode, 200);
      const ref = JSON.parse(aws.callbacks.at(-1)!.body as string);
      assert.deepEqual(ref, {
        artifact_type: "s3_reference",
        s3_uri: `s3://${BUCKET}/artifacts/wf-big/research_result.json`,
      });
      const s3c = s3.client();
      const obj = await s3c.send(
        new GetObjectCommand({ Bucket: BUCKET, Key: "artifacts/wf-big/research_result.json" }),
      );
      assert.deepEqual(JSON.parse(await obj.Body!.transformToString()), big);
    });

    it("answers 404 for a route it does not serve", async () => {
      const res = await callback(apiEvent("POST /elsewhere"));
      assert.equal(res.statusCode, 404);
    });
  });

  describe("POST /workflows", () => {
    const start = (body: unknown, raw?: string) => api(apiEvent("POST /workflows", { body, rawBody: raw }));
    const cases: [string, unknown, string | undefined, RegExp][] = [
      ["invalid JSON", undefined, "{", /Invalid JSON/],
      ["no body", undefined, undefined, /empty/],
      ["a list", [], undefined, /JSON object/],
      ["no topic", { parameters: {} }, undefined, /Missing required field: topic/],
      ["a blank topic", { topic: "  " }, undefined, /Invalid field: topic must be 3-2000 characters/],
      // What the agents refuse, refused at the door (the same schema: shared/workflow-input.ts).
      ["a 2-character topic", { topic: "ab" }, undefined, /Invalid field: topic must be 3-2000 characters/],
      [
        'depth "brief"',
        { topic: "Quantum", parameters: { depth: "brief" } },
        undefined,
        /Invalid field: parameters.depth must be "basic", "comprehensive" or "deep"/,
      ],
      [
        "a word_limit of 5",
        { topic: "Quantum", parameters: { word_limit: 5 } },
        undefined,
        /Invalid field: parameters.word_limit must be 100-50000/,
      ],
      [
        "max_results of 51",
        { topic: "Quantum", parameters: { max_results: 51 } },
        undefined,
        /parameters.max_results must be 1-50/,
      ],
      // What DynamoDB or JavaScript would fail on (a 500 before).
      [
        "an integer above 2^53",
        undefined,
        '{"topic":"Quantum","parameters":{"seed":9007199254740993}}',
        /Invalid field: parameters.seed must be an integer of at most 2\^53-1/,
      ],
      [
        "1e400",
        undefined,
        '{"topic":"Quantum","parameters":{"x":[1e400]}}',
        /Invalid field: parameters.x\[0\] must be a finite number/,
      ],
      [
        "a __proto__ key",
        undefined,
        '{"topic":"Quantum","parameters":{"a":{"__proto__":{"polluted":true}}}}',
        /Invalid field: parameters.a.__proto__ is not allowed/,
      ],
      [
        "parameters over the item limit",
        { topic: "Quantum", parameters: { blob: "x".repeat(400 * 1024) } },
        undefined,
        /Invalid field: parameters must be at most 65536 bytes as JSON/,
      ],
      ["a 2001-character topic", { topic: "x".repeat(2001) }, undefined, /topic/],
      ["a numeric topic", { topic: 5 }, undefined, /topic/],
      [
        "parameters as a list",
        { topic: "Quantum", parameters: [1] },
        undefined,
        /parameters must be a JSON object/,
      ],
      [
        "a workflow_id with a slash",
        { topic: "Quantum", workflow_id: "a/b" },
        undefined,
        /workflow_id must match/,
      ],
      [
        "a 65-character workflow_id",
        { topic: "Quantum", workflow_id: "a".repeat(65) },
        undefined,
        /workflow_id/,
      ],
    ];
    for (const [what, body, raw, message] of cases) {
      it(`answers 400 naming the field for ${what}`, async () => {
        const res = await start(body, raw);
        assert.equal(res.statusCode, 400);
        assert.match(parse(res).error!, message);
      });
    }

    it("creates the item and starts the durable execution with the id as execution name → 202", async () => {
      const res = await start({
        topic: "Quantum",
        parameters: { word_limit: 5000, temperature: 0.2 },
        workflow_id: "wf-start",
      });
      assert.equal(res.statusCode, 202);
      assert.deepEqual(parse(res), { workflow_id: "wf-start", status: "INITIALIZING" });
      const inv = aws.invokes.at(-1)!;
      assert.equal(inv.functionName, "agent-orchestration-local-controller:live");
      assert.equal(inv.invocationType, "Event");
      assert.equal(inv.executionName, "wf-start");
      assert.deepEqual(inv.payload, {
        workflow_id: "wf-start",
        topic: "Quantum",
        parameters: { word_limit: 5000, temperature: 0.2 },
      });
      const item = await table.get("wf-start");
      assert.equal(item?.status, "INITIALIZING");
      assert.equal(item?.current_step, "initialization");
      const now = Date.now() / 1000;
      assert.ok(item!.ttl > now + 13.9 * 86400 && item!.ttl < now + 14.1 * 86400, "ttl is 14 days out");
    });

    it("generates a workflow id when none is given", async () => {
      const res = await start({ topic: "no id" });
      assert.equal(res.statusCode, 202);
      assert.match(String(parse(res).workflow_id), /^wf-[0-9a-f-]{36}$/);
    });

    it("treats a retry of the same start as idempotent (202) and a different request with a taken id as 409", async () => {
      const retry = await start({
        topic: "Quantum",
        parameters: { word_limit: 5000, temperature: 0.2 },
        workflow_id: "wf-start",
      });
      assert.equal(retry.statusCode, 202);
      assert.equal(aws.invokes.filter((i) => i.executionName === "wf-start").length, 2);
      const other = await start({ topic: "Something else", workflow_id: "wf-start" });
      assert.equal(other.statusCode, 409);
      assert.deepEqual(parse(other), { error: "Workflow wf-start already exists" });
    });

    it("answers 409 for an id whose workflow is already running", async () => {
      await seed("wf-running", { status: "RUNNING" });
      const res = await start({ topic: "Quantum", workflow_id: "wf-running" });
      assert.equal(res.statusCode, 409);
    });
  });

  describe("GET /workflows/{workflow_id} and GET /workflows", () => {
    it("answers 404 for an unknown id and 400 for a malformed one", async () => {
      assert.equal(
        (await api(apiEvent("GET /workflows/{workflow_id}", { path: { workflow_id: "nope" } }))).statusCode,
        404,
      );
      assert.equal(
        (await api(apiEvent("GET /workflows/{workflow_id}", { path: { workflow_id: "a b" } }))).statusCode,
        400,
      );
    });

    it("returns the item as plain JSON (numbers stay numbers) without the internal callback bindings", async () => {
      const res = await api(apiEvent("GET /workflows/{workflow_id}", { path: { workflow_id: "wf-start" } }));
      assert.equal(res.statusCode, 200);
      const body = parse(res);
      assert.deepEqual(body.parameters, { word_limit: 5000, temperature: 0.2 });
      assert.equal(body.callbacks, undefined);
      assert.equal(body.report_url, undefined);
      const ok = parse(
        await api(apiEvent("GET /workflows/{workflow_id}", { path: { workflow_id: "wf-ok" } })),
      );
      assert.ok(!JSON.stringify(ok).includes("token_sha256") && !JSON.stringify(ok).includes("callback_id"));
    });

    it("presigns the report URL when a completed workflow is read, and never stores it", async () => {
      await seed("wf-done", { status: "RUNNING" });
      await table.transition("wf-done", "COMPLETED", {
        current_step: "completed",
        report_s3_key: "reports/wf-done/final_report.json",
      });
      const body = parse(
        await api(apiEvent("GET /workflows/{workflow_id}", { path: { workflow_id: "wf-done" } })),
      );
      const url = new URL(String(body.report_url));
      assert.equal(url.pathname, `/${BUCKET}/reports/wf-done/final_report.json`);
      assert.equal(url.searchParams.get("X-Amz-Expires"), "3600");
      assert.equal((await table.get("wf-done"))?.report_url, undefined);
    });

    it("pages through the status index with opaque cursors, newest first", async () => {
      for (let i = 0; i < 5; i++) {
        await seed(`wf-page-${i}`, { status: "RUNNING", step: "writing_phase" });
        await table.transition(`wf-page-${i}`, "AWAITING_APPROVAL", { current_step: "human_approval" });
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const res = await api(
          apiEvent("GET /workflows", {
            query: { status: "AWAITING_APPROVAL", limit: "2", ...(cursor ? { lastKey: cursor } : {}) },
          }),
        );
        assert.equal(res.statusCode, 200);
        const body = parse(res) as {
          items: { workflow_id: string; callbacks?: unknown }[];
          lastKey?: string;
        };
        for (const it of body.items) assert.equal(it.callbacks, undefined);
        seen.push(...body.items.map((x) => x.workflow_id));
        cursor = body.lastKey;
        pages++;
      } while (cursor && pages < 10);
      assert.deepEqual(seen.filter((s) => s.startsWith("wf-page-")).sort(), [
        "wf-page-0",
        "wf-page-1",
        "wf-page-2",
        "wf-page-3",
        "wf-page-4",
      ]);
      assert.ok(pages >= 3);
    });

    const bad: [Record<string, string>, RegExp][] = [
      [{}, /Missing query parameter: status/],
      [{ status: "DONE" }, /status must be one of/],
      [{ status: "RUNNING", limit: "0" }, /limit must be a whole number from 1 to 100/],
      [{ status: "RUNNING", limit: "abc" }, /limit/],
      [{ status: "RUNNING", lastKey: "garbage" }, /lastKey/],
      [{ status: "RUNNING", lastKey: "" }, /lastKey/],
      [{ status: "RUNNING", lastKey: "A".repeat(10 * 1024) }, /lastKey/],
      // Well-formed cursors with tampered key values (DynamoDB answers those with a ValidationException).
      ...[
        { created_at: "", status: "RUNNING", workflow_id: "" },
        { created_at: "x".repeat(10 * 1024), status: "RUNNING", workflow_id: "wf-1" },
        { created_at: "2026-01-01T00:00:00.000Z", status: "RUNNING", workflow_id: "w".repeat(300) },
      ].map(
        (key) =>
          [
            { status: "RUNNING", lastKey: Buffer.from(JSON.stringify(key)).toString("base64url") },
            /lastKey must be a cursor returned by this API/,
          ] as [Record<string, string>, RegExp],
      ),
    ];
    for (const [query, message] of bad) {
      it(`answers 400 for ${JSON.stringify(query)}`, async () => {
        const res = await api(apiEvent("GET /workflows", { query }));
        assert.equal(res.statusCode, 400);
        assert.match(parse(res).error!, message);
      });
    }
  });

  describe("approval", () => {
    const approve = (id: string, body: unknown, route = "POST /workflows/{workflow_id}/approval") =>
      api(
        apiEvent(route, {
          path: { workflow_id: id },
          body,
          iamUser: "arn:aws:iam::123456789012:user/reviewer",
        }),
      );

    it("answers 400 naming the field, 404 for an unknown workflow, 409 when not awaiting approval", async () => {
      assert.match(parse(await approve("wf-x", {})).error!, /Missing required field: approved/);
      assert.match(
        parse(await approve("wf-x", { approved: "yes" })).error!,
        /approved must be true or false/,
      );
      assert.match(parse(await approve("wf-x", { approved: true, feedback: 3 })).error!, /feedback/);
      assert.equal((await approve("wf-x", { approved: true })).statusCode, 404);
      const res = await approve("wf-ok", { approved: true });
      assert.equal(res.statusCode, 409);
      assert.match(parse(res).error!, /not awaiting approval/);
    });

    it("completes the approval callback with the decision and who made it, then refuses a second one", async () => {
      await seed("wf-approve", { status: "AWAITING_APPROVAL", step: "human_approval", approval: true });
      const res = await approve("wf-approve", { approved: true, feedback: "shorter please" });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(parse(res), { workflow_id: "wf-approve", decision: "APPROVED" });
      const sent = JSON.parse(aws.callbacks.at(-1)!.body as string);
      assert.equal(sent.approved, true);
      assert.equal(sent.feedback, "shorter please");
      assert.equal(sent.approved_by, "arn:aws:iam::123456789012:user/reviewer");
      assert.equal((await approve("wf-approve", { approved: false })).statusCode, 409);
    });

    it("serves the /approve/{workflow_id} alias", async () => {
      await seed("wf-alias", { status: "AWAITING_APPROVAL", step: "human_approval", approval: true });
      const res = await approve(
        "wf-alias",
        { approved: false, reason: "off topic" },
        "POST /approve/{workflow_id}",
      );
      assert.equal(res.statusCode, 200);
      assert.equal(parse(res).decision, "REJECTED");
    });

    it("answers 404 for an unknown route", async () => {
      assert.equal((await api(apiEvent("DELETE /workflows"))).statusCode, 404);
    });
  });
});
