/**
 * Settings of the Tamma media pipeline (`ai-platform:tamma*`). Read only when `tamma` is in
 * `ai-platform:systems`. The checks across keys (Fargate size pairs, queue timing, batching per queue type,
 * GPU instance type) use the pure rules in components/tamma/.
 */
import { z } from "zod";
import { CapacityMode } from "../components/tamma/capacity";
import { checkFargateSize } from "../components/tamma/fargate";
import { GPU_INSTANCE_TYPE } from "../components/tamma/gpu";
import { NatMode } from "../components/tamma/network";
import {
  QueueType,
  VISIBILITY_TIMEOUT_SECONDS,
  checkBatching,
  checkVisibilityVsTimeout,
} from "../components/tamma/queue";
import { section } from "./schema";
import { ConfigIssue, KeySpec, corsOrigin, intIn, oneOf, PROJECT } from "./schema";

const key = (name: string) => `${PROJECT}:${name}`;

export const tammaSection = section(
  {
    tammaNatGateways: {
      type: "string",
      description:
        "NAT gateways of the Tamma VPC: Single (one, cheapest) or OnePerAz (survives an AZ outage).",
      default: "OnePerAz",
      schema: oneOf(["Single", "OnePerAz"]),
    } satisfies KeySpec<NatMode>,
    tammaInterfaceEndpoints: {
      type: "boolean",
      description:
        "Create interface VPC endpoints (ECR API, ECR registry, CloudWatch Logs) so image pulls and logs skip the NAT.",
      default: true,
      schema: z.boolean(),
    } satisfies KeySpec<boolean>,
    tammaQueueType: {
      type: "string",
      description:
        "Jobs queue type: fifo (new stacks; producers send a MessageGroupId) or standard (adopts the old Terraform queue).",
      default: "fifo",
      schema: oneOf(["fifo", "standard"]),
    } satisfies KeySpec<QueueType>,
    tammaCorsOrigins: {
      type: "array",
      description:
        "Browser origins allowed to PUT to the raw bucket and GET from both buckets through presigned URLs.",
      schema: z.array(corsOrigin).min(1, "at least one origin"),
    } satisfies KeySpec<string[]>,
    tammaWorkerCpu: {
      type: "integer",
      description: "CPU units of the audio-clean Fargate task (256, 512, 1024, 2048, 4096, 8192 or 16384).",
      default: 1024,
      schema: intIn(256, 16384),
    } satisfies KeySpec<number>,
    tammaWorkerMemory: {
      type: "integer",
      description: "Memory (MiB) of the audio-clean Fargate task; must be a valid pair with tammaWorkerCpu.",
      default: 2048,
      schema: intIn(512, 122880),
    } satisfies KeySpec<number>,
    tammaCapacityStrategy: {
      type: "string",
      description:
        "Default capacity-provider strategy of the cluster: FARGATE, FARGATE_SPOT or MIXED (first task on demand, then 1 in 4).",
      default: "FARGATE",
      schema: oneOf(["FARGATE", "FARGATE_SPOT", "MIXED"]),
    } satisfies KeySpec<CapacityMode>,
    tammaTriggerBatchSize: {
      type: "integer",
      description: "Jobs per trigger invocation (1-10); each job starts one task.",
      default: 10,
      schema: intIn(1, 10),
    } satisfies KeySpec<number>,
    tammaTriggerBatchWindowSeconds: {
      type: "integer",
      description: "Seconds the trigger waits to fill a batch (standard queue only; FIFO needs 0).",
      default: 0,
      schema: intIn(0, 300),
    } satisfies KeySpec<number>,
    tammaTriggerTimeoutSeconds: {
      type: "integer",
      description:
        "Timeout of the trigger Lambda in seconds; 6 x it + the batch window must fit the 900 s visibility timeout.",
      default: 30,
      schema: intIn(3, 900),
    } satisfies KeySpec<number>,
    tammaGpuEnabled: {
      type: "boolean",
      description:
        "Create the GPU Auto Scaling group (desired 0) and add its capacity provider to the cluster.",
      default: false,
      schema: z.boolean(),
    } satisfies KeySpec<boolean>,
    tammaGpuMaxSize: {
      type: "integer",
      description: "Maximum number of GPU instances the capacity provider may scale to.",
      default: 2,
      schema: intIn(1, 20),
    } satisfies KeySpec<number>,
    tammaGpuInstanceType: {
      type: "string",
      description: "EC2 instance type of the GPU group (an NVIDIA g or p type).",
      default: "g5.xlarge",
      schema: z.string().regex(GPU_INSTANCE_TYPE, "an NVIDIA GPU instance type such as g5.xlarge"),
    } satisfies KeySpec<string>,
    tammaAlarmTopicArn: {
      type: "string",
      optional: true,
      description:
        "SNS topic the dead-letter-queue alarm notifies (optional; without it the stack creates tamma-<stack>-alarms).",
      schema: z
        .string()
        .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, "an SNS topic ARN"),
    } satisfies KeySpec<string>,
    tammaAlarmEmail: {
      type: "string",
      optional: true,
      description:
        "E-mail address subscribed to the alarm topic the stack creates (AWS mails a confirmation link first).",
      schema: z.email({ message: "an e-mail address" }),
    } satisfies KeySpec<string>,
    tammaSupabaseUrl: {
      type: "string",
      description:
        "Supabase project URL the worker updates jobs through (stored as SSM String /tamma/<stack>/supabase_url).",
      schema: z
        .string()
        .regex(/^https:\/\/[A-Za-z0-9.-]+(:\d+)?\/?$/, 'an https origin such as "https://<ref>.supabase.co"'),
    } satisfies KeySpec<string>,
    tammaSupabaseServiceKey: {
      type: "string",
      secret: true,
      description:
        "Supabase service-role key (stored as SSM SecureString /tamma/<stack>/supabase_service_key).",
      schema: z.string().min(20, "at least 20 characters (a Supabase service-role key)"),
    } satisfies KeySpec<string> & { secret: true },
  },
  (v) => {
    const issues: ConfigIssue[] = [];
    const size = checkFargateSize(v.tammaWorkerCpu, v.tammaWorkerMemory);
    if (size) {
      issues.push({
        key: key("tammaWorkerMemory"),
        problem: `got cpu ${v.tammaWorkerCpu} / memory ${v.tammaWorkerMemory}`,
        rule: size,
      });
    }
    const timing = checkVisibilityVsTimeout(
      VISIBILITY_TIMEOUT_SECONDS,
      v.tammaTriggerTimeoutSeconds,
      v.tammaTriggerBatchWindowSeconds,
    );
    if (timing) {
      issues.push({
        key: key("tammaTriggerTimeoutSeconds"),
        problem: `got ${v.tammaTriggerTimeoutSeconds}`,
        rule: timing,
      });
    }
    for (const rule of checkBatching(
      v.tammaQueueType,
      v.tammaTriggerBatchSize,
      v.tammaTriggerBatchWindowSeconds,
    )) {
      issues.push({
        key: key("tammaTriggerBatchWindowSeconds"),
        problem: `got ${v.tammaTriggerBatchWindowSeconds} with a ${v.tammaQueueType} queue`,
        rule,
      });
    }
    if (v.tammaAlarmEmail && v.tammaAlarmTopicArn) {
      issues.push({
        key: key("tammaAlarmEmail"),
        problem: "is set together with tammaAlarmTopicArn",
        rule: "subscribe the address to your own topic, or drop tammaAlarmTopicArn to use the stack's topic",
      });
    }
    return issues;
  },
);
