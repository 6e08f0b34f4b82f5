/**
 * Offline plan: `npm run plan -- <stack>`.
 *
 * Evaluates index.ts under the test mocks with that stack's config (Pulumi.yaml defaults, then
 * Pulumi.<stack>.yaml; secrets replaced by stand-ins), prints the resources grouped by component with the
 * settings that matter, counts per type, and every policy finding. No cloud state is read and computed
 * values (ids, ARNs, URLs) are mock placeholders. `--cost` adds the monthly cost estimate and `--html <file>`
 * writes the plan as one self-contained page (both in scripts/report/). Exit codes: 0 ok, 1 a mandatory policy
 * is violated, 2 bad usage or invalid config.
 */
import { evaluatePolicies, isBlocking } from "../policy/evaluate";
import { allRules } from "../policy/rules";
import { runProgramForCli } from "../test/harness/program";
import { listStacks } from "../test/harness/stackfile";
import { formatPlan } from "./plan-format";
import { parseReportFlags, planModel, writeReports } from "./report";

async function main(argv: string[]): Promise<number> {
  const stacks = listStacks();
  const report = parseReportFlags(argv);
  if ("error" in report) {
    console.error(`plan: ${report.error}`);
    return 2;
  }
  const stack = report.rest.find((a) => !a.startsWith("-"));
  if (!stack || !stacks.includes(stack)) {
    console.error(`usage: npm run plan -- <stack>   (stacks: ${stacks.join(", ")})`);
    return 2;
  }
  console.log(`Offline plan of stack "${stack}": evaluating index.ts under mocks.`);
  console.log(
    "No cloud state is read; computed values (ids, ARNs, URLs) are placeholders, secrets are stand-ins.",
  );
  console.log(`Reading Pulumi.yaml and Pulumi.${stack}.yaml ...`);
  const run = await runProgramForCli(stack);
  if (!run) return 2;
  for (const { key, secret } of run.standIns) {
    const name = key.startsWith("ai-platform:") ? key.slice("ai-platform:".length) : key;
    console.log(
      `${secret ? "Secret" : "Setting"} ${key} is not in Pulumi.${stack}.yaml: using a stand-in ` +
        `(before pulumi up: pulumi config set${secret ? " --secret" : ""} ${name} <value>).`,
    );
  }
  console.log(
    `Program evaluated: ${run.resources.length} registrations. Checking ${allRules.length} policy rules ...\n`,
  );
  const findings = evaluatePolicies(run.resources, allRules);
  for (const line of formatPlan(stack, run.resources, findings)) console.log(line);
  console.log("\nStack outputs (offline values):");
  for (const [k, v] of Object.entries(run.outputs)) {
    console.log(`  ${k}: ${run.secretOutputs.includes(k) ? "[secret]" : JSON.stringify(v)}`);
  }
  if (report.flags.cost || report.flags.html) {
    const out = writeReports(planModel(stack, run.resources, findings, run.standIns), report.flags);
    for (const line of out.lines) console.log(line);
    if (out.error) {
      console.error(`plan: ${out.error}`);
      return 2;
    }
  }
  const blocking = findings.filter(isBlocking).length;
  console.log(blocking ? `\nPLAN FAILED: ${blocking} mandatory policy violation(s).` : "\nPlan OK.");
  return blocking ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(2);
  },
);
