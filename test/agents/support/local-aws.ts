/**
 * Loopback stand-ins for the AWS services the agent functions call, all bound to 127.0.0.1 and stopped by
 * the caller: dynalite behind a counting proxy (DynamoDB), s3rver (S3), one recording endpoint that speaks
 * Lambda's Invoke and durable-callback operations and EventBridge's PutEvents, and an HTTP/2 AgentCore
 * stand-in whose agents answer deterministically. Tests, `npm run dev:agents` and the bench share them.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import * as http from "http";
import * as http2 from "http2";
import * as net from "net";
import { AddressInfo } from "net";
import { LocalS3, startLocalS3 } from "../../harness/local-s3";

const HOST = "127.0.0.1";

function listen(server: http.Server | http2.Http2Server | net.Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, HOST, () => resolve(`http://${HOST}:${(server.address() as AddressInfo).port}`));
  });
}

function close(server: http.Server | http2.Http2Server | net.Server): Promise<void> {
  return new Promise((resolve) => {
    (server as http.Server).closeAllConnections?.();
    server.close(() => resolve());
  });
}

function readBody(req: http.IncomingMessage | http2.Http2ServerRequest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Counts of API calls by operation name. */
export class CallCounter {
  readonly counts = new Map<string, number>();
  add(op: string): void {
    this.counts.set(op, (this.counts.get(op) ?? 0) + 1);
  }
  total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort());
  }
  reset(): void {
    this.counts.clear();
  }
}

// ---------------------------------------------------------------------------------------------------------
// DynamoDB: dynalite behind a proxy that counts operations.
// ---------------------------------------------------------------------------------------------------------

export interface LocalDynamo {
  endpoint: string;
  calls: CallCounter;
  stop(): Promise<void>;
}

export async function startDynamo(): Promise<LocalDynamo> {
  const dynalite = require("dynalite") as (opts: object) => http.Server;
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const backend = await listen(db);
  const calls = new CallCounter();
  const proxy = http.createServer(async (req, res) => {
    const body = await readBody(req);
    calls.add(String(req.headers["x-amz-target"] ?? "unknown").replace(/^DynamoDB_\d+\./, ""));
    const url = new URL(backend);
    const fwd = http.request(
      { host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 500, r.headers);
        r.pipe(res);
      },
    );
    fwd.on("error", () => res.destroy());
    fwd.end(body);
  });
  const endpoint = await listen(proxy);
  return {
    endpoint,
    calls,
    async stop() {
      await close(proxy);
      await close(db);
    },
  };
}

/** Creates the workflows table as the component does (key, status GSI). */
export async function createWorkflowTable(endpoint: string, name: string): Promise<void> {
  const ddb = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
  });
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "workflow_id", AttributeType: "S" },
        { AttributeName: "status", AttributeType: "S" },
        { AttributeName: "created_at", AttributeType: "S" },
      ],
      KeySchema: [{ AttributeName: "workflow_id", KeyType: "HASH" }],
      GlobalSecondaryIndexes: [
        {
          IndexName: "status-created-index",
          KeySchema: [
            { AttributeName: "status", KeyType: "HASH" },
            { AttributeName: "created_at", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
    }),
  );
  ddb.destroy();
}

// ---------------------------------------------------------------------------------------------------------
// S3: s3rver with one bucket.
// ---------------------------------------------------------------------------------------------------------

export type { LocalS3 };

/** s3rver on 127.0.0.1 with one bucket (test/harness/local-s3.ts). */
export const startS3 = (bucket: string): Promise<LocalS3> => startLocalS3(bucket);

// ---------------------------------------------------------------------------------------------------------
// Lambda (Invoke, durable callbacks) and EventBridge (PutEvents) on one recording endpoint.
// ---------------------------------------------------------------------------------------------------------

export interface InvokeRecord {
  functionName: string;
  invocationType: string;
  executionName?: string;
  payload: unknown;
}

export interface CallbackRecord {
  callbackId: string;
  outcome: "succeed" | "fail";
  /** The success result text, or the failure's ErrorObject. */
  body: unknown;
}

export interface EventRecord {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources: string[];
}

export interface LocalAwsHooks {
  /** Called for each new durable execution (a name not seen before). */
  onStart?(execution: InvokeRecord): void;
  /** Delivers a callback completion; throw to make the endpoint answer with an error. */
  onCallback?(record: CallbackRecord): Promise<void>;
}

export interface LocalAws {
  endpoint: string;
  invokes: InvokeRecord[];
  callbacks: CallbackRecord[];
  events: EventRecord[];
  calls: CallCounter;
  hooks: LocalAwsHooks;
  /** Callback ids that may no longer be completed (completed once, or closed by the test). */
  closed: Set<string>;
  stop(): Promise<void>;
}

function awsError(res: http.ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": type });
  res.end(JSON.stringify({ Type: "User", message }));
}

export async function startLocalAws(hooks: LocalAwsHooks = {}): Promise<LocalAws> {
  const state: Omit<LocalAws, "endpoint" | "stop"> = {
    invokes: [],
    callbacks: [],
    events: [],
    calls: new CallCounter(),
    hooks,
    closed: new Set(),
  };
  const started = new Set<string>();
  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://x");
    const target = req.headers["x-amz-target"];
    try {
      if (target === "AWSEvents.PutEvents") {
        state.calls.add("events:PutEvents");
        const input = JSON.parse(body.toString("utf8"));
        for (const e of input.Entries ?? [])
          state.events.push({
            source: e.Source,
            detailType: e.DetailType,
            detail: JSON.parse(e.Detail ?? "{}"),
            resources: e.Resources ?? [],
          });
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.end(
          JSON.stringify({
            FailedEntryCount: 0,
            Entries: (input.Entries ?? []).map((_: unknown, i: number) => ({
              EventId: `e-${state.events.length}-${i}`,
            })),
          }),
        );
        return;
      }
      const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
      if (invoke && req.method === "POST") {
        state.calls.add("lambda:Invoke");
        const record: InvokeRecord = {
          functionName: decodeURIComponent(invoke[1]),
          invocationType: String(req.headers["x-amz-invocation-type"] ?? "RequestResponse"),
          executionName: req.headers["x-amz-durable-execution-name"] as string | undefined,
          payload: JSON.parse(body.toString("utf8") || "null"),
        };
        state.invokes.push(record);
        if (record.executionName && started.has(record.executionName)) {
          awsError(
            res,
            409,
            "DurableExecutionAlreadyStartedException",
            `execution ${record.executionName} already started`,
          );
          return;
        }
        if (record.executionName) started.add(record.executionName);
        state.hooks.onStart?.(record);
        res.writeHead(202, { "content-type": "application/json" });
        res.end("");
        return;
      }
      const cb = /^\/2025-12-01\/durable-execution-callbacks\/([^/]+)\/(succeed|fail)$/.exec(url.pathname);
      if (cb && req.method === "POST") {
        const callbackId = decodeURIComponent(cb[1]);
        const outcome = cb[2] as "succeed" | "fail";
        state.calls.add(
          outcome === "succeed"
            ? "lambda:SendDurableExecutionCallbackSuccess"
            : "lambda:SendDurableExecutionCallbackFailure",
        );
        if (state.closed.has(callbackId)) {
          awsError(res, 400, "CallbackTimeoutException", "The callback has already been closed.");
          return;
        }
        const record: CallbackRecord = {
          callbackId,
          outcome,
          body: outcome === "succeed" ? body.toString("utf8") : JSON.parse(body.toString("utf8") || "{}"),
        };
        await state.hooks.onCallback?.(record);
        state.callbacks.push(record);
        state.closed.add(callbackId);
        res.writeHead(200, { "content-type": "application/json" });
        res.end("{}");
        return;
      }
      awsError(res, 404, "ResourceNotFoundException", `no stand-in for ${req.method} ${url.pathname}`);
    } catch (e) {
      awsError(res, 500, "ServiceException", (e as Error).message);
    }
  });
  const endpoint = await listen(server);
  return Object.assign(state, { endpoint, stop: () => close(server) });
}

// ---------------------------------------------------------------------------------------------------------
// AgentCore: an HTTP/2 stand-in for InvokeAgentRuntime with deterministic agents.
// ---------------------------------------------------------------------------------------------------------

export interface AgentTask {
  agentArn: string;
  sessionId: string;
  /** The JSON-RPC request. */
  rpc: { jsonrpc: string; id: string; method: string; params: { message: { parts: { text: string }[] } } };
  /** The decoded phase payload (`task`, `workflow_id`, `callback_url`, `callback_token`, ...). */
  payload: Record<string, unknown> & {
    task: string;
    workflow_id: string;
    callback_url: string;
    callback_token: string;
  };
}

export interface AgentStandIn {
  endpoint: string;
  tasks: AgentTask[];
  /** Called after the task is accepted (the reply is already sent). */
  onTask?: (task: AgentTask) => void;
  stop(): Promise<void>;
}

export async function startAgents(onTask?: (task: AgentTask) => void): Promise<AgentStandIn> {
  const standIn = { tasks: [] as AgentTask[], onTask } as AgentStandIn;
  const handle = async (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ) => {
    const body = await readBody(req);
    const m = /^\/runtimes\/([^/]+)\/invocations$/.exec(new URL(req.url ?? "/", "http://x").pathname);
    if (!m || req.method !== "POST") {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "not found" }));
      return;
    }
    const rpc = JSON.parse(body.toString("utf8"));
    const task: AgentTask = {
      agentArn: decodeURIComponent(m[1]),
      sessionId: String(req.headers["x-amzn-bedrock-agentcore-runtime-session-id"] ?? ""),
      rpc,
      payload: JSON.parse(rpc.params.message.parts[0].text),
    };
    standIn.tasks.push(task);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ jsonrpc: "2.0", id: rpc.id, result: { status: "accepted" } }));
    setImmediate(() => standIn.onTask?.(task));
  };
  // The SDK may speak HTTP/1.1 or cleartext HTTP/2 (prior knowledge): sniff the preface and hand the socket
  // to the matching server.
  const h1 = http.createServer((req, res) => void handle(req, res));
  const h2 = http2.createServer((req, res) => void handle(req, res));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.once("data", (first) => {
      socket.pause();
      socket.unshift(first);
      (first.subarray(0, 3).toString("latin1") === "PRI" ? h2 : h1).emit("connection", socket);
      socket.resume();
    });
  });
  standIn.endpoint = await listen(server);
  standIn.stop = async () => {
    for (const socket of sockets) socket.destroy();
    await close(server);
  };
  return standIn;
}

/** The environment that points the SDK's standard configuration chain at these stand-ins. */
export function localEnv(opts: {
  dynamo: string;
  s3: string;
  aws: string;
  agents: string;
  table: string;
  bucket: string;
  callbackApiUrl: string;
}): Record<string, string> {
  return {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_ENDPOINT_URL_DYNAMODB: opts.dynamo,
    AWS_ENDPOINT_URL_S3: opts.s3,
    AWS_ENDPOINT_URL_LAMBDA: opts.aws,
    AWS_ENDPOINT_URL_EVENTBRIDGE: opts.aws,
    AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: opts.agents,
    WORKFLOW_TABLE: opts.table,
    ARTIFACT_BUCKET: opts.bucket,
    CALLBACK_API_URL: opts.callbackApiUrl,
    CONTROLLER_FUNCTION_NAME: "agent-orchestration-local-controller:live",
    RESEARCHER_AGENT_ARN: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/researcher-Abcdef1234",
    ANALYST_AGENT_ARN: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/analyst-Abcdef1234",
    WRITER_AGENT_ARN: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/writer-Abcdef1234",
    ENVIRONMENT: "local",
    POWERTOOLS_LOG_LEVEL: "ERROR",
    AWS_LAMBDA_LOG_LEVEL: "ERROR",
  };
}
