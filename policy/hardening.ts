/**
 * Rules of the security and failure hardening (issue 16), each a plain predicate plus the rule object, so a
 * regression fails `npm run plan -- <stack>` and `pulumi preview --policy-pack policy/pack`:
 * TLS-only and access-logged buckets, immutable and (in protected stacks) kept repositories, one permissions
 * boundary on every role and user, alarms with an action, GPU instances whose tasks cannot reach the instance
 * metadata, an ASG capacity provider with a task definition it can place, and users scoped to key prefixes.
 */
import * as aws from "@pulumi/aws";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Props = Record<string, any>;

/** A policy document given as JSON text or an object; undefined when unknown (rules.ts imports this module). */
function parsePolicyDocument(doc: unknown): { Statement?: any } | undefined {
  if (typeof doc === "string") {
    try {
      return JSON.parse(doc);
    } catch {
      return undefined;
    }
  }
  return typeof doc === "object" && doc !== null ? (doc as { Statement?: any }) : undefined;
}

/** Whether `resource.props[key]` refers to `target` (by property dependency, or by value). */
function refersTo(resource: PolicyResource, key: string, target: PolicyResource, value: unknown): boolean {
  if ((resource.propertyDependencies?.[key] ?? []).some((d) => d.urn === target.urn)) return true;
  return value !== undefined && resource.props[key] === value;
}

const list = (v: unknown): any[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const statementsOf = (doc: unknown): Props[] => list(parsePolicyDocument(doc)?.Statement);

/** Whether a bucket policy denies requests without TLS (`aws:SecureTransport` false, every principal). */
export function deniesInsecureTransport(policy: unknown): boolean {
  return statementsOf(policy).some(
    (s) =>
      s.Effect === "Deny" &&
      (s.Principal === "*" || list(s.Principal?.AWS).includes("*")) &&
      list(s.Action).some((a) => a === "s3:*" || a === "*") &&
      String(s.Condition?.Bool?.["aws:SecureTransport"]) === "false",
  );
}

/** ECR tag mutability settings under which a pushed tag never moves (the exclusions are build caches). */
export const IMMUTABLE_TAGS = ["IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"];

/** Launch-template metadata problems: IMDSv2 required, and a hop limit of 1 so containers cannot reach it. */
export function metadataProblems(metadataOptions: Props | undefined): string[] {
  const problems: string[] = [];
  if (metadataOptions?.httpTokens !== "required") problems.push("httpTokens must be required (IMDSv2)");
  const hops = metadataOptions?.httpPutResponseHopLimit;
  if (hops === undefined || hops > 1) problems.push("httpPutResponseHopLimit must be 1");
  return problems;
}

/** Whether user data (base64 or plain) configures an ECS container instance. */
export function isEcsUserData(userData: unknown): boolean {
  if (typeof userData !== "string") return false;
  const text = /^[A-Za-z0-9+/=\s]+$/.test(userData)
    ? Buffer.from(userData, "base64").toString("utf8")
    : userData;
  return /ECS_CLUSTER=/.test(text);
}

/** S3 object resources of Allow statements that cover a whole bucket (`arn:aws:s3:::bucket/*`). */
export function wholeBucketGrants(policy: unknown): string[] {
  const out: string[] = [];
  for (const s of statementsOf(policy)) {
    if (s.Effect !== "Allow" || !list(s.Action).some((a) => String(a).startsWith("s3:"))) continue;
    for (const r of list(s.Resource))
      if (typeof r === "string" && /^arn:aws[a-z-]*:s3:::[^/]+\/\*$/.test(r)) out.push(r);
  }
  return out;
}

const buckets = (rs: PolicyResource[]) => rs.filter((r) => r.isType(aws.s3.Bucket));
const refs = (r: PolicyResource, bucket: PolicyResource) =>
  refersTo(r, "bucket", bucket, bucket.props.bucket);

export const s3TlsOnly: StackValidationPolicy = {
  name: "s3-tls-only",
  description: "Every S3 bucket has a bucket policy that denies requests without TLS (aws:SecureTransport).",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const policies = args.resources.filter((r) => r.isType(aws.s3.BucketPolicy));
    for (const bucket of buckets(args.resources)) {
      const ok = policies.some(
        (p) => refs(p, bucket) && (p.props.policy === undefined || deniesInsecureTransport(p.props.policy)),
      );
      if (!ok)
        report(`S3 bucket "${bucket.name}" has no TLS-only bucket policy (lib/buckets.ts).`, bucket.urn);
    }
  },
};

export const s3AccessLogging: StackValidationPolicy = {
  name: "s3-access-logging",
  description: "Every S3 bucket logs server access to a log bucket (log buckets themselves excepted).",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const logging = args.resources.filter((r) => r.isType(aws.s3.BucketLogging));
    for (const bucket of buckets(args.resources)) {
      const isTarget = logging.some((l) => refersTo(l, "targetBucket", bucket, bucket.props.bucket));
      if (isTarget || logging.some((l) => refs(l, bucket))) continue;
      report(`S3 bucket "${bucket.name}" has no server access logging (lib/buckets.ts).`, bucket.urn);
    }
  },
};

export const ecrImmutableTags: StackValidationPolicy = {
  name: "ecr-immutable-tags",
  description: "Every ECR repository has immutable tags (the program runs its images by digest).",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const repo of args.resources.filter((r) => r.isType(aws.ecr.Repository))) {
      const m = repo.props.imageTagMutability ?? "MUTABLE";
      if (!IMMUTABLE_TAGS.includes(m))
        report(`ECR repository "${repo.name}" has ${m} tags: use IMMUTABLE.`, repo.urn);
    }
  },
};

export const ecrKeptInProtectedStacks: StackValidationPolicy = {
  name: "ecr-kept-in-protected-stacks",
  description:
    "In a stack that protects its stateful resources (prod), no ECR repository is force-deleted with its images.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    if (!args.resources.some((r) => r.opts?.protect === true)) return;
    for (const repo of args.resources.filter((r) => r.isType(aws.ecr.Repository)))
      if (repo.props.forceDelete === true)
        report(`ECR repository "${repo.name}" is force-deleted in a protected stack.`, repo.urn);
  },
};

export const iamOneBoundary: StackValidationPolicy = {
  name: "iam-permissions-boundary",
  description:
    "When the stack sets a permissions boundary (iamBoundary), every IAM role and user has that same boundary.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const principals = args.resources.filter((r) => r.isType(aws.iam.Role) || r.isType(aws.iam.User));
    const set = new Set(
      principals.map((p) => p.props.permissionsBoundary).filter((b) => typeof b === "string" && b !== ""),
    );
    if (set.size === 0) return;
    if (set.size > 1) report(`IAM roles and users carry different boundaries: ${[...set].join(", ")}.`);
    for (const p of principals)
      if (!p.props.permissionsBoundary)
        report(`IAM ${p.type.split(":").pop()} "${p.name}" has no permissions boundary.`, p.urn);
  },
};

export const alarmsHaveActions: StackValidationPolicy = {
  name: "cloudwatch-alarm-actions",
  description: "Every CloudWatch metric alarm notifies someone (at least one alarm action).",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const alarm of args.resources.filter((r) => r.isType(aws.cloudwatch.MetricAlarm)))
      if (list(alarm.props.alarmActions).length === 0)
        report(`CloudWatch alarm "${alarm.name}" has no alarm action (an SNS topic).`, alarm.urn);
  },
};

export const ecsInstanceMetadataBlocked: StackValidationPolicy = {
  name: "ecs-instance-metadata-blocked",
  description:
    "Launch templates of ECS container instances require IMDSv2 with a hop limit of 1 (tasks cannot reach it).",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const lt of args.resources.filter((r) => r.isType(aws.ec2.LaunchTemplate))) {
      if (!isEcsUserData(lt.props.userData)) continue;
      const problems = metadataProblems(lt.props.metadataOptions);
      if (problems.length) report(`Launch template "${lt.name}": ${problems.join("; ")}.`, lt.urn);
    }
  },
};

export const ecsCapacityProviderPlaceable: StackValidationPolicy = {
  name: "ecs-capacity-provider-placeable",
  description: "An Auto Scaling group capacity provider comes with a task definition it can place (EC2).",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const asgProviders = args.resources.filter(
      (r) => r.isType(aws.ecs.CapacityProvider) && r.props.autoScalingGroupProvider,
    );
    if (asgProviders.length === 0) return;
    const ec2 = args.resources.some(
      (r) => r.isType(aws.ecs.TaskDefinition) && list(r.props.requiresCompatibilities).includes("EC2"),
    );
    if (!ec2)
      for (const p of asgProviders)
        report(`Capacity provider "${p.name}" has no EC2-compatible task definition to place.`, p.urn);
  },
};

export const iamUsersScopedToPrefixes: StackValidationPolicy = {
  name: "iam-user-s3-prefixes",
  description: "IAM users (long-lived keys) get S3 object rights on key prefixes, never on a whole bucket.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const up of args.resources.filter((r) => r.isType(aws.iam.UserPolicy))) {
      const whole = wholeBucketGrants(up.props.policy);
      if (whole.length)
        report(`IAM user policy "${up.name}" grants whole buckets: ${whole.join(", ")}.`, up.urn);
    }
  },
};

export const hardeningRules = [
  s3TlsOnly,
  s3AccessLogging,
  ecrImmutableTags,
  ecrKeptInProtectedStacks,
  iamOneBoundary,
  alarmsHaveActions,
  ecsInstanceMetadataBlocked,
  ecsCapacityProviderPlaceable,
  iamUsersScopedToPrefixes,
];
