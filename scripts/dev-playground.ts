/**
 * `npm run dev:playground`: the playground API on http://127.0.0.1:3000 with no AWS account.
 *
 * 1. starts moto's DynamoDB server (in memory, with transactions; `tools/moto/setup.sh` makes its venv) on
 *    127.0.0.1, behind a proxy that counts DynamoDB calls;
 * 2. creates the table `PlaygroundScores-local` from functions/playground-api/table.ts;
 * 3. serves the real handler: each HTTP request becomes the API Gateway v2 (payload 2.0) event the deployed
 *    API would send, and each answer is printed with its status and the DynamoDB calls it made.
 *
 * CORS is answered here as the HTTP API's CORS configuration would (the handler sends no CORS headers), so a
 * local front-end can call it: preflights get 204, every answer carries Access-Control-Allow-Origin.
 *
 * Auth is on, as deployed: a local ES256 key (`.dev/playground-jwt.json`, made on first use) stands in for the
 * Cognito user pool, and each request passes the same JWT check API Gateway's authorizer makes
 * (scripts/playground-auth.ts) before the handler sees verified claims.
 *   npm run dev:playground -- --token amy [--admin]   prints a JWT for user amy (an admin with --admin), exits
 *   npm run dev:playground -- --no-auth               serves with AUTH_ENABLED=false (no token needed)
 *
 * Environment: PORT (default 3000), SAFE_CONCURRENCY (default true), CORS_ORIGIN (default *),
 * ALLOW_TABLE_DELETE (default true here), ALLOW_PUBLIC_READ (default true). Stop with Ctrl-C.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import * as fs from "node:fs";
import * as path from "node:path";
import { settingsOf } from "../functions/playground-api/settings";
import { CliError, envInt, parseCli, reportError } from "./cli";
import { authorize, persistentAuth } from "./playground-auth";
import { LOCAL_ENV, createPlaygroundTable, startLocalDynamo, toApiEvent } from "./playground-local";

const TABLE = "PlaygroundScores-local";
const OPENAPI = fs.readFileSync(
  path.join(__dirname, "..", "functions", "playground-api", "openapi.json"),
  "utf8",
);
const MAX_BODY = 1024 * 1024;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("request body over 1 MB"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const USAGE = "[PORT=3000] npm run dev:playground -- [--no-auth] | --token <username> [--admin]";
/** The local signing key; PLAYGROUND_JWT_KEY_FILE overrides (the tests use a temporary one). */
const KEY_FILE = path.resolve(
  process.env.PLAYGROUND_JWT_KEY_FILE ?? path.join(__dirname, "..", ".dev", "playground-jwt.json"),
);

async function main(): Promise<void> {
  const { flags } = parseCli(
    {
      usage: USAGE,
      flags: { token: { type: "string" }, admin: { type: "boolean" }, "no-auth": { type: "boolean" } },
      positionals: { max: 0 },
    },
    process.argv.slice(2),
  );
  const auth = await persistentAuth(KEY_FILE);
  if (flags.token !== undefined) {
    if (flags["no-auth"]) throw new CliError("--token and --no-auth do not go together", true);
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(flags.token))
      throw new CliError(`--token: "${flags.token}" is not a username (1-64 letters, digits, _ or -)`, true);
    // Machine-readable: only the token on standard output (e.g. TOKEN=$(npm run -s dev:playground -- --token amy)).
    process.stdout.write(
      `${await auth.mint(flags.token, { admin: !!flags.admin, ttlSeconds: 12 * 3600 })}\n`,
    );
    return;
  }
  if (flags.admin) throw new CliError("--admin goes with --token <username>", true);
  const port = envInt("PORT", 3000, 0, 65535);
  console.log("dev:playground: starting moto's DynamoDB server (in memory) on 127.0.0.1 ...");
  const dynamo = await startLocalDynamo();
  console.log(`dev:playground: DynamoDB endpoint ${dynamo.endpoint} (calls are counted per request)`);
  Object.assign(process.env, LOCAL_ENV, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    TABLE_NAME: TABLE,
    SAFE_CONCURRENCY: process.env.SAFE_CONCURRENCY ?? "true",
    AUTH_ENABLED: flags["no-auth"] ? "false" : "true",
    ALLOW_TABLE_DELETE: process.env.ALLOW_TABLE_DELETE ?? "true",
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "WARN",
  });
  console.log(`dev:playground: creating table ${TABLE} from tableDefinition ...`);
  await createPlaygroundTable(dynamo.endpoint, TABLE);
  // Loaded only now: its DynamoDB client reads the endpoint from the environment at module scope.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler } = require("../functions/playground-api") as {
    handler: (e: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  };

  const cors = {
    "Access-Control-Allow-Origin": process.env.CORS_ORIGIN ?? "*",
    "Access-Control-Allow-Methods": "GET,PUT,PATCH,POST,DELETE,OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type,Authorization",
  };
  const server = http.createServer(async (req, res) => {
    const started = process.hrtime.bigint();
    if (req.method === "GET" && req.url === "/openapi.json") {
      res.writeHead(200, { "Content-Type": "application/json", ...cors });
      res.end(OPENAPI);
      console.log("GET /openapi.json -> 200 (the API's OpenAPI 3.1 document)");
      return;
    }
    if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) {
      res.writeHead(204, { ...cors, "Access-Control-Max-Age": "300" });
      res.end();
      console.log(`OPTIONS ${req.url} -> 204 (CORS preflight, answered like the HTTP API)`);
      return;
    }
    let status = 500;
    try {
      const body = await readBody(req);
      const event = toApiEvent({
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        body,
        requestId: randomUUID(),
      });
      const before = { ...dynamo.counts };
      const result = (await authorize(event, auth, settingsOf())) ?? (await handler(event));
      status = result.statusCode ?? 200;
      res.writeHead(status, { ...(result.headers as http.OutgoingHttpHeaders), ...cors });
      res.end(result.body ?? "");
      const calls = Object.entries(dynamo.counts)
        .map(([op, n]) => [op, n - (before[op] ?? 0)] as const)
        .filter(([, n]) => n > 0)
        .map(([op, n]) => `${op}x${n}`);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      console.log(
        `${req.method} ${req.url} -> ${status} (${event.routeKey}; DynamoDB: ${calls.join(", ") || "none"}; ${ms.toFixed(1)} ms)`,
      );
    } catch (err) {
      res.writeHead(status, { "Content-Type": "application/json", ...cors });
      res.end(JSON.stringify({ error: (err as Error).message }));
      console.log(`${req.method} ${req.url} -> ${status} (${(err as Error).message})`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  console.log(`dev:playground: serving the playground API on ${url} (Ctrl-C to stop)`);
  if (flags["no-auth"]) {
    console.log("dev:playground: auth OFF (--no-auth): no token needed");
    console.log(`  try: curl -s -X POST ${url}/tables -d '{"tableId":"demo"}'`);
  } else {
    console.log(
      `dev:playground: auth ON: JWTs signed by the local key ${path.relative(process.cwd(), KEY_FILE)}`,
    );
    console.log("  mint one: TOKEN=$(npm run -s dev:playground -- --token demo-user)");
    console.log(
      `  try: curl -s -X POST ${url}/tables -H "Authorization: Bearer $TOKEN" -d '{"tableId":"demo"}'`,
    );
  }

  const stop = async () => {
    console.log("\ndev:playground: stopping ...");
    server.closeAllConnections();
    server.close();
    await dynamo.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

// The server keeps running after main resolves; only a failure ends the process (bad input: one line, exit 2).
main().catch((err) => process.exit(reportError(USAGE, err)));
