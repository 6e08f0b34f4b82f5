/**
 * The import generator (`npm run tama:import`) and the lookups (the seed's data sources), against the
 * emulator; plus the pure wire helpers.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { getLimit, getModel, getSource, getSourceOutput, getSpace, providers } from "../../providers/tama";
import { resolveConnection } from "../../providers/tama/client";
import { canonicalJson, sameParameters } from "../../providers/tama/wire";
import * as yaml from "js-yaml";
import { workspaceSchema } from "../../config/tama";
import {
  fetchObjects,
  generateImport,
  generateWorkspaceYaml,
  identifier,
  parseId,
} from "../../scripts/tama-import";
import { TamaEmulator } from "./emulator";
import { OPENAI_KEY, STATIC_KEY, configure, isolateEnv, startEmulator } from "./helpers";

const ROOT = path.resolve(__dirname, "..", "..");

describe("tama import generator and lookups", function () {
  this.timeout(60_000);
  let emu: TamaEmulator;
  let restoreEnv: () => void;
  const ids: Record<string, string> = {};

  before(async () => {
    process.env.TAMA_LOG = "off";
    emu = await startEmulator();
    restoreEnv = isolateEnv({ TAMA_BASE_URL: emu.baseUrl, TAMA_API_KEY: STATIC_KEY });
    const settings = { "tama:baseUrl": emu.baseUrl, "tama:apiKey": STATIC_KEY };
    for (const p of Object.values(providers)) await configure(p, settings);
    ids.space = (await providers.space.create({ name: "Production AI Services", type: "root" })).id;
    ids.source = (
      await providers.source.create({
        spaceId: ids.space,
        name: "OpenAI Production",
        type: "model",
        endpoint: "https://api.openai.com/v1",
        apiKey: OPENAI_KEY,
        request: { headers: [{ name: "x-team", value: "platform" }] },
      })
    ).id;
    ids.model = (
      await providers.model.create({
        sourceId: ids.source,
        identifier: "gpt-4",
        path: "/chat/completions",
        parameters: { temperature: 0.2 },
      })
    ).id;
    ids.limit = (
      await providers.limit.create({ sourceId: ids.source, scaleUnit: "minutes", scaleCount: 1, limit: 100 })
    ).id;
  });
  after(async () => {
    restoreEnv();
    await emu.stop();
  });

  it("parses the id forms", () => {
    assert.deepEqual(parseId("space:abc"), { kinds: ["space"], id: "abc" });
    assert.deepEqual(parseId("src-1/model-2"), { kinds: ["model"], id: "model-2", sourceId: "src-1" });
    assert.deepEqual(parseId("model:src-1/model-2"), { kinds: ["model"], id: "model-2", sourceId: "src-1" });
    assert.deepEqual(parseId("abc"), { kinds: ["space", "source", "limit"], id: "abc" });
    assert.throws(() => parseId("model:abc"), /<sourceId>\/<modelId>/);
    assert.equal(identifier("Production AI Services", "space"), "productionAiServices");
    assert.equal(identifier("4o mini", "model"), "model4oMini");
  });

  it("prints declarations with existingIds, live values and linked parents, and no secret", async () => {
    const objects = await fetchObjects(resolveConnection({}), [
      ids.space,
      `source:${ids.source}`,
      `${ids.source}/${ids.model}`,
      ids.limit,
    ]);
    const code = generateImport(objects, { source: emu.baseUrl });
    assert.ok(!code.includes(OPENAI_KEY) && !code.includes(STATIC_KEY), "no credential printed");
    assert.match(code, /export const productionAiServices = new tama\.Space\("production-ai-services", \{/);
    assert.match(code, new RegExp(`existingId: "${ids.space}"`));
    assert.match(code, /spaceId: productionAiServices\.id,/);
    assert.match(code, /apiKey: tamaConfig\.requireSecret\("openaiProductionApiKey"\),/);
    assert.match(code, /request: \{"headers":\[\{"name":"x-team","value":"platform"\}\]\},/);
    assert.match(
      code,
      /sourceId: openaiProduction\.id,\n {2}identifier: "gpt-4",\n {2}path: "\/chat\/completions",/,
    );
    assert.match(code, /parameters: \{"temperature":0\.2\},/);
    assert.match(code, new RegExp(`existingId: "${ids.source}/${ids.model}"`));
    assert.match(code, /new tama\.Limit\("minutes-limit", \{\n {2}sourceId: openaiProduction\.id,/);
    assert.match(code, /scaleCount: 1,\n {2}limit: 100,/);
    assert.match(code, /pulumi config set --secret tama:openaiProductionApiKey <key>/);
  });

  it("--yaml prints an ai-platform:tamaWorkspace block the config loader accepts", async () => {
    const objects = await fetchObjects(resolveConnection({}), [
      ids.space,
      ids.source,
      `${ids.source}/${ids.model}`,
      ids.limit,
    ]);
    const text = generateWorkspaceYaml(objects);
    assert.ok(!text.includes(OPENAI_KEY) && !text.includes(STATIC_KEY));
    assert.match(text, /pulumi config set --secret tama:openaiProductionApiKey <key>/);
    const block = (yaml.load(text) as Record<string, unknown>)["ai-platform:tamaWorkspace"];
    const parsed = workspaceSchema.safeParse(block);
    assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
    const ws = parsed.data;
    assert.equal(ws.space.existingId, ids.space);
    assert.equal(ws.sources[0].key, "openaiProduction");
    assert.equal(ws.sources[0].existingId, ids.source);
    assert.deepEqual(ws.sources[0].models[0], {
      key: "gpt4",
      identifier: "gpt-4",
      path: "/chat/completions",
      parameters: { temperature: 0.2 },
      existingId: `${ids.source}/${ids.model}`,
    });
    assert.deepEqual(ws.sources[0].limits[0], {
      key: "limit1",
      scaleUnit: "minutes",
      scaleCount: 1,
      limit: 100,
      existingId: ids.limit,
    });
    assert.throws(
      () => generateWorkspaceYaml(objects.filter((o) => o.kind !== "space")),
      /exactly one space/,
    );
  });

  it("prints code that type-checks against the real resource classes", async () => {
    const objects = await fetchObjects(resolveConnection({}), [
      ids.space,
      ids.source,
      `${ids.source}/${ids.model}`,
      ids.limit,
    ]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tama-import-"));
    const file = path.join(dir, "imported.ts");
    fs.writeFileSync(file, generateImport(objects, { importPath: path.join(ROOT, "providers", "tama") }));
    try {
      const program = ts.createProgram([file], {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        esModuleInterop: true,
        types: ["node"],
        typeRoots: [path.join(ROOT, "node_modules", "@types")],
        baseUrl: ROOT,
        paths: { "@pulumi/pulumi": [path.join(ROOT, "node_modules", "@pulumi", "pulumi")] },
      });
      const diags = ts
        .getPreEmitDiagnostics(program)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      assert.deepEqual(diags, []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Runs the script in a child process (asynchronously: the emulator answers from this process). */
  function runScript(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "scripts/tama-import.ts", ...args],
        { cwd: ROOT, env: { ...process.env, TAMA_BASE_URL: emu.baseUrl, TAMA_API_KEY: STATIC_KEY } },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
  }

  it("runs as `npm run tama:import -- <ids>` with the connection from the environment", async () => {
    const res = await runScript([ids.space, `${ids.source}/${ids.model}`]);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, /tama:import: reading 2 object\(s\) from http:\/\/127\.0\.0\.1:\d+ \.\.\./);
    assert.match(res.stdout, /new tama\.Space\(/);
    assert.match(
      res.stdout,
      new RegExp(`sourceId: "${ids.source}",`),
      "an unimported parent stays a literal id",
    );
    assert.ok(!res.stdout.includes(STATIC_KEY) && !res.stderr.includes(STATIC_KEY));
    const missing = await runScript(["no-such-id"]);
    assert.equal(missing.status, 2, "an id the API does not know is bad input: one line, exit 2");
    assert.doesNotMatch(missing.stderr, /\n\s+at /, "no stack trace");
    assert.match(missing.stderr, /No space, source, limit with id "no-such-id"/);
  });

  describe("lookups", () => {
    // explicit settings: in a program they come from the stack's tama: config, else the environment
    const opts = { settings: {} as Record<string, string> };
    before(() => (opts.settings = { baseUrl: emu.baseUrl, apiKey: STATIC_KEY }));
    it("get every kind by id, a source also by specification and slug", async () => {
      assert.deepEqual(await getSpace({ id: ids.space }, opts), {
        id: ids.space,
        name: "Production AI Services",
        type: "root",
        slug: "production-ai-services",
        provisionState: "active",
      });
      const src = await getSource({ id: ids.source }, opts);
      assert.equal(src.spaceId, ids.space);
      assert.equal(src.endpoint, "https://api.openai.com/v1");
      assert.equal("apiKey" in src, false);
      const model = await getModel({ id: ids.model }, opts);
      assert.deepEqual(model.parameters, { temperature: 0.2 });
      assert.equal(model.path, "/chat/completions");
      const limit = await getLimit({ id: ids.limit }, opts);
      assert.deepEqual(
        [limit.sourceId, limit.scaleUnit, limit.scaleCount, limit.limit],
        [ids.source, "minutes", 1, 100],
      );

      const spec = emu.seedSpecificationSource(
        "spec-1",
        ids.space,
        "Elasticsearch Index Creation and Alias API",
        "https://es.example.com",
      );
      const bySlug = await getSource(
        {
          specificationId: "spec-1",
          slug: "elasticsearch-index-creation-and-alias-api",
        },
        opts,
      );
      assert.equal(bySlug.id, spec.id);
      const out = await new Promise((r) => getSourceOutput({ id: ids.source }, opts).apply(r));
      assert.equal((out as { id: string }).id, ids.source);
    });

    it("reject bad arguments and name what is missing", async () => {
      await assert.rejects(
        getSource({ id: "x", slug: "y" } as never),
        /give either 'id' or both 'specificationId' and 'slug', not both/,
      );
      await assert.rejects(
        getSource({ slug: "y" } as never),
        /either 'id' or both 'specificationId' and 'slug' must be provided/,
      );
      await assert.rejects(
        getSpace({ id: "nope" }, opts),
        /^Error: Unable to read space "nope": it does not exist \(API error 404: space not found\)$/,
      );
      await assert.rejects(getLimit({ id: "" }), /getLimit: id is required/);
    });
  });

  it("compares JSON canonically", () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, 1], c: null } }), '{"a":{"c":null,"d":[2,1]},"b":1}');
    assert.equal(sameParameters({ a: 1, b: 2 }, { b: 2, a: 1 }), true);
    assert.equal(sameParameters(undefined, {}), true);
    assert.equal(sameParameters({ a: [1, 2] }, { a: [2, 1] }), false);
  });
});
