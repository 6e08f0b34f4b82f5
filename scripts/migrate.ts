/**
 * Moving from Terraform: `npm run migrate -- <stack> --system <name> [--out <file>]`.
 *
 * Evaluates the program offline for the stack (as the plan does) and writes a `pulumi import --file` document
 * for the AWS resources of one system: the program's logical names and parents, ids derived from the same
 * naming module, `protect: true` where the stack protects its resources. Cloud-only ids are marked
 * placeholders, listed at the end with the command that finds each. The JSON goes to standard output (or
 * --out); everything else goes to standard error.
 */
import * as fs from "fs";
import { SYSTEMS } from "../lib/naming";
import { runProgramForCli } from "../test/harness/program";
import { listStacks, readStackConfig } from "../test/harness/stackfile";
import { buildImportPlan, findSystemComponent } from "./migrate-import";
import { main as tamaImport } from "./tama-import";

function usage(message: string): number {
  console.error(
    `${message}\nusage: npm run migrate -- <stack> --system <${SYSTEMS.join("|")}> [--out <file>]   (tama: [--yaml] <ids...>)`,
  );
  return 2;
}

/**
 * Tama and E2E FaaS objects are dynamic resources, which `pulumi import` cannot import (pulumi/pulumi#16175).
 * They are adopted with `existingId` instead: for Tama this prints the declarations with their ids (the Tama
 * import generator, which reads the live objects); for E2E FaaS it says which setting adopts a function.
 */
async function dynamicSystem(system: "tama" | "e2e", argv: string[]): Promise<number> {
  const rest = argv.slice(argv.indexOf("--system") + 2);
  console.error(
    `${system} objects are dynamic resources: \`pulumi import\` cannot import them (pulumi/pulumi#16175); ` +
      "the next `pulumi up` adopts them through existingId instead.",
  );
  if (system === "e2e") {
    console.error(
      "Adopt a live function by name: set adopt (and physicalName, when its name differs) in its entry of\n" +
        "ai-platform:e2eFunctions, e.g. pulumi config set --path 'e2eFunctions.process-orders.adopt' true",
    );
    return 0;
  }
  if (rest.length === 0) {
    console.error(
      "Pass the ids of the Terraform-managed Tama objects (terraform state show tama_space.<name>, ...):\n" +
        "  npm run migrate -- <stack> --system tama [--yaml] space:<id> source:<id> <sourceId>/<modelId> limit:<id>",
    );
    return 2;
  }
  return tamaImport(rest);
}

export async function main(argv: string[]): Promise<number> {
  const stack = argv[0] && !argv[0].startsWith("-") ? argv[0] : undefined;
  const system = argv[argv.indexOf("--system") + 1];
  const out = argv.includes("--out") ? argv[argv.indexOf("--out") + 1] : undefined;
  if (!stack || !listStacks().includes(stack))
    return usage(`unknown stack "${stack ?? ""}" (stacks: ${listStacks().join(", ")})`);
  if (!argv.includes("--system") || !(SYSTEMS as readonly string[]).includes(system))
    return usage(`--system must be one of ${SYSTEMS.join(", ")}`);

  if (system === "tama" || system === "e2e") return dynamicSystem(system, argv);

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
  const plan = buildImportPlan(run.resources, {
    rootUrn: root.urn,
    region: config["aws:region"],
    protect: config["ai-platform:protect"] === "true",
  });
  const json = JSON.stringify(plan.file, null, 2) + "\n";
  if (out) fs.writeFileSync(out, json);
  else process.stdout.write(json);

  const file = out ?? "import.json";
  console.error(`\n${plan.file.resources.length} resources of "${system}" in stack "${stack}".`);
  console.error("Steps:");
  console.error(`  1. pulumi stack select ${stack}`);
  console.error(`  2. Create the system's provider and components in state (no cloud resource is created):`);
  console.error(`     pulumi up ${plan.targets.map((t) => `--target '${t}'`).join(" ")}`);
  console.error(`  3. Replace every placeholder below in ${file}, then: pulumi import --file ${file}`);
  console.error(
    `  4. pulumi preview   (expect no replacement), then remove the resources from the Terraform state.`,
  );
  if (plan.skipped.length) {
    console.error("\nNot imported:");
    for (const s of plan.skipped) console.error(`  - ${s.resource} (${s.type}): ${s.reason}`);
  }
  console.error(`\nPlaceholders to replace (${plan.placeholders.length}):`);
  for (const p of plan.placeholders) console.error(`  - ${p.token}  (${p.type} of ${p.resource}): ${p.find}`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(2);
    },
  );
}
