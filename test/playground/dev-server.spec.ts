import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

describe("npm run dev:playground", function () {
  this.timeout(60000);
  let child: ChildProcess | undefined;
  after(() => {
    if (child?.pid && child.exitCode === null) child.kill("SIGTERM");
  });

  it("serves every route over HTTP from a local moto DynamoDB and says what it does", async () => {
    child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/dev-playground.ts"], {
      cwd: ROOT,
      env: { ...process.env, PORT: "0" },
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

    const req = async (method: string, p: string, body?: unknown) => {
      const r = await fetch(base + p, {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
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
