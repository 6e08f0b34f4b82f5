/**
 * Pure decisions of the AgentCore runtimes, tested without the engine: the runtime names (AgentCore's
 * strict pattern), the IAM resources of the configured model, and the runtime role's statements.
 */
import { fitName, NAME_RULES, shortHash } from "../../lib/naming";

export const AGENT_NAMES = ["researcher", "analyst", "writer"] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

/**
 * `agent_orchestration_<stack>_<agent>`: AgentCore runtime names allow only letters, digits and `_`
 * (`^[a-zA-Z][a-zA-Z0-9_]{0,47}$`), so the seed prefix's `-` become `_`. A name over 48 characters keeps
 * its start and the agent and gets an `_<hash>` of the full name, so two stacks never share a name.
 */
export function agentRuntimeName(stack: string, agent: AgentName): string {
  const full = `agent_orchestration_${stack}_${agent}`.replace(/-/g, "_");
  const max = NAME_RULES.agentRuntime.max;
  if (full.length <= max) return fitName("agentRuntime", full);
  const tail = `_${agent}_${shortHash(full, 6)}`;
  return fitName("agentRuntime", `${full.slice(0, max - tail.length).replace(/_+$/, "")}${tail}`);
}

/** Geographic prefixes of system-defined cross-region inference profiles. */
const PROFILE_PREFIX = /^(us|eu|apac|us-gov|jp|au|ca|global)\.(.+)$/;

/**
 * The IAM resources `bedrock:InvokeModel` needs for one configured model, and nothing wider:
 * - a foundation model id → that model in the stack's region;
 * - a cross-region inference profile id (`us.`, `eu.`, `global.`...) → the profile in this account, plus the
 *   same foundation model in the regions the profile routes to (`*`; `global.` also needs the region-less ARN);
 * - an ARN → the ARN itself (and, for a foundation-model ARN, nothing else).
 */
export function modelResources(modelId: string, region: string, account: string): string[] {
  if (modelId.startsWith("arn:")) {
    const profile = /^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:inference-profile\/(.+)$/.exec(modelId);
    const base = profile ? PROFILE_PREFIX.exec(profile[1])?.[2] : undefined;
    return base ? [modelId, `arn:aws:bedrock:*::foundation-model/${base}`] : [modelId];
  }
  const m = PROFILE_PREFIX.exec(modelId);
  if (!m) return [`arn:aws:bedrock:${region}::foundation-model/${modelId}`];
  const resources = [
    `arn:aws:bedrock:${region}:${account}:inference-profile/${modelId}`,
    `arn:aws:bedrock:*::foundation-model/${m[2]}`,
  ];
  if (m[1] === "global") resources.push(`arn:aws:bedrock:::foundation-model/${m[2]}`);
  return resources;
}

export interface RuntimeStatementInputs {
  modelResources: string[];
  artifactsBucketArn: string;
  repositoryArn: string;
  region: string;
  account: string;
  runtimeName: string;
}

/** The runtime role's inline policy: the model, the artifacts prefix, its own image, its own logs. */
export function runtimeStatements(i: RuntimeStatementInputs): Array<{
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
}> {
  const logGroups = `arn:aws:logs:${i.region}:${i.account}:log-group:/aws/bedrock-agentcore/runtimes/${i.runtimeName}-*`;
  return [
    {
      Sid: "InvokeConfiguredModel",
      Effect: "Allow",
      Action: ["bedrock:InvokeModel"],
      Resource: i.modelResources,
    },
    {
      Sid: "ArtifactObjects",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: `${i.artifactsBucketArn}/artifacts/*`,
    },
    {
      Sid: "PullOwnImage",
      Effect: "Allow",
      Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
      Resource: i.repositoryArn,
    },
    // GetAuthorizationToken has no resource-level permissions: AWS requires "*".
    { Sid: "EcrAuthToken", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
    {
      Sid: "RuntimeLogGroup",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:DescribeLogStreams"],
      Resource: logGroups,
    },
    {
      Sid: "RuntimeLogStreams",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${logGroups}:log-stream:*`,
    },
    {
      // DescribeLogGroups has no resource-level permissions (IAM's action data lists no resource type), so a
      // log-group ARN here never matches the request and AgentCore's call is denied: it must be "*".
      Sid: "DescribeLogGroups",
      Effect: "Allow",
      Action: ["logs:DescribeLogGroups"],
      Resource: "*",
    },
  ];
}

/** Trust policy: only AgentCore, only for runtimes of this account and region (confused-deputy guard). */
export function runtimeTrustPolicy(region: string, account: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "bedrock-agentcore.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": account },
          ArnLike: { "aws:SourceArn": `arn:aws:bedrock-agentcore:${region}:${account}:*` },
        },
      },
    ],
  });
}
