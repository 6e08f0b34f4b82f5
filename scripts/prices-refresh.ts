/**
 * `npm run prices:refresh [-- <region>...]`: updates scripts/report/prices/<region>.json from AWS's public
 * Price List bulk API where it can be reached. When it cannot, it says so in one line and exits 1, leaving the
 * table unchanged. PRICE_LIST_BASE overrides https://pricing.us-east-1.amazonaws.com (tests use a local copy).
 */
import { pricedRegions, priceTablePath } from "./report/prices";
import { DEFAULT_PRICE_LIST_BASE, refreshPrices, Unreachable } from "./report/refresh";

async function main(argv: string[]): Promise<number> {
  const known = pricedRegions();
  const regions = argv.length ? argv : known;
  const unknown = regions.filter((r) => !known.includes(r));
  if (unknown.length) {
    console.error(
      `usage: npm run prices:refresh [-- <region>...]   (regions with a table: ${known.join(", ")}; ` +
        `not: ${unknown.join(", ")})`,
    );
    return 2;
  }
  const base = process.env.PRICE_LIST_BASE ?? DEFAULT_PRICE_LIST_BASE;
  for (const region of regions) {
    console.log(`prices:refresh: ${region}: reading the Price List index at ${base} ...`);
    try {
      const r = await refreshPrices({ base, region, tableFile: priceTablePath(region), log: console.log });
      console.log(
        `prices:refresh: ${region}: ${r.updated.length} figure(s) refreshed, ${r.unmatched.length} not matched, ` +
          `${r.skipped.length} in offer files too big to read, ${r.notRefreshable.length} not in the bulk price list ` +
          `(${r.notRefreshable.join(", ")}).`,
      );
    } catch (e) {
      if (!(e instanceof Unreachable)) throw e;
      console.error(`prices:refresh: AWS Price List not reachable (${e.message}); the table is unchanged.`);
      return 1;
    }
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`prices:refresh: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
