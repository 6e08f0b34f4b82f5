/**
 * How each stack of ai-platform is delivered: one typed table, and the pure functions that turn a row into
 * Pulumi Deployments settings, an AWS trust policy, an IAM policy and an ESC environment. The deploy program
 * (index.ts) and the tests read only this module, so there are no per-stack copies.
 */
import { SYSTEMS, SYSTEM_PREFIX } from "../lib/naming";

export const PROJECT = "ai-platform";
export const STACK_NAMES = ["dev", "stage", "prod"] as const;
export type StackName = (typeof STACK_NAMES)[number];

export const PULUMI_OIDC_URL = "https://api.pulumi.com/oidc";
export const PULUMI_OIDC_HOST = "api.pulumi.com/oidc";

/** One row of the delivery table. */
export interface StackDelivery {
  /** Branch whose pushes run `pulumi up` for the stack. */
  branch: string;
  /** Push-to-deploy. */
  deployCommits: boolean;
  /** `pulumi preview` on pull requests against the branch, with a PR comment. */
  previewPullRequests: boolean;
  /** A review stack per pull request, made from this stack's settings (`pullRequestTemplate`). */
  reviewStacks: boolean;
}

/** The defaults; the deploy stack's `stacks` config may override fields per stack. */
export const DELIVERY: Record<StackName, StackDelivery> = {
  dev: { branch: "main", deployCommits: true, previewPullRequests: true, reviewStacks: true },
  stage: { branch: "release", deployCommits: true, previewPullRequests: true, reviewStacks: false },
  prod: { branch: "production", deployCommits: true, previewPullRequests: true, reviewStacks: false },
};

/** Files of the repository that change what a stack deploys (globs match whole paths from the root). */
export const PROGRAM_PATHS = [
  "index.ts",
  "Pulumi.yaml",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "config/**",
  "components/**",
  "providers/**",
  "functions/**",
  "lib/**",
  "policy/**",
];

/**
 * Path filters of a stack: the program's files and its own stack file, never docs. Excludes always win, so a
 * README change never deploys even inside an included folder.
 */
export function pathFilters(stack: StackName): string[] {
  return [...PROGRAM_PATHS, `Pulumi.${stack}.yaml`, "!**/*.md", "!docs/**"];
}

/** The OIDC subject of a Pulumi Deployments run of `stack` (any operation). */
export function deploymentsSubject(org: string, stack: string): string {
  return `pulumi:deploy:org:${org}:project:${PROJECT}:stack:${stack}:operation:*:scope:write`;
}

/** The ESC environment of a stack and its OIDC subject/audience (ESC audiences are `aws:<org>`). */
export function escEnvironment(stack: string): string {
  return `${PROJECT}/${stack}`;
}
export function escSubject(org: string, stack: string): string {
  return `pulumi:environments:org:${org}:env:${escEnvironment(stack)}`;
}

/**
 * The trust policy of a stack's deploy role: only Pulumi's OIDC provider, only this organisation as audience,
 * and only this project and stack as subject (the operation is the one wildcard).
 */
export function trustPolicy(args: { providerArn: string; org: string; stack: StackName; esc: boolean }) {
  const statement = (sid: string, aud: string, sub: string) => ({
    Sid: sid,
    Effect: "Allow",
    Principal: { Federated: args.providerArn },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: sub.includes("*")
      ? {
          StringEquals: { [`${PULUMI_OIDC_HOST}:aud`]: aud },
          StringLike: { [`${PULUMI_OIDC_HOST}:sub`]: sub },
        }
      : { StringEquals: { [`${PULUMI_OIDC_HOST}:aud`]: aud, [`${PULUMI_OIDC_HOST}:sub`]: sub } },
  });
  const statements = [statement("PulumiDeployments", args.org, deploymentsSubject(args.org, args.stack))];
  if (args.esc) statements.push(statement("PulumiEsc", `aws:${args.org}`, escSubject(args.org, args.stack)));
  return { Version: "2012-10-17", Statement: statements };
}

/** IAM actions the program needs on its own roles, users, policies and instance profiles. */
export const IAM_ACTIONS = [
  "iam:GetRole",
  "iam:CreateRole",
  "iam:DeleteRole",
  "iam:UpdateRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:PassRole",
  "iam:GetRolePolicy",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:ListRolePolicies",
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
  "iam:ListAttachedRolePolicies",
  "iam:ListInstanceProfilesForRole",
  "iam:GetInstanceProfile",
  "iam:CreateInstanceProfile",
  "iam:DeleteInstanceProfile",
  "iam:AddRoleToInstanceProfile",
  "iam:RemoveRoleFromInstanceProfile",
  "iam:TagInstanceProfile",
  "iam:GetUser",
  "iam:CreateUser",
  "iam:DeleteUser",
  "iam:TagUser",
  "iam:UntagUser",
  "iam:GetUserPolicy",
  "iam:PutUserPolicy",
  "iam:DeleteUserPolicy",
  "iam:ListUserPolicies",
  "iam:ListAttachedUserPolicies",
  "iam:ListGroupsForUser",
  "iam:CreateAccessKey",
  "iam:DeleteAccessKey",
  "iam:ListAccessKeys",
  "iam:GetPolicy",
  "iam:GetPolicyVersion",
  "iam:ListPolicyVersions",
  "iam:CreatePolicy",
  "iam:CreatePolicyVersion",
  "iam:DeletePolicyVersion",
  "iam:DeletePolicy",
  "iam:TagPolicy",
];

/**
 * The IAM permissions a stack's deploy role needs beyond the managed policies (PowerUserAccess has no IAM):
 * IAM actions only on names that start with one of the stack's system prefixes, plus service-linked roles.
 */
export function deployerIamPolicy(stack: StackName, accountId: string) {
  const prefixes = SYSTEMS.map((s) => `${SYSTEM_PREFIX[s]}-${stack}`);
  const resources = prefixes.flatMap((p) =>
    ["role", "user", "policy", "instance-profile"].map((kind) => `arn:aws:iam::${accountId}:${kind}/${p}*`),
  );
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ManageOwnIam", Effect: "Allow", Action: IAM_ACTIONS, Resource: resources },
      {
        Sid: "ServiceLinkedRoles",
        Effect: "Allow",
        Action: ["iam:CreateServiceLinkedRole"],
        Resource: `arn:aws:iam::${accountId}:role/aws-service-role/*`,
      },
    ],
  };
}

/** The ESC environment document of a stack: OIDC login to its deploy role, exported to the CLI and providers. */
export function escDocument(args: {
  roleArn: string;
  stack: string;
  region: string;
}): Record<string, unknown> {
  return {
    values: {
      aws: {
        login: {
          "fn::open::aws-login": {
            oidc: { roleArn: args.roleArn, sessionName: `${PROJECT}-${args.stack}-esc`, duration: "1h" },
          },
        },
      },
      environmentVariables: {
        AWS_ACCESS_KEY_ID: "${aws.login.accessKeyId}",
        AWS_SECRET_ACCESS_KEY: "${aws.login.secretAccessKey}",
        AWS_SESSION_TOKEN: "${aws.login.sessionToken}",
        AWS_REGION: args.region,
      },
    },
  };
}
