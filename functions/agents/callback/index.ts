/**
 * `POST /callbacks/{workflow_id}`: an agent reports the result of its phase.
 *
 * Order: the seed's validation (400), the workflow (404), the token bound to one of the workflow's phases
 * (403 unless it matches, compared in constant time), a repeat of an accepted callback (200 with the same
 * answer), a token of a phase that is not the current one or whose callback is closed (409), then the
 * durable callback is completed. Results over 200 KB are stored under `artifacts/<id>/` and passed on as an
 * S3 reference. A client mistake never gets a 500.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { artifactKey, inlineOrReference } from "../shared/artifacts";
import { CallbackClosed, completeCallback } from "../shared/durable";
import { Response, error, json, parseBody } from "../shared/http";
import { readSettings } from "../shared/settings";
import { isTerminal } from "../shared/state";
import { CallbackPhase, WorkflowItem, WorkflowTable } from "../shared/table";
import { tokenMatches } from "../shared/tokens";
import { checkCallback, checkWorkflowId, errorText } from "./validate";

const logger = new Logger({ serviceName: "agents-callback" });

const AGENT_PHASES: CallbackPhase[] = ["research", "analysis", "writing"];
const PHASE_STEP: Record<string, string> = {
  research: "research_phase",
  analysis: "analysis_phase",
  writing: "writing_phase",
};

/** Pure: the phase whose stored token hash matches (every phase is checked, whatever matches first). */
export function matchPhase(item: WorkflowItem, token: string): CallbackPhase | undefined {
  let found: CallbackPhase | undefined;
  for (const phase of AGENT_PHASES) {
    if (tokenMatches(token, item.callbacks?.[phase]?.token_sha256) && !found) found = phase;
  }
  return found;
}

export async function handler(event: APIGatewayProxyEventV2): Promise<Response> {
  try {
    return await handle(event);
  } catch (e) {
    logger.error("callback failed", { error: e as Error, routeKey: event.routeKey });
    return error(500, "Internal error");
  }
}

async function handle(event: APIGatewayProxyEventV2): Promise<Response> {
  if (event.routeKey !== "POST /callbacks/{workflow_id}") return error(404, "Not found");
  const id = checkWorkflowId(event.pathParameters?.workflow_id);
  if (!id.ok) return error(id.status, id.error);
  const body = checkCallback(parseBody(event));
  if (!body.ok) return error(body.status, body.error);

  const settings = readSettings();
  const table = new WorkflowTable(settings.table, settings.retentionDays);
  const item = await table.get(id.value);
  if (!item) return error(404, "Workflow not found");

  const phase = matchPhase(item, body.value.token);
  if (!phase) {
    logger.warn("callback token does not match", { workflow_id: id.value });
    return error(403, "Token does not match a phase of this workflow");
  }
  const binding = item.callbacks![phase]!;
  if (binding.state === "ACCEPTED" && binding.answer) return json(200, binding.answer);
  if (isTerminal(item.status) || item.current_step !== PHASE_STEP[phase]) {
    return error(
      409,
      `Callback for the ${phase} phase is too late: the workflow is ${item.status} at ${item.current_step}`,
    );
  }

  const v = body.value;
  try {
    if (v.status === "SUCCESS") {
      const result = await inlineOrReference(
        settings.bucket,
        artifactKey(id.value, `${phase}_result`),
        v.result,
      );
      await completeCallback(binding.callback_id, { ok: true, result });
    } else {
      await completeCallback(binding.callback_id, {
        ok: false,
        type: "AgentFailure",
        message: errorText(v.error),
      });
    }
  } catch (e) {
    if (e instanceof CallbackClosed) {
      // A concurrent copy of this callback may have been accepted a moment ago: same answer then.
      const stored = (await table.get(id.value))?.callbacks?.[phase];
      if (stored?.state === "ACCEPTED" && stored.answer) return json(200, stored.answer);
      return error(409, `Callback for the ${phase} phase is too late: ${e.message}`);
    }
    logger.error("could not complete the durable callback", {
      error: e as Error,
      workflow_id: id.value,
      phase,
    });
    return error(502, "Could not deliver the callback to the workflow; retry");
  }

  const answer = {
    status: "callback_delivered",
    workflow_id: id.value,
    phase,
    outcome: v.status,
    timestamp: new Date().toISOString(),
  };
  if (!(await table.acceptCallback(id.value, phase, answer))) {
    const again = await table.get(id.value);
    const stored = again?.callbacks?.[phase]?.answer;
    if (stored) return json(200, stored);
  }
  logger.info("callback delivered", { workflow_id: id.value, phase, outcome: v.status });
  return json(200, answer);
}
