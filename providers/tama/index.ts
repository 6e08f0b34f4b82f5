/**
 * Tama for Pulumi: the `Space`, `Source`, `Model` and `Limit` resources (dynamic resources, each with its
 * own type token `pulumi-nodejs:dynamic/tama:<Type>`), the providers behind them, and lookups of existing
 * objects (the Terraform provider's data sources).
 *
 * Connection: stack config `tama:baseUrl`, `tama:clientId` + `tama:clientSecret` (OAuth2 client
 * credentials), or `tama:apiKey` (static Bearer key), `tama:scopes`, `tama:timeout`; the environment
 * variables `TAMA_BASE_URL`, `TAMA_CLIENT_ID`, `TAMA_CLIENT_SECRET`, `TAMA_API_KEY` are the fallback. The
 * providers receive them through `configure`, never through their serialized code.
 *
 * Adoption: every resource takes `existingId`: the live object is adopted instead of created (checked
 * against the declared parent, differing fields updated on the same `up`).
 */
import * as pulumi from "@pulumi/pulumi";
import { NotFoundError } from "../http";
import { RawSettings, readSettings, resolveConnection, tamaCall } from "./client";
import { minifiedModule } from "../minified";
import { providers } from "./provider";
import type * as ProviderModule from "./provider";
import * as w from "./wire";

/** The providers the engine receives: the same code as `providers`, minified (providers/minified.ts says why). */
export function deployedProviders(): typeof providers {
  return minifiedModule<typeof ProviderModule>("providers/tama/provider.ts").providers;
}

export { providers } from "./provider";
export type { JsonObject, RequestHeader, ScaleUnit, SessionAffinity, SourceRequest, SpaceType } from "./wire";
export { SCALE_UNITS, SOURCE_TYPES, SPACE_TYPES, canonicalJson } from "./wire";

/** The module of every Tama type token: `pulumi-nodejs:dynamic/tama:<Type>`. */
export const TYPE_MODULE = "tama";

type Opts = pulumi.CustomResourceOptions;

export interface SpaceArgs {
  /** Display name of the space, e.g. "Production AI Services". */
  name: pulumi.Input<string>;
  /** `root`, `component` or `global`. Changed in place. */
  type: pulumi.Input<w.SpaceType>;
  /** Adopt this existing space instead of creating one (its name and type are set to the declared ones). */
  existingId?: pulumi.Input<string>;
}

/** A neural space: the top-level container of sources. */
export class Space extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly type: pulumi.Output<w.SpaceType>;
  /** URL-friendly name the API derives from `name`. */
  declare readonly slug: pulumi.Output<string>;
  declare readonly provisionState: pulumi.Output<string>;
  declare readonly existingId: pulumi.Output<string | undefined>;

  constructor(name: string, args: SpaceArgs, opts?: Opts) {
    super(
      deployedProviders().space,
      name,
      { existingId: undefined, ...args, slug: undefined, provisionState: undefined },
      opts,
      TYPE_MODULE,
      "Space",
    );
  }
}

export interface SourceArgs {
  /** The space the source belongs to. Changing it replaces the source. */
  spaceId: pulumi.Input<string>;
  name: pulumi.Input<string>;
  /** The kind of source; the API accepts `model`. */
  type: pulumi.Input<string>;
  /** The provider's https:// API base, e.g. `https://api.openai.com/v1`. */
  endpoint: pulumi.Input<string>;
  /** The provider's API key. Stored as a secret in state; the Tama API never returns it. */
  apiKey: pulumi.Input<string>;
  /** Extra request settings: headers sent to the endpoint, session affinity. Removing it clears it. */
  request?: pulumi.Input<{
    headers?: pulumi.Input<pulumi.Input<w.RequestHeader>[]>;
    sessionAffinity?: pulumi.Input<w.SessionAffinity>;
  }>;
  /** Adopt this existing source (it must be in `spaceId`). */
  existingId?: pulumi.Input<string>;
}

/** A sensory source: an external AI provider endpoint with its credential. */
export class Source extends pulumi.dynamic.Resource {
  declare readonly spaceId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly type: pulumi.Output<string>;
  declare readonly endpoint: pulumi.Output<string>;
  declare readonly apiKey: pulumi.Output<string>;
  declare readonly request: pulumi.Output<w.SourceRequest | undefined>;
  declare readonly slug: pulumi.Output<string>;
  declare readonly provisionState: pulumi.Output<string>;
  declare readonly existingId: pulumi.Output<string | undefined>;

  constructor(name: string, args: SourceArgs, opts?: Opts) {
    super(
      deployedProviders().source,
      name,
      {
        request: undefined,
        existingId: undefined,
        ...args,
        apiKey: pulumi.secret(args.apiKey),
        slug: undefined,
        provisionState: undefined,
      },
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "apiKey"] },
      TYPE_MODULE,
      "Source",
    );
  }
}

export interface ModelArgs {
  /** The source serving the model. Changing it replaces the model. */
  sourceId: pulumi.Input<string>;
  /** The provider's model name, e.g. `gpt-4`. */
  identifier: pulumi.Input<string>;
  /** The API path of the model, e.g. `/chat/completions`. */
  path: pulumi.Input<string>;
  /** Request parameters (a JSON object). Compared as canonical JSON: key order never makes a diff. */
  parameters?: pulumi.Input<w.JsonObject>;
  /** Adopt this existing model: `<modelId>`, or `<sourceId>/<modelId>` to have the source checked. */
  existingId?: pulumi.Input<string>;
}

/** A sensory model available from a source. */
export class Model extends pulumi.dynamic.Resource {
  declare readonly sourceId: pulumi.Output<string>;
  declare readonly identifier: pulumi.Output<string>;
  declare readonly path: pulumi.Output<string>;
  declare readonly parameters: pulumi.Output<w.JsonObject | undefined>;
  declare readonly provisionState: pulumi.Output<string>;
  declare readonly existingId: pulumi.Output<string | undefined>;

  constructor(name: string, args: ModelArgs, opts?: Opts) {
    super(
      deployedProviders().model,
      name,
      { parameters: undefined, existingId: undefined, ...args, provisionState: undefined },
      opts,
      TYPE_MODULE,
      "Model",
    );
  }
}

export interface LimitArgs {
  /** The source the rate limit applies to. Changing it replaces the limit. */
  sourceId: pulumi.Input<string>;
  /** `seconds`, `minutes` or `hours`. */
  scaleUnit: pulumi.Input<w.ScaleUnit>;
  /** Length of the window in `scaleUnit`s (> 0). */
  scaleCount: pulumi.Input<number>;
  /** Requests allowed per window (> 0); `count` on the wire. */
  limit: pulumi.Input<number>;
  /** Adopt this existing limit (it must be on `sourceId`). */
  existingId?: pulumi.Input<string>;
}

/** A rate limit on a source (`tama_source_limit`, formerly `tama_limit`). */
export class Limit extends pulumi.dynamic.Resource {
  declare readonly sourceId: pulumi.Output<string>;
  declare readonly scaleUnit: pulumi.Output<w.ScaleUnit>;
  declare readonly scaleCount: pulumi.Output<number>;
  declare readonly limit: pulumi.Output<number>;
  declare readonly provisionState: pulumi.Output<string>;
  declare readonly existingId: pulumi.Output<string | undefined>;

  constructor(name: string, args: LimitArgs, opts?: Opts) {
    super(
      deployedProviders().limit,
      name,
      { existingId: undefined, ...args, provisionState: undefined },
      opts,
      TYPE_MODULE,
      "Limit",
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Lookups (data sources). They run in the program, with the program's `tama:` config or the environment.
// ---------------------------------------------------------------------------------------------------------

export interface LookupOptions {
  /** Connection settings to use instead of the stack's `tama:` config (e.g. in scripts and tests). */
  settings?: RawSettings;
}

function lookupConnection(opts: LookupOptions | undefined) {
  if (opts?.settings) return resolveConnection(opts.settings);
  const cfg = new pulumi.Config("tama");
  return resolveConnection(readSettings((k) => cfg.get(k.slice("tama:".length))));
}

async function fetchOne(
  kind: string,
  path: string,
  id: string,
  opts?: LookupOptions,
): Promise<Record<string, unknown>> {
  if (typeof id !== "string" || id.trim() === "") throw new Error(`get${kind}: id is required`);
  try {
    return await tamaCall(lookupConnection(opts), "GET", path);
  } catch (e) {
    const why = e instanceof NotFoundError ? `it does not exist (${e.message})` : (e as Error).message;
    throw new Error(`Unable to read ${kind.toLowerCase()} "${id}": ${why}`, { cause: e });
  }
}

export interface SpaceResult {
  id: string;
  name: string;
  type: w.SpaceType;
  slug: string;
  provisionState: string;
}

/** Reads an existing space by id. */
export async function getSpace(args: { id: string }, opts?: LookupOptions): Promise<SpaceResult> {
  const d = await fetchOne("Space", `/provision/neural/spaces/${encodeURIComponent(args.id)}`, args.id, opts);
  const { existingId: _e, ...rest } = w.spaceFromWire(d, {});
  return { id: String(d.id ?? args.id), ...rest };
}

export interface SourceResult {
  id: string;
  spaceId: string;
  name: string;
  type: string;
  endpoint: string;
  slug: string;
  provisionState: string;
  request?: w.SourceRequest;
}

export type GetSourceArgs = { id: string } | { specificationId: string; slug: string };

/** Reads an existing source by id, or by the specification that created it and its slug. */
export async function getSource(args: GetSourceArgs, opts?: LookupOptions): Promise<SourceResult> {
  const a = args as { id?: string; specificationId?: string; slug?: string };
  const byId = a.id !== undefined;
  const bySlug = a.specificationId !== undefined || a.slug !== undefined;
  if (byId && bySlug)
    throw new Error("getSource: give either 'id' or both 'specificationId' and 'slug', not both");
  if (!byId && !(a.specificationId && a.slug))
    throw new Error("getSource: either 'id' or both 'specificationId' and 'slug' must be provided");
  const d = byId
    ? await fetchOne("Source", `/provision/sensory/sources/${encodeURIComponent(a.id!)}`, a.id!, opts)
    : await fetchOne(
        "Source",
        `/provision/sensory/specifications/${encodeURIComponent(a.specificationId!)}/sources/${encodeURIComponent(a.slug!)}`,
        `${a.specificationId}/${a.slug}`,
        opts,
      );
  const { apiKey: _k, existingId: _e, ...rest } = w.sourceFromWire(d, {});
  return { id: String(d.id), ...rest };
}

export interface ModelResult {
  id: string;
  identifier: string;
  path: string;
  parameters?: w.JsonObject;
  provisionState: string;
}

/** Reads an existing model by id (the API does not say which source it is on). */
export async function getModel(args: { id: string }, opts?: LookupOptions): Promise<ModelResult> {
  const d = await fetchOne(
    "Model",
    `/provision/sensory/models/${encodeURIComponent(args.id)}`,
    args.id,
    opts,
  );
  const { sourceId: _s, existingId: _e, ...rest } = w.modelFromWire(d, {});
  return { id: String(d.id ?? args.id), ...rest };
}

export interface LimitResult {
  id: string;
  sourceId: string;
  scaleUnit: w.ScaleUnit;
  scaleCount: number;
  limit: number;
  provisionState: string;
}

/** Reads an existing rate limit by id. */
export async function getLimit(args: { id: string }, opts?: LookupOptions): Promise<LimitResult> {
  const d = await fetchOne(
    "Limit",
    `/provision/sensory/limits/${encodeURIComponent(args.id)}`,
    args.id,
    opts,
  );
  const { existingId: _e, ...rest } = w.limitFromWire(d, {});
  return { id: String(d.id ?? args.id), ...rest };
}

type Inputs<T> = { [K in keyof T]: pulumi.Input<T[K]> };

export function getSpaceOutput(
  args: Inputs<{ id: string }>,
  opts?: LookupOptions,
): pulumi.Output<SpaceResult> {
  return pulumi.output(args).apply((a) => getSpace(a, opts));
}
export function getSourceOutput(
  args: Inputs<{ id: string }> | Inputs<{ specificationId: string; slug: string }>,
  opts?: LookupOptions,
): pulumi.Output<SourceResult> {
  return pulumi.output(args as Inputs<{ id: string }>).apply((a) => getSource(a as GetSourceArgs, opts));
}
export function getModelOutput(
  args: Inputs<{ id: string }>,
  opts?: LookupOptions,
): pulumi.Output<ModelResult> {
  return pulumi.output(args).apply((a) => getModel(a, opts));
}
export function getLimitOutput(
  args: Inputs<{ id: string }>,
  opts?: LookupOptions,
): pulumi.Output<LimitResult> {
  return pulumi.output(args).apply((a) => getLimit(a, opts));
}
