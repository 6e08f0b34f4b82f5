/**
 * The worker image's build step: bundles `functions/tamma-worker/index.ts` (esbuild, deterministic, via
 * lib/bundle.ts) into `bin/tamma-worker/` — the Docker build context — and returns the content hash the
 * image tag is derived from. `functions/tamma-worker/Dockerfile` copies `index.js` and its source map from
 * that context. Run on its own with `npm run build:tamma-worker` (then `docker build -f
 * functions/tamma-worker/Dockerfile bin/tamma-worker` works by hand too).
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT, bundle } from "../../lib/bundle";

export const WORKER_DOCKERFILE = path.join(REPO_ROOT, "functions", "tamma-worker", "Dockerfile");
export const WORKER_CONTEXT = path.join(REPO_ROOT, "bin", "tamma-worker");

export interface WorkerContext {
  /** The Docker build context directory. */
  context: string;
  dockerfile: string;
  /** sha256 over the bundle and the Dockerfile: a new value means a new image. */
  sha256: string;
  bytes: number;
}

/** Builds the worker bundle into the Docker build context (idempotent: files are rewritten only on change). */
export function prepareWorkerContext(): WorkerContext {
  const b = bundle("tamma-worker");
  fs.mkdirSync(WORKER_CONTEXT, { recursive: true });
  const write = (file: string, text: string) => {
    const target = path.join(WORKER_CONTEXT, file);
    if (!fs.existsSync(target) || fs.readFileSync(target, "utf8") !== text) fs.writeFileSync(target, text);
  };
  write("index.js", b.code);
  write("index.js.map", b.map);
  const dockerfile = fs.readFileSync(WORKER_DOCKERFILE, "utf8");
  const sha256 = createHash("sha256").update(b.sha256).update("\0").update(dockerfile).digest("hex");
  return { context: WORKER_CONTEXT, dockerfile: WORKER_DOCKERFILE, sha256, bytes: b.bytes };
}

/** The image tag for a context hash (the repository keeps the last 10 such tags). */
export function workerImageTag(sha256: string): string {
  return `worker-${sha256.slice(0, 16)}`;
}

if (require.main === module) {
  const built = prepareWorkerContext();
  console.log(
    `tamma worker bundle: ${built.bytes} bytes in ${path.relative(REPO_ROOT, built.context)}/ (image tag ${workerImageTag(built.sha256)})`,
  );
}

/** The registry build-cache tag: the one tag that moves (the repository's tags are otherwise immutable). */
export const WORKER_CACHE_TAG = "cache";
