/**
 * Local runtime pieces of the playground, shared by `npm run dev:playground`, the handler tests and the
 * benchmark: a local DynamoDB (moto by default, dynalite on request: test/harness/dynamo.ts) on 127.0.0.1
 * behind a small counting and fault-injecting proxy, the table built
 * from `functions/playground-api/table.ts`, and the translation of a plain HTTP request into the API Gateway
 * v2 event the handler receives.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { ROUTE_KEYS } from "../functions/playground-api/routes";
import { tableDefinition } from "../functions/playground-api/table";
import { DynamoEngine, startDynamo } from "../test/harness/dynamo";

/** Credentials and region for the local endpoint (dynalite accepts any). */
export const LOCAL_ENV = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "local",
  AWS_SECRET_ACCESS_KEY: "local",
} as const;

export interface LocalDynamo {
  /** The proxy's URL: what `AWS_ENDPOINT_URL_DYNAMODB` is set to. */
  endpoint: string;
  engine: DynamoEngine;
  /** DynamoDB operations seen since the last `resetCounts()`, e.g. `{ GetItem: 2, UpdateItem: 1 }`. */
  counts: Record<string, number>;
  /** The last 100 requests (operation and JSON body), oldest first; cleared by `resetCounts()`. */
  requests: { op: string; body: Record<string, unknown> }[];
  resetCounts(): void;
  /** Answers the next `n` requests with a ThrottlingException (to prove the SDK retries). */
  throttleNext(n: number): void;
  /**
   * Fails the next `count` requests of operation `op` (any operation when omitted) with a 500
   * InternalServerError: `before` the request reaches DynamoDB (nothing written) or `after` DynamoDB applied it
   * (the answer is lost: an ambiguous failure).
   */
  inject(fault: Fault): void;
  /** Faults injected so far, by `when`. */
  injected: { before: number; after: number };
  close(): Promise<void>;
}

export interface Fault {
  when: "before" | "after";
  count: number;
  op?: string;
  /** Let this many matching requests through first. */
  skip?: number;
}

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

function awsError(res: http.ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { "Content-Type": "application/x-amz-json-1.0" });
  res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }));
}

/**
 * Starts a local DynamoDB (`moto` by default: the handler needs TransactWriteItems; `dynalite` for code that
 * does not) and the counting, fault-injecting proxy, both on 127.0.0.1 with free ports.
 */
export async function startLocalDynamo(opts: { engine?: DynamoEngine } = {}): Promise<LocalDynamo> {
  const db = await startDynamo(opts.engine ?? "moto");
  const upstreamUrl = new URL(db.endpoint);
  const counts: Record<string, number> = {};
  const requests: { op: string; body: Record<string, unknown> }[] = [];
  let throttle = 0;
  const faults: Fault[] = [];
  const injected = { before: 0, after: 0 };
  const takeFault = (op: string): Fault["when"] | undefined => {
    const f = faults.find((x) => x.count > 0 && (x.op === undefined || x.op === op));
    if (!f) return undefined;
    if ((f.skip ?? 0) > 0) {
      f.skip = (f.skip ?? 0) - 1;
      return undefined;
    }
    f.count--;
    injected[f.when]++;
    return f.when;
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const proxy = http.createServer((req, res) => {
    const op = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "unknown";
    counts[op] = (counts[op] ?? 0) + 1;
    if (throttle > 0) {
      throttle--;
      req.resume();
      awsError(res, 400, "ThrottlingException", "Rate of requests exceeds the allowed throughput.");
      return;
    }
    const fault = takeFault(op);
    if (fault === "before") {
      req.resume();
      awsError(res, 500, "InternalServerError", "injected failure before DynamoDB");
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      try {
        requests.push({ op, body: JSON.parse(raw.toString("utf8") || "{}") });
      } catch {
        requests.push({ op, body: {} });
      }
      if (requests.length > 100) requests.shift();
      const upstream = http.request(
        {
          host: upstreamUrl.hostname,
          port: upstreamUrl.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, "content-length": String(raw.length) },
          agent,
        },
        (up) => {
          if (fault === "after") {
            up.resume();
            up.on("end", () => awsError(res, 500, "InternalServerError", "injected failure after DynamoDB"));
            return;
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on("error", (err) => {
        if (!res.headersSent) res.writeHead(502);
        res.end(String(err));
      });
      upstream.end(raw);
    });
  });
  const port = await listen(proxy);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    engine: db.engine,
    counts,
    requests,
    injected,
    resetCounts() {
      for (const k of Object.keys(counts)) delete counts[k];
      requests.length = 0;
    },
    throttleNext(n: number) {
      throttle = n;
    },
    inject(fault: Fault) {
      faults.push({ ...fault });
    },
    async close() {
      await closeServer(proxy);
      agent.destroy();
      await db.close();
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
