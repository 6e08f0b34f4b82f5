/**
 * Pure network choices of the Tamma pipeline: the seed's CIDRs, the awsx subnet specs built from them, the NAT
 * strategy per stack and the VPC endpoints that keep the worker's S3, ECR and log traffic off the NAT gateways.
 */

/** The seed's address plan (terraform-aws-modules/vpc in `main.tf`): a /16, three private and three public /24s. */
export const SEED_CIDRS = {
  vpc: "10.0.0.0/16",
  private: ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"],
  public: ["10.0.100.0/24", "10.0.101.0/24", "10.0.102.0/24"],
} as const;

/** Availability zones the VPC spans (the seed used the first three available). */
export const AZ_COUNT = 3;

export type NatMode = "Single" | "OnePerAz";

/** One awsx subnet spec with explicit CIDRs, one block per AZ. */
export interface SubnetSpec {
  type: "Private" | "Public";
  name: string;
  cidrBlocks: string[];
}

/** Parses "a.b.c.d/n" into a 32-bit start address and prefix length; throws on malformed input. */
export function parseCidr(cidr: string): { start: number; bits: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) throw new Error(`network: "${cidr}" is not an IPv4 CIDR block`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) throw new Error(`network: "${cidr}" is out of range`);
  const start = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  if ((start & mask) >>> 0 !== start) throw new Error(`network: "${cidr}" has host bits set`);
  return { start, bits };
}

/** Whether CIDR `inner` lies entirely inside `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (i.bits < o.bits) return false;
  const size = 2 ** (32 - o.bits);
  return i.start >= o.start && i.start + 2 ** (32 - i.bits) <= o.start + size;
}

/** Whether two CIDR blocks share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  const xEnd = x.start + 2 ** (32 - x.bits);
  const yEnd = y.start + 2 ** (32 - y.bits);
  return x.start < yEnd && y.start < xEnd;
}

/**
 * The awsx `subnetSpecs` for the seed's layout: private subnets first (their order is the order of the AZs),
 * then public ones. Checks that every block lies in the VPC and that none overlap, so a bad edit fails here,
 * not half-way through a deployment.
 */
export function subnetSpecs(
  cidrs: { vpc: string; private: readonly string[]; public: readonly string[] } = SEED_CIDRS,
): SubnetSpec[] {
  const all = [...cidrs.private, ...cidrs.public];
  if (cidrs.private.length !== AZ_COUNT || cidrs.public.length !== AZ_COUNT) {
    throw new Error(`network: need ${AZ_COUNT} private and ${AZ_COUNT} public blocks, one per AZ`);
  }
  for (const c of all) {
    if (!cidrContains(cidrs.vpc, c)) throw new Error(`network: subnet ${c} is outside the VPC ${cidrs.vpc}`);
  }
  for (let i = 0; i < all.length; i++)
    for (let j = i + 1; j < all.length; j++)
      if (cidrsOverlap(all[i], all[j])) throw new Error(`network: subnets ${all[i]} and ${all[j]} overlap`);
  return [
    { type: "Private", name: "private", cidrBlocks: [...cidrs.private] },
    { type: "Public", name: "public", cidrBlocks: [...cidrs.public] },
  ];
}

/** NAT gateways a strategy creates for `azs` zones (what the stack pays for). */
export function natGatewayCount(mode: NatMode, azs = AZ_COUNT): number {
  return mode === "Single" ? 1 : azs;
}

/** Interface endpoints the worker uses instead of the NAT: image pulls (ECR API + registry) and its logs. */
export const INTERFACE_ENDPOINT_SERVICES = ["ecr.api", "ecr.dkr", "logs"] as const;

/** `com.amazonaws.<region>.<service>` */
export function endpointServiceName(region: string, service: string): string {
  return `com.amazonaws.${region}.${service}`;
}
