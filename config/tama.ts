/**
 * Tama settings: the provider connection (`tama:` namespace, the same keys the dynamic providers receive
 * through `configure`), the declarative workspace (`ai-platform:tamaWorkspace`: a space with its sources,
 * models and limits), and one secret per source for its API key (`tama:<sourceKey>ApiKey`).
 *
 * The per-source keys depend on the workspace block, so they cannot be static keys of the section; they
 * are read by `loadSourceApiKeys` with the loader's own `readSection` (same messages, same plaintext check).
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { ParseOptions } from "./schema";
import {
  ConfigError,
  ConfigIssue,
  KeySpec,
  SectionSpec,
  SectionValues,
  intIn,
  oneOf,
  readSection,
  text,
} from "./schema";

const loopback = new Set(["localhost", "127.0.0.1", "[::1]"]);

const baseUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return u.protocol === "https:" || (u.protocol === "http:" && loopback.has(u.hostname));
    } catch {
      return false;
    }
  },
  { message: 'an https:// URL such as "https://api.tama.io" (plain http only to localhost)' },
);

const httpsUrl = z.string().refine(
  (s) => {
    try {
      return new URL(s).protocol === "https:";
    } catch {
      return false;
    }
  },
  { message: 'an https:// URL, e.g. "https://api.openai.com/v1" (the Tama API rejects anything else)' },
);

/** Logical keys name Pulumi resources and the per-source secret (`tama:<key>ApiKey`). */
const logicalKey = z
  .string()
  .regex(
    /^[a-z][a-zA-Z0-9]{0,39}$/,
    "a key of letters and digits starting with a lowercase letter, e.g. openai",
  );

const existingId = z.string().regex(/^\S+$/, "the id of an existing Tama object (no spaces)").optional();
const positive = z
  .number()
  .int("a whole number greater than 0")
  .positive("a whole number greater than 0")
  .max(Number.MAX_SAFE_INTEGER, "a whole number greater than 0");

const modelSpec = z.strictObject({
  key: logicalKey,
  identifier: text(255),
  path: text(2048),
  parameters: z.record(z.string(), z.unknown(), { message: "a map of request parameters" }).optional(),
  existingId: existingId.describe("model id, or <sourceId>/<modelId>"),
});

const limitSpec = z.strictObject({
  key: logicalKey.optional(),
  scaleUnit: oneOf(["seconds", "minutes", "hours"]),
  scaleCount: positive,
  limit: positive,
  existingId,
});

const sourceSpec = z.strictObject({
  key: logicalKey,
  name: text(255),
  type: oneOf(["model"]).default("model"),
  endpoint: httpsUrl,
  request: z
    .strictObject({
      headers: z
        .array(z.strictObject({ name: text(255), value: z.string({ message: "a string" }) }))
        .optional(),
      sessionAffinity: z
        .strictObject({ location: oneOf(["header", "body"]), key: text(255), value: text(255) })
        .optional(),
    })
    .optional(),
  existingId,
  models: z.array(modelSpec).default([]),
  limits: z.array(limitSpec).default([]),
});

export const workspaceSchema = z.strictObject({
  space: z.strictObject({
    name: text(255),
    type: oneOf(["root", "component", "global"]),
    existingId,
  }),
  sources: z.array(sourceSpec).default([]),
});

export type TamaWorkspaceConfig = z.infer<typeof workspaceSchema>;
export type TamaSourceConfig = TamaWorkspaceConfig["sources"][number];

const scopes = z
  .array(z.string().regex(/^[\x21-\x7e]+$/, "a scope name without spaces"), {
    message: "a list of scope names",
  })
  .min(1, "at least one scope");

export const tamaKeys = {
  baseUrl: {
    namespace: "tama",
    type: "string",
    description: "Base URL of the Tama API (env TAMA_BASE_URL).",
    default: "https://api.tama.io",
    schema: baseUrl,
  } satisfies KeySpec<string>,
  clientId: {
    namespace: "tama",
    type: "string",
    description: "OAuth2 client id for the client-credentials flow (env TAMA_CLIENT_ID).",
    optional: true,
    schema: text(255),
  } satisfies KeySpec<string>,
  clientSecret: {
    namespace: "tama",
    type: "string",
    description: "OAuth2 client secret (env TAMA_CLIENT_SECRET).",
    optional: true,
    secret: true,
    schema: text(1024),
  } satisfies KeySpec<string>,
  apiKey: {
    namespace: "tama",
    type: "string",
    description: "Static API key sent as a Bearer token, the older auth (env TAMA_API_KEY).",
    optional: true,
    secret: true,
    schema: text(1024),
  } satisfies KeySpec<string>,
  scopes: {
    namespace: "tama",
    type: "array",
    description: "OAuth2 scopes requested with the token.",
    default: ["provision.all"],
    schema: scopes,
  } satisfies KeySpec<string[]>,
  timeout: {
    namespace: "tama",
    type: "integer",
    description: "Per-request timeout of Tama API calls, in seconds.",
    default: 30,
    schema: intIn(1, 300),
  } satisfies KeySpec<number>,
  tamaWorkspace: {
    type: "object",
    description: "The Tama space to manage, with its sources, models and limits.",
    schema: workspaceSchema as unknown as z.ZodType<TamaWorkspaceConfig>,
  } satisfies KeySpec<TamaWorkspaceConfig>,
};

/** The config key holding a source's API key. */
export function sourceApiKeyName(sourceKey: string): string {
  return `tama:${sourceKey}ApiKey`;
}

/** Checks across keys: credentials present and complete, logical keys unique. */
export function checkTama(
  v: SectionValues<typeof tamaKeys>,
  env: NodeJS.ProcessEnv = process.env,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const has = (value: unknown, envName: string) => value !== undefined || !!env[envName]?.trim();
  const id = has(v.clientId, "TAMA_CLIENT_ID");
  const secret = has(v.clientSecret, "TAMA_CLIENT_SECRET");
  if (id !== secret) {
    issues.push({
      key: id ? "tama:clientSecret" : "tama:clientId",
      problem: "is missing",
      rule: id
        ? 'set it with "pulumi config set --secret tama:clientSecret <secret>" (or TAMA_CLIENT_SECRET) with tama:clientId'
        : 'set it with "pulumi config set tama:clientId <id>" (or TAMA_CLIENT_ID) with tama:clientSecret',
    });
  } else if (!id && !has(v.apiKey, "TAMA_API_KEY")) {
    issues.push({
      key: "tama:clientId",
      problem: "no Tama credentials are set",
      rule:
        'set tama:clientId and tama:clientSecret ("pulumi config set --secret tama:clientSecret <secret>"), ' +
        "or tama:apiKey (secret), or the environment variables TAMA_CLIENT_ID and TAMA_CLIENT_SECRET, or TAMA_API_KEY",
    });
  }
  const ws = v.tamaWorkspace;
  const dup = (keys: (string | undefined)[], where: string) => {
    const seen = new Set<string>();
    keys.forEach((k, i) => {
      if (k === undefined) return;
      if (seen.has(k))
        issues.push({ key: `${where}[${i}].key`, problem: `"${k}" is used twice`, rule: "each key once" });
      seen.add(k);
    });
  };
  dup(
    ws.sources.map((s) => s.key),
    "ai-platform:tamaWorkspace.sources",
  );
  ws.sources.forEach((s, i) => {
    dup(
      s.models.map((m) => m.key),
      `ai-platform:tamaWorkspace.sources[${i}].models`,
    );
    dup(
      s.limits.map((l) => l.key),
      `ai-platform:tamaWorkspace.sources[${i}].limits`,
    );
  });
  return issues;
}

/** The section registered in `config/index.ts`. */
export const tamaSection = {
  keys: tamaKeys,
  // Method syntax on purpose: the section registry types `check` for any section (bivariant parameter).
  check(v: SectionValues<typeof tamaKeys>): ConfigIssue[] {
    return checkTama(v);
  },
};

/**
 * Reads each source's API key (`tama:<key>ApiKey`, a required secret) with the loader's rules.
 * Pure: `raw` is the stack config, `opts.secretKeys` the keys stored as secrets. Throws `ConfigError`.
 */
export function parseSourceApiKeys(
  workspace: TamaWorkspaceConfig,
  raw: Record<string, string>,
  opts: ParseOptions,
): Record<string, pulumi.Output<string>> {
  const keys: SectionSpec = {};
  for (const s of workspace.sources) {
    keys[`${s.key}ApiKey`] = {
      namespace: "tama",
      type: "string",
      secret: true,
      description: `API key of the Tama source "${s.name}" (${s.endpoint}).`,
      schema: text(4096),
    } satisfies KeySpec<string>;
  }
  const issues: ConfigIssue[] = [];
  const values = readSection(keys, raw, opts, issues) as Record<string, pulumi.Output<string>>;
  if (issues.length > 0) throw new ConfigError(issues, opts.stack);
  const out: Record<string, pulumi.Output<string>> = {};
  for (const s of workspace.sources) out[s.key] = values[`${s.key}ApiKey`];
  return out;
}

/** `parseSourceApiKeys` over the running stack's config. */
export function loadSourceApiKeys(workspace: TamaWorkspaceConfig): Record<string, pulumi.Output<string>> {
  const raw = pulumi.runtime.allConfig();
  const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
  const secretKeys = isSecret ? new Set(Object.keys(raw).filter((k) => isSecret(k))) : undefined;
  return parseSourceApiKeys(workspace, raw, { stack: pulumi.getStack(), secretKeys, implemented: ["tama"] });
}
