/**
 * The IAM proof (`npm run iam`): its pure parts (what is recorded, how a call becomes IAM requests, how a
 * statement is justified), the evaluator catching the defect classes it exists for (a missing PassRole, a
 * GSI ARN left out), and the whole run for dev, stage and prod: 0 denied, every unused grant justified.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { triggerStatements } from "../../components/tamma/iam";
import { evaluate, readJustifications, unusedGrants } from "../../scripts/iam/evaluate";
import type { Principal, StackModel } from "../../scripts/iam/model";
import { modelArns, requestsForCall, UnmappedCall } from "../../scripts/iam/requests";
import { codeFromStack, projectInput, type AwsCall } from "../harness/aws-calls";
import { REPO_ROOT } from "../harness/stackfile";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const TD = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/tamma-prod-audio-clean`;
const CLUSTER = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/tamma-prod-cluster`;
const EXEC_ROLE = `arn:aws:iam::${ACCOUNT}:role/tamma-prod-ecs-task-execution-role`;
const TASK_ROLE = `arn:aws:iam::${ACCOUNT}:role/tamma-prod-ecs-task-role`;
const TABLE = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/aimodelshare-playground-prod`;

function principal(statements: object[], env: Record<string, string> = {}): Principal {
  return {
    name: "role-under-test",
    arn: `arn:aws:iam::${ACCOUNT}:role/role-under-test`,
    kind: "lambda",
    code: ["functions/x"],
    env,
    policies: [{ name: "inline", policy: { Version: "2012-10-17", Statement: statements as never } }],
    externalManaged: [],
  };
}

const model: StackModel = {
  stack: "prod",
  account: ACCOUNT,
  region: REGION,
  principals: [],
  resources: [
    {
      urn: "urn:td",
      type: "aws:ecs/taskDefinition:TaskDefinition",
      name: "tamma-task",
      inputs: {},
      state: { arn: `${TD}:1`, executionRoleArn: EXEC_ROLE, taskRoleArn: TASK_ROLE },
      custom: true,
      protect: false,
      additionalSecretOutputs: [],
      dependencies: [],
      propertyDependencies: {},
      read: false,
    },
  ],
};

const runTask = (extra: Record<string, unknown> = {}): AwsCall => ({
  code: "functions/tamma-trigger",
  service: "AmazonEC2ContainerServiceV20141113",
  client: "ECSClient",
  operation: "RunTask",
  input: { cluster: "test-cluster", taskDefinition: "arn:test-td:3", ...extra },
  env: { CLUSTER_NAME: "test-cluster", TASK_DEFINITION: "arn:test-td:3" },
});
const triggerEnv = { CLUSTER_NAME: "tamma-prod-cluster", TASK_DEFINITION: `${TD}:1` };

describe("iam: recording", () => {
  it("keeps the resource-naming fields of an input, never bodies or payloads", () => {
    const projected = projectInput({
      TableName: "t",
      Key: "reports/x.json",
      Body: "secret body",
      payload: new Uint8Array([1]),
      Item: { a: { S: "x" } },
      overrides: { taskRoleArn: "arn:aws:iam::1:role/r" },
      tags: [{ key: "job", value: "v" }],
    });
    assert.deepEqual(projected, {
      TableName: "t",
      Key: "reports/x.json",
      tagKeys: ["job"],
      overrideTaskRoleArn: "arn:aws:iam::1:role/r",
    });
  });

  it("attributes a call to the function folder on the stack, shared code to its caller, test setup to the test", () => {
    const root = REPO_ROOT;
    const frames = (...files: string[]) =>
      ["Error", ...files.map((f) => `    at fn (${root}/${f}:1:1)`)].join("\n");
    assert.equal(
      codeFromStack(
        frames("functions/agents/shared/table.ts", "functions/agents/api/index.ts", "test/a.spec.ts"),
      ),
      "functions/agents/api",
    );
    assert.equal(codeFromStack(frames("functions/playground-api/store.ts")), "functions/playground-api");
    assert.equal(codeFromStack(frames("test/agents/handlers.spec.ts")), "test");
    assert.equal(
      codeFromStack(frames("functions/agents/shared/table.ts", "test/agents/handlers.spec.ts")),
      "test",
    );
    assert.equal(codeFromStack(frames("functions/agents/shared/table.ts")), "functions/agents/shared");
  });
});

describe("iam: from a call to IAM requests", () => {
  it("RunTask needs the task definition on the cluster and PassRole of both roles to ECS tasks", () => {
    const reqs = requestsForCall(runTask(), principal([], triggerEnv), model);
    assert.deepEqual(
      reqs.map((r) => [r.action, r.resource, r.context]),
      [
        ["ecs:RunTask", `${TD}:1`, { "ecs:cluster": CLUSTER }],
        ["iam:PassRole", TASK_ROLE, { "iam:PassedToService": "ecs-tasks.amazonaws.com" }],
        ["iam:PassRole", EXEC_ROLE, { "iam:PassedToService": "ecs-tasks.amazonaws.com" }],
      ],
    );
  });

  it("RunTask with propagated tags also needs ecs:TagResource on the task", () => {
    const reqs = requestsForCall(
      runTask({ propagateTags: "TASK_DEFINITION" }),
      principal([], triggerEnv),
      model,
    );
    assert.deepEqual(reqs.at(-1)?.action, "ecs:TagResource");
    assert.deepEqual(reqs.at(-1)?.context, { "ecs:CreateAction": "RunTask" });
  });

  it("a Query on an index is a request on the index ARN", () => {
    const call: AwsCall = {
      code: "functions/playground-api",
      service: "DynamoDB_20120810",
      client: "DynamoDBClient",
      operation: "Query",
      input: { TableName: "t-1", IndexName: "tablesByCreatedAt" },
      env: { TABLE_NAME: "t-1" },
    };
    const [req] = requestsForCall(call, principal([], { TABLE_NAME: "aimodelshare-playground-prod" }), model);
    assert.equal(req.resource, `${TABLE}/index/tablesByCreatedAt`);
  });

  it("refuses a name no environment variable gave (no guessed stack counterpart)", () => {
    const call: AwsCall = {
      code: "functions/x",
      service: "AmazonS3",
      client: "S3Client",
      operation: "GetObject",
      input: { Bucket: "literal-bucket", Key: "k" },
      env: {},
    };
    assert.throws(() => requestsForCall(call, principal([]), model), UnmappedCall);
  });

  it("a cross-region inference profile needs the profile and its foundation model", () => {
    assert.deepEqual(modelArns("us.anthropic.claude-x", REGION, ACCOUNT), [
      `arn:aws:bedrock:${REGION}:${ACCOUNT}:inference-profile/us.anthropic.claude-x`,
      `arn:aws:bedrock:${REGION}::foundation-model/anthropic.claude-x`,
    ]);
  });
});

describe("iam: evaluation with @cloud-copilot/iam-simulate", () => {
  const trigger = (withPassRole: boolean) =>
    principal(
      triggerStatements({
        jobsQueueArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:tamma-prod-jobs.fifo`,
        clusterArn: CLUSTER,
        taskFamilyArn: TD,
        executionRoleArn: EXEC_ROLE,
        taskRoleArn: TASK_ROLE,
      }).filter((s) => withPassRole || s.Sid !== "PassWorkerRoles"),
      triggerEnv,
    );

  it("allows the trigger's RunTask with the program's statements", async () => {
    const p = trigger(true);
    const { verdicts } = await evaluate(p, requestsForCall(runTask(), p, model), ACCOUNT);
    assert.deepEqual(
      verdicts.map((v) => v.allowed),
      [true, true, true],
    );
  });

  it("denies PassRole when the statement is missing (the defect class it exists for)", async () => {
    const p = trigger(false);
    const { verdicts } = await evaluate(p, requestsForCall(runTask(), p, model), ACCOUNT);
    assert.deepEqual(
      verdicts.filter((v) => !v.allowed).map((v) => v.request.action),
      ["iam:PassRole", "iam:PassRole"],
    );
  });

  it("denies RunTask on another cluster (the ecs:cluster condition holds)", async () => {
    const p = trigger(true);
    const reqs = requestsForCall(runTask(), p, model).map((r) =>
      r.action === "ecs:RunTask" ? { ...r, context: { "ecs:cluster": `${CLUSTER}-other` } } : r,
    );
    const { verdicts } = await evaluate(p, reqs, ACCOUNT);
    assert.equal(verdicts.find((v) => v.request.action === "ecs:RunTask")?.allowed, false);
  });

  it("denies a GSI query when only the table ARN is granted, and reports unused grants", async () => {
    const tableOnly = principal([{ Sid: "T", Effect: "Allow", Action: ["dynamodb:Query"], Resource: TABLE }]);
    const req = {
      action: "dynamodb:Query",
      resource: `${TABLE}/index/leaderboard`,
      context: {},
      source: "t",
    };
    const denied = await evaluate(tableOnly, [req], ACCOUNT);
    assert.equal(denied.verdicts[0].allowed, false);
    assert.equal(unusedGrants(tableOnly, denied.used).length, 1);

    const program = principal([
      {
        Sid: "QueryListingIndexes",
        Effect: "Allow",
        Action: ["dynamodb:Query"],
        Resource: [`${TABLE}/index/leaderboard`],
      },
      { Sid: "HealthCheck", Effect: "Allow", Action: ["dynamodb:DescribeTable"], Resource: TABLE },
    ]);
    const allowed = await evaluate(program, [req], ACCOUNT);
    assert.equal(allowed.verdicts[0].allowed, true);
    const unused = unusedGrants(program, allowed.used).map((g) => `${g.sid} ${g.action} ${g.resource}`);
    assert.ok(!unused.includes(`QueryListingIndexes dynamodb:Query ${TABLE}/index/leaderboard`));
    assert.ok(unused.includes(`HealthCheck dynamodb:DescribeTable ${TABLE}`));
  });

  it("no function imports the AGPL simulator (it is a dev dependency of the proof only)", () => {
    const walk = (dir: string): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const offenders = [
      ...walk(path.join(REPO_ROOT, "functions")),
      ...walk(path.join(REPO_ROOT, "lib")),
    ].filter((f) => /\.(ts|js)$/.test(f) && fs.readFileSync(f, "utf8").includes("@cloud-copilot/"));
    assert.deepEqual(offenders, []);
  });

  it("reads the justifications written beside the statements", () => {
    const justified = readJustifications(REPO_ROOT);
    assert.match(justified.get("PullWorkerImage") ?? "", /BatchCheckLayerAvailability/);
    assert.match(justified.get("ReadUploads") ?? "", /video/);
  });
});

describe("iam: npm run iam -- dev stage prod", function () {
  // Records the function, task and agent specs once (a child mocha), then evaluates three stacks.
  this.timeout(900_000);

  it("every role of every stack: 0 denied, every unused grant justified", () => {
    const res = spawnSync(
      process.execPath,
      [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "scripts/iam.ts", "dev", "stage", "prod"],
      {
        cwd: REPO_ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, IAM_CALLS_FILE: path.join(REPO_ROOT, ".build", "iam-calls-spec.json") },
      },
    );
    const out = res.stdout + res.stderr;
    assert.equal(res.status, 0, out.slice(-4000));
    for (const stack of ["dev", "stage", "prod"]) {
      assert.match(out, new RegExp(`iam: stack "${stack}": OK, 0 denied, every unused grant justified`));
    }
    // Every Lambda of prod was exercised by recorded calls.
    for (const fn of [
      "playground-prod-api",
      "trigger-clean",
      "orchestration-prod-controller",
      "orchestration-prod-api",
      "orchestration-prod-callback",
    ]) {
      const line = out.split("\n").find((l) => l.includes(fn) && l.includes("[lambda"));
      assert.ok(line && !/calls seen 0,/.test(line), `${fn}: ${line}`);
    }
  });
});
