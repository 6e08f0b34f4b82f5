/**
 * The plan as a report: `--cost` prints the monthly estimate, `--html <file>` writes one self-contained page.
 * scripts/plan.ts parses these flags and hands its evaluated plan to `writeReports`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Finding } from "../../policy/evaluate";
import type { StandIn } from "../../test/harness/stackfile";
import { readStackConfig } from "../../test/harness/stackfile";
import { CostEstimate, estimateCost } from "./cost";
import { formatCost } from "./cost-format";
import { renderHtml } from "./html";
import { PlanModel, ReportResource } from "./model";
import { loadPriceTable, pricedRegions, Prices } from "./prices";

export interface ReportFlags {
  cost: boolean;
  html?: string;
}

/** The plan model from what plan.ts evaluated. */
export function planModel(
  stack: string,
  resources: ReportResource[],
  findings: Finding[],
  standIns: StandIn[],
  config = readStackConfig(stack).config,
): PlanModel {
  const providerRegions = resources
    .filter((r) => r.type === "pulumi:providers:aws" && typeof r.inputs.region === "string")
    .map((r) => r.inputs.region as string);
  const region = config["aws:region"] ?? providerRegions[0] ?? "us-east-1";
  return {
    stack,
    region,
    resources: resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      inputs: r.inputs,
      parent: r.parent,
      custom: r.custom,
      protect: r.protect,
      importId: r.importId,
      derived: r.derived,
      provider: r.provider,
      dependencies: r.dependencies,
      propertyDependencies: r.propertyDependencies,
    })),
    findings,
    standIns,
    config,
  };
}

export interface ReportResult {
  estimate?: CostEstimate;
  /** Text to print. */
  lines: string[];
  /** Non-empty when the report could not be made (exit 2). */
  error?: string;
}

/** Builds what the flags ask for; writes the HTML file. */
export function writeReports(model: PlanModel, flags: ReportFlags): ReportResult {
  let prices: Prices | undefined;
  try {
    prices = loadPriceTable(model.region);
  } catch (e) {
    return { lines: [], error: (e as Error).message };
  }
  const lines: string[] = [];
  let estimate: CostEstimate | undefined;
  if (!prices) {
    const msg =
      `No price table for region ${model.region} (have: ${pricedRegions().join(", ")}): ` +
      `add scripts/report/prices/${model.region}.json; the cost is left out.`;
    if (flags.cost) return { lines: [], error: msg };
    lines.push(msg);
  } else {
    estimate = estimateCost(model, prices);
    if (flags.cost) lines.push("", ...formatCost(estimate, prices));
  }
  if (flags.html) {
    const file = path.resolve(flags.html);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, renderHtml(model, estimate, prices));
    lines.push("", `Report page written: ${file} (self-contained; open it in any browser, offline).`);
  }
  return { estimate, lines };
}
