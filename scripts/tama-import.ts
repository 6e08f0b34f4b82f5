/**
 * `npm run tama:import -- <ids...>`: reads existing Tama objects from the API and prints TypeScript that
 * declares them as `tama.Space` / `tama.Source` / `tama.Model` / `tama.Limit` with their `existingId`s and
 * live values, parents linked. On the next `pulumi up` each one is adopted instead of created.
 *
 * Ids: `space:<id>`, `source:<id>`, `limit:<id>`, `model:<sourceId>/<modelId>` (or just `<sourceId>/<modelId>`:
 * the API does not say which source a model is on), or a bare `<id>`, which is tried as a space, a source,
 * then a limit. Connection: TAMA_BASE_URL and TAMA_CLIENT_ID + TAMA_CLIENT_SECRET (or TAMA_API_KEY).
 *
 * Secrets are never printed: a source's API key is not returned by the API anyway, and the code reads it from
 * the secret config key `tama:<source>ApiKey`. Progress goes to stderr, the code to stdout.
 */
import * as yaml from "js-yaml";
import { NotFoundError } from "../providers/http";
import { TamaConnection, resolveConnection, tamaCall } from "../providers/tama/client";
import { CliError, parseCli, runCli } from "./cli";
import * as w from "../providers/tama/wire";

type Any = Record<string, unknown>;

export type ImportedObject =
  | { kind: "space"; id: string; data: w.SpaceOutputs }
  | { kind: "source"; id: string; data: w.SourceOutputs }
  | { kind: "model"; id: string; sourceId: string; data: w.ModelOutputs }
  | { kind: "limit"; id: string; data: w.LimitOutputs };

const PATHS = {
  space: (id: string) => `/provision/neural/spaces/${encodeURIComponent(id)}`,
  source: (id: string) => `/provision/sensory/sources/${encodeURIComponent(id)}`,
  model: (id: string) => `/provision/sensory/models/${encodeURIComponent(id)}`,
  limit: (id: string) => `/provision/sensory/limits/${encodeURIComponent(id)}`,
};

/** Parses one command-line id into the kinds to try. */
export function parseId(arg: string): { kinds: w.Kind[]; id: string; sourceId?: string } {
  const m = /^(space|source|model|limit):(.+)$/.exec(arg);
  const kind = m?.[1] as w.Kind | undefined;
  const rest = m ? m[2] : arg;
  if (kind === "model" || (!kind && rest.includes("/"))) {
    const i = rest.lastIndexOf("/");
    if (i <= 0 || i === rest.length - 1)
      throw new Error(
        `"${arg}": a model is given as <sourceId>/<modelId> (the API does not return its source)`,
      );
    return { kinds: ["model"], id: rest.slice(i + 1), sourceId: rest.slice(0, i) };
  }
  if (!rest.trim() || /\s/.test(rest)) throw new Error(`"${arg}" is not an id`);
  return { kinds: kind ? [kind] : ["space", "source", "limit"], id: rest };
}

/** Reads the objects; a bare id costs one GET per kind tried until one answers. */
export async function fetchObjects(
  c: TamaConnection,
  args: string[],
  log: (line: string) => void = () => {},
): Promise<ImportedObject[]> {
  const out: ImportedObject[] = [];
  for (const arg of args) {
    const { kinds, id, sourceId } = parseId(arg);
    let found: ImportedObject | undefined;
    for (const kind of kinds) {
      log(`reading ${kind} ${id} ...`);
      let d: Any;
      try {
        d = await tamaCall<Any>(c, "GET", PATHS[kind](id));
      } catch (e) {
        if (e instanceof NotFoundError) continue;
        throw new Error(`Unable to read ${kind} "${id}": ${(e as Error).message}`, { cause: e });
      }
      if (kind === "space") found = { kind, id, data: w.spaceFromWire(d, {}) };
      else if (kind === "source") found = { kind, id, data: w.sourceFromWire(d, {}) };
      else if (kind === "model")
        found = { kind, id, sourceId: sourceId!, data: w.modelFromWire(d, { sourceId }) };
      else found = { kind, id, data: w.limitFromWire(d, {}) };
      break;
    }
    if (!found) throw new Error(`No ${kinds.join(", ")} with id "${id}" (API error 404)`);
    out.push(found);
  }
  return out;
}

/** `Production AI Services` → `productionAiServices`, a valid identifier. */
export function identifier(text: string, fallback: string): string {
  const words = text
    .replace(/[^A-Za-z0-9]+/g, " ")
    .trim()
    .split(" ")
    .filter(Boolean);
  const id = words
    .map((x, i) => (i === 0 ? x.toLowerCase() : x[0].toUpperCase() + x.slice(1).toLowerCase()))
    .join("");
  return /^[a-z]/.test(id) ? id : fallback + (id ? id[0].toUpperCase() + id.slice(1) : "");
}

const q = (v: unknown) => JSON.stringify(v);

export interface GenerateOptions {
  /** Module the code imports the resources from. Default `./providers/tama` (the repository root). */
  importPath?: string;
  /** Where the objects were read from (for the header comment). */
  source?: string;
}

/** The TypeScript declaring the objects. Pure; never prints a secret (it has none to print). */
export function generateImport(objects: ImportedObject[], opts: GenerateOptions = {}): string {
  const used = new Set<string>();
  const unique = (base: string) => {
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}${i}`;
    used.add(name);
    return name;
  };
  const vars = new Map<string, string>(); // "<kind>:<id>" → variable name
  for (const o of objects) {
    const label =
      o.kind === "space" || o.kind === "source"
        ? o.data.name
        : o.kind === "model"
          ? o.data.identifier
          : `${o.data.scaleUnit} limit`;
    vars.set(`${o.kind}:${o.id}`, unique(identifier(label, o.kind)));
  }
  const ref = (kind: "space" | "source", id: string) => {
    const v = vars.get(`${kind}:${id}`);
    return v ? `${v}.id` : q(id);
  };
  const kebab = (v: string) => v.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const secrets: string[] = [];
  const lines: string[] = [
    `// Generated by \`npm run tama:import\`${opts.source ? ` from ${opts.source}` : ""}. Review before use.`,
    "// Each object is adopted through its existingId on the next `pulumi up`: nothing is created, and fields",
    "// that differ from these values are updated. Keep existingId (it is only read when adopting) or drop it",
    "// after the first up.",
    'import * as pulumi from "@pulumi/pulumi";',
    `import * as tama from ${q(opts.importPath ?? "./providers/tama")};`,
    "",
    'const tamaConfig = new pulumi.Config("tama");',
    "",
  ];
  for (const o of objects) {
    const v = vars.get(`${o.kind}:${o.id}`)!;
    const name = kebab(v);
    if (o.kind === "space") {
      lines.push(
        `export const ${v} = new tama.Space(${q(name)}, {`,
        `  name: ${q(o.data.name)},`,
        `  type: ${q(o.data.type)},`,
        `  existingId: ${q(o.id)},`,
        "});",
        "",
      );
    } else if (o.kind === "source") {
      const key = `${v}ApiKey`;
      secrets.push(`tama:${key}`);
      lines.push(
        `export const ${v} = new tama.Source(${q(name)}, {`,
        `  spaceId: ${ref("space", o.data.spaceId)},`,
        `  name: ${q(o.data.name)},`,
        `  type: ${q(o.data.type)},`,
        `  endpoint: ${q(o.data.endpoint)},`,
        `  // The API never returns a source's key: set it with \`pulumi config set --secret tama:${key} <key>\`.`,
        `  apiKey: tamaConfig.requireSecret(${q(key)}),`,
      );
      if (o.data.request) lines.push(`  request: ${JSON.stringify(o.data.request)},`);
      lines.push(`  existingId: ${q(o.id)},`, "});", "");
    } else if (o.kind === "model") {
      lines.push(
        `export const ${v} = new tama.Model(${q(name)}, {`,
        `  sourceId: ${ref("source", o.sourceId)},`,
        `  identifier: ${q(o.data.identifier)},`,
      );
      if (o.data.path) lines.push(`  path: ${q(o.data.path)},`);
      else lines.push(`  path: "", // TODO: the API did not return the model's path; fill it in`);
      if (o.data.parameters) lines.push(`  parameters: ${JSON.stringify(o.data.parameters)},`);
      lines.push(`  existingId: ${q(`${o.sourceId}/${o.id}`)},`, "});", "");
    } else {
      lines.push(
        `export const ${v} = new tama.Limit(${q(name)}, {`,
        `  sourceId: ${ref("source", o.data.sourceId)},`,
        `  scaleUnit: ${q(o.data.scaleUnit)},`,
        `  scaleCount: ${o.data.scaleCount},`,
        `  limit: ${o.data.limit},`,
        `  existingId: ${q(o.id)},`,
        "});",
        "",
      );
    }
  }
  if (secrets.length > 0)
    lines.push(
      "// Secrets to set before `pulumi up`:",
      ...secrets.map((k) => `//   pulumi config set --secret ${k} <key>`),
    );
  return lines.join("\n").trimEnd() + "\n";
}

/**
 * The same objects as an `ai-platform:tamaWorkspace` block for the stack file (the TamaWorkspace component):
 * one space, its sources, their models and limits, each with its `existingId`. Throws when the objects do not
 * form one tree.
 */
export function generateWorkspaceYaml(objects: ImportedObject[]): string {
  const spaces = objects.filter((o) => o.kind === "space");
  if (spaces.length !== 1) throw new Error("--yaml needs exactly one space among the ids (the workspace's)");
  const space = spaces[0] as Extract<ImportedObject, { kind: "space" }>;
  const keys = new Set<string>();
  const sources = objects
    .filter((o): o is Extract<ImportedObject, { kind: "source" }> => o.kind === "source")
    .map((o) => {
      if (o.data.spaceId !== space.id)
        throw new Error(
          `source ${o.id} is in space ${o.data.spaceId}, not in the workspace's space ${space.id}`,
        );
      let key = identifier(o.data.name, "source");
      for (let i = 2; keys.has(key); i++) key = `${identifier(o.data.name, "source")}${i}`;
      keys.add(key);
      const src: Record<string, unknown> = {
        key,
        name: o.data.name,
        type: o.data.type,
        endpoint: o.data.endpoint,
      };
      if (o.data.request) src.request = o.data.request;
      src.existingId = o.id;
      src.models = [] as unknown[];
      src.limits = [] as unknown[];
      return { id: o.id, src };
    });
  const byId = new Map(sources.map((s) => [s.id, s.src]));
  const parentOf = (sourceId: string, what: string) => {
    const src = byId.get(sourceId);
    if (!src) throw new Error(`${what} is on source ${sourceId}, which is not among the ids`);
    return src as { models: unknown[]; limits: unknown[] };
  };
  for (const o of objects) {
    if (o.kind === "model") {
      const m: Record<string, unknown> = {
        key: identifier(o.data.identifier, "model"),
        identifier: o.data.identifier,
      };
      m.path = o.data.path || "TODO: the API did not return the path";
      if (o.data.parameters) m.parameters = o.data.parameters;
      m.existingId = `${o.sourceId}/${o.id}`;
      parentOf(o.sourceId, `model ${o.id}`).models.push(m);
    } else if (o.kind === "limit") {
      const list = parentOf(o.data.sourceId, `limit ${o.id}`).limits;
      list.push({
        key: `limit${list.length + 1}`,
        scaleUnit: o.data.scaleUnit,
        scaleCount: o.data.scaleCount,
        limit: o.data.limit,
        existingId: o.id,
      });
    }
  }
  const block = {
    "ai-platform:tamaWorkspace": {
      space: { name: space.data.name, type: space.data.type, existingId: space.id },
      sources: sources.map((s) => s.src),
    },
  };
  const secrets = sources.map((s) => `#   pulumi config set --secret tama:${s.src.key}ApiKey <key>`);
  return [
    "# Generated by `npm run tama:import -- --yaml`: paste under `config:` in Pulumi.<stack>.yaml.",
    ...(secrets.length
      ? ["# Then set each source's key (never printed; the API does not return it):", ...secrets]
      : []),
    yaml
      .dump({ config: block }, { lineWidth: 120, noRefs: true })
      .replace(/^config:\n/, "")
      .trimEnd(),
    "",
  ].join("\n");
}

const USAGE =
  "npm run -s tama:import -- [--yaml] <id>...   (space:<id> | source:<id> | limit:<id> | <sourceId>/<modelId> | <id>)\n" +
  "  --yaml: print an ai-platform:tamaWorkspace block for the stack file instead of TypeScript\n" +
  "connection: TAMA_BASE_URL, TAMA_CLIENT_ID + TAMA_CLIENT_SECRET or TAMA_API_KEY";

export async function main(argv: string[]): Promise<number> {
  const { flags, positionals: ids } = parseCli(
    {
      usage: USAGE,
      flags: { yaml: { type: "boolean" }, help: { type: "boolean" } },
      positionals: { min: 0, max: 1000 },
    },
    argv,
  );
  if (flags.help) {
    console.error(`usage: ${USAGE}`);
    return 0;
  }
  if (ids.length === 0) throw new CliError("give at least one Tama object id", true);
  const asYaml = !!flags.yaml;
  let c: ReturnType<typeof resolveConnection>;
  let objects: Awaited<ReturnType<typeof fetchObjects>>;
  try {
    c = resolveConnection({});
    console.error(`tama:import: reading ${ids.length} object(s) from ${c.baseUrl} ...`);
    objects = await fetchObjects(c, ids, (l) => console.error(`  ${l}`));
  } catch (err) {
    // Connection settings and the API's answers are the user's to fix: one line, no stack.
    throw new CliError(`tama:import: ${(err as Error).message}`);
  }
  process.stdout.write(
    asYaml ? generateWorkspaceYaml(objects) : generateImport(objects, { source: c.baseUrl }),
  );
  console.error(`tama:import: printed ${objects.length} declaration(s).`);
  return 0;
}

if (require.main === module) runCli(USAGE, () => main(process.argv.slice(2)));
