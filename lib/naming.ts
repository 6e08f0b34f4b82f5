/**
 * Physical names for every AWS resource the program creates.
 *
 * The names follow the seed systems' own Terraform names per stack (`aimodelshare-playground-dev`,
 * `tamma-dev-raw`, `agent-orchestration-dev-workflows`), so resources that the old Terraform deployed can
 * be adopted with `pulumi import` and keep their identity. Every component and the migration tool derive
 * names here and nowhere else.
 *
 * Names that would exceed a service's limit are shortened deterministically: the tail is cut and an
 * 8-character hash of the full name is appended, so two different long names never collide.
 */
import { createHash } from "crypto";

/** The five systems of the platform, in the order the README lists them. */
export const SYSTEMS = ["tama", "e2e", "playground", "tamma", "agents"] as const;
export type SystemName = (typeof SYSTEMS)[number];

/** One-line descriptions, used by the plan and the README. */
export const SYSTEM_TITLES: Record<SystemName, string> = {
  tama: "Tama AI service registry (spaces, sources, models, limits)",
  e2e: "E2E Networks FaaS functions",
  playground: "AI Model Share playground API (HTTP API + Lambda + DynamoDB)",
  tamma: "Tamma media pipeline (S3 -> SQS -> Lambda -> ECS Fargate ffmpeg)",
  agents: "Durable agent orchestration (API + durable Lambda + AgentCore agents)",
};

/** The seeds' naming prefixes: `<prefix>-<stack>-<resource>`. */
export const SYSTEM_PREFIX: Record<SystemName, string> = {
  tama: "tama",
  e2e: "e2e-faas",
  playground: "aimodelshare-playground",
  tamma: "tamma",
  agents: "agent-orchestration",
};

/** Length limits and character rules of the AWS name fields we set. */
export const NAME_RULES = {
  lambda: { max: 64, pattern: /^[A-Za-z0-9_-]+$/ },
  iamRole: { max: 64, pattern: /^[A-Za-z0-9+=,.@_-]+$/ },
  iamUser: { max: 64, pattern: /^[A-Za-z0-9+=,.@_-]+$/ },
  iamPolicy: { max: 128, pattern: /^[A-Za-z0-9+=,.@_-]+$/ },
  s3Bucket: { max: 63, pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/ },
  sqsQueue: { max: 80, pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/ },
  dynamodbTable: { max: 255, pattern: /^[A-Za-z0-9_.-]+$/ },
  logGroup: { max: 512, pattern: /^[A-Za-z0-9_\-/.#]+$/ },
  ecrRepository: { max: 256, pattern: /^[a-z0-9][a-z0-9._/-]*$/ },
  ecsCluster: { max: 255, pattern: /^[A-Za-z0-9_-]+$/ },
  ecsTaskFamily: { max: 255, pattern: /^[A-Za-z0-9_-]+$/ },
  httpApi: { max: 128, pattern: /^.+$/ },
  eventRule: { max: 64, pattern: /^[A-Za-z0-9._-]+$/ },
  cloudwatchAlarm: { max: 255, pattern: /^.+$/ },
  ssmParameter: { max: 1011, pattern: /^[A-Za-z0-9_.\-/]+$/ },
  securityGroup: { max: 255, pattern: /^.+$/ },
  agentRuntime: { max: 48, pattern: /^[a-zA-Z][a-zA-Z0-9_]*$/ },
} as const;
export type NameKind = keyof typeof NAME_RULES;

const STACK_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;

/** Short stable hash used to keep shortened names unique. */
export function shortHash(text: string, length = 8): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * Fits `name` to the limit of `kind`: unchanged when it fits, otherwise cut and suffixed with a hash of the
 * full name. Throws when the name breaks the kind's character rule (a programming error, not user input).
 */
export function fitName(kind: NameKind, name: string, suffix = ""): string {
  const rule = NAME_RULES[kind];
  let fitted = name + suffix;
  if (fitted.length > rule.max) {
    const hash = shortHash(name);
    const keep = rule.max - suffix.length - hash.length - 1;
    fitted = `${name.slice(0, keep).replace(/[-_.]+$/, "")}-${hash}${suffix}`;
  }
  if (!rule.pattern.test(fitted)) {
    throw new Error(`naming: "${fitted}" is not a valid ${kind} name (rule ${rule.pattern})`);
  }
  return fitted;
}

/** Validates a stack name: it becomes part of every physical name. */
export function checkStackName(stack: string): string {
  if (!STACK_PATTERN.test(stack)) {
    throw new Error(
      `naming: stack name "${stack}" must be 1-20 characters of lowercase letters, digits and "-", starting with a letter`,
    );
  }
  return stack;
}

/**
 * The names of one system in one stack.
 *
 * @example
 * const n = new Names("tamma", "dev");
 * n.name("s3Bucket", "raw"); // "tamma-dev-raw"
 * n.prefix;                  // "tamma-dev"
 */
export class Names {
  readonly prefix: string;

  constructor(
    readonly system: SystemName,
    readonly stack: string,
  ) {
    this.prefix = `${SYSTEM_PREFIX[system]}-${checkStackName(stack)}`;
  }

  /** `<prefix>-<parts...>`, fitted to the limits of `kind`. */
  name(kind: NameKind, ...parts: string[]): string {
    return fitName(kind, [this.prefix, ...parts].join("-"));
  }

  /** A FIFO-aware SQS queue name: `<prefix>-<part>[.fifo]`, the suffix kept within the 80-character limit. */
  queue(part: string, fifo: boolean): string {
    return fitName("sqsQueue", `${this.prefix}-${part}`, fifo ? ".fifo" : "");
  }

  /** A name outside the `<prefix>-` shape that the seeds used, e.g. `PlaygroundScores-dev`; still fitted. */
  custom(kind: NameKind, name: string): string {
    return fitName(kind, name);
  }

  /** The log group AWS Lambda writes to for a function of this name. */
  static lambdaLogGroup(functionName: string): string {
    return `/aws/lambda/${functionName}`;
  }
}

/** Default tags for every AWS resource of a system (applied through the AWS provider, not per resource). */
export function defaultTags(project: string, stack: string, system: SystemName): Record<string, string> {
  return { project, stack, system, "managed-by": "pulumi" };
}
