/**
 * The one redaction of both dynamic providers: every credential a call knows, in every form an answer could
 * echo it in, is replaced by `***` in messages, error bodies, log lines and, at each provider method's boundary,
 * in every property and cause of whatever error leaves the method.
 *
 * Serialized by value into each provider's `__provider` text with the code that uses it: no module-level state,
 * no imports.
 */
import type * as pulumi from "@pulumi/pulumi";

/** The forms a secret can take in an answer: raw, URL-encoded, JSON-escaped, base64 (standard, URL-safe), hex. */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const b64 = bytes.toString("base64");
  const hex = bytes.toString("hex");
  const forms = [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    b64,
    b64.replace(/=+$/, ""),
    b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
    hex,
    hex.toUpperCase(),
  ];
  return [...new Set(forms)].filter((f) => f.length >= 4).sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of a secret, in any of its forms (`secretForms`), in `text` by `***`. */
export function scrub(text: string, secrets: (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets)
    if (s && s.length >= 4) for (const f of secretForms(s)) out = out.split(f).join("***");
  return out;
}

/** A copy of a JSON-like value with every string scrubbed (bounded depth). */
export function scrubValue(value: unknown, secrets: (string | undefined)[], depth = 0): unknown {
  if (typeof value === "string") return scrub(value, secrets);
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    out[scrub(k, secrets)] = scrubValue(v, secrets, depth + 1);
  return out;
}

/**
 * Scrubs an error in place: message, stack, every own string or JSON property, and its cause chain. The one
 * redaction every provider error passes through before it leaves the provider.
 */
export function scrubError<E>(err: E, secrets: (string | undefined)[], depth = 0): E {
  if (!err || typeof err !== "object" || depth > 4) return err;
  const e = err as Record<string, unknown>;
  for (const k of Object.getOwnPropertyNames(e)) {
    if (k === "cause") continue;
    try {
      e[k] = scrubValue(e[k], secrets);
    } catch {
      // a read-only property: left as it is
    }
  }
  if (e.cause !== undefined) scrubError(e.cause, secrets, depth + 1);
  return err;
}

/** The methods of a dynamic provider whose errors reach the engine. */
const METHODS = ["check", "diff", "create", "read", "update", "delete"] as const;

/**
 * The provider with each CRUD method wrapped: an error it throws is scrubbed (`scrubError`) of the credentials
 * `secretsOf(this)` names before the engine sees it. `this` is passed through unchanged (a provider may key its
 * configured settings by it); `secretsOf` must not throw for an unconfigured provider (answer `[]`).
 */
export function scrubbingErrors<P extends pulumi.dynamic.ResourceProvider>(
  provider: P,
  secretsOf: (self: P) => (string | undefined)[],
): P {
  const wrapped: P = { ...provider };
  for (const name of METHODS) {
    const method = provider[name] as ((this: P, ...args: unknown[]) => Promise<unknown>) | undefined;
    if (!method) continue;
    const guarded = async function (this: P, ...args: unknown[]): Promise<unknown> {
      try {
        return await method.apply(this, args);
      } catch (e) {
        throw scrubError(e, secretsOf(this));
      }
    };
    Object.assign(wrapped, { [name]: guarded });
  }
  return wrapped;
}
