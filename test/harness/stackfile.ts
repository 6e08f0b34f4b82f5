/**
 * Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program: project
 * defaults first, stack values over them, structured values as JSON strings, `secure:` values as secrets.
 * Secrets cannot be decrypted here, so each gets a recognisable stand-in, `test-secret-<key>`.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { SYSTEM_SECTIONS, Section } from "../../config";
import { SectionSpec, fullKey } from "../../config/schema";
import { SystemName } from "../../lib/naming";

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
   * Required secrets of the enabled systems that the stack file does not hold (committed stack files can only
   * hold real ciphertext, which is made by `pulumi config set --secret` on a deployer's machine). Offline runs
   * give them a stand-in value and say so; a real `pulumi up` fails with the loader's "missing secret" error.
   */
  standIns: string[];
}

export function readProjectFile(root = REPO_ROOT): ProjectFile {
  return yaml.load(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as ProjectFile;
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

/** The config the CLI would give the program for `stack`. */
export function readStackConfig(stack: string, root = REPO_ROOT): StackConfig {
  const project = readProjectFile(root);
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new Error(`No stack file Pulumi.${stack}.yaml (stacks here: ${listStacks(root).join(", ")})`);
  }
  const stackFile = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
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
      config[full] = toRaw(value);
    }
  }
  const standIns: string[] = [];
  let systems: SystemName[] = [];
  try {
    systems = JSON.parse(config[`${project.name}:systems`] ?? "[]");
  } catch {
    // an invalid list is reported by the config loader
  }
  for (const system of Array.isArray(systems) ? systems : []) {
    const section = (SYSTEM_SECTIONS as Partial<Record<SystemName, Section<SectionSpec>>>)[system];
    for (const [name, spec] of Object.entries(section?.keys ?? {})) {
      const key = fullKey(name, spec);
      if (!spec.secret || spec.optional || spec.default !== undefined || key in config) continue;
      config[key] = `test-secret-${key.replace(/[^A-Za-z0-9]+/g, "-")}`;
      secretKeys.push(key);
      standIns.push(key);
    }
  }
  return { config, secretKeys, standIns };
}
