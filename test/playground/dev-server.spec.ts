import * as assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

describe("npm run dev:playground", function () {
  this.timeout(60000);
  let child: ChildProcess | undefined;
  after(() => {
    if (child?.pid && child.exitCode === null) child.kill("SIGTERM");
  });

  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "playground-jwt-"));
  const env = { ...process.env, PORT: "0", PLAYGROUND_JWT_KEY_FILE: path.join(keyDir, "key.json") };
  after(() => fs.rmSync(keyDir, { recursive: true, force: true }));
  const mint = (...args: string[]): string => {
    const r = spawnSync(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", "scripts/dev-playground.ts", "--token", ...args],
      { cwd: ROOT, env, encoding: "utf8", timeout: 30000 },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };

  it("--token prints only a JWT; bad flags are one line and exit 2", () => {
    assert.match(mint("alice"), /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const bad = spawnSync(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", "scripts/dev-playground.ts", "--admin"],
      { cwd: ROOT, env, encoding: "utf8", timeout: 30000 },
    );
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--admin goes with --token <username>/);
  });

  it("serves every route over HTTP from a local moto DynamoDB, auth on, and says what it does", async () => {
    const alice = mint("alice");
    child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/dev-playground.ts"], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (c) => (out += String(c)));
    child.stderr!.on("data", (c) => (out += String(c)));
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`dev server did not start:\n${out}`)), 45000);
      const check = () => {
        const m = /serving the playground API on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        } else if (child!.exitCode !== null) {
          clearTimeout(timer);
          reject(new Error(`dev server exited:\n${out}`));
        } else setTimeout(check, 50);
      };
      check();
    });
    assert.match(out, /starting moto/);
    assert.match(out, /creating table PlaygroundScores-local from tableDefinition/);

    let token: string | undefined = alice;
    const req = async (method: string, p: string, body?: unknown) => {
      const r = await fetch(base + p, {
        method,
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    token = undefined;
    assert.deepEqual(await req("POST", "/tables", { tableId: "demo" }), {
      status: 401,
      body: { message: "Unauthorized" },
    });
    token = alice;
    assert.equal((await req("POST", "/tables", { tableId: "demo" })).status, 201);
    assert.equal(
      (await req("PUT", "/tables/demo/users/alice", { submissionCount: 2, totalCount: 3 })).status,
      200,
    );
    assert.equal((await req("GET", "/tables")).status, 200);
    assert.equal((await req("GET", "/tables/demo")).body.userCount, 1);
    assert.equal((await req("GET", "/tables/demo/users")).status, 200);
    assert.equal((await req("GET", "/tables/demo/users/alice")).body.submissionCount, 2);
    assert.equal((await req("PATCH", "/tables/demo", { isArchived: true })).status, 200);
    assert.equal((await req("GET", "/health")).status, 200);
    assert.deepEqual(await req("GET", "/nope"), { status: 404, body: { error: "Route not found" } });
    const pre = await fetch(base + "/tables", {
      method: "OPTIONS",
      headers: { Origin: "http://localhost:5173", "Access-Control-Request-Method": "POST" },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "*");
    await new Promise((r) => setTimeout(r, 100));
    assert.match(
      out,
      /PUT \/tables\/demo\/users\/alice -> 200 \(PUT \/tables\/\{tableId\}\/users\/\{username\}; DynamoDB: TransactWriteItemsx2;/,
    );

    const exited = new Promise((r) => child!.once("exit", r));
    child.kill("SIGINT");
    await exited;
    assert.match(out, /stopping/);
  });
});
