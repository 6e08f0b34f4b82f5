/**
 * AI Model Share playground API: one Lambda behind an HTTP API (payload format 2.0).
 *
 * Module scope holds the logger and the one DynamoDB client (standard SDK config chain, so
 * `AWS_ENDPOINT_URL_DYNAMODB` points it at a local DynamoDB, `AWS_MAX_ATTEMPTS` sets the retries of
 * throttled requests). Each request is dispatched on its route key, validated completely before DynamoDB is
 * touched, and answered with JSON; every error body is `{ "error": "..." }`. The caller's identity comes only
 * from the claims API Gateway's JWT authorizer verified (`auth.ts`).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import * as tables from "./api-tables";
import * as users from "./api-users";
import { identityFromEvent } from "./auth";
import { type Ctx, type Result, json } from "./context";
import { RouteKey, needsToken, routeOf } from "./routes";
import { Sessions } from "./sessions";
import { settingsOf } from "./settings";
import { Store } from "./store";
import { Contention } from "./users";
import { MESSAGES, Problem, jsonObject } from "./validate";

export const logger = new Logger({ serviceName: "playground-api" });

const raw = new DynamoDBClient({});
const doc = DynamoDBDocumentClient.from(raw, {
  marshallOptions: { removeUndefinedValues: true },
});

/** SAFE_CONCURRENCY=true: strongly consistent reads (see README); writes are always conditional/atomic. */
function safeConcurrency(): boolean {
  return process.env.SAFE_CONCURRENCY === "true";
}

function tableName(): string {
  const name = process.env.TABLE_NAME;
  if (!name) throw new Error("TABLE_NAME is not set");
  return name;
}

const ROUTES: Record<RouteKey, (ctx: Ctx) => Promise<Result>> = {
  "GET /health": tables.health,
  "POST /tables": tables.createTable,
  "GET /tables": tables.listTables,
  "GET /tables/{tableId}": tables.getTable,
  "PATCH /tables/{tableId}": tables.patchTable,
  "DELETE /tables/{tableId}": tables.deleteTable,
  "GET /tables/{tableId}/users": users.listUsers,
  "GET /tables/{tableId}/users/{username}": users.getUser,
  "PUT /tables/{tableId}/users/{username}": users.putUser,
  "PUT /tables/{tableId}/users/{username}/moral-compass": users.putMoralCompass,
  "PUT /tables/{tableId}/users/{username}/moralcompass": users.putMoralCompass,
  "PATCH /tables/{tableId}/users/{username}/tasks": users.patchTasks,
  "DELETE /tables/{tableId}/users/{username}/tasks": users.clearTasks,
  "POST /sessions": tables.createSession,
  "GET /sessions/{sessionId}": tables.getSession,
  "PATCH /sessions/{sessionId}": tables.refreshSession,
};

function contextOf(event: APIGatewayProxyEventV2, requestId: string): Ctx {
  const settings = settingsOf();
  return {
    requestId,
    params: event.pathParameters ?? {},
    query: event.queryStringParameters ?? {},
    body: () => jsonObject(event.body, event.isBase64Encoded),
    settings,
    identity: identityFromEvent(event),
    store: () => new Store(doc, raw, { tableName: tableName(), consistentRead: safeConcurrency() }),
    sessions: () => new Sessions(doc, tableName(), settings.sessionTtlSeconds),
    now: () => new Date().toISOString(),
    nowMs: () => Date.now(),
    safeConcurrency: safeConcurrency(),
  };
}

export async function handler(event: APIGatewayProxyEventV2, context?: Context): Promise<Result> {
  const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? "unknown";
  if (context) logger.addContext(context);
  const key = routeOf(event);
  if (key === "OPTIONS") return json(200, {});
  if (!key) return json(404, { error: MESSAGES.routeNotFound });
  try {
    const ctx = contextOf(event, requestId);
    // Defence in depth: API Gateway's authorizer already refused these without a valid token.
    if (needsToken(key, ctx.settings) && !ctx.identity) throw new Problem(401, "Authentication required");
    const result = await ROUTES[key](ctx);
    if (key === "GET /health" && result.statusCode === 503)
      logger.error("health check failed", { requestId, tableName: process.env.TABLE_NAME });
    logger.debug("request", { requestId, routeKey: key, statusCode: result.statusCode });
    return result;
  } catch (err) {
    if (err instanceof Problem) {
      logger.info("rejected request", {
        requestId,
        routeKey: key,
        statusCode: err.status,
        reason: err.message,
      });
      return json(err.status, { error: err.message });
    }
    if (err instanceof Contention) {
      logger.warn("write contention", { requestId, routeKey: key });
      return json(503, { error: `Service busy: ${err.message} (request id ${requestId})` });
    }
    logger.error("unexpected error", { requestId, routeKey: key, error: err as Error });
    return json(500, { error: `Internal server error (request id ${requestId})` });
  }
}
