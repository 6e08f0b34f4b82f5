/** The agent functions' pure modules: state machine, tokens, S3-reference decision, payloads, settings. */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { agentPayload, jsonRpcBody, sessionId } from "../../functions/agents/shared/agents";
import {
  INLINE_LIMIT_BYTES,
  artifactKey,
  isS3Reference,
  needsReference,
  reportKey,
} from "../../functions/agents/shared/artifacts";
import { readSettings, trimBase } from "../../functions/agents/shared/settings";
import { STATUSES, allowedFrom, canTransition, isTerminal } from "../../functions/agents/shared/state";
import { newItem, publicView, ttlFor } from "../../functions/agents/shared/table";
import { hashToken, mintToken, tokenMatches } from "../../functions/agents/shared/tokens";
import {
  approvalSummary,
  callbackUrl,
  checkInput,
  phaseInput,
  readApproval,
  phaseFailure,
} from "../../functions/agents/controller/phases";
import {
  CallbackError,
  CallbackSubmitterError,
  CallbackTimeoutError,
  StepError,
} from "@aws/durable-execution-sdk-js";
import { decodeCursor, encodeCursor } from "../../functions/agents/api/validate";

describe("agents: pure modules", () => {
  it("state machine: the workflow moves forward only, and terminal states are final", () => {
    assert.ok(canTransition("INITIALIZING", "RUNNING"));
    assert.ok(canTransition("RUNNING", "AWAITING_APPROVAL"));
    assert.ok(canTransition("AWAITING_APPROVAL", "RUNNING"));
    assert.ok(canTransition("AWAITING_APPROVAL", "REJECTED"));
    assert.ok(canTransition("RUNNING", "COMPLETED"));
    assert.ok(!canTransition("INITIALIZING", "COMPLETED"));
    assert.ok(!canTransition("INITIALIZING", "AWAITING_APPROVAL"));
    assert.ok(!canTransition("RUNNING", "REJECTED"));
    for (const t of ["COMPLETED", "REJECTED", "FAILED"] as const) {
      assert.ok(isTerminal(t));
      for (const to of STATUSES) assert.equal(canTransition(t, to), t === to, `${t} → ${to}`);
    }
    for (const s of STATUSES.filter((x) => !isTerminal(x))) assert.ok(canTransition(s, "FAILED"));
    assert.deepEqual(allowedFrom("REJECTED"), ["AWAITING_APPROVAL", "REJECTED"]);
  });

  it("tokens: only the hash is kept, and only the right token matches", () => {
    const t = mintToken();
    assert.ok(t.length >= 43);
    assert.notEqual(mintToken(), t);
    const h = hashToken(t);
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.ok(tokenMatches(t, h));
    assert.ok(!tokenMatches(t + "x", h));
    assert.ok(!tokenMatches("", h));
    assert.ok(!tokenMatches(t, undefined));
    assert.ok(!tokenMatches(t, "not-a-hash"));
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => tokenMatches(a, hashToken(b)) === (a === b)));
  });

  it("S3 references: over 200 KB of JSON travels by reference under artifacts/<id>/", () => {
    assert.equal(INLINE_LIMIT_BYTES, 204800);
    assert.ok(!needsReference({ t: "x".repeat(1000) }));
    assert.ok(!needsReference("x".repeat(INLINE_LIMIT_BYTES - 2)));
    assert.ok(needsReference("x".repeat(INLINE_LIMIT_BYTES - 1)));
    assert.ok(needsReference("é".repeat(110 * 1024)), "counted in bytes, not characters");
    assert.equal(artifactKey("wf-1", "research_result"), "artifacts/wf-1/research_result.json");
    assert.equal(reportKey("wf-1"), "reports/wf-1/final_report.json");
    assert.ok(isS3Reference({ artifact_type: "s3_reference", s3_uri: "s3://b/k" }));
    assert.ok(!isS3Reference({ artifact_type: "s3_reference", s3_uri: "https://b/k" }));
    assert.ok(!isS3Reference("s3://b/k"));
  });

  it("agent payloads: the seed's JSON-RPC body with the phase input, workflow id, callback URL and token", () => {
    const task = {
      phase: "analysis" as const,
      agentArn: "arn",
      workflowId: "wf-1",
      callbackUrl: "https://api/callbacks/wf-1",
      callbackToken: "tok",
      input: { topic: "t", research_data: { a: 1 } },
    };
    assert.deepEqual(agentPayload(task), {
      topic: "t",
      research_data: { a: 1 },
      task: "analyze",
      workflow_id: "wf-1",
      callback_url: "https://api/callbacks/wf-1",
      callback_token: "tok",
    });
    const rpc = JSON.parse(jsonRpcBody(task).body);
    assert.equal(rpc.jsonrpc, "2.0");
    assert.equal(rpc.method, "tasks/send");
    assert.equal(rpc.params.message.role, "user");
    assert.deepEqual(JSON.parse(rpc.params.message.parts[0].text), agentPayload(task));
    assert.ok(sessionId("wf-1", "research").length >= 33);
    assert.notEqual(sessionId("wf-1", "research"), sessionId("wf-1", "analysis"));
  });

  it("phase inputs: analysis gets the research, writing gets the analysis and the reviewer's feedback", () => {
    const wf = { workflow_id: "w", topic: "t", parameters: { d: 1 } };
    assert.deepEqual(phaseInput("research", wf, {}), { topic: "t", parameters: { d: 1 } });
    assert.deepEqual(phaseInput("analysis", wf, { research: "R" }), {
      topic: "t",
      parameters: { d: 1 },
      research_data: "R",
    });
    assert.deepEqual(phaseInput("writing", wf, { analysis: "A", feedback: "f" }), {
      topic: "t",
      parameters: { d: 1 },
      analysis: "A",
      feedback: "f",
    });
    assert.throws(() => checkInput({ topic: "t" }), /workflow_id/);
    assert.throws(() => checkInput({ workflow_id: "w" }), /topic/);
  });

  it("URLs built from the endpoint never contain a double slash", () => {
    for (const base of [
      "https://x.execute-api.us-east-1.amazonaws.com/",
      "https://x.execute-api.us-east-1.amazonaws.com//",
      "https://h/prod",
    ]) {
      const url = callbackUrl({ callbackApiUrl: base }, "wf-1");
      assert.ok(!url.replace("https://", "").includes("//"), url);
      assert.ok(url.endsWith("/callbacks/wf-1"));
    }
    assert.equal(trimBase("https://h/"), "https://h");
    assert.equal(readSettings({ CALLBACK_API_URL: "https://h//" }).callbackApiUrl, "https://h");
  });

  it("approvals: anything but approved=true is a rejection with a default reason", () => {
    assert.equal(readApproval(JSON.stringify({ approved: true })).approved, true);
    assert.equal(readApproval(JSON.stringify({ approved: "true" })).approved, false);
    assert.equal(readApproval("not json").approved, false);
    assert.equal(readApproval(JSON.stringify({ approved: false, reason: "" })).reason, undefined);
    assert.deepEqual(approvalSummary({ artifact_type: "s3_reference", s3_uri: "s3://b/k" }), {
      analysis_s3_uri: "s3://b/k",
    });
    assert.equal(String(approvalSummary("y".repeat(5000)).analysis_summary).length, 1000);
  });

  it("settings: seed names, phase timeouts 4 h / 2 h / 1 h, approval from hours, a bad value names the variable", () => {
    const s = readSettings({ APPROVAL_TIMEOUT_HOURS: "48" });
    assert.deepEqual(s.timeouts, { research: 14400, analysis: 7200, writing: 3600, approval: 172800 });
    assert.equal(readSettings({ APPROVAL_TIMEOUT_SECONDS: "5" }).timeouts.approval, 5);
    assert.throws(() => readSettings({ RESEARCH_TIMEOUT_SECONDS: "soon" }), /RESEARCH_TIMEOUT_SECONDS/);
  });

  it("items: ttl from the retention, cursors round-trip, the public view hides callback bindings", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    assert.equal(ttlFor(now, 14), 1767225600 + 14 * 86400);
    const item = newItem({ workflow_id: "w", topic: "t", parameters: {} }, now, 14);
    item.callbacks = { research: { callback_id: "c", token_sha256: "h", issued_at: "", state: "PENDING" } };
    assert.equal(publicView(item).callbacks, undefined);
    const key = { workflow_id: "w", status: "RUNNING", created_at: "2026-01-01T00:00:00.000Z" };
    assert.deepEqual(decodeCursor(encodeCursor(key)!), key);
    // Only what the index holds: a known status, a workflow id, an ISO time.
    assert.equal(decodeCursor(encodeCursor({ ...key, created_at: "2026" })!), undefined);
    assert.equal(decodeCursor(encodeCursor({ ...key, status: "DONE" })!), undefined);
    assert.equal(decodeCursor(encodeCursor({ ...key, workflow_id: "" })!), undefined);
    assert.equal(decodeCursor(encodeCursor({ workflow_id: "w" })!), undefined);
  });

  it("phase failures: a timeout, an agent FAILURE, a dispatch failure and a failed step give distinct reasons", () => {
    const timeout = phaseFailure("research", 14400, new CallbackTimeoutError());
    assert.equal(timeout.errorType, "PhaseTimeout");
    assert.equal(timeout.message, "research phase timed out after 14400 s");
    const agent = phaseFailure("analysis", 7200, new CallbackError("no sources"));
    assert.equal(agent.errorType, "AgentFailure");
    assert.equal(agent.message, "analysis phase failed: no sources");
    assert.equal(
      phaseFailure("writing", 1, new CallbackSubmitterError("refused")).errorType,
      "DispatchFailed",
    );
    assert.equal(phaseFailure("workflow", 0, new StepError("finalize broke")).errorType, "StepFailed");
    assert.equal(phaseFailure("workflow", 0, new Error("x")).errorType, "InternalError");
  });
});
