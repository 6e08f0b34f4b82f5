/**
 * Offline plan: `npm run -s plan -- <stack> [--json]`.
 *
 * Evaluates index.ts under the test mocks with that stack's config (Pulumi.yaml defaults, then
 * Pulumi.<stack>.yaml; secrets replaced by stand-ins), prints the resources grouped by component with the
 * settings that matter, the children of awsx components listed from their known shape (the engine does not
 * register them offline), counts per type, every policy finding, and what must be set before `pulumi up`.
 * No cloud state is read and computed values (ids, ARNs, URLs) are mock placeholders. `--json` writes one JSON
 * document to standard output (progress goes to standard error). Exit codes: 0 ok, 1 a mandatory policy is
 * violated, 2 bad usage or invalid config. `--cost` adds the monthly cost estimate and `--html <file>` writes the
 * plan as one self-contained page (both in scripts/report/).
 */
import { evaluatePolicies, isBlocking } from "../policy/evaluate";
import { allRules } from "../policy/rules";
import { runProgramForCli } from "../test/harness/program";
import { listStacks, readStackConfig } from "../test/harness/stackfile";
import { CliError, parseCli, runCli } from "./cli";
import { withAwsxChildren } from "./plan-awsx";
import { checklist, formatChecklist } from "./plan-checklist";
import { formatPlan, summarize } from "./plan-format";
import { planModel, writeReports } from "./report";

export const USAGE = "npm run -s plan -- <stack> [--json] [--cost] [--html <file.html>]";

const SPEC = {
  usage: USAGE,
  flags: { json: { type: "boolean" }, cost: { type: "boolean" }, html: { type: "string" } },
  positionals: { min: 1, max: 1 },
} as const;

export async function main(argv: string[]): Promise<number> {
  const { flags, positionals } = parseCli(SPEC, argv);
  const stacks = listStacks();
  const [stack] = positionals;
  if (flags.html !== undefined && !/\.html?$/i.test(flags.html))
    throw new CliError(`--html: "${flags.html}" must end in .html`, true);
  if (!stacks.includes(stack))
    throw new CliError(`unknown stack "${stack}" (stacks: ${stacks.join(", ")})`, true);
  // In --json mode standard output carries the document only.
  const say = flags.json ? (s = "") => console.error(s) : (s = "") => console.log(s);
  say(`Offline plan of stack "${stack}": evaluating index.ts under mocks.`);
  say("No cloud state is read; computed values (ids, ARNs, URLs) are placeholders, secrets are stand-ins.");
  say(`Reading Pulumi.yaml and Pulumi.${stack}.yaml ...`);
  const { config, standIns } = readStackConfig(stack);
  for (const s of standIns) delete config[s.key];
  const todo = checklist(config);
  const run = await runProgramForCli(stack);
  if (!run) return 2;
  say(
    `Program evaluated: ${run.resources.length} registrations. Checking ${allRules.length} policy rules ...\n`,
  );
  const findings = evaluatePolicies(run.resources, allRules);
  const resources = withAwsxChildren(run.resources);
  const blocking = findings.filter(isBlocking).length;
  if (flags.json) {
    const counts: Record<string, number> = {};
    for (const r of resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
    const doc = {
      stack,
      offline: true,
      ok: blocking === 0,
      resources: resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent,
        kind: r.derived ? "derived" : r.custom ? "resource" : "component",
        summary: summarize(r),
      })),
      counts,
      findings,
      beforeUp: todo,
      outputs: Object.fromEntries(
        Object.entries(run.outputs).map(([k, v]) => [k, run.secretOutputs.includes(k) ? "[secret]" : v]),
      ),
    };
    process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
    return blocking ? 1 : 0;
  }
  for (const line of formatPlan(stack, resources, findings)) say(line);
  say("\nStack outputs (offline values):");
  for (const [k, v] of Object.entries(run.outputs)) {
    say(`  ${k}: ${run.secretOutputs.includes(k) ? "[secret]" : JSON.stringify(v)}`);
  }
  say();
  for (const line of formatChecklist(stack, todo)) say(line);
  if (flags.cost || flags.html) {
    const out = writeReports(planModel(stack, resources, findings, run.standIns), {
      cost: flags.cost === true,
      html: flags.html,
    });
    for (const line of out.lines) say(line);
    if (out.error) throw new CliError(out.error);
  }
  say(blocking ? `\nPLAN FAILED: ${blocking} mandatory policy violation(s).` : "\nPlan OK.");
  return blocking ? 1 : 0;
}

if (require.main === module) runCli(USAGE, () => main(process.argv.slice(2)));
