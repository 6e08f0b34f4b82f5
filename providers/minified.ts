/**
 * The providers as the engine receives them: a provider module bundled and minified with esbuild, then loaded, so
 * that the `__provider` text Pulumi serializes from its functions is the minified code.
 *
 * Why: the dynamic-provider host returns a partial failure (a create that took effect but failed to initialise)
 * with the resource's properties, `__provider` included, in one gRPC trailer, and Node's HTTP/2 refuses a header
 * block over 64 KiB: the unminified E2E provider (63 KB of text) made that answer never arrive, so a failed
 * deployment hung instead of being kept in state. Minified, each provider is a fraction of that (see
 * test/e2e-faas/host.spec.ts for the sizes and the partial failure through the host).
 *
 * The bundle is built once per process, from the same sources as the modules the tests call directly; it imports
 * nothing at run time but Node's built-ins (`@pulumi/pulumi` is used for types only).
 */
import { buildSync } from "esbuild";
import * as path from "path";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string, filename: string) => unknown;

const REPO_ROOT = path.resolve(__dirname, "..");
const loaded = new Map<string, unknown>();

/** The exports of `entry` (relative to the repository root), bundled, minified and loaded; cached per process. */
export function minifiedModule<M>(entry: string): M {
  const file = path.join(REPO_ROOT, entry);
  if (!loaded.has(file)) {
    // Pulumi's serializer leaves a free variable out of `__provider` when `globalThis` has a property of that
    // name (mocha's `it`, say), so a minified name must never equal one: referenced unbound here, esbuild
    // does not choose them.
    const reserved = Object.getOwnPropertyNames(globalThis).filter((n) => /^[A-Za-z_$][\w$]{0,2}$/.test(n));
    const out = buildSync({
      absWorkingDir: REPO_ROOT,
      stdin: {
        contents: `export * from ${JSON.stringify(file)};\nvoid [${reserved.map((n) => `typeof ${n}`).join(", ")}];\n`,
        resolveDir: REPO_ROOT,
        sourcefile: `${entry}.min.ts`,
        loader: "ts",
      },
      bundle: true,
      write: false,
      platform: "node",
      target: "node20",
      format: "cjs",
      minify: true,
      treeShaking: true,
      legalComments: "none",
      logLevel: "silent",
    });
    loaded.set(file, requireFromString(out.outputFiles[0].text, `${file}.min.js`));
  }
  return loaded.get(file) as M;
}
