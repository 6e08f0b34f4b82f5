/** Pure connection-settings rules of the Tama providers, and the emulator's token endpoint forms. */
import * as assert from "node:assert/strict";
import {
  accessToken,
  connectionSecrets,
  parseScopes,
  readSourceApiKeys,
  resolveConnection,
} from "../../providers/tama/client";
import { CLIENT_ID, CLIENT_SECRET, clearTokens, startEmulator } from "./helpers";

describe("tama connection settings", () => {
  const env = {};

  it("defaults the base URL, scopes and timeout", () => {
    const c = resolveConnection({ apiKey: "k-123456" }, env);
    assert.deepEqual(c, {
      baseUrl: "https://api.tama.io",
      timeoutMs: 30_000,
      sourceApiKeys: [],
      auth: { kind: "apiKey", apiKey: "k-123456" },
    });
  });

  it("reads the source API keys of the workspace's sources for scrubbing, and none from unreadable settings", () => {
    const config: Record<string, string> = {
      tamaWorkspace: JSON.stringify({
        sources: [{ key: "openai" }, { key: "anthropic" }, { name: "no key" }],
      }),
      "tama:openaiApiKey": "sk-one",
      "tama:anthropicApiKey": "sk-two",
    };
    assert.deepEqual(
      readSourceApiKeys((k) => config[k]),
      ["sk-one", "sk-two"],
    );
    assert.deepEqual(
      readSourceApiKeys(() => "{not json"),
      [],
    );
    assert.deepEqual(
      readSourceApiKeys(() => undefined),
      [],
    );
    const c = resolveConnection({ apiKey: "k-123456", sourceApiKeys: ["sk-one"] }, env);
    assert.deepEqual(connectionSecrets(c), ["k-123456", "sk-one"]);
  });

  it("prefers client credentials over a static key, and config over the environment", () => {
    const c = resolveConnection(
      {
        clientId: "id",
        clientSecret: "secret-123",
        apiKey: "k",
        timeout: "12",
        baseUrl: "https://tama.example.com/",
      },
      { TAMA_CLIENT_ID: "env-id", TAMA_BASE_URL: "https://env.example.com" },
    );
    assert.equal(c.baseUrl, "https://tama.example.com");
    assert.equal(c.timeoutMs, 12_000);
    assert.deepEqual(c.auth, {
      kind: "oauth",
      clientId: "id",
      clientSecret: "secret-123",
      scopes: ["provision.all"],
    });
    const fromEnv = resolveConnection(
      {},
      { TAMA_CLIENT_ID: "env-id", TAMA_CLIENT_SECRET: "env-secret", TAMA_BASE_URL: "http://localhost:4000" },
    );
    assert.equal(
      fromEnv.baseUrl,
      "http://localhost:4000",
      "plain http to localhost (the provider's CI setup)",
    );
    assert.equal(fromEnv.auth.kind, "oauth");
  });

  it("reads scopes as a YAML list or a space/comma separated string, and rejects bad ones", () => {
    assert.deepEqual(parseScopes('["provision.all","read"]'), ["provision.all", "read"]);
    assert.deepEqual(parseScopes("provision.all, read"), ["provision.all", "read"]);
    assert.deepEqual(parseScopes(undefined), ["provision.all"]);
    assert.throws(() => parseScopes("[1]"), /tama:scopes must be a non-empty list of scope names/);
    assert.throws(() => parseScopes("[oops"), /tama:scopes must be a list of scope names/);
  });

  it("rejects an insecure or malformed base URL and a bad timeout, naming the setting", () => {
    assert.throws(
      () => resolveConnection({ apiKey: "k", baseUrl: "http://api.tama.io" }, env),
      /must use https:\/\//,
    );
    assert.throws(
      () => resolveConnection({ apiKey: "k", baseUrl: "api.tama.io" }, env),
      /tama:baseUrl \(or TAMA_BASE_URL\) must be a URL/,
    );
    assert.throws(
      () => resolveConnection({ apiKey: "k", timeout: "30s" }, env),
      /tama:timeout must be a whole number/,
    );
    assert.throws(
      () => resolveConnection({ clientSecret: "s" }, env),
      /set tama:clientId or TAMA_CLIENT_ID as well/,
    );
  });

  it("the emulator accepts the Go client's form body and URL-safe base64, as the spec allows", async () => {
    const emu = await startEmulator();
    try {
      const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64url");
      const res = await fetch(`${emu.baseUrl}/auth/tokens`, {
        method: "POST",
        headers: { authorization: `Bearer ${basic}`, "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials&scope=provision.all",
      });
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(res.status, 200);
      assert.equal(body.token_type, "Bearer");
      assert.equal(body.expires_in, 3600);
      clearTokens();
      const token = await accessToken(
        resolveConnection({ baseUrl: emu.baseUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }, {}),
      );
      assert.match(token, /^tok-/);
    } finally {
      await emu.stop();
    }
  });
});
