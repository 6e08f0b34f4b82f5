/**
 * Every IAM statement of the pipeline, as pure functions of ARNs (strings or Outputs), so the tests can check
 * them exactly. Least privilege: no `*` action anywhere, resources scoped to this stack's objects; the only
 * `Resource: "*"` is `ecr:GetAuthorizationToken`, which has no resource-level permissions.
 */
import type * as pulumi from "@pulumi/pulumi";
import { KEY_PREFIXES } from "../../functions/tamma-trigger/job";
import type { Statement } from "../../lib/aws";

type Arn = pulumi.Input<string>;

/** The trigger Lambda: consume the jobs queue, start this task family on this cluster, pass the two roles. */
export function triggerStatements(a: {
  jobsQueueArn: Arn;
  clusterArn: Arn;
  /** `arn:aws:ecs:<region>:<account>:task-definition/<family>` (no revision). */
  taskFamilyArn: Arn;
  /** The GPU task definition's family ARN, when the stack has a GPU group. */
  gpuTaskFamilyArn?: Arn;
  executionRoleArn: Arn;
  taskRoleArn: Arn;
}): Statement[] {
  return [
    {
      Sid: "ConsumeJobs",
      Effect: "Allow",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
      Resource: a.jobsQueueArn,
    },
    {
      Sid: "RunWorkerTask",
      Effect: "Allow",
      Action: ["ecs:RunTask"],
      Resource: pulumiConcat(a.taskFamilyArn, ":*"),
      Condition: { ArnEquals: { "ecs:cluster": a.clusterArn } },
    },
    ...(a.gpuTaskFamilyArn
      ? [
          {
            // iam: unused-in-tests because only jobs with "gpu": true on a stack with a GPU group run it
            // (test/tamma/trigger.spec.ts checks that choice); the recorded trigger specs use dev's settings.
            Sid: "RunGpuWorkerTask",
            Effect: "Allow" as const,
            Action: ["ecs:RunTask"],
            Resource: pulumiConcat(a.gpuTaskFamilyArn, ":*"),
            Condition: { ArnEquals: { "ecs:cluster": a.clusterArn } },
          },
        ]
      : []),
    {
      Sid: "PassWorkerRoles",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: [a.executionRoleArn, a.taskRoleArn],
      Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
    },
  ];
}

/** The ECS agent (execution role): pull this image, write this log group, read the two Supabase parameters. */
export function executionStatements(a: {
  repositoryArn: Arn;
  logGroupArn: Arn;
  supabaseUrlParameterArn: Arn;
  supabaseKeyParameterArn: Arn;
}): Statement[] {
  return [
    { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
    {
      // iam: unused-in-tests because ECS checks layers with ecr:BatchCheckLayerAvailability on some agent and
      // platform versions (AWS's AmazonECSTaskExecutionRolePolicy grants it); no offline run can observe the pull.
      Sid: "PullWorkerImage",
      Effect: "Allow",
      Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
      Resource: a.repositoryArn,
    },
    {
      Sid: "WriteWorkerLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: pulumiConcat(a.logGroupArn, ":*"),
    },
    {
      // ECS resolves container `secrets` with GetParameters (plural); the seed granted only GetParameter.
      Sid: "ReadSupabaseParameters",
      Effect: "Allow",
      Action: ["ssm:GetParameters"],
      Resource: [a.supabaseUrlParameterArn, a.supabaseKeyParameterArn],
    },
  ];
}

/** The worker's own code (task role): read uploads, write cleaned audio. Nothing else. */
export function taskStatements(a: { rawBucketArn: Arn; derivedBucketArn: Arn }): Statement[] {
  return [
    {
      // iam: unused-in-tests because the trigger accepts video/ keys (functions/tamma-trigger/job.ts) and the
      // worker reads whichever key it is given; the worker specs upload audio only.
      Sid: "ReadUploads",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: [pulumiConcat(a.rawBucketArn, "/audio/*"), pulumiConcat(a.rawBucketArn, "/video/*")],
    },
    {
      Sid: "WriteCleanedAudio",
      Effect: "Allow",
      Action: ["s3:PutObject"],
      Resource: pulumiConcat(a.derivedBucketArn, "/audio/*"),
    },
  ];
}

/** Raw prefixes the front end uploads to (the ones a job may name: functions/tamma-trigger/job.ts). */
export const UPLOAD_PREFIXES = KEY_PREFIXES;
/** Derived prefixes the front end serves (the worker writes `audio/cleaned_<name>.m4a`). */
export const SERVED_PREFIXES = ["audio/"] as const;

/**
 * The `presign` user of the front end: presigned uploads to the raw prefixes a job may name, presigned
 * downloads of the cleaned files, job notifications. Nothing else of either bucket (no reads of raw uploads).
 */
export function presignStatements(a: {
  rawBucketArn: Arn;
  derivedBucketArn: Arn;
  jobsQueueArn: Arn;
}): Statement[] {
  return [
    {
      Sid: "PresignUpload",
      Effect: "Allow",
      Action: ["s3:PutObject"],
      Resource: UPLOAD_PREFIXES.map((p) => pulumiConcat(a.rawBucketArn, `/${p}*`)),
    },
    {
      Sid: "PresignDownload",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: SERVED_PREFIXES.map((p) => pulumiConcat(a.derivedBucketArn, `/${p}*`)),
    },
    { Sid: "NotifyJob", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: a.jobsQueueArn },
  ];
}

/**
 * `${arn}${suffix}` for a plain string or an Output, without importing the Pulumi runtime here (keeps this
 * module pure: with strings in, strings come out).
 */
function pulumiConcat(arn: Arn, suffix: string): Arn {
  if (typeof arn === "string") return arn + suffix;
  const maybe = arn as { apply?: (f: (s: string) => string) => pulumi.Output<string> };
  if (typeof maybe.apply === "function") return maybe.apply((s) => s + suffix);
  // A Promise of a string.
  return (arn as Promise<string>).then((s) => s + suffix);
}
