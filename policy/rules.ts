/**
 * Policy rules as code. The same rule objects are checked by the offline plan and the tests
 * (`policy/evaluate.ts`) and served to `pulumi preview --policy-pack policy/pack` as a @pulumi/policy pack.
 *
 * Each predicate is a plain function exported for unit tests; the rule objects only adapt them to the
 * @pulumi/policy shapes. Values unknown during a real preview (computed ARNs) are skipped, never guessed.
 */
import * as aws from "@pulumi/aws";
import {
  PolicyResource,
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationPolicy,
  validateResourceOfType,
} from "@pulumi/policy";
import { playgroundRules } from "./playground";

import { tammaRules } from "./tamma";

import { agentsRules } from "./agents";

import { hardeningRules } from "./hardening";

export type Rule = ResourceValidationPolicy | StackValidationPolicy;
/* eslint-disable @typescript-eslint/no-explicit-any */
type Props = Record<string, any>;

// ---------------------------------------------------------------------------------------------------------
// Pure predicates
// ---------------------------------------------------------------------------------------------------------

/** Parses a policy document given as JSON text or an object; undefined when unknown or unparsable. */
export function parsePolicyDocument(doc: unknown): { Statement?: any } | undefined {
  if (doc === undefined || doc === null) return undefined;
  if (typeof doc === "string") {
    try {
      return JSON.parse(doc);
    } catch {
      return undefined;
    }
  }
  return typeof doc === "object" ? (doc as { Statement?: any }) : undefined;
}

/** The `Action`s of Allow statements that grant every action (`*`) or every action of a service (`s3:*`). */
export function wildcardActions(doc: unknown): string[] {
  const parsed = parsePolicyDocument(doc);
  if (!parsed?.Statement) return [];
  const statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  const found: string[] = [];
  for (const s of statements) {
    if (s?.Effect !== "Allow") continue;
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
    for (const a of actions)
      if (typeof a === "string" && (a === "*" || /^[a-z0-9-]+:\*$/i.test(a))) found.push(a);
    if (s.NotAction !== undefined) found.push("NotAction");
  }
  return found;
}

const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|APIKEY|PRIVATE_?KEY|SERVICE_?KEY|CREDENTIAL)/i;
const REFERENCE_SUFFIX = /(_ARN|_NAME|_PARAM|_PARAMETER|_SECRET_ID|_ID|_TABLE|_URL|_PATH|_HEADER)$/i;
const SECRET_VALUE = [
  /AKIA[0-9A-Z]{16}/, // AWS access key id
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\bsk-[A-Za-z0-9_-]{20,}/, // OpenAI-style keys
  /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, // JWTs
  /\bgh[pousr]_[A-Za-z0-9]{30,}/, // GitHub tokens
];

/** Names of plaintext environment variables that look like secrets, by name or by value. */
export function secretLookingEnv(env: Record<string, unknown> | undefined): string[] {
  if (!env) return [];
  const found: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== "string" || value === "") continue;
    const byName = SECRET_NAME.test(name) && !REFERENCE_SUFFIX.test(name);
    const byValue = SECRET_VALUE.some((re) => re.test(value));
    if (byName || byValue) found.push(name);
  }
  return found;
}

/** Plaintext `environment` entries of an ECS task definition's container definitions (JSON text or array). */
export function containerEnvironments(containerDefinitions: unknown): Record<string, string> {
  let defs: any = containerDefinitions;
  if (typeof defs === "string") {
    try {
      defs = JSON.parse(defs);
    } catch {
      return {};
    }
  }
  const env: Record<string, string> = {};
  for (const c of Array.isArray(defs) ? defs : []) {
    for (const e of c?.environment ?? []) if (e?.name) env[`${c.name}.${e.name}`] = e.value;
  }
  return env;
}

/** The default tags a system's AWS provider must set. */
export const REQUIRED_TAGS = ["project", "stack", "system", "managed-by"] as const;

/** Tags missing from a provider's `defaultTags`. */
export function missingDefaultTags(providerProps: Props | undefined): string[] {
  let tags = providerProps?.defaultTags?.tags ?? providerProps?.defaultTags;
  if (typeof tags === "string") {
    try {
      tags = JSON.parse(tags).tags;
    } catch {
      tags = undefined;
    }
  }
  return REQUIRED_TAGS.filter((t) => !tags || typeof tags[t] !== "string" || tags[t] === "");
}

/** Whether a resource's `props[key]` refers to `target` (by property dependency, or by value). */
export function refersTo(
  resource: PolicyResource,
  key: string,
  target: PolicyResource,
  targetValue: unknown,
): boolean {
  if ((resource.propertyDependencies?.[key] ?? []).some((d) => d.urn === target.urn)) return true;
  return targetValue !== undefined && resource.props[key] === targetValue;
}

// ---------------------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------------------

export const s3BucketEncryption: StackValidationPolicy = {
  name: "s3-bucket-encryption",
  description: "Every S3 bucket has a server-side encryption configuration.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const configs = args.resources.filter((r) => r.isType(aws.s3.BucketServerSideEncryptionConfiguration));
    for (const bucket of args.resources.filter((r) => r.isType(aws.s3.Bucket))) {
      const ok = configs.some(
        (c) =>
          refersTo(c, "bucket", bucket, bucket.props.bucket) &&
          (c.props.rules ?? []).some((r: Props) => r?.applyServerSideEncryptionByDefault?.sseAlgorithm),
      );
      if (!ok) report(`S3 bucket "${bucket.name}" has no server-side encryption configuration.`, bucket.urn);
    }
  },
};

export const s3PublicAccessBlock: StackValidationPolicy = {
  name: "s3-public-access-block",
  description: "Every S3 bucket blocks public access (all four settings on).",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const blocks = args.resources.filter((r) => r.isType(aws.s3.BucketPublicAccessBlock));
    for (const bucket of args.resources.filter((r) => r.isType(aws.s3.Bucket))) {
      const ok = blocks.some(
        (b) =>
          refersTo(b, "bucket", bucket, bucket.props.bucket) &&
          b.props.blockPublicAcls === true &&
          b.props.blockPublicPolicy === true &&
          b.props.ignorePublicAcls === true &&
          b.props.restrictPublicBuckets === true,
      );
      if (!ok) report(`S3 bucket "${bucket.name}" has no complete public access block.`, bucket.urn);
    }
  },
};

export const dynamodbEncryption: ResourceValidationPolicy = {
  name: "dynamodb-encryption",
  description: "Every DynamoDB table enables server-side encryption with a KMS key explicitly.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(aws.dynamodb.Table, (table, _args, report) => {
    if (table.serverSideEncryption?.enabled !== true) {
      report("DynamoDB table must set serverSideEncryption.enabled = true.");
    }
  }),
};

export const lambdaLogGroup: StackValidationPolicy = {
  name: "lambda-explicit-log-group",
  description: "Every Lambda function writes to a log group the program creates, with a retention.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const groups = args.resources.filter((r) => r.isType(aws.cloudwatch.LogGroup));
    for (const fn of args.resources.filter((r) => r.isType(aws.lambda.Function))) {
      const wanted: string | undefined =
        fn.props.loggingConfig?.logGroup ?? (fn.props.name ? `/aws/lambda/${fn.props.name}` : undefined);
      const group = groups.find(
        (g) =>
          (wanted !== undefined && g.props.name === wanted) ||
          (fn.propertyDependencies?.["loggingConfig"] ?? []).some((d) => d.urn === g.urn),
      );
      if (!group)
        report(`Lambda "${fn.name}" has no log group of its own (${wanted ?? "name unknown"}).`, fn.urn);
      else if (!(Number(group.props.retentionInDays) > 0))
        report(
          `Log group "${group.name}" of Lambda "${fn.name}" keeps logs forever: set retentionInDays.`,
          group.urn,
        );
    }
  },
};

/** Resource types whose `policy` (or `inlinePolicies[].policy`) is an IAM policy document. */
const POLICY_FIELDS: Record<string, (props: Props) => unknown[]> = {
  "aws:iam/rolePolicy:RolePolicy": (p) => [p.policy],
  "aws:iam/policy:Policy": (p) => [p.policy],
  "aws:iam/userPolicy:UserPolicy": (p) => [p.policy],
  "aws:iam/groupPolicy:GroupPolicy": (p) => [p.policy],
  "aws:iam/role:Role": (p) => (p.inlinePolicies ?? []).map((i: Props) => i?.policy),
};

export const iamNoWildcardActions: ResourceValidationPolicy = {
  name: "iam-no-wildcard-actions",
  description: 'No IAM statement allows Action "*" or "<service>:*" (or uses NotAction).',
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const fields = POLICY_FIELDS[args.type];
    if (!fields) return;
    for (const doc of fields(args.props)) {
      const bad = wildcardActions(doc);
      if (bad.length) report(`IAM policy allows wildcard actions: ${bad.join(", ")}.`);
    }
  },
};

export const noPlaintextSecretsInEnv: ResourceValidationPolicy = {
  name: "no-plaintext-secrets-in-env",
  description:
    "No Lambda or ECS container has a secret-looking plaintext environment variable; use SSM SecureString or ECS secrets.",
  enforcementLevel: "mandatory",
  validateResource: [
    validateResourceOfType(aws.lambda.Function, (fn, _args, report: ReportViolation) => {
      const bad = secretLookingEnv(fn.environment?.variables as Record<string, unknown> | undefined);
      if (bad.length) report(`Lambda environment has secret-looking plaintext variables: ${bad.join(", ")}.`);
    }),
    validateResourceOfType(aws.ecs.TaskDefinition, (td, _args, report: ReportViolation) => {
      const bad = secretLookingEnv(containerEnvironments(td.containerDefinitions));
      if (bad.length)
        report(`ECS container environment has secret-looking plaintext variables: ${bad.join(", ")}.`);
    }),
  ],
};

export const awsDefaultTags: ResourceValidationPolicy = {
  name: "aws-default-tags",
  description: `Every AWS resource is created through a provider whose defaultTags set ${REQUIRED_TAGS.join(", ")}.`,
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (!args.type.startsWith("aws:") || args.type.startsWith("pulumi:providers:")) return;
    if (!args.provider || args.provider.type !== "pulumi:providers:aws") {
      report(
        "AWS resource uses the default provider: pass the system's tagged provider (lib/aws.ts awsProvider).",
      );
      return;
    }
    const missing = missingDefaultTags(args.provider.props);
    if (missing.length)
      report(`AWS provider "${args.provider.name}" lacks default tags: ${missing.join(", ")}.`);
  },
};

/** Every rule, foundation first; each system adds its own list. */
export const foundationRules: Rule[] = [
  s3BucketEncryption,
  s3PublicAccessBlock,
  dynamodbEncryption,
  lambdaLogGroup,
  iamNoWildcardActions,
  noPlaintextSecretsInEnv,
  awsDefaultTags,
];

export const allRules: Rule[] = [
  ...foundationRules,
  ...hardeningRules,
  ...tammaRules,
  ...playgroundRules,
  ...agentsRules,
];
