/**
 * Lambda packaging: bundles `functions/<name>/index.ts` with esbuild into one minified CommonJS file plus its
 * source map, and wraps them in a Pulumi asset archive.
 *
 * - Node 22 target, tree-shaken and minified; the AWS SDK v3 is bundled at the version pinned in
 *   package-lock.json (never the runtime's own copy, which changes under us).
 * - Deterministic: the same source gives byte-identical files, hence the same archive hash, so `pulumi up`
 *   shows no spurious Lambda updates. Paths in the source map are relative to the repository root.
 * - Bundles are cached per process: a program that builds the same function for several stacks (the tests,
 *   the offline plan) bundles it once.
 */
import { buildSync } from "esbuild";
import { createHash } from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** The repository root (where package.json lives). */
export const REPO_ROOT = path.resolve(__dirname, "..");

export interface BundleOptions {
  /** Entry file relative to the repository root. Default `functions/<name>/index.ts`. */
  entry?: string;
  /** Packages left out of the bundle (e.g. provided by a layer). */
  external?: string[];
  /** Extra files put beside index.js in the archive: archive path → file path relative to the repository root. */
  files?: Record<string, string>;
}

export interface Bundle {
  name: string;
  /** index.js */
  code: string;
  /** index.js.map */
  map: string;
  /** sha256 over the archive's entries (names and contents), the identity of the deployed code. */
  sha256: string;
  /** Size of index.js in bytes. */
  bytes: number;
}

const cache = new Map<string, Bundle>();

/** Bundles a function; pure apart from reading its sources. */
export function bundle(name: string, options: BundleOptions = {}): Bundle {
  const entry = options.entry ?? `functions/${name}/index.ts`;
  const key = JSON.stringify([name, entry, options.external ?? []]);
  const cached = cache.get(key);
  if (cached) return cached;

  const result = buildSync({
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    outfile: `.bundle/${name}/index.js`,
    bundle: true,
    write: false,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    treeShaking: true,
    sourcemap: "external",
    sourcesContent: false,
    // Prefer ES module builds of dependencies: they tree-shake (the AWS SDK ships both).
    mainFields: ["module", "main"],
    external: options.external ?? [],
    legalComments: "none",
    logLevel: "silent",
  });
  const code = result.outputFiles.find((f) => f.path.endsWith("index.js"))!.text;
  const map = result.outputFiles.find((f) => f.path.endsWith("index.js.map"))!.text;
  const hash = createHash("sha256");
  hash.update("index.js\0").update(code).update("\0index.js.map\0").update(map);
  const built: Bundle = { name, code, map, sha256: hash.digest("hex"), bytes: Buffer.byteLength(code) };
  cache.set(key, built);
  return built;
}

/** Forgets cached bundles (tests use it to prove two fresh builds are identical). */
export function clearBundleCache(): void {
  cache.clear();
}

/**
 * The Lambda code archive for `functions/<name>`: `index.js` (handler `index.handler`) and its source map.
 * Enable `NODE_OPTIONS=--enable-source-maps` on the function to get TypeScript stack traces.
 */
export function lambdaArchive(name: string, options: BundleOptions = {}): pulumi.asset.AssetArchive {
  const b = bundle(name, options);
  const assets: Record<string, pulumi.asset.Asset> = {
    "index.js": new pulumi.asset.StringAsset(b.code),
    "index.js.map": new pulumi.asset.StringAsset(b.map),
  };
  for (const [archivePath, file] of Object.entries(options.files ?? {})) {
    assets[archivePath] = new pulumi.asset.FileAsset(path.join(REPO_ROOT, file));
  }
  return new pulumi.asset.AssetArchive(assets);
}
