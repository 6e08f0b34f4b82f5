/**
 * The one small interface through which the controller reaches an agent, and its AgentCore implementation.
 *
 * An agent is dispatched once per phase with the seed's JSON-RPC 2.0 body: `tasks/send` with one text part,
 * the JSON of the phase input plus `workflow_id`, `callback_url`, `callback_token` and `task`. The agent
 * answers at once ("accepted") and later POSTs its result to `callback_url`.
 */
import { InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import { createHash } from "crypto";
import { clients } from "./clients";
import type { AgentPhase } from "./settings";

export const PHASE_TASK: Record<AgentPhase, string> = {
  research: "research",
  analysis: "analyze",
  writing: "write_report",
};

export interface AgentDispatch {
  phase: AgentPhase;
  agentArn: string;
  workflowId: string;
  callbackUrl: string;
  callbackToken: string;
  input: Record<string, unknown>;
}

export interface AgentDispatcher {
  /** Sends the task; resolves when the agent has accepted it. */
  dispatch(task: AgentDispatch): Promise<void>;
}

/** Pure: the payload an agent receives (phase input + the seed's fields). */
export function agentPayload(task: AgentDispatch): Record<string, unknown> {
  return {
    ...task.input,
    task: PHASE_TASK[task.phase],
    workflow_id: task.workflowId,
    callback_url: task.callbackUrl,
    callback_token: task.callbackToken,
  };
}

/** Pure: the JSON-RPC 2.0 request body; its id is stable per workflow and phase. */
export function jsonRpcBody(task: AgentDispatch): { id: string; body: string } {
  const id = `${task.workflowId}-${task.phase}`;
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tasks/send",
    params: {
      message: { role: "user", parts: [{ kind: "text", text: JSON.stringify(agentPayload(task)) }] },
    },
  });
  return { id, body };
}

/** Pure: AgentCore session ids must be at least 33 characters; one stable session per workflow and phase. */
export function sessionId(workflowId: string, phase: AgentPhase): string {
  return `wf-${createHash("sha256").update(`${workflowId}/${phase}`).digest("hex").slice(0, 40)}`;
}

/** Dispatches through `bedrock-agentcore:InvokeAgentRuntime`. */
export const agentCoreDispatcher: AgentDispatcher = {
  async dispatch(task) {
    const { body } = jsonRpcBody(task);
    const out = await clients.agentcore().send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn: task.agentArn,
        contentType: "application/json",
        accept: "application/json",
        runtimeSessionId: sessionId(task.workflowId, task.phase),
        payload: new TextEncoder().encode(body),
      }),
    );
    const text = out.response ? await out.response.transformToString("utf8") : "";
    let reply: { error?: { message?: string } } = {};
    try {
      reply = text ? JSON.parse(text) : {};
    } catch {
      // A non-JSON reply with a 2xx status still means the task was accepted.
    }
    if (reply.error)
      throw new Error(`agent refused the ${task.phase} task: ${reply.error.message ?? "error"}`);
  },
};
