/**
 * The checked-in price table of a region (`scripts/report/prices/<region>.json`): every figure with its unit,
 * the AWS page it comes from, the month it was current and how it was obtained. Validated on load.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";

export const PRICES_DIR = path.join(__dirname, "prices");

const priceEntry = z.object({
  usd: z.number().nonnegative(),
  unit: z.string().min(1),
  page: z.string().url(),
  asOf: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, "asOf must be YYYY-MM or YYYY-MM-DD"),
  obtained: z.string().min(10),
  offerCode: z.string().optional(),
  usageType: z.string().optional(),
  attributes: z.record(z.string(), z.string()).optional(),
  /** Price-list units per unit of this table (1,000,000 for a per-million figure); default 1. */
  listUnitsPerUnit: z.number().positive().optional(),
  note: z.string().optional(),
});

export const priceTableSchema = z.object({
  $comment: z.string().optional(),
  region: z.string().min(1),
  location: z.string().min(1),
  currency: z.literal("USD"),
  hoursPerMonth: z.number().positive(),
  priceListIndex: z.string().url(),
  prices: z.record(z.string(), priceEntry),
});

export type PriceEntry = z.infer<typeof priceEntry>;
export type PriceTable = z.infer<typeof priceTableSchema>;

/** Every price key the cost model reads; the table must define each (checked by `loadPriceTable`). */
export const PRICE_KEYS = [
  "natGatewayHour",
  "natGatewayGb",
  "publicIpv4Hour",
  "interfaceEndpointHour",
  "interfaceEndpointGb",
  "gatewayEndpoint",
  "alarmMonth",
  "logsIngestGb",
  "logsStorageGbMonth",
  "lambdaRequestsMillion",
  "lambdaGbSecondArm",
  "lambdaGbSecondX86",
  "httpApiRequestsMillion",
  "dynamoWriteRequestMillion",
  "dynamoReadRequestMillion",
  "dynamoStorageGbMonth",
  "dynamoPitrGbMonth",
  "s3StandardGbMonth",
  "s3PutThousand",
  "s3GetThousand",
  "sqsStandardMillion",
  "sqsFifoMillion",
  "fargateVcpuHour",
  "fargateGbHour",
  "fargateSpotVcpuHour",
  "fargateSpotGbHour",
  "ec2G5XlargeHour",
  "ecrStorageGbMonth",
  "eventsCustomMillion",
  "xrayTracesMillion",
  "kmsKeyMonth",
  "ssmAdvancedParameterMonth",
  "secretsManagerSecretMonth",
  "agentCoreVcpuHour",
  "agentCoreGbHour",
  "bedrockClaude35SonnetInputMillion",
  "bedrockClaude35SonnetOutputMillion",
] as const;
export type PriceKey = (typeof PRICE_KEYS)[number];

/** A validated table with typed access to the figures the model needs. */
export interface Prices {
  table: PriceTable;
  usd(key: PriceKey): number;
  entry(key: PriceKey): PriceEntry;
}

export function pricesFrom(table: PriceTable): Prices {
  const missing = PRICE_KEYS.filter((k) => !(k in table.prices));
  if (missing.length) {
    throw new Error(`price table ${table.region}: missing ${missing.join(", ")}`);
  }
  return {
    table,
    usd: (key) => table.prices[key].usd,
    entry: (key) => table.prices[key],
  };
}

export function priceTablePath(region: string, dir = PRICES_DIR): string {
  return path.join(dir, `${region}.json`);
}

/** Regions with a checked-in table. */
export function pricedRegions(dir = PRICES_DIR): string[] {
  return fs
    .readdirSync(dir)
    .map((f) => /^([a-z0-9-]+)\.json$/.exec(f)?.[1])
    .filter((r): r is string => !!r)
    .sort();
}

/** Reads and validates the table of a region; `undefined` when the region has none. */
export function loadPriceTable(region: string, dir = PRICES_DIR): Prices | undefined {
  const file = priceTablePath(region, dir);
  if (!fs.existsSync(file)) return undefined;
  const parsed = priceTableSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`${path.relative(process.cwd(), file)} is invalid: ${issues}`);
  }
  if (parsed.data.region !== region) {
    throw new Error(`${file}: region is "${parsed.data.region}", expected "${region}"`);
  }
  return pricesFrom(parsed.data);
}

/** One line of the fixed part: quantity × unit price, checkable by hand. */
export interface FixedLine {
  system: string;
  item: string;
  quantity: number;
  unit: string;
  priceKey: PriceKey;
  unitUsd: number;
  monthlyUsd: number;
  formula: string;
  urns: string[];
}
