import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsProvider } from "../../lib/aws";
import { evaluatePolicies } from "../../policy/evaluate";
import {
  alarmsOnQueueDepth,
  deadLetterTarget,
  dlqAlarm,
  ecrScanOnPush,
  queueEncrypted,
  repositoryScansOnPush,
  sqsEncryption,
  tammaRules,
} from "../../policy/tamma";
import { allRules } from "../../policy/rules";
import { installMocks, recorder, settle } from "../harness/mocks";

interface Fixture {
  encryptQueues?: boolean;
  scanOnPush?: boolean;
  alarm?: boolean | "wrong-queue";
}

/** A queue with a DLQ, its alarm and a repository; each switch breaks one rule. */
async function findings(f: Fixture) {
  await installMocks("dev");
  const provider = awsProvider("tamma", { project: "ai-platform", stack: "dev", region: "us-east-1" });
  const opts = { provider };
  const sse = f.encryptQueues === false ? {} : { sqsManagedSseEnabled: true };
  const dlq = new aws.sqs.Queue("fx-dlq", { name: "fx-dev-dlq", ...sse }, opts);
  new aws.sqs.Queue(
    "fx-jobs",
    {
      name: "fx-dev-jobs",
      ...sse,
      redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 }),
    },
    opts,
  );
  if (f.alarm !== false) {
    new aws.cloudwatch.MetricAlarm(
      "fx-dlq-alarm",
      {
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: f.alarm === "wrong-queue" ? "fx-dev-jobs" : dlq.name },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        alarmActions: ["arn:aws:sns:us-east-1:123456789012:fx-alarms"],
      },
      opts,
    );
  }
  new aws.ecr.Repository(
    "fx-repo",
    {
      name: "fx-repo",
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: f.scanOnPush !== false },
    },
    opts,
  );
  await settle();
  return evaluatePolicies(recorder.resources, allRules).map((x) => `${x.policy}: ${x.message}`);
}

describe("tamma policy rules: a passing and a failing fixture each", () => {
  it("pass on a compliant queue pair, alarm and repository", async () => {
    assert.deepEqual(await findings({}), []);
  });

  it("sqs-encryption fails unencrypted queues", async () => {
    assert.deepEqual(await findings({ encryptQueues: false }), [
      "sqs-encryption: SQS queue must set sqsManagedSseEnabled = true or a kmsMasterKeyId.",
      "sqs-encryption: SQS queue must set sqsManagedSseEnabled = true or a kmsMasterKeyId.",
    ]);
  });

  it("ecr-scan-on-push fails a repository without scan on push", async () => {
    assert.deepEqual(await findings({ scanOnPush: false }), [
      "ecr-scan-on-push: ECR repository must set imageScanningConfiguration.scanOnPush = true.",
    ]);
  });

  it("sqs-dlq-alarm fails a dead-letter queue without an alarm, or with an alarm on another queue", async () => {
    const expected = [
      'sqs-dlq-alarm: Dead-letter queue "fx-dlq" (fx-dev-dlq) has no alarm on ApproximateNumberOfMessagesVisible > 0.',
    ];
    assert.deepEqual(await findings({ alarm: false }), expected);
    assert.deepEqual(await findings({ alarm: "wrong-queue" }), expected);
  });

  it("are part of allRules", () => {
    for (const r of tammaRules) assert.ok(allRules.includes(r));
    assert.deepEqual(
      [sqsEncryption, ecrScanOnPush, dlqAlarm].map((r) => r.name),
      ["sqs-encryption", "ecr-scan-on-push", "sqs-dlq-alarm"],
    );
  });

  it("predicates", () => {
    assert.equal(queueEncrypted({ sqsManagedSseEnabled: true }), true);
    assert.equal(queueEncrypted({ kmsMasterKeyId: "alias/aws/sqs" }), true);
    assert.equal(queueEncrypted({}), false);
    assert.equal(repositoryScansOnPush({ imageScanningConfiguration: { scanOnPush: true } }), true);
    assert.equal(repositoryScansOnPush({}), false);
    assert.equal(deadLetterTarget('{"deadLetterTargetArn":"arn:x","maxReceiveCount":5}'), "arn:x");
    assert.equal(deadLetterTarget("not json"), undefined);
    const alarm = {
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "q" },
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    };
    assert.equal(alarmsOnQueueDepth(alarm, "q"), true);
    assert.equal(alarmsOnQueueDepth({ ...alarm, threshold: 5 }, "q"), false);
    assert.equal(alarmsOnQueueDepth(alarm, "other"), false);
  });
});
