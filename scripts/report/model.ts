/**
 * The plan as the report sees it: what `npm run plan -- <stack>` already computed (resources with their inputs,
 * parents and declared dependencies, policy findings, the stand-ins it used), plus the stack's raw config.
 */
import type { Finding } from "../../policy/evaluate";
import type { PlanResource } from "../plan-format";

export interface ReportResource extends PlanResource {
  /** Provider reference `urn::id`. */
  provider?: string;
  /** `dependsOn` URNs. */
  dependencies?: string[];
  /** Input property → URNs it was computed from. */
  propertyDependencies?: Record<string, string[]>;
}

export interface PlanModel {
  stack: string;
  region: string;
  resources: ReportResource[];
  findings: Finding[];
  /** Keys the stack file leaves out that an offline run stood in for (`pulumi config set [--secret]` before up). */
  standIns: { key: string; secret: boolean }[];
  /** `namespace:key` → raw string, as the program saw it. */
  config: Record<string, string>;
}

/** `ai-platform:<system>:...` of the resource's top ancestor, or undefined (providers, stack-level resources). */
export function systemOf(r: ReportResource, byUrn: Map<string, ReportResource>): string | undefined {
  let cur: ReportResource | undefined = r;
  const seen = new Set<string>();
  while (cur?.parent && byUrn.has(cur.parent) && !seen.has(cur.urn)) {
    seen.add(cur.urn);
    cur = byUrn.get(cur.parent);
  }
  const m = cur ? /^ai-platform:([a-z0-9-]+):/.exec(cur.type) : null;
  return m?.[1];
}

/** Reads a dotted path from resource inputs. */
export function inputAt(inputs: Record<string, unknown>, dotted: string): unknown {
  return dotted
    .split(".")
    .reduce<unknown>(
      (o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined),
      inputs,
    );
}

export function numberAt(r: ReportResource, dotted: string): number | undefined {
  const v = inputAt(r.inputs, dotted);
  const n = typeof v === "string" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

export function stringAt(r: ReportResource, dotted: string): string | undefined {
  const v = inputAt(r.inputs, dotted);
  return typeof v === "string" ? v : undefined;
}
