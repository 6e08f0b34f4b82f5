/**
 * The durable controller under the SDK's LocalDurableTestRunner, driven end to end: the API starts it
 * (Lambda Invoke with the workflow id as execution name), stand-in agents on an HTTP/2 AgentCore endpoint
 * call back through the callback handler, and approvals go through the approval route.
 */
import "./support/quiet";
import * as assert from "node:assert/strict";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { LocalDurableTestRunner, WaitingOperationStatus } from "@aws/durable-execution-sdk-js-testing";
import { WorkflowTable } from "../../functions/agents/shared/table";
import { apiEvent, parse } from "./support/events";
import { Rig, startRig } from "./support/workflow-rig";

describe("agents: the durable controller (LocalDurableTestRunner)", function () {
  this.timeout(60000);
  let rig: Rig;
  let table: WorkflowTable;

  before(async () => {
    await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
    rig = await startRig({ env: { APPROVAL_TIMEOUT_HOURS: "24" } });
    table = new WorkflowTable(rig.table, 14);
  });
  after(async () => {
    await rig.stop();
    await LocalDurableTestRunner.teardownTestEnvironment();
  });
  beforeEach(() => {
    rig.behaviour = {};
    delete process.env.RESEARCH_TIMEOUT_SECONDS;
    delete process.env.APPROVAL_TIMEOUT_SECONDS;
  });

  /** Starts a workflow through the API; resolves with the runner and the execution's promise. */
  async function start(id: string, topic = "Impact of quantum computing on cryptography") {
    const runner = rig.newRunner();
    let execution: ReturnType<typeof runner.run> | undefined;
    rig.aws.hooks.onStart = (inv) => {
      execution = runner.run({ payload: inv.payload });
    };
    const res = await rig.api(
      apiEvent("POST /workflows", {
        body: { topic, parameters: { depth: "deep", ratio: 0.5 }, workflow_id: id },
      }),
    );
    assert.equal(res.statusCode, 202);
    assert.ok(execution, "the API started the durable execution");
    return { runner, execution: execution! };
  }

  async function approve(runner: LocalDurableTestRunner, id: string, body: Record<string, unknown>) {
    await runner.getOperation("human_approval").waitForData(WaitingOperationStatus.SUBMITTED);
    const item = await table.get(id);
    assert.equal(item?.status, "AWAITING_APPROVAL");
    assert.equal(item?.current_step, "human_approval");
    const res = await rig.api(
      apiEvent("POST /workflows/{workflow_id}/approval", { path: { workflow_id: id }, body }),
    );
    assert.equal(res.statusCode, 200, res.body);
  }

  const eventsOf = (id: string) =>
    rig.aws.events.filter((e) => e.resources[0] === id).map((e) => e.detailType);
  const tasksOf = (id: string) => rig.agents.tasks.filter((t) => t.payload.workflow_id === id);

  it("runs research → analysis → approval → writing → COMPLETED with exactly three dispatches across all replays", async () => {
    const { runner, execution } = await start("wf-happy");
    await approve(runner, "wf-happy", { approved: true, feedback: "Add a timeline" });
    const done = await execution;
    assert.equal(done.getStatus(), "SUCCEEDED");
    const result = done.getResult() as { status: string; report_s3_key: string };
    assert.equal(result.status, "COMPLETED");
    assert.equal(result.report_s3_key, "reports/wf-happy/final_report.json");

    const tasks = tasksOf("wf-happy");
    assert.deepEqual(
      tasks.map((t) => t.payload.task),
      ["research", "analyze", "write_report"],
    );
    assert.ok(
      done.getInvocations().length > 3,
      `the handler was replayed (${done.getInvocations().length} invocations)`,
    );
    for (const t of tasks) {
      assert.equal(t.payload.callback_url, "https://agents.local.test/callbacks/wf-happy");
      assert.match(t.payload.callback_token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(t.rpc.method, "tasks/send");
    }
    assert.equal(new Set(tasks.map((t) => t.payload.callback_token)).size, 3, "one token per phase");
    assert.deepEqual(tasks[1].payload.research_data, {
      sources: [
        "Impact of quantum computing on cryptography overview",
        "Impact of quantum computing on cryptography recent work",
      ],
      findings: 3,
      confidence: 0.8,
    });
    assert.equal(tasks[2].payload.feedback, "Add a timeline");
    assert.equal(tasks[0].agentArn, process.env.RESEARCHER_AGENT_ARN);
    assert.equal(tasks[2].agentArn, process.env.WRITER_AGENT_ARN);

    const item = (await table.get("wf-happy"))!;
    assert.equal(item.status, "COMPLETED");
    assert.equal(item.current_step, "completed");
    assert.deepEqual(
      item.steps_completed.map((s) => s.step_name),
      ["research_phase", "analysis_phase", "writing_phase", "finalize"],
    );
    assert.ok(item.completed_at && item.ttl > Date.now() / 1000 + 13 * 86400);
    assert.equal(item.report_url, undefined, "no presigned URL is stored");

    const got = parse(
      await rig.api(apiEvent("GET /workflows/{workflow_id}", { path: { workflow_id: "wf-happy" } })),
    );
    assert.match(String(got.report_url), /reports\/wf-happy\/final_report\.json\?.*X-Amz-Signature=/);
    assert.deepEqual(got.parameters, { depth: "deep", ratio: 0.5 });

    const s3 = rig.s3.client();
    const report = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: rig.bucket, Key: "reports/wf-happy/final_report.json" }))
      ).Body!.transformToString(),
    );
    assert.deepEqual(report, {
      title: "Report: Impact of quantum computing on cryptography",
      sections: ["Summary", "Findings"],
      feedback_applied: "Add a timeline",
    });
    s3.destroy();
  });

  it("emits WorkflowStarted, ApprovalRequested, WorkflowCompleted in order on source agent.orchestration", () => {
    assert.deepEqual(eventsOf("wf-happy"), ["WorkflowStarted", "ApprovalRequested", "WorkflowCompleted"]);
    const approval = rig.aws.events.find(
      (e) => e.resources[0] === "wf-happy" && e.detailType === "ApprovalRequested",
    )!;
    assert.equal(approval.source, "agent.orchestration");
    assert.equal(approval.detail.approval_url, "https://agents.local.test/workflows/wf-happy/approval");
    assert.match(String(approval.detail.analysis_summary), /Analysis of/);
  });

  it("ends REJECTED with the reviewer's reason, and never dispatches the writer", async () => {
    const { runner, execution } = await start("wf-reject");
    await approve(runner, "wf-reject", { approved: false, reason: "Out of scope" });
    const done = await execution;
    assert.deepEqual(done.getResult(), {
      status: "REJECTED",
      workflow_id: "wf-reject",
      reason: "Out of scope",
    });
    const item = (await table.get("wf-reject"))!;
    assert.equal(item.status, "REJECTED");
    assert.equal(item.rejection_reason, "Out of scope");
    assert.equal(item.current_step, "completed");
    assert.deepEqual(
      tasksOf("wf-reject").map((t) => t.payload.task),
      ["research", "analyze"],
    );
    assert.deepEqual(eventsOf("wf-reject"), ["WorkflowStarted", "ApprovalRequested", "WorkflowCompleted"]);
  });

  it("fails the workflow with the agent's error when an agent reports FAILURE", async () => {
    rig.behaviour.analysis = { status: "FAILURE", error: "model quota exhausted" };
    const { execution } = await start("wf-agentfail");
    const done = await execution;
    const result = done.getResult() as {
      status: string;
      error: { error_type: string; error_message: string };
    };
    assert.equal(result.status, "FAILED");
    assert.equal(result.error.error_type, "AgentFailure");
    assert.match(result.error.error_message, /analysis phase failed: model quota exhausted/);
    const item = (await table.get("wf-agentfail"))!;
    assert.equal(item.status, "FAILED");
    assert.equal(item.current_step, "error");
    assert.equal(item.error?.error_module, "controller.analysis");
    assert.deepEqual(eventsOf("wf-agentfail"), ["WorkflowStarted", "WorkflowFailed"]);
  });

  it("fails the workflow when a phase times out, and a callback arriving afterwards gets 409", async () => {
    process.env.RESEARCH_TIMEOUT_SECONDS = "1";
    rig.behaviour.research = { status: "SILENT" };
    const { execution } = await start("wf-timeout");
    const done = await execution;
    const result = done.getResult() as {
      status: string;
      error: { error_type: string; error_message: string };
    };
    assert.equal(result.status, "FAILED");
    assert.equal(result.error.error_type, "PhaseTimeout");
    assert.equal(result.error.error_message, "research phase timed out after 1 s");
    assert.equal((await table.get("wf-timeout"))?.status, "FAILED");
    const token = tasksOf("wf-timeout")[0].payload.callback_token;
    const late = await rig.callback(
      apiEvent("POST /callbacks/{workflow_id}", {
        path: { workflow_id: "wf-timeout" },
        body: { token, status: "SUCCESS", result: 1 },
      }),
    );
    assert.equal(late.statusCode, 409);
    assert.deepEqual(eventsOf("wf-timeout"), ["WorkflowStarted", "WorkflowFailed"]);
  });

  it("fails the workflow when nobody approves in time, and a late approval gets 409", async () => {
    process.env.APPROVAL_TIMEOUT_SECONDS = "1";
    const { execution } = await start("wf-noapproval");
    const done = await execution;
    const result = done.getResult() as {
      status: string;
      error: { error_type: string; error_message: string };
    };
    assert.equal(result.status, "FAILED");
    assert.equal(result.error.error_message, "approval phase timed out after 1 s");
    assert.equal((await table.get("wf-noapproval"))?.current_step, "error");
    const late = await rig.api(
      apiEvent("POST /workflows/{workflow_id}/approval", {
        path: { workflow_id: "wf-noapproval" },
        body: { approved: true },
      }),
    );
    assert.equal(late.statusCode, 409);
    assert.deepEqual(
      tasksOf("wf-noapproval").map((t) => t.payload.task),
      ["research", "analyze"],
    );
    assert.deepEqual(eventsOf("wf-noapproval"), ["WorkflowStarted", "ApprovalRequested", "WorkflowFailed"]);
  });

  it("carries a result over 200 KB as an S3 reference: never inline in a checkpoint, copied to the final report", async () => {
    const big = { title: "Big report", body: "lorem ipsum ".repeat(30000) };
    rig.behaviour.writing = { status: "SUCCESS", result: big };
    const { runner, execution } = await start("wf-large");
    await approve(runner, "wf-large", { approved: true });
    const done = await execution;
    assert.equal((done.getResult() as { status: string }).status, "COMPLETED");
    const checkpointed = JSON.stringify(done.getHistoryEvents());
    assert.ok(checkpointed.length < 20000, `checkpoints hold ${checkpointed.length} bytes`);
    assert.ok(
      checkpointed.includes(
        "s3://agent-orchestration-local-artifacts/artifacts/wf-large/writing_result.json",
      ),
    );
    const item = (await table.get("wf-large"))!;
    assert.equal(
      item.steps_completed[2].result_summary.s3_uri,
      "s3://agent-orchestration-local-artifacts/artifacts/wf-large/writing_result.json",
    );
    const s3 = rig.s3.client();
    const report = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: rig.bucket, Key: "reports/wf-large/final_report.json" }))
      ).Body!.transformToString(),
    );
    assert.deepEqual(report, big);
    s3.destroy();
  });

  it("starts once per workflow id: a repeated start of a finished workflow is a 409 and starts nothing", async () => {
    const before = rig.aws.invokes.filter((i) => i.executionName === "wf-happy").length;
    let started = 0;
    rig.aws.hooks.onStart = () => started++;
    const res = await rig.api(
      apiEvent("POST /workflows", {
        body: { topic: "Impact of quantum computing on cryptography", workflow_id: "wf-happy" },
      }),
    );
    assert.equal(res.statusCode, 409, "the workflow is complete: its id is taken");
    assert.equal(started, 0);
    assert.equal(rig.aws.invokes.filter((i) => i.executionName === "wf-happy").length, before);
  });
});
