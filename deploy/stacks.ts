/**
 * How each stack of ai-platform is delivered: one typed table, and the pure functions that turn a row into
 * Pulumi Deployments settings, an AWS trust policy, an IAM policy and an ESC environment. The deploy program
 * (index.ts) and the tests read only this module, so there are no per-stack copies.
 */
import { PASS_ROLE_SERVICES, attachablePolicies, stackIamResources } from "../lib/boundary";

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
  /**
   * `pulumi preview` on pull requests against the branch, with a PR comment, run by Deployments. Deployments
   * holds one role per stack, so this is only allowed on a stack that does not also deploy commits (its role
   * is then the read-only one); pull requests of deploying stacks are previewed by the GitHub workflow.
   */
  previewPullRequests: boolean;
  /** A review stack per pull request, made from this stack's settings (`pullRequestTemplate`). */
  reviewStacks: boolean;
}

/** The defaults; the deploy stack's `stacks` config may override fields per stack. */
export const DELIVERY: Record<StackName, StackDelivery> = {
  dev: { branch: "main", deployCommits: true, previewPullRequests: false, reviewStacks: true },
  stage: { branch: "release", deployCommits: true, previewPullRequests: false, reviewStacks: false },
  prod: { branch: "production", deployCommits: true, previewPullRequests: false, reviewStacks: false },
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

/** Deployments operations that change a stack (the write role's); `preview` is the read-only role's. */
export const WRITE_OPERATIONS = ["update", "refresh", "destroy"] as const;
export const READ_OPERATIONS = ["preview"] as const;
export type DeploymentOperation = (typeof WRITE_OPERATIONS)[number] | (typeof READ_OPERATIONS)[number];

/** The OIDC subject of a Pulumi Deployments run of `stack` (one operation, or `*` for any). */
export function deploymentsSubject(
  org: string,
  stack: string,
  operation: DeploymentOperation | "*" = "*",
): string {
  return `pulumi:deploy:org:${org}:project:${PROJECT}:stack:${stack}:operation:${operation}:scope:write`;
}

/** The two roles of a stack: `write` deploys (push to the branch), `read` previews (pull requests). */
export type RoleKind = "write" | "read";
export function roleName(stack: StackName, kind: RoleKind): string {
  return `${PROJECT}-${stack}-${kind === "write" ? "deploy" : "preview"}`;
}

/** The ESC environment of a stack and its OIDC subject/audience (ESC audiences are `aws:<org>`). */
export function escEnvironment(stack: string): string {
  return `${PROJECT}/${stack}`;
}
export function escSubject(org: string, stack: string): string {
  return `pulumi:environments:org:${org}:env:${escEnvironment(stack)}`;
}

/**
 * The trust policy of one of a stack's roles: only Pulumi's OIDC provider, only this organisation as audience,
 * only this project and stack, and only the role's own operations as exact subjects (no wildcard): the write
 * role is never assumable by a `preview` (what pull requests run), the read role only by one. With `github`,
 * the read role also trusts the GitHub preview workflow: jobs of the repository in the `<stack>-preview`
 * environment (a job with an environment gets the environment as its OIDC subject).
 */
export function trustPolicy(args: {
  providerArn: string;
  org: string;
  stack: StackName;
  esc: boolean;
  kind?: RoleKind;
  github?: { providerArn: string; repository: string };
}) {
  const kind = args.kind ?? "write";
  const operations = kind === "write" ? WRITE_OPERATIONS : READ_OPERATIONS;
  const subjects = operations.map((op) => deploymentsSubject(args.org, args.stack, op));
  const statement = (sid: string, principal: string, host: string, aud: string, sub: string | string[]) => ({
    Sid: sid,
    Effect: "Allow",
    Principal: { Federated: principal },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: { StringEquals: { [`${host}:aud`]: aud, [`${host}:sub`]: sub } },
  });
  const statements = [
    statement(
      "PulumiDeployments",
      args.providerArn,
      PULUMI_OIDC_HOST,
      args.org,
      subjects.length === 1 ? subjects[0] : subjects,
    ),
  ];
  // ESC opens the environment for any operation, so it is trusted by the write role only.
  if (args.esc && kind === "write")
    statements.push(
      statement(
        "PulumiEsc",
        args.providerArn,
        PULUMI_OIDC_HOST,
        `aws:${args.org}`,
        escSubject(args.org, args.stack),
      ),
    );
  if (args.github && kind === "read")
    statements.push(
      statement(
        "GitHubPullRequests",
        args.github.providerArn,
        GITHUB_OIDC_HOST,
        "sts.amazonaws.com",
        githubPreviewSubject(args.github.repository, args.stack),
      ),
    );
  return { Version: "2012-10-17", Statement: statements };
}

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/** The GitHub environment of a stack's pull-request previews, and its OIDC subject. */
export const githubPreviewEnvironment = (stack: string) => `${stack}-preview`;
export const githubPreviewSubject = (repository: string, stack: string) =>
  `repo:${repository}:environment:${githubPreviewEnvironment(stack)}`;

/** IAM actions the program needs on its own roles, users, policies and instance profiles (unconditioned). */
export const IAM_ACTIONS = [
  "iam:GetRole",
  "iam:DeleteRole",
  "iam:UpdateRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:GetRolePolicy",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:ListRolePolicies",
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

/** Actions that set a boundary: granted only when the request names the stack's boundary. */
export const BOUNDARY_SETTING_ACTIONS = [
  "iam:CreateRole",
  "iam:CreateUser",
  "iam:PutRolePermissionsBoundary",
  "iam:PutUserPermissionsBoundary",
];

/**
 * The IAM permissions a stack's write role needs beyond the managed policies (PowerUserAccess has no IAM):
 * IAM actions only on names that start with one of the stack's system prefixes; creating a role or user (or
 * setting a boundary) only with the stack's boundary (`iam:PermissionsBoundary`, when there is one); PassRole
 * only to the services the program uses (`iam:PassedToService`); AttachRolePolicy only of the
 * boundary-compatible policies (`iam:PolicyARN`); service-linked roles.
 */
export function deployerIamPolicy(stack: StackName, accountId: string, boundary?: string) {
  const resources = stackIamResources(stack, accountId);
  const roles = resources.filter((r) => r.includes(":role/"));
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ManageOwnIam", Effect: "Allow", Action: IAM_ACTIONS, Resource: resources },
      {
        Sid: "CreateWithBoundary",
        Effect: "Allow",
        Action: BOUNDARY_SETTING_ACTIONS,
        Resource: resources.filter((r) => r.includes(":role/") || r.includes(":user/")),
        ...(boundary ? { Condition: { StringEquals: { "iam:PermissionsBoundary": boundary } } } : {}),
      },
      {
        Sid: "PassRoleToProgramServices",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: roles,
        Condition: { StringEquals: { "iam:PassedToService": PASS_ROLE_SERVICES } },
      },
      {
        Sid: "AttachCompatiblePolicies",
        Effect: "Allow",
        Action: ["iam:AttachRolePolicy"],
        Resource: roles,
        Condition: { ArnLike: { "iam:PolicyARN": attachablePolicies(stack, accountId) } },
      },
      {
        Sid: "ServiceLinkedRoles",
        Effect: "Allow",
        Action: ["iam:CreateServiceLinkedRole"],
        Resource: `arn:aws:iam::${accountId}:role/aws-service-role/*`,
      },
    ],
  };
}

/**
 * What the read-only role may not read although ReadOnlyAccess allows it: data (objects, items, parameters,
 * secrets, queue messages). A preview needs resource descriptions, never their contents.
 */
export function previewDenyPolicy() {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "NoDataReads",
        Effect: "Deny",
        Action: [
          "s3:GetObject",
          "s3:GetObjectVersion",
          "dynamodb:GetItem",
          "dynamodb:BatchGetItem",
          "dynamodb:Query",
          "dynamodb:Scan",
          "ssm:GetParameter",
          "ssm:GetParameters",
          "ssm:GetParametersByPath",
          "secretsmanager:GetSecretValue",
          "sqs:ReceiveMessage",
          "kms:Decrypt",
        ],
        Resource: "*",
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
