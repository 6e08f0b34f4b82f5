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
export async function call(
  method: string,
  path: string,
  body?: unknown,
  opts: { rawBody?: string } = {},
): Promise<Reply> {
  const { handler } = await local();
  const text = opts.rawBody ?? (body === undefined ? "" : JSON.stringify(body));
  const event = toApiEvent({
    method,
    url: path,
    headers: { "content-type": "application/json" },
    body: text,
    requestId: randomUUID(),
    stage: "test",
  });
  event.rawPath = `/test${event.rawPath}`; // a named stage, as deployed: dispatch must not depend on it
  const raw = await handler(event);
  return { status: raw.statusCode ?? 0, body: JSON.parse(String(raw.body)), raw };
}
