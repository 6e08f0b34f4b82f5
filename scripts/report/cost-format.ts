/** The cost estimate as text lines (pure). */
import { CostEstimate, usd } from "./cost";
import { Prices } from "./prices";

const fmtQty = (q: number) => (q >= 100 ? q.toFixed(0) : +q.toPrecision(4) + "");

export function formatCost(est: CostEstimate, prices: Prices): string[] {
  const lines: string[] = [];
  lines.push(
    `Monthly cost estimate of stack "${est.stack}" in ${est.region} (${est.hoursPerMonth} h a month, USD, ` +
      `prices from scripts/report/prices/${est.region}.json; free tiers not deducted):`,
  );
  lines.push("", `Fixed part (always on): ${usd(est.fixedUsd)}/month`);
  if (!est.fixed.length) lines.push("  (nothing always on)");
  for (const l of est.fixed) {
    lines.push(`  ${l.system.padEnd(10)} ${l.item.padEnd(52)} ${l.formula}`);
  }
  lines.push("", "Usage-driven rates (per unit of each system's own work, with this stack's settings):");
  for (const r of est.rates) {
    lines.push(`  ${r.label}: ${usd(r.usd, 4)} per ${r.unit}`);
    // Alternatives (not in the total) share every part but the capacity: show only what differs.
    const main = est.rates.find((x) => x.system === r.system && x.inTotal);
    const shown =
      r.inTotal || !main ? r.parts : r.parts.filter((p) => !main.parts.some((q) => q.item === p.item));
    if (shown.length < r.parts.length) lines.push("      (other parts as in the configured rate)");
    for (const p of shown) {
      lines.push(
        `      ${p.item.padEnd(64)} ${fmtQty(p.quantity)} ${p.unit} × $${p.unitUsd} = ${usd(p.usd, 6)}`,
      );
    }
  }
  lines.push("", "Reference month (fixed part + these volumes at the rates above):");
  for (const l of est.reference) {
    lines.push(
      `  ${l.system.padEnd(10)} ${l.volume} × ${l.unit} at ${usd(l.rateUsd, 4)} = ${usd(l.monthlyUsd)}`,
    );
  }
  lines.push(
    `  total: ${usd(est.fixedUsd)} fixed + ${usd(est.referenceUsd)} usage = ${usd(est.monthlyUsd)}/month`,
  );
  if (est.seed.length) {
    lines.push("", "Compared with the seed Terraform's equivalent (same prices, same assumptions):");
    for (const s of est.seed) {
      const money =
        s.programUsd !== undefined && s.seedUsd !== undefined
          ? `  program ${usd(s.programUsd, 4)} vs seed ${usd(s.seedUsd, 4)} per ${s.per}`
          : "";
      lines.push(`  ${s.system}: ${s.aspect}:${money}`);
      lines.push(`      program: ${s.program}`, `      seed:    ${s.seed}`);
    }
  }
  lines.push("", `Not priced (${est.unpriced.length}):`);
  for (const u of est.unpriced) lines.push(`  ${u.what}: ${u.reason}`);
  const fetched = est.priceKeys.filter((k) => /^fetched/i.test(prices.entry(k).obtained)).length;
  lines.push(
    "",
    `Prices used: ${est.priceKeys.length} figures, ${fetched} fetched from the AWS Price List, ` +
      `${est.priceKeys.length - fetched} written by hand (see each figure's "obtained"); as of ` +
      [...new Set(est.priceKeys.map((k) => prices.entry(k).asOf))].sort().join(", ") +
      ". Assumptions: scripts/report/workload.ts.",
  );
  return lines;
}
