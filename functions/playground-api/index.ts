/**
 * AI Model Share playground API: one Lambda behind an HTTP API (payload format 2.0).
 *
 * Module scope holds the logger and the one DynamoDB client (standard SDK config chain, so
 * `AWS_ENDPOINT_URL_DYNAMODB` points it at a local DynamoDB, `AWS_MAX_ATTEMPTS` sets the retries of
 * throttled requests). Each request is dispatched on its route key, validated completely before DynamoDB is
 * touched, and answered with JSON; every error body is `{ "error": "..." }`.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { decodeTablesCursor, decodeUsersCursor, encodeCursor } from "./cursor";
import { RouteKey, routeOf } from "./routes";
import { Store } from "./store";
import { INDEX } from "./table";
import { Contention } from "./users";
import {
  MESSAGES,
  Problem,
  createTableInput,
  jsonObject,
  limitOf,
  patchTableInput,
  putUserInput,
  tableIdOf,
  usernameOf,
} from "./validate";

export const logger = new Logger({ serviceName: "playground-api" });

const raw = new DynamoDBClient({});
const doc = DynamoDBDocumentClient.from(raw, {
  marshallOptions: { removeUndefinedValues: true },
});

/** SAFE_CONCURRENCY=true: strongly consistent reads (see README); writes are always conditional/atomic. */
function safeConcurrency(): boolean {
  return process.env.SAFE_CONCURRENCY === "true";
}

function store(): Store {
  const tableName = process.env.TABLE_NAME;
  if (!tableName) throw new Error("TABLE_NAME is not set");
  return new Store(doc, raw, { tableName, consistentRead: safeConcurrency() });
}

type Result = APIGatewayProxyStructuredResultV2;

function json(statusCode: number, body: unknown): Result {
  return { statusCode, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}

const now = (): string => new Date().toISOString();

async function route(key: RouteKey, event: APIGatewayProxyEventV2, requestId: string): Promise<Result> {
  const params = event.pathParameters ?? {};
  const query = event.queryStringParameters ?? {};
  const body = () => jsonObject(event.body, event.isBase64Encoded);

  switch (key) {
    case "GET /health": {
      const timestamp = now();
      const tableName = process.env.TABLE_NAME ?? "";
      try {
        const d = await store().describe();
        return json(200, {
          tableName,
          tableStatus: d.status,
          indexes: d.indexes,
          gsiByUserActive: d.indexes[INDEX.byUser] === "ACTIVE",
          safeConcurrency: safeConcurrency(),
          timestamp,
        });
      } catch (err) {
        logger.error("health check failed", { requestId, error: err as Error });
        return json(503, { error: "DynamoDB table is not reachable", tableName, timestamp });
      }
    }

    case "POST /tables": {
      const input = createTableInput(body());
      const created = await store().createTable(input.tableId, input.displayName, now());
      if (!created) return json(409, { error: `Table ${input.tableId} already exists` });
      return json(201, { ...input, message: "Table created successfully" });
    }

    case "GET /tables": {
      const limit = limitOf(query.limit);
      const after = query.lastKey !== undefined ? decodeTablesCursor(query.lastKey) : undefined;
      const page = await store().listTables(limit, after);
      return json(200, {
        tables: page.items,
        ...(page.lastKey ? { lastKey: encodeCursor("tables", page.lastKey) } : {}),
      });
    }

    case "GET /tables/{tableId}": {
      const tableId = tableIdOf(params.tableId);
      const table = await store().getTable(tableId);
      if (!table) return json(404, { error: MESSAGES.tableNotFound });
      return json(200, table);
    }

    case "PATCH /tables/{tableId}": {
      const parsed = body();
      const tableId = tableIdOf(params.tableId);
      const patch = patchTableInput(parsed);
      const updated = await store().patchTable(tableId, patch, now());
      if (!updated) return json(404, { error: MESSAGES.tableNotFound });
      return json(200, { message: "Table updated successfully" });
    }

    case "GET /tables/{tableId}/users": {
      const tableId = tableIdOf(params.tableId);
      const limit = limitOf(query.limit);
      const after = query.lastKey !== undefined ? decodeUsersCursor(query.lastKey, tableId) : undefined;
      const s = store();
      if (!(await s.getTable(tableId))) return json(404, { error: MESSAGES.tableNotFound });
      const page = await s.listUsers(tableId, limit, after);
      return json(200, {
        users: page.items,
        ...(page.lastKey ? { lastKey: encodeCursor("users", page.lastKey) } : {}),
      });
    }

    case "GET /tables/{tableId}/users/{username}": {
      const tableId = tableIdOf(params.tableId);
      const username = usernameOf(params.username);
      const s = store();
      const user = await s.getUser(tableId, username);
      if (user) return json(200, user);
      // Users exist only inside existing tables, so the metadata read is needed only to tell the 404s apart.
      if (!(await s.getTable(tableId))) return json(404, { error: MESSAGES.tableNotFound });
      return json(404, { error: MESSAGES.userNotFound });
    }

    case "PUT /tables/{tableId}/users/{username}": {
      const parsed = body();
      const tableId = tableIdOf(params.tableId);
      const username = usernameOf(params.username);
      const counts = putUserInput(parsed);
      const out = await store().putUser(tableId, username, counts, now(), requestId);
      if (out.kind !== "ok") return writeRefused(out.kind, tableId);
      return json(200, {
        username,
        ...counts,
        createdNew: out.createdNew,
        message: "User data updated successfully",
      });
    }
  }
}

function writeRefused(kind: "tableNotFound" | "archived" | "userNotFound", tableId: string): Result {
  if (kind === "tableNotFound") return json(404, { error: MESSAGES.tableNotFound });
  if (kind === "userNotFound") return json(404, { error: MESSAGES.userNotFound });
  return json(409, {
    error: `Table ${tableId} is archived and accepts no user writes; unarchive it with PATCH /tables/${tableId} {"isArchived": false}`,
  });
}

export async function handler(event: APIGatewayProxyEventV2, context?: Context): Promise<Result> {
  const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? "unknown";
  if (context) logger.addContext(context);
  const key = routeOf(event);
  if (key === "OPTIONS") return json(200, {});
  if (!key) return json(404, { error: MESSAGES.routeNotFound });
  try {
    const result = await route(key, event, requestId);
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
