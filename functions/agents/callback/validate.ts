/**
 * Validation of agent callbacks (pure). The messages are the seed's, in the seed's order; they are part of
 * the API's contract and the acceptance tests check them word for word.
 */
import { INVALID, WORKFLOW_ID, isObject } from "../shared/http";

export type CallbackBody =
  | { token: string; status: "SUCCESS"; result: unknown }
  | { token: string; status: "FAILURE"; error: unknown };

export type Checked<T> = { ok: true; value: T } | { ok: false; status: number; error: string };

/** Checks the path's workflow id. */
export function checkWorkflowId(id: string | undefined): Checked<string> {
  if (!id || !WORKFLOW_ID.test(id))
    return { ok: false, status: 400, error: "Invalid workflow_id: must match [A-Za-z0-9_-]{1,64}" };
  return { ok: true, value: id };
}

/** Checks a parsed callback body (`INVALID` when the body was not JSON, `undefined` when empty). */
export function checkCallback(body: unknown): Checked<CallbackBody> {
  const bad = (error: string): Checked<CallbackBody> => ({ ok: false, status: 400, error });
  if (body === INVALID) return bad("Invalid JSON in request body");
  if (!isObject(body) || Object.keys(body).length === 0) return bad("Request body is empty or invalid JSON");
  const { token, status } = body;
  if (token === undefined || token === null || token === "") return bad("Missing required field: token");
  if (typeof token !== "string" || token.length > 512) return bad("Invalid field: token must be a string");
  if (status === undefined || status === null || status === "") return bad("Missing required field: status");
  if (status !== "SUCCESS" && status !== "FAILURE")
    return bad(
      `Invalid status value: ${typeof status === "string" ? status : JSON.stringify(status)}. Must be SUCCESS or FAILURE`,
    );
  if (status === "SUCCESS") {
    if (!("result" in body) || body.result === undefined || body.result === null)
      return bad("SUCCESS status requires 'result' field");
    return { ok: true, value: { token, status, result: body.result } };
  }
  if (!("error" in body) || body.error === undefined || body.error === null || body.error === "")
    return bad("FAILURE status requires 'error' field");
  return { ok: true, value: { token, status, error: body.error } };
}

/** Pure: an agent's error as one bounded line for the workflow's `error` and the durable failure. */
export function errorText(error: unknown): string {
  const text = typeof error === "string" ? error : JSON.stringify(error);
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text;
}
