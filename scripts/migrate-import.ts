/**
 * Builds a `pulumi import --file` document for the AWS resources of one system, from the resources the
 * program registers (under mocks) for a stack. Logical names are the program's own, physical ids are derived
 * from the same inputs the program computes with lib/naming.ts, so `pulumi preview` after the import finds
 * the resources it expects. Ids that exist only in the cloud are never guessed: they become marked
 * placeholders, listed with the command that finds each one.
 */

import { MOCK_ACCOUNT } from "../test/harness/mocks";
import { SeedSystem, newReason } from "./migrate-seeds";
import { TfState, tfImportId } from "./migrate-tfstate";

/** What the builder needs of a registered resource (test/harness/mocks.ts RecordedResource fits). */
export interface Registered {
  urn: string;
  type: string;
  name: string;
  inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  custom: boolean;
  parent?: string;
  provider?: string;
}

export interface ImportEntry {
  type: string;
  name: string;
  id?: string;
  parent?: string;
  provider?: string;
  component?: boolean;
}

export interface ImportFile {
  nameTable: Record<string, string>;
  resources: ImportEntry[];
}

export interface Placeholder {
  token: string;
  resource: string;
  type: string;
  find: string;
}

export interface Skipped {
  resource: string;
  type: string;
  reason: string;
}

/** A resource of the system that is created new (not in the import file), and why. */
export interface CreatedNew {
  resource: string;
  type: string;
  reason: string;
}

export interface ImportPlan {
  file: ImportFile;
  placeholders: Placeholder[];
  skipped: Skipped[];
  /** Filled by `applySeed`: resources created new instead of imported. */
  createdNew: CreatedNew[];
  /** Filled by `applySeed` with a state: seed addresses in the state that nothing imports, with the reason. */
  notTakenOver: { address: string; reason: string }[];
  /** URNs to create first with `pulumi up --target`: the system's provider and components (no cloud resource). */
  targets: string[];
}

export interface IdContext {
  region: string;
  /** Makes a marked placeholder and records how to find the real value. */
  placeholder(what: string, find: string): string;
  /** The marked account-id placeholder. */
  account(): string;
}

type IdRule = (inputs: Record<string, any>, ctx: IdContext) => string; // eslint-disable-line @typescript-eslint/no-explicit-any

const byName: IdRule = (i) => req(i.name, "name");
const byBucket: IdRule = (i) => req(i.bucket, "bucket");
function req(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") throw new Error(`the program does not set "${field}"`);
  return value;
}

/** Import id formats per type (from each resource's "Import" section in the Pulumi AWS registry docs). */
export const IMPORT_IDS: Record<string, IdRule> = {
  "aws:s3/bucket:Bucket": byBucket,
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": byBucket,
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": byBucket,
  "aws:s3/bucketVersioning:BucketVersioning": byBucket,
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": byBucket,
  "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": byBucket,
  "aws:s3/bucketPolicy:BucketPolicy": byBucket,
  "aws:s3/bucketNotification:BucketNotification": byBucket,
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": byBucket,
  "aws:s3/bucketLogging:BucketLogging": byBucket,
  "aws:sns/topic:Topic": (i, ctx) => `arn:aws:sns:${ctx.region}:${ctx.account()}:${req(i.name, "name")}`,
  "aws:sns/topicPolicy:TopicPolicy": (_i, ctx) =>
    ctx.placeholder("SNS topic ARN", "aws sns list-topics (the alarm topic of the stack)"),
  "aws:sns/topicSubscription:TopicSubscription": (_i, ctx) =>
    ctx.placeholder(
      "SNS subscription ARN",
      "aws sns list-subscriptions-by-topic --topic-arn <alarm topic ARN>",
    ),
  "aws:dynamodb/table:Table": byName,
  "aws:lambda/function:Function": byName,
  "aws:lambda/alias:Alias": (i) => `${req(i.functionName, "functionName")}/${req(i.name, "name")}`,
  "aws:lambda/permission:Permission": (i, ctx) =>
    i.statementId
      ? `${req(i.function, "function")}/${i.statementId}`
      : `${req(i.function, "function")}/${ctx.placeholder("statement id", `aws lambda get-policy --function-name ${i.function}`)}`,
  "aws:lambda/eventSourceMapping:EventSourceMapping": (i, ctx) =>
    ctx.placeholder(
      "event source mapping UUID",
      `aws lambda list-event-source-mappings --function-name ${i.functionName}`,
    ),
  "aws:lambda/layerVersion:LayerVersion": (i, ctx) =>
    ctx.placeholder("layer version ARN", `aws lambda list-layer-versions --layer-name ${i.layerName}`),
  "aws:cloudwatch/logGroup:LogGroup": byName,
  "aws:cloudwatch/metricAlarm:MetricAlarm": byName,
  "aws:cloudwatch/eventRule:EventRule": (i) =>
    i.eventBusName && i.eventBusName !== "default"
      ? `${i.eventBusName}/${req(i.name, "name")}`
      : req(i.name, "name"),
  "aws:cloudwatch/eventTarget:EventTarget": (i, ctx) =>
    `${i.eventBusName ?? "default"}/${req(i.rule, "rule")}/${i.targetId ?? ctx.placeholder("event target id", `aws events list-targets-by-rule --rule ${i.rule}`)}`,
  "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": (i) => req(i.policyName, "policyName"),
  "aws:iam/role:Role": byName,
  "aws:iam/rolePolicy:RolePolicy": (i, ctx) =>
    `${req(i.role, "role")}:${i.name ?? ctx.placeholder("inline policy name", `aws iam list-role-policies --role-name ${i.role}`)}`,
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (i) =>
    `${req(i.role, "role")}/${req(i.policyArn, "policyArn")}`,
  "aws:iam/user:User": byName,
  "aws:iam/userPolicy:UserPolicy": (i, ctx) =>
    `${req(i.user, "user")}:${i.name ?? ctx.placeholder("inline policy name", `aws iam list-user-policies --user-name ${i.user}`)}`,
  "aws:iam/instanceProfile:InstanceProfile": byName,
  "aws:iam/policy:Policy": (i, ctx) => `arn:aws:iam::${ctx.account()}:policy/${req(i.name, "name")}`,
  "aws:sqs/queue:Queue": (i, ctx) =>
    `https://sqs.${ctx.region}.amazonaws.com/${ctx.account()}/${req(i.name, "name")}`,
  "aws:sqs/queuePolicy:QueuePolicy": (i) => req(i.queueUrl, "queueUrl"),
  "aws:sqs/redrivePolicy:RedrivePolicy": (i) => req(i.queueUrl, "queueUrl"),
  "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": (i) => req(i.queueUrl, "queueUrl"),
  "aws:ssm/parameter:Parameter": byName,
  "aws:ecr/repository:Repository": byName,
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": (i) => req(i.repository, "repository"),
  "aws:ecs/cluster:Cluster": byName,
  "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": (i) => req(i.clusterName, "clusterName"),
  "aws:ecs/capacityProvider:CapacityProvider": byName,
  "aws:ecs/taskDefinition:TaskDefinition": (i, ctx) =>
    `arn:aws:ecs:${ctx.region}:${ctx.account()}:task-definition/${req(i.family, "family")}:${ctx.placeholder(
      "task definition revision",
      `aws ecs describe-task-definition --task-definition ${i.family} --query taskDefinition.revision`,
    )}`,
  "aws:autoscaling/group:Group": byName,
  "aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime": (i, ctx) =>
    ctx.placeholder(
      "AgentCore runtime id",
      `aws bedrock-agentcore-control list-agent-runtimes --query "agentRuntimes[?agentRuntimeName=='${i.agentRuntimeName}'].agentRuntimeId"`,
    ),
  "aws:ec2/launchTemplate:LaunchTemplate": (i, ctx) =>
    ctx.placeholder(
      "launch template id",
      `aws ec2 describe-launch-templates --launch-template-names ${i.name}`,
    ),
  "aws:ec2/securityGroup:SecurityGroup": (i, ctx) =>
    ctx.placeholder(
      "security group id",
      `aws ec2 describe-security-groups --filters Name=group-name,Values=${i.name}`,
    ),
  "aws:ec2/vpcEndpoint:VpcEndpoint": (i, ctx) =>
    ctx.placeholder(
      "VPC endpoint id",
      `aws ec2 describe-vpc-endpoints --filters Name=service-name,Values=${i.serviceName}`,
    ),
  "aws:apigatewayv2/api:Api": (i, ctx) =>
    ctx.placeholder("HTTP API id", `aws apigatewayv2 get-apis --query "Items[?Name=='${i.name}'].ApiId"`),
  "aws:apigatewayv2/stage:Stage": (i, ctx) =>
    `${ctx.placeholder("HTTP API id", "aws apigatewayv2 get-apis")}/${req(i.name, "name")}`,
  "aws:apigatewayv2/route:Route": (i, ctx) =>
    `${ctx.placeholder("HTTP API id", "aws apigatewayv2 get-apis")}/${ctx.placeholder(
      `route id of ${i.routeKey}`,
      `aws apigatewayv2 get-routes --api-id <api id> --query "Items[?RouteKey=='${i.routeKey}'].RouteId"`,
    )}`,
  "aws:apigatewayv2/integration:Integration": (_i, ctx) =>
    `${ctx.placeholder("HTTP API id", "aws apigatewayv2 get-apis")}/${ctx.placeholder("integration id", "aws apigatewayv2 get-integrations --api-id <api id>")}`,
  "aws:cognito/userPool:UserPool": (i, ctx) =>
    ctx.placeholder(
      "Cognito user pool id",
      `aws cognito-idp list-user-pools --max-results 60 --query "UserPools[?Name=='${i.name}'].Id"`,
    ),
  "aws:cognito/userPoolClient:UserPoolClient": (i, ctx) =>
    `${ctx.placeholder("Cognito user pool id", "aws cognito-idp list-user-pools --max-results 60")}/${ctx.placeholder(
      "Cognito app client id",
      `aws cognito-idp list-user-pool-clients --user-pool-id <pool id> --query "UserPoolClients[?ClientName=='${i.name}'].ClientId"`,
    )}`,
  "aws:cognito/userGroup:UserGroup": (i, ctx) =>
    `${ctx.placeholder("Cognito user pool id", "aws cognito-idp list-user-pools --max-results 60")}/${req(i.name, "name")}`,
  "aws:apigatewayv2/authorizer:Authorizer": (_i, ctx) =>
    `${ctx.placeholder("HTTP API id", "aws apigatewayv2 get-apis")}/${ctx.placeholder("authorizer id", "aws apigatewayv2 get-authorizers --api-id <api id>")}`,
};

/** Types that are never imported, and why. */
const NOT_IMPORTED: [RegExp, string][] = [
  [
    /^pulumi-nodejs:dynamic\//,
    "dynamic resources cannot be imported (pulumi/pulumi#16175); adopt them with existingId",
  ],
  [/^docker-build:/, "an image is built and pushed by Pulumi; nothing to import"],
  [
    /^aws:iam\/accessKey:AccessKey$/,
    "an access key's secret cannot be read back; Pulumi creates a new key (rotate the old one out)",
  ],
  [
    /^awsx:/,
    "an awsx component: its VPC, subnets and NAT gateways are created new; remove the old network after cut-over",
  ],
];

/** The system's top component: the first root-level component whose type is `ai-platform:<system>:...`. */
export function findSystemComponent(resources: Registered[], system: string): Registered | undefined {
  return resources.find((r) => !r.custom && !r.parent && r.type.startsWith(`ai-platform:${system}:`));
}

export function buildImportPlan(
  resources: Registered[],
  opts: { rootUrn: string; region: string },
): ImportPlan {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const inSubtree = (r: Registered): boolean => {
    for (let cur: Registered | undefined = r; cur; cur = cur.parent ? byUrn.get(cur.parent) : undefined) {
      if (cur.urn === opts.rootUrn) return true;
    }
    return false;
  };
  const placeholders: Placeholder[] = [];
  const skipped: Skipped[] = [];
  const nameTable: Record<string, string> = {};
  const entries: ImportEntry[] = [];
  const targets: string[] = [];
  let accountUsed = false;

  for (const r of resources.filter(inSubtree)) {
    if (r.type.startsWith("pulumi:providers:")) continue;
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    const parentName = parent && inSubtree(parent) ? parent.name : undefined;
    const notImported = NOT_IMPORTED.find(([re]) => re.test(r.type));
    if (notImported) {
      skipped.push({ resource: r.name, type: r.type, reason: notImported[1] });
      continue;
    }
    if (!r.custom) {
      // Components exist only in Pulumi's state: `pulumi up --target` creates them (and no cloud resource).
      nameTable[r.name] = r.urn;
      targets.push(r.urn);
      continue;
    }
    const rule = IMPORT_IDS[r.type];
    if (!rule)
      throw new Error(
        `migrate: no import id rule for ${r.type} (resource "${r.name}"); add one to IMPORT_IDS`,
      );
    const ctx: IdContext = {
      region: opts.region,
      placeholder: (what, find) => {
        const token = `<PLACEHOLDER:${what.replace(/\s+/g, "-")}:${r.name}>`;
        if (!placeholders.some((p) => p.token === token))
          placeholders.push({ token, resource: r.name, type: r.type, find });
        return token;
      },
      account: () => {
        accountUsed = true;
        return "<PLACEHOLDER:account-id>";
      },
    };
    let id: string;
    try {
      id = rule(r.inputs, ctx);
    } catch (e) {
      throw new Error(`migrate: ${r.type} "${r.name}": ${(e as Error).message}`, { cause: e });
    }
    // Inputs computed from other resources' outputs carry offline stand-ins (the mocks' account, generated
    // ids); none of them may reach an import file.
    if (id.includes(MOCK_ACCOUNT)) id = id.split(MOCK_ACCOUNT).join(ctx.account());
    if (MOCK_ID.test(id))
      id = ctx.placeholder("cloud-generated id", "read it from the resource in the AWS console or CLI");
    const providerUrn = r.provider?.split("::").slice(0, -1).join("::");
    const provider = providerUrn ? byUrn.get(providerUrn) : undefined;
    if (provider && !nameTable[provider.name]) {
      nameTable[provider.name] = provider.urn;
      targets.unshift(provider.urn);
    }
    entries.push({
      type: r.type,
      name: r.name,
      id,
      parent: parentName,
      provider: provider?.name,
    });
  }
  if (accountUsed) {
    placeholders.push({
      token: "<PLACEHOLDER:account-id>",
      resource: "(several)",
      type: "AWS account id",
      find: "aws sts get-caller-identity --query Account --output text",
    });
  }
  return {
    file: { nameTable, resources: entries },
    placeholders,
    skipped,
    targets,
    createdNew: [],
    notTakenOver: [],
  };
}

/** Generated ids of the offline mocks (e.g. `...-Mock000034-DEFAULT`). */
export const MOCK_ID = /Mock\d{4,}/;
const ACCOUNT_TOKEN = "<PLACEHOLDER:account-id>";

/**
 * Narrows an import plan to what the seed's Terraform holds: resources the seed does not have are created new
 * (with the reason); with a state, every mapped resource gets the id the state records, the account id comes
 * from the state's ARNs, and a resource whose id in the state differs from the one the program derives
 * (a renamed queue, role, ...) is created new too, naming both.
 */
export function applySeed(plan: ImportPlan, seed: SeedSystem, state?: TfState): ImportPlan {
  const createdNew: CreatedNew[] = [];
  const resources: ImportEntry[] = [];
  const taken = new Set<string>();
  for (const entry of plan.file.resources) {
    const address = seed.imports[entry.name];
    const outside = seed.outsideState[entry.name] !== undefined;
    if (!address && !outside) {
      createdNew.push({ resource: entry.name, type: entry.type, reason: newReason(seed, entry.name) });
      continue;
    }
    let id = entry.id ?? "";
    if (state && address) {
      const inst = state.instances.get(address);
      if (!inst) {
        createdNew.push({
          resource: entry.name,
          type: entry.type,
          reason: `${address} is not in ${state.file}: nothing to import, the resource is created new`,
        });
        continue;
      }
      taken.add(address);
      const fromState = tfImportId(inst);
      const derived = state.account ? id.split(ACCOUNT_TOKEN).join(state.account) : id;
      if (!derived.includes("<PLACEHOLDER:") && derived !== fromState) {
        createdNew.push({
          resource: entry.name,
          type: entry.type,
          reason: `the state's ${address} is "${fromState}", the program's is "${derived}": a different name means a new resource (the settings of Pulumi.<stack>.yaml decide it); retire the old one after cut-over`,
        });
        continue;
      }
      id = fromState;
    }
    if (state?.account) id = id.split(ACCOUNT_TOKEN).join(state.account);
    resources.push({ ...entry, id });
  }
  const text = JSON.stringify(resources);
  const placeholders = plan.placeholders.filter((p) => text.includes(p.token));
  const notTakenOver = state
    ? [...state.instances.keys()]
        .filter((a) => !taken.has(a))
        .map((address) => ({
          address,
          reason:
            seed.retired[address] ??
            Object.entries(seed.retired).find(
              ([k]) => k.endsWith("*") && address.startsWith(k.slice(0, -1)),
            )?.[1] ??
            (createdNew.length && Object.values(seed.imports).includes(address)
              ? "its replacement is created new (see above)"
              : "not part of the program"),
        }))
    : [];
  return {
    ...plan,
    file: { nameTable: plan.file.nameTable, resources },
    placeholders,
    createdNew: [...createdNew],
    notTakenOver,
  };
}
