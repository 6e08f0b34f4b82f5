/**
 * The permissions boundary of a stack: one IAM policy, created by the deploy project (deploy/), set on the
 * stack's deploy roles and on every role and user the program creates. Pure documents only, so the deploy
 * project, the main program, the IAM proof (scripts/iam) and the tests all read the same statements.
 *
 * A boundary caps what an identity policy grants. This one allows everything except the escalation paths:
 * IAM writes outside the stack's name prefixes, editing or removing the boundary, creating a role or user
 * (or setting a boundary) with any other boundary, passing a role to a service the program does not use,
 * and attaching a managed policy that is not one of the program's own or the few AWS ones it uses.
 */
import { SYSTEMS, SYSTEM_PREFIX } from "./naming";

/** The Pulumi project whose stacks the boundary is for. */
export const BOUNDARY_PROJECT = "ai-platform";

/** Services the program passes roles to (Lambda, ECS tasks, the GPU instances' profile, AgentCore). */
export const PASS_ROLE_SERVICES = [
  "lambda.amazonaws.com",
  "ecs-tasks.amazonaws.com",
  "ec2.amazonaws.com",
  "bedrock-agentcore.amazonaws.com",
];

/** AWS managed policies the program may attach to its roles (the GPU instance role uses the first). */
export const AWS_MANAGED_POLICIES = [
  "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
  "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
  "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
];

/** IAM actions that change something (denied outside the stack's names). */
export const IAM_WRITE_ACTIONS = [
  "iam:Add*",
  "iam:Attach*",
  "iam:Change*",
  "iam:Create*",
  "iam:Deactivate*",
  "iam:Delete*",
  "iam:Detach*",
  "iam:Enable*",
  "iam:PassRole",
  "iam:Put*",
  "iam:Remove*",
  "iam:Reset*",
  "iam:Resync*",
  "iam:Set*",
  "iam:Tag*",
  "iam:Untag*",
  "iam:Update*",
  "iam:Upload*",
];

export const boundaryName = (stack: string) => `${BOUNDARY_PROJECT}-${stack}-boundary`;
export const boundaryArn = (stack: string, accountId: string) =>
  `arn:aws:iam::${accountId}:policy/${boundaryName(stack)}`;

/** The name prefixes of a stack's IAM entities: one per system (`tamma-dev`, `agent-orchestration-dev`…). */
export function stackPrefixes(stack: string): string[] {
  return SYSTEMS.map((s) => `${SYSTEM_PREFIX[s]}-${stack}`);
}

/** ARN patterns of the stack's roles, users, policies and instance profiles. */
export function stackIamResources(stack: string, accountId: string): string[] {
  return stackPrefixes(stack).flatMap((p) =>
    ["role", "user", "policy", "instance-profile"].map((kind) => `arn:aws:iam::${accountId}:${kind}/${p}*`),
  );
}

/** Managed policies a role of the stack may have attached: its own customer policies and AWS_MANAGED_POLICIES. */
export function attachablePolicies(stack: string, accountId: string): string[] {
  return [
    ...stackPrefixes(stack).map((p) => `arn:aws:iam::${accountId}:policy/${p}*`),
    ...AWS_MANAGED_POLICIES,
  ];
}

/** The boundary policy document of a stack. `arn` defaults to the one the deploy project creates. */
export function boundaryPolicy(stack: string, accountId: string, arn = boundaryArn(stack, accountId)) {
  return {
    Version: "2012-10-17",
    Statement: [
      // A boundary only caps: what is allowed still needs an identity policy that grants it.
      { Sid: "CapAtIdentityPolicies", Effect: "Allow", Action: "*", Resource: "*" },
      {
        Sid: "DenyIamWritesOutsideStack",
        Effect: "Deny",
        Action: IAM_WRITE_ACTIONS,
        NotResource: [
          ...stackIamResources(stack, accountId),
          `arn:aws:iam::${accountId}:role/aws-service-role/*`,
        ],
      },
      {
        Sid: "DenyBoundaryEdits",
        Effect: "Deny",
        Action: [
          "iam:CreatePolicyVersion",
          "iam:DeletePolicy",
          "iam:DeletePolicyVersion",
          "iam:SetDefaultPolicyVersion",
          "iam:TagPolicy",
          "iam:UntagPolicy",
        ],
        Resource: arn,
      },
      {
        Sid: "DenyBoundaryRemoval",
        Effect: "Deny",
        Action: ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
        Resource: "*",
      },
      {
        Sid: "CreateOnlyWithThisBoundary",
        Effect: "Deny",
        Action: [
          "iam:CreateRole",
          "iam:CreateUser",
          "iam:PutRolePermissionsBoundary",
          "iam:PutUserPermissionsBoundary",
        ],
        Resource: "*",
        Condition: { StringNotEquals: { "iam:PermissionsBoundary": arn } },
      },
      {
        Sid: "PassRoleOnlyToProgramServices",
        Effect: "Deny",
        Action: "iam:PassRole",
        Resource: "*",
        Condition: { StringNotEquals: { "iam:PassedToService": PASS_ROLE_SERVICES } },
      },
      {
        Sid: "AttachOnlyCompatiblePolicies",
        Effect: "Deny",
        Action: ["iam:AttachRolePolicy", "iam:AttachUserPolicy"],
        Resource: "*",
        Condition: { ArnNotLike: { "iam:PolicyARN": attachablePolicies(stack, accountId) } },
      },
    ],
  };
}
