/**
 * Tama resource kinds as pure data: the program-side input/output shapes, their validation (`check`), the
 * mapping to and from the wire (`{"space": {...}}` request bodies, `{"data": {...}}` responses, snake_case
 * keys, `count` for a limit), and which fields differ between two input sets.
 *
 * Nothing here does I/O or keeps state: the module is serialized by value into each provider's `__provider`
 * text, and it is unit-tested on its own. The wire contract is `shared/specs/tama-api.md` §3.
 */

/** The value the engine sends for an input that is unknown during a preview. Never validated. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const SPACE_TYPES = ["root", "component", "global"] as const;
export const SOURCE_TYPES = ["model"] as const;
export const SCALE_UNITS = ["seconds", "minutes", "hours"] as const;
export const AFFINITY_LOCATIONS = ["header", "body"] as const;

export type SpaceType = (typeof SPACE_TYPES)[number];
export type ScaleUnit = (typeof SCALE_UNITS)[number];

export interface SpaceInputs {
  name: string;
  type: SpaceType;
  existingId?: string;
}
export interface SpaceOutputs extends SpaceInputs {
  slug: string;
  provisionState: string;
}

export interface RequestHeader {
  name: string;
  value: string;
}
export interface SessionAffinity {
  location: "header" | "body";
  key: string;
  value: string;
}
export interface SourceRequest {
  headers?: RequestHeader[];
  sessionAffinity?: SessionAffinity;
}
export interface SourceInputs {
  spaceId: string;
  name: string;
  type: string;
  endpoint: string;
  apiKey: string;
  request?: SourceRequest;
  existingId?: string;
}
export interface SourceOutputs extends SourceInputs {
  slug: string;
  provisionState: string;
}

export type JsonObject = { [key: string]: unknown };

export interface ModelInputs {
  sourceId: string;
  identifier: string;
  path: string;
  parameters?: JsonObject;
  existingId?: string;
}
export interface ModelOutputs extends ModelInputs {
  provisionState: string;
}

export interface LimitInputs {
  sourceId: string;
  scaleUnit: ScaleUnit;
  scaleCount: number;
  limit: number;
  existingId?: string;
}
export interface LimitOutputs extends LimitInputs {
  provisionState: string;
}

export type Kind = "space" | "source" | "model" | "limit";

export interface CheckFailure {
  property: string;
  reason: string;
}

// ---------------------------------------------------------------------------------------------------------
// Canonical JSON (model parameters): key order and formatting never matter; arrays keep their order.
// ---------------------------------------------------------------------------------------------------------

/** JSON text with object keys sorted at every depth. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v as object).sort()) out[k] = sort((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return JSON.stringify(sort(value)) ?? "";
}

/** Two parameter sets are equal when their canonical JSON is; no parameters and `{}` are the same. */
export function sameParameters(a: JsonObject | undefined, b: JsonObject | undefined): boolean {
  const norm = (p: JsonObject | undefined) => (p && Object.keys(p).length > 0 ? canonicalJson(p) : "{}");
  return norm(a) === norm(b);
}

function sameRequest(a: SourceRequest | undefined, b: SourceRequest | undefined): boolean {
  return canonicalJson(normalizeRequest(a) ?? null) === canonicalJson(normalizeRequest(b) ?? null);
}

/** Drops empty parts of a source's `request`, so `{}` and `{headers: []}` mean "no request settings". */
export function normalizeRequest(r: SourceRequest | undefined | null): SourceRequest | undefined {
  if (!r) return undefined;
  const out: SourceRequest = {};
  if (r.headers && r.headers.length > 0)
    out.headers = r.headers.map((h) => ({ name: h.name, value: h.value }));
  if (r.sessionAffinity) {
    const s = r.sessionAffinity;
    out.sessionAffinity = { location: s.location, key: s.key, value: s.value };
  }
  return out.headers || out.sessionAffinity ? out : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Validation (`check`): every rule names the field; values of secrets are never echoed.
// ---------------------------------------------------------------------------------------------------------

const known = (v: unknown) => v !== UNKNOWN;

function requireText(f: CheckFailure[], property: string, v: unknown, max = 255): void {
  if (!known(v)) return;
  if (typeof v !== "string" || v.trim() === "")
    f.push({ property, reason: `${property} is required: a non-empty string` });
  else if (v.length > max) f.push({ property, reason: `${property} must be at most ${max} characters` });
}

function requireOneOf(f: CheckFailure[], property: string, v: unknown, allowed: readonly string[]): void {
  if (!known(v)) return;
  if (typeof v !== "string" || !allowed.includes(v))
    f.push({
      property,
      reason: `${property} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${JSON.stringify(v) ?? "nothing"}`,
    });
}

function requirePositiveInt(f: CheckFailure[], property: string, v: unknown): void {
  if (!known(v)) return;
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0 || v > Number.MAX_SAFE_INTEGER)
    f.push({
      property,
      reason: `${property} must be a whole number greater than 0, got ${JSON.stringify(v) ?? "nothing"}`,
    });
}

function optionalId(f: CheckFailure[], v: unknown): void {
  if (v === undefined || v === null || !known(v)) return;
  if (typeof v !== "string" || v.trim() === "" || /\s/.test(v))
    f.push({ property: "existingId", reason: "existingId must be the id of an existing object (no spaces)" });
}

/** An https URL with a host; Tama rejects anything else ("endpoint must use HTTPS"). */
function requireEndpoint(f: CheckFailure[], v: unknown): void {
  if (!known(v)) return;
  if (typeof v !== "string" || v.trim() === "") {
    f.push({ property: "endpoint", reason: "endpoint is required: an https:// URL" });
    return;
  }
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    f.push({ property: "endpoint", reason: `endpoint must be a valid URL, got ${JSON.stringify(v)}` });
    return;
  }
  if (url.protocol !== "https:")
    f.push({ property: "endpoint", reason: `endpoint must use HTTPS, got ${JSON.stringify(v)}` });
}

export function validateSpace(n: Record<string, unknown>): CheckFailure[] {
  const f: CheckFailure[] = [];
  requireText(f, "name", n.name);
  // The type is validated by the server (it accepts more than root/component/global); its 422 is passed on.
  requireText(f, "type", n.type);
  optionalId(f, n.existingId);
  return f;
}

export function validateSource(n: Record<string, unknown>): CheckFailure[] {
  const f: CheckFailure[] = [];
  requireText(f, "spaceId", n.spaceId);
  requireText(f, "name", n.name);
  requireText(f, "type", n.type); // validated by the server; its 422 message is passed on
  requireEndpoint(f, n.endpoint);
  if (known(n.apiKey) && (typeof n.apiKey !== "string" || n.apiKey.trim() === ""))
    f.push({ property: "apiKey", reason: "apiKey is required: the source's API key (a non-empty secret)" });
  const r = n.request;
  if (r !== undefined && r !== null && known(r)) {
    if (typeof r !== "object" || Array.isArray(r)) {
      f.push({
        property: "request",
        reason: "request must be an object with headers and/or sessionAffinity",
      });
    } else {
      const req = r as Record<string, unknown>;
      for (const k of Object.keys(req))
        if (k !== "headers" && k !== "sessionAffinity")
          f.push({
            property: `request.${k}`,
            reason: `request.${k} is not a setting (headers, sessionAffinity)`,
          });
      if (req.headers !== undefined && known(req.headers)) {
        if (!Array.isArray(req.headers)) {
          f.push({ property: "request.headers", reason: "request.headers must be a list of {name, value}" });
        } else {
          const seen = new Set<string>();
          req.headers.forEach((h: unknown, i: number) => {
            const hh = (h ?? {}) as Record<string, unknown>;
            requireText(f, `request.headers[${i}].name`, hh.name);
            if (known(hh.value) && typeof hh.value !== "string")
              f.push({
                property: `request.headers[${i}].value`,
                reason: `request.headers[${i}].value must be a string`,
              });
            if (typeof hh.name === "string") {
              const lower = hh.name.toLowerCase();
              if (seen.has(lower))
                f.push({
                  property: `request.headers[${i}].name`,
                  reason: `header "${hh.name}" is listed twice`,
                });
              seen.add(lower);
            }
          });
        }
      }
      if (req.sessionAffinity !== undefined && known(req.sessionAffinity)) {
        const s = (req.sessionAffinity ?? {}) as Record<string, unknown>;
        requireOneOf(f, "request.sessionAffinity.location", s.location, AFFINITY_LOCATIONS);
        requireText(f, "request.sessionAffinity.key", s.key);
        requireText(f, "request.sessionAffinity.value", s.value);
      }
    }
  }
  optionalId(f, n.existingId);
  return f;
}

export function validateModel(n: Record<string, unknown>): CheckFailure[] {
  const f: CheckFailure[] = [];
  requireText(f, "sourceId", n.sourceId);
  requireText(f, "identifier", n.identifier);
  requireText(f, "path", n.path, 2048);
  const p = n.parameters;
  if (p !== undefined && p !== null && known(p) && (typeof p !== "object" || Array.isArray(p)))
    f.push({
      property: "parameters",
      reason: "parameters must be a JSON object (a map), not a list or a scalar",
    });
  optionalId(f, n.existingId);
  return f;
}

export function validateLimit(n: Record<string, unknown>): CheckFailure[] {
  const f: CheckFailure[] = [];
  requireText(f, "sourceId", n.sourceId);
  requireOneOf(f, "scaleUnit", n.scaleUnit, SCALE_UNITS);
  requirePositiveInt(f, "scaleCount", n.scaleCount);
  requirePositiveInt(f, "limit", n.limit);
  optionalId(f, n.existingId);
  return f;
}

// ---------------------------------------------------------------------------------------------------------
// Normalization: only the declared input keys, in a stable shape.
// ---------------------------------------------------------------------------------------------------------

function withExisting<T extends object>(base: T, existingId: unknown): T {
  return existingId !== undefined && existingId !== null && existingId !== ""
    ? { ...base, existingId: existingId as string }
    : base;
}

export function normalizeSpace(n: Record<string, unknown>): SpaceInputs {
  return withExisting({ name: n.name as string, type: n.type as SpaceType }, n.existingId);
}

export function normalizeSource(n: Record<string, unknown>): SourceInputs {
  const base: SourceInputs = {
    spaceId: n.spaceId as string,
    name: n.name as string,
    type: n.type as string,
    endpoint: n.endpoint as string,
    apiKey: n.apiKey as string,
  };
  const request =
    n.request === UNKNOWN
      ? (UNKNOWN as unknown as SourceRequest)
      : normalizeRequest(n.request as SourceRequest);
  if (request) base.request = request;
  return withExisting(base, n.existingId);
}

export function normalizeModel(n: Record<string, unknown>): ModelInputs {
  const base: ModelInputs = {
    sourceId: n.sourceId as string,
    identifier: n.identifier as string,
    path: n.path as string,
  };
  const p = n.parameters as JsonObject | undefined;
  if ((p as unknown) === UNKNOWN || (p && typeof p === "object" && Object.keys(p).length > 0))
    base.parameters = p;
  return withExisting(base, n.existingId);
}

export function normalizeLimit(n: Record<string, unknown>): LimitInputs {
  return withExisting(
    {
      sourceId: n.sourceId as string,
      scaleUnit: n.scaleUnit as ScaleUnit,
      scaleCount: n.scaleCount as number,
      limit: n.limit as number,
    },
    n.existingId,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Differences between two input sets (olds may be state outputs: extra keys are ignored).
// `existingId` only matters at create, so it is never a difference.
// ---------------------------------------------------------------------------------------------------------

type Any = Record<string, unknown>;

export function changedSpace(o: Any, n: Any): string[] {
  return ["name", "type"].filter((k) => o[k] !== n[k]);
}

export function changedSource(o: Any, n: Any): string[] {
  const out = ["spaceId", "name", "type", "endpoint", "apiKey"].filter((k) => o[k] !== n[k]);
  if (!sameRequest(o.request as SourceRequest, n.request as SourceRequest)) out.push("request");
  return out;
}

export function changedModel(o: Any, n: Any): string[] {
  const out = ["sourceId", "identifier", "path"].filter((k) => o[k] !== n[k]);
  if (!sameParameters(o.parameters as JsonObject, n.parameters as JsonObject)) out.push("parameters");
  return out;
}

export function changedLimit(o: Any, n: Any): string[] {
  return ["sourceId", "scaleUnit", "scaleCount", "limit"].filter((k) => o[k] !== n[k]);
}

// ---------------------------------------------------------------------------------------------------------
// Wire bodies. Create sends every field; update sends only the fields that changed.
// ---------------------------------------------------------------------------------------------------------

export function requestToWire(r: SourceRequest | undefined): Any | null {
  const n = normalizeRequest(r);
  if (!n) return null;
  const out: Any = {};
  if (n.headers) out.headers = n.headers;
  if (n.sessionAffinity) out.session_affinity = n.sessionAffinity;
  return out;
}

export function requestFromWire(w: unknown): SourceRequest | undefined {
  if (!w || typeof w !== "object") return undefined;
  const r = w as Any;
  const sa = r.session_affinity as Any | undefined | null;
  return normalizeRequest({
    headers: Array.isArray(r.headers) ? (r.headers as RequestHeader[]) : undefined,
    sessionAffinity: sa ? (sa as unknown as SessionAffinity) : undefined,
  });
}

export const spaceBody = (i: SpaceInputs) => ({ space: { name: i.name, type: i.type } });

export function spacePatch(o: Any, n: SpaceInputs): Any | undefined {
  const c = changedSpace(o, n as unknown as Any);
  if (c.length === 0) return undefined;
  const s: Any = {};
  for (const k of c) s[k] = (n as unknown as Any)[k];
  return { space: s };
}

export function sourceBody(i: SourceInputs): Any {
  const s: Any = { name: i.name, type: i.type, endpoint: i.endpoint, credential: { api_key: i.apiKey } };
  const r = requestToWire(i.request);
  if (r) s.request = r;
  return { source: s };
}

/** `request: null` is sent when the block was removed, so the server clears it. */
export function sourcePatch(o: Any, n: SourceInputs, force: string[] = []): Any | undefined {
  const c = [...new Set([...changedSource(o, n as unknown as Any), ...force])].filter((k) => k !== "spaceId");
  if (c.length === 0) return undefined;
  const s: Any = {};
  for (const k of c) {
    if (k === "apiKey") s.credential = { api_key: n.apiKey };
    else if (k === "request") s.request = requestToWire(n.request);
    else s[k] = (n as unknown as Any)[k];
  }
  return { source: s };
}

export function modelBody(i: ModelInputs): Any {
  const m: Any = { identifier: i.identifier, path: i.path };
  if (i.parameters && Object.keys(i.parameters).length > 0) m.parameters = i.parameters;
  return { model: m };
}

/** Removing `parameters` sends `{}` (an empty map), the only way to clear them through PATCH. */
export function modelPatch(o: Any, n: ModelInputs): Any | undefined {
  const c = changedModel(o, n as unknown as Any).filter((k) => k !== "sourceId");
  if (c.length === 0) return undefined;
  const m: Any = {};
  for (const k of c) m[k] = k === "parameters" ? (n.parameters ?? {}) : (n as unknown as Any)[k];
  return { model: m };
}

export const limitBody = (i: LimitInputs) => ({
  limit: { scale_unit: i.scaleUnit, scale_count: i.scaleCount, count: i.limit },
});

const LIMIT_WIRE: Record<string, string> = {
  scaleUnit: "scale_unit",
  scaleCount: "scale_count",
  limit: "count",
};

export function limitPatch(o: Any, n: LimitInputs): Any | undefined {
  const c = changedLimit(o, n as unknown as Any).filter((k) => k !== "sourceId");
  if (c.length === 0) return undefined;
  const l: Any = {};
  for (const k of c) l[LIMIT_WIRE[k]] = (n as unknown as Any)[k];
  return { limit: l };
}

// ---------------------------------------------------------------------------------------------------------
// Responses → outputs. `prior` supplies what the API never returns (a source's api key, a model's source).
// ---------------------------------------------------------------------------------------------------------

const state = (d: Any) => String(d.provision_state ?? d.current_state ?? "");
const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));

export function spaceFromWire(d: Any, prior: Partial<SpaceInputs>): SpaceOutputs {
  return withExisting(
    { name: str(d.name), type: str(d.type) as SpaceType, slug: str(d.slug), provisionState: state(d) },
    prior.existingId,
  );
}

export function sourceFromWire(d: Any, prior: Partial<SourceInputs>): SourceOutputs {
  const out: SourceOutputs = {
    spaceId: str(d.space_id ?? prior.spaceId),
    name: str(d.name),
    type: str(d.type),
    endpoint: str(d.endpoint),
    apiKey: prior.apiKey ?? "",
    slug: str(d.slug),
    provisionState: state(d),
  };
  const r = requestFromWire(d.request);
  if (r) out.request = r;
  return withExisting(out, prior.existingId);
}

export function modelFromWire(d: Any, prior: Partial<ModelInputs>): ModelOutputs {
  const out: ModelOutputs = {
    sourceId: prior.sourceId ?? "",
    identifier: str(d.identifier),
    // The API may leave `path` out of a model (the Terraform provider never reads it): keep the known one.
    path: typeof d.path === "string" && d.path ? d.path : (prior.path ?? ""),
    provisionState: state(d),
  };
  const p = d.parameters as JsonObject | undefined | null;
  if (p && typeof p === "object" && Object.keys(p).length > 0) {
    // Keep the program's own form when it means the same, so state never shows a key-order change.
    out.parameters = prior.parameters && sameParameters(prior.parameters, p) ? prior.parameters : p;
  }
  return withExisting(out, prior.existingId);
}

export function limitFromWire(d: Any, prior: Partial<LimitInputs>): LimitOutputs {
  return withExisting(
    {
      sourceId: str(d.source_id ?? prior.sourceId),
      scaleUnit: str(d.scale_unit) as ScaleUnit,
      scaleCount: Number(d.scale_count),
      limit: Number(d.count),
      provisionState: state(d),
    },
    prior.existingId,
  );
}

/** The input part of a kind's outputs (what `read` hands back as `inputs`). */
export function inputsOf(kind: Kind, outs: Any): Any {
  const keys: Record<Kind, string[]> = {
    space: ["name", "type"],
    source: ["spaceId", "name", "type", "endpoint", "apiKey", "request"],
    model: ["sourceId", "identifier", "path", "parameters"],
    limit: ["sourceId", "scaleUnit", "scaleCount", "limit"],
  };
  const out: Any = {};
  for (const k of [...keys[kind], "existingId"])
    if (outs[k] !== undefined && outs[k] !== "") out[k] = outs[k];
  return out;
}
