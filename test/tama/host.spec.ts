/**
 * Layers 2 and 3: the Tama providers serialized the way `pulumi.dynamic.Resource` does (no credential in
 * the text, even after `configure` ran in this process), reloaded and run; and the real provider host from
 * @pulumi/pulumi driven over gRPC, configured with stack config or only with environment variables.
 */
import * as assert from "node:assert/strict";
import { deployedProviders } from "../../providers/tama";
import {
  HostError,
  ProviderHost,
  dynamicUrn,
  loadSerialized,
  serializeProvider,
} from "../harness/provider-host";
import { TamaEmulator } from "./emulator";
import {
  ALL_SECRETS,
  CLIENT_ID,
  CLIENT_SECRET,
  OPENAI_KEY,
  STATIC_KEY,
  clearTokens,
  configure,
  isolateEnv,
  oauthConfig,
  startEmulator,
} from "./helpers";

type Any = Record<string, unknown>;

/** What the engine receives: the minified providers (providers/minified.ts). */
const providers = deployedProviders();

describe("tama providers: serialized, and in the real provider host", function () {
  this.timeout(60_000);
  let emu: TamaEmulator;
  const texts: Record<string, string> = {};

  before(async () => {
    process.env.TAMA_LOG = "off";
    emu = await startEmulator();
    // configure the module-level objects first: serialization must still carry no credential
    for (const p of Object.values(providers))
      await configure(p, oauthConfig(emu, { "tama:apiKey": STATIC_KEY }));
    for (const [kind, p] of Object.entries(providers)) {
      const sf = await serializeProvider(p);
      assert.equal(sf.containsSecrets, false, `${kind}: no secret captured`);
      texts[kind] = sf.text;
    }
  });
  after(async () => emu.stop());

  it("serializes each provider without any credential, base URL or token in the text", () => {
    for (const [kind, text] of Object.entries(texts)) {
      // The host sends `__provider` back in one gRPC trailer on a partial failure, capped at 64 KiB.
      assert.ok(text.length < 45_000, `${kind}: serialized text stays small (${text.length} characters)`);
      for (const s of [...ALL_SECRETS, emu.baseUrl, "tok-"])
        assert.ok(!text.includes(s), `${kind}: serialized text contains ${s.slice(0, 6)}...`);
      assert.match(text, /require\("crypto"\)/, `${kind}: built-ins are required, not inlined`);
    }
  });

  it("runs the whole lifecycle from the reloaded text, configured like the host does", async () => {
    const restore = isolateEnv();
    try {
      clearTokens();
      const space = loadSerialized(texts.space);
      const source = loadSerialized(texts.source);
      for (const p of [space, source]) await configure(p, oauthConfig(emu));
      const s = await space.create({ name: "Reloaded", type: "root" });
      const src = await source.create({
        spaceId: s.id,
        name: "openai",
        type: "model",
        endpoint: "https://api.openai.com/v1",
        apiKey: OPENAI_KEY,
      });
      const read = await source.read!(src.id, src.outs);
      assert.equal((read.props as Any).apiKey, OPENAI_KEY);
      const upd = await space.update!(s.id, s.outs, { name: "Reloaded 2", type: "root" });
      assert.equal((upd.outs as Any).slug, "reloaded-2");
      await source.delete!(src.id, src.outs);
      await space.delete!(s.id, upd.outs);
      assert.equal(emu.spaces.has(s.id), false);
      // the two reloaded copies share one token through the per-process registry
      assert.equal(emu.tokenRequests, 1);
    } finally {
      restore();
    }
  });

  describe("over gRPC", () => {
    let host: ProviderHost;
    before(async () => {
      host = await ProviderHost.start({ env: { TAMA_LOG: "off" } });
      await host.configure({
        "tama:baseUrl": emu.baseUrl,
        "tama:clientId": CLIENT_ID,
        "tama:clientSecret": CLIENT_SECRET,
        "ai-platform:systems": '["tama"]',
      });
    });
    after(async () => host.stop());

    it("checks, creates, diffs, updates, refreshes and deletes a source tree", async () => {
      emu.resetLog();
      const spaceUrn = dynamicUrn("tama", "Space", "production");
      const bad = await host.check(spaceUrn, {}, { __provider: texts.space, name: "", type: "" });
      assert.deepEqual(
        bad.failures.map((f) => f.property),
        ["name", "type"],
      );
      const { inputs } = await host.check(
        spaceUrn,
        {},
        { __provider: texts.space, name: "Production", type: "root" },
      );
      const space = await host.create(spaceUrn, inputs);
      assert.equal(space.properties.slug, "production");
      assert.equal(space.properties.__provider, texts.space);

      const srcUrn = dynamicUrn("tama", "Source", "openai");
      const srcIn = {
        __provider: texts.source,
        spaceId: space.id,
        name: "openai",
        type: "model",
        endpoint: "https://api.openai.com/v1",
        apiKey: OPENAI_KEY,
      };
      const src = await host.create(srcUrn, (await host.check(srcUrn, {}, srcIn)).inputs);
      const limUrn = dynamicUrn("tama", "Limit", "openai-rate");
      const limIn = {
        __provider: texts.limit,
        sourceId: src.id,
        scaleUnit: "minutes",
        scaleCount: 1,
        limit: 100,
      };
      const lim = await host.create(limUrn, (await host.check(limUrn, {}, limIn)).inputs);
      assert.equal(lim.properties.limit, 100);
      assert.equal(emu.tokenRequests, 1, "one token for the whole host process");

      // a change of provider code alone is no diff
      const newCode = `${texts.limit}\n// provider code changed\n`;
      assert.deepEqual(await host.diff(lim.id, limUrn, lim.properties, { ...limIn, __provider: newCode }), {
        changes: "none",
        replaces: [],
        deleteBeforeReplace: false,
      });
      assert.deepEqual(await host.diff(lim.id, limUrn, lim.properties, { ...limIn, sourceId: "other" }), {
        changes: "some",
        replaces: ["sourceId"],
        deleteBeforeReplace: false,
      });
      const upd = await host.update(lim.id, limUrn, lim.properties, { ...limIn, limit: 300 });
      assert.equal(upd.properties.limit, 300);
      assert.equal(upd.properties.provisionState, "active", "update keeps every output");

      emu.limits.get(lim.id)!.count = 50; // drift made outside Pulumi
      const refreshed = await host.read(lim.id, limUrn, upd.properties);
      assert.equal(refreshed.properties.limit, 50);
      assert.equal(refreshed.inputs?.limit, 50);
      assert.equal(refreshed.properties.__provider, texts.limit);

      await host.delete(lim.id, limUrn, refreshed.properties);
      const gone = await host.read(lim.id, limUrn, refreshed.properties);
      assert.equal(gone.id, "", "a 404 on refresh drops the resource");
      await host.delete(lim.id, limUrn, refreshed.properties);

      await assert.rejects(
        host.create(srcUrn, { ...srcIn, endpoint: "http://api.openai.com/v1" }),
        (e: HostError) =>
          e.message === 'Unable to create source "openai": API error 422: endpoint must use HTTPS',
      );
      const all = host.stderr.join("");
      for (const s of ALL_SECRETS) assert.ok(!all.includes(s), "the host logged a credential");
    });

    it("fetches one token for 50 concurrent creates across the separately loaded providers", async () => {
      const fresh = await ProviderHost.start({ env: { TAMA_LOG: "off" } });
      try {
        await fresh.configure({
          "tama:baseUrl": emu.baseUrl,
          "tama:clientId": CLIENT_ID,
          "tama:clientSecret": CLIENT_SECRET,
        });
        emu.resetLog();
        // the parent space exists already, so all 50 creates start with no token in this process
        const space = { id: "host-many" };
        emu.spaces.set(space.id, {
          id: space.id,
          name: "Many",
          type: "root",
          slug: "many",
          provision_state: "active",
        });
        const created = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            i % 2 === 0
              ? fresh.create(dynamicUrn("tama", "Space", `s${i}`), {
                  __provider: texts.space,
                  name: `s${i}`,
                  type: "root",
                })
              : fresh.create(dynamicUrn("tama", "Source", `src${i}`), {
                  __provider: texts.source,
                  spaceId: space.id,
                  name: `src${i}`,
                  type: "model",
                  endpoint: "https://api.openai.com/v1",
                  apiKey: OPENAI_KEY,
                }),
          ),
        );
        assert.equal(new Set(created.map((c) => c.id)).size, 50);
        assert.equal(emu.tokenRequests, 1);
        assert.equal(emu.apiRequests().length, 50);
      } finally {
        await fresh.stop();
      }
    });

    it("answers an import-style read (inputs only) with props and inputs", async () => {
      const s = await host.create(dynamicUrn("tama", "Space", "imp"), {
        __provider: texts.space,
        name: "Imported",
        type: "global",
      });
      const read = await host.read(
        s.id,
        dynamicUrn("tama", "Space", "imp"),
        {},
        {
          __provider: texts.space,
          name: "Declared name",
          type: "global",
        },
      );
      assert.equal(read.id, s.id);
      assert.equal(read.properties.name, "Imported");
      assert.deepEqual(read.inputs, { __provider: texts.space, name: "Imported", type: "global" });
    });
  });

  it("works in a host configured with nothing but the environment variables", async () => {
    const host = await ProviderHost.start({
      env: { TAMA_LOG: "off", TAMA_BASE_URL: emu.baseUrl, TAMA_API_KEY: STATIC_KEY },
    });
    try {
      await host.configure({});
      emu.resetLog();
      const s = await host.create(dynamicUrn("tama", "Space", "env"), {
        __provider: texts.space,
        name: "From env",
        type: "root",
      });
      assert.equal(emu.spaces.get(s.id)!.name, "From env");
      assert.equal(emu.requests[0].headers.authorization, `Bearer ${STATIC_KEY}`);
      await host.delete(s.id, dynamicUrn("tama", "Space", "env"), s.properties);
    } finally {
      await host.stop();
    }
  });

  it("fails in a host with no credentials at all with one clear message", async () => {
    const restore = isolateEnv();
    const host = await ProviderHost.start({ env: { TAMA_LOG: "off" } });
    try {
      await host.configure({ "tama:baseUrl": emu.baseUrl });
      await assert.rejects(
        host.create(dynamicUrn("tama", "Space", "none"), {
          __provider: texts.space,
          name: "x",
          type: "root",
        }),
        (e: HostError) =>
          /^Unable to create space "x": Tama credentials are missing: set tama:clientId/.test(e.message),
      );
    } finally {
      await host.stop();
      restore();
    }
  });
});
