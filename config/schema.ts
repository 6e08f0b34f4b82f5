/**
 * The building blocks of the typed stack config: one `KeySpec` per config key, grouped into sections.
 *
 * A key spec says what `Pulumi.yaml` says of the key (type, default, description, secret) plus the rule its
 * value must follow (a zod schema). The loader turns the raw strings Pulumi hands the program into typed
 * values, checks them, and reports every problem at once, each naming the key, the problem and the rule.
 * `test/config.spec.ts` checks that `Pulumi.yaml`'s `config:` block and these specs agree.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { SystemName } from "../lib/naming";

/** The project namespace of stack config keys (`ai-platform:<key>`). */
export const PROJECT = "ai-platform";

/** The value types the Pulumi.yaml schema knows, plus `object` for structured keys it cannot type. */
export type KeyType = "string" | "integer" | "boolean" | "array" | "object";

export interface KeySpec<T> {
  /** How the raw config string is read before `schema` checks it. */
  type: KeyType;
  /** One sentence for Pulumi.yaml, the README and error messages. */
  description: string;
  /** The value used when the key is not set. A key with neither `default` nor `optional` is required. */
  default?: T;
  /** The key may be left unset; its value is then `undefined`. */
  optional?: boolean;
  /** The value must be set with `pulumi config set --secret`; it is handed out as a secret Output. */
  secret?: boolean;
  /** Config namespace when it is not the project's (e.g. `tama`, `aws`). */
  namespace?: string;
  /** The rule the typed value must follow. Its messages become the "rule" part of an error. */
  schema: z.ZodType<T>;
}

/** A key spec whose value is a secret: the section hands it out as `pulumi.Output<string>`. */
export type SecretSpec = KeySpec<string> & { secret: true };

export type SectionSpec = Record<string, KeySpec<unknown>>;

/** The typed values of a section: secrets become secret Outputs, optional keys may be undefined. */
export type SectionValues<S extends SectionSpec> = {
  [K in keyof S]: S[K] extends { secret: true }
    ? S[K] extends { optional: true }
      ? pulumi.Output<string> | undefined
      : pulumi.Output<string>
    : S[K] extends KeySpec<infer T>
      ? S[K] extends { optional: true }
        ? T | undefined
        : T
      : never;
};

/** One problem found in the stack config. */
export interface ConfigIssue {
  key: string;
  problem: string;
  rule: string;
}

/** Thrown when the stack config is invalid; its message lists every problem, one per line. */
export class ConfigError extends Error {
  constructor(
    readonly issues: ConfigIssue[],
    readonly stackName: string,
  ) {
    super(
      `Invalid config for stack "${stackName}" (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
        issues.map((i) => `  - ${i.key}: ${i.problem} (rule: ${i.rule})`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Full key name, e.g. `ai-platform:logLevel` or `aws:region`. */
export function fullKey(name: string, spec: KeySpec<unknown>): string {
  return `${spec.namespace ?? PROJECT}:${name}`;
}

/** Shows a value in an error without ever showing a secret. */
export function describeValue(value: unknown, secret: boolean): string {
  if (secret) return "[secret]";
  // A structured value may hold a secret among its fields: never echoed, not even its first characters.
  if (value !== null && typeof value === "object") return Array.isArray(value) ? "[a list]" : "[an object]";
  const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Reads a raw config string as the key's declared type. Returns an issue on a type mismatch. */
export function readRaw(
  raw: string,
  type: KeyType,
): { ok: true; value: unknown } | { ok: false; problem: string; rule: string } {
  switch (type) {
    case "string":
      return { ok: true, value: raw };
    case "integer": {
      const t = raw.trim();
      if (!/^-?\d+$/.test(t))
        return { ok: false, problem: `${JSON.stringify(raw)} is not a whole number`, rule: "an integer" };
      return { ok: true, value: Number(t) };
    }
    case "boolean":
      if (raw === "true" || raw === "false") return { ok: true, value: raw === "true" };
      return { ok: false, problem: `${JSON.stringify(raw)} is not a boolean`, rule: "true or false" };
    case "array":
    case "object": {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return {
          ok: false,
          problem: "is not valid structured config",
          rule: `a YAML ${type === "array" ? "list" : "map"}`,
        };
      }
      const isArray = Array.isArray(parsed);
      const okShape = type === "array" ? isArray : parsed !== null && typeof parsed === "object" && !isArray;
      if (!okShape) {
        return {
          ok: false,
          problem: `got ${isArray ? "a list" : parsed === null ? "null" : typeof parsed}`,
          rule: `a YAML ${type === "array" ? "list" : "map"}`,
        };
      }
      return { ok: true, value: parsed };
    }
  }
}

/** Turns zod issues into config issues: `path` is appended to the key (`ai-platform:tamaWorkspace.sources[0].name`). */
export function zodIssues(key: string, error: z.ZodError, value: unknown, secret: boolean): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path
      .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
      .join("")
      .replace(/^\./, ".");
    const at = path ? getAt(value, issue.path) : value;
    const got = at === undefined ? "is missing" : `got ${describeValue(at, secret)}`;
    return { key: key + path, problem: got, rule: issue.message };
  });
}

function getAt(value: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = value;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

// ---- Small reusable rules, with messages that read as rules. ----

/** An integer in [min, max]. */
export const intIn = (min: number, max: number) =>
  z
    .number()
    .int(`a whole number from ${min} to ${max}`)
    .min(min, `a whole number from ${min} to ${max}`)
    .max(max, `a whole number from ${min} to ${max}`);

/** One of a fixed set of strings. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { message: `one of ${values.map((v) => JSON.stringify(v)).join(", ")}` });

/** A non-empty string of at most `max` characters. */
export const text = (max = 256) =>
  z.string({ message: "a string" }).min(1, "a non-empty string").max(max, `at most ${max} characters`);

/** The retention values CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export const logRetention = z.number().refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), {
  message: `one of CloudWatch's retention values (${LOG_RETENTION_DAYS.join(", ")})`,
});

/** An http(s) origin for CORS, or "*". */
export const corsOrigin = z
  .string()
  .refine((s) => s === "*" || /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(s), {
    message: 'an origin like "https://app.example.com" or "http://localhost:3000" (no path), or "*"',
  });

/** A system's settings: its keys and an optional check across keys. */
export interface Section<S extends SectionSpec> {
  keys: S;
  /** Checks that involve several keys; return one issue per broken rule. */
  // A method signature, so a section with its own value type still fits `Section<SectionSpec>`.
  check?(values: SectionValues<S>): ConfigIssue[];
}

/** Defines a section with full type inference of its values. */
export function section<S extends SectionSpec>(
  keys: S,
  check?: (values: SectionValues<S>) => ConfigIssue[],
): Section<S> {
  return { keys, check };
}

export interface ParseOptions {
  stack: string;
  project?: string;
  /** Keys stored as secrets (`pulumi config set --secret`). `undefined` means "cannot tell": no plaintext check. */
  secretKeys?: ReadonlySet<string>;
  /** Systems this version of the program can deploy; enabling any other one is an error. */
  implemented: readonly SystemName[];
}

/** Reads and checks one section's keys; problems are appended to `issues`. Exported for tests. */
export function readSection<S extends SectionSpec>(
  keys: S,
  raw: Record<string, string>,
  opts: ParseOptions,
  issues: ConfigIssue[],
): SectionValues<S> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(keys)) {
    const key = fullKey(name, spec);
    const setCommand = `pulumi config set${spec.secret ? " --secret" : ""} ${spec.namespace ? key : name} <value>`;
    const rawValue = raw[key];
    if (rawValue === undefined) {
      if (spec.default !== undefined) out[name] = spec.default;
      else if (!spec.optional)
        issues.push({
          key,
          problem: spec.secret ? "missing secret" : "is missing",
          rule: `required: ${spec.description} Set it with "${setCommand}"`,
        });
      continue;
    }
    if (spec.secret && opts.secretKeys && !opts.secretKeys.has(key)) {
      issues.push({
        key,
        problem: "is stored in plaintext in the stack file",
        rule: `a secret; set it with "${setCommand}"`,
      });
      continue;
    }
    const read = readRaw(rawValue, spec.type);
    if (!read.ok) {
      issues.push({
        key,
        problem: spec.secret ? "[secret] " + read.problem.replace(/^".*"/, "value") : read.problem,
        rule: read.rule,
      });
      continue;
    }
    const checked = spec.schema.safeParse(read.value);
    if (!checked.success) {
      issues.push(...zodIssues(key, checked.error, read.value, !!spec.secret));
      continue;
    }
    out[name] = spec.secret ? pulumi.secret(checked.data as string) : checked.data;
  }
  return out as SectionValues<S>;
}
