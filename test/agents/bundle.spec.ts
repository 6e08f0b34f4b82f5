/** The three Lambda artifacts: each bundle loads on its own (no missing module) and exports `handler`. */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bundle } from "../../lib/bundle";

describe("agents: Lambda bundles", function () {
  this.timeout(60000);
  for (const fn of ["agents/controller", "agents/api", "agents/callback"]) {
    it(`${fn} loads from its bundle alone and exports a handler`, () => {
      const b = bundle(fn);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agents-bundle-"));
      try {
        const file = path.join(dir, "index.js");
        fs.writeFileSync(file, b.code);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const mod = require(file);
        assert.equal(typeof mod.handler, "function");
        assert.ok(!b.code.includes("@pulumi/"), "no Pulumi SDK in Lambda code");
        assert.ok(!b.code.includes("durable-execution-sdk-js-testing"), "no test runner in Lambda code");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
