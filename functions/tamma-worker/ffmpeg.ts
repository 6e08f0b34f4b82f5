/**
 * Running ffmpeg for the worker: one bounded, abortable child process per pass, and the two-pass normalisation
 * (functions/tamma-worker/loudness.ts decides, this file runs).
 */
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import {
  Measurement,
  NormalisationPlan,
  measureArgs,
  normaliseArgs,
  parseEbur128Summary,
  planNormalisation,
} from "./loudness";

export interface FfmpegOptions {
  /** ffmpeg's path (FFMPEG_PATH, else `ffmpeg` on PATH). */
  ffmpeg?: string;
  /** Aborting kills ffmpeg (SIGKILL) and rejects with `stopReason()`. */
  signal?: AbortSignal;
  /** Bounded: a stuck ffmpeg is killed rather than holding a task forever. */
  timeoutMs?: number;
  /** Called with the child's pid once it runs (the bench samples its memory). */
  onSpawn?: (pid: number) => void;
}

/** What aborting a pass rejects with. */
export class StoppedError extends Error {
  constructor() {
    super("task stopped by SIGTERM (StopTask or a Fargate Spot reclaim) before the job finished");
  }
}

/** The last `[error]` lines of ffmpeg's stderr (level-tagged), temp paths removed; else the last lines. */
export function ffmpegFailure(stderr: string): string {
  const lines = stderr.trim().split("\n");
  const errors = lines.filter((l) => /\[(error|fatal|panic)\]/.test(l));
  return (errors.length ? errors : lines)
    .slice(-2)
    .map((l) => l.replace(/^(\[[^\]]*@ 0x[0-9a-f]+\] )?\[(error|fatal|panic|info|warning)\] /, ""))
    .join(" ")
    .replace(/\/[^\s:]*\/tamma-[^\s:/]*\//g, "")
    .trim();
}

/** Runs ffmpeg with `args`; resolves with the tail of its stderr (64 KiB, enough for ebur128's summary). */
export function runFfmpeg(args: string[], opts: FfmpegOptions = {}): Promise<string> {
  const { signal } = opts;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new StoppedError());
    const child = spawn(opts.ffmpeg ?? "ffmpeg", args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-65536);
    });
    if (child.pid && opts.onSpawn) opts.onSpawn(child.pid);
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 3_600_000);
    const onStop = () => child.kill("SIGKILL");
    signal?.addEventListener("abort", onStop, { once: true });
    child.on("error", (e) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onStop);
      reject(new Error(`ffmpeg could not start: ${e.message}`));
    });
    child.on("close", (code, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onStop);
      if (signal?.aborted) reject(new StoppedError());
      else if (code === 0) resolve(stderr);
      else {
        const why = sig ? `signal ${sig}` : `exit ${code}`;
        reject(new Error(`ffmpeg failed (${why}): ${ffmpegFailure(stderr) || "no output"}`));
      }
    });
  });
}

export interface NormaliseResult {
  measurement: Measurement;
  plan: NormalisationPlan;
  /** Wall-clock seconds of each pass. */
  seconds: { measure: number; normalise: number };
}

/**
 * Two-pass normalisation of `input` to `output` (AAC 192k, 48 kHz, MP4). The denoised intermediate is written
 * in `workDir` and removed before this returns, also on failure; memory stays flat (ffmpeg streams both passes).
 */
export async function normalise(
  input: string,
  output: string,
  workDir: string,
  opts: FfmpegOptions = {},
): Promise<NormaliseResult> {
  const intermediate = path.join(workDir, "denoised.wav");
  try {
    const t0 = Date.now();
    const measurement = parseEbur128Summary(await runFfmpeg(measureArgs(input, intermediate), opts));
    const t1 = Date.now();
    const plan = planNormalisation(measurement);
    await runFfmpeg(normaliseArgs(intermediate, output, plan), opts);
    return { measurement, plan, seconds: { measure: (t1 - t0) / 1000, normalise: (Date.now() - t1) / 1000 } };
  } finally {
    await fs.rm(intermediate, { force: true });
  }
}
