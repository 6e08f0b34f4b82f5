/** What every route implementation gets, and the JSON answer helpers. */
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { Identity } from "./auth";
import type { Sessions } from "./sessions";
import type { Settings } from "./settings";
import type { Store } from "./store";
import { MESSAGES } from "./validate";

export type Result = APIGatewayProxyStructuredResultV2;

export interface Ctx {
  requestId: string;
  params: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  /** The body as a JSON object (`{}` when absent); a 400 when it is not one. */
  body(): Record<string, unknown>;
  settings: Settings;
  /** The verified caller (from API Gateway's JWT authorizer), if any. */
  identity?: Identity;
  store(): Store;
  sessions(): Sessions;
  now(): string;
  nowMs(): number;
  safeConcurrency: boolean;
}

export function json(statusCode: number, body: unknown): Result {
  return { statusCode, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}

export function writeRefused(kind: "tableNotFound" | "archived" | "userNotFound", tableId: string): Result {
  if (kind === "tableNotFound") return json(404, { error: MESSAGES.tableNotFound });
  if (kind === "userNotFound") return json(404, { error: MESSAGES.userNotFound });
  return json(409, {
    error: `Table ${tableId} is archived and accepts no user writes; unarchive it with PATCH /tables/${tableId} {"isArchived": false}`,
  });
}
