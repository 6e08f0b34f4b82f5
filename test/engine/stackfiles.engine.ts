/**
 * The real CLI reads `Pulumi.yaml` and each committed stack file: `pulumi config` and `pulumi preview` of a copy of
 * each stack that keeps only the systems tama and e2e (those it enables) must accept them. This is where a key
 * declared in Pulumi.yaml without a default, or a declared secret that a stack does not set, breaks.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { CLIENT_SECRET, OPENAI_KEY, startEmulator } from "../tama/helpers";
import { TamaEmulator } from "../tama/emulator";
import { E2eEmulator, EMULATOR_DEFAULTS } from "../e2e-faas/emulator";
import { EngineBed, REPO_ROOT, requirePinnedCli } from "./bed";
import { runProgram } from "../harness/program";
import { changedNames, diagnostics, nameOf, parseEvents, summaryOf } from "./events";

type Obj = Record<string, unknown>;

describe("real Pulumi CLI: Pulumi.yaml and the committed stack files (tama/e2e-only copies)", function () {
  this.timeout(300_000);
  let bed: EngineBed;
  let tama: TamaEmulator;
  let e2e: E2eEmulator;

  before(async () => {
    tama = await startEmulator();
    e2e = await E2eEmulator.start();
    bed = new EngineBed("stackfiles");
    await requirePinnedCli(bed);
  });

  after(async () => {
    await tama?.stop();
    await e2e?.close();
    bed?.remove();
  });

  for (const stack of ["dev", "stage", "prod"]) {
    it(`${stack}: pulumi config and pulumi preview accept Pulumi.yaml and Pulumi.${stack}.yaml`, async () => {
      const doc = yaml.load(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Obj;
      };
      const config = doc.config;
      const systems = (config["ai-platform:systems"] as string[]).filter((s) => s === "tama" || s === "e2e");
      assert.ok(systems.length > 0, `${stack} enables tama or e2e`);
      config["ai-platform:systems"] = systems;
      const secrets: Record<string, string> = {};
      if (systems.includes("tama")) {
        config["tama:baseUrl"] = tama.baseUrl;
        secrets["tama:clientSecret"] = CLIENT_SECRET;
        const ws = config["ai-platform:tamaWorkspace"] as { sources?: { key: string }[] };
        for (const s of ws.sources ?? []) secrets[`tama:${s.key}ApiKey`] = OPENAI_KEY;
      }
      if (systems.includes("e2e")) {
        config["e2e:baseUrl"] = e2e.baseUrl;
        config["e2e:projectId"] ??= EMULATOR_DEFAULTS.projectId;
        secrets["e2e:apiKey"] = EMULATOR_DEFAULTS.apiKey;
        secrets["e2e:authToken"] = EMULATOR_DEFAULTS.authToken;
      }
      bed.writeStackFile(stack, config);
      await bed.ok(["stack", "init", stack, "--non-interactive"]);
      for (const [k, v] of Object.entries(secrets))
        await bed.ok(["config", "set", "--secret", k, v, "-s", stack]);

      const shown = JSON.parse((await bed.ok(["config", "-s", stack, "--json"])).stdout) as Record<
        string,
        { value?: string; secret: boolean }
      >;
      assert.equal(shown["ai-platform:systems"]?.value, JSON.stringify(systems));
      for (const k of Object.keys(secrets)) assert.equal(shown[k]?.secret, true, `${k} is a secret`);

      const preview = await bed.run(["preview", "-s", stack, "--non-interactive", "--json"], 240_000);
      const events = parseEvents(preview.stdout);
      assert.equal(preview.code, 0, `${diagnostics(events, "error").join("")}${preview.stderr}`);
      assert.equal(summaryOf(events).result, "succeeded");
      const created = Object.keys(changedNames(events));
      if (systems.includes("tama")) assert.ok(created.includes("tama-space"), created.join(", "));
      if (systems.includes("e2e"))
        assert.ok(
          created.some((n) => n.startsWith("e2e-")),
          created.join(", "),
        );
      assert.equal(
        tama.apiRequests().filter((r) => r.method !== "GET").length,
        0,
        "a preview writes nothing",
      );
      assert.equal(e2e.count("POST") + e2e.count("PUT") + e2e.count("DELETE"), 0, "a preview writes nothing");

      // The mocked run (what `npm run plan` and the unit tests see) registers the same resources as the engine plans.
      const planned = [
        ...new Set(
          events
            .map((e) => e.resOutputsEvent?.metadata)
            .filter((m) => m && m.op === "create" && m.type !== "pulumi:pulumi:Stack")
            .map((m) => `${m!.type} ${nameOf(m!.urn)}`),
        ), // a component's step is reported again when it registers its outputs
      ].sort();
      const mocked = await runProgram(stack, {
        overrides: { "ai-platform:systems": JSON.stringify(systems) },
      });
      assert.deepEqual(mocked.resources.map((r) => `${r.type} ${r.name}`).sort(), planned);
    });
  }

  it("the check has teeth: a declared key without a default, or a declared secret set in plain text, fails preview", async () => {
    const original = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8");
    const project = yaml.load(original) as { config: Obj };
    const stackFile = bed.readStackFile("dev");
    try {
      bed.write(
        "Pulumi.yaml",
        yaml.dump({ ...project, config: { ...project.config, probeRequired: { type: "string" } } }),
      );
      let r = await bed.run(["preview", "-s", "dev", "--non-interactive"]);
      assert.notEqual(r.code, 0);
      assert.match(r.stdout + r.stderr, /missing configuration value 'probeRequired'/);

      const secretKey = { type: "string", secret: true };
      bed.write(
        "Pulumi.yaml",
        yaml.dump({ ...project, config: { ...project.config, probeSecret: secretKey } }),
      );
      bed.write(
        "Pulumi.dev.yaml",
        stackFile.replace("config:\n", "config:\n  ai-platform:probeSecret: plain\n"),
      );
      r = await bed.run(["preview", "-s", "dev", "--non-interactive"]);
      assert.notEqual(r.code, 0);
      assert.match(r.stdout + r.stderr, /'probeSecret' must be encrypted/);
    } finally {
      bed.write("Pulumi.yaml", original);
      bed.write("Pulumi.dev.yaml", stackFile);
    }
  });
});
