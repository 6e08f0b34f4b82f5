/**
 * The four Tama dynamic providers (space, source, model, limit), built from one generic implementation.
 *
 * What reaches the serialized `__provider` text: these objects, `wire.ts`, `client.ts` and `../http.ts`, by
 * value. No credential and no client: the connection comes from `configure(req)` (stack config, stored in
 * the per-process registry of `client.ts`) or, when a provider is called without `configure`, from the
 * environment variables, resolved inside each method.
 */
import type * as pulumi from "@pulumi/pulumi";
import { NotFoundError, isAmbiguous } from "../http";
import { scrubbingErrors } from "../redact";
import {
  TamaConnection,
  connectionSecrets,
  readSettings,
  readSourceApiKeys,
  registry,
  resolveConnection,
  tamaCall,
} from "./client";
import * as w from "./wire";

type Any = Record<string, unknown>;

/** What one kind of Tama object needs from the generic provider. */
export interface KindOps {
  kind: w.Kind;
  /** The input that names the parent (changing it replaces the object). */
  parentKey?: "spaceId" | "sourceId";
  /** The parent's key in a response's `data`, when the API returns it. */
  parentWireKey?: "space_id" | "source_id";
  validate(n: Any): w.CheckFailure[];
  normalize(n: Any): Any;
  changed(o: Any, n: Any): string[];
  createPath(i: Any): string;
  itemPath(id: string): string;
  body(i: Any): Any;
  patch(o: Any, n: Any, force?: string[]): Any | undefined;
  fromWire(d: Any, prior: Any): Any;
  /** How error messages name an object being created, e.g. `source "openai"`. */
  label(i: Any): string;
}

const enc = encodeURIComponent;

export const spaceOps: KindOps = {
  kind: "space",
  validate: w.validateSpace,
  normalize: (n) => w.normalizeSpace(n) as unknown as Any,
  changed: w.changedSpace,
  createPath: () => "/provision/neural/spaces",
  itemPath: (id) => `/provision/neural/spaces/${enc(id)}`,
  body: (i) => w.spaceBody(i as unknown as w.SpaceInputs),
  patch: (o, n) => w.spacePatch(o, n as unknown as w.SpaceInputs),
  fromWire: (d, p) => w.spaceFromWire(d, p) as unknown as Any,
  label: (i) => `space "${i.name}"`,
};

export const sourceOps: KindOps = {
  kind: "source",
  parentKey: "spaceId",
  parentWireKey: "space_id",
  validate: w.validateSource,
  normalize: (n) => w.normalizeSource(n) as unknown as Any,
  changed: w.changedSource,
  createPath: (i) => `/provision/sensory/spaces/${enc(String(i.spaceId))}/sources`,
  itemPath: (id) => `/provision/sensory/sources/${enc(id)}`,
  body: (i) => w.sourceBody(i as unknown as w.SourceInputs),
  patch: (o, n, force) => w.sourcePatch(o, n as unknown as w.SourceInputs, force),
  fromWire: (d, p) => w.sourceFromWire(d, p) as unknown as Any,
  label: (i) => `source "${i.name}"`,
};

export const modelOps: KindOps = {
  kind: "model",
  parentKey: "sourceId",
  validate: w.validateModel,
  normalize: (n) => w.normalizeModel(n) as unknown as Any,
  changed: w.changedModel,
  createPath: (i) => `/provision/sensory/sources/${enc(String(i.sourceId))}/models`,
  itemPath: (id) => `/provision/sensory/models/${enc(id)}`,
  body: (i) => w.modelBody(i as unknown as w.ModelInputs),
  patch: (o, n) => w.modelPatch(o, n as unknown as w.ModelInputs),
  fromWire: (d, p) => w.modelFromWire(d, p) as unknown as Any,
  label: (i) => `model "${i.identifier}"`,
};

export const limitOps: KindOps = {
  kind: "limit",
  parentKey: "sourceId",
  parentWireKey: "source_id",
  validate: w.validateLimit,
  normalize: (n) => w.normalizeLimit(n) as unknown as Any,
  changed: w.changedLimit,
  createPath: (i) => `/provision/sensory/sources/${enc(String(i.sourceId))}/limits`,
  itemPath: (id) => `/provision/sensory/limits/${enc(id)}`,
  body: (i) => w.limitBody(i as unknown as w.LimitInputs),
  patch: (o, n) => w.limitPatch(o, n as unknown as w.LimitInputs),
  fromWire: (d, p) => w.limitFromWire(d, p) as unknown as Any,
  label: (i) => `limit on source "${i.sourceId}"`,
};

/** `Unable to <verb> <what>: <cause>`; causes from the HTTP client are already scrubbed of secrets. */
function failure(verb: string, what: string, e: unknown): Error {
  const err = new Error(`Unable to ${verb} ${what}: ${(e as Error).message}`);
  err.name = (e as Error).name === "TamaSettingsError" ? "TamaSettingsError" : "TamaError";
  return err;
}

/** The connection for a provider object: what `configure` stored for it, then the environment. */
function connectionOf(provider: object): TamaConnection {
  return resolveConnection(registry().configured.get(provider) ?? {});
}

/** Drops the host's `__provider` and anything else that is not an output of the kind. */
function outputsOnly(ops: KindOps, props: Any): Any {
  const { __provider: _p, ...rest } = props;
  return ops.normalize(rest);
}

/**
 * Adopts an existing object instead of creating one: GET it, check it belongs to the declared parent,
 * PATCH the fields that differ from the program (a source's API key is always sent: the API never returns
 * it, so it cannot be compared), and return its id.
 */
async function adopt(ops: KindOps, c: TamaConnection, inputs: Any): Promise<pulumi.dynamic.CreateResult> {
  let id = String(inputs.existingId);
  let parentFromId: string | undefined;
  if (ops.kind === "model" && id.includes("/")) {
    // The API never says which source a model is on; `<sourceId>/<modelId>` lets the check happen anyway.
    parentFromId = id.slice(0, id.lastIndexOf("/"));
    id = id.slice(id.lastIndexOf("/") + 1);
  }
  const what = `${ops.kind} "${id}"`;
  let live: Any;
  try {
    live = await tamaCall<Any>(c, "GET", ops.itemPath(id));
  } catch (e) {
    if (e instanceof NotFoundError)
      throw new Error(`Unable to adopt ${what} (existingId): it does not exist (${e.message})`, { cause: e });
    throw failure("adopt", what, e);
  }
  if (ops.parentKey) {
    const liveParent = ops.parentWireKey ? live[ops.parentWireKey] : parentFromId;
    const declared = inputs[ops.parentKey];
    if (liveParent !== undefined && liveParent !== null && String(liveParent) !== declared) {
      const parentKind = ops.parentKey === "spaceId" ? "space" : "source";
      throw new Error(
        `Unable to adopt ${what} (existingId): it belongs to ${parentKind} "${liveParent}", ` +
          `not to the declared ${ops.parentKey} "${declared}" (remove existingId to create a new one)`,
      );
    }
  }
  const prior = { ...inputs, apiKey: undefined, parameters: undefined };
  const current = ops.fromWire(live, prior);
  const body = ops.patch(current, inputs, ops.kind === "source" ? ["apiKey"] : []);
  let data = live;
  if (body) {
    try {
      data = await tamaCall<Any>(c, "PATCH", ops.itemPath(id), body);
    } catch (e) {
      throw failure("update the adopted", what, e);
    }
  }
  return { id, outs: ops.fromWire(data, inputs) };
}

/**
 * The object a create may have made, by natural key, after an ambiguous failure. Spaces: `GET
 * /provision/neural/spaces/<slug of the name>` (the documented slug lookup), adopted when name and type
 * match. Sources, models and limits have no documented lookup by name: undefined (the caller says what to
 * check).
 */
async function findExisting(ops: KindOps, c: TamaConnection, inputs: Any): Promise<Any | undefined> {
  if (ops.kind !== "space" || typeof inputs.name !== "string") return undefined;
  const slug = inputs.name.trim().toLowerCase().replace(/\s+/g, "-");
  const live = await tamaCall<Any>(c, "GET", ops.itemPath(slug));
  return live && live.id && live.name === inputs.name && live.type === inputs.type ? live : undefined;
}

/** One dynamic provider for a kind. Methods use `this` only as the key of the configured settings. */
export function makeProvider(ops: KindOps): pulumi.dynamic.ResourceProvider {
  return scrubbingErrors(
    {
      async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
        const get = (k: string) => req.config.get(k);
        registry().configured.set(this, { ...readSettings(get), sourceApiKeys: readSourceApiKeys(get) });
      },

      async check(_olds: Any, news: Any): Promise<pulumi.dynamic.CheckResult> {
        const failures = ops.validate(news);
        if (failures.length > 0) return { failures };
        return { inputs: ops.normalize(news) };
      },

      async diff(id: string, olds: Any, news: Any): Promise<pulumi.dynamic.DiffResult> {
        // Inputs only: `__provider` (the code), computed outputs and `existingId` never count. An input
        // unknown during a preview counts as changed.
        const changed = new Set(ops.changed(olds, news));
        for (const [k, v] of Object.entries(news)) if (v === w.UNKNOWN && k !== "existingId") changed.add(k);
        const replaces = ops.parentKey && changed.has(ops.parentKey) ? [ops.parentKey] : [];
        const adopted = typeof news.existingId === "string" ? news.existingId.split("/").pop() : undefined;
        if (replaces.length > 0 && adopted === id)
          // The replacement would adopt this very object again, and the engine would then delete it.
          throw new Error(
            `Changing ${replaces[0]} replaces ${ops.kind} "${id}", but existingId still points at it: ` +
              "remove existingId to create a new one",
          );
        return { changes: changed.size > 0, replaces, deleteBeforeReplace: false };
      },

      async create(inputs: Any): Promise<pulumi.dynamic.CreateResult> {
        let c: TamaConnection;
        try {
          c = connectionOf(this);
        } catch (e) {
          throw failure("create", ops.label(inputs), e);
        }
        if (inputs.existingId) return adopt(ops, c, inputs);
        let data: Any;
        try {
          data = await tamaCall<Any>(c, "POST", ops.createPath(inputs), ops.body(inputs));
        } catch (e) {
          if (!isAmbiguous(e)) throw failure("create", ops.label(inputs), e);
          // The create may have happened: never sent again; looked up by its natural key instead.
          const found = await findExisting(ops, c, inputs).catch(() => undefined);
          if (found) return { id: String(found.id), outs: ops.fromWire(found, inputs) };
          const where = ops.parentKey ? ` in ${ops.parentKey} "${inputs[ops.parentKey]}"` : "";
          throw new Error(
            `Unable to create ${ops.label(inputs)}: the request failed without saying whether it took effect ` +
              `(${(e as Error).message}) and it was not sent again. Look for ${ops.label(inputs)}${where} in Tama: ` +
              `if it is there, set existingId to its id; if not, run "pulumi up" again`,
            { cause: e },
          );
        }
        if (!data || typeof data.id !== "string" || data.id === "")
          throw new Error(`Unable to create ${ops.label(inputs)}: the API answered without an id`);
        return { id: data.id, outs: ops.fromWire(data, inputs) };
      },

      async read(id: string, props: Any = {}): Promise<pulumi.dynamic.ReadResult> {
        const what = `${ops.kind} "${id}"`;
        let data: Any;
        try {
          data = await tamaCall<Any>(connectionOf(this), "GET", ops.itemPath(id));
        } catch (e) {
          if (e instanceof NotFoundError) return {}; // gone: the engine drops it from state
          throw failure("read", what, e);
        }
        const outs = ops.fromWire(data, outputsOnly(ops, props));
        return { id, props: outs, inputs: w.inputsOf(ops.kind, outs) };
      },

      async update(id: string, olds: Any, news: Any): Promise<pulumi.dynamic.UpdateResult> {
        const what = `${ops.kind} "${id}"`;
        const body = ops.patch(olds, news);
        if (!body) {
          // Nothing the API holds changed (only `existingId`): keep the known outputs.
          return { outs: { ...outputsOnly(ops, olds), ...outputsOnly(ops, news), ...computed(olds) } };
        }
        let data: Any;
        try {
          data = await tamaCall<Any>(connectionOf(this), "PATCH", ops.itemPath(id), body);
        } catch (e) {
          throw failure("update", what, e);
        }
        return { outs: ops.fromWire(data, news) };
      },

      async delete(id: string): Promise<void> {
        try {
          await tamaCall(connectionOf(this), "DELETE", ops.itemPath(id));
        } catch (e) {
          if (e instanceof NotFoundError) return; // already gone: nothing to do
          throw failure("delete", `${ops.kind} "${id}"`, e);
        }
      },
    },
    secretsOf,
  );
}

/** The credentials of a provider object's connection, for the boundary scrub; none when it cannot be resolved. */
function secretsOf(provider: object): string[] {
  try {
    return connectionSecrets(connectionOf(provider));
  } catch {
    return registry().configured.get(provider)?.sourceApiKeys ?? [];
  }
}

/** The computed outputs kept in state (slug, provision state). */
function computed(props: Any): Any {
  const out: Any = {};
  for (const k of ["slug", "provisionState"]) if (props[k] !== undefined) out[k] = props[k];
  return out;
}

/** The module-level providers: one object per kind, serialized once per object by the SDK. */
export const providers = {
  space: makeProvider(spaceOps),
  source: makeProvider(sourceOps),
  model: makeProvider(modelOps),
  limit: makeProvider(limitOps),
};
