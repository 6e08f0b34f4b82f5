/**
 * TamaWorkspace under the suite's mocks, the real index.ts with the dev and stage stack files, and the
 * Tama config section (connection keys, the workspace block, per-source secret API keys).
 */
import { SYSTEMS } from "../../lib/naming";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { TamaWorkspace, normalizeWorkspace } from "../../components/tama";
import { ConfigError, parseConfig } from "../../config";
import { parseSourceApiKeys } from "../../config/tama";
import { installMocks, promiseOf, recorder } from "../harness/mocks";
import { runProgram } from "../harness/program";
import { readStackConfig } from "../harness/stackfile";
import { OPENAI_KEY } from "./helpers";

const T = (t: string) => `pulumi-nodejs:dynamic/tama:${t}`;

const quickStart = {
  space: { name: "Production AI Services", type: "root" as const },
  sources: [
    {
      key: "openai",
      name: "OpenAI Production",
      endpoint: "https://api.openai.com/v1",
      apiKey: pulumi.secret(OPENAI_KEY),
      models: [{ key: "gpt4", identifier: "gpt-4", path: "/chat/completions" }],
      limits: [{ scaleUnit: "minutes" as const, scaleCount: 1, limit: 100 }],
    },
  ],
};

describe("TamaWorkspace component", function () {
  this.timeout(60_000);

  it("builds space → source → model → limit, each child parented and linked to its parent's id", async () => {
    await installMocks("dev");
    const ws = new TamaWorkspace("tama", quickStart);
    const limitIds = await promiseOf(ws.limitIds);
    assert.deepEqual(limitIds, { "openai/0": "tama-limit-openai-0-id" });
    assert.deepEqual(await promiseOf(ws.sourceIds), { openai: "tama-source-openai-id" });
    assert.equal(await promiseOf(ws.spaceSlug), "production-ai-services");

    const component = recorder.byName("tama", "ai-platform:tama:TamaWorkspace");
    const space = recorder.byName("tama-space", T("Space"));
    const source = recorder.byName("tama-source-openai", T("Source"));
    const model = recorder.byName("tama-model-openai-gpt4", T("Model"));
    const limit = recorder.byName("tama-limit-openai-0", T("Limit"));
    for (const r of [space, source, model, limit]) assert.equal(r.parent, component.urn, `${r.name} parent`);
    assert.equal(space.inputs.name, "Production AI Services");
    assert.equal(source.inputs.spaceId, "tama-space-id");
    assert.deepEqual(source.propertyDependencies.spaceId, [space.urn]);
    assert.equal(model.inputs.sourceId, "tama-source-openai-id");
    assert.deepEqual(
      { unit: limit.inputs.scaleUnit, count: limit.inputs.scaleCount, limit: limit.inputs.limit },
      { unit: "minutes", count: 1, limit: 100 },
    );
    assert.equal(source.inputs.type, "model", "type defaults to model");
  });

  it("keeps the source API key secret and out of every provider's code", async () => {
    await installMocks("dev");
    const ws = new TamaWorkspace("tama", quickStart);
    await promiseOf(ws.limitIds);
    const source = recorder.byName("tama-source-openai", T("Source"));
    assert.deepEqual(source.additionalSecretOutputs, ["apiKey"]);
    assert.equal(await pulumi.isSecret(ws.sources.openai.apiKey), true);
    for (const r of recorder.resources.filter((x) => x.custom)) {
      assert.equal(typeof r.inputs.__provider, "string", `${r.name} carries its provider code`);
      assert.ok(!String(r.inputs.__provider).includes(OPENAI_KEY), `${r.name}: no key in __provider`);
    }
  });

  it("protects every Tama object when asked, and passes existingId through for adoption", async () => {
    await installMocks("prod");
    const ws = new TamaWorkspace("tama", {
      space: { ...quickStart.space, existingId: "space-123" },
      sources: [
        {
          ...quickStart.sources[0],
          existingId: "src-456",
          models: [{ ...quickStart.sources[0].models[0], existingId: "src-456/model-789" }],
        },
      ],
      protect: true,
    });
    await promiseOf(ws.modelIds);
    for (const r of recorder.resources.filter((x) => x.custom)) assert.equal(r.protect, true, r.name);
    assert.equal(recorder.byName("tama-space").inputs.existingId, "space-123");
    assert.equal(recorder.byName("tama-source-openai").inputs.existingId, "src-456");
    assert.equal(recorder.byName("tama-model-openai-gpt4").inputs.existingId, "src-456/model-789");
  });

  it("rejects duplicate keys before registering anything", () => {
    assert.throws(
      () =>
        normalizeWorkspace({
          space: quickStart.space,
          sources: [quickStart.sources[0], quickStart.sources[0]],
        }),
      /TamaWorkspace: source key "openai" is used twice/,
    );
  });

  it("is what index.ts builds for dev: the seed's Quick Start", async () => {
    const run = await runProgram("dev");
    const tama = run.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/tama:"));
    assert.deepEqual(tama.map((r) => r.name).sort(), [
      "tama-limit-openai-openaiRateLimit",
      "tama-model-openai-gpt4",
      "tama-source-openai",
      "tama-space",
    ]);
    const source = tama.find((r) => r.type === T("Source"))!;
    assert.equal(source.inputs.endpoint, "https://api.openai.com/v1");
    // registered as a secret value: Pulumi's secret signature around the per-source key
    assert.deepEqual(source.inputs.apiKey, {
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      value: "test-secret-tama-openaiApiKey",
    });
    assert.deepEqual(run.outputs.tamaSourceIds, { openai: "tama-source-openai-id" });
  });

  it("builds stage with its own space, two sources and their limits", async () => {
    const run = await runProgram("stage");
    const names = run.resources
      .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/tama:"))
      .map((r) => r.name);
    assert.equal(names.length, 7);
    assert.equal(run.resources.find((r) => r.type === T("Space"))!.inputs.name, "Stage AI Services");
    const model = run.resources.find((r) => r.name === "tama-model-openai-gpt4o")!;
    assert.deepEqual(model.inputs.parameters, { temperature: 0.2 });
  });
});

describe("Tama config", () => {
  const base = () => readStackConfig("dev");
  const parse = (config: Record<string, string>, secretKeys: string[]) =>
    parseConfig(config, { stack: "dev", secretKeys: new Set(secretKeys), implemented: SYSTEMS });
  const issuesOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      return e.issues;
    }
    assert.fail("expected a ConfigError");
  };

  it("reads the dev stack: connection defaults and the Quick Start workspace", () => {
    const { config, secretKeys } = base();
    const cfg = parse(config, secretKeys);
    assert.equal(cfg.tama!.baseUrl, "https://api.tama.io");
    assert.deepEqual(cfg.tama!.scopes, ["provision.all"]);
    assert.equal(cfg.tama!.timeout, 30);
    assert.equal(cfg.tama!.tamaWorkspace.sources[0].models[0].identifier, "gpt-4");
    assert.equal(cfg.tama!.tamaWorkspace.sources[0].type, "model");
  });

  it("names each bad setting and its rule", () => {
    const { config, secretKeys } = base();
    const ws = JSON.parse(config["ai-platform:tamaWorkspace"]);
    ws.sources[0].endpoint = "http://api.openai.com/v1";
    ws.sources[0].limits[0].limit = 0;
    ws.space.type = "team";
    const issues = issuesOf(() =>
      parse(
        {
          ...config,
          "ai-platform:tamaWorkspace": JSON.stringify(ws),
          "tama:timeout": "900",
          "tama:baseUrl": "http://api.tama.io",
        },
        secretKeys,
      ),
    );
    const byKey = Object.fromEntries(issues.map((i) => [i.key, i]));
    assert.match(byKey["tama:baseUrl"].rule, /https:\/\/ URL/);
    assert.match(byKey["tama:timeout"].rule, /a whole number from 1 to 300/);
    assert.match(byKey["ai-platform:tamaWorkspace.space.type"].rule, /one of "root", "component", "global"/);
    assert.match(byKey["ai-platform:tamaWorkspace.sources[0].endpoint"].rule, /an https:\/\/ URL/);
    assert.match(byKey["ai-platform:tamaWorkspace.sources[0].limits[0].limit"].rule, /greater than 0/);
  });

  it("requires credentials, complete client credentials, and secrets stored as secrets", () => {
    const { config, secretKeys } = base();
    const without = { ...config };
    delete without["tama:clientId"];
    delete without["tama:clientSecret"];
    const saved = {
      id: process.env.TAMA_CLIENT_ID,
      key: process.env.TAMA_API_KEY,
      s: process.env.TAMA_CLIENT_SECRET,
    };
    delete process.env.TAMA_CLIENT_ID;
    delete process.env.TAMA_CLIENT_SECRET;
    delete process.env.TAMA_API_KEY;
    try {
      const [none] = issuesOf(() => parse(without, secretKeys));
      assert.equal(none.key, "tama:clientId");
      assert.match(none.rule, /set tama:clientId and tama:clientSecret .* or tama:apiKey .* TAMA_API_KEY/);
      const [half] = issuesOf(() => parse({ ...without, "tama:clientId": "id" }, secretKeys));
      assert.equal(half.key, "tama:clientSecret");
      const [plain] = issuesOf(() =>
        parse(
          { ...without, "tama:apiKey": "plaintext-key-0001" },
          secretKeys.filter((k) => k !== "tama:apiKey"),
        ),
      );
      assert.deepEqual(
        [plain.key, plain.problem],
        ["tama:apiKey", "is stored in plaintext in the stack file"],
      );
      process.env.TAMA_API_KEY = "from-env";
      assert.ok(parse(without, secretKeys).tama, "the environment may provide them");
    } finally {
      for (const [k, v] of [
        ["TAMA_CLIENT_ID", saved.id],
        ["TAMA_API_KEY", saved.key],
        ["TAMA_CLIENT_SECRET", saved.s],
      ] as const)
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });

  it("requires each source's API key as a secret, tama:<key>ApiKey", async () => {
    const { config, secretKeys } = base();
    const ws = parse(config, secretKeys).tama!.tamaWorkspace;
    const keys = parseSourceApiKeys(ws, config, {
      stack: "dev",
      secretKeys: new Set(secretKeys),
      implemented: SYSTEMS,
    });
    assert.equal(await pulumi.isSecret(keys.openai), true);
    const missing = { ...config };
    delete missing["tama:openaiApiKey"];
    const [m] = issuesOf(() =>
      parseSourceApiKeys(ws, missing, { stack: "dev", secretKeys: new Set(), implemented: [] }),
    );
    assert.equal(m.key, "tama:openaiApiKey");
    assert.equal(m.problem, "missing secret");
    assert.match(m.rule, /pulumi config set --secret tama:openaiApiKey <value>/);
    const [p] = issuesOf(() =>
      parseSourceApiKeys(
        ws,
        { ...config, "tama:openaiApiKey": OPENAI_KEY },
        { stack: "dev", secretKeys: new Set(), implemented: [] },
      ),
    );
    assert.equal(p.problem, "is stored in plaintext in the stack file");
    assert.ok(!JSON.stringify(p).includes(OPENAI_KEY));
  });
});
