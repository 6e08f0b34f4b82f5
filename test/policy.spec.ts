import * as assert from "node:assert/strict";
import { awsProvider } from "../lib/aws";
import { evaluatePolicies } from "../policy/evaluate";
import {
  Rule,
  allRules,
  containerEnvironments,
  foundationRules,
  missingDefaultTags,
  secretLookingEnv,
  wildcardActions,
} from "../policy/rules";
import { FixtureArgs, FixtureSystem } from "./fixtures/system";
import { installMocks, recorder, settle } from "./harness/mocks";
import * as aws from "@pulumi/aws";

async function findings(args: FixtureArgs, opts: { tagged?: boolean } = {}) {
  await installMocks("dev");
  const providers =
    opts.tagged === false
      ? []
      : [awsProvider("playground", { project: "ai-platform", stack: "dev", region: "us-east-1" })];
  new FixtureSystem("fx", args, { providers });
  await settle();
  return evaluatePolicies(recorder.resources, allRules).map((f) => `${f.policy}: ${f.message}`);
}

describe("policy rules", () => {
  it("pass on a compliant system", async () => {
    assert.deepEqual(await findings({}), []);
  });

  const cases: [string, FixtureArgs, RegExp][] = [
    ["s3-bucket-encryption", { encryptBucket: false }, /S3 bucket "fx-bucket" has no server-side encryption/],
    [
      "s3-public-access-block",
      { blockPublicAccess: false },
      /S3 bucket "fx-bucket" has no complete public access block/,
    ],
    ["dynamodb-encryption", { encryptTable: false }, /serverSideEncryption.enabled = true/],
    [
      "lambda-explicit-log-group",
      { logGroup: false },
      /Lambda "fx-bare" has no log group of its own \(\/aws\/lambda\/fixture-fx-bare\)/,
    ],
    ["iam-no-wildcard-actions", { wildcardAction: true }, /IAM policy allows wildcard actions: dynamodb:\*/],
    [
      "no-plaintext-secrets-in-env",
      { plaintextSecret: true },
      /secret-looking plaintext variables: OPENAI_API_KEY/,
    ],
  ];
  for (const [policy, args, message] of cases) {
    it(`${policy}: fails its failing fixture`, async () => {
      const found = await findings(args);
      assert.equal(found.length, 1, found.join("\n"));
      assert.ok(found[0].startsWith(policy + ": "), found[0]);
      assert.match(found[0], message);
    });
  }

  it("aws-default-tags: fails resources created through the default provider", async () => {
    const found = await findings({}, { tagged: false });
    assert.ok(found.length > 5);
    assert.ok(found.every((f) => f.startsWith("aws-default-tags: AWS resource uses the default provider")));
  });

  it("aws-default-tags: fails a provider without the required tags", async () => {
    await installMocks("dev");
    const p = new aws.Provider("untagged", {
      region: "us-east-1",
      defaultTags: { tags: { project: "ai-platform" } },
    });
    new aws.sqs.Queue("q", { name: "q" }, { provider: p });
    await settle();
    const found = evaluatePolicies(recorder.resources, foundationRules);
    assert.deepEqual(
      found.map((f) => f.message),
      ['AWS provider "untagged" lacks default tags: stack, system, managed-by.'],
    );
  });

  it("every rule is named, described and enforced", () => {
    const names = new Set<string>();
    for (const r of allRules as Rule[]) {
      assert.match(r.name, /^[a-z0-9-]+$/);
      assert.ok(r.description && r.description.length > 10);
      assert.ok(r.enforcementLevel === "mandatory" || r.enforcementLevel === "advisory");
      assert.ok(!names.has(r.name), `duplicate rule ${r.name}`);
      names.add(r.name);
    }
  });

  describe("predicates", () => {
    it("wildcardActions", () => {
      const doc = (Action: unknown, Effect = "Allow") =>
        JSON.stringify({ Statement: [{ Effect, Action, Resource: "*" }] });
      assert.deepEqual(wildcardActions(doc("*")), ["*"]);
      assert.deepEqual(wildcardActions(doc(["s3:GetObject", "sqs:*"])), ["sqs:*"]);
      assert.deepEqual(wildcardActions(doc("s3:Get*")), []);
      assert.deepEqual(wildcardActions(doc("*", "Deny")), []);
      assert.deepEqual(
        wildcardActions({ Statement: { Effect: "Allow", NotAction: "iam:*", Resource: "*" } }),
        ["NotAction"],
      );
      assert.deepEqual(wildcardActions("not json"), []);
    });

    it("secretLookingEnv", () => {
      assert.deepEqual(
        secretLookingEnv({
          TABLE_NAME: "t",
          SUPABASE_SERVICE_KEY: "eyJhbGciOi",
          SUPABASE_SERVICE_KEY_PARAM: "/tamma/dev/supabase_service_key",
          API_TOKEN_ARN: "arn:aws:secretsmanager:x",
          NOTE: "AKIAABCDEFGHIJKLMNOP",
          EMPTY_PASSWORD: "",
        }),
        ["SUPABASE_SERVICE_KEY", "NOTE"],
      );
    });

    it("containerEnvironments", () => {
      const defs = JSON.stringify([
        {
          name: "worker",
          environment: [{ name: "JOB_ID", value: "1" }],
          secrets: [{ name: "KEY", valueFrom: "arn" }],
        },
      ]);
      assert.deepEqual(containerEnvironments(defs), { "worker.JOB_ID": "1" });
    });

    it("missingDefaultTags", () => {
      assert.deepEqual(
        missingDefaultTags({
          defaultTags: { tags: { project: "p", stack: "s", system: "x", "managed-by": "pulumi" } },
        }),
        [],
      );
      assert.deepEqual(missingDefaultTags({ defaultTags: JSON.stringify({ tags: { project: "p" } }) }), [
        "stack",
        "system",
        "managed-by",
      ]);
      assert.deepEqual(missingDefaultTags(undefined), ["project", "stack", "system", "managed-by"]);
    });
  });
});
