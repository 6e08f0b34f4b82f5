/**
 * Reading the Pulumi CLI's machine output: `--json` on `up`/`refresh`/`destroy` (and on `preview` with
 * PULUMI_ENABLE_STREAMING_JSON_PREVIEW) prints one engine event per line. Plain functions, tested on their own
 * (events.spec.ts).
 */

export interface StepMetadata {
  op: string;
  urn: string;
  type: string;
  diffs?: string[];
  detailedDiff?: Record<string, { kind: string }> | null;
}

export interface EngineEvent {
  sequence?: number;
  summaryEvent?: {
    resourceChanges?: Record<string, number>;
    result?: string;
    isPreview?: boolean;
    PolicyPacks?: Record<string, string>;
  };
  resourcePreEvent?: { metadata: StepMetadata };
  resOutputsEvent?: { metadata: StepMetadata };
  resOpFailedEvent?: { metadata: StepMetadata };
  diagnosticEvent?: { message: string; severity: string; urn?: string; prefix?: string };
  policyEvent?: {
    resourceUrn?: string;
    message: string;
    policyName: string;
    policyPackName: string;
    enforcementLevel: string;
  };
}

/** Parses newline-delimited events; a line that is not a JSON object is an error naming the line. */
export function parseEvents(stdout: string): EngineEvent[] {
  const events: EngineEvent[] = [];
  stdout.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`line ${i + 1} of the CLI's --json output is not JSON: ${line.slice(0, 200)}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error(`line ${i + 1} of the CLI's --json output is not an event object`);
    events.push(parsed as EngineEvent);
  });
  return events;
}

/** The closing summary: change counts by operation and the result ("succeeded", "failed"). */
export function summaryOf(events: EngineEvent[]): { changes: Record<string, number>; result: string } {
  const s = events.find((e) => e.summaryEvent)?.summaryEvent;
  if (!s) throw new Error("the CLI printed no summary event");
  return { changes: { ...(s.resourceChanges ?? {}) }, result: s.result ?? "" };
}

/** The resource name of a URN (its last `::` segment). */
export function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** Completed steps, name → operations in order (e.g. `tama-space` → ["create"]). "same" steps included. */
export function stepsByName(events: EngineEvent[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of events) {
    const m = e.resOutputsEvent?.metadata;
    if (!m) continue;
    (out[nameOf(m.urn)] ??= []).push(m.op);
  }
  return out;
}

/** Names whose completed steps include something other than "same" (the resources that changed). */
export function changedNames(events: EngineEvent[]): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(stepsByName(events)).filter(([, ops]) => ops.some((o) => o !== "same")),
  );
}

/** Diagnostics of one severity ("error", "warning", "info", ...), messages only. */
export function diagnostics(events: EngineEvent[], severity: string): string[] {
  return events
    .map((e) => e.diagnosticEvent)
    .filter((d): d is NonNullable<EngineEvent["diagnosticEvent"]> => !!d && d.severity === severity)
    .map((d) => d.message);
}

/** Policy violations: "<policy name> <resource name>". */
export function violations(events: EngineEvent[]): string[] {
  return events
    .map((e) => e.policyEvent)
    .filter((p): p is NonNullable<EngineEvent["policyEvent"]> => !!p)
    .map((p) => `${p.policyName} ${p.resourceUrn ? nameOf(p.resourceUrn) : "(stack)"}`);
}
