import * as assert from "node:assert/strict";
import { awsProvider, policyDocument } from "../lib/aws";
import { tlsOnlyStatement } from "../lib/buckets";
import {
  deniesInsecureTransport,
  hardeningRules,
  metadataProblems,
  wholeBucketGrants,
} from "../policy/hardening";
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

describe("hardening rules (policy/hardening.ts): a violating and a passing resource each", () => {
  const ACCT = "123456789012";
  /** Runs `build` under mocks with a tagged provider; the findings of the hardening rules only. */
  async function check(build: (opts: { provider: aws.Provider }) => void, protect = false) {
    await installMocks("dev");
    const provider = awsProvider("tamma", { project: "ai-platform", stack: "dev", region: "us-east-1" });
    build({ provider });
    if (protect) new aws.sqs.Queue("kept", { name: "kept" }, { provider, protect: true });
    await settle();
    return evaluatePolicies(recorder.resources, hardeningRules).map((f) => `${f.policy}: ${f.message}`);
  }
  const bucket = (opts: { provider: aws.Provider }, name = "b") =>
    new aws.s3.Bucket(name, { bucket: `fx-${name}` }, opts);
  /** A bucket with a TLS-only policy and logs to a log bucket (that is itself TLS-only). */
  const securedBucket = (opts: { provider: aws.Provider }, tls = true, logs = true) => {
    const b = bucket(opts);
    const log = bucket(opts, "logs");
    new aws.s3.BucketPolicy(
      "logs-tls",
      { bucket: log.id, policy: policyDocument([tlsOnlyStatement(log.arn)]) },
      opts,
    );
    if (tls)
      new aws.s3.BucketPolicy(
        "b-tls",
        { bucket: b.id, policy: policyDocument([tlsOnlyStatement(b.arn)]) },
        opts,
      );
    else
      new aws.s3.BucketPolicy(
        "b-tls",
        {
          bucket: b.id,
          policy: policyDocument([
            { Effect: "Deny", Principal: "*", Action: "s3:DeleteBucket", Resource: b.arn },
          ]),
        },
        opts,
      );
    if (logs)
      new aws.s3.BucketLogging("b-logs", { bucket: b.id, targetBucket: log.id, targetPrefix: "b/" }, opts);
  };

  it("s3-tls-only", async () => {
    assert.deepEqual(await check((o) => securedBucket(o)), []);
    assert.deepEqual(await check((o) => securedBucket(o, false)), [
      's3-tls-only: S3 bucket "b" has no TLS-only bucket policy (lib/buckets.ts).',
    ]);
  });

  it("s3-access-logging (the log bucket itself excepted)", async () => {
    assert.deepEqual(await check((o) => securedBucket(o, true, false)), [
      's3-access-logging: S3 bucket "b" has no server access logging (lib/buckets.ts).',
      's3-access-logging: S3 bucket "logs" has no server access logging (lib/buckets.ts).',
    ]);
  });

  const repo = (o: { provider: aws.Provider }, mutability?: string, forceDelete = false) =>
    new aws.ecr.Repository("r", { name: "r", imageTagMutability: mutability, forceDelete }, o);

  it("ecr-immutable-tags", async () => {
    assert.deepEqual(await check((o) => repo(o, "IMMUTABLE")), []);
    assert.deepEqual(await check((o) => repo(o, "IMMUTABLE_WITH_EXCLUSION")), []);
    assert.deepEqual(await check((o) => repo(o, "MUTABLE")), [
      'ecr-immutable-tags: ECR repository "r" has MUTABLE tags: use IMMUTABLE.',
    ]);
    assert.deepEqual(await check((o) => repo(o)), [
      'ecr-immutable-tags: ECR repository "r" has MUTABLE tags: use IMMUTABLE.',
    ]);
  });

  it("ecr-kept-in-protected-stacks", async () => {
    assert.deepEqual(await check((o) => repo(o, "IMMUTABLE", true)), [], "an unprotected stack (dev) may");
    assert.deepEqual(await check((o) => repo(o, "IMMUTABLE", false), true), []);
    assert.deepEqual(await check((o) => repo(o, "IMMUTABLE", true), true), [
      'ecr-kept-in-protected-stacks: ECR repository "r" is force-deleted in a protected stack.',
    ]);
  });

  const BOUNDARY = `arn:aws:iam::${ACCT}:policy/ai-platform-dev-boundary`;
  const role = (o: { provider: aws.Provider }, name: string, boundary?: string) =>
    new aws.iam.Role(name, { name, assumeRolePolicy: "{}", permissionsBoundary: boundary }, o);

  it("iam-permissions-boundary", async () => {
    assert.deepEqual(await check((o) => (role(o, "a", BOUNDARY), role(o, "b", BOUNDARY))), []);
    assert.deepEqual(await check((o) => (role(o, "a"), role(o, "b"))), [], "a stack without boundaries");
    assert.deepEqual(await check((o) => (role(o, "a", BOUNDARY), role(o, "b"))), [
      'iam-permissions-boundary: IAM Role "b" has no permissions boundary.',
    ]);
    assert.deepEqual(await check((o) => (role(o, "a", BOUNDARY), role(o, "b", `${BOUNDARY}2`))), [
      `iam-permissions-boundary: IAM roles and users carry different boundaries: ${BOUNDARY}, ${BOUNDARY}2.`,
    ]);
  });

  const alarm = (o: { provider: aws.Provider }, actions?: string[]) =>
    new aws.cloudwatch.MetricAlarm(
      "al",
      {
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: 1,
        metricName: "ApproximateNumberOfMessagesVisible",
        namespace: "AWS/SQS",
        period: 60,
        statistic: "Maximum",
        threshold: 0,
        alarmActions: actions,
      },
      o,
    );

  it("cloudwatch-alarm-actions", async () => {
    assert.deepEqual(await check((o) => alarm(o, [`arn:aws:sns:us-east-1:${ACCT}:t`])), []);
    assert.deepEqual(await check((o) => alarm(o)), [
      'cloudwatch-alarm-actions: CloudWatch alarm "al" has no alarm action (an SNS topic).',
    ]);
  });

  const template = (o: { provider: aws.Provider }, hops: number, ecs = true) =>
    new aws.ec2.LaunchTemplate(
      "lt",
      {
        userData: Buffer.from(ecs ? "ECS_CLUSTER=c\n" : "echo hi\n").toString("base64"),
        metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: hops },
      },
      o,
    );

  it("ecs-instance-metadata-blocked", async () => {
    assert.deepEqual(await check((o) => template(o, 1)), []);
    assert.deepEqual(await check((o) => template(o, 2, false)), [], "not an ECS instance");
    assert.deepEqual(await check((o) => template(o, 2)), [
      'ecs-instance-metadata-blocked: Launch template "lt": httpPutResponseHopLimit must be 1.',
    ]);
  });

  const gpuCluster = (o: { provider: aws.Provider }, compat: string[]) => {
    new aws.ecs.CapacityProvider(
      "cp",
      { autoScalingGroupProvider: { autoScalingGroupArn: "arn:aws:autoscaling:asg" } },
      o,
    );
    new aws.ecs.TaskDefinition(
      "td",
      { family: "td", containerDefinitions: "[]", requiresCompatibilities: compat },
      o,
    );
  };

  it("ecs-capacity-provider-placeable", async () => {
    assert.deepEqual(await check((o) => gpuCluster(o, ["EC2"])), []);
    assert.deepEqual(await check((o) => gpuCluster(o, ["FARGATE"])), [
      'ecs-capacity-provider-placeable: Capacity provider "cp" has no EC2-compatible task definition to place.',
    ]);
  });

  const userPolicy = (o: { provider: aws.Provider }, resource: string) =>
    new aws.iam.UserPolicy(
      "up",
      {
        user: "u",
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: ["s3:PutObject"], Resource: resource }],
        }),
      },
      o,
    );

  it("iam-user-s3-prefixes", async () => {
    assert.deepEqual(await check((o) => userPolicy(o, "arn:aws:s3:::raw/audio/*")), []);
    assert.deepEqual(await check((o) => userPolicy(o, "arn:aws:s3:::raw/*")), [
      'iam-user-s3-prefixes: IAM user policy "up" grants whole buckets: arn:aws:s3:::raw/*.',
    ]);
  });

  it("predicates: deniesInsecureTransport, metadataProblems, wholeBucketGrants", () => {
    const doc = (s: object) => JSON.stringify({ Statement: [s] });
    assert.ok(
      deniesInsecureTransport(
        doc({
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      ),
    );
    assert.ok(!deniesInsecureTransport(doc({ Effect: "Allow", Principal: "*", Action: "s3:*" })));
    assert.deepEqual(metadataProblems(undefined), [
      "httpTokens must be required (IMDSv2)",
      "httpPutResponseHopLimit must be 1",
    ]);
    assert.deepEqual(
      wholeBucketGrants(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: ["arn:aws:s3:::b/*"] })),
      ["arn:aws:s3:::b/*"],
    );
  });
});
