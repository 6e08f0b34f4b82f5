/**
 * awsx components are multi-language components: offline (under mocks) the engine registers the component
 * only, not what it creates. The plan lists their children from the component's known shape for the inputs
 * the program gives (awsx 3.x `ec2.Vpc`: per AZ one subnet, route table and association per subnet spec; one
 * internet gateway when a subnet is public; NAT gateways and their EIPs by the NAT strategy; a default route
 * per route table). Each listed child is marked derived, so nobody mistakes it for a registered resource.
 */
import { PlanResource } from "./plan-format";

interface SubnetSpecInput {
  type?: string;
  name?: string;
}

/** NAT gateway count of an awsx VPC for its strategy (awsx default: OnePerAz). */
export function natGatewayCount(strategy: unknown, azs: number): number {
  if (strategy === "None") return 0;
  if (strategy === "Single") return 1;
  return azs;
}

/** The children an `awsx:ec2:Vpc` creates for its inputs, as derived plan resources under it. */
export function expandAwsxVpc(vpc: PlanResource): PlanResource[] {
  const inputs = vpc.inputs as {
    numberOfAvailabilityZones?: number;
    subnetSpecs?: SubnetSpecInput[];
    natGateways?: { strategy?: string };
  };
  const azs = inputs.numberOfAvailabilityZones ?? 3;
  const specs: SubnetSpecInput[] = inputs.subnetSpecs?.length
    ? inputs.subnetSpecs
    : [
        { type: "Private", name: "private" },
        { type: "Public", name: "public" },
      ];
  const hasPublic = specs.some((s) => s.type === "Public");
  const hasPrivate = specs.some((s) => s.type === "Private");
  const nats = hasPublic && hasPrivate ? natGatewayCount(inputs.natGateways?.strategy, azs) : 0;
  const out: PlanResource[] = [];
  const add = (type: string, name: string, extra: Record<string, unknown> = {}) =>
    out.push({
      urn: `${vpc.urn}$${type}::${name}`,
      type,
      name,
      inputs: extra,
      parent: vpc.urn,
      custom: true,
      derived: true,
    });
  add("aws:ec2/vpc:Vpc", vpc.name, { cidrBlock: (vpc.inputs as { cidrBlock?: string }).cidrBlock });
  for (const spec of specs) {
    const kind = (spec.name ?? spec.type ?? "subnet").toLowerCase();
    for (let az = 1; az <= azs; az++) {
      const n = `${vpc.name}-${kind}-${az}`;
      add("aws:ec2/subnet:Subnet", n, { type: spec.type });
      add("aws:ec2/routeTable:RouteTable", n);
      add("aws:ec2/routeTableAssociation:RouteTableAssociation", n);
      if (spec.type === "Public") add("aws:ec2/route:Route", `${n}-ig`, { to: "internet gateway" });
      if (spec.type === "Private" && nats > 0)
        add("aws:ec2/route:Route", `${n}-nat-${nats === 1 ? 1 : az}`, { to: "NAT gateway" });
    }
  }
  if (hasPublic) add("aws:ec2/internetGateway:InternetGateway", vpc.name);
  for (let i = 1; i <= nats; i++) {
    add("aws:ec2/eip:Eip", `${vpc.name}-${i}`, { costs: "hourly while allocated to a NAT gateway" });
    add("aws:ec2/natGateway:NatGateway", `${vpc.name}-${i}`, { costs: "hourly + per GB processed" });
  }
  return out;
}

/** Adds the derived children of every awsx component to the plan's resources. */
export function withAwsxChildren(resources: PlanResource[]): PlanResource[] {
  return resources.flatMap((r) => (r.type === "awsx:ec2:Vpc" ? [r, ...expandAwsxVpc(r)] : [r]));
}
