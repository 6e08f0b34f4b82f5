import * as assert from "node:assert/strict";
import * as vm from "node:vm";
import { bundle, clearBundleCache, lambdaArchive } from "../lib/bundle";

const entry = { entry: "test/fixtures/functions/hello/index.ts" };

describe("Lambda bundling", function () {
  this.timeout(60_000);

  it("gives the same archive hash for the same source (no spurious updates)", () => {
    clearBundleCache();
    const first = bundle("hello", entry);
    clearBundleCache();
    const second = bundle("hello", entry);
    assert.notEqual(first, second, "the cache was cleared, so this is a second esbuild run");
    assert.equal(first.sha256, second.sha256);
    assert.equal(first.code, second.code);
  });

  it("bundles the AWS SDK, minified, with a source map that holds no absolute path", () => {
    const b = bundle("hello", entry);
    const required = new Set([...b.code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]));
    const packages = [...required].filter((r) => !r.startsWith("node:"));
    // Only the SDK's optional CRT signer stays a (guarded) run-time require; every client is inside the bundle.
    assert.deepEqual(packages, ["@aws-sdk/signature-v4-crt"]);
    const lines = b.code.split("\n");
    assert.ok(b.code.length / lines.length > 500, "minified: long lines, no indentation");
    const map = JSON.parse(b.map);
    assert.ok(map.sources.some((s: string) => s.endsWith("test/fixtures/functions/hello/index.ts")));
    assert.ok(
      map.sources.every((s: string) => !s.startsWith("/")),
      "source paths are relative",
    );
    assert.ok(!b.map.includes(process.cwd()), "no checkout path in the map");
  });

  it("produces a handler that runs", async () => {
    const b = bundle("hello", entry);
    const module = { exports: {} as { handler?: (e: unknown) => Promise<{ body: string }> } };
    vm.runInThisContext(`(function (module, exports, require) {${b.code}\n})`)(
      module,
      module.exports,
      require,
    );
    const res = await module.exports.handler!({ name: "ai" });
    assert.deepEqual(JSON.parse(res.body), { hello: "ai", sdk: "function" });
  });

  it("wraps index.js and its map in an asset archive", async () => {
    const archive = lambdaArchive("hello", entry);
    const assets = await archive.assets;
    assert.deepEqual(Object.keys(assets).sort(), ["index.js", "index.js.map"]);
  });
});
