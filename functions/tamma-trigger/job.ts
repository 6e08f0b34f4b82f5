/**
 * Pure parts of the trigger: the job message contract, the environment, the RunTask request and its
 * idempotency token. No SDK client here, so tests and the bench use them directly.
 */
import { createHash } from "node:crypto";
import type { RunTaskCommandInput } from "@aws-sdk/client-ecs";

/**
 * A job message body: `{"job_id": <string | integer>, "s3_key": "audio/<user>/<file>"}` (the producer's shape),
 * plus an optional `"attempt": <integer >= 1>` a producer raises to re-run a job on purpose (a new attempt is
 * a new RunTask token; the same attempt redelivered never starts a second task).
 */
export interface Job {
  jobId: string;
  s3Key: string;
  /** @default 1 */
  attempt?: number;
}

/** A message that can never become a task; reported failed so it reaches the DLQ instead of vanishing. */
export class MalformedJobError extends Error {
  constructor(reason: string) {
    super(`malformed job message: ${reason}`);
    this.name = "MalformedJobError";
  }
}

/** ECS answered with `failures[]` (no capacity, ...): the message is retried. */
export class TaskNotStartedError extends Error {
  constructor(readonly failures: { arn?: string; reason?: string; detail?: string }[]) {
    super(
      `ECS started no task: ${failures.map((f) => f.reason ?? "unknown").join(", ") || "no task in the answer"}`,
    );
    this.name = "TaskNotStartedError";
  }
}

const KEY_PREFIXES = ["audio/", "video/"];

/** Parses and validates a message body; throws MalformedJobError naming the field and the rule. */
export function parseJob(body: string): Job {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    throw new MalformedJobError("body is not JSON");
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new MalformedJobError("body is not a JSON object");
  }
  const { job_id: id, s3_key: key, attempt } = data as Record<string, unknown>;
  let jobId: string;
  if (typeof id === "number" && Number.isSafeInteger(id)) jobId = String(id);
  else if (typeof id === "string" && id.trim() !== "" && id.length <= 128) jobId = id;
  else
    throw new MalformedJobError("job_id must be a non-empty string (at most 128 characters) or an integer");
  if (typeof key !== "string" || key.length === 0 || key.length > 1024) {
    throw new MalformedJobError("s3_key must be a non-empty string of at most 1024 characters");
  }
  if (!KEY_PREFIXES.some((p) => key.startsWith(p)))
    throw new MalformedJobError('s3_key must start with "audio/" or "video/"');
  if (key.split("/").some((part) => part === ".."))
    throw new MalformedJobError('s3_key must not contain ".."');
  if (key.endsWith("/")) throw new MalformedJobError("s3_key must name an object, not a folder");
  if (attempt === undefined) return { jobId, s3Key: key };
  if (typeof attempt !== "number" || !Number.isInteger(attempt) || attempt < 1 || attempt > 1000) {
    throw new MalformedJobError("attempt must be an integer from 1 to 1000 when present");
  }
  return { jobId, s3Key: key, attempt };
}

/**
 * The RunTask idempotency token: the same job (and attempt) always gets the same token (at most 64 characters;
 * ECS keeps a token per cluster for up to 24 hours), so a redelivered message — a retry after a timeout, or a
 * standard queue's duplicate — never starts a second task.
 */
export function clientTokenFor(job: Job): string {
  const attempt = job.attempt && job.attempt > 1 ? `\0${job.attempt}` : "";
  return (
    "tamma-" + createHash("sha256").update(`${job.jobId}\0${job.s3Key}${attempt}`).digest("hex").slice(0, 58)
  );
}

/** The trigger's settings, read from its environment. */
export interface TriggerEnv {
  cluster: string;
  taskDefinition: string;
  subnets: string[];
  securityGroup: string;
  containerName: string;
  rawBucket: string;
  derivedBucket: string;
  strategy?: { capacityProvider: string; weight?: number; base?: number }[];
}

const REQUIRED = [
  "CLUSTER_NAME",
  "TASK_DEFINITION",
  "SUBNET_IDS",
  "SECURITY_GROUP_ID",
  "CONTAINER_NAME",
  "RAW_BUCKET",
  "DERIVED_BUCKET",
] as const;

/** Reads the environment; a missing or bad variable fails with its name. */
export function readTriggerEnv(env: NodeJS.ProcessEnv = process.env): TriggerEnv {
  const missing = REQUIRED.filter((k) => !env[k]);
  if (missing.length)
    throw new Error(`tamma-trigger: missing environment variable(s): ${missing.join(", ")}`);
  const subnets = env
    .SUBNET_IDS!.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (subnets.length === 0) throw new Error("tamma-trigger: SUBNET_IDS must list at least one subnet id");
  let strategy: TriggerEnv["strategy"];
  if (env.CAPACITY_PROVIDER_STRATEGY) {
    try {
      strategy = JSON.parse(env.CAPACITY_PROVIDER_STRATEGY);
    } catch {
      throw new Error("tamma-trigger: CAPACITY_PROVIDER_STRATEGY must be JSON");
    }
    if (!Array.isArray(strategy) || strategy.some((s) => typeof s?.capacityProvider !== "string")) {
      throw new Error(
        "tamma-trigger: CAPACITY_PROVIDER_STRATEGY must be a list of {capacityProvider, weight?, base?}",
      );
    }
  }
  return {
    cluster: env.CLUSTER_NAME!,
    taskDefinition: env.TASK_DEFINITION!,
    subnets,
    securityGroup: env.SECURITY_GROUP_ID!,
    containerName: env.CONTAINER_NAME!,
    rawBucket: env.RAW_BUCKET!,
    derivedBucket: env.DERIVED_BUCKET!,
    strategy,
  };
}

/**
 * The RunTask request of one job: the cluster's default capacity-provider strategy (or the configured one,
 * never a launch type), every private subnet, no public IP, and the seed's container overrides.
 */
export function runTaskInput(job: Job, env: TriggerEnv): RunTaskCommandInput {
  return {
    cluster: env.cluster,
    taskDefinition: env.taskDefinition,
    count: 1,
    clientToken: clientTokenFor(job),
    ...(env.strategy ? { capacityProviderStrategy: env.strategy } : {}),
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: env.subnets,
        securityGroups: [env.securityGroup],
        assignPublicIp: "DISABLED",
      },
    },
    overrides: {
      containerOverrides: [
        {
          name: env.containerName,
          environment: [
            { name: "JOB_ID", value: job.jobId },
            { name: "INPUT_FILE", value: job.s3Key },
            { name: "RAW_BUCKET", value: env.rawBucket },
            { name: "DERIVED_BUCKET", value: env.derivedBucket },
          ],
        },
      ],
    },
    startedBy: `tamma-job-${job.jobId}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 128),
  };
}
