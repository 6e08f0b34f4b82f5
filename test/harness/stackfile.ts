/**
 * Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program: project
 * defaults first, stack values over them, structured values as JSON strings, `secure:` values as secrets.
 * Secrets cannot be decrypted here, so each gets a recognisable stand-in, `test-secret-<key>`. Keys that a
 * deployment sets itself and no stack file commits get the stand-ins of `test/harness/stand-ins.json`.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** A Pulumi.yaml `config:` entry. */
export interface ProjectKey {
  type?: "string" | "integer" | "boolean" | "array";
  description?: string;
  default?: unknown;
  secret?: boolean;
  items?: unknown;
  value?: unknown;
}

export interface ProjectFile {
  name: string;
  runtime: unknown;
  description?: string;
  config?: Record<string, ProjectKey | string | number | boolean>;
}

export interface StackConfig {
  /** `namespace:key` → raw string, as `pulumi.runtime.allConfig()` returns it. */
  config: Record<string, string>;
  /** Keys stored with `secure:`, plus the stand-ins below. */
  secretKeys: string[];
  /**
   * Keys from `test/harness/stand-ins.json` that the stack file leaves out and that got a stand-in: settings
   * every deployment sets itself (`pulumi config set [--secret]`), never committed (a stack file can hold only
   * real ciphertext). A real `pulumi up` without them fails with the loader's "missing" error.
   */
  standIns: StandIn[];
}

/** A key that got a stand-in value in an offline run. */
export interface StandIn {
  key: string;
  secret: boolean;
}

/** A stack or project file that cannot be read: one line naming the file (and line), for command-line tools. */
export class StackFileError extends Error {
  readonly userError = true;
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

/** Parses a YAML file; a syntax error becomes a `StackFileError` naming the file, line and column. */
export function loadYamlFile(file: string): unknown {
  try {
    return yaml.load(fs.readFileSync(file, "utf8"));
  } catch (e) {
    if (e instanceof yaml.YAMLException) {
      const at = e.mark ? ` line ${e.mark.line + 1}, column ${e.mark.column + 1}` : "";
      throw new StackFileError(`${path.basename(file)}${at}: YAML syntax error: ${e.reason}`);
    }
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new StackFileError(`${file} does not exist`);
    throw e;
  }
}

export function readProjectFile(root = REPO_ROOT): ProjectFile {
  return loadYamlFile(path.join(root, "Pulumi.yaml")) as ProjectFile;
}

/** Stack names that have a `Pulumi.<stack>.yaml`. */
export function listStacks(root = REPO_ROOT): string[] {
  return fs
    .readdirSync(root)
    .map((f) => /^Pulumi\.([a-z0-9-]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();
}

function toRaw(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** `value` with each nested `{ secure: ... }` replaced by a stand-in `test-secret-<path>`; sets `found.secure`. */
function standInSecureLeaves(value: unknown, at: string, found: { secure: boolean }): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v, i) => standInSecureLeaves(v, `${at}[${i}]`, found));
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1 && entries[0][0] === "secure") {
    found.secure = true;
    return `test-secret-${at.replace(/[^A-Za-z0-9]+/g, "-")}`;
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, standInSecureLeaves(v, `${at}.${k}`, found)]));
}

/** The config the CLI would give the program for `stack`. */
export function readStackConfig(stack: string, root = REPO_ROOT): StackConfig {
  const project = readProjectFile(root);
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new StackFileError(
      `unknown stack "${stack}": no Pulumi.${stack}.yaml (stacks: ${listStacks(root).join(", ")})`,
    );
  }
  const stackFile = (loadYamlFile(file) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);

  for (const [key, decl] of Object.entries(project.config ?? {})) {
    if (decl !== null && typeof decl === "object") {
      const value = "value" in decl ? decl.value : decl.default;
      if (value !== undefined) config[qualify(key)] = toRaw(value);
    } else {
      config[qualify(key)] = toRaw(decl);
    }
  }
  for (const [key, value] of Object.entries(stackFile.config ?? {})) {
    const full = qualify(key);
    if (value !== null && typeof value === "object" && "secure" in (value as object)) {
      config[full] = `test-secret-${full.replace(/[^A-Za-z0-9]+/g, "-")}`;
      secretKeys.push(full);
    } else {
      // A `secure:` leaf inside a structured value (`pulumi config set --secret --path ...`): the CLI hands the
      // program the decrypted structure and marks the whole top-level key secret (seen with the pinned CLI).
      const inner = { secure: false };
      config[full] = toRaw(standInSecureLeaves(value, full, inner));
      if (inner.secure) secretKeys.push(full);
    }
  }
  const standIns: StandIn[] = [];
  let enabled: unknown = [];
  try {
    enabled = JSON.parse(config[`${project.name}:systems`] ?? "[]");
  } catch {
    // an invalid list is reported by the config loader
  }
  for (const [full, standIn] of Object.entries(readStandIns(root))) {
    if (full in config || !(Array.isArray(enabled) && enabled.includes(standIn.system))) continue;
    if (standIn.secret) {
      config[full] = `test-secret-${full.replace(/[^A-Za-z0-9]+/g, "-")}`;
      secretKeys.push(full);
    } else if (standIn.value !== undefined) {
      config[full] = toRaw(standIn.value);
    } else {
      continue;
    }
    standIns.push({ key: full, secret: !!standIn.secret });
  }
  return { config, secretKeys, standIns };
}

/**
 * `test/harness/stand-ins.json`: keys a real deployment sets with `pulumi config set [--secret]` and no stack
 * file commits (no fake `secure:` ciphertext ever goes into a stack file), each with the system that needs it.
 * Offline runs of a stack that enables that system use the stand-in for a key the stack file leaves out; a
 * stack file's own value always wins.
 */
export function readStandIns(
  root = REPO_ROOT,
): Record<string, { system: string; secret?: boolean; value?: unknown }> {
  const file = path.join(root, "test", "harness", "stand-ins.json");
  if (!fs.existsSync(file)) return {};
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(parsed).filter(([k]) => !k.startsWith("$")) as [
      string,
      { system: string; secret?: boolean; value?: unknown },
    ][],
  );
}
