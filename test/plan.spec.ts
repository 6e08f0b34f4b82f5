import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { ConfigError } from "../config";
import { evaluatePolicies } from "../policy/evaluate";
import { allRules } from "../policy/rules";
import { expandAwsxVpc, natGatewayCount } from "../scripts/plan-awsx";
import { checklist } from "../scripts/plan-checklist";
import { formatPlan, summarize } from "../scripts/plan-format";
import { main as plan } from "../scripts/plan";
import { runProgram } from "./harness/program";
import { listStacks, readStackConfig } from "./harness/stackfile";

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
      'Resources of stack "dev" (# component, + resource, ~ resource an awsx component creates, listed from its known shape):',
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
    assert.match(ok.stdout, /~ aws:ec2\/natGateway:NatGateway {2}tamma-vpc-1/);
    assert.match(ok.stdout, /Before `pulumi up -s dev`, set/);
    const bad = spawnSync("npx", ["ts-node", "--transpile-only", "scripts/plan.ts", "staging"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(bad.status, 2);
    assert.equal(bad.stdout, "");
    assert.match(
      bad.stderr,
      /^error: unknown stack "staging" \(stacks: dev, prod, stage\)\nusage: npm run -s plan -- <stack> \[--json\] \[--cost\] \[--html <file\.html>\]\n$/,
    );
  });

  it("refuses unknown flags and extra arguments with usage and exit code 2", async () => {
    await assert.rejects(plan(["dev", "--bogus"]), /unknown option --bogus/);
    await assert.rejects(plan(["dev", "prod"]), /unexpected argument "prod"/);
    await assert.rejects(plan([]), /expected 1 argument/);
  });

  it("--json writes one JSON document to stdout: every resource (awsx children marked derived), findings, the checklist", async function () {
    this.timeout(60_000);
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const log = console.error;
    process.stdout.write = ((c: string) => (chunks.push(String(c)), true)) as typeof process.stdout.write;
    console.error = () => undefined;
    let code: number;
    try {
      code = await plan(["prod", "--json"]);
    } finally {
      process.stdout.write = write;
      console.error = log;
    }
    assert.equal(code, 0);
    const doc = JSON.parse(chunks.join(""));
    assert.equal(doc.stack, "prod");
    assert.equal(doc.ok, true);
    const derived = doc.resources.filter((r: { kind: string }) => r.kind === "derived");
    assert.equal(
      derived.filter((r: { type: string }) => r.type === "aws:ec2/natGateway:NatGateway").length,
      3,
      "OnePerAz: 3 NAT gateways",
    );
    assert.equal(doc.counts["aws:ec2/subnet:Subnet"], 6);
    assert.deepEqual(doc.findings, []);
    assert.ok(doc.beforeUp.some((i: { key: string }) => i.key === "e2e:apiKey"));
  });

  it("lists an awsx VPC's children from its shape for the NAT strategy", () => {
    const vpc = {
      urn: "urn:v",
      type: "awsx:ec2:Vpc",
      name: "net",
      inputs: { numberOfAvailabilityZones: 3, natGateways: { strategy: "Single" } },
      custom: false,
    };
    const kids = expandAwsxVpc(vpc);
    const count = (t: string) => kids.filter((k) => k.type === t).length;
    assert.equal(count("aws:ec2/vpc:Vpc"), 1);
    assert.equal(count("aws:ec2/subnet:Subnet"), 6);
    assert.equal(count("aws:ec2/routeTable:RouteTable"), 6);
    assert.equal(count("aws:ec2/route:Route"), 6);
    assert.equal(count("aws:ec2/internetGateway:InternetGateway"), 1);
    assert.equal(count("aws:ec2/natGateway:NatGateway"), 1);
    assert.equal(count("aws:ec2/eip:Eip"), 1);
    assert.ok(kids.every((k) => k.derived && k.parent === "urn:v"));
    assert.deepEqual(
      [natGatewayCount("None", 3), natGatewayCount(undefined, 2), natGatewayCount("OnePerAz", 3)],
      [0, 2, 3],
    );
  });

  it("asks before `pulumi up` only for what each stack's systems need and its file leaves out", () => {
    const keys = (stack: string) => {
      const { config, standIns } = readStackConfig(stack);
      for (const s of standIns) delete config[s.key];
      return checklist(config).map((i) => i.key);
    };
    const dev = keys("dev");
    assert.ok(!dev.includes("tama:anthropicApiKey"), "dev's Tama workspace has no Anthropic source");
    for (const k of [
      "tama:openaiApiKey",
      "tama:clientSecret",
      "e2e:apiKey",
      "e2e:authToken",
      "e2e:projectId",
      "ai-platform:tammaSupabaseServiceKey",
    ])
      assert.ok(dev.includes(k), `dev needs ${k}`);
    assert.ok(keys("stage").includes("tama:anthropicApiKey"));
    const prod = keys("prod");
    assert.ok(!prod.some((k) => k.startsWith("tama:")), "prod does not enable tama");
    assert.deepEqual(checklist({ "ai-platform:systems": "[]" }), []);
    assert.deepEqual(
      checklist({
        "ai-platform:systems": '["agents"]',
        "ai-platform:agentsApiAuth": "jwt",
        "ai-platform:agentsJwtIssuer": "https://i",
      }).map((i) => i.key),
      ["AWS credentials", "ai-platform:agentsJwtAudience"],
    );
  });
});
