/**
 * Throwaway stacks (small JavaScript programs in a temporary project) for what the main stack cannot show:
 * - `pulumi preview --policy-pack policy/pack` reports the violations of a planted resource. The AWS provider
 *   plugin is not available offline, so the planted resource is a component that carries an AWS type token: the
 *   engine hands it to the real policy pack like any resource, and no provider plugin is needed;
 * - the `import` resource option on a dynamic resource, at this engine version.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { EngineBed, REPO_ROOT, requirePinnedCli } from "./bed";
import { diagnostics, parseEvents, summaryOf, violations } from "./events";

const project = (name: string) =>
  `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n`;

function throwaway(name: string, program: string): EngineBed {
  const bed = new EngineBed(name, project(name));
  bed.write("package.json", JSON.stringify({ name, version: "0.0.0", main: "index.js" }));
  bed.write("index.js", program);
  return bed;
}

describe("real Pulumi engine: throwaway stacks", function () {
  this.timeout(300_000);
  const beds: EngineBed[] = [];
  after(() => beds.forEach((b) => b.remove()));

  it("preview --policy-pack policy/pack reports the violations planted in a throwaway stack", async () => {
    const bed = throwaway(
      "policy-throwaway",
      [
        'const pulumi = require("@pulumi/pulumi");',
        "// An S3 bucket without encryption, public access block or tagged provider, as the engine sees it.",
        'new pulumi.ComponentResource("aws:s3/bucket:Bucket", "planted", {});',
        "",
      ].join("\n"),
    );
    beds.push(bed);
    await requirePinnedCli(bed);
    await bed.ok(["stack", "init", "throwaway", "--non-interactive"]);
    const r = await bed.run([
      "preview",
      "-s",
      "throwaway",
      "--non-interactive",
      "--json",
      "--policy-pack",
      path.join(REPO_ROOT, "policy", "pack"),
    ]);
    const events = parseEvents(r.stdout);
    assert.notEqual(r.code, 0, "mandatory violations fail the preview");
    assert.equal(summaryOf(events).result, "failed");
    assert.deepEqual(violations(events).sort(), [
      "aws-default-tags planted",
      "s3-access-logging planted",
      "s3-bucket-encryption planted",
      "s3-public-access-block planted",
      "s3-tls-only planted",
    ]);
    const pack = events.find((e) => e.summaryEvent)?.summaryEvent?.PolicyPacks ?? {};
    assert.deepEqual(
      Object.values(pack),
      ["0.1.0"],
      "the pack ran with the version of policy/pack/package.json",
    );
  });

  it("the import resource option on a dynamic resource fails at this engine version (Read gets no provider code)", async () => {
    const bed = throwaway(
      "import-throwaway",
      [
        'const pulumi = require("@pulumi/pulumi");',
        "const provider = {",
        '  async create(inputs) { return { id: "created", outs: inputs }; },',
        "  async read(id) { return { id, props: { v: 1 } }; },",
        "};",
        'new pulumi.dynamic.Resource(provider, "adopted", { v: 1 }, { import: "existing-1" });',
        "",
      ].join("\n"),
    );
    beds.push(bed);
    await bed.ok(["stack", "init", "throwaway", "--non-interactive"]);
    const run = await bed.events("up", "throwaway");
    assert.notEqual(run.result.code, 0);
    assert.ok(
      diagnostics(run.events, "error").some((m) => m.includes("code must be a string, not undefined")),
      diagnostics(run.events, "error").join(""),
    );
    const state = await bed.exportState("throwaway");
    assert.equal(
      (state.deployment.resources ?? []).some((x) => x.type.startsWith("pulumi-nodejs:dynamic")),
      false,
      "nothing was imported",
    );
  });
});
