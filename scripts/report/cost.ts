/**
 * Monthly cost of a stack, offline: the fixed part (what runs whether or not anyone uses the stack), the
 * usage-driven rates per unit of each system's work (rates.ts), a reference month, the seed's equivalents
 * (seed.ts) and the resources it could not price. Pure: plan model + price table in, numbers out.
 */
import { PlanModel, ReportResource, numberAt, stringAt, systemOf } from "./model";
import { FixedLine, PriceKey, Prices } from "./prices";

export type { FixedLine } from "./prices";
import { Rate, systemRates } from "./rates";
import { SeedComparison, seedComparisons } from "./seed";
import { REFERENCE_MONTH } from "./workload";

/** How a resource enters the estimate. */
export type CostClass = "fixed" | "usage" | "free" | "unpriced" | "component";

export interface ResourceCost {
  class: CostClass;
  /** One line: what it costs and why (or why it is free / not priced). */
  note: string;
  /** Monthly fixed USD attributed to this resource (fixed class only). */
  monthlyUsd?: number;
}

export interface Unpriced {
  urn?: string;
  what: string;
  reason: string;
}

export interface ReferenceLine {
  system: string;
  volume: number;
  unit: string;
  rateUsd: number;
  monthlyUsd: number;
}

export interface CostEstimate {
  stack: string;
  region: string;
  hoursPerMonth: number;
  fixed: FixedLine[];
  fixedUsd: number;
  rates: Rate[];
  reference: ReferenceLine[];
  referenceUsd: number;
  /** fixed + reference month. */
  monthlyUsd: number;
  unpriced: Unpriced[];
  perResource: Map<string, ResourceCost>;
  seed: SeedComparison[];
  /** Price keys used, for the sources table. */
  priceKeys: PriceKey[];
}

export const usd = (n: number, digits = 2): string =>
  n !== 0 && Math.abs(n) < 0.01 && digits <= 2 ? `$${n.toPrecision(2)}` : `$${n.toFixed(digits)}`;

/** Types that AWS does not charge for (configuration, identity, wiring). */
const FREE_TYPES: Record<string, string> = {
  "pulumi:providers:aws": "provider: no resource in AWS",
  "aws:iam/role:Role": "IAM: no charge",
  "aws:iam/rolePolicy:RolePolicy": "IAM: no charge",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM: no charge",
  "aws:iam/policy:Policy": "IAM: no charge",
  "aws:iam/user:User": "IAM: no charge",
  "aws:iam/userPolicy:UserPolicy": "IAM: no charge",
  "aws:iam/accessKey:AccessKey": "IAM: no charge",
  "aws:iam/instanceProfile:InstanceProfile": "IAM: no charge",
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "IAM: no charge",
  "aws:ec2/securityGroup:SecurityGroup": "security groups: no charge",
  "aws:ec2/launchTemplate:LaunchTemplate": "launch templates: no charge (instances are priced on the group)",
  "aws:apigatewayv2/route:Route": "routes: no charge (requests priced on the API)",
  "aws:apigatewayv2/integration:Integration": "integrations: no charge",
  "aws:apigatewayv2/stage:Stage": "stages: no charge (access logs priced on their log group)",
  "aws:lambda/permission:Permission": "no charge",
  "aws:lambda/alias:Alias": "no charge (invocations priced on the function)",
  "aws:lambda/eventSourceMapping:EventSourceMapping":
    "no charge; its SQS polls are SQS requests (per job in the rate; idle long polls not priced)",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "bucket setting: no charge",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
    "SSE-S3 (AES256): no charge",
  "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": "bucket setting: no charge",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration":
    "bucket setting: no charge (it bounds storage; transitions to IA/Glacier not priced)",
  "aws:s3/bucketVersioning:BucketVersioning": "bucket setting: no charge (old versions are storage)",
  "aws:s3/bucketPolicy:BucketPolicy": "bucket setting: no charge",
  "aws:s3/bucketNotification:BucketNotification": "bucket setting: no charge",
  "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": "queue setting: no charge",
  "aws:sqs/queuePolicy:QueuePolicy": "queue setting: no charge",
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": "no charge (it bounds the repository's storage)",
  "aws:ecs/capacityProvider:CapacityProvider": "no charge (instances are priced on the group)",
  "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": "no charge",
  "aws:cloudwatch/eventTarget:EventTarget": "no charge",
  "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "no charge",
  "docker-build:index:Image":
    "built on the deploying machine; pushing into ECR is free, storage is on the repository",
  "aws:ec2/vpc:Vpc": "VPC: no charge",
  "aws:ec2/subnet:Subnet": "no charge",
  "aws:ec2/routeTable:RouteTable": "no charge",
  "aws:ec2/routeTableAssociation:RouteTableAssociation": "no charge",
  "aws:ec2/route:Route": "no charge",
  "aws:ec2/internetGateway:InternetGateway": "no charge",
};

/** Types whose cost is in a usage rate of their system. */
const USAGE_TYPES: Record<string, string> = {
  "aws:lambda/function:Function": "requests and GB-seconds, in the system's rate",
  "aws:dynamodb/table:Table":
    "on-demand reads/writes in the system's rate; storage (and PITR) scale with data",
  "aws:s3/bucket:Bucket": "requests and storage in the system's rate",
  "aws:sqs/queue:Queue": "requests in the system's rate",
  "aws:cloudwatch/logGroup:LogGroup": "ingestion and storage at this retention, in the system's rate",
  "aws:apigatewayv2/api:Api": "requests in the system's rate",
  "aws:cloudwatch/eventRule:EventRule": "custom events in the system's rate",
  "aws:ecs/taskDefinition:TaskDefinition": "Fargate vCPU- and GB-hours per task, in the system's rate",
  "aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime":
    "active vCPU-hours and GB-hours per session, in the system's rate (no charge while idle)",
};

const UNPRICED_TYPES: Record<string, string> = {
  "aws:ecr/repository:Repository":
    "image storage at $0.10/GB-month: image sizes are not known offline (no image is built here)",
  "pulumi-nodejs:dynamic/e2e:FaasFunction": "E2E Networks FaaS, billed by E2E Networks: no price table",
  "pulumi-nodejs:dynamic/tama:Space": "Tama (SaaS), billed by Tama: no price table",
  "pulumi-nodejs:dynamic/tama:Source": "Tama (SaaS), billed by Tama: no price table",
  "pulumi-nodejs:dynamic/tama:Model": "Tama (SaaS), billed by Tama: no price table",
  "pulumi-nodejs:dynamic/tama:Limit": "Tama (SaaS), billed by Tama: no price table",
};

interface Ctx {
  prices: Prices;
  hours: number;
  fixed: FixedLine[];
  per: Map<string, ResourceCost>;
  unpriced: Unpriced[];
  byUrn: Map<string, ReportResource>;
  used: Set<PriceKey>;
}

function addFixed(
  c: Ctx,
  r: ReportResource,
  item: string,
  quantity: number,
  unit: string,
  key: PriceKey,
  urns = [r.urn],
): number {
  const unitUsd = c.prices.usd(key);
  const monthlyUsd = quantity * unitUsd;
  c.used.add(key);
  c.fixed.push({
    system: systemOf(r, c.byUrn) ?? "stack",
    item,
    quantity,
    unit,
    priceKey: key,
    unitUsd,
    monthlyUsd,
    formula: `${+quantity.toFixed(4)} ${unit} × $${unitUsd} = ${usd(monthlyUsd)}`,
    urns,
  });
  return monthlyUsd;
}

function classifyVpc(c: Ctx, r: ReportResource, resources: ReportResource[]): void {
  const children = resources.filter((x) => x.parent === r.urn);
  const natChildren = children.filter((x) => x.type === "aws:ec2/natGateway:NatGateway");
  const eipChildren = children.filter((x) => x.type === "aws:ec2/eip:Eip");
  const azs = numberAt(r, "numberOfAvailabilityZones") ?? 3;
  const strategy = stringAt(r, "natGateways.strategy") ?? "Single";
  // The plan may expand awsx's children; price the NAT gateways on them then, else from the Vpc's inputs.
  if (natChildren.length) {
    for (const n of natChildren) {
      const m = addFixed(c, n, "NAT gateway", c.hours, "NAT gateway-hours", "natGatewayHour");
      c.per.set(n.urn, { class: "fixed", note: `NAT gateway, always on: ${usd(m)}/month`, monthlyUsd: m });
    }
    for (const e of eipChildren) {
      const m = addFixed(c, e, "public IPv4 (EIP)", c.hours, "address-hours", "publicIpv4Hour");
      c.per.set(e.urn, { class: "fixed", note: `public IPv4 address: ${usd(m)}/month`, monthlyUsd: m });
    }
    c.per.set(r.urn, { class: "component", note: "VPC component: NAT gateways priced on its children" });
    return;
  }
  const nats = strategy === "None" ? 0 : strategy === "Single" ? 1 : azs;
  let m = 0;
  if (nats) {
    m += addFixed(c, r, `NAT gateway (${strategy})`, nats * c.hours, "NAT gateway-hours", "natGatewayHour");
    m += addFixed(
      c,
      r,
      "public IPv4 of the NAT gateways (EIP)",
      nats * c.hours,
      "address-hours",
      "publicIpv4Hour",
    );
  }
  c.per.set(r.urn, {
    class: "fixed",
    note: `${nats} NAT gateway(s) with their EIPs (natGateways.strategy=${strategy}, ${azs} AZs): ${usd(m)}/month; NAT data processing not priced`,
    monthlyUsd: m,
  });
}

function classify(c: Ctx, r: ReportResource, resources: ReportResource[]): void {
  if (!r.custom) {
    if (r.type === "awsx:ec2:Vpc") return classifyVpc(c, r, resources);
    c.per.set(r.urn, { class: "component", note: "component: its children carry the cost" });
    return;
  }
  switch (r.type) {
    case "aws:ec2/vpcEndpoint:VpcEndpoint": {
      if ((stringAt(r, "vpcEndpointType") ?? "Gateway") !== "Interface") {
        c.used.add("gatewayEndpoint");
        c.per.set(r.urn, {
          class: "free",
          note: "gateway endpoint: no charge (keeps S3 traffic off the NAT)",
        });
        return;
      }
      const subnets = r.inputs.subnetIds;
      const azs = Array.isArray(subnets) && subnets.length ? subnets.length : 1;
      const service = (stringAt(r, "serviceName") ?? r.name).split(".").slice(3).join(".");
      const m = addFixed(
        c,
        r,
        `interface endpoint ${service} (${azs} AZ)`,
        azs * c.hours,
        "endpoint-AZ-hours",
        "interfaceEndpointHour",
      );
      c.per.set(r.urn, {
        class: "fixed",
        note: `interface endpoint in ${azs} AZ(s): ${usd(m)}/month + $0.01/GB`,
        monthlyUsd: m,
      });
      return;
    }
    case "aws:cloudwatch/metricAlarm:MetricAlarm": {
      const queries = r.inputs.metricQueries;
      const metrics = Array.isArray(queries) && queries.length ? queries.length : 1;
      const m = addFixed(
        c,
        r,
        `alarm ${stringAt(r, "name") ?? r.name}`,
        metrics,
        "alarm metric-months",
        "alarmMonth",
      );
      c.per.set(r.urn, { class: "fixed", note: `standard alarm: ${usd(m)}/month`, monthlyUsd: m });
      return;
    }
    case "aws:kms/key:Key": {
      const m = addFixed(c, r, "KMS customer managed key", 1, "key-months", "kmsKeyMonth");
      c.per.set(r.urn, { class: "fixed", note: `KMS key: ${usd(m)}/month + requests`, monthlyUsd: m });
      return;
    }
    case "aws:secretsmanager/secret:Secret": {
      const m = addFixed(c, r, "Secrets Manager secret", 1, "secret-months", "secretsManagerSecretMonth");
      c.per.set(r.urn, { class: "fixed", note: `secret: ${usd(m)}/month`, monthlyUsd: m });
      return;
    }
    case "aws:ssm/parameter:Parameter": {
      const tier = stringAt(r, "tier") ?? "Standard";
      if (tier === "Advanced") {
        const m = addFixed(
          c,
          r,
          "SSM advanced parameter",
          1,
          "parameter-months",
          "ssmAdvancedParameterMonth",
        );
        c.per.set(r.urn, { class: "fixed", note: `advanced parameter: ${usd(m)}/month`, monthlyUsd: m });
      } else {
        c.used.add("ssmAdvancedParameterMonth");
        const secure = stringAt(r, "type") === "SecureString";
        c.per.set(r.urn, {
          class: "free",
          note: `standard-tier parameter: no charge${secure ? " (SecureString with the AWS managed key aws/ssm: no key charge)" : ""}`,
        });
      }
      return;
    }
    case "aws:autoscaling/group:Group": {
      const desired = numberAt(r, "desiredCapacity") ?? numberAt(r, "minSize") ?? 0;
      const max = numberAt(r, "maxSize") ?? desired;
      const lt = resources.find(
        (x) => x.type === "aws:ec2/launchTemplate:LaunchTemplate" && x.parent === r.parent,
      );
      const type = lt ? stringAt(lt, "instanceType") : undefined;
      if (type !== "g5.xlarge") {
        c.per.set(r.urn, {
          class: "unpriced",
          note: `instance type ${type ?? "unknown"} is not in the price table`,
        });
        c.unpriced.push({
          urn: r.urn,
          what: r.name,
          reason: `instance type ${type ?? "unknown"} not in the price table`,
        });
        return;
      }
      const hourly = c.prices.usd("ec2G5XlargeHour");
      c.used.add("ec2G5XlargeHour");
      const m = desired
        ? addFixed(
            c,
            r,
            `${desired} × ${type} always on`,
            desired * c.hours,
            "instance-hours",
            "ec2G5XlargeHour",
          )
        : 0;
      c.per.set(r.urn, {
        class: desired ? "fixed" : "usage",
        note: `${type} at $${hourly}/h; desired ${desired} (${usd(m)}/month idle); at maxSize ${max} all month: ${usd(max * c.hours * hourly)}`,
        monthlyUsd: m,
      });
      return;
    }
    case "aws:ecs/cluster:Cluster": {
      const settings = r.inputs.settings;
      const insights =
        Array.isArray(settings) &&
        settings.some(
          (s) =>
            (s as { name?: string; value?: string }).name === "containerInsights" &&
            (s as { value?: string }).value !== "disabled",
        );
      if (insights) {
        const reason =
          "Container Insights is on: billed as custom metrics and performance log events per task, not modelled";
        c.per.set(r.urn, { class: "unpriced", note: reason });
        c.unpriced.push({ urn: r.urn, what: r.name, reason });
      } else {
        c.per.set(r.urn, { class: "free", note: "cluster: no charge (tasks priced on the task definition)" });
      }
      return;
    }
  }
  if (FREE_TYPES[r.type]) {
    c.per.set(r.urn, { class: "free", note: FREE_TYPES[r.type] });
  } else if (USAGE_TYPES[r.type]) {
    c.per.set(r.urn, { class: "usage", note: USAGE_TYPES[r.type] });
  } else {
    const reason = UNPRICED_TYPES[r.type] ?? `type ${r.type} is not in the cost model`;
    c.per.set(r.urn, { class: "unpriced", note: reason });
    c.unpriced.push({ urn: r.urn, what: r.name, reason });
  }
}

/** The estimate of one stack. */
export function estimateCost(model: PlanModel, prices: Prices): CostEstimate {
  const byUrn = new Map(model.resources.map((r) => [r.urn, r]));
  const c: Ctx = {
    prices,
    hours: prices.table.hoursPerMonth,
    fixed: [],
    per: new Map(),
    unpriced: [],
    byUrn,
    used: new Set(),
  };
  for (const r of model.resources) classify(c, r, model.resources);

  const { rates, notPriced } = systemRates(model, prices);
  for (const rate of rates) for (const p of rate.parts) c.used.add(p.priceKey);
  c.unpriced.push(...notPriced);

  const reference: ReferenceLine[] = [];
  for (const rate of rates.filter((r) => r.inTotal)) {
    const volume =
      rate.system === "playground"
        ? REFERENCE_MONTH.playgroundMillionRequests
        : rate.system === "tamma"
          ? REFERENCE_MONTH.tammaAudioHours
          : rate.system === "agents"
            ? REFERENCE_MONTH.agentsWorkflows
            : 0;
    reference.push({
      system: rate.system,
      volume,
      unit: rate.unit,
      rateUsd: rate.usd,
      monthlyUsd: volume * rate.usd,
    });
  }
  const fixedUsd = c.fixed.reduce((s, l) => s + l.monthlyUsd, 0);
  const referenceUsd = reference.reduce((s, l) => s + l.monthlyUsd, 0);
  return {
    stack: model.stack,
    region: model.region,
    hoursPerMonth: c.hours,
    fixed: c.fixed,
    fixedUsd,
    rates,
    reference,
    referenceUsd,
    monthlyUsd: fixedUsd + referenceUsd,
    unpriced: c.unpriced,
    perResource: c.per,
    seed: seedComparisons(model, prices, { fixed: c.fixed, rates }),
    priceKeys: [...c.used].sort(),
  };
}
