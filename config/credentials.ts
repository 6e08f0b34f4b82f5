/**
 * Plaintext credentials in the stack config: pure checks that find a value which looks like a credential, or
 * an environment variable whose name looks secret, stored without `--secret`. Every issue names the key (or
 * the field inside a structured key) and the rule that matched, never the value, and gives the command that
 * stores it encrypted.
 *
 * The rules aim for few false positives: URLs (without a password), UUIDs, region names, numbers and
 * kebab-case names pass; a git commit hash or any other long random-looking token does not (store such a
 * value with `--secret` too, it costs nothing).
 */
import type { ConfigIssue } from "./schema";
import { PROJECT } from "./schema";

/** A credential format recognised by its shape, with the words an error uses for it. */
interface CredentialRule {
  name: string;
  test(value: string): boolean;
}

const re = (name: string, pattern: RegExp): CredentialRule => ({ name, test: (v) => pattern.test(v) });

/** Characters of base64, base64url and hex tokens. */
const TOKEN = /[A-Za-z0-9+/=_-]{32,}/g;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Shannon entropy of a string, in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / s.length) * Math.log2(n / s.length);
  return bits;
}

/** Letter case or digit of each character, separators dropped. */
function classes(token: string): string[] {
  return [...token.replace(/[-_/+=]/g, "")].map((c) =>
    /\d/.test(c) ? "d" : c === c.toUpperCase() ? "u" : "l",
  );
}

/** Share of adjacent characters (separators dropped) that switch between lower case, upper case and digit. */
export function switchRate(token: string): number {
  const cls = classes(token);
  let switches = 0;
  for (let i = 1; i < cls.length; i++) if (cls[i] !== cls[i - 1]) switches++;
  return cls.length < 2 ? 0 : switches / (cls.length - 1);
}

/**
 * A long random-looking token: ≥ 32 characters of base64/hex with letters and digits, not a UUID, ≥ 3 bits of
 * entropy per character, and frequent switches between lower case, upper case and digits: random base62
 * switches at about 0.6 of its characters, random hex or base36 at about 0.4-0.5, while kebab-case names
 * (`e2e-faas-dev-process-orders-mock00`, about 0.1) and CamelCase names (about 0.3, two per word) stay below
 * the bar (0.2 without mixed case, 0.45 with it).
 */
export function isHighEntropyToken(token: string): boolean {
  if (token.length < 32 || UUID.test(token)) return false;
  if (!/[A-Za-z]/.test(token) || !/\d/.test(token)) return false;
  const mixedCase = /[a-z]/.test(token) && /[A-Z]/.test(token);
  return entropy(token) >= 3 && switchRate(token) >= (mixedCase ? 0.45 : 0.2);
}

/** Start of a token: not preceded by a letter, digit, `_` or `-`. */
const B = "(?<![A-Za-z0-9_-])";

export const CREDENTIAL_RULES: readonly CredentialRule[] = [
  re(
    "an API key with the sk- prefix (OpenAI, Anthropic)",
    new RegExp(`${B}sk-(?=[A-Za-z0-9_-]*\\d)[A-Za-z0-9_-]{20,}`),
  ),
  re("an AWS access key id (AKIA…/ASIA…)", new RegExp(`${B}(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])`)),
  re(
    "a GitHub token (ghp_…, github_pat_…)",
    new RegExp(`${B}(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})`),
  ),
  re("a Slack token (xoxb-…, xoxa-…, xoxp-…)", new RegExp(`${B}xox[abposr]-[A-Za-z0-9-]{10,}`)),
  re("a JSON Web Token (three base64url parts)", /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/),
  re("a PEM block (-----BEGIN …)", /-----BEGIN [A-Z0-9 ]+-----/),
  re("a URL with a password in it", /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i),
  {
    name: "a long random-looking token (32+ characters of base64 or hex)",
    test: (v) => (v.match(TOKEN) ?? []).some(isHighEntropyToken),
  },
];

/** The rule a value matches when it looks like a credential, else `undefined`. Never returns the value. */
export function credentialKind(value: string): string | undefined {
  return CREDENTIAL_RULES.find((r) => r.test(value))?.name;
}

/** Environment variable names that look secret. */
export const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE)/i;

/** Namespaces whose plaintext values are checked (the providers' own settings). */
const CHECKED_NAMESPACES = ["tama", "e2e"];

const E2E_FUNCTIONS = `${PROJECT}:e2eFunctions`;

export interface PlaintextCheckOptions {
  /** Keys stored as secrets. */
  secretKeys: ReadonlySet<string>;
  /** Keys whose spec says they are secrets (e.g. `e2e:apiKey`); stored in plaintext they are refused by name. */
  secretSpecs: ReadonlySet<string>;
}

/**
 * Every plaintext credential of the raw stack config:
 * - under `tama:` and `e2e:`: a key that must be a secret (a secret spec, or a name that looks secret such as
 *   `tama:<source>ApiKey` or a misspelt `e2e:apikey`), or any value that looks like a credential;
 * - in `ai-platform:e2eFunctions.<fn>.environment`: a variable whose name looks secret or whose value looks
 *   like a credential, unless the whole `ai-platform:e2eFunctions` key is stored as a secret.
 * Values are never part of an issue.
 */
export function plaintextCredentialIssues(
  raw: Record<string, string>,
  opts: PlaintextCheckOptions,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (opts.secretKeys.has(key)) continue;
    const ns = key.slice(0, key.indexOf(":"));
    if (!CHECKED_NAMESPACES.includes(ns)) continue;
    const command = `pulumi config set --secret ${key} <value>`;
    if (opts.secretSpecs.has(key) || SECRET_NAME.test(key.slice(ns.length + 1))) {
      // The loader's own wording for a secret key in plaintext, so the two checks report it once.
      issues.push({
        key,
        problem: "is stored in plaintext in the stack file",
        rule: `a secret; set it with "${command}"`,
      });
      continue;
    }
    const kind = credentialKind(value);
    if (kind)
      issues.push({
        key,
        problem: `is stored in plaintext in the stack file and its value looks like ${kind}`,
        rule: `credentials only as secrets; set it with "${command}"`,
      });
  }
  if (raw[E2E_FUNCTIONS] !== undefined && !opts.secretKeys.has(E2E_FUNCTIONS))
    issues.push(...environmentIssues(raw[E2E_FUNCTIONS]));
  return issues;
}

/** The plaintext `ai-platform:e2eFunctions` value's environment variables that look secret. */
function environmentIssues(rawFunctions: string): ConfigIssue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawFunctions);
  } catch {
    return []; // the e2e section reports a value that is not a map
  }
  if (!isRecord(parsed)) return [];
  const issues: ConfigIssue[] = [];
  for (const [fn, spec] of Object.entries(parsed)) {
    if (!isRecord(spec) || !isRecord(spec.environment)) continue;
    for (const [name, value] of Object.entries(spec.environment)) {
      const field = `${E2E_FUNCTIONS}.${fn}.environment.${name}`;
      const byName = SECRET_NAME.test(name);
      const kind = typeof value === "string" ? credentialKind(value) : undefined;
      if (!byName && !kind) continue;
      issues.push({
        key: field,
        problem:
          "is stored in plaintext in the stack file and " +
          (byName
            ? `its name looks secret (${SECRET_NAME.source.slice(1, -1)})`
            : `its value looks like ${kind}`),
        rule:
          `a secret; set it with "pulumi config set --secret --path '${field}' <value>" ` +
          `(that encrypts this value and marks the whole ${E2E_FUNCTIONS} key secret), or keep it in E2E's ` +
          `secret store and list its name in ${E2E_FUNCTIONS}.${fn}.secrets`,
      });
    }
  }
  return issues;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
