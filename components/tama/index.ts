/**
 * TamaWorkspace: one Tama space with its sources, each with its models and rate limits, built from a
 * declarative block (the stack's `ai-platform:tamaWorkspace`). The seed's Quick Start is the dev stack's
 * block: space "Production AI Services" → source "OpenAI Production" → model gpt-4 → limit 100/minute.
 *
 * Every object can be adopted instead of created by giving its `existingId` (see the README's adoption
 * steps); `npm run tama:import` prints such a block from live objects.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  JsonObject,
  Limit,
  RequestHeader,
  Model,
  ScaleUnit,
  SessionAffinity,
  Source,
  Space,
  SpaceType,
} from "../../providers/tama";

export interface TamaModelArgs {
  /** Logical key, unique within its source; names the Pulumi resource (`<name>-model-<source>-<key>`). */
  key: string;
  /** The provider's model name, e.g. `gpt-4`. */
  identifier: pulumi.Input<string>;
  /** API path of the model, e.g. `/chat/completions`. */
  path: pulumi.Input<string>;
  /** Request parameters; compared as canonical JSON. @default none */
  parameters?: pulumi.Input<JsonObject>;
  /** Adopt this existing model (`<modelId>` or `<sourceId>/<modelId>`). @default none: created */
  existingId?: pulumi.Input<string>;
}

export interface TamaLimitArgs {
  /** Logical key, unique within its source. @default the limit's position, e.g. `0` */
  key?: string;
  /** `seconds`, `minutes` or `hours`. */
  scaleUnit: pulumi.Input<ScaleUnit>;
  /** Window length in `scaleUnit`s (> 0). */
  scaleCount: pulumi.Input<number>;
  /** Requests allowed per window (> 0). */
  limit: pulumi.Input<number>;
  /** Adopt this existing limit (it must be on this source). @default none: created */
  existingId?: pulumi.Input<string>;
}

export interface TamaSourceArgs {
  /** Logical key, unique in the workspace; names the resource and the secret `tama:<key>ApiKey`. */
  key: string;
  /** Display name in Tama, e.g. "OpenAI Production". */
  name: pulumi.Input<string>;
  /** Source type. @default "model" */
  type?: pulumi.Input<string>;
  /** The provider's https:// API base. */
  endpoint: pulumi.Input<string>;
  /** The provider's API key: pass a secret (it stays secret in state). */
  apiKey: pulumi.Input<string>;
  /** Headers and session affinity for requests to the endpoint. @default none */
  request?: pulumi.Input<{
    headers?: pulumi.Input<pulumi.Input<RequestHeader>[]>;
    sessionAffinity?: pulumi.Input<SessionAffinity>;
  }>;
  /** Adopt this existing source (it must be in the workspace's space). @default none: created */
  existingId?: pulumi.Input<string>;
  /** Models served by this source. @default [] */
  models?: TamaModelArgs[];
  /** Rate limits on this source. @default [] */
  limits?: TamaLimitArgs[];
}

export interface TamaWorkspaceArgs {
  /** The space: its display name, type (`root`, `component`, `global`) and optional `existingId`. */
  space: {
    name: pulumi.Input<string>;
    type: pulumi.Input<SpaceType>;
    existingId?: pulumi.Input<string>;
  };
  /** Sources of the space, with their models and limits. @default [] */
  sources?: TamaSourceArgs[];
  /** Protect every Tama object from deletion by Pulumi (prod). @default false */
  protect?: boolean;
}

interface Normalized {
  space: TamaWorkspaceArgs["space"];
  sources: (TamaSourceArgs & { models: TamaModelArgs[]; limits: (TamaLimitArgs & { key: string })[] })[];
  protect: boolean;
}

/** Defaults and checks that need no engine: unique keys, limit keys from their position. */
export function normalizeWorkspace(args: TamaWorkspaceArgs): Normalized {
  const sources = (args.sources ?? []).map((s) => ({
    ...s,
    models: s.models ?? [],
    limits: (s.limits ?? []).map((l, i) => ({ ...l, key: l.key ?? String(i) })),
  }));
  const unique = (keys: string[], where: string) => {
    const dup = keys.find((k, i) => keys.indexOf(k) !== i);
    if (dup !== undefined)
      throw new Error(`TamaWorkspace: ${where} key "${dup}" is used twice; keys must be unique`);
  };
  unique(
    sources.map((s) => s.key),
    "source",
  );
  for (const s of sources) {
    unique(
      s.models.map((m) => m.key),
      `model (source "${s.key}")`,
    );
    unique(
      s.limits.map((l) => l.key),
      `limit (source "${s.key}")`,
    );
  }
  return { space: args.space, sources, protect: args.protect ?? false };
}

export class TamaWorkspace extends pulumi.ComponentResource {
  readonly space: Space;
  readonly sources: Record<string, Source> = {};
  readonly models: Record<string, Model> = {};
  readonly limits: Record<string, Limit> = {};
  /** Id of the space. */
  readonly spaceId: pulumi.Output<string>;
  readonly spaceSlug: pulumi.Output<string>;
  /** Source ids by source key. */
  readonly sourceIds: pulumi.Output<Record<string, string>>;
  /** Model ids by `<sourceKey>/<modelKey>`. */
  readonly modelIds: pulumi.Output<Record<string, string>>;
  /** Limit ids by `<sourceKey>/<limitKey>`. */
  readonly limitIds: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: TamaWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:tama:TamaWorkspace", name, {}, opts);
    const n = normalizeWorkspace(args);
    const child = { parent: this, protect: n.protect };

    this.space = new Space(`${name}-space`, n.space, child);
    for (const s of n.sources) {
      const source = new Source(
        `${name}-source-${s.key}`,
        {
          spaceId: this.space.id,
          name: s.name,
          type: s.type ?? "model",
          endpoint: s.endpoint,
          apiKey: s.apiKey,
          request: s.request,
          existingId: s.existingId,
        },
        child,
      );
      this.sources[s.key] = source;
      for (const m of s.models) {
        this.models[`${s.key}/${m.key}`] = new Model(
          `${name}-model-${s.key}-${m.key}`,
          {
            sourceId: source.id,
            identifier: m.identifier,
            path: m.path,
            parameters: m.parameters,
            existingId: m.existingId,
          },
          child,
        );
      }
      for (const l of s.limits) {
        this.limits[`${s.key}/${l.key}`] = new Limit(
          `${name}-limit-${s.key}-${l.key}`,
          {
            sourceId: source.id,
            scaleUnit: l.scaleUnit,
            scaleCount: l.scaleCount,
            limit: l.limit,
            existingId: l.existingId,
          },
          child,
        );
      }
    }

    const ids = (r: Record<string, pulumi.CustomResource>) =>
      pulumi.all(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.id]))) as pulumi.Output<
        Record<string, string>
      >;
    this.spaceId = this.space.id;
    this.spaceSlug = this.space.slug;
    this.sourceIds = ids(this.sources);
    this.modelIds = ids(this.models);
    this.limitIds = ids(this.limits);
    this.registerOutputs({
      spaceId: this.spaceId,
      spaceSlug: this.spaceSlug,
      sourceIds: this.sourceIds,
      modelIds: this.modelIds,
      limitIds: this.limitIds,
    });
  }
}
