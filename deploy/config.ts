/**
 * The deploy project's config, read with the same loader machinery as the main program.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { readSection } from "../config";
import { ConfigError, ConfigIssue, KeySpec } from "../config/schema";
import { DELIVERY, STACK_NAMES, StackDelivery, StackName } from "./stacks";

const NS = "ai-platform-deploy";

const overrides = z.partialRecord(
  z.enum(STACK_NAMES, { message: `a stack name (${STACK_NAMES.join(", ")})` }),
  z
    .object({
      branch: z
        .string()
        .regex(/^[A-Za-z0-9._/-]+$/, "a git branch name")
        .optional(),
      deployCommits: z.boolean({ message: "true or false" }).optional(),
      previewPullRequests: z.boolean({ message: "true or false" }).optional(),
      reviewStacks: z.boolean({ message: "true or false" }).optional(),
    })
    .strict(),
);

export const deployKeys = {
  organization: {
    namespace: NS,
    type: "string",
    description: "Pulumi organization that owns the ai-platform stacks (lowercase, as in the OIDC audience).",
    schema: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, "a lowercase Pulumi organization name"),
  } satisfies KeySpec<string>,
  repository: {
    namespace: NS,
    type: "string",
    description: "GitHub repository of the program, owner/name.",
    schema: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'a GitHub "owner/name"'),
  } satisfies KeySpec<string>,
  existingOidcProviderArn: {
    namespace: NS,
    type: "string",
    optional: true,
    description:
      "ARN of an existing https://api.pulumi.com/oidc provider in the account (adopted instead of created).",
    schema: z
      .string()
      .regex(
        /^arn:aws:iam::\d{12}:oidc-provider\/api\.pulumi\.com\/oidc$/,
        "an IAM OIDC provider ARN for api.pulumi.com/oidc",
      ),
  } satisfies KeySpec<string>,
  managedPolicyArns: {
    namespace: NS,
    type: "array",
    description:
      "Managed policies attached to every deploy role (IAM rights come from a scoped policy of ours).",
    default: ["arn:aws:iam::aws:policy/PowerUserAccess"],
    schema: z.array(z.string().regex(/^arn:aws:iam::(aws|\d{12}):policy\/.+$/, "an IAM policy ARN")),
  } satisfies KeySpec<string[]>,
  permissionsBoundaryArn: {
    namespace: NS,
    type: "string",
    optional: true,
    description:
      "Your own permissions boundary for the deploy roles and the program's roles, instead of the one iamBoundary creates.",
    schema: z.string().regex(/^arn:aws:iam::(aws|\d{12}):policy\/.+$/, "an IAM policy ARN"),
  } satisfies KeySpec<string>,
  iamBoundary: {
    namespace: NS,
    type: "boolean",
    description:
      "Create a permissions boundary per stack (ai-platform-<stack>-boundary), set it on the stack's roles and only let them create roles that carry it.",
    default: true,
    schema: z.boolean(),
  } satisfies KeySpec<boolean>,
  previewPolicyArns: {
    namespace: NS,
    type: "array",
    description: "Managed policies of the read-only preview role of every stack.",
    default: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    schema: z.array(z.string().regex(/^arn:aws:iam::(aws|\d{12}):policy\/.+$/, "an IAM policy ARN")),
  } satisfies KeySpec<string[]>,
  githubOidcProviderArn: {
    namespace: NS,
    type: "string",
    optional: true,
    description:
      "ARN of the account's token.actions.githubusercontent.com OIDC provider: the preview roles then trust the repository's pull-request runs.",
    schema: z
      .string()
      .regex(
        /^arn:aws:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/,
        "an IAM OIDC provider ARN for token.actions.githubusercontent.com",
      ),
  } satisfies KeySpec<string>,
  executorImage: {
    namespace: NS,
    type: "string",
    description: "Deployments executor image; Node 22 because @pulumi/pulumi >= 3.249 requires it.",
    default: "pulumi/pulumi-nodejs-22:latest",
    schema: z.string().min(1, "an image reference"),
  } satisfies KeySpec<string>,
  esc: {
    namespace: NS,
    type: "boolean",
    description: "Also create one ESC environment per stack (fn::open::aws-login) and trust it in the roles.",
    default: false,
    schema: z.boolean(),
  } satisfies KeySpec<boolean>,
  stacks: {
    namespace: NS,
    type: "object",
    description:
      "Per-stack overrides of the delivery table (branch, deployCommits, previewPullRequests, reviewStacks).",
    default: {},
    schema: overrides,
  } satisfies KeySpec<Partial<Record<StackName, Partial<StackDelivery>>>>,
};

export interface DeployConfig {
  organization: string;
  repository: string;
  existingOidcProviderArn?: string;
  managedPolicyArns: string[];
  permissionsBoundaryArn?: string;
  iamBoundary: boolean;
  previewPolicyArns: string[];
  githubOidcProviderArn?: string;
  executorImage: string;
  esc: boolean;
  region: string;
  delivery: Record<StackName, StackDelivery>;
}

/** Pure: raw config to the deploy config, or a ConfigError naming each bad key. */
export function parseDeployConfig(raw: Record<string, string>): DeployConfig {
  const issues: ConfigIssue[] = [];
  const v = readSection(deployKeys, raw, { stack: "platform", implemented: [] }, issues);
  const region = raw["aws:region"];
  if (!region)
    issues.push({
      key: "aws:region",
      problem: "is missing",
      rule: 'required: set it with "pulumi config set aws:region <region>"',
    });
  if (v.managedPolicyArns?.some((a) => a.endsWith(":policy/AdministratorAccess"))) {
    issues.push({
      key: `${NS}:managedPolicyArns`,
      problem: "includes AdministratorAccess",
      rule: "least privilege: PowerUserAccess plus the scoped IAM policy, or your own policies with a boundary",
    });
  }
  const delivery = Object.fromEntries(
    Object.entries(DELIVERY).map(([s, row]) => [
      s,
      {
        ...row,
        ...(((v.stacks ?? {}) as Partial<Record<StackName, Partial<StackDelivery>>>)[s as StackName] ?? {}),
      },
    ]),
  ) as Record<StackName, StackDelivery>;
  for (const [stack, row] of Object.entries(delivery)) {
    if (row.deployCommits && row.previewPullRequests)
      issues.push({
        key: `${NS}:stacks`,
        problem: `${stack} has both deployCommits and previewPullRequests`,
        rule: "Deployments uses one role per stack, so pull-request code would run with the write role: preview pull requests with the GitHub workflow (read-only role), or turn deployCommits off for that stack",
      });
  }
  if (issues.length) throw new ConfigError(issues, "platform");
  return {
    organization: v.organization,
    repository: v.repository,
    existingOidcProviderArn: v.existingOidcProviderArn,
    managedPolicyArns: v.managedPolicyArns,
    permissionsBoundaryArn: v.permissionsBoundaryArn,
    iamBoundary: v.iamBoundary,
    previewPolicyArns: v.previewPolicyArns,
    githubOidcProviderArn: v.githubOidcProviderArn,
    executorImage: v.executorImage,
    esc: v.esc,
    region: region!,
    delivery,
  };
}

export function loadDeployConfig(): DeployConfig {
  return parseDeployConfig(pulumi.runtime.allConfig());
}
