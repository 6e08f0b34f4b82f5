/**
 * Playground API: DynamoDB calls per request per route (counted by a proxy in front of moto's DynamoDB server), the reads
 * of a page against a large table, requests per second of our handler side by side with the seed's Python handler
 * (bench/playground-compare.ts, bench/seed-playground.py) against moto in two settings, and the Lambda bundle's size
 * and cold module-load time.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { bundle, clearBundleCache } from "../lib/bundle";
import { LOCAL_ENV, createPlaygroundTable, startLocalDynamo, toApiEvent } from "../scripts/playground-local";
import { MOTO_VENV, startDynamo } from "../test/harness/dynamo";
import { isRouteKey, needsToken } from "../functions/playground-api/routes";
import {
  type PhaseResult,
  SKIP_HINT,
  comparisonLines,
  comparisonPhases,
  locateSeedHandler,
  runPhases,
  runSeedDriver,
} from "./playground-compare";

export const title =
  "playground API: DynamoDB calls per route (seed in brackets), page reads, requests/s side by side with the seed's handler against moto, bundle size and cold load";

type Handler = (e: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** The seed's calls per request, measured against dynalite (shared/specs/aws-seed-systems.md A.5 #12). */
const SEED: Record<string, string> = {
  "POST /tables": "2",
  "GET /tables": "1",
  "GET /tables/{tableId}": "1",
  "PATCH /tables/{tableId}": "2",
  "GET /tables/{tableId}/users": "500 on every call",
  "GET user (exists)": "2",
  "PUT user (new)": "4",
  "PUT user (rewrite)": "3",
};

/** Requests per phase and client concurrency of the side-by-side comparison (the same on both sides). */
const N = 200;
const CONCURRENCY = 16;

/** The two DynamoDB settings of the side-by-side comparison (each a fresh moto server, no proxy in front). */
const SETTINGS = [
  {
    lean: false,
    concurrency: CONCURRENCY,
    title: "moto served one request at a time (tools/moto/serve.py, as the tests use it)",
  },
  {
    lean: true,
    concurrency: CONCURRENCY,
    title:
      "moto --lean (same answers, without moto's costs that grow with the whole table where DynamoDB's do not: a copy of the table per transaction, a sort of the whole table and a copy of every match per Query)",
  },
  {
    lean: true,
    concurrency: 1,
    title:
      "moto --lean, one request in flight (as one Lambda instance serves them: no queueing at moto, req/s = 1 / latency)",
  },
];

/**
 * Our handler and the seed's, one after the other, against the same moto server, each on its own fresh table
 * (ours: tableDefinition; the seed's: its main.tf), running the same phases (playground-compare.ts).
 */
async function sideBySide(): Promise<void> {
  const phases = comparisonPhases(N);
  const located = locateSeedHandler(process.env);
  if ("skip" in located) console.log(`\nseed side skipped: ${located.skip}; to enable it, ${SKIP_HINT}`);
  else console.log(`\nseed's handler: ${located.source}`);
  try {
    for (const setting of SETTINGS) {
      console.log(
        `\nRequests per second, ours vs the seed's handler, ${setting.title}; ${N} requests per route, ${setting.concurrency} in flight, both warmed up, each side on a fresh table of the same server; CPU = the client process's CPU time per request:`,
      );
      const db = await startDynamo("moto", { lean: setting.lean });
      try {
        const ourTable = "PlaygroundScores-rps";
        await createPlaygroundTable(db.endpoint, ourTable);
        const saved = { endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB, table: process.env.TABLE_NAME };
        Object.assign(process.env, { AWS_ENDPOINT_URL_DYNAMODB: db.endpoint, TABLE_NAME: ourTable });
        let ours: PhaseResult[];
        try {
          const handler = freshHandler();
          ours = await runPhases(phases, setting.concurrency, async ([m, u, b]) => {
            const r = await handler(deployedEvent(m, u, b));
            return r.statusCode ?? 0;
          });
        } finally {
          Object.assign(process.env, { AWS_ENDPOINT_URL_DYNAMODB: saved.endpoint, TABLE_NAME: saved.table });
        }
        let seed: PhaseResult[] | undefined;
        if (!("skip" in located)) {
          const r = await runSeedDriver(path.join(MOTO_VENV, "bin", "python"), {
            handler: located.path,
            endpoint: db.endpoint,
            tableName: "PlaygroundScores-seed",
            concurrency: setting.concurrency,
            phases,
          });
          seed = r.phases;
          console.log(
            `  (seed: Python ${r.python}, boto3 ${r.boto3}, ${setting.concurrency} thread(s) sharing its module)`,
          );
        }
        for (const l of comparisonLines(phases, ours, seed).lines) console.log(l);
      } finally {
        await db.close();
      }
    }
  } finally {
    if (!("skip" in located)) located.cleanup();
  }
}

/**
 * A request as deployed (AUTH_ENABLED=true, public reads): on a route that needs a token, the claims API
 * Gateway's JWT authorizer would attach, of the user named in the path (self) or else of `alice`, who creates
 * the tables (owner). No admin: the owner checks of PATCH and DELETE /tables/{tableId} are measured.
 */
function deployedEvent(method: string, url: string, body: unknown): APIGatewayProxyEventV2 {
  const e = toApiEvent({
    method,
    url,
    headers: {},
    body: body === undefined || body === null ? "" : JSON.stringify(body),
    requestId: randomUUID(),
  });
  if (isRouteKey(e.routeKey) && needsToken(e.routeKey, { authEnabled: true, allowPublicRead: true })) {
    const user = /^\/tables\/[^/]+\/users\/([^/]+)/.exec(url)?.[1] ?? "alice";
    const claims = { "cognito:username": user, sub: `sub-${user}`, token_use: "id" };
    (e.requestContext as unknown as { authorizer: unknown }).authorizer = { jwt: { claims, scopes: null } };
  }
  return e;
}

/** Our handler loaded anew, so that its module-level DynamoDB client reads the current endpoint. */
function freshHandler(): Handler {
  const dir = path.join(__dirname, "..", "functions", "playground-api");
  for (const id of Object.keys(require.cache)) if (id.startsWith(dir)) delete require.cache[id];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("../functions/playground-api") as { handler: Handler }).handler;
}

export async function run(): Promise<void> {
  const dynamo = await startLocalDynamo();
  Object.assign(process.env, LOCAL_ENV, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    TABLE_NAME: "PlaygroundScores-bench",
    SAFE_CONCURRENCY: "true",
    AUTH_ENABLED: "true",
    POWERTOOLS_LOG_LEVEL: "ERROR",
  });
  try {
    await createPlaygroundTable(dynamo.endpoint, "PlaygroundScores-bench");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require("../functions/playground-api") as { handler: Handler };
    const call = async (method: string, url: string, body?: unknown) => {
      const r = await handler(deployedEvent(method, url, body));
      return r.statusCode ?? 0;
    };

    console.log(
      "DynamoDB calls per request (moto's DynamoDB behind a counting proxy; auth on as deployed, the caller the table's owner or the user itself):",
    );
    await call("POST", "/tables", { tableId: "warm" });
    const ours: Record<string, number> = {};
    const measure = async (label: string, method: string, url: string, body?: unknown) => {
      dynamo.resetCounts();
      const status = await call(method, url, body);
      const ops = Object.entries(dynamo.counts);
      const total = ops.reduce((a, [, n]) => a + n, 0);
      ours[label] = total;
      const seed = SEED[label] !== undefined ? `   [seed: ${SEED[label]}]` : "";
      console.log(
        `  ${label.padEnd(38)} ${String(status).padEnd(4)} ${String(total).padStart(2)} call(s): ${ops.map(([o, n]) => `${o}x${n}`).join(", ") || "none"}${seed}`,
      );
    };
    await measure("POST /tables", "POST", "/tables", { tableId: "t1" });
    await measure("POST /tables (exists, 409)", "POST", "/tables", { tableId: "t1" });
    await measure("PUT user (new)", "PUT", "/tables/t1/users/alice", { submissionCount: 1, totalCount: 2 });
    await measure("PUT user (rewrite)", "PUT", "/tables/t1/users/alice", {
      submissionCount: 2,
      totalCount: 3,
    });
    await measure("GET user (exists)", "GET", "/tables/t1/users/alice");
    await measure("GET user (missing)", "GET", "/tables/t1/users/bob");
    await measure("GET /tables/{tableId}", "GET", "/tables/t1");
    await measure("GET /tables", "GET", "/tables");
    await measure("GET /tables/{tableId}/users", "GET", "/tables/t1/users");
    await measure("PATCH /tables/{tableId}", "PATCH", "/tables/t1", { isArchived: true });
    await measure("PUT user (archived table, 409)", "PUT", "/tables/t1/users/carol", {
      submissionCount: 1,
      totalCount: 1,
    });
    await measure("PUT user (invalid body, 400)", "PUT", "/tables/t1/users/carol", { submissionCount: -1 });
    await measure("GET /health", "GET", "/health");
    await measure("PATCH /tables/{tableId} (unarchive)", "PATCH", "/tables/t1", { isArchived: false });
    await measure("PUT moral-compass (existing user)", "PUT", "/tables/t1/users/alice/moral-compass", {
      metrics: { accuracy: 0.9 },
      tasksCompleted: 1,
      totalTasks: 2,
    });
    await measure("PUT moral-compass (new user)", "PUT", "/tables/t1/users/dora/moral-compass", {
      metrics: { accuracy: 0.5 },
    });
    await measure("PUT user (rewrite, has a score)", "PUT", "/tables/t1/users/alice", {
      submissionCount: 4,
      totalCount: 5,
    });
    await measure("PATCH tasks (add)", "PATCH", "/tables/t1/users/alice/tasks", {
      op: "add",
      taskIds: ["t1"],
    });
    await measure("DELETE tasks", "DELETE", "/tables/t1/users/alice/tasks");
    await measure("POST /sessions", "POST", "/sessions", { sessionId: "bench-session-0001", token: "x.y.z" });
    await measure("GET /sessions/{sessionId}", "GET", "/sessions/bench-session-0001");
    await measure("PATCH /sessions/{sessionId}", "PATCH", "/sessions/bench-session-0001", { token: "x.y.w" });
    await measure(
      "GET /tables/{tableId}/users (head lastKey form)",
      "GET",
      `/tables/t1/users?limit=1&lastKey=${encodeURIComponent(JSON.stringify({ tableId: "t1", username: "alice" }))}`,
    );
    process.env.ALLOW_TABLE_DELETE = "true";
    await measure("DELETE /tables/{tableId} (3 users)", "DELETE", "/tables/t1");
    delete process.env.ALLOW_TABLE_DELETE;
    const mix = Object.keys(SEED).filter((k) => /^\d+$/.test(SEED[k]) && ours[k] !== undefined);
    const seedSum = mix.reduce((a, k) => a + Number(SEED[k]), 0);
    const ourSum = mix.reduce((a, k) => a + ours[k], 0);
    console.log(
      `  seed's mix (${mix.length} requests, one each): ${ourSum} calls vs the seed's ${seedSum} = ${(ourSum / seedSum).toFixed(2)}x`,
    );

    console.log("\nPage reads against a large table (no Scan: reads grow with the page, not the table):");
    await call("POST", "/tables", { tableId: "big" });
    const users = 300; // moto copies its table on every transaction: a larger fill measures moto, not the handler
    for (let i = 0; i < users; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          call("PUT", `/tables/big/users/u${i + j}`, { submissionCount: (i + j) % 97, totalCount: i + j }),
        ),
      );
    }
    for (const limit of [10, 50, 500]) {
      dynamo.resetCounts();
      await call("GET", `/tables/big/users?limit=${limit}`);
      console.log(
        `  GET /tables/big/users?limit=${String(limit).padEnd(3)} over ${users} users: ${JSON.stringify(dynamo.counts)} (Query asks for limit+1 items)`,
      );
    }
  } finally {
    await dynamo.close();
  }

  await sideBySide();

  console.log("\nLambda bundle (lib/bundle.ts, esbuild, minified):");
  clearBundleCache();
  const t0 = process.hrtime.bigint();
  const b = bundle("playground-api");
  const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(
    `  index.js ${(b.bytes / 1024).toFixed(1)} KiB (${(gzipSync(b.code).length / 1024).toFixed(1)} KiB gzipped), built in ${buildMs.toFixed(0)} ms`,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "playground-bundle-"));
  try {
    fs.writeFileSync(path.join(dir, "index.js"), b.code);
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = spawnSync(
        process.execPath,
        [
          "-e",
          `const t=process.hrtime.bigint();const m=require(${JSON.stringify(path.join(dir, "index.js"))});` +
            `if(typeof m.handler!=="function")throw new Error("no handler");` +
            `process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`,
        ],
        {
          env: { ...process.env, ...LOCAL_ENV, POWERTOOLS_LOG_LEVEL: "ERROR" },
          encoding: "utf8",
          timeout: 30000,
        },
      );
      if (r.status !== 0) throw new Error(`cold load failed: ${r.stderr}`);
      times.push(Number(r.stdout));
    }
    times.sort((a, b2) => a - b2);
    console.log(
      `  cold module load (require of index.js in a fresh node ${process.version}, 7 runs): median ${times[3].toFixed(1)} ms, min ${times[0].toFixed(1)} ms, max ${times[6].toFixed(1)} ms`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
