/**
 * Moving from Terraform: `npm run -s migrate -- <stack> --system <name> [--tfstate <file>] [--out <file>]`.
 *
 * Evaluates the program offline for the stack (as the plan does) and writes a `pulumi import --file` document
 * for the AWS resources of one system that the seed's Terraform holds: the program's logical names and parents,
 * ids read from the Terraform state (`terraform state pull > seed.tfstate`) mapped by resource address, or
 * without a state, derived from the program's naming with marked placeholders for cloud-only ids. Resources
 * the seed does not have are created new, listed with the reason. The JSON goes to standard output (or --out);
 * everything else goes to standard error, so `npm run -s migrate -- ... > import.json` is valid JSON.
 */
import * as fs from "fs";
import { SYSTEMS } from "../lib/naming";
import { runProgramForCli } from "../test/harness/program";
import { listStacks, readStackConfig } from "../test/harness/stackfile";
import { CliError, parseCli, runCli } from "./cli";
import { ImportPlan, applySeed, buildImportPlan, findSystemComponent } from "./migrate-import";
import { SEEDS, isSeedSystem } from "./migrate-seeds";
import { readTfState } from "./migrate-tfstate";
import { main as tamaImport } from "./tama-import";

export const USAGE =
  `npm run -s migrate -- <stack> --system <${SYSTEMS.join("|")}> [--tfstate <terraform.tfstate>] [--out <file>]\n` +
  `       (tama: npm run -s migrate -- <stack> --system tama [--yaml] <ids...>)`;

const SPEC = {
  usage: USAGE,
  flags: {
    system: { type: "string", choices: SYSTEMS },
    tfstate: { type: "string" },
    out: { type: "string" },
    yaml: { type: "boolean" },
  },
  positionals: { min: 1, max: 1000 },
} as const;

/**
 * Tama and E2E FaaS objects are dynamic resources, which `pulumi import` cannot import (pulumi/pulumi#16175).
 * They are adopted with `existingId` instead: for Tama this prints the declarations with their ids (the Tama
 * import generator, which reads the live objects); for E2E FaaS it says which setting adopts a function.
 */
async function dynamicSystem(system: "tama" | "e2e", ids: string[], yaml: boolean): Promise<number> {
  console.error(
    `${system} objects are dynamic resources: \`pulumi import\` cannot import them (pulumi/pulumi#16175); ` +
      "the next `pulumi up` adopts them through existingId instead.",
  );
  if (system === "e2e") {
    if (ids.length) throw new CliError(`--system e2e takes no ids (got "${ids[0]}")`, true);
    console.error(
      "Adopt a live function by name: set adopt (and physicalName, when its name differs) in its entry of\n" +
        "ai-platform:e2eFunctions, e.g. pulumi config set --path 'e2eFunctions.process-orders.adopt' true",
    );
    return 0;
  }
  if (ids.length === 0) {
    console.error(
      "Pass the ids of the Terraform-managed Tama objects (terraform state show tama_space.<name>, ...):\n" +
        "  npm run -s migrate -- <stack> --system tama [--yaml] space:<id> source:<id> <sourceId>/<modelId> limit:<id>",
    );
    return 2;
  }
  return tamaImport(yaml ? ["--yaml", ...ids] : ids);
}

export async function main(argv: string[]): Promise<number> {
  const { flags, positionals } = parseCli(SPEC, argv);
  const [stack, ...rest] = positionals;
  const stacks = listStacks();
  if (!stacks.includes(stack))
    throw new CliError(`unknown stack "${stack}" (stacks: ${stacks.join(", ")})`, true);
  const system = flags.system;
  if (!system) throw new CliError(`--system is required (one of ${SYSTEMS.join(", ")})`, true);
  if (system === "tama" || system === "e2e") {
    if (flags.tfstate)
      throw new CliError(
        `--tfstate applies to the AWS systems; ${system} objects are adopted with existingId`,
      );
    return dynamicSystem(system, rest, !!flags.yaml);
  }
  if (rest.length) throw new CliError(`unexpected argument "${rest[0]}"`, true);
  if (!isSeedSystem(system)) throw new CliError(`--system ${system} has no seed Terraform to migrate from`);
  if (flags.yaml) throw new CliError("--yaml applies to --system tama only", true);
  const state = flags.tfstate ? readTfState(flags.tfstate) : undefined;

  console.error(
    `Evaluating the program for stack "${stack}" offline to list what it declares for "${system}" ...`,
  );
  const run = await runProgramForCli(stack);
  if (!run) return 2;
  const root = findSystemComponent(run.resources, system);
  if (!root) {
    console.error(
      `Stack "${stack}" does not enable "${system}": add it to ai-platform:systems in Pulumi.${stack}.yaml with the settings ` +
        `that reproduce the old Terraform workspace (docs/migration.md), then run this again.`,
    );
    return 2;
  }
  const { config } = readStackConfig(stack);
  if (state) console.error(`Reading ${state.instances.size} resource instances from ${state.file} ...`);
  const plan = applySeed(
    buildImportPlan(run.resources, { rootUrn: root.urn, region: config["aws:region"] }),
    SEEDS[system],
    state,
  );
  const json = JSON.stringify(plan.file, null, 2) + "\n";
  if (flags.out) fs.writeFileSync(flags.out, json);
  else process.stdout.write(json);
  printSteps(plan, {
    stack,
    system,
    file: flags.out ?? "import.json",
    protect: config["ai-platform:protect"] === "true",
    state: !!state,
  });
  return 0;
}

function printSteps(
  plan: ImportPlan,
  o: { stack: string; system: string; file: string; protect: boolean; state: boolean },
): void {
  const log = (s = "") => console.error(s);
  log(
    `\n${plan.file.resources.length} resources of "${o.system}" to import in stack "${o.stack}"` +
      `${o.state ? ", ids from the Terraform state" : ""}; ${plan.createdNew.length} created new.`,
  );
  log("Steps:");
  log(`  1. pulumi stack select ${o.stack}`);
  log(`  2. Create the system's provider and components in state (no cloud resource is created):`);
  log(`     pulumi up ${plan.targets.map((t) => `--target '${t}'`).join(" ")}`);
  log(
    `  3. ${plan.placeholders.length ? `Replace every placeholder below in ${o.file}, then: ` : ""}` +
      `pulumi import --file ${o.file}${o.protect ? "" : " --protect=false"}`,
  );
  log(
    `  4. pulumi preview   (expect no replacement), then remove the imported addresses from the Terraform state.`,
  );
  if (plan.createdNew.length) {
    log("\nCreated new by the next `pulumi up` (not in the import file):");
    for (const c of plan.createdNew) log(`  - ${c.resource} (${c.type}): ${c.reason}`);
  }
  if (plan.skipped.length) {
    log("\nNot imported:");
    for (const s of plan.skipped) log(`  - ${s.resource} (${s.type}): ${s.reason}`);
  }
  if (plan.notTakenOver.length) {
    log("\nIn the Terraform state, not taken over (delete after cut-over):");
    for (const n of plan.notTakenOver) log(`  - ${n.address}: ${n.reason}`);
  }
  log(`\nPlaceholders to replace (${plan.placeholders.length})${plan.placeholders.length ? ":" : ""}`);
  for (const p of plan.placeholders) log(`  - ${p.token}  (${p.type} of ${p.resource}): ${p.find}`);
  if (!o.state && plan.placeholders.length)
    log("  (pass --tfstate <file> from `terraform state pull` to fill them from the state)");
}

if (require.main === module) runCli(USAGE, () => main(process.argv.slice(2)));
