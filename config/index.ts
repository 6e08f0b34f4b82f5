/**
 * The one typed config loader. `loadConfig()` reads the whole stack config once, up front, validates it and
 * returns a typed object; an invalid config fails the program before any resource is registered, with every
 * problem listed (key, problem, rule).
 *
 * Each system adds its settings as a section in `SYSTEM_SECTIONS`; a section is validated only when its
 * system is enabled in `ai-platform:systems`.
 */
import * as pulumi from "@pulumi/pulumi";
import { SystemName, checkStackName } from "../lib/naming";
import { agentsSection } from "./agents";
import { coreKeys } from "./core";
import { tamaSection } from "./tama";
import { e2eSection } from "./e2e";
import { tammaSection } from "./tamma";
import { playgroundSection } from "./playground";
import { plaintextCredentialIssues } from "./credentials";
import { regionIssues } from "./regions";
import {
  ConfigError,
  ConfigIssue,
  KeySpec,
  PROJECT,
  SectionSpec,
  ParseOptions,
  Section,
  SectionValues,
  fullKey,
  readSection,
} from "./schema";

export { ConfigError, readSection, section } from "./schema";
export type { ConfigIssue, ParseOptions, Section } from "./schema";

/** Settings per system. A system's issue adds its section here. */
export const SYSTEM_SECTIONS = {
  tama: tamaSection,
  e2e: e2eSection,
  tamma: tammaSection,
  playground: playgroundSection,
  agents: agentsSection,
} satisfies Partial<Record<SystemName, Section<SectionSpec>>>;

type SystemSections = typeof SYSTEM_SECTIONS;
type SystemConfigs = {
  [S in keyof SystemSections]?: SystemSections[S] extends Section<infer K> ? SectionValues<K> : never;
};

/** The whole validated stack config. */
export type PlatformConfig = SectionValues<typeof coreKeys> &
  SystemConfigs & {
    project: string;
    stack: string;
  };

/** Every key the program knows, with its spec: for unknown-key detection, Pulumi.yaml checks and the README. */
export function allKeySpecs(): Map<string, KeySpec<unknown>> {
  const specs = new Map<string, KeySpec<unknown>>();
  const add = (keys: SectionSpec) => {
    for (const [name, spec] of Object.entries(keys)) specs.set(fullKey(name, spec), spec);
  };
  add(coreKeys);
  for (const s of Object.values(SYSTEM_SECTIONS) as Section<SectionSpec>[]) add(s.keys);
  return specs;
}

/** Levenshtein distance, for "did you mean" hints on unknown keys. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

/** One issue per key and problem (a secret key in plaintext is found by two checks). */
function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const id = `${i.key}\n${i.problem}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * Pure: raw stack config (Pulumi's `namespace:key` → string map) to a typed, validated config.
 * Throws `ConfigError` listing every problem.
 */
export function parseConfig(raw: Record<string, string>, opts: ParseOptions): PlatformConfig {
  const issues: ConfigIssue[] = [];
  const project = opts.project ?? PROJECT;
  try {
    checkStackName(opts.stack);
  } catch (e) {
    issues.push({
      key: "stack",
      problem: `"${opts.stack}"`,
      rule: (e as Error).message.replace(/^naming: /, ""),
    });
  }

  const known = allKeySpecs();
  // Every namespace the program owns: the project's, and the providers' `tama:` and `e2e:` (a source's key is
  // `tama:<sourceKey>ApiKey`). Other namespaces (aws:, pulumi:) belong to their packages.
  const owned = [PROJECT, "tama", "e2e"];
  for (const key of Object.keys(raw)) {
    const ns = key.slice(0, key.indexOf(":"));
    if (!owned.includes(ns) || known.has(key)) continue;
    if (ns === "tama" && /^tama:[a-z][A-Za-z0-9]*ApiKey$/.test(key)) continue;
    const suggestion = [...known.keys()]
      .filter((k) => k.startsWith(`${ns}:`))
      .map((k) => ({ k, d: distance(k, key) }))
      .sort((a, b) => a.d - b.d)[0];
    const hint = suggestion && suggestion.d <= 3 ? `; did you mean ${suggestion.k}?` : "";
    issues.push({
      key,
      problem: "is not a setting of this program" + hint,
      rule:
        ns === PROJECT
          ? "only the keys listed in Pulumi.yaml"
          : `only the ${ns}: settings the program reads (docs/${ns === "tama" ? "tama" : "e2e"}.md)`,
    });
  }

  // Credentials stored in plaintext: secret keys of every system (enabled or not), credential-looking values
  // under tama:/e2e:, secret-looking E2E function environment variables. Only when the runtime says which keys
  // are secret.
  if (opts.secretKeys) {
    const secretSpecs = new Set([...known].filter(([, s]) => s.secret).map(([k]) => k));
    issues.push(...plaintextCredentialIssues(raw, { secretKeys: opts.secretKeys, secretSpecs }));
  }

  const core = readSection(coreKeys, raw, opts, issues);
  const config: Record<string, unknown> = { ...core, project, stack: opts.stack };

  for (const system of core.systems ?? []) {
    if (!opts.implemented.includes(system)) {
      issues.push({
        key: `${PROJECT}:systems`,
        problem: `"${system}" is not implemented by this version of the program`,
        rule: `enable only implemented systems (${opts.implemented.join(", ") || "none yet"})`,
      });
      continue;
    }
    const sec = (SYSTEM_SECTIONS as Partial<Record<SystemName, Section<SectionSpec>>>)[system];
    if (!sec) continue;
    const before = issues.length;
    const values = readSection(sec.keys, raw, opts, issues);
    if (issues.length === before && sec.check) issues.push(...sec.check(values));
    config[system] = values;
  }

  if (core.region !== undefined) issues.push(...regionIssues(core.region, core.systems ?? []));

  if (issues.length > 0) throw new ConfigError(dedupe(issues), opts.stack);
  return config as PlatformConfig;
}

/** Reads the running stack's config from the Pulumi runtime and parses it. */
export function loadConfig(implemented: readonly SystemName[]): PlatformConfig {
  const raw = pulumi.runtime.allConfig();
  // The runtime knows which keys were set with --secret; the function is internal, so guard its use.
  const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
  const secretKeys = isSecret ? new Set(Object.keys(raw).filter((k) => isSecret(k))) : undefined;
  return parseConfig(raw, {
    stack: pulumi.getStack(),
    project: pulumi.getProject(),
    secretKeys,
    implemented,
  });
}
