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
  /** The producer asks for a GPU instance (`"gpu": true`); honoured when the stack has a GPU group. */
  gpu?: boolean;
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

/** The raw-bucket prefixes a job may name: the front end uploads only there (and may write only there). */
export const KEY_PREFIXES = ["audio/", "video/"] as const;

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
  const { job_id: id, s3_key: key, attempt, gpu } = data as Record<string, unknown>;
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
  if (gpu !== undefined && typeof gpu !== "boolean")
    throw new MalformedJobError("gpu must be true or false when present");
  const job: Job = { jobId, s3Key: key, ...(gpu ? { gpu: true } : {}) };
  if (attempt === undefined) return job;
  if (typeof attempt !== "number" || !Number.isInteger(attempt) || attempt < 1 || attempt > 1000) {
    throw new MalformedJobError("attempt must be an integer from 1 to 1000 when present");
  }
  return { ...job, attempt };
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
  /** The GPU task definition (EC2) and the capacity provider that places it, when the stack has GPUs. */
  gpu?: { taskDefinition: string; capacityProvider: string };
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
  if (!!env.GPU_TASK_DEFINITION !== !!env.GPU_CAPACITY_PROVIDER)
    throw new Error(
      "tamma-trigger: GPU_TASK_DEFINITION and GPU_CAPACITY_PROVIDER are set together or not at all",
    );
  return {
    ...(env.GPU_TASK_DEFINITION
      ? { gpu: { taskDefinition: env.GPU_TASK_DEFINITION, capacityProvider: env.GPU_CAPACITY_PROVIDER! } }
      : {}),
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

/** Where a job runs: the GPU task definition on the GPU provider when asked for and available, else Fargate. */
export function placement(
  job: Job,
  env: TriggerEnv,
): { taskDefinition: string; strategy?: TriggerEnv["strategy"]; gpu: boolean } {
  if (job.gpu && env.gpu)
    return {
      taskDefinition: env.gpu.taskDefinition,
      strategy: [{ capacityProvider: env.gpu.capacityProvider, weight: 1, base: 0 }],
      gpu: true,
    };
  return { taskDefinition: env.taskDefinition, strategy: env.strategy, gpu: false };
}

/**
 * The RunTask request of one job: the cluster's default capacity-provider strategy (or the configured one,
 * never a launch type) for the Fargate task definition, or the GPU task definition on the GPU provider for a
 * job that asks for it (`placement`); every private subnet, no public IP, and the seed's container overrides.
 */
export function runTaskInput(job: Job, env: TriggerEnv): RunTaskCommandInput {
  const where = placement(job, env);
  return {
    cluster: env.cluster,
    taskDefinition: where.taskDefinition,
    count: 1,
    clientToken: clientTokenFor(job),
    ...(where.strategy ? { capacityProviderStrategy: where.strategy } : {}),
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
