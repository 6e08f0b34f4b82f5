/**
 * Tamma audio-clean worker (one ECS task per job).
 *
 * 1. Streams s3://RAW_BUCKET/INPUT_FILE to a temporary file (never the whole file in memory).
 * 2. Normalises in two ffmpeg passes (functions/tamma-worker/loudness.ts): pass 1 denoises once and measures
 *    (EBU R128 integrated loudness, range, true peak), pass 2 applies one linear gain with a true-peak limiter, or
 *    the seed's dynamic loudnorm where linear gain cannot meet the peak limit; AAC 192k at 48 kHz in .m4a.
 * 3. Streams the result to s3://DERIVED_BUCKET/audio/cleaned_<name>.m4a.
 * 4. PATCHes the Supabase `jobs` row id=JOB_ID: status=done, derived_key and loudness_mode (`linear` or
 *    `dynamic`; without that column, status and derived_key alone) — or, on any failure,
 *    status=failed with a short reason, and exits non-zero.
 * Temporary files are removed on every path.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createReadStream, createWriteStream, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { StoppedError, normalise } from "./ffmpeg";
import { WorkerEnv, derivedKeyFor, readWorkerEnv, shortReason, supabasePatch } from "./job";

/** One JSON line per step (CloudWatch via awslogs); never the service key. */
function log(level: "INFO" | "WARN" | "ERROR", message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({
    level,
    service: "tamma-worker",
    timestamp: new Date().toISOString(),
    message,
    ...fields,
  });
  if (level === "ERROR") console.error(line);
  else console.log(line);
}

const FFMPEG = process.env.FFMPEG_PATH || "ffmpeg";
/**
 * SIGTERM arrives when ECS stops the task (StopTask, or a Fargate Spot reclaim with 2 minutes' notice): the job
 * is then marked failed with that reason instead of being left "pending" forever.
 */
const stopped = new AbortController();
/** Bounded: a stuck ffmpeg is killed rather than holding a task forever. */
const FFMPEG_TIMEOUT_MS = Number(process.env.FFMPEG_TIMEOUT_SECONDS || 3600) * 1000;

async function download(s3: S3Client, env: WorkerEnv, target: string): Promise<number> {
  const out = await s3.send(new GetObjectCommand({ Bucket: env.rawBucket, Key: env.inputFile }), {
    abortSignal: stopped.signal,
  });
  if (!out.Body) throw new Error(`s3://${env.rawBucket}/${env.inputFile} has no body`);
  await pipeline(out.Body as Readable, createWriteStream(target), { signal: stopped.signal });
  return (await fs.stat(target)).size;
}

function stopReason(): Error {
  return new StoppedError();
}

async function upload(s3: S3Client, env: WorkerEnv, file: string, key: string): Promise<number> {
  const size = (await fs.stat(file)).size;
  await s3.send(
    new PutObjectCommand({
      Bucket: env.derivedBucket,
      Key: key,
      Body: createReadStream(file),
      ContentLength: size,
      ContentType: "audio/mp4",
    }),
    { abortSignal: stopped.signal },
  );
  return size;
}

/** PATCH the jobs row, with bounded retries on network errors and 5xx. Throws when no row matched. */
async function updateJob(env: WorkerEnv, body: Record<string, unknown>): Promise<void> {
  const { url, init } = supabasePatch(env, body);
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      if (res.ok) {
        const rows = text ? (JSON.parse(text) as unknown[]) : [];
        if (Array.isArray(rows) && rows.length === 0)
          throw new Error(`Supabase has no jobs row with id ${env.jobId}`);
        return;
      }
      const error = new Error(`Supabase answered ${res.status} to PATCH jobs: ${text.slice(0, 200)}`);
      if (res.status < 500) throw Object.assign(error, { status: res.status });
      lastError = error;
    } catch (e) {
      if ((e as { status?: number }).status || (e as Error).message.startsWith("Supabase has no")) throw e;
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
  throw lastError;
}

/** Marks the job failed; a table without an `error` column still gets the status. */
async function markFailed(env: WorkerEnv, reason: string): Promise<void> {
  try {
    await updateJob(env, { status: "failed", error: reason });
  } catch (e) {
    if ((e as { status?: number }).status === 400) await updateJob(env, { status: "failed" });
    else throw e;
  }
}

/** Marks the job done with the loudness mode; a table without a `loudness_mode` column still gets the rest. */
async function markDone(env: WorkerEnv, derivedKey: string, mode: string): Promise<void> {
  try {
    await updateJob(env, { status: "done", derived_key: derivedKey, loudness_mode: mode });
  } catch (e) {
    if ((e as { status?: number }).status !== 400) throw e;
    log("WARN", "the jobs table has no loudness_mode column: writing status and derived_key only", {
      jobId: env.jobId,
    });
    await updateJob(env, { status: "done", derived_key: derivedKey });
  }
}

export async function main(): Promise<number> {
  let env: WorkerEnv;
  try {
    env = readWorkerEnv();
  } catch (e) {
    log("ERROR", (e as Error).message);
    return 2;
  }
  const started = Date.now();
  const s3 = new S3Client({});
  let tmp: string | undefined;
  try {
    const derivedKey = derivedKeyFor(env.inputFile);
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), "tamma-"));
    const input = path.join(
      tmp,
      "input" + (path.extname(env.inputFile).replace(/[^.A-Za-z0-9]/g, "") || ".bin"),
    );
    const output = path.join(tmp, "cleaned.m4a");

    log("INFO", "downloading", { jobId: env.jobId, bucket: env.rawBucket, key: env.inputFile });
    const inBytes = await download(s3, env, input);
    log("INFO", "cleaning with ffmpeg", { jobId: env.jobId, inputBytes: inBytes });
    const { measurement, plan, seconds } = await normalise(input, output, tmp, {
      ffmpeg: FFMPEG,
      signal: stopped.signal,
      timeoutMs: FFMPEG_TIMEOUT_MS,
    });
    log("INFO", "normalised", {
      jobId: env.jobId,
      mode: plan.mode,
      reason: plan.reason,
      gainDb: plan.gainDb,
      limitingDb: plan.limitingDb,
      measured: measurement,
      seconds,
    });
    const outBytes = await upload(s3, env, output, derivedKey);
    log("INFO", "uploaded", {
      jobId: env.jobId,
      bucket: env.derivedBucket,
      key: derivedKey,
      outputBytes: outBytes,
    });
    await markDone(env, derivedKey, plan.mode);
    log("INFO", "job done", {
      jobId: env.jobId,
      derivedKey,
      loudnessMode: plan.mode,
      seconds: (Date.now() - started) / 1000,
    });
    return 0;
  } catch (e) {
    const reason = shortReason(stopped.signal.aborted ? stopReason() : e, env.supabaseServiceKey);
    log("ERROR", "job failed", { jobId: env.jobId, reason });
    try {
      await markFailed(env, reason);
    } catch (updateError) {
      log("ERROR", "could not mark the job failed", {
        jobId: env.jobId,
        reason: shortReason(updateError, env.supabaseServiceKey),
      });
    }
    return 1;
  } finally {
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
    s3.destroy();
  }
}

if (require.main === module) {
  process.once("SIGTERM", () => {
    log("WARN", "SIGTERM received: stopping the job");
    stopped.abort();
  });
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      log("ERROR", "unexpected worker error", { reason: shortReason(e) });
      process.exitCode = 1;
    },
  );
}
