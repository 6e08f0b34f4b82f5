/**
 * Settings every stack has, whatever systems it enables.
 */
import { z } from "zod";
import { SYSTEMS, SystemName } from "../lib/naming";
import { AWS_REGIONS } from "./regions";
import { KeySpec, logRetention, oneOf } from "./schema";

// The code must exist (the pinned AWS provider's list); whether this program supports it is checked with the
// enabled systems in `parseConfig` (config/regions.ts).
const region = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'an AWS region code such as "us-east-1"')
  .refine((r) => AWS_REGIONS.includes(r), {
    message: 'a region code the AWS provider knows, such as "us-east-1"',
  });

const systems = z
  .array(oneOf(SYSTEMS), {
    message: `a list of system names (${SYSTEMS.join(", ")})`,
  })
  .refine((list) => new Set(list).size === list.length, { message: "each system listed once" });

export const coreKeys = {
  region: {
    namespace: "aws",
    type: "string",
    description: "AWS region of the stack (the AWS provider's own key).",
    schema: region,
  } satisfies KeySpec<string>,
  systems: {
    type: "array",
    description: `Systems this stack deploys: any of ${SYSTEMS.join(", ")}.`,
    default: [] as SystemName[],
    schema: systems,
  } satisfies KeySpec<SystemName[]>,
  logLevel: {
    type: "string",
    description: "Log level of every Lambda function and container (DEBUG, INFO, WARN, ERROR).",
    default: "INFO" as const,
    schema: oneOf(["DEBUG", "INFO", "WARN", "ERROR"]),
  } satisfies KeySpec<"DEBUG" | "INFO" | "WARN" | "ERROR">,
  logRetentionDays: {
    type: "integer",
    description: "Retention of every CloudWatch log group the program creates, in days.",
    default: 14,
    schema: logRetention,
  } satisfies KeySpec<number>,
  protect: {
    type: "boolean",
    description: "Protect stateful resources (tables, buckets, queues) from deletion by Pulumi.",
    default: false,
    schema: z.boolean(),
  } satisfies KeySpec<boolean>,
  iamBoundary: {
    type: "boolean",
    description:
      "Set the stack's permissions boundary (ai-platform-<stack>-boundary, made by the deploy project) on every IAM role and user; the deploy roles may only create roles that carry it.",
    default: true,
    schema: z.boolean(),
  } satisfies KeySpec<boolean>,
  iamBoundaryArn: {
    type: "string",
    optional: true,
    description:
      "A boundary of your own instead of ai-platform-<stack>-boundary (the deploy project's permissionsBoundaryArn).",
    schema: z.string().regex(/^arn:aws:iam::\d{12}:policy\/.+$/, "an IAM policy ARN"),
  } satisfies KeySpec<string>,
};
