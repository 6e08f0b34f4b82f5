/** Small helpers shared by the API Gateway (payload 2.0) handlers. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

export type Response = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

export function json(statusCode: number, body: unknown): Response {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

export function error(statusCode: number, message: string): Response {
  return json(statusCode, { error: message });
}

/** The parsed JSON body, `undefined` when the body is empty, or the marker `INVALID` when it is not JSON. */
export const INVALID = Symbol("invalid-json");
export function parseBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === null || event.body === "") return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return INVALID;
  }
}

/** True for plain objects (not arrays, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Workflow ids: the execution name of the durable execution, so the same rule as Lambda's names. */
export const WORKFLOW_ID = /^[A-Za-z0-9_-]{1,64}$/;
