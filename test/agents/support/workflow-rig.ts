/**
 * A whole local workflow rig: the durable controller in `LocalDurableTestRunner`, the API and callback
 * handlers, dynalite, s3rver, the recording Lambda/EventBridge endpoint and the HTTP/2 AgentCore stand-in,
 * wired together as in AWS: the API starts executions through Lambda `Invoke`, agents POST their results to
 * the callback handler, and `SendDurableExecutionCallback*` reaches the runner's callbacks.
 */
import { LocalDurableTestRunner } from "@aws/durable-execution-sdk-js-testing";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { handler as api } from "../../../functions/agents/api";
import { handler as callback } from "../../../functions/agents/callback";
import { handler as controller } from "../../../functions/agents/controller";
import { clients } from "../../../functions/agents/shared/clients";
import { apiEvent } from "./events";
import {
  AgentStandIn,
  AgentTask,
  CallbackRecord,
  LocalAws,
  LocalDynamo,
  LocalS3,
  createWorkflowTable,
  localEnv,
  startAgents,
  startDynamo,
  startLocalAws,
  startS3,
} from "./local-aws";

export const TASK_PHASE: Record<string, "research" | "analysis" | "writing"> = {
  research: "research",
  analyze: "analysis",
  write_report: "writing",
};

/** What a stand-in agent does with a task: answer SUCCESS/FAILURE through the callback URL, or stay silent. */
export type AgentBehaviour =
  { status: "SUCCESS"; result: unknown } | { status: "FAILURE"; error: unknown } | { status: "SILENT" };

/** Deterministic stand-in results, derived from the task's input. */
export function standInResult(task: AgentTask): unknown {
  const p = task.payload;
  switch (task.payload.task) {
    case "research":
      return { sources: [`${p.topic} overview`, `${p.topic} recent work`], findings: 3, confidence: 0.8 };
    case "analyze":
      return {
        summary: `Analysis of ${p.topic}`,
        key_points: ["cost", "risk", "timeline"],
        research_seen: !!p.research_data,
      };
    default:
      return {
        title: `Report: ${p.topic}`,
        sections: ["Summary", "Findings"],
        feedback_applied: p.feedback ?? "",
      };
  }
}

type DurableApi = {
  sendCallbackSuccess(r: { CallbackId: string; Result?: Buffer }): Promise<unknown>;
  sendCallbackFailure(r: { CallbackId: string; Error: unknown }): Promise<unknown>;
};

export interface Rig {
  dynamo: LocalDynamo;
  s3: LocalS3;
  aws: LocalAws;
  agents: AgentStandIn;
  table: string;
  bucket: string;
  /** Per phase behaviour of the stand-in agents (default: SUCCESS with `standInResult`). */
  behaviour: Partial<Record<"research" | "analysis" | "writing", AgentBehaviour>>;
  /** Observed phases as they pass (for the dev script's progress lines). */
  onProgress?: (line: string) => void;
  api(event: APIGatewayProxyEventV2): ReturnType<typeof api>;
  callback(event: APIGatewayProxyEventV2): ReturnType<typeof callback>;
  newRunner(): LocalDurableTestRunner;
  stop(): Promise<void>;
}

export async function startRig(
  opts: { table?: string; bucket?: string; env?: Record<string, string> } = {},
): Promise<Rig> {
  const table = opts.table ?? "agent-orchestration-local-workflows";
  const bucket = opts.bucket ?? "agent-orchestration-local-artifacts";
  const [dynamo, s3, aws, agents] = await Promise.all([
    startDynamo(),
    startS3(bucket),
    startLocalAws(),
    startAgents(),
  ]);
  await createWorkflowTable(dynamo.endpoint, table);
  const saved = { ...process.env };
  Object.assign(
    process.env,
    localEnv({
      dynamo: dynamo.endpoint,
      s3: s3.endpoint,
      aws: aws.endpoint,
      agents: agents.endpoint,
      table,
      bucket,
      callbackApiUrl: "https://agents.local.test/",
    }),
    opts.env ?? {},
  );
  clients.reset();

  const durableApi = (
    LocalDurableTestRunner as unknown as { createDurableApi(): DurableApi }
  ).createDurableApi();
  aws.hooks.onCallback = async (record: CallbackRecord) => {
    if (record.outcome === "succeed")
      await durableApi.sendCallbackSuccess({
        CallbackId: record.callbackId,
        Result: Buffer.from(record.body as string),
      });
    else await durableApi.sendCallbackFailure({ CallbackId: record.callbackId, Error: record.body });
  };

  const rig: Rig = {
    dynamo,
    s3,
    aws,
    agents,
    table,
    bucket,
    behaviour: {},
    api,
    callback,
    newRunner: () => new LocalDurableTestRunner({ handlerFunction: controller }),
    async stop() {
      clients.reset();
      process.env = saved;
      await Promise.all([dynamo.stop(), s3.stop(), aws.stop(), agents.stop()]);
    },
  };

  // The stand-in agents answer through the public callback route, exactly as a deployed agent would.
  agents.onTask = (task) => {
    const phase = TASK_PHASE[task.payload.task];
    const b = rig.behaviour[phase] ?? { status: "SUCCESS", result: standInResult(task) };
    rig.onProgress?.(`${phase}: dispatched to ${task.agentArn.split("/").pop()}`);
    if (b.status === "SILENT") return;
    const url = new URL(task.payload.callback_url);
    const id = decodeURIComponent(url.pathname.split("/").pop()!);
    const body =
      b.status === "SUCCESS"
        ? { token: task.payload.callback_token, status: "SUCCESS", result: b.result }
        : { token: task.payload.callback_token, status: "FAILURE", error: b.error };
    void callback(apiEvent("POST /callbacks/{workflow_id}", { path: { workflow_id: id }, body })).then(
      (res) => rig.onProgress?.(`${phase}: agent called back ${b.status} → HTTP ${res.statusCode}`),
    );
  };
  return rig;
}
