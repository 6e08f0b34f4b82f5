/**
 * The workflow API (HTTP API, payload 2.0), dispatching on `routeKey`:
 *
 * - `POST /workflows`: validate, create the item (INITIALIZING), start the durable controller
 *   asynchronously with the workflow id as execution name → 202 `{workflow_id, status}`.
 * - `GET /workflows`: one page of `status-created-index` (`status`, `limit`, `lastKey`).
 * - `GET /workflows/{workflow_id}`: the item as plain JSON, plus a freshly presigned `report_url` once
 *   COMPLETED (a stored URL would die with the role session that signed it).
 * - `POST /workflows/{workflow_id}/approval` and its alias `POST /approve/{workflow_id}`: completes the
 *   approval callback (409 unless the workflow awaits approval).
 */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { randomUUID } from "crypto";
import { clients } from "../shared/clients";
import { CallbackClosed, completeCallback, startExecution } from "../shared/durable";
import { Response, error, json, parseBody } from "../shared/http";
import { Settings, readSettings } from "../shared/settings";
import { WorkflowTable, newItem, publicView } from "../shared/table";
import { checkApproval, checkList, checkStart, checkWorkflowId, encodeCursor } from "./validate";

const logger = new Logger({ serviceName: "agents-api" });

type Route = (event: APIGatewayProxyEventV2, s: Settings, table: WorkflowTable) => Promise<Response>;

const routes: Record<string, Route> = {
  "POST /workflows": startWorkflow,
  "GET /workflows": listWorkflows,
  "GET /workflows/{workflow_id}": getWorkflow,
  "POST /workflows/{workflow_id}/approval": approve,
  "POST /approve/{workflow_id}": approve,
};

/** The route keys this function serves (the component creates exactly these routes for it). */
export const API_ROUTES = Object.keys(routes);

export async function handler(event: APIGatewayProxyEventV2): Promise<Response> {
  const route = routes[event.routeKey];
  if (!route) return error(404, "Not found");
  try {
    const settings = readSettings();
    return await route(event, settings, new WorkflowTable(settings.table, settings.retentionDays));
  } catch (e) {
    logger.error("request failed", { error: e as Error, routeKey: event.routeKey });
    return error(500, "Internal error");
  }
}

async function startWorkflow(
  event: APIGatewayProxyEventV2,
  s: Settings,
  table: WorkflowTable,
): Promise<Response> {
  const req = checkStart(parseBody(event));
  if (!req.ok) return error(req.status, req.error);
  const workflowId = req.value.workflow_id ?? `wf-${randomUUID()}`;
  const item = newItem(
    { workflow_id: workflowId, topic: req.value.topic, parameters: req.value.parameters },
    new Date(),
    s.retentionDays,
  );
  if (!(await table.create(item))) {
    const existing = await table.get(workflowId);
    // A retried start of the same request (same topic, not yet running) starts it again: the execution
    // name makes that idempotent. Anything else is a different workflow with a taken id.
    const sameRequest =
      existing?.status === "INITIALIZING" &&
      existing.topic === item.topic &&
      JSON.stringify(existing.parameters) === JSON.stringify(item.parameters);
    if (!sameRequest) return error(409, `Workflow ${workflowId} already exists`);
  }
  try {
    await startExecution(s.controllerFunction, workflowId, {
      workflow_id: workflowId,
      topic: item.topic,
      parameters: item.parameters,
    });
  } catch (e) {
    logger.error("could not start the durable execution", { error: e as Error, workflow_id: workflowId });
    return error(502, `Could not start workflow ${workflowId}; retry the same request`);
  }
  logger.info("workflow started", { workflow_id: workflowId });
  return json(202, { workflow_id: workflowId, status: "INITIALIZING" });
}

async function getWorkflow(
  event: APIGatewayProxyEventV2,
  s: Settings,
  table: WorkflowTable,
): Promise<Response> {
  const id = checkWorkflowId(event.pathParameters?.workflow_id);
  if (!id.ok) return error(id.status, id.error);
  const item = await table.get(id.value);
  if (!item) return error(404, "Workflow not found");
  const view = publicView(item);
  if (item.status === "COMPLETED" && item.report_s3_key) {
    view.report_url = await getSignedUrl(
      clients.s3(),
      new GetObjectCommand({ Bucket: s.bucket, Key: item.report_s3_key }),
      { expiresIn: s.reportUrlSeconds },
    );
    view.report_url_expires_in = s.reportUrlSeconds;
  }
  return json(200, view);
}

async function listWorkflows(
  event: APIGatewayProxyEventV2,
  _s: Settings,
  table: WorkflowTable,
): Promise<Response> {
  const req = checkList(event.queryStringParameters);
  if (!req.ok) return error(req.status, req.error);
  const page = await table.listByStatus(req.value.status, req.value.limit, req.value.startKey);
  const lastKey = encodeCursor(page.lastKey);
  return json(200, {
    items: page.items.map(publicView),
    count: page.items.length,
    ...(lastKey ? { lastKey } : {}),
  });
}

/** Who approved: the IAM caller or the JWT subject, as API Gateway authenticated it. */
function caller(event: APIGatewayProxyEventV2): string | undefined {
  const auth = (
    event.requestContext as {
      authorizer?: { iam?: { userArn?: string }; jwt?: { claims?: Record<string, unknown> } };
    }
  ).authorizer;
  const sub = auth?.jwt?.claims?.sub;
  return auth?.iam?.userArn ?? (typeof sub === "string" ? sub : undefined);
}

async function approve(event: APIGatewayProxyEventV2, _s: Settings, table: WorkflowTable): Promise<Response> {
  const id = checkWorkflowId(event.pathParameters?.workflow_id);
  if (!id.ok) return error(id.status, id.error);
  const req = checkApproval(parseBody(event));
  if (!req.ok) return error(req.status, req.error);
  const item = await table.get(id.value);
  if (!item) return error(404, "Workflow not found");
  const binding = item.callbacks?.approval;
  if (item.status !== "AWAITING_APPROVAL" || !binding || binding.state !== "PENDING") {
    return error(409, `Workflow ${id.value} is not awaiting approval (status ${item.status})`);
  }
  const decision = {
    approved: req.value.approved,
    feedback: req.value.feedback,
    reason: req.value.reason,
    approved_by: caller(event),
    approved_at: new Date().toISOString(),
  };
  try {
    await completeCallback(binding.callback_id, { ok: true, result: decision });
  } catch (e) {
    if (e instanceof CallbackClosed) return error(409, `Workflow ${id.value} is no longer awaiting approval`);
    throw e;
  }
  const answer = { workflow_id: id.value, decision: req.value.approved ? "APPROVED" : "REJECTED" };
  await table.acceptCallback(id.value, "approval", answer);
  logger.info("approval delivered", { workflow_id: id.value, approved: req.value.approved });
  return json(200, answer);
}
