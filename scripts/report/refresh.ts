/**
 * Refreshes a checked-in price table from AWS's public Price List bulk API
 * (https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/index.json → each offer's region index → the
 * region's offer file). An entry with `offerCode` + `usageType` is updated when exactly one on-demand price
 * (first tier) matches its usage type (with or without the region prefix AWS puts on it, e.g. `USE2-`) and its
 * `attributes`; everything else is left as it is and reported. No credentials are needed: the bulk API is public.
 */
import * as fs from "node:fs";
import { priceTableSchema, PriceTable } from "./prices";

export const DEFAULT_PRICE_LIST_BASE = "https://pricing.us-east-1.amazonaws.com";
/** Offer files above this size are skipped (AmazonEC2's region file is several GB). */
export const MAX_OFFER_BYTES = 400 * 1024 * 1024;

export class Unreachable extends Error {}

interface OfferFile {
  publicationDate?: string;
  products: Record<string, { sku: string; productFamily?: string; attributes?: Record<string, string> }>;
  terms: {
    OnDemand?: Record<
      string,
      Record<
        string,
        {
          priceDimensions: Record<
            string,
            { unit?: string; beginRange?: string; pricePerUnit?: { USD?: string }; description?: string }
          >;
        }
      >
    >;
  };
}

/** On-demand first-tier USD prices of the products matching a usage type and attributes (distinct values). */
export function matchPrices(
  offer: OfferFile,
  usageType: string,
  attributes: Record<string, string> = {},
): number[] {
  const escaped = usageType.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(`^(?:[A-Z0-9]+-)?${escaped}$`);
  const found = new Set<number>();
  for (const p of Object.values(offer.products)) {
    const attrs = p.attributes ?? {};
    if (!re.test(attrs.usagetype ?? "")) continue;
    if (!Object.entries(attributes).every(([k, v]) => attrs[k] === v)) continue;
    for (const term of Object.values(offer.terms.OnDemand?.[p.sku] ?? {})) {
      for (const dim of Object.values(term.priceDimensions)) {
        const usd = Number(dim.pricePerUnit?.USD);
        if ((dim.beginRange ?? "0") === "0" && Number.isFinite(usd) && usd > 0) found.add(usd);
      }
    }
  }
  return [...found].sort((a, b) => a - b);
}

export interface RefreshOptions {
  base?: string;
  region: string;
  tableFile: string;
  log?: (line: string) => void;
  /** Today's date (YYYY-MM-DD), for `obtained`. */
  today?: string;
  timeoutMs?: number;
}

export interface RefreshResult {
  updated: string[];
  unmatched: string[];
  skipped: string[];
  notRefreshable: string[];
}

async function getJson<T>(url: string, timeoutMs: number, maxBytes = Infinity): Promise<T | "too-big"> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const length = Number(res.headers.get("content-length") ?? "0");
  if (length > maxBytes) {
    await res.body?.cancel();
    return "too-big";
  }
  return (await res.json()) as T;
}

export async function refreshPrices(opts: RefreshOptions): Promise<RefreshResult> {
  const base = (opts.base ?? DEFAULT_PRICE_LIST_BASE).replace(/\/$/, "");
  const log = opts.log ?? (() => undefined);
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const today = opts.today ?? new Date().toISOString().slice(0, 10);
  const table: PriceTable = priceTableSchema.parse(JSON.parse(fs.readFileSync(opts.tableFile, "utf8")));
  const indexUrl = `${base}/offers/v1.0/aws/index.json`;
  let index: { offers: Record<string, { currentRegionIndexUrl?: string }> };
  try {
    const got = await getJson<typeof index>(indexUrl, timeoutMs);
    if (got === "too-big") throw new Error("index too big");
    index = got;
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw new Unreachable(`${indexUrl}: ${cause ?? (e as Error).message}`);
  }
  const result: RefreshResult = { updated: [], unmatched: [], skipped: [], notRefreshable: [] };
  const byOffer = new Map<string, string[]>();
  for (const [key, e] of Object.entries(table.prices)) {
    if (!e.offerCode || !e.usageType) result.notRefreshable.push(key);
    else byOffer.set(e.offerCode, [...(byOffer.get(e.offerCode) ?? []), key]);
  }
  for (const [code, keys] of byOffer) {
    const regionIndexPath = index.offers[code]?.currentRegionIndexUrl;
    if (!regionIndexPath) {
      log(`prices:refresh: offer ${code} is not in the index; leaving ${keys.join(", ")}`);
      result.unmatched.push(...keys);
      continue;
    }
    const regionIndex = await getJson<{ regions: Record<string, { currentVersionUrl: string }> }>(
      base + regionIndexPath,
      timeoutMs,
    );
    const version =
      regionIndex === "too-big" ? undefined : regionIndex.regions[opts.region]?.currentVersionUrl;
    if (!version) {
      log(`prices:refresh: offer ${code} has no ${opts.region} file; leaving ${keys.join(", ")}`);
      result.unmatched.push(...keys);
      continue;
    }
    const url = base + version;
    log(`prices:refresh: reading ${code} for ${opts.region} (${url}) ...`);
    const offer = await getJson<OfferFile>(url, timeoutMs * 15, MAX_OFFER_BYTES);
    if (offer === "too-big") {
      log(
        `prices:refresh: ${code} is over ${MAX_OFFER_BYTES / 1048576} MiB; leaving ${keys.join(", ")} (check by hand)`,
      );
      result.skipped.push(...keys);
      continue;
    }
    for (const key of keys) {
      const e = table.prices[key];
      const scale = e.listUnitsPerUnit ?? 1;
      const found = matchPrices(offer, e.usageType!, e.attributes).map((p) => +(p * scale).toPrecision(10));
      if (found.length !== 1) {
        log(
          `prices:refresh: ${key}: ${found.length ? `${found.length} prices (${found.join(", ")})` : "no price"} for usage type ${e.usageType}; left at ${e.usd}`,
        );
        result.unmatched.push(key);
        continue;
      }
      const date = (offer.publicationDate ?? today).slice(0, 10);
      if (found[0] !== e.usd) log(`prices:refresh: ${key}: ${e.usd} -> ${found[0]}`);
      table.prices[key] = {
        ...e,
        usd: found[0],
        asOf: date,
        obtained: `Fetched from ${url} (publicationDate ${date}) on ${today} by npm run prices:refresh.`,
      };
      result.updated.push(key);
    }
  }
  fs.writeFileSync(opts.tableFile, JSON.stringify(table, null, 2) + "\n");
  return result;
}
