/**
 * Settings of the durable agent orchestration system (`agents`). Names follow the seed's Terraform variables
 * (approval_timeout_hours, workflow_state_retention_days, artifact_retention_days, ...) in camelCase with the
 * `agents` prefix.
 */
import { z } from "zod";
import { section } from "./schema";
import { ConfigIssue, KeySpec, PROJECT, corsOrigin, intIn, oneOf } from "./schema";

/** An AgentCore runtime ARN: `arn:aws:bedrock-agentcore:<region>:<account>:runtime/<name>-<10 chars>`. */
const runtimeArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:\d{12}:runtime\/[A-Za-z][A-Za-z0-9_]{0,47}-[A-Za-z0-9]{10}$/,
    'an AgentCore runtime ARN such as "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/researcher-AbCdE12345"',
  );

const httpsUrl = z
  .string()
  .regex(/^https:\/\/[^\s/]+(\/[^\s]*)?$/, 'an https URL such as "https://issuer.example.com/"');

export const agentsSection = section(
  {
    agentsApprovalTimeoutHours: {
      type: "integer",
      description: "Hours a workflow waits for human approval before it fails (1-168).",
      default: 24,
      schema: intIn(1, 168),
    } satisfies KeySpec<number>,
    agentsWorkflowRetentionDays: {
      type: "integer",
      description: "Days a workflow item is kept after its last change (its DynamoDB ttl).",
      default: 14,
      schema: intIn(1, 3650),
    } satisfies KeySpec<number>,
    agentsDurableRetentionDays: {
      type: "integer",
      description: "Days Lambda keeps a finished durable execution's history (1-90).",
      default: 14,
      schema: intIn(1, 90),
    } satisfies KeySpec<number>,
    agentsArtifactRetentionDays: {
      type: "integer",
      description:
        "Days before artifacts move to STANDARD_IA; GLACIER at twice, expiry at four times this (30-3650).",
      default: 90,
      schema: intIn(30, 3650),
    } satisfies KeySpec<number>,
    agentsArtifactVersioning: {
      type: "boolean",
      description: "Keep object versions in the artifacts bucket.",
      default: true,
      schema: z.boolean(),
    } satisfies KeySpec<boolean>,
    agentsForceDestroy: {
      type: "boolean",
      description: "Let Pulumi delete the artifacts bucket with its objects (dev stacks only).",
      default: false,
      schema: z.boolean(),
    } satisfies KeySpec<boolean>,
    agentsControllerMemory: {
      type: "integer",
      description: "Memory of the durable controller function in MB (128-10240).",
      default: 1024,
      schema: intIn(128, 10240),
    } satisfies KeySpec<number>,
    agentsControllerTimeout: {
      type: "integer",
      description:
        "Timeout of one controller invocation in seconds (60-900); the workflow itself may run for days.",
      default: 900,
      schema: intIn(60, 900),
    } satisfies KeySpec<number>,
    agentsTracing: {
      type: "boolean",
      description: "Active X-Ray tracing on the agent orchestration functions.",
      default: true,
      schema: z.boolean(),
    } satisfies KeySpec<boolean>,
    agentsResearcherRuntimeArn: {
      type: "string",
      description:
        "ARN of the researcher agent's AgentCore runtime, when the runtimes are managed outside this stack.",
      optional: true,
      schema: runtimeArn,
    } satisfies KeySpec<string>,
    agentsAnalystRuntimeArn: {
      type: "string",
      description:
        "ARN of the analyst agent's AgentCore runtime, when the runtimes are managed outside this stack.",
      optional: true,
      schema: runtimeArn,
    } satisfies KeySpec<string>,
    agentsWriterRuntimeArn: {
      type: "string",
      description:
        "ARN of the writer agent's AgentCore runtime, when the runtimes are managed outside this stack.",
      optional: true,
      schema: runtimeArn,
    } satisfies KeySpec<string>,
    agentsModelId: {
      type: "string",
      description:
        "Bedrock model the researcher, analyst and writer agents call with Converse (their roles may invoke only it).",
      default: "anthropic.claude-3-5-sonnet-20241022-v2:0",
      schema: z
        .string()
        .regex(
          /^(arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d{0,12}:[a-z-]+\/)?[a-z0-9.-]+(:\d+)?$/i,
          'a Bedrock model id, inference profile id or ARN, e.g. "anthropic.claude-3-5-sonnet-20241022-v2:0"',
        ),
    } satisfies KeySpec<string>,
    agentsCorsOrigins: {
      type: "array",
      description: 'Origins allowed to call the workflow API from a browser ("*" for any).',
      default: ["*"],
      schema: z.array(corsOrigin).min(1, "at least one origin"),
    } satisfies KeySpec<string[]>,
    agentsApiAuth: {
      type: "string",
      description:
        "How the workflow routes are protected: iam (SigV4-signed callers) or jwt (agentsJwtIssuer and agentsJwtAudience).",
      default: "iam" as const,
      schema: oneOf(["iam", "jwt"]),
    } satisfies KeySpec<"iam" | "jwt">,
    agentsJwtIssuer: {
      type: "string",
      description: "Issuer URL of the JWT authorizer when agentsApiAuth is jwt.",
      optional: true,
      schema: httpsUrl,
    } satisfies KeySpec<string>,
    agentsJwtAudience: {
      type: "array",
      description: "Audiences the JWT authorizer accepts when agentsApiAuth is jwt.",
      optional: true,
      schema: z.array(z.string().min(1, "a non-empty audience")).min(1, "at least one audience"),
    } satisfies KeySpec<string[]>,
  },
  (v): ConfigIssue[] => {
    const issues: ConfigIssue[] = [];
    const arns = [v.agentsResearcherRuntimeArn, v.agentsAnalystRuntimeArn, v.agentsWriterRuntimeArn];
    if (arns.some(Boolean) && !arns.every(Boolean)) {
      issues.push({
        key: `${PROJECT}:agentsResearcherRuntimeArn`,
        problem: "only some of the three runtime ARNs are set",
        rule: "set all three (runtimes managed elsewhere) or none (this stack builds the agents)",
      });
    }
    if (v.agentsApiAuth === "jwt") {
      if (!v.agentsJwtIssuer)
        issues.push({
          key: `${PROJECT}:agentsJwtIssuer`,
          problem: "is missing",
          rule: "required when ai-platform:agentsApiAuth is jwt",
        });
      if (!v.agentsJwtAudience)
        issues.push({
          key: `${PROJECT}:agentsJwtAudience`,
          problem: "is missing",
          rule: "required when ai-platform:agentsApiAuth is jwt",
        });
    }
    return issues;
  },
);
