/**
 * The OpenAPI 3.1 document beside the routes: every route and status of the handler is in it and nothing else,
 * and schemathesis (PyPI, pinned in the moto venv) fuzzes `npm run dev:playground` from it, auth on, with an
 * admin token: no 5xx, every status and body as documented. The counts are printed and asserted.
 */
import * as assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { ROUTE_KEYS, ROUTE_STATUSES, WRITE_ROUTES } from "../../functions/playground-api/routes";
import { playgroundIdOf } from "../../functions/playground-api/validate";
import { MOTO_VENV, ensureMoto } from "../harness/dynamo";

const ROOT = path.resolve(__dirname, "..", "..");
const DOC = JSON.parse(fs.readFileSync(path.join(ROOT, "functions/playground-api/openapi.json"), "utf8"));

type Op = { responses: Record<string, unknown>; security?: unknown[] };

function operations(): Map<string, Op> {
  const ops = new Map<string, Op>();
  for (const [p, item] of Object.entries(DOC.paths as Record<string, Record<string, Op>>))
    for (const [method, op] of Object.entries(item)) ops.set(`${method.toUpperCase()} ${p}`, op);
  return ops;
}

describe("playground OpenAPI 3.1 document", function () {
  this.timeout(600000);

  it("lists exactly the handler's routes, each with exactly its statuses; writes are secured", () => {
    assert.equal(DOC.openapi, "3.1.0");
    const ops = operations();
    assert.deepEqual([...ops.keys()].sort(), [...ROUTE_KEYS].sort());
    for (const key of ROUTE_KEYS) {
      const op = ops.get(key)!;
      assert.deepEqual(
        Object.keys(op.responses).map(Number).sort(),
        [...ROUTE_STATUSES[key]].sort(),
        `${key}: statuses`,
      );
      assert.equal((op.security ?? []).length > 0, WRITE_ROUTES.includes(key), `${key}: security`);
    }
  });

  it("every playgroundUrl the document's pattern allows, the handler reads a playground id from", () => {
    // The handler reads the id as the head does (WHATWG URL parsing): no pattern can say exactly which strings
    // work, so the document's pattern is a form that always does. Were it looser, a schema-valid request would
    // get a 400 (schemathesis's "schema validation mismatch" on POST /tables, before this pattern).
    const schema = DOC.components.schemas.CreateTable.properties.playgroundUrl.anyOf[0];
    const pattern = new RegExp(schema.pattern, "u");
    fc.assert(
      fc.property(
        fc.stringMatching(pattern).filter((s) => s.length <= schema.maxLength),
        (url) => playgroundIdOf(url) !== undefined,
      ),
      { numRuns: 5000, seed: 20261205 },
    );
    for (const url of ["https://h/x/abc", "my-playground", "https://a.example.com/playground/p1?x=1"])
      assert.ok(pattern.test(url) && playgroundIdOf(url) !== undefined, url);
    for (const url of ["https://host", "https://h/", "//host/x", "http://0a.0/a"])
      assert.ok(!pattern.test(url), url);
  });

  describe("schemathesis against npm run dev:playground", () => {
    let child: ChildProcess | undefined;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "playground-st-"));
    after(async () => {
      if (child?.pid && child.exitCode === null) {
        const exited = new Promise((r) => child!.once("exit", r));
        process.kill(child.pid, "SIGTERM");
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("generates cases for every operation: no 5xx, statuses, content types and bodies as documented", async () => {
      ensureMoto();
      const env = { ...process.env, PORT: "0", PLAYGROUND_JWT_KEY_FILE: path.join(dir, "key.json") };
      const script = ["-r", "ts-node/register/transpile-only", "scripts/dev-playground.ts"];
      const minted = spawnSync(process.execPath, [...script, "--token", "fuzz-admin", "--admin"], {
        cwd: ROOT,
        env,
        encoding: "utf8",
        timeout: 60000,
      });
      assert.equal(minted.status, 0, minted.stderr);
      const token = minted.stdout.trim();
      child = spawn(process.execPath, script, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout!.on("data", (c) => (out = (out + String(c)).slice(-200000)));
      child.stderr!.on("data", (c) => (out = (out + String(c)).slice(-200000)));
      const base = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`dev server did not start:\n${out}`)), 60000);
        const check = () => {
          const m = /serving the playground API on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          } else if (child!.exitCode !== null) reject(new Error(`dev server exited:\n${out}`));
          else setTimeout(check, 50);
        };
        check();
      });
      const served = await fetch(`${base}/openapi.json`);
      assert.equal(served.status, 200);
      assert.deepEqual(await served.json(), DOC, "the dev server serves the document in the repo");

      const report = path.join(dir, "report.json");
      const st = spawnSync(
        path.join(MOTO_VENV, "bin", "schemathesis"),
        [
          "run",
          path.join(ROOT, "functions/playground-api/openapi.json"),
          "--url",
          base,
          "--header",
          `Authorization: Bearer ${token}`,
          "--checks",
          "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
          "--max-examples",
          process.env.PLAYGROUND_FUZZ_EXAMPLES ?? "25",
          "--seed",
          "21",
          "--workers",
          "1",
          "--phases",
          "examples,coverage,fuzzing",
          "--report",
          "ndjson",
          "--report-ndjson-path",
          report,
          "--no-color",
        ],
        { cwd: dir, encoding: "utf8", timeout: 540000, env: { ...process.env, SCHEMATHESIS_HOOKS: "" } },
      );
      const text = `${st.stdout}\n${st.stderr}`;
      const summary = text
        .split("\n")
        .filter((l) => /test cases|Test cases|generated|passed|failed|operations/i.test(l))
        .slice(-6)
        .join("\n");
      console.log(`      schemathesis: ${summary.replace(/\n/g, "\n      schemathesis: ")}`);
      assert.equal(st.status, 0, text.slice(-6000));
      const m = /(\d+) generated/.exec(text);
      assert.ok(m && Number(m[1]) > 100, `schemathesis generated too few cases:\n${summary}`);
    });
  });
});
