/** Validation of the workflow API's requests (pure). Every message names the field and the rule. */
import { INVALID, WORKFLOW_ID, isObject } from "../shared/http";
import { STATUSES, Status } from "../shared/state";
import { checkWorkflowInput } from "../shared/workflow-input";

export type Checked<T> = { ok: true; value: T } | { ok: false; status: number; error: string };
const bad = <T>(error: string): Checked<T> => ({ ok: false, status: 400, error });

export { TOPIC_MAX, TOPIC_MIN } from "../shared/workflow-input";

export interface StartRequest {
  topic: string;
  parameters: Record<string, unknown>;
  workflow_id?: string;
}

function bodyObject(body: unknown): Checked<Record<string, unknown>> {
  if (body === INVALID) return bad("Invalid JSON in request body");
  if (body === undefined) return bad("Request body is empty: send a JSON object");
  if (!isObject(body)) return bad("Request body must be a JSON object");
  return { ok: true, value: body };
}

export function checkStart(body: unknown): Checked<StartRequest> {
  const obj = bodyObject(body);
  if (!obj.ok) return obj;
  const { topic, parameters, workflow_id } = obj.value;
  if (topic === undefined || topic === null) return bad("Missing required field: topic");
  if (workflow_id !== undefined && (typeof workflow_id !== "string" || !WORKFLOW_ID.test(workflow_id)))
    return bad("Invalid field: workflow_id must match [A-Za-z0-9_-]{1,64}");
  // The agents' own schemas (shared/workflow-input.ts) and the storage limits, so a workflow the API accepts
  // is never refused by an agent later (after a human approved, for the writer).
  const input = checkWorkflowInput(topic, parameters ?? undefined);
  if (!input.ok) return bad(`Invalid field: ${input.error}`);
  return { ok: true, value: { topic: input.topic, parameters: input.parameters, workflow_id } };
}

export function checkWorkflowId(id: string | undefined): Checked<string> {
  if (!id || !WORKFLOW_ID.test(id))
    return bad("Invalid path parameter: workflow_id must match [A-Za-z0-9_-]{1,64}");
  return { ok: true, value: id };
}

export interface ApprovalRequest {
  approved: boolean;
  feedback?: string;
  reason?: string;
}

export function checkApproval(body: unknown): Checked<ApprovalRequest> {
  const obj = bodyObject(body);
  if (!obj.ok) return obj;
  const { approved, feedback, reason } = obj.value;
  if (approved === undefined || approved === null) return bad("Missing required field: approved");
  if (typeof approved !== "boolean") return bad("Invalid field: approved must be true or false");
  if (feedback !== undefined && (typeof feedback !== "string" || feedback.length > 10000))
    return bad("Invalid field: feedback must be a string of at most 10000 characters");
  if (reason !== undefined && (typeof reason !== "string" || reason.length > 2000))
    return bad("Invalid field: reason must be a string of at most 2000 characters");
  return { ok: true, value: { approved, feedback, reason } };
}

export interface ListRequest {
  status: Status;
  limit: number;
  startKey?: Record<string, string>;
}

export const LIST_LIMIT = { default: 20, max: 100 };

/** Pure: the opaque cursor of a page (base64url JSON of DynamoDB's LastEvaluatedKey). */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key), "utf8").toString("base64url") : undefined;
}

/** The longest cursor this API hands out is far below this (three short key attributes). */
export const CURSOR_MAX = 512;
const CREATED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * Pure: a cursor back to the key it encodes, or undefined unless it is exactly what encodeCursor makes of a
 * key of the status index: a known status, a workflow id and an ISO timestamp (DynamoDB refuses empty or
 * oversized key values as a server error, so a tampered cursor must never reach it).
 */
export function decodeCursor(cursor: string): Record<string, string> | undefined {
  if (cursor.length === 0 || cursor.length > CURSOR_MAX || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    const keys = ["created_at", "status", "workflow_id"];
    if (!isObject(v) || Object.keys(v).sort().join() !== keys.join()) return undefined;
    if (!keys.every((k) => typeof v[k] === "string")) return undefined;
    if (!(STATUSES as readonly string[]).includes(v.status as string)) return undefined;
    if (!WORKFLOW_ID.test(v.workflow_id as string)) return undefined;
    if (!CREATED_AT.test(v.created_at as string)) return undefined;
    return v as Record<string, string>;
  } catch {
    return undefined;
  }
}

export function checkList(query: Record<string, string | undefined> | undefined): Checked<ListRequest> {
  const q = query ?? {};
  if (!q.status) return bad(`Missing query parameter: status (one of ${STATUSES.join(", ")})`);
  if (!(STATUSES as readonly string[]).includes(q.status))
    return bad(`Invalid query parameter: status must be one of ${STATUSES.join(", ")}`);
  let limit = LIST_LIMIT.default;
  if (q.limit !== undefined) {
    if (!/^\d+$/.test(q.limit) || Number(q.limit) < 1 || Number(q.limit) > LIST_LIMIT.max)
      return bad(`Invalid query parameter: limit must be a whole number from 1 to ${LIST_LIMIT.max}`);
    limit = Number(q.limit);
  }
  let startKey: Record<string, string> | undefined;
  if (q.lastKey !== undefined) {
    startKey = decodeCursor(q.lastKey);
    if (!startKey || startKey.status !== q.status)
      return bad(
        "Invalid query parameter: lastKey must be a cursor returned by this API for the same status",
      );
  }
  return { ok: true, value: { status: q.status as Status, limit, startKey } };
}
