/**
 * Local runtime pieces of the playground, shared by `npm run dev:playground`, the handler tests and the
 * benchmark: an in-process DynamoDB (dynalite) on 127.0.0.1 behind a small counting proxy, the table built
 * from `functions/playground-api/table.ts`, and the translation of a plain HTTP request into the API Gateway
 * v2 event the handler receives.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { ROUTE_KEYS } from "../functions/playground-api/routes";
import { tableDefinition } from "../functions/playground-api/table";

/** Credentials and region for the local endpoint (dynalite accepts any). */
export const LOCAL_ENV = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "local",
  AWS_SECRET_ACCESS_KEY: "local",
} as const;

export interface LocalDynamo {
  /** The proxy's URL: what `AWS_ENDPOINT_URL_DYNAMODB` is set to. */
  endpoint: string;
  /** DynamoDB operations seen since the last `resetCounts()`, e.g. `{ GetItem: 2, UpdateItem: 1 }`. */
  counts: Record<string, number>;
  /** The last 100 requests (operation and JSON body), oldest first; cleared by `resetCounts()`. */
  requests: { op: string; body: Record<string, unknown> }[];
  resetCounts(): void;
  /** Answers the next `n` requests with a ThrottlingException (to prove the SDK retries). */
  throttleNext(n: number): void;
  close(): Promise<void>;
}

type DynaliteServer = http.Server;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite: (opts: Record<string, unknown>) => DynaliteServer = require("dynalite");

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** Starts dynalite (in memory) and the counting proxy, both on 127.0.0.1 with free ports. */
export async function startLocalDynamo(): Promise<LocalDynamo> {
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dbPort = await listen(db);
  const counts: Record<string, number> = {};
  const requests: { op: string; body: Record<string, unknown> }[] = [];
  let throttle = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const proxy = http.createServer((req, res) => {
    const op = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "unknown";
    counts[op] = (counts[op] ?? 0) + 1;
    if (throttle > 0) {
      throttle--;
      req.resume();
      res.writeHead(400, { "Content-Type": "application/x-amz-json-1.0" });
      res.end(
        JSON.stringify({
          __type: "com.amazonaws.dynamodb.v20120810#ThrottlingException",
          message: "Rate of requests exceeds the allowed throughput.",
        }),
      );
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        requests.push({ op, body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") });
      } catch {
        requests.push({ op, body: {} });
      }
      if (requests.length > 100) requests.shift();
    });
    const upstream = http.request(
      { host: "127.0.0.1", port: dbPort, method: req.method, path: req.url, headers: req.headers, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(upstream);
  });
  const port = await listen(proxy);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    requests,
    resetCounts() {
      for (const k of Object.keys(counts)) delete counts[k];
      requests.length = 0;
    },
    throttleNext(n: number) {
      throttle = n;
    },
    async close() {
      await closeServer(proxy);
      agent.destroy();
      await closeServer(db);
    },
  };
}

/** Creates a table from `tableDefinition` and waits (bounded) until it is ACTIVE. */
export async function createPlaygroundTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_ENV.AWS_REGION,
    credentials: localCredentials(),
  });
  try {
    await client.send(new CreateTableCommand({ ...tableDefinition, TableName: tableName }));
    for (let i = 0; i < 50; i++) {
      const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (d.Table?.TableStatus === "ACTIVE") return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`table ${tableName} did not become ACTIVE`);
  } finally {
    client.destroy();
  }
}

function localCredentials() {
  return { accessKeyId: LOCAL_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_ENV.AWS_SECRET_ACCESS_KEY };
}

/** Matches a method and path against the API's route templates, as API Gateway does. */
export function matchRoute(
  method: string,
  path: string,
): { routeKey: string; pathParameters?: Record<string, string> } | undefined {
  const segments = path.split("/").filter((s) => s !== "");
  for (const key of ROUTE_KEYS) {
    const [m, template] = key.split(" ");
    if (m !== method) continue;
    const parts = template.split("/").filter((s) => s !== "");
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const ok = parts.every((p, i) => {
      if (p.startsWith("{") && p.endsWith("}")) {
        params[p.slice(1, -1)] = decodeURIComponent(segments[i]);
        return true;
      }
      return p === segments[i];
    });
    if (ok) return { routeKey: key, pathParameters: Object.keys(params).length ? params : undefined };
  }
  return undefined;
}

/** Builds the payload-2.0 event API Gateway would send for a request (`$default` route when unmatched). */
export function toApiEvent(req: {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  requestId: string;
  stage?: string;
}): APIGatewayProxyEventV2 {
  const url = new URL(req.url, "http://127.0.0.1");
  const match = matchRoute(req.method, url.pathname);
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = String(v);
  const stage = req.stage ?? "$default";
  const time = new Date();
  return {
    version: "2.0",
    routeKey: match?.routeKey ?? "$default",
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ""),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: match?.pathParameters,
    body: req.body === "" ? undefined : req.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: "127.0.0.1",
      domainPrefix: "127",
      http: {
        method: req.method,
        path: url.pathname,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: req.requestId,
      routeKey: match?.routeKey ?? "$default",
      stage,
      time: time.toUTCString(),
      timeEpoch: time.getTime(),
    },
  };
}
