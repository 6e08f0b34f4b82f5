/**
 * Loopback stand-ins and ffmpeg helpers for the Tamma tests, the bench and `npm run dev:tamma`:
 * a local S3 (s3rver on 127.0.0.1), a Supabase REST stand-in for the `jobs` table, a recording ECS RunTask
 * endpoint, generated test audio (made by ffmpeg itself), loudness and codec measurements, and the worker
 * bundle run as a child process (the same esbuild bundle the image ships).
 */
import { spawn, spawnSync } from "node:child_process";
import { childRecordingEnv } from "../harness/aws-calls";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { bundle } from "../../lib/bundle";
import { LocalS3, startLocalS3 } from "../harness/local-s3";

export type { LocalS3 };

export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" };

/** SDK settings for s3rver: its default credentials, a region, and checksums only where S3 requires them
 * (s3rver 3.7 does not understand the aws-chunked trailing checksums newer SDKs send by default). */
export function localAwsEnv(s3Endpoint: string, ecsEndpoint?: string): Record<string, string> {
  return {
    ...S3RVER_CREDENTIALS,
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_S3: s3Endpoint,
    ...(ecsEndpoint ? { AWS_ENDPOINT_URL_ECS: ecsEndpoint } : {}),
    AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
    AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
  };
}

/** s3rver on 127.0.0.1 with the given buckets (test/harness/local-s3.ts). */
export const startS3 = (buckets: string[]): Promise<LocalS3> => startLocalS3(buckets);

export interface SupabaseRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface SupabaseStandIn {
  url: string;
  key: string;
  /** `jobs` rows by id. */
  rows: Map<string, Record<string, unknown>>;
  requests: SupabaseRequest[];
  close(): Promise<void>;
}

/**
 * A PostgREST stand-in for `PATCH /rest/v1/jobs?id=eq.<id>`: checks the apikey and bearer headers, updates
 * the row and answers with the updated rows (`Prefer: return=representation`). Unknown columns get a 400
 * like PostgREST's PGRST204 when `columns` is given.
 */
export async function startSupabase(
  opts: { key?: string; columns?: string[] } = {},
): Promise<SupabaseStandIn> {
  const key = opts.key ?? "service-role-key-for-tests-0123456789";
  const rows = new Map<string, Record<string, unknown>>();
  const requests: SupabaseRequest[] = [];
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString("utf8")));
    req.on("end", () => {
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(payload));
      };
      if (req.headers.apikey !== key || req.headers.authorization !== `Bearer ${key}`) {
        return send(401, { message: "Invalid API key" });
      }
      const url = new URL(req.url ?? "/", "http://x");
      const id = /^eq\.(.+)$/.exec(url.searchParams.get("id") ?? "")?.[1];
      if (req.method !== "PATCH" || url.pathname !== "/rest/v1/jobs" || !id) {
        return send(404, { message: "not found" });
      }
      const unknown = opts.columns ? Object.keys(body).filter((c) => !opts.columns!.includes(c)) : [];
      if (unknown.length)
        return send(400, { code: "PGRST204", message: `Could not find the '${unknown[0]}' column` });
      const row = rows.get(decodeURIComponent(id));
      if (!row) return send(200, []);
      Object.assign(row, body);
      return send(200, [row]);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    key,
    rows,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface RecordedRunTask {
  target: string;
  input: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface EcsStandIn {
  endpoint: string;
  calls: RecordedRunTask[];
  /** Decides the answer per call: a task, a `failures[]` answer, or an HTTP error. */
  respond: (input: Record<string, any>, callIndex: number) => EcsAnswer; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

export type EcsAnswer =
  | { kind: "task"; taskArn?: string }
  | { kind: "failure"; reason: string }
  | { kind: "error"; status: number; type: string; message: string };

/**
 * A recording ECS JSON-1.1 endpoint (`X-Amz-Target: AmazonEC2ContainerServiceV20141113.RunTask`). Same
 * clientToken → same task, as ECS's idempotency promises.
 */
export async function startEcs(
  onTask?: (input: Record<string, any>, taskArn: string) => void, // eslint-disable-line @typescript-eslint/no-explicit-any
): Promise<EcsStandIn> {
  const byToken = new Map<string, string>();
  const stand: EcsStandIn = {
    endpoint: "",
    calls: [],
    respond: () => ({ kind: "task" }),
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString("utf8")));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const input = text ? JSON.parse(text) : {};
      const index = stand.calls.length;
      stand.calls.push({ target, input });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify(payload));
      };
      if (!target.endsWith(".RunTask"))
        return send(400, { __type: "InvalidParameterException", message: target });
      const answer = stand.respond(input, index);
      if (answer.kind === "error")
        return send(answer.status, { __type: answer.type, message: answer.message });
      if (answer.kind === "failure") return send(200, { tasks: [], failures: [{ reason: answer.reason }] });
      const token = input.clientToken as string | undefined;
      let arn = token ? byToken.get(token) : undefined;
      const fresh = !arn;
      arn ??=
        answer.taskArn ??
        `arn:aws:ecs:us-east-1:123456789012:task/tamma-dev-cluster/${(index + 1).toString(16).padStart(32, "0")}`;
      if (token) byToken.set(token, arn);
      if (fresh && onTask) onTask(input, arn);
      return send(200, { tasks: [{ taskArn: arn, lastStatus: "PROVISIONING" }], failures: [] });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  stand.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stand.close = () => new Promise((r) => server.close(() => r()));
  return stand;
}

/** Runs a command; throws with its stderr tail when it fails. */
export function run(cmd: string, args: string[]): string {
  const out = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${(out.stderr ?? "").slice(-800)}`);
  return `${out.stdout}${out.stderr}`;
}

/** Generated speech-like test audio: a 440 Hz tone under pink noise, quieter than -16 LUFS, made by ffmpeg. */
export function generateAudio(file: string, seconds: number, opts: { sampleRate?: number } = {}): void {
  run("ffmpeg", [
    "-hide_banner",
    "-loglevel",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `sine=frequency=440:sample_rate=${opts.sampleRate ?? 44100}:duration=${seconds}`,
    "-f",
    "lavfi",
    "-i",
    `anoisesrc=color=pink:amplitude=0.04:sample_rate=${opts.sampleRate ?? 44100}:duration=${seconds}:seed=7`,
    "-filter_complex",
    "[0:a]volume=0.12[t];[t][1:a]amix=inputs=2:normalize=0",
    "-ac",
    "1",
    file,
  ]);
}

/** Integrated loudness (LUFS) by ffmpeg's ebur128 filter. */
export function integratedLoudness(file: string): number {
  return meter(file).integrated;
}

/** EBU R128 figures of a file by ffmpeg's own meter (`ebur128=peak=true`). */
export interface Loudness {
  /** Integrated loudness, LUFS. */
  integrated: number;
  /** Loudness range, LU. */
  lra: number;
  /** True peak, dBTP (ebur128 prints it as dBFS of the 4x oversampled signal). */
  truePeak: number;
}

/** Measures a file with `ebur128=peak=true` (the same meter the worker's pass 1 uses). */
export function meter(file: string): Loudness {
  const out = run("ffmpeg", [
    "-hide_banner",
    "-nostats",
    "-i",
    file,
    "-af",
    "ebur128=peak=true:framelog=verbose",
    "-f",
    "null",
    "-",
  ]);
  const summary = out.slice(out.lastIndexOf("Summary:"));
  const num = (re: RegExp, what: string) => {
    const m = re.exec(summary);
    if (!m) throw new Error(`no ${what} in ebur128 output of ${file}`);
    return m[1] === "-inf" ? -Infinity : Number(m[1]);
  };
  return {
    integrated: num(/I:\s+(-?[\d.]+|-inf) LUFS/, "integrated loudness"),
    lra: num(/LRA:\s+(-?[\d.]+) LU/, "loudness range"),
    truePeak: num(/True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS/, "true peak"),
  };
}

export type Programme = "speech" | "music";

/**
 * lavfi sources for generated programme material, all made by ffmpeg:
 * - speech-like: band-limited (120 Hz–3.8 kHz) pink noise whose level moves at syllable rate (3.7 Hz under a
 *   0.6 Hz phrase envelope) with a 1.5 s pause every 6.3 s, over a faint white-noise floor (something for afftdn);
 * - music-like: a four-note chord (A3 C#4 E4 A4) swelling by about 20 dB over 9 s (LRA about 7.5 LU), with a
 *   band-limited (0.8–9 kHz) pink-noise hit decaying in ~25 ms every half second: transients well above the
 *   chord, so the true-peak guard has work to do. `hits` scales them (amplitude factor; 1 by default).
 */
function programmeGraph(
  kind: Programme,
  seconds: number,
  rate: number,
  hits: number,
): { inputs: string[]; graph: string } {
  const d = `duration=${seconds}`;
  if (kind === "speech") {
    return {
      inputs: [
        `anoisesrc=color=pink:sample_rate=${rate}:amplitude=0.5:${d}:seed=11`,
        `anoisesrc=color=white:sample_rate=${rate}:amplitude=0.004:${d}:seed=5`,
      ],
      graph:
        "[0:a]highpass=f=120,lowpass=f=3800," +
        "volume='(0.55+0.45*sin(2*PI*3.7*t)*sin(2*PI*0.61*t))*if(lt(mod(t\\,6.3)\\,4.8)\\,1\\,0.02)':eval=frame[s];" +
        "[s][1:a]amix=inputs=2:normalize=0",
    };
  }
  const notes = [220, 277.18, 329.63, 440];
  return {
    inputs: [
      ...notes.map((f) => `sine=frequency=${f}:sample_rate=${rate}:${d}`),
      `anoisesrc=color=pink:sample_rate=${rate}:amplitude=0.6:${d}:seed=3`,
    ],
    graph:
      "[0:a][1:a][2:a][3:a]amix=inputs=4:normalize=0:weights='0.3 0.2 0.2 0.15'," +
      "volume='0.1+0.9*pow(0.5+0.5*sin(2*PI*t/9)\\,3)':eval=frame[c];" +
      `[4:a]highpass=f=800,lowpass=f=9000,volume='${hits}*exp(-40*mod(t\\,0.5))':eval=frame[h];` +
      "[c][h]amix=inputs=2:normalize=0",
  };
}

/**
 * Writes `seconds` of speech-like or music-like programme at `lufs` integrated loudness (±0.1 LU) as a float
 * WAV (so a loud input's peaks above 0 dBFS are kept, not clipped): made once, measured with ebur128, then
 * scaled by the difference.
 */
export function generateProgramme(
  file: string,
  kind: Programme,
  seconds: number,
  lufs: number,
  opts: { sampleRate?: number; channels?: number; hits?: number; codec?: "pcm_f32le" | "pcm_s16le" } = {},
): Loudness {
  const rate = opts.sampleRate ?? 48000;
  const { inputs, graph } = programmeGraph(kind, seconds, rate, opts.hits ?? 1);
  const raw = `${file}.raw.wav`;
  try {
    run("ffmpeg", [
      "-hide_banner",
      "-loglevel",
      "error",
      "-y",
      ...inputs.flatMap((i) => ["-f", "lavfi", "-i", i]),
      "-filter_complex",
      `${graph},pan=stereo|c0=c0|c1=0.9*c0`,
      "-ac",
      String(opts.channels ?? 2),
      "-c:a",
      "pcm_f32le",
      raw,
    ]);
    const gain = lufs - integratedLoudness(raw);
    run("ffmpeg", [
      "-hide_banner",
      "-loglevel",
      "error",
      "-y",
      "-i",
      raw,
      "-af",
      `volume=${gain.toFixed(3)}dB:precision=double`,
      "-c:a",
      opts.codec ?? "pcm_f32le",
      file,
    ]);
  } finally {
    fs.rmSync(raw, { force: true });
  }
  return meter(file);
}

/** Codec, container and duration by ffprobe. */
export function probe(file: string): { codec: string; format: string; seconds: number } {
  const out = run("ffprobe", [
    "-v",
    "error",
    "-show_entries",
    "stream=codec_name:format=format_name,duration",
    "-of",
    "json",
    file,
  ]);
  const json = JSON.parse(out.slice(out.indexOf("{")));
  return {
    codec: json.streams?.[0]?.codec_name,
    format: json.format?.format_name,
    seconds: Number(json.format?.duration),
  };
}

/** Writes the worker's esbuild bundle (exactly what the image copies) to a temp dir; returns index.js's path. */
export function workerScript(): string {
  const b = bundle("tamma-worker");
  const dir = path.join(os.tmpdir(), `tamma-worker-bundle-${b.sha256.slice(0, 12)}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "index.js"), b.code);
  fs.writeFileSync(path.join(dir, "index.js.map"), b.map);
  return path.join(dir, "index.js");
}

export interface WorkerRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock seconds from spawn to exit. */
  seconds: number;
}

/** Runs the worker bundle as a child process with `env` (plus PATH); bounded by `timeoutMs`. */
export function runWorker(
  env: Record<string, string>,
  timeoutMs = 120_000,
  onLine?: (line: string) => void,
  onSpawn?: (pid: number) => void,
  /** Like onLine, with the worker's pid (to signal it). */
  onLineWithPid?: (line: string, pid: number) => void,
): Promise<WorkerRun> {
  const script = workerScript();
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--enable-source-maps", script], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        ...childRecordingEnv("functions/tamma-worker"),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid && onSpawn) onSpawn(child.pid);
    let stdout = "";
    let stderr = "";
    const emit = (text: string) => {
      for (const line of text.split("\n")) {
        if (!line.trim()) continue;
        onLine?.(line);
        onLineWithPid?.(line, child.pid!);
      }
    };
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString("utf8");
      emit(c.toString("utf8"));
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
      emit(c.toString("utf8"));
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}
