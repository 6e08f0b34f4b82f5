/**
 * Test support for the playground handler: one dynalite (behind the counting proxy) per test process,
 * started on first use on 127.0.0.1 and closed after the whole run; the environment is set before the handler
 * module is loaded, since its DynamoDB client is created at module scope.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { randomUUID } from "node:crypto";
import {
  LOCAL_ENV,
  LocalDynamo,
  createPlaygroundTable,
  startLocalDynamo,
  toApiEvent,
} from "../../scripts/playground-local";
import { LocalAuth, authorize, ephemeralAuth } from "../../scripts/playground-auth";
import { settingsOf } from "../../functions/playground-api/settings";
import { ROUTE_STATUSES, isRouteKey } from "../../functions/playground-api/routes";

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface Local {
  dynamo: LocalDynamo;
  handler: Handler;
}

let started: Promise<Local> | undefined;

export function local(): Promise<Local> {
  started ??= (async () => {
    const dynamo = await startLocalDynamo();
    Object.assign(process.env, LOCAL_ENV, {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_MAX_ATTEMPTS: "4",
      POWERTOOLS_LOG_LEVEL: "ERROR",
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require("../../functions/playground-api") as { handler: Handler };
    return { dynamo, handler: mod.handler };
  })();
  return started;
}

after(async () => {
  if (started) await (await started).dynamo.close();
});

let tableSeq = 0;

/** Creates a fresh physical table and points the handler at it (TABLE_NAME is read per request). */
export async function freshTable(prefix = "PlaygroundScores-test"): Promise<string> {
  const { dynamo } = await local();
  const name = `${prefix}-${++tableSeq}-${process.pid}`;
  await createPlaygroundTable(dynamo.endpoint, name);
  process.env.TABLE_NAME = name;
  return name;
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
  raw: APIGatewayProxyStructuredResultV2;
}

/** Sends one request through the handler as API Gateway would (payload 2.0, named stage). */
let testAuth: Promise<LocalAuth> | undefined;

/** The tests' JWT issuer (an in-memory key), standing in for the stack's Cognito user pool. */
export function auth(): Promise<LocalAuth> {
  testAuth ??= ephemeralAuth();
  return testAuth;
}

/**
 * Sends one request as API Gateway would (payload 2.0, named stage). With `AUTH_ENABLED=true` in the
 * environment, the local JWT authorizer runs first exactly as API Gateway's would (`token` is the bearer).
 */
export async function call(
  method: string,
  path: string,
  body?: unknown,
  opts: { rawBody?: string; token?: string } = {},
): Promise<Reply> {
  const { handler } = await local();
  const text = opts.rawBody ?? (body === undefined ? "" : JSON.stringify(body));
  const event = toApiEvent({
    method,
    url: path,
    headers: {
      "content-type": "application/json",
      ...(opts.token !== undefined ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    body: text,
    requestId: randomUUID(),
    stage: "test",
  });
  event.rawPath = `/test${event.rawPath}`; // a named stage, as deployed: dispatch must not depend on it
  const s = settingsOf();
  const refused = await authorize(event, await auth(), s);
  if (refused) return { status: 401, body: JSON.parse(String(refused.body)), raw: refused };
  const raw = await handler(event);
  // Every answer of every test is one the OpenAPI document lists for its route (or Route not found).
  if (isRouteKey(event.routeKey) && !ROUTE_STATUSES[event.routeKey].includes(raw.statusCode ?? 0))
    throw new Error(`${event.routeKey} answered ${raw.statusCode}, which openapi.json does not list`);
  return { status: raw.statusCode ?? 0, body: JSON.parse(String(raw.body)), raw };
}
