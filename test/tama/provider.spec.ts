/**
 * Layer 1: the Tama providers called directly (check, diff, create, read, update, delete) against the
 * loopback emulator, asserting on the wire (paths, bodies, headers, request counts) and on the outputs.
 */
import * as assert from "node:assert/strict";
import { providers } from "../../providers/tama";
import { registry } from "../../providers/tama/client";
import { TamaEmulator } from "./emulator";
import {
  ALL_SECRETS,
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

const noSecret = (text: string) => {
  for (const s of ALL_SECRETS) assert.ok(!text.includes(s), `a credential leaked: ${text}`);
};

describe("tama providers: direct calls against the emulator", function () {
  this.timeout(30_000);
  let emu: TamaEmulator;
  let restoreEnv: () => void;

  before(async () => {
    process.env.TAMA_LOG = "off";
    emu = await startEmulator();
  });
  after(async () => emu.stop());
  beforeEach(async () => {
    restoreEnv = isolateEnv();
    clearTokens();
    for (const p of Object.values(providers)) await configure(p, oauthConfig(emu));
    emu.resetLog();
  });
  afterEach(() => restoreEnv());

  async function space(name = "Production AI Services"): Promise<string> {
    const { id } = await providers.space.create({ name, type: "root" });
    return id;
  }
  async function source(spaceId: string, extra: Any = {}): Promise<{ id: string; outs: Any }> {
    const inputs = {
      spaceId,
      name: "OpenAI Production",
      type: "model",
      endpoint: "https://api.openai.com/v1",
      apiKey: OPENAI_KEY,
      ...extra,
    };
    const { id, outs } = await providers.source.create(inputs);
    return { id, outs: outs as Any };
  }

  describe("space", () => {
    it("creates, reads, updates in place and deletes with one request each", async () => {
      const inputs = (await providers.space.check!({}, { name: "Production AI Services", type: "root" }))
        .inputs as Any;
      assert.equal(emu.requests.length, 0, "check sends nothing");
      const created = await providers.space.create(inputs);
      const [tokenReq, post] = emu.requests;
      assert.equal(tokenReq.path, "/auth/tokens");
      assert.equal(post.method, "POST");
      assert.equal(post.path, "/provision/neural/spaces");
      assert.deepEqual(post.body, { space: { name: "Production AI Services", type: "root" } });
      assert.match(String(post.headers.authorization), /^Bearer tok-/);
      assert.equal(post.headers["content-type"], "application/json");
      assert.equal(post.headers.accept, "application/json");
      assert.deepEqual(created.outs, {
        name: "Production AI Services",
        type: "root",
        slug: "production-ai-services",
        provisionState: "active",
      });

      emu.resetLog();
      const read = await providers.space.read!(created.id, created.outs);
      assert.deepEqual(read, {
        id: created.id,
        props: created.outs,
        inputs: { name: "Production AI Services", type: "root" },
      });
      assert.equal(emu.apiRequests().length, 1);

      const news = { name: "Production AI Services", type: "component" };
      const diff = await providers.space.diff!(created.id, { ...created.outs, __provider: "old code" }, news);
      assert.deepEqual(diff, { changes: true, replaces: [], deleteBeforeReplace: false });
      emu.resetLog();
      const updated = await providers.space.update!(created.id, created.outs, news);
      assert.equal(emu.requests.length, 1);
      assert.equal(emu.requests[0].method, "PATCH");
      assert.deepEqual(emu.requests[0].body, { space: { type: "component" } }, "only what changed");
      assert.equal((updated.outs as Any).type, "component");
      assert.equal((updated.outs as Any).slug, "production-ai-services", "the full output set");

      emu.resetLog();
      await providers.space.delete!(created.id, updated.outs);
      assert.deepEqual(
        emu.requests.map((r) => `${r.method} ${r.path}`),
        [`DELETE /provision/neural/spaces/${created.id}`],
      );
      assert.equal(emu.spaces.has(created.id), false);
      await providers.space.delete!(created.id, updated.outs); // already gone: succeeds
      assert.deepEqual(await providers.space.read!(created.id, updated.outs), {}, "gone: dropped from state");
    });

    it("reports no diff when only the provider code or computed outputs differ", async () => {
      const olds = { name: "A", type: "root", slug: "a", provisionState: "active", __provider: "v1" };
      const diff = await providers.space.diff!("id", olds, { name: "A", type: "root", __provider: "v2" });
      assert.deepEqual(diff, { changes: false, replaces: [], deleteBeforeReplace: false });
    });

    it("picks up drift on refresh and returns the refreshed inputs", async () => {
      const id = await space("Drifting");
      emu.spaces.get(id)!.name = "Renamed in the UI";
      const read = await providers.space.read!(id, { name: "Drifting", type: "root" });
      assert.equal((read.props as Any).name, "Renamed in the UI");
      assert.deepEqual(read.inputs, { name: "Renamed in the UI", type: "root" });
    });
  });

  describe("source", () => {
    it("creates with the credential and request block, and keeps the key only in its secret output", async () => {
      const spaceId = await space();
      emu.resetLog();
      const request = {
        headers: [{ name: "x-team", value: "platform" }],
        sessionAffinity: { location: "body", key: "prompt_cache_key", value: "actor_id" },
      };
      const { id, outs } = await source(spaceId, { request });
      const post = emu.apiRequests()[0];
      assert.equal(post.path, `/provision/sensory/spaces/${spaceId}/sources`);
      assert.deepEqual(post.body, {
        source: {
          name: "OpenAI Production",
          type: "model",
          endpoint: "https://api.openai.com/v1",
          credential: { api_key: OPENAI_KEY },
          request: {
            headers: [{ name: "x-team", value: "platform" }],
            session_affinity: { location: "body", key: "prompt_cache_key", value: "actor_id" },
          },
        },
      });
      assert.deepEqual(outs, {
        spaceId,
        name: "OpenAI Production",
        type: "model",
        endpoint: "https://api.openai.com/v1",
        apiKey: OPENAI_KEY,
        request,
        slug: "openai-production",
        provisionState: "active",
      });
      assert.equal(emu.sourceKeys.get(id), OPENAI_KEY);
      const read = await providers.source.read!(id, outs);
      assert.equal((read.props as Any).apiKey, OPENAI_KEY, "the API never returns it: kept from state");
      assert.deepEqual((read.props as Any).request, request);
    });

    it("sends only what changed, and clears the request block when it is removed", async () => {
      const spaceId = await space();
      const { id, outs } = await source(spaceId, { request: { headers: [{ name: "x-a", value: "1" }] } });
      const news: Any = { ...outs, apiKey: "sk-rotated-key-000111222333" };
      delete news.request;
      emu.resetLog();
      const diff = await providers.source.diff!(id, outs, news);
      assert.deepEqual(diff, { changes: true, replaces: [], deleteBeforeReplace: false });
      const updated = await providers.source.update!(id, outs, news);
      assert.deepEqual(emu.apiRequests()[0].body, {
        source: { credential: { api_key: "sk-rotated-key-000111222333" }, request: null },
      });
      assert.equal(emu.sources.get(id)!.request, undefined, "the server cleared it");
      assert.equal((updated.outs as Any).request, undefined);
      assert.equal((updated.outs as Any).apiKey, "sk-rotated-key-000111222333");
      assert.equal(emu.sourceKeys.get(id), "sk-rotated-key-000111222333");
    });

    it("replaces on a new spaceId, updates in place otherwise", async () => {
      const base = { spaceId: "s1", name: "n", type: "model", endpoint: "https://e.example", apiKey: "k" };
      assert.deepEqual(await providers.source.diff!("id", base, { ...base, spaceId: "s2" }), {
        changes: true,
        replaces: ["spaceId"],
        deleteBeforeReplace: false,
      });
      assert.deepEqual(await providers.source.diff!("id", base, { ...base, endpoint: "https://f.example" }), {
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
      assert.deepEqual(await providers.source.diff!("id", base, { ...base, request: {} }), {
        changes: false,
        replaces: [],
        deleteBeforeReplace: false,
      });
    });

    it('fails at once on a 422 with the API\'s field messages: Unable to create source "openai"', async () => {
      const spaceId = await space();
      emu.resetLog();
      await assert.rejects(
        providers.source.create({
          spaceId,
          name: "openai",
          type: "model",
          endpoint: "http://api.openai.com/v1",
          apiKey: OPENAI_KEY,
        }),
        (e: Error) => {
          assert.equal(e.message, 'Unable to create source "openai": API error 422: endpoint must use HTTPS');
          return true;
        },
      );
      assert.equal(emu.apiRequests().length, 1, "a 422 is not retried");
    });

    it("names a missing space (404) on create", async () => {
      await assert.rejects(
        source("no-such-space"),
        /^TamaError: Unable to create source "OpenAI Production": API error 404: space not found$/,
      );
    });
  });

  describe("model", () => {
    it("compares parameters as canonical JSON and sends only what changed", async () => {
      const spaceId = await space();
      const { id: sourceId } = await source(spaceId);
      emu.resetLog();
      const inputs = {
        sourceId,
        identifier: "gpt-4",
        path: "/chat/completions",
        parameters: { temperature: 0.2, response_format: { type: "json", strict: true } },
      };
      const created = await providers.model.create(inputs);
      assert.equal(emu.apiRequests()[0].path, `/provision/sensory/sources/${sourceId}/models`);
      assert.deepEqual(emu.apiRequests()[0].body, {
        model: { identifier: "gpt-4", path: "/chat/completions", parameters: inputs.parameters },
      });
      const reordered = {
        ...inputs,
        parameters: { response_format: { strict: true, type: "json" }, temperature: 0.2 },
      };
      assert.equal((await providers.model.diff!(created.id, created.outs, reordered)).changes, false);

      const changed = { ...inputs, parameters: { temperature: 0.7 } };
      assert.equal((await providers.model.diff!(created.id, created.outs, changed)).changes, true);
      emu.resetLog();
      const updated = await providers.model.update!(created.id, created.outs, changed);
      assert.deepEqual(emu.apiRequests()[0].body, { model: { parameters: { temperature: 0.7 } } });
      assert.deepEqual((updated.outs as Any).parameters, { temperature: 0.7 });

      const { parameters: _p, ...cleared } = changed;
      emu.resetLog();
      const removed = await providers.model.update!(created.id, updated.outs, cleared);
      assert.deepEqual(emu.apiRequests()[0].body, { model: { parameters: {} } }, "removal clears them");
      assert.equal((removed.outs as Any).parameters, undefined);
      assert.equal(emu.models.get(created.id)!.parameters, undefined);
      assert.equal((removed.outs as Any).sourceId, sourceId, "the API never returns it: kept");

      const diff = await providers.model.diff!(created.id, removed.outs, { ...cleared, sourceId: "other" });
      assert.deepEqual(diff.replaces, ["sourceId"]);
    });
  });

  describe("limit", () => {
    it("sends `count` on the wire for `limit` and updates only what changed", async () => {
      const spaceId = await space();
      const { id: sourceId } = await source(spaceId);
      emu.resetLog();
      const created = await providers.limit.create({
        sourceId,
        scaleUnit: "minutes",
        scaleCount: 1,
        limit: 100,
      });
      assert.deepEqual(emu.apiRequests()[0].body, {
        limit: { scale_unit: "minutes", scale_count: 1, count: 100 },
      });
      assert.deepEqual(created.outs, {
        sourceId,
        scaleUnit: "minutes",
        scaleCount: 1,
        limit: 100,
        provisionState: "active",
      });
      emu.resetLog();
      const updated = await providers.limit.update!(created.id, created.outs, {
        sourceId,
        scaleUnit: "minutes",
        scaleCount: 1,
        limit: 250,
      });
      assert.deepEqual(emu.apiRequests()[0].body, { limit: { count: 250 } });
      assert.equal((updated.outs as Any).limit, 250);
      emu.limits.delete(created.id);
      assert.deepEqual(await providers.limit.read!(created.id, updated.outs), {});
      await providers.limit.delete!(created.id, updated.outs);
    });
  });

  describe("check", () => {
    const cases: [keyof typeof providers, Any, string, RegExp][] = [
      ["space", { name: "", type: "root" }, "name", /name is required/],
      ["space", { name: "x", type: "" }, "type", /type is required/],
      ["space", { name: "x", type: "root", existingId: " " }, "existingId", /existing object/],
      [
        "source",
        { spaceId: "s", name: "n", type: "", endpoint: "https://e.io", apiKey: "k" },
        "type",
        /type is required/,
      ],
      [
        "source",
        { spaceId: "s", name: "n", type: "model", endpoint: "invalid-url", apiKey: "k" },
        "endpoint",
        /endpoint must be a valid URL/,
      ],
      [
        "source",
        { spaceId: "s", name: "n", type: "model", endpoint: "http://e.io", apiKey: "k" },
        "endpoint",
        /endpoint must use HTTPS/,
      ],
      [
        "source",
        { spaceId: "s", name: "n", type: "model", endpoint: "https://e.io", apiKey: "" },
        "apiKey",
        /apiKey is required/,
      ],
      [
        "source",
        { name: "n", type: "model", endpoint: "https://e.io", apiKey: "k" },
        "spaceId",
        /spaceId is required/,
      ],
      [
        "source",
        {
          spaceId: "s",
          name: "n",
          type: "model",
          endpoint: "https://e.io",
          apiKey: "k",
          request: { headers: [{ value: "v" }] },
        },
        "request.headers[0].name",
        /request.headers\[0\].name is required/,
      ],
      [
        "source",
        {
          spaceId: "s",
          name: "n",
          type: "model",
          endpoint: "https://e.io",
          apiKey: "k",
          request: { sessionAffinity: { location: "cookie", key: "k", value: "v" } },
        },
        "request.sessionAffinity.location",
        /must be one of "header", "body"/,
      ],
      ["model", { sourceId: "s", identifier: "", path: "/p" }, "identifier", /identifier is required/],
      ["model", { sourceId: "s", identifier: "i", path: "" }, "path", /path is required/],
      ["model", { sourceId: "s", identifier: "i", path: "/p", parameters: [1] }, "parameters", /JSON object/],
      [
        "limit",
        { sourceId: "s", scaleUnit: "days", scaleCount: 1, limit: 1 },
        "scaleUnit",
        /"seconds", "minutes", "hours", got "days"/,
      ],
      [
        "limit",
        { sourceId: "s", scaleUnit: "hours", scaleCount: 0, limit: 1 },
        "scaleCount",
        /greater than 0, got 0/,
      ],
      [
        "limit",
        { sourceId: "s", scaleUnit: "hours", scaleCount: 1, limit: 1.5 },
        "limit",
        /whole number greater than 0, got 1.5/,
      ],
    ];
    it("leaves type values to the server: its 422 message is passed on", async () => {
      assert.deepEqual((await providers.space.check!({}, { name: "x", type: "team" })).failures ?? [], []);
      await assert.rejects(
        providers.space.create({ name: "x", type: "team" }),
        /Unable to create space "x": API error 422: type is invalid/,
      );
    });

    for (const [kind, news, property, reason] of cases) {
      it(`${kind}: rejects a bad ${property} before any request`, async () => {
        const res = await providers[kind].check!({}, news);
        assert.equal(res.inputs, undefined);
        const f = res.failures!.find((x) => x.property === property);
        assert.ok(f, `a failure for ${property}: ${JSON.stringify(res.failures)}`);
        assert.match(f.reason, reason);
        assert.equal(emu.requests.length, 0);
      });
    }

    it("never echoes the API key and skips values unknown during a preview", async () => {
      const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
      const res = await providers.limit.check!(
        {},
        { sourceId: unknown, scaleUnit: "hours", scaleCount: unknown, limit: 5 },
      );
      assert.equal(res.failures, undefined);
      const bad = await providers.source.check!(
        {},
        { spaceId: "s", name: "n", type: "model", endpoint: OPENAI_KEY, apiKey: OPENAI_KEY },
      );
      assert.ok(bad.failures?.length);
      // the endpoint value is shown (it is not a secret), the apiKey rule never shows a value
      assert.ok(!bad.failures!.some((f) => f.property === "apiKey"));
    });

    it("normalizes: drops unknown keys, empty request parts and empty parameters", async () => {
      const res = await providers.model.check!(
        {},
        { sourceId: "s", identifier: "i", path: "/p", parameters: {}, extra: 1 },
      );
      assert.deepEqual(res.inputs, { sourceId: "s", identifier: "i", path: "/p" });
    });
  });

  describe("transient failures and errors", () => {
    it("retries 429 honouring Retry-After, then 502/503/504 and a dropped connection", async () => {
      const id = await space("retry");
      emu.resetLog();
      emu.inject({ match: "GET /provision", status: 429, retryAfter: "0.05", times: 2 });
      emu.inject({ match: "GET /provision", status: 502, retryAfter: "0" });
      emu.inject({ match: "GET /provision", status: 503, retryAfter: "0" });
      const read = await providers.space.read!(id, {});
      assert.equal((read.props as Any).name, "retry");
      assert.equal(emu.apiRequests().length, 5);
      emu.resetLog();
      emu.inject({ match: "GET /provision", status: 504, retryAfter: "0" });
      emu.inject({ match: "GET /provision", drop: true });
      await providers.space.read!(id, {});
      assert.equal(emu.apiRequests().length, 3);
    });

    it("times out a slow answer after tama:timeout seconds and retries it", async () => {
      await configure(providers.space, oauthConfig(emu, { "tama:timeout": "1" }));
      const id = await space("slow");
      emu.resetLog();
      emu.inject({ match: "GET /provision", delayMs: 1500 });
      const started = Date.now();
      await providers.space.read!(id, {});
      assert.equal(emu.apiRequests().length, 2);
      assert.ok(Date.now() - started >= 1000);
    });

    it("a space read answered with an echo of a source's API key (from tama:<key>ApiKey) fails without it, in any form", async () => {
      await configure(
        providers.space,
        oauthConfig(emu, {
          "ai-platform:tamaWorkspace": JSON.stringify({ space: { name: "s" }, sources: [{ key: "openai" }] }),
          "tama:openaiApiKey": OPENAI_KEY,
        }),
      );
      const id = await space("echo");
      const b64 = Buffer.from(OPENAI_KEY).toString("base64");
      const hex = Buffer.from(OPENAI_KEY).toString("hex");
      emu.inject({
        match: "GET /provision",
        status: 422,
        body: { errors: { detail: `key ${OPENAI_KEY} ${encodeURIComponent(OPENAI_KEY)} ${b64} ${hex}` } },
      });
      const err = await providers.space.read!(id, {}).then(
        () => assert.fail("the read should fail"),
        (e: Error) => e,
      );
      assert.match(err.message, /API error 422/);
      const text = `${err.message} ${err.stack} ${JSON.stringify(err)}`;
      for (const form of [OPENAI_KEY, b64, b64.replace(/=+$/, ""), hex])
        assert.ok(!text.includes(form), form);
    });

    it("gives up after a bounded number of attempts with a clear error (idempotent GET)", async () => {
      const id = await space("bounded");
      emu.resetLog();
      emu.inject({ match: "GET /provision", status: 503, retryAfter: "0", times: 10 });
      await assert.rejects(providers.space.read!(id, {}), /^TamaError: Unable to read space .*API error 503/);
      assert.equal(emu.apiRequests().length, 5);
    });

    it("never sends a create twice: an ambiguous POST is reconciled by natural key, 0 duplicates", async () => {
      // A space created behind a gateway timeout: found by its slug and adopted.
      const spaces = emu.spaces.size;
      const sources = emu.sources.size;
      emu.resetLog();
      emu.inject({ match: "POST /provision", status: 504, afterApply: true });
      const made = await providers.space.create({ name: "Ambiguous Space", type: "root" });
      assert.equal(emu.spaces.size, spaces + 1);
      assert.equal(emu.spaces.get(made.id)?.name, "Ambiguous Space");
      assert.equal(emu.apiRequests().filter((r) => r.method === "POST").length, 1);
      // A 503 that did not create anything: not sent again; the error says what to check.
      emu.resetLog();
      emu.inject({ match: "POST /provision", status: 503, times: 5 });
      await assert.rejects(
        providers.space.create({ name: "never", type: "root" }),
        /not sent again\. Look for space "never" in Tama/,
      );
      assert.equal(emu.apiRequests().filter((r) => r.method === "POST").length, 1);
      assert.equal(emu.spaces.size, spaces + 1);
      // A source behind a dropped connection: one POST, one source, and a message saying what to check.
      emu.resetLog();
      emu.inject({ match: "POST /provision", drop: true, afterApply: true });
      await assert.rejects(source(made.id), /not sent again\. Look for source .* in spaceId/);
      assert.equal(emu.apiRequests().filter((r) => r.method === "POST").length, 1);
      assert.equal(emu.sources.size, sources + 1);
    });

    it("does not retry other 4xx, and never shows a credential even when the server echoes it", async () => {
      const spaceId = await space();
      emu.resetLog();
      await assert.rejects(
        source(spaceId, { type: "webhook", endpoint: `https://x.io/${OPENAI_KEY}` }),
        (e: Error) => {
          assert.match(e.message, /API error 422: type is invalid/);
          noSecret(e.message);
          return true;
        },
      );
      assert.equal(emu.apiRequests().length, 1);
    });

    it("logs each retry without a credential (unless TAMA_LOG=off)", async () => {
      const id = await space("logged");
      const lines: string[] = [];
      const original = console.error;
      delete process.env.TAMA_LOG;
      console.error = (...args: unknown[]) => lines.push(args.join(" "));
      try {
        emu.inject({ match: "GET /provision", status: 429, retryAfter: "0" });
        await providers.space.read!(id, {});
      } finally {
        console.error = original;
        process.env.TAMA_LOG = "off";
      }
      assert.equal(lines.length, 1);
      assert.match(
        lines[0],
        /^tama: GET http:\/\/127\.0\.0\.1:\d+\/provision\/neural\/spaces\/.* -> HTTP 429; attempt 2 in 0 ms$/,
      );
      noSecret(lines[0]);
    });
  });

  describe("authentication", () => {
    it("fetches one token for 50 concurrent creates, then reuses it", async () => {
      const created = await Promise.all(
        Array.from({ length: 50 }, (_, i) => providers.space.create({ name: `space ${i}`, type: "root" })),
      );
      assert.equal(new Set(created.map((c) => c.id)).size, 50);
      assert.equal(emu.tokenRequests, 1);
      await providers.space.read!(created[0].id, {});
      assert.equal(emu.tokenRequests, 1);
      const [tokenReq] = emu.requests;
      assert.equal(
        tokenReq.headers.authorization,
        `Bearer ${Buffer.from(`ai-platform-ci:${CLIENT_SECRET}`).toString("base64")}`,
      );
      assert.deepEqual(tokenReq.body, { grant_type: "client_credentials", scope: "provision.all" });
      assert.equal(
        tokenReq.headers["content-type"],
        "application/x-www-form-urlencoded",
        "RFC 6749 form body",
      );
      assert.equal(tokenReq.rawBody, "grant_type=client_credentials&scope=provision.all");
    });

    it("refreshes the token before it expires", async () => {
      const shortLived = await startEmulator(2);
      try {
        await configure(
          providers.space,
          oauthConfig(shortLived, { "tama:scopes": '["provision.all","read"]' }),
        );
        const id = (await providers.space.create({ name: "a", type: "root" })).id;
        assert.equal(shortLived.tokenRequests, 1);
        assert.equal((shortLived.requests[0].body as Any).scope, "provision.all read");
        await providers.space.read!(id, {});
        assert.equal(shortLived.tokenRequests, 1, "still fresh");
        await new Promise((r) => setTimeout(r, 1100)); // 2 s lifetime, refreshed from halfway
        await providers.space.read!(id, {});
        assert.equal(shortLived.tokenRequests, 2);
      } finally {
        await shortLived.stop();
      }
    });

    it("gets a new token once when the API rejects a cached one (401)", async () => {
      const id = await space("revoked");
      emu.tokens.clear(); // the server forgot every token
      emu.resetLog();
      await providers.space.read!(id, {});
      assert.deepEqual(
        emu.requests.map((r) => `${r.method} ${r.path.split("/").slice(0, 3).join("/")}`),
        ["GET /provision/neural", "POST /auth/tokens", "GET /provision/neural"],
      );
    });

    it("says clearly when the client credentials are wrong, without the secret", async () => {
      await configure(
        providers.space,
        oauthConfig(emu, { "tama:clientSecret": "cs-wrong-secret-0123456789" }),
      );
      await assert.rejects(providers.space.create({ name: "x", type: "root" }), (e: Error) => {
        assert.match(
          e.message,
          /^Unable to create space "x": failed to obtain a Tama access token from http:\/\/127\.0\.0\.1:\d+\/auth\/tokens: API error 401: invalid_client/,
        );
        assert.ok(!e.message.includes("cs-wrong-secret-0123456789"));
        return true;
      });
    });

    it("sends a static tama:apiKey as the Bearer token, with no token request", async () => {
      await configure(providers.space, { "tama:baseUrl": emu.baseUrl, "tama:apiKey": STATIC_KEY });
      await providers.space.create({ name: "static", type: "root" });
      assert.equal(emu.tokenRequests, 0);
      assert.equal(emu.requests[0].headers.authorization, `Bearer ${STATIC_KEY}`);
    });

    it("works with only the environment variables set (no configure)", async () => {
      const { makeProvider, spaceOps } = await import("../../providers/tama/provider");
      const fresh = makeProvider(spaceOps);
      restoreEnv();
      restoreEnv = isolateEnv({ TAMA_BASE_URL: emu.baseUrl, TAMA_API_KEY: STATIC_KEY });
      const { id } = await fresh.create({ name: "from env", type: "root" });
      assert.equal(emu.spaces.get(id)!.name, "from env");
      restoreEnv();
      restoreEnv = isolateEnv({
        TAMA_BASE_URL: emu.baseUrl,
        TAMA_CLIENT_ID: "ai-platform-ci",
        TAMA_CLIENT_SECRET: CLIENT_SECRET,
      });
      await fresh.delete!(id, {});
      assert.equal(emu.spaces.has(id), false);
      assert.equal(emu.tokenRequests, 1);
    });

    it("prefers stack config over the environment", async () => {
      restoreEnv();
      restoreEnv = isolateEnv({
        TAMA_BASE_URL: "https://unreachable.invalid",
        TAMA_API_KEY: "wrong-key-123",
      });
      await configure(providers.space, oauthConfig(emu));
      await providers.space.create({ name: "config wins", type: "root" });
      assert.equal(emu.tokenRequests, 1);
    });

    it("gives one clear error naming the settings when credentials are missing", async () => {
      await configure(providers.space, { "tama:baseUrl": emu.baseUrl });
      await assert.rejects(providers.space.create({ name: "x", type: "root" }), (e: Error) =>
        /Unable to create space "x": Tama credentials are missing: set tama:clientId and tama:clientSecret .*or tama:apiKey .*TAMA_CLIENT_ID and TAMA_CLIENT_SECRET, or TAMA_API_KEY$/.test(
          e.message,
        ),
      );
      await configure(providers.space, { "tama:baseUrl": emu.baseUrl, "tama:clientId": "only-id" });
      await assert.rejects(
        providers.space.create({ name: "x", type: "root" }),
        /set tama:clientSecret \(secret\) or TAMA_CLIENT_SECRET as well/,
      );
      await configure(providers.space, { "tama:baseUrl": "http://api.tama.io", "tama:apiKey": STATIC_KEY });
      await assert.rejects(
        providers.space.create({ name: "x", type: "root" }),
        /tama:baseUrl \(or TAMA_BASE_URL\) must use https:\/\//,
      );
      await configure(providers.space, oauthConfig(emu, { "tama:timeout": "0" }));
      await assert.rejects(
        providers.space.create({ name: "x", type: "root" }),
        /tama:timeout must be a whole number of seconds from 1 to 300, got "0"/,
      );
      assert.equal(emu.requests.length, 0);
    });

    it("keeps the settings and tokens outside the provider objects", () => {
      for (const p of Object.values(providers)) {
        const text = JSON.stringify(p) + Object.keys(p).join(",");
        noSecret(text);
      }
      assert.ok(registry().configured.get(providers.space));
    });
  });

  describe("adoption (existingId)", () => {
    it("adopts a space: reads it and updates the fields that differ, on the same create", async () => {
      const id = await space("Legacy name");
      emu.resetLog();
      const res = await providers.space.create({
        name: "Production AI Services",
        type: "root",
        existingId: id,
      });
      assert.equal(res.id, id);
      assert.deepEqual(
        emu.apiRequests().map((r) => `${r.method} ${r.path}`),
        [`GET /provision/neural/spaces/${id}`, `PATCH /provision/neural/spaces/${id}`],
      );
      assert.deepEqual(emu.apiRequests()[1].body, { space: { name: "Production AI Services" } });
      assert.equal((res.outs as Any).existingId, id);
      assert.equal(emu.spaces.size >= 1, true);
      emu.resetLog();
      const same = await providers.space.create({
        name: "Production AI Services",
        type: "root",
        existingId: id,
      });
      assert.equal(same.id, id);
      assert.equal(emu.apiRequests().length, 1, "nothing differs: no PATCH");
    });

    it("adopts a source only in the declared space, and always sets the declared API key", async () => {
      const spaceA = await space("A");
      const spaceB = await space("B");
      const { id } = await source(spaceA);
      await assert.rejects(
        providers.source.create({
          spaceId: spaceB,
          name: "OpenAI Production",
          type: "model",
          endpoint: "https://api.openai.com/v1",
          apiKey: OPENAI_KEY,
          existingId: id,
        }),
        new RegExp(
          `^Error: Unable to adopt source "${id}" \\(existingId\\): it belongs to space "${spaceA}", not to the declared spaceId "${spaceB}" \\(remove existingId to create a new one\\)$`,
        ),
      );
      emu.resetLog();
      const adopted = await providers.source.create({
        spaceId: spaceA,
        name: "OpenAI Production",
        type: "model",
        endpoint: "https://api.openai.com/v2",
        apiKey: "sk-new-key-for-adoption-0001",
        existingId: id,
      });
      assert.equal(adopted.id, id);
      assert.deepEqual(emu.apiRequests()[1].body, {
        source: {
          endpoint: "https://api.openai.com/v2",
          credential: { api_key: "sk-new-key-for-adoption-0001" },
        },
      });
    });

    it("adopts a limit only on the declared source, and a model with <sourceId>/<modelId>", async () => {
      const spaceId = await space();
      const { id: s1 } = await source(spaceId);
      const { id: s2 } = await source(spaceId, { name: "Other" });
      const limit = await providers.limit.create({
        sourceId: s1,
        scaleUnit: "hours",
        scaleCount: 1,
        limit: 5,
      });
      await assert.rejects(
        providers.limit.create({
          sourceId: s2,
          scaleUnit: "hours",
          scaleCount: 1,
          limit: 5,
          existingId: limit.id,
        }),
        /it belongs to source ".*", not to the declared sourceId/,
      );
      const model = await providers.model.create({
        sourceId: s1,
        identifier: "gpt-4",
        path: "/chat/completions",
      });
      await assert.rejects(
        providers.model.create({
          sourceId: s2,
          identifier: "gpt-4",
          path: "/chat/completions",
          existingId: `${s1}/${model.id}`,
        }),
        /Unable to adopt model .* it belongs to source/,
      );
      const adopted = await providers.model.create({
        sourceId: s1,
        identifier: "gpt-4o",
        path: "/chat/completions",
        existingId: `${s1}/${model.id}`,
      });
      assert.equal(adopted.id, model.id);
      assert.equal(emu.models.get(model.id)!.identifier, "gpt-4o");
    });

    it("refuses a replacement that would adopt (and then delete) the same object again", async () => {
      const olds = { sourceId: "s1", identifier: "i", path: "/p", existingId: "m1" };
      await assert.rejects(
        providers.model.diff!("m1", olds, { ...olds, sourceId: "s2" }),
        /Changing sourceId replaces model "m1", but existingId still points at it: remove existingId/,
      );
      const diff = await providers.model.diff!("m1", olds, {
        ...olds,
        sourceId: "s2",
        existingId: undefined,
      });
      assert.deepEqual(diff.replaces, ["sourceId"]);
    });

    it("counts an input unknown during a preview as a change", async () => {
      const olds = { spaceId: "s1", name: "n", type: "model", endpoint: "https://e.io", apiKey: "k" };
      const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
      assert.deepEqual(await providers.source.diff!("x", olds, { ...olds, request: unknown }), {
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
      assert.deepEqual((await providers.source.diff!("x", olds, { ...olds, spaceId: unknown })).replaces, [
        "spaceId",
      ]);
    });

    it("fails clearly when the object to adopt does not exist", async () => {
      await assert.rejects(
        providers.space.create({ name: "x", type: "root", existingId: "missing-id" }),
        /^Error: Unable to adopt space "missing-id" \(existingId\): it does not exist \(API error 404: space not found\)$/,
      );
    });

    it("supports the import option: read with inputs only returns props and inputs", async () => {
      const spaceId = await space();
      const { id } = await source(spaceId, { request: { headers: [{ name: "h", value: "v" }] } });
      const declared = {
        spaceId,
        name: "OpenAI Production",
        type: "model",
        endpoint: "https://api.openai.com/v1",
        apiKey: OPENAI_KEY,
      };
      const read = await providers.source.read!(id, declared);
      assert.equal(read.id, id);
      assert.equal((read.props as Any).slug, "openai-production");
      assert.deepEqual(read.inputs, { ...declared, request: { headers: [{ name: "h", value: "v" }] } });
    });
  });

  it("never puts CLIENT_SECRET or the source key in an error", () => {
    noSecret(JSON.stringify(emu.requests.map((r) => r.path)));
  });
});
