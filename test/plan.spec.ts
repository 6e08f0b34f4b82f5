import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { ConfigError } from "../config";
import { evaluatePolicies } from "../policy/evaluate";
import { allRules } from "../policy/rules";
import { formatPlan, summarize } from "../scripts/plan-format";
import { runProgram } from "./harness/program";
import { listStacks } from "./harness/stackfile";

const ROOT = path.resolve(__dirname, "..");

describe("the program and its offline plan", () => {
  it("has exactly the dev, stage and prod stacks", () => {
    assert.deepEqual(listStacks(), ["dev", "prod", "stage"]);
  });

  for (const stack of ["dev", "stage", "prod"]) {
    it(`evaluates index.ts for ${stack} with no policy finding`, async () => {
      const run = await runProgram(stack);
      assert.equal(run.outputs.stack, stack);
      assert.ok(Array.isArray(run.outputs.systems));
      assert.deepEqual(evaluatePolicies(run.resources, allRules), []);
      for (const r of run.resources) assert.match(r.urn, new RegExp(`^urn:pulumi:${stack}::ai-platform::`));
    });
  }

  it("fails before registering anything when the config is invalid", async () => {
    await assert.rejects(
      runProgram("dev", {
        overrides: { "ai-platform:logRetentionDays": "10", "ai-platform:systems": '["nope"]' },
      }),
      (e: Error) => e instanceof ConfigError && e.issues.length === 2,
    );
  });

  it("formats resources under their component, with counts and findings", () => {
    const resources = [
      { urn: "urn:c", type: "ai-platform:x:Sys", name: "sys", inputs: {}, custom: false },
      {
        urn: "urn:t",
        type: "aws:dynamodb/table:Table",
        name: "sys-table",
        inputs: { name: "T-dev", billingMode: "PAY_PER_REQUEST", pointInTimeRecovery: { enabled: true } },
        parent: "urn:c",
        custom: true,
        protect: true,
      },
    ];
    const lines = formatPlan("dev", resources, [
      {
        policy: "p",
        enforcementLevel: "mandatory",
        message: "m",
        urn: "urn:pulumi:dev::ai-platform::x::sys-table",
      },
    ]);
    assert.deepEqual(lines.slice(0, 3), [
      'Resources of stack "dev" (# component, + resource):',
      "  # ai-platform:x:Sys  sys",
      "    + aws:dynamodb/table:Table  sys-table  name=T-dev billingMode=PAY_PER_REQUEST pointInTimeRecovery.enabled=true protect",
    ]);
    assert.ok(lines.includes("     1  aws:dynamodb/table:Table"));
    assert.ok(lines.includes("  [mandatory] p: sys-table: m"));
    assert.equal(
      summarize({ urn: "u", type: "custom:x:Y", name: "n", inputs: { name: "phys" }, custom: true }),
      "name=phys",
    );
  });

  it("runs as `npm run plan -- <stack>` and says it is offline", function () {
    this.timeout(60_000);
    const ok = spawnSync("npx", ["ts-node", "--transpile-only", "scripts/plan.ts", "dev"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /Offline plan of stack "dev"/);
    assert.match(ok.stdout, /No cloud state is read/);
    assert.match(ok.stdout, /Plan OK\./);
    const bad = spawnSync("npx", ["ts-node", "--transpile-only", "scripts/plan.ts", "qa"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /usage: npm run plan -- <stack> {3}\(stacks: dev, prod, stage\)/);
  });
});
