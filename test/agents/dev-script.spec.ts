/**
 * `npm run dev:agents`: real local runs (the real researcher, analyst and writer as loopback servers, a
 * Bedrock Converse stand-in, the callback bridge) with the approval typed on stdin or given as an option,
 * a model failure forced with --fail, and the usage errors.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const run = (args: string[], input = "") =>
  spawnSync(
    process.execPath,
    [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "scripts/dev-agents.ts", ...args],
    {
      cwd: ROOT,
      input,
      encoding: "utf8",
      timeout: 120000,
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
    },
  );

const AGENT_URL = "http://127\\.0\\.0\\.1:\\d+";

describe("agents: npm run dev:agents", function () {
  this.timeout(150000);

  it("runs the real agents to COMPLETED, printing each phase, with the approval typed on the terminal", () => {
    const out = run(["Local", "durable", "test"], "y\nkeep it short\n");
    assert.equal(out.status, 0, out.stderr + out.stdout);
    for (const line of [
      new RegExp(`real researcher agent listening on ${AGENT_URL}`),
      /POST \/workflows → 202/,
      new RegExp(`agent research: dispatched to the real researcher on ${AGENT_URL}`),
      /agent research: researcher answered HTTP 200 .*"status":"accepted".*"agent":"researcher"/,
      /agent research: the real researcher called back SUCCESS through the bridge → callback handler HTTP 200/,
      new RegExp(`agent analysis: dispatched to the real analyst on ${AGENT_URL}`),
      /agent analysis: the real analyst called back SUCCESS through the bridge → callback handler HTTP 200/,
      /Approve this analysis\? \[y\/N\]/,
      /approval → 200 .*"decision":"APPROVED"/,
      new RegExp(`agent writing: dispatched to the real writer on ${AGENT_URL}`),
      /agent writing: the real writer called back SUCCESS through the bridge → callback handler HTTP 200/,
      /event WorkflowCompleted/,
      /workflow COMPLETED \(durable execution SUCCEEDED\):/,
      /steps \["research_phase","analysis_phase","writing_phase","finalize"\]/,
      // The report is the real writer's result: its model answer, its metadata, the reviewer's feedback used.
      // printed as readable text (indented fields, the markdown as lines), not as escaped JSON.
      /final_report\.json:\n {4}topic: Local durable test\n {4}title: Report on Local durable test\n {4}format: markdown/,
      /feedback_applied: true/,
      /metadata: \n {6}agent: writer(\n.*)*\n {6}model_id: anthropic\.claude-3-5-sonnet-20241022-v2:0/,
      /agent dispatches: 3, Bedrock Converse requests: 3 \(researcher 1, analyst 1, writer 1\)/,
      /stopping local servers/,
    ])
      assert.match(out.stdout, line);
  });

  it("--approve decides without the terminal; --fail=analysis ends FAILED with the analyst's FAILURE reason", () => {
    const ok = run(["Approved", "topic", "--approve"]);
    assert.equal(ok.status, 0, ok.stderr + ok.stdout);
    assert.doesNotMatch(ok.stdout, /Approve this analysis\?/);
    assert.match(ok.stdout, /workflow COMPLETED \(durable execution SUCCEEDED\)/);
    assert.match(ok.stdout, /feedback_applied: false/);

    const failed = run(["Failing", "topic", "--fail=analysis", "--approve"]);
    assert.equal(failed.status, 1, failed.stderr + failed.stdout);
    const reason = "ModelError: Bedrock Converse was refused \\(ValidationException, HTTP 400\\)";
    for (const line of [
      /agent research: the real researcher called back SUCCESS/,
      new RegExp(`agent analysis: dispatched to the real analyst on ${AGENT_URL}`),
      new RegExp(
        `agent analysis: the real analyst called back FAILURE \\("${reason}"\\) through the bridge → callback handler HTTP 200`,
      ),
      /event WorkflowFailed/,
      /workflow FAILED \(durable execution SUCCEEDED\):/,
      new RegExp(`error_message: analysis phase failed: ${reason}`),
      /status FAILED, steps \["research_phase"\]/,
      /agent dispatches: 2, Bedrock Converse requests: 2 \(researcher 1, analyst 1, writer 0\)/,
      /stopping local servers/,
    ])
      assert.match(failed.stdout, line);
    assert.doesNotMatch(failed.stdout, /writing: dispatched/);
  });

  it("explains its usage when the topic is missing or an option is unknown", () => {
    const none = run([]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /give a topic/);
    const bad = run(["t", "--fast"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown option --fast/);
    const phase = run(["t", "--fail=approval"]);
    assert.equal(phase.status, 2);
    assert.match(phase.stderr, /--fail must be one of research, analysis, writing \(got "approval"\)/);
  });
});
