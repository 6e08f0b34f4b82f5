import * as assert from "node:assert/strict";
import { awsProvider } from "../lib/aws";
import { IMPORT_IDS, buildImportPlan, findSystemComponent } from "../scripts/migrate-import";
import { main as migrate } from "../scripts/migrate";
import { FixtureSystem } from "./fixtures/system";
import { installMocks, recorder, settle } from "./harness/mocks";
import { runProgram } from "./harness/program";

async function fixture() {
  await installMocks("prod");
  const provider = awsProvider("tamma", { project: "ai-platform", stack: "prod", region: "us-east-1" });
  new FixtureSystem("fx", {}, { providers: [provider] });
  await settle();
  return recorder.resources;
}

describe("migration from Terraform: the import file generator", () => {
  it("lists every AWS resource of the component once, with the program's names, parents and ids", async () => {
    const resources = await fixture();
    const root = resources.find((r) => r.type === "ai-platform:test:FixtureSystem")!;
    const plan = buildImportPlan(resources, { rootUrn: root.urn, region: "us-east-1", protect: true });
    const custom = resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
    assert.deepEqual(plan.file.resources.map((e) => e.name).sort(), custom.map((r) => r.name).sort());
    const byName = Object.fromEntries(plan.file.resources.map((e) => [e.name, e]));
    assert.deepEqual(byName["fx-bucket"], {
      type: "aws:s3/bucket:Bucket",
      name: "fx-bucket",
      id: "fixture-fx",
      parent: "fx",
      provider: "aws-tamma",
      protect: true,
    });
    assert.equal(byName["fx-bucket-sse"].id, "fixture-fx");
    assert.equal(byName["fx-table"].id, "Fixture-fx");
    assert.equal(byName["fx-fn"].id, "fixture-fx-fn");
    assert.equal(byName["fx-fn-role"].id, "fixture-fx-fn");
    assert.equal(byName["fx-fn-logs"].id, "/aws/lambda/fixture-fx-fn");
    assert.equal(byName["fx-fn-policy"].id, "fixture-fx-fn:fixture-fx-fn-policy");
    assert.deepEqual(plan.file.nameTable, {
      fx: root.urn,
      "aws-tamma": "urn:pulumi:prod::ai-platform::pulumi:providers:aws::aws-tamma",
    });
    assert.deepEqual(plan.targets, [
      "urn:pulumi:prod::ai-platform::pulumi:providers:aws::aws-tamma",
      root.urn,
    ]);
    assert.deepEqual(plan.placeholders, []);
  });

  it("marks cloud-only ids as placeholders and lists how to find each, never guessing", () => {
    const resources = [
      { urn: "c", type: "ai-platform:x:X", name: "x", inputs: {}, custom: false },
      {
        urn: "q",
        type: "aws:sqs/queue:Queue",
        name: "x-jobs",
        inputs: { name: "tamma-dev-jobs" },
        custom: true,
        parent: "c",
      },
      {
        urn: "a",
        type: "aws:apigatewayv2/api:Api",
        name: "x-api",
        inputs: { name: "api" },
        custom: true,
        parent: "c",
      },
      {
        urn: "s",
        type: "aws:apigatewayv2/stage:Stage",
        name: "x-stage",
        inputs: { name: "dev" },
        custom: true,
        parent: "c",
      },
      { urn: "k", type: "aws:iam/accessKey:AccessKey", name: "x-key", inputs: {}, custom: true, parent: "c" },
    ];
    const plan = buildImportPlan(resources, { rootUrn: "c", region: "eu-west-1", protect: false });
    const ids = Object.fromEntries(plan.file.resources.map((e) => [e.name, e.id]));
    assert.equal(
      ids["x-jobs"],
      "https://sqs.eu-west-1.amazonaws.com/<PLACEHOLDER:account-id>/tamma-dev-jobs",
    );
    assert.equal(ids["x-api"], "<PLACEHOLDER:HTTP-API-id:x-api>");
    assert.equal(ids["x-stage"], "<PLACEHOLDER:HTTP-API-id:x-stage>/dev");
    assert.equal(plan.file.resources.find((e) => e.name === "x-jobs")!.protect, undefined);
    assert.deepEqual(
      plan.placeholders.map((p) => p.token),
      ["<PLACEHOLDER:HTTP-API-id:x-api>", "<PLACEHOLDER:HTTP-API-id:x-stage>", "<PLACEHOLDER:account-id>"],
    );
    assert.deepEqual(
      plan.skipped.map((s) => s.resource),
      ["x-key"],
    );
  });

  it("refuses a type it has no id rule for, naming it", () => {
    const resources = [
      { urn: "c", type: "ai-platform:x:X", name: "x", inputs: {}, custom: false },
      { urn: "w", type: "aws:wafv2/webAcl:WebAcl", name: "x-waf", inputs: {}, custom: true, parent: "c" },
    ];
    assert.throws(
      () => buildImportPlan(resources, { rootUrn: "c", region: "us-east-1", protect: false }),
      /no import id rule for aws:wafv2\/webAcl:WebAcl \(resource "x-waf"\)/,
    );
    assert.ok(Object.keys(IMPORT_IDS).length > 40);
  });

  it("finds a system's component at the root of the stack", () => {
    const r = [
      { urn: "c", type: "ai-platform:tamma:TammaPipeline", name: "tamma", inputs: {}, custom: false },
    ];
    assert.equal(findSystemComponent(r, "tamma")?.urn, "c");
    assert.equal(findSystemComponent(r, "agents"), undefined);
  });

  it("says clearly when the stack does not enable the system, or the arguments are wrong", async () => {
    const lines: string[] = [];
    const original = console.error;
    console.error = (m: string) => lines.push(m);
    try {
      assert.equal(await migrate(["dev", "--system", "nope"]), 2);
      assert.equal(await migrate(["qa", "--system", "tamma"]), 2);
    } finally {
      console.error = original;
    }
    assert.match(lines.join("\n"), /--system must be one of tama, e2e, playground, tamma, agents/);
    assert.match(lines.join("\n"), /unknown stack "qa"/);
  });
});

describe("migration: the import file of every AWS system in every stack", function () {
  this.timeout(120_000);
  for (const stack of ["dev", "stage", "prod"]) {
    it(`${stack}: every AWS resource the program declares for a system is in its file once, named and id'd as the program does`, async () => {
      const run = await runProgram(stack);
      const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
      let checked = 0;
      for (const system of ["playground", "tamma", "agents"]) {
        const root = findSystemComponent(run.resources, system);
        if (!root) continue;
        const plan = buildImportPlan(run.resources, {
          rootUrn: root.urn,
          region: "us-east-1",
          protect: stack === "prod",
        });
        const inSystem = (urn: string | undefined): boolean => {
          for (let r = urn ? byUrn.get(urn) : undefined; r; r = r.parent ? byUrn.get(r.parent) : undefined) {
            if (r.urn === root.urn) return true;
          }
          return false;
        };
        const skipped = new Set(plan.skipped.map((s) => s.resource));
        const expected = run.resources
          .filter(
            (r) =>
              r.custom && inSystem(r.urn) && !r.type.startsWith("pulumi:providers:") && !skipped.has(r.name),
          )
          .map((r) => r.name)
          .sort();
        const names = plan.file.resources.map((e) => e.name).sort();
        assert.deepEqual(names, expected, `${system}: every declared resource, once`);
        assert.equal(new Set(names).size, names.length);
        for (const entry of plan.file.resources) {
          const r = run.resources.find((x) => x.name === entry.name && x.type === entry.type)!;
          const physical = r.inputs.name ?? r.inputs.bucket ?? r.inputs.family;
          if (typeof physical === "string" && !entry.id!.startsWith("<PLACEHOLDER")) {
            assert.ok(entry.id!.includes(physical), `${entry.name}: id ${entry.id} names ${physical}`);
          }
          assert.equal(entry.protect, stack === "prod" ? true : undefined);
          assert.equal(entry.parent === undefined || plan.file.nameTable[entry.parent] !== undefined, true);
        }
        const text = JSON.stringify(plan.file);
        assert.ok(!text.includes("test-secret-"), `${system}: no secret in the import file`);
        assert.ok(plan.skipped.every((s) => s.reason.length > 20));
        checked++;
      }
      assert.ok(checked >= 2, `at least two AWS systems checked in ${stack}`);
    });
  }
});
