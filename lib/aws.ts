/**
 * AWS building blocks shared by the components: the tagged provider of a system, IAM policy documents, and a
 * Node.js Lambda function with its own log group and least-privilege role.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { boundaryArn } from "./boundary";
import { lambdaArchive, BundleOptions } from "./bundle";
import { Names, SystemName, defaultTags, fitName } from "./naming";

/**
 * The AWS provider of one system: the stack's region and the default tags (project, stack, system,
 * managed-by) that every resource of the system carries. Pass it to the system's component through
 * `providers`; it flows to every child.
 */
export function awsProvider(
  system: SystemName,
  args: { project: string; stack: string; region: string },
  opts?: pulumi.CustomResourceOptions,
): aws.Provider {
  return new aws.Provider(
    `aws-${system}`,
    {
      region: args.region as aws.Region,
      defaultTags: { tags: defaultTags(args.project, args.stack, system) },
    },
    opts,
  );
}

/** Types that take a permissions boundary. */
const BOUNDED_TYPES = new Set(["aws:iam/role:Role", "aws:iam/user:User"]);

/**
 * A transformation that sets `boundary` as the permissions boundary of every IAM role and user of a component
 * (pass it in the component's `transformations`): the deploy roles may only create roles that carry it.
 */
export function boundaryTransformation(boundary: pulumi.Input<string>): pulumi.ResourceTransformation {
  return (args) =>
    BOUNDED_TYPES.has(args.type) && !args.props.permissionsBoundary
      ? { props: { ...args.props, permissionsBoundary: boundary }, opts: args.opts }
      : undefined;
}

/** The ARN of the boundary the deploy project creates for `stack`, in the provider's account. */
export function stackBoundaryArn(stack: string, provider: aws.Provider): pulumi.Output<string> {
  return aws.getCallerIdentityOutput({}, { provider }).accountId.apply((a) => boundaryArn(stack, a));
}

/** One IAM policy statement. `Action` is always explicit: the policy rules reject `*`. */
export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  /** Resource policies only (bucket, topic policies). */
  Principal?: string | Record<string, string | string[]>;
  Action: string | string[];
  Resource: pulumi.Input<string> | pulumi.Input<string>[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** A policy document as a JSON string Output (resolves the Outputs inside the statements). */
export function policyDocument(statements: Statement[]): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/** An ECR lifecycle policy that keeps the newest `count` images of any tag and expires the rest. */
export function keepLastImagesPolicy(count: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `Keep last ${count} images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: count },
        action: { type: "expire" },
      },
    ],
  });
}

/** The trust policy that lets an AWS service assume a role. */
export function assumeRolePolicy(service: string | string[]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}

export interface NodeFunctionArgs {
  /** Physical function name (from `Names`). */
  functionName: string;
  /** Folder under `functions/` bundled as the code. */
  source: string;
  bundle?: BundleOptions;
  /** Statements of the function's own inline policy; writing to its log group is added. */
  statements: Statement[];
  environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** @default 256 */
  memorySize?: number;
  /** Seconds. @default 10 */
  timeout?: number;
  logRetentionDays: number;
  logLevel: "DEBUG" | "INFO" | "WARN" | "ERROR";
  /** @default false */
  tracing?: boolean;
  layers?: pulumi.Input<string>[];
  /** Extra Function arguments (e.g. `durableConfig`). */
  extra?: Partial<aws.lambda.FunctionArgs>;
}

export interface NodeFunction {
  fn: aws.lambda.Function;
  role: aws.iam.Role;
  logGroup: aws.cloudwatch.LogGroup;
}

/**
 * A Node.js 22 arm64 Lambda function built from `functions/<source>`, with its own log group (explicit
 * retention, JSON logs at the stack's level) and a role that may write only to that group plus `statements`.
 * Children are named `${name}-logs`, `${name}-role`, `${name}-policy` and `${name}`.
 */
export function nodeFunction(name: string, args: NodeFunctionArgs, parent: pulumi.Resource): NodeFunction {
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-logs`,
    { name: Names.lambdaLogGroup(args.functionName), retentionInDays: args.logRetentionDays },
    { parent },
  );
  const role = new aws.iam.Role(
    `${name}-role`,
    { name: args.functionName, assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com") },
    { parent },
  );
  const statements: Statement[] = [
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: pulumi.interpolate`${logGroup.arn}:*`,
    },
    ...args.statements,
  ];
  if (args.tracing) {
    statements.push({
      Sid: "XRay",
      Effect: "Allow",
      Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
      Resource: "*",
    });
  }
  const policy = new aws.iam.RolePolicy(
    `${name}-policy`,
    {
      role: role.id,
      name: fitName("iamPolicy", `${args.functionName}-policy`),
      policy: policyDocument(statements),
    },
    { parent },
  );
  const fn = new aws.lambda.Function(
    name,
    {
      name: args.functionName,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      code: lambdaArchive(args.source, args.bundle),
      role: role.arn,
      memorySize: args.memorySize ?? 256,
      timeout: args.timeout ?? 10,
      layers: args.layers,
      environment: {
        variables: pulumi
          .output(args.environment ?? {})
          .apply((vars) => ({ NODE_OPTIONS: "--enable-source-maps", ...vars })),
      },
      loggingConfig: {
        logFormat: "JSON",
        logGroup: logGroup.name,
        applicationLogLevel: args.logLevel,
        systemLogLevel: args.logLevel === "DEBUG" ? "DEBUG" : "WARN",
      },
      tracingConfig: args.tracing ? { mode: "Active" } : undefined,
      ...args.extra,
    },
    { parent, dependsOn: [logGroup, policy] },
  );
  return { fn, role, logGroup };
}
