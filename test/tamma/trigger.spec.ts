import * as assert from "node:assert/strict";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import {
  MalformedJobError,
  clientTokenFor,
  parseJob,
  placement,
  readTriggerEnv,
  runTaskInput,
} from "../../functions/tamma-trigger/job";
import { EcsStandIn, startEcs } from "./support";

const QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:tamma-dev-jobs";
const FIFO_ARN = "arn:aws:sqs:us-east-1:123456789012:tamma-prod-jobs.fifo";

const TRIGGER_ENV = {
  CLUSTER_NAME: "tamma-dev-cluster",
  TASK_DEFINITION: "arn:aws:ecs:us-east-1:123456789012:task-definition/tamma-dev-audio-clean:3",
  SUBNET_IDS: "subnet-priv-a,subnet-priv-b,subnet-priv-c",
  SECURITY_GROUP_ID: "sg-worker",
  CONTAINER_NAME: "audio-clean",
  RAW_BUCKET: "tamma-dev-raw",
  DERIVED_BUCKET: "tamma-dev-derived",
};

let seq = 0;
/** An SQS record as Lambda delivers it; FIFO records carry a group id and a sequence number. */
function record(body: unknown, opts: { fifo?: boolean; group?: string; messageId?: string } = {}): SQSRecord {
  seq += 1;
  return {
    messageId: opts.messageId ?? `msg-${seq}`,
    receiptHandle: `rh-${seq}`,
    body: typeof body === "string" ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "1767225600000",
      SenderId: "AIDAMOCK",
      ApproximateFirstReceiveTimestamp: "1767225600000",
      ...(opts.fifo
        ? {
            MessageGroupId: opts.group ?? "g",
            SequenceNumber: String(seq),
            MessageDeduplicationId: `d${seq}`,
          }
        : {}),
    },
    messageAttributes: {},
    md5OfBody: "0",
    eventSource: "aws:sqs",
    eventSourceARN: opts.fifo ? FIFO_ARN : QUEUE_ARN,
    awsRegion: "us-east-1",
  };
}

const context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: "tamma-dev-trigger-clean",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:tamma-dev-trigger-clean",
  memoryLimitInMB: "256",
  awsRequestId: "req-1",
  logGroupName: "/aws/lambda/tamma-dev-trigger-clean",
  logStreamName: "s",
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} satisfies Context;

describe("tamma trigger: message contract and RunTask request", () => {
  it("accepts the producer's {job_id, s3_key} with a string or integer id", () => {
    assert.deepEqual(parseJob('{"job_id": 42, "s3_key": "audio/u1/a.wav"}'), {
      jobId: "42",
      s3Key: "audio/u1/a.wav",
    });
    assert.deepEqual(parseJob('{"job_id": "9f1c", "s3_key": "video/u1/a.mp4"}'), {
      jobId: "9f1c",
      s3Key: "video/u1/a.mp4",
    });
  });

  const bad: [string, RegExp][] = [
    ["not json", /body is not JSON/],
    ["[1]", /body is not a JSON object/],
    ['{"s3_key": "audio/a.wav"}', /job_id must be a non-empty string/],
    ['{"job_id": "", "s3_key": "audio/a.wav"}', /job_id must be a non-empty string/],
    ['{"job_id": 1.5, "s3_key": "audio/a.wav"}', /job_id must be a non-empty string .* or an integer/],
    ['{"job_id": 1}', /s3_key must be a non-empty string/],
    ['{"job_id": 1, "s3_key": "images/a.png"}', /s3_key must start with "audio\/" or "video\/"/],
    ['{"job_id": 1, "s3_key": "/audio/a.wav"}', /s3_key must start with "audio\/" or "video\/"/],
    ['{"job_id": 1, "s3_key": "audio/../secrets.txt"}', /s3_key must not contain "\.\."/],
    ['{"job_id": 1, "s3_key": "audio/u1/"}', /s3_key must name an object/],
  ];
  for (const [body, message] of bad) {
    it(`rejects ${body}`, () => {
      assert.throws(
        () => parseJob(body),
        (e: Error) => e instanceof MalformedJobError && message.test(e.message),
      );
    });
  }

  it("derives one stable clientToken per job (at most 64 characters)", () => {
    const a = clientTokenFor({ jobId: "1", s3Key: "audio/u/a.wav" });
    assert.equal(a, clientTokenFor({ jobId: "1", s3Key: "audio/u/a.wav" }));
    assert.notEqual(a, clientTokenFor({ jobId: "2", s3Key: "audio/u/a.wav" }));
    assert.notEqual(a, clientTokenFor({ jobId: "1", s3Key: "audio/u/b.wav" }));
    assert.ok(a.length <= 64);
    assert.equal(
      a,
      clientTokenFor({ jobId: "1", s3Key: "audio/u/a.wav", attempt: 1 }),
      "attempt 1 is the default",
    );
    assert.notEqual(
      a,
      clientTokenFor({ jobId: "1", s3Key: "audio/u/a.wav", attempt: 2 }),
      "a re-run is a new task",
    );
    assert.deepEqual(parseJob('{"job_id": 1, "s3_key": "audio/a.wav", "attempt": 2}'), {
      jobId: "1",
      s3Key: "audio/a.wav",
      attempt: 2,
    });
    assert.throws(
      () => parseJob('{"job_id": 1, "s3_key": "audio/a.wav", "attempt": 0}'),
      /attempt must be an integer/,
    );
  });

  it("builds the seed's RunTask: every private subnet, no public IP, overrides, never a launch type", () => {
    const input = runTaskInput({ jobId: "7", s3Key: "audio/u/a.wav" }, readTriggerEnv(TRIGGER_ENV));
    assert.equal(input.launchType, undefined);
    assert.equal(input.capacityProviderStrategy, undefined, "the cluster's default strategy applies");
    assert.deepEqual(input.networkConfiguration, {
      awsvpcConfiguration: {
        subnets: ["subnet-priv-a", "subnet-priv-b", "subnet-priv-c"],
        securityGroups: ["sg-worker"],
        assignPublicIp: "DISABLED",
      },
    });
    assert.deepEqual(input.overrides, {
      containerOverrides: [
        {
          name: "audio-clean",
          environment: [
            { name: "JOB_ID", value: "7" },
            { name: "INPUT_FILE", value: "audio/u/a.wav" },
            { name: "RAW_BUCKET", value: "tamma-dev-raw" },
            { name: "DERIVED_BUCKET", value: "tamma-dev-derived" },
          ],
        },
      ],
    });
    const withStrategy = runTaskInput(
      { jobId: "7", s3Key: "audio/u/a.wav" },
      readTriggerEnv({
        ...TRIGGER_ENV,
        CAPACITY_PROVIDER_STRATEGY: '[{"capacityProvider":"FARGATE_SPOT","weight":1}]',
      }),
    );
    assert.deepEqual(withStrategy.capacityProviderStrategy, [
      { capacityProvider: "FARGATE_SPOT", weight: 1 },
    ]);
    assert.equal(withStrategy.launchType, undefined);
  });

  it("names missing or bad environment variables", () => {
    assert.throws(
      () => readTriggerEnv({ ...TRIGGER_ENV, SUBNET_IDS: "", CLUSTER_NAME: undefined }),
      /missing environment variable\(s\): CLUSTER_NAME, SUBNET_IDS/,
    );
    assert.throws(
      () => readTriggerEnv({ ...TRIGGER_ENV, CAPACITY_PROVIDER_STRATEGY: "{" }),
      /CAPACITY_PROVIDER_STRATEGY must be JSON/,
    );
  });
});

describe("tamma trigger: GPU placement (the trigger chooses the task definition)", () => {
  const GPU_ENV = {
    ...TRIGGER_ENV,
    GPU_TASK_DEFINITION: "arn:aws:ecs:us-east-1:123456789012:task-definition/tamma-prod-audio-clean-gpu:3",
    GPU_CAPACITY_PROVIDER: "tamma-prod-gpu-cp",
  };

  it("parses an optional gpu flag, refusing anything but a boolean", () => {
    assert.equal(parseJob('{"job_id":1,"s3_key":"audio/u/a.wav","gpu":true}').gpu, true);
    assert.equal(parseJob('{"job_id":1,"s3_key":"audio/u/a.wav","gpu":false}').gpu, undefined);
    assert.throws(
      () => parseJob('{"job_id":1,"s3_key":"audio/u/a.wav","gpu":"yes"}'),
      /gpu must be true or false/,
    );
  });

  it("runs a GPU job on the GPU task definition and provider; every other job as before", () => {
    const env = readTriggerEnv(GPU_ENV);
    const gpu = runTaskInput({ jobId: "7", s3Key: "audio/u/a.wav", gpu: true }, env);
    assert.equal(gpu.taskDefinition, GPU_ENV.GPU_TASK_DEFINITION);
    assert.deepEqual(gpu.capacityProviderStrategy, [
      { capacityProvider: "tamma-prod-gpu-cp", weight: 1, base: 0 },
    ]);
    assert.equal(gpu.launchType, undefined, "never a launch type next to a strategy");
    const plain = runTaskInput({ jobId: "7", s3Key: "audio/u/a.wav" }, env);
    assert.equal(plain.taskDefinition, TRIGGER_ENV.TASK_DEFINITION);
    assert.equal(plain.capacityProviderStrategy, undefined);
    // A GPU job on a stack without GPUs runs on Fargate rather than failing.
    const noGpu = runTaskInput(
      { jobId: "7", s3Key: "audio/u/a.wav", gpu: true },
      readTriggerEnv(TRIGGER_ENV),
    );
    assert.equal(noGpu.taskDefinition, TRIGGER_ENV.TASK_DEFINITION);
    assert.equal(placement({ jobId: "7", s3Key: "k", gpu: true }, readTriggerEnv(TRIGGER_ENV)).gpu, false);
  });

  it("needs both GPU variables or neither", () => {
    assert.throws(
      () => readTriggerEnv({ ...TRIGGER_ENV, GPU_TASK_DEFINITION: GPU_ENV.GPU_TASK_DEFINITION }),
      /GPU_TASK_DEFINITION and GPU_CAPACITY_PROVIDER are set together/,
    );
  });
});

describe("tamma trigger handler against a recording ECS endpoint", () => {
  let ecs: EcsStandIn;
  let handler: (e: SQSEvent, c: Context) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
  const saved: Record<string, string | undefined> = {};
  const lines: string[] = [];
  const methods = ["log", "info", "warn", "error", "debug"] as const;
  const originals = methods.map((m) => console[m]);

  before(async () => {
    ecs = await startEcs();
    const env = {
      ...TRIGGER_ENV,
      AWS_ENDPOINT_URL_ECS: ecs.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      POWERTOOLS_LOG_LEVEL: "INFO",
      // The logger then writes through the global console, which the tests capture.
      POWERTOOLS_DEV: "true",
    };
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    handler = (await import("../../functions/tamma-trigger/index")).handler;
  });
  beforeEach(() => {
    ecs.calls = [];
    ecs.respond = () => ({ kind: "task" });
    lines.length = 0;
    for (const m of methods) console[m] = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  });
  afterEach(() => {
    methods.forEach((m, i) => (console[m] = originals[i]));
  });
  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await ecs.close();
  });

  type Override = { containerOverrides: { environment: { name: string; value: string }[] }[] };
  const jobOf = (input: Record<string, unknown>) =>
    (input.overrides as Override).containerOverrides[0].environment.find((e) => e.name === "JOB_ID")?.value;

  it("starts one task per valid record, with one SDK call each, and reports no failure", async () => {
    const event = { Records: [1, 2, 3].map((i) => record({ job_id: i, s3_key: `audio/u/${i}.wav` })) };
    const out = await handler(event, context);
    assert.deepEqual(out, { batchItemFailures: [] });
    assert.equal(ecs.calls.length, 3);
    for (const call of ecs.calls) {
      assert.equal(call.target, "AmazonEC2ContainerServiceV20141113.RunTask");
      assert.equal(call.input.cluster, "tamma-dev-cluster");
      assert.equal(call.input.taskDefinition, TRIGGER_ENV.TASK_DEFINITION);
      assert.equal(call.input.launchType, undefined);
      assert.deepEqual(call.input.networkConfiguration.awsvpcConfiguration.subnets, [
        "subnet-priv-a",
        "subnet-priv-b",
        "subnet-priv-c",
      ]);
      assert.equal(call.input.networkConfiguration.awsvpcConfiguration.assignPublicIp, "DISABLED");
    }
    assert.deepEqual(ecs.calls.map((c) => jobOf(c.input)).sort(), ["1", "2", "3"]);
  });

  it("reports exactly the malformed record and the one ECS had no capacity for", async () => {
    const ok1 = record({ job_id: 10, s3_key: "audio/u/10.wav" });
    const malformed = record({ job_id: 11, s3_key: "../etc/passwd" }, { messageId: "malformed-11" });
    const noCapacity = record({ job_id: 12, s3_key: "audio/u/12.wav" }, { messageId: "no-capacity-12" });
    const ok2 = record({ job_id: 13, s3_key: "audio/u/13.wav" });
    ecs.respond = (input) =>
      jobOf(input) === "12" ? { kind: "failure", reason: "RESOURCE:FARGATE" } : { kind: "task" };

    const out = await handler({ Records: [ok1, malformed, noCapacity, ok2] }, context);
    assert.deepEqual(out, {
      batchItemFailures: [{ itemIdentifier: "malformed-11" }, { itemIdentifier: "no-capacity-12" }],
    });
    assert.deepEqual(
      ecs.calls.map((c) => jobOf(c.input)).sort(),
      ["10", "12", "13"],
      "no RunTask for the malformed one",
    );
    const logged = lines.join("");
    assert.match(logged, /"messageId":\s*"malformed-11"/);
    assert.match(logged, /s3_key must start with/);
    assert.match(logged, /RESOURCE:FARGATE/);
  });

  it("retries a RunTask error (reported failed), not the records around it", async () => {
    ecs.respond = (input) =>
      jobOf(input) === "21"
        ? { kind: "error", status: 400, type: "AccessDeniedException", message: "not allowed" }
        : { kind: "task" };
    const a = record({ job_id: 20, s3_key: "audio/u/20.wav" });
    const b = record({ job_id: 21, s3_key: "audio/u/21.wav" }, { messageId: "denied-21" });
    const out = await handler({ Records: [a, b] }, context);
    assert.deepEqual(out, { batchItemFailures: [{ itemIdentifier: "denied-21" }] });
  });

  it("reports the whole batch (not a thrown error) when every record fails", async () => {
    const out = await handler(
      { Records: [record("{}", { messageId: "x1" }), record("nope", { messageId: "x2" })] },
      context,
    );
    assert.deepEqual(out, { batchItemFailures: [{ itemIdentifier: "x1" }, { itemIdentifier: "x2" }] });
    assert.equal(ecs.calls.length, 0);
  });

  it("sends the same clientToken for a redelivered message, so ECS starts one task", async () => {
    const body = { job_id: 30, s3_key: "audio/u/30.wav" };
    await handler({ Records: [record(body)] }, context);
    await handler({ Records: [record(body)] }, context);
    assert.equal(ecs.calls.length, 2);
    assert.equal(ecs.calls[0].input.clientToken, ecs.calls[1].input.clientToken);
    assert.equal(ecs.calls[0].input.clientToken, clientTokenFor({ jobId: "30", s3Key: "audio/u/30.wav" }));
    const taskArns = new Set(
      (lines.join("").match(/"taskArn":\s*"[^"]+"/g) ?? []).map((m) => m.replace(/\s/g, "")),
    );
    assert.equal(taskArns.size, 1, "both answers name the same task");
  });

  it("treats ECS's ConflictException (same token, new parameters) as the task already started", async () => {
    ecs.respond = () => ({ kind: "error", status: 400, type: "ConflictException", message: "token reused" });
    const out = await handler({ Records: [record({ job_id: 50, s3_key: "audio/u/50.wav" })] }, context);
    assert.deepEqual(out, { batchItemFailures: [] });
    assert.equal(ecs.calls.length, 1);
    assert.match(lines.join(""), /task already started for this job/);
  });

  it("handles FIFO records: a failure also fails the rest of its message group only", async () => {
    const g1a = record(
      { job_id: 40, s3_key: "audio/u/40.wav" },
      { fifo: true, group: "40", messageId: "g1a" },
    );
    const g1b = record(
      { job_id: 41, s3_key: "audio/u/41.wav" },
      { fifo: true, group: "g1", messageId: "g1b" },
    );
    const g1c = record(
      { job_id: 42, s3_key: "audio/u/42.wav" },
      { fifo: true, group: "g1", messageId: "g1c" },
    );
    const g2 = record({ job_id: 43, s3_key: "audio/u/43.wav" }, { fifo: true, group: "43", messageId: "g2" });
    ecs.respond = (input) =>
      jobOf(input) === "41" ? { kind: "failure", reason: "RESOURCE:FARGATE" } : { kind: "task" };
    const out = await handler({ Records: [g1a, g1b, g1c, g2] }, context);
    assert.deepEqual(out, { batchItemFailures: [{ itemIdentifier: "g1b" }, { itemIdentifier: "g1c" }] });
    assert.deepEqual(ecs.calls.map((c) => jobOf(c.input)).sort(), ["40", "41", "43"]);
  });
});
