/**
 * Pure parts of the worker: its environment, the derived key and the Supabase request (the ffmpeg passes are
 * in loudness.ts). No I/O here.
 */
import * as path from "node:path";

export interface WorkerEnv {
  jobId: string;
  inputFile: string;
  rawBucket: string;
  derivedBucket: string;
  supabaseUrl: string;
  supabaseServiceKey: string;
}

const REQUIRED = [
  "JOB_ID",
  "INPUT_FILE",
  "RAW_BUCKET",
  "DERIVED_BUCKET",
  "SUPABASE_URL",
  "SUPABASE_SERVICE_KEY",
] as const;

/** Reads the seed's variables; a missing one fails with its name (never its value). */
export function readWorkerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const missing = REQUIRED.filter((k) => !env[k] || env[k]!.trim() === "");
  if (missing.length) throw new Error(`tamma-worker: missing environment variable(s): ${missing.join(", ")}`);
  if (!/^https?:\/\/[^/\s]+\/?$/.test(env.SUPABASE_URL!)) {
    throw new Error("tamma-worker: SUPABASE_URL must be an http(s) origin such as https://<ref>.supabase.co");
  }
  return {
    jobId: env.JOB_ID!,
    inputFile: env.INPUT_FILE!,
    rawBucket: env.RAW_BUCKET!,
    derivedBucket: env.DERIVED_BUCKET!,
    supabaseUrl: env.SUPABASE_URL!.replace(/\/$/, ""),
    supabaseServiceKey: env.SUPABASE_SERVICE_KEY!,
  };
}

/**
 * Where the cleaned file goes, as the seed wrote it: the first folder (`audio/` or `video/`) becomes
 * `audio/cleaned_`, and any extension becomes `.m4a`: `audio/u1/talk.wav` → `audio/cleaned_u1/talk.m4a`.
 */
export function derivedKeyFor(inputFile: string): string {
  const m = /^(audio|video)\/(.+)$/.exec(inputFile);
  if (!m || m[2].split("/").includes("..")) {
    throw new Error(
      `tamma-worker: INPUT_FILE must be a key under audio/ or video/ without "..", got ${JSON.stringify(inputFile)}`,
    );
  }
  const rest = m[2];
  const ext = path.posix.extname(rest);
  const stem = ext && !rest.endsWith("/" + ext) ? rest.slice(0, -ext.length) : rest;
  return `audio/cleaned_${stem}.m4a`;
}

/** The PostgREST request that updates the `jobs` row `id=JOB_ID`. */
export function supabasePatch(
  env: Pick<WorkerEnv, "supabaseUrl" | "supabaseServiceKey" | "jobId">,
  body: Record<string, unknown>,
): { url: string; init: { method: string; headers: Record<string, string>; body: string } } {
  return {
    url: `${env.supabaseUrl}/rest/v1/jobs?id=eq.${encodeURIComponent(env.jobId)}`,
    init: {
      method: "PATCH",
      headers: {
        apikey: env.supabaseServiceKey,
        Authorization: `Bearer ${env.supabaseServiceKey}`,
        "Content-Type": "application/json",
        Prefer: "return=representation",
      },
      body: JSON.stringify(body),
    },
  };
}

/** A one-line reason of at most 300 characters, with the service key removed should it ever appear. */
export function shortReason(error: unknown, secret?: string): string {
  let text =
    error instanceof Error
      ? `${error.name === "Error" ? "" : error.name + ": "}${error.message}`
      : String(error);
  if (secret) text = text.split(secret).join("[redacted]");
  text = text.replace(/\s+/g, " ").trim();
  return text.length > 300 ? text.slice(0, 297) + "..." : text;
}
