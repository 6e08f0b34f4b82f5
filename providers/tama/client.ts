/**
 * The Tama connection: settings (stack config handed to `configure`, else environment variables), the
 * OAuth2 client-credentials token, and one authenticated call through the shared HTTP client.
 *
 * Serialized by value into each provider's `__provider` text, so it holds no credential, no client and no
 * module-level state. Everything that must live for the whole process (the settings `configure` received
 * and the token cache) is kept in a per-process registry on `globalThis`, created lazily inside a function:
 *
 * - the host deserializes each of the four providers separately (one `require-from-string` copy of this
 *   module each), so a module-level cache would not be shared between them; `globalThis` is;
 * - a cache on the provider object would be written into `__provider` the next time the same object is
 *   serialized in this process (tests do that), credential included; a WeakMap keyed by the provider object
 *   on `globalThis` is never reachable from the provider, so it is never serialized.
 */
import { createHash } from "crypto";
import { AttemptEvent, HttpError, HttpMethod, request } from "../http";

export const DEFAULT_BASE_URL = "https://api.tama.io";
export const DEFAULT_SCOPES = ["provision.all"];
export const DEFAULT_TIMEOUT_SECONDS = 30;

/** The connection settings, by their stack config names (`tama:<name>`). */
export const SETTING_NAMES = ["baseUrl", "apiKey", "clientId", "clientSecret", "scopes", "timeout"] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

/**
 * Raw setting strings as the provider host hands them to `configure` (secrets already decrypted), and the
 * per-source API keys of the workspace (only ever scrubbed from messages).
 */
export type RawSettings = Partial<Record<SettingName, string>> & { sourceApiKeys?: string[] };

/** The environment variables read when a setting is not in the stack config. */
export const ENV_FALLBACK: Partial<Record<SettingName, string>> = {
  baseUrl: "TAMA_BASE_URL",
  apiKey: "TAMA_API_KEY",
  clientId: "TAMA_CLIENT_ID",
  clientSecret: "TAMA_CLIENT_SECRET",
};

export interface TamaConnection {
  baseUrl: string;
  auth:
    | { kind: "oauth"; clientId: string; clientSecret: string; scopes: string[] }
    | { kind: "apiKey"; apiKey: string };
  timeoutMs: number;
  /** Each Source's API key from the stack config: a Tama server knows them all, so every message is scrubbed of them. */
  sourceApiKeys?: string[];
}

/** A connection setting is missing or invalid. The message names the settings to set; never a value of a secret. */
export class TamaSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.message = message; // a serialized class calls `Error.call(this)`, which sets no message
    this.name = "TamaSettingsError";
  }
}

interface TokenSlot {
  token?: string;
  refreshAt: number;
  inflight?: Promise<string>;
}

/** Process-wide state; see the module comment for why it lives on `globalThis`. */
export interface TamaRegistry {
  configured: WeakMap<object, RawSettings>;
  tokens: Map<string, TokenSlot>;
  /** Token requests sent by this process (for tests and the benchmark). */
  tokenRequests: number;
}

export function registry(): TamaRegistry {
  const key = Symbol.for("ai-platform.tama.registry");
  const g = globalThis as unknown as Record<symbol, TamaRegistry | undefined>;
  let reg = g[key];
  if (!reg) {
    reg = { configured: new WeakMap(), tokens: new Map(), tokenRequests: 0 };
    g[key] = reg;
  }
  return reg;
}

/** Reads the settings from a config getter (`req.config.get` in `configure`, or `pulumi.Config`). */
export function readSettings(get: (key: string) => string | undefined): RawSettings {
  const out: RawSettings = {};
  for (const name of SETTING_NAMES) {
    const v = get(`tama:${name}`);
    if (v !== undefined && v !== "") out[name] = v;
  }
  return out;
}

/**
 * The API keys of the workspace's sources (`tama:<sourceKey>ApiKey`, the sources listed in the project's
 * `tamaWorkspace` setting), read through the same getter. Unreadable settings give none: they only widen scrubbing.
 */
export function readSourceApiKeys(get: (key: string) => string | undefined): string[] {
  let workspace: unknown;
  try {
    workspace = JSON.parse(get("tamaWorkspace") ?? "null");
  } catch {
    return [];
  }
  const sources = (workspace as { sources?: unknown } | null)?.sources;
  if (!Array.isArray(sources)) return [];
  return sources.flatMap((s: { key?: unknown }) => {
    const value = typeof s?.key === "string" ? get(`tama:${s.key}ApiKey`) : undefined;
    return value ? [value] : [];
  });
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]";
}

/** Scopes from config: a YAML list (JSON text) or a space/comma separated string. */
export function parseScopes(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === "") return [...DEFAULT_SCOPES];
  let list: unknown;
  if (raw.trim().startsWith("[")) {
    try {
      list = JSON.parse(raw);
    } catch {
      throw new TamaSettingsError("tama:scopes must be a list of scope names, e.g. [provision.all]");
    }
  } else {
    list = raw.split(/[\s,]+/).filter(Boolean);
  }
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some((s) => typeof s !== "string" || !/^[\x21-\x7e]+$/.test(s))
  )
    throw new TamaSettingsError(
      "tama:scopes must be a non-empty list of scope names without spaces, e.g. [provision.all]",
    );
  return list as string[];
}

/**
 * Settings → connection. Stack config wins over the environment (unlike the Terraform provider, where a
 * non-empty environment variable silently overrides explicit configuration). OAuth2 client credentials win
 * over a static API key when both are set.
 */
export function resolveConnection(
  raw: RawSettings = {},
  env: NodeJS.ProcessEnv = process.env,
): TamaConnection {
  const pick = (name: SettingName): string | undefined => {
    const v = raw[name];
    if (v !== undefined && v.trim() !== "") return v.trim();
    const envName = ENV_FALLBACK[name];
    const e = envName ? env[envName] : undefined;
    return e !== undefined && e.trim() !== "" ? e.trim() : undefined;
  };
  const baseUrl = (pick("baseUrl") ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TamaSettingsError(
      `tama:baseUrl (or TAMA_BASE_URL) must be a URL such as ${DEFAULT_BASE_URL}, got ${JSON.stringify(baseUrl)}`,
    );
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname)))
    throw new TamaSettingsError(
      `tama:baseUrl (or TAMA_BASE_URL) must use https:// (plain http only to localhost), got ${JSON.stringify(baseUrl)}`,
    );

  const rawTimeout = raw.timeout?.trim();
  let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  if (rawTimeout) {
    timeoutSeconds = Number(rawTimeout);
    if (!/^\d+$/.test(rawTimeout) || timeoutSeconds < 1 || timeoutSeconds > 300)
      throw new TamaSettingsError(
        `tama:timeout must be a whole number of seconds from 1 to 300, got ${JSON.stringify(rawTimeout)}`,
      );
  }

  const clientId = pick("clientId");
  const clientSecret = pick("clientSecret");
  const apiKey = pick("apiKey");
  const timeoutMs = timeoutSeconds * 1000;
  const sourceApiKeys = raw.sourceApiKeys ?? [];
  if (clientId && clientSecret)
    return {
      baseUrl,
      timeoutMs,
      sourceApiKeys,
      auth: { kind: "oauth", clientId, clientSecret, scopes: parseScopes(raw.scopes) },
    };
  if (clientId || clientSecret) {
    const missing = clientId
      ? "tama:clientSecret (secret) or TAMA_CLIENT_SECRET"
      : "tama:clientId or TAMA_CLIENT_ID";
    throw new TamaSettingsError(`Tama OAuth2 client credentials are incomplete: set ${missing} as well`);
  }
  if (apiKey) return { baseUrl, timeoutMs, sourceApiKeys, auth: { kind: "apiKey", apiKey } };
  throw new TamaSettingsError(
    "Tama credentials are missing: set tama:clientId and tama:clientSecret " +
      '("pulumi config set tama:clientId <id>" and "pulumi config set --secret tama:clientSecret <secret>"), ' +
      'or tama:apiKey ("pulumi config set --secret tama:apiKey <key>"), or the environment variables ' +
      "TAMA_CLIENT_ID and TAMA_CLIENT_SECRET, or TAMA_API_KEY",
  );
}

/** Every secret of a connection, for scrubbing messages. */
export function connectionSecrets(c: TamaConnection): string[] {
  const sources = c.sourceApiKeys ?? [];
  if (c.auth.kind === "apiKey") return [c.auth.apiKey, ...sources];
  const basic = Buffer.from(`${c.auth.clientId}:${c.auth.clientSecret}`).toString("base64");
  return [c.auth.clientSecret, basic, basic.replace(/\+/g, "-").replace(/\//g, "_"), ...sources];
}

function tokenKey(c: TamaConnection): string {
  if (c.auth.kind !== "oauth") return "";
  const { clientId, clientSecret, scopes } = c.auth;
  return createHash("sha256")
    .update([c.baseUrl, clientId, clientSecret, scopes.join(" ")].join("\0"))
    .digest("hex");
}

/** Logs a scheduled retry (never a header or a body) unless TAMA_LOG=off. */
function logAttempt(e: AttemptEvent): void {
  if (e.retryInMs === undefined || process.env.TAMA_LOG === "off") return;
  const what = e.status !== undefined ? `HTTP ${e.status}` : (e.error ?? "no answer");
  console.error(`tama: ${e.request} -> ${what}; attempt ${e.attempt + 1} in ${e.retryInMs} ms`);
}

/** POST /auth/tokens with the client credentials (the `Bearer base64(id:secret)` scheme the API expects). */
async function fetchToken(
  c: TamaConnection,
  reg: TamaRegistry,
): Promise<{ token: string; expiresIn: number }> {
  if (c.auth.kind !== "oauth") throw new Error("not an OAuth2 connection");
  const basic = Buffer.from(`${c.auth.clientId}:${c.auth.clientSecret}`).toString("base64");
  reg.tokenRequests++;
  try {
    const res = await request<{ access_token?: unknown; expires_in?: unknown }>({
      method: "POST",
      baseUrl: c.baseUrl,
      path: "/auth/tokens",
      headers: { authorization: `Bearer ${basic}` },
      // RFC 6749 §4.4 and tama-go: a form-urlencoded body. Sending it twice only issues a second token.
      form: { grant_type: "client_credentials", scope: c.auth.scopes.join(" ") },
      idempotent: true,
      timeoutMs: c.timeoutMs,
      secrets: connectionSecrets(c),
      onAttempt: logAttempt,
    });
    const token = res.body?.access_token;
    if (typeof token !== "string" || token === "") throw new Error("the answer has no access_token");
    const expiresIn = Number(res.body.expires_in);
    return { token, expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600 };
  } catch (e) {
    throw new Error(
      `failed to obtain a Tama access token from ${c.baseUrl}/auth/tokens: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

/**
 * The access token for a connection: cached per process and per (base URL, client, scopes), refreshed
 * 30 s before it expires (or halfway through a shorter lifetime). Concurrent callers share one in-flight
 * request, so 50 resources created at once cost one token request.
 */
export async function accessToken(c: TamaConnection, now: () => number = Date.now): Promise<string> {
  const reg = registry();
  const key = tokenKey(c);
  let slot = reg.tokens.get(key);
  if (!slot) {
    slot = { refreshAt: 0 };
    reg.tokens.set(key, slot);
  }
  if (slot.token && now() < slot.refreshAt) return slot.token;
  if (slot.inflight) return slot.inflight;
  const s = slot;
  s.inflight = fetchToken(c, reg)
    .then(({ token, expiresIn }) => {
      const lifetime = expiresIn * 1000;
      s.token = token;
      s.refreshAt = now() + lifetime - Math.min(30_000, lifetime / 2);
      return token;
    })
    .finally(() => {
      s.inflight = undefined;
    });
  return s.inflight;
}

/** Forgets a cached token (after the API answered 401 to it). */
export function dropToken(c: TamaConnection, token: string): void {
  const slot = registry().tokens.get(tokenKey(c));
  if (slot && slot.token === token) {
    slot.token = undefined;
    slot.refreshAt = 0;
  }
}

/** The api key inside a source body (`{"source": {"credential": {"api_key": …}}}`), if any. */
export function sourceApiKey(body: unknown): string | undefined {
  const src = (body as { source?: { credential?: { api_key?: unknown } } } | undefined)?.source;
  const key = src?.credential?.api_key;
  return typeof key === "string" ? key : undefined;
}

/**
 * One authenticated API call; returns the `data` of the `{"data": …}` envelope (undefined for 204).
 * Transient failures are retried by the shared client; a 401 on a cached OAuth2 token gets one fresh token.
 */
export async function tamaCall<T = Record<string, unknown>>(
  c: TamaConnection,
  method: HttpMethod,
  path: string,
  body?: unknown,
): Promise<T> {
  for (let round = 1; ; round++) {
    const bearer = c.auth.kind === "oauth" ? await accessToken(c) : c.auth.apiKey;
    try {
      const res = await request<{ data?: T }>({
        method,
        baseUrl: c.baseUrl,
        path,
        body,
        headers: { authorization: `Bearer ${bearer}` },
        timeoutMs: c.timeoutMs,
        // The connection's credentials, the bearer token, and a Source's own api key when the body carries it.
        secrets: [...connectionSecrets(c), bearer, sourceApiKey(body)],
        onAttempt: logAttempt,
      });
      const b = res.body as { data?: T } | undefined;
      return (b && typeof b === "object" ? b.data : undefined) as T;
    } catch (e) {
      if (e instanceof HttpError && e.status === 401 && c.auth.kind === "oauth" && round === 1) {
        dropToken(c, bearer);
        continue;
      }
      throw e;
    }
  }
}
