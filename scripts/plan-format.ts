/**
 * Pure formatting of an offline plan: resources grouped under their component, the settings that matter
 * per type, counts per type, and policy findings.
 */
import { Finding } from "../policy/evaluate";

export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  parent?: string;
  custom: boolean;
  protect?: boolean;
  importId?: string;
  /** Not registered offline: listed from an awsx component's known shape (scripts/plan-awsx.ts). */
  derived?: boolean;
}

/** Input paths worth showing per resource type (first match wins; `*` is the fallback). */
export const SUMMARY_FIELDS: Record<string, string[]> = {
  "aws:lambda/function:Function": ["name", "runtime", "architectures", "memorySize", "timeout"],
  "aws:dynamodb/table:Table": [
    "name",
    "billingMode",
    "pointInTimeRecovery.enabled",
    "deletionProtectionEnabled",
  ],
  "aws:s3/bucket:Bucket": ["bucket", "forceDestroy"],
  "aws:sqs/queue:Queue": ["name", "fifoQueue", "visibilityTimeoutSeconds", "messageRetentionSeconds"],
  "aws:cloudwatch/logGroup:LogGroup": ["name", "retentionInDays"],
  "aws:iam/role:Role": ["name"],
  "aws:apigatewayv2/api:Api": ["name", "protocolType"],
  "aws:apigatewayv2/stage:Stage": ["name", "autoDeploy"],
  "aws:apigatewayv2/route:Route": ["routeKey", "authorizationType"],
  "aws:apigatewayv2/integration:Integration": ["integrationType", "payloadFormatVersion"],
  "aws:lambda/permission:Permission": ["principal", "sourceArn"],
  "aws:lambda/layerVersion:LayerVersion": ["layerName", "compatibleRuntimes"],
  "aws:ecs/cluster:Cluster": ["name"],
  "aws:ecs/taskDefinition:TaskDefinition": ["family", "cpu", "memory"],
  "aws:ecr/repository:Repository": ["name"],
  "pulumi:providers:aws": ["region"],
  "pulumi-nodejs:dynamic/tama:Space": ["name", "type", "existingId"],
  "pulumi-nodejs:dynamic/tama:Source": ["name", "endpoint", "existingId"],
  "pulumi-nodejs:dynamic/tama:Model": ["identifier", "path", "existingId"],
  "pulumi-nodejs:dynamic/tama:Limit": ["scaleUnit", "scaleCount", "limit", "existingId"],
  "awsx:ec2:Vpc": ["cidrBlock", "natGateways.strategy", "numberOfAvailabilityZones"],
  "aws:ec2/vpcEndpoint:VpcEndpoint": ["serviceName", "vpcEndpointType"],
  "aws:lambda/eventSourceMapping:EventSourceMapping": [
    "batchSize",
    "maximumBatchingWindowInSeconds",
    "functionResponseTypes",
  ],
  "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": ["clusterName", "capacityProviders"],
  "aws:autoscaling/group:Group": ["name", "minSize", "maxSize", "desiredCapacity"],
  "aws:ec2/launchTemplate:LaunchTemplate": ["name", "instanceType"],
  "docker-build:index:Image": ["platforms", "push"],
  "aws:lambda/alias:Alias": ["name", "functionName"],
  "aws:cloudwatch/eventRule:EventRule": ["name"],
  "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": ["policyName"],
  "aws:ec2/vpc:Vpc": ["cidrBlock"],
  "aws:ec2/subnet:Subnet": ["type"],
  "aws:ec2/route:Route": ["to"],
  "aws:ec2/eip:Eip": ["costs"],
  "aws:ec2/natGateway:NatGateway": ["costs"],
  "*": ["name", "bucket", "family", "functionName", "routeKey"],
};

function getPath(obj: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>(
      (o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined),
      obj,
    );
}

function show(value: unknown): string {
  if (typeof value === "string") return value;
  const text = JSON.stringify(value);
  return text.length > 60 ? text.slice(0, 57) + "..." : text;
}

/** `key=value` pairs of the settings that matter for one resource. */
export function summarize(r: PlanResource): string {
  const fields = SUMMARY_FIELDS[r.type] ?? SUMMARY_FIELDS["*"];
  const parts = fields
    .map((f) => [f.split(".").slice(-2).join("."), getPath(r.inputs, f)] as const)
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${k}=${show(v)}`);
  if (r.protect) parts.push("protect");
  if (r.importId) parts.push(`import=${r.importId}`);
  return parts.join(" ");
}

/** The plan as text lines. */
export function formatPlan(stack: string, resources: PlanResource[], findings: Finding[]): string[] {
  const lines: string[] = [];
  const children = new Map<string | undefined, PlanResource[]>();
  const urns = new Set(resources.map((r) => r.urn));
  for (const r of resources) {
    const parent = r.parent && urns.has(r.parent) ? r.parent : undefined;
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const walk = (parent: string | undefined, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      const pad = "  ".repeat(depth);
      const summary = summarize(r);
      const mark = r.derived ? "~" : r.custom ? "+" : "#";
      lines.push(`${pad}${mark} ${r.type}  ${r.name}${summary ? "  " + summary : ""}`);
      walk(r.urn, depth + 1);
    }
  };
  lines.push(
    `Resources of stack "${stack}" (# component, + resource, ~ resource an awsx component creates, listed from its known shape):`,
  );
  if (resources.length === 0) lines.push("  (none: this stack enables no system)");
  walk(undefined, 1);

  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  const derived = resources.filter((r) => r.derived).length;
  lines.push(
    "",
    `Counts by type (${resources.length} in all${derived ? `, ${derived} of them listed from awsx's known shape` : ""}):`,
  );
  for (const [type, n] of [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
    lines.push(`  ${String(n).padStart(4)}  ${type}`);
  }

  lines.push("", `Policy findings: ${findings.length === 0 ? "none" : findings.length}`);
  for (const f of findings) {
    const name = f.urn ? f.urn.split("::").pop() : "stack";
    lines.push(`  [${f.enforcementLevel}] ${f.policy}: ${name}: ${f.message}`);
  }
  return lines;
}
