/**
 * Policy rules for what the Tamma pipeline adds: encrypted queues, scanned images, and an alarm on every
 * dead-letter queue (a job that lands there must never go unnoticed). Predicates are pure and exported for
 * tests; values unknown during a real preview are skipped, never guessed.
 */
import * as aws from "@pulumi/aws";
import {
  PolicyResource,
  ResourceValidationPolicy,
  StackValidationPolicy,
  validateResourceOfType,
} from "@pulumi/policy";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Props = Record<string, any>;

/** Whether an SQS queue's props turn on server-side encryption (SQS-managed or KMS). */
export function queueEncrypted(props: Props): boolean {
  return (
    props.sqsManagedSseEnabled === true ||
    (typeof props.kmsMasterKeyId === "string" && props.kmsMasterKeyId !== "")
  );
}

/** Whether an ECR repository scans images on push. */
export function repositoryScansOnPush(props: Props): boolean {
  const cfg = props.imageScanningConfiguration;
  return (Array.isArray(cfg) ? cfg[0] : cfg)?.scanOnPush === true;
}

/** The dead-letter target ARN named in a queue's redrive policy (JSON text or object), if known. */
export function deadLetterTarget(redrivePolicy: unknown): string | undefined {
  let parsed: any = redrivePolicy;
  if (typeof parsed === "string") {
    try {
      parsed = JSON.parse(parsed);
    } catch {
      return undefined;
    }
  }
  const arn = parsed?.deadLetterTargetArn;
  return typeof arn === "string" && arn !== "" ? arn : undefined;
}

/** Whether an alarm watches a queue's visible messages with a "more than zero" threshold. */
export function alarmsOnQueueDepth(alarm: Props, queueName: string): boolean {
  return (
    alarm.namespace === "AWS/SQS" &&
    alarm.metricName === "ApproximateNumberOfMessagesVisible" &&
    alarm.dimensions?.QueueName === queueName &&
    ((alarm.comparisonOperator === "GreaterThanThreshold" && Number(alarm.threshold) === 0) ||
      (alarm.comparisonOperator === "GreaterThanOrEqualToThreshold" && Number(alarm.threshold) === 1))
  );
}

export const sqsEncryption: ResourceValidationPolicy = {
  name: "sqs-encryption",
  description: "Every SQS queue encrypts messages at rest (SQS-managed SSE or a KMS key).",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(aws.sqs.Queue, (queue, _args, report) => {
    if (!queueEncrypted(queue as Props))
      report("SQS queue must set sqsManagedSseEnabled = true or a kmsMasterKeyId.");
  }),
};

export const ecrScanOnPush: ResourceValidationPolicy = {
  name: "ecr-scan-on-push",
  description: "Every ECR repository scans images on push.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(aws.ecr.Repository, (repo, _args, report) => {
    if (!repositoryScansOnPush(repo as Props))
      report("ECR repository must set imageScanningConfiguration.scanOnPush = true.");
  }),
};

export const dlqAlarm: StackValidationPolicy = {
  name: "sqs-dlq-alarm",
  description: "Every queue used as a dead-letter queue has a CloudWatch alarm on its depth above zero.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const queues = args.resources.filter((r) => r.isType(aws.sqs.Queue));
    const alarms = args.resources.filter((r) => r.isType(aws.cloudwatch.MetricAlarm));
    const dlqs = new Map<string, PolicyResource>();
    for (const q of queues) {
      // By dependency (works in a real preview, where the ARN is unknown), else by ARN text.
      for (const dep of q.propertyDependencies?.["redrivePolicy"] ?? [])
        if (dep.isType(aws.sqs.Queue)) dlqs.set(dep.urn, dep);
      const target = deadLetterTarget(q.props.redrivePolicy);
      const byArn =
        target && queues.find((d) => typeof d.props.name === "string" && target.endsWith(`:${d.props.name}`));
      if (byArn) dlqs.set(byArn.urn, byArn);
    }
    for (const dlq of dlqs.values()) {
      const name = dlq.props.name;
      if (typeof name !== "string") continue; // unknown during preview: not guessed
      if (!alarms.some((a) => alarmsOnQueueDepth(a.props, name))) {
        report(
          `Dead-letter queue "${dlq.name}" (${name}) has no alarm on ApproximateNumberOfMessagesVisible > 0.`,
          dlq.urn,
        );
      }
    }
  },
};

export const tammaRules = [sqsEncryption, ecrScanOnPush, dlqAlarm];
