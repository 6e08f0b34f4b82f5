/**
 * Tamma: the trigger's SDK calls per record and records per second against a loopback ECS endpoint; the
 * worker end to end (real ffmpeg, a local S3, a Supabase stand-in) side by side with the seed's exact one-pass
 * ffmpeg command on the same generated speech-like input (`--minutes N`, default 10; `--repeat N`, default 2):
 * time ratio, seconds per audio minute, peak RSS; then loudness figures of both on each quality-test input.
 * Numbers are from this machine. `npm run bench -- tamma --minutes 2` for a quick run.
 */
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { normalise } from "../functions/tamma-worker/ffmpeg";
import {
  EcsStandIn,
  Loudness,
  generateProgramme,
  localAwsEnv,
  meter,
  runWorker,
  startEcs,
  startS3,
  startSupabase,
} from "../test/tamma/support";

export const title =
  "Tamma trigger SDK calls and throughput; two-pass worker vs the seed's one-pass ffmpeg: time, memory, loudness";

function record(i: number): SQSRecord {
  return {
    messageId: `m-${i}`,
    receiptHandle: `r-${i}`,
    body: JSON.stringify({ job_id: i, s3_key: `audio/bench/${i}.wav` }),
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "0",
      SenderId: "bench",
      ApproximateFirstReceiveTimestamp: "0",
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:tamma-bench-jobs",
    awsRegion: "us-east-1",
  };
}

async function benchTrigger(): Promise<void> {
  const ecs: EcsStandIn = await startEcs();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_ECS: ecs.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
    CLUSTER_NAME: "tamma-bench-cluster",
    TASK_DEFINITION: "tamma-bench-audio-clean",
    SUBNET_IDS: "subnet-a,subnet-b,subnet-c",
    SECURITY_GROUP_ID: "sg-bench",
    CONTAINER_NAME: "audio-clean",
    RAW_BUCKET: "tamma-bench-raw",
    DERIVED_BUCKET: "tamma-bench-derived",
    POWERTOOLS_LOG_LEVEL: "SILENT",
  });
  const { handler } = await import("../functions/tamma-trigger/index");
  const ctx = { awsRequestId: "bench", functionName: "tamma-bench-trigger-clean" } as Context;
  try {
    const batches = 100;
    const size = 10;
    console.log(`trigger: ${batches} batches of ${size} records against a loopback RunTask endpoint ...`);
    let n = 0;
    const started = process.hrtime.bigint();
    let failed = 0;
    for (let b = 0; b < batches; b++) {
      const event: SQSEvent = { Records: Array.from({ length: size }, () => record(n++)) };
      failed += (await handler(event, ctx)).batchItemFailures.length;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(
      `  ${n} records, ${ecs.calls.length} SDK calls (RunTask) = ${(ecs.calls.length / n).toFixed(2)} per record; ` +
        `${failed} failed; ${(n / seconds).toFixed(0)} records/s (${((seconds / n) * 1000).toFixed(2)} ms per record)`,
    );

    ecs.calls = [];
    ecs.respond = (input) =>
      Number(input.overrides.containerOverrides[0].environment[0].value) % 10 === 0
        ? { kind: "failure", reason: "RESOURCE:FARGATE" }
        : { kind: "task" };
    const out = await handler({ Records: Array.from({ length: 10 }, (_, i) => record(1000 + i)) }, ctx);
    console.log(
      `  batch of 10 with one no-capacity answer: ${ecs.calls.length} calls, batchItemFailures=${out.batchItemFailures.length}`,
    );

    ecs.calls = [];
    ecs.respond = () => ({ kind: "error", status: 500, type: "ServerException", message: "boom" });
    const started5xx = Date.now();
    const out5 = await handler({ Records: [record(2000)] }, ctx);
    console.log(
      `  one record against a RunTask that always answers 500: ${ecs.calls.length} calls (the SDK's standard ` +
        `retries), reported failed=${out5.batchItemFailures.length}, ${Date.now() - started5xx} ms`,
    );
  } finally {
    await ecs.close();
  }
}

/** Linux's USER_HZ for /proc/<pid>/stat times (`getconf CLK_TCK`: 100 on x86 and arm64). */
const CLOCK_TICKS = 100;

/**
 * Peak resident memory (VmHWM, KiB) of a process and of its children, and its CPU seconds (user + system, its
 * own and its reaped children's: ffmpeg's passes included), sampled from /proc every 25 ms until it exits.
 * CPU seconds matter because this machine is shared: wall time grows with other agents' load, CPU time less so.
 */
function watchMemory(pid: number): { stop(): { worker: number; ffmpeg: number; cpu: number } } {
  const peak = { worker: 0, ffmpeg: 0, cpu: 0 };
  const cpu = (p: number) => {
    try {
      const fields = fs
        .readFileSync(`/proc/${p}/stat`, "utf8")
        .replace(/^.*\) /, "")
        .split(" ");
      // utime stime cutime cstime are fields 14–17 (1-based) of /proc/<pid>/stat; fields[0] here is field 3.
      return fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0) / CLOCK_TICKS;
    } catch {
      return 0;
    }
  };
  const hwm = (p: number) => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"));
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  };
  const children = (p: number): number[] => {
    try {
      return fs
        .readFileSync(`/proc/${p}/task/${p}/children`, "utf8")
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  };
  const timer = setInterval(() => {
    peak.worker = Math.max(peak.worker, hwm(pid));
    peak.cpu = Math.max(peak.cpu, cpu(pid));
    for (const c of children(pid)) peak.ffmpeg = Math.max(peak.ffmpeg, hwm(c));
  }, 25);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

/** `--minutes N` (default 10) and `--repeat N` (default 2) from the bench's command line. */
function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`--${name} must be a positive number, got ${JSON.stringify(process.argv[at + 1])}`);
  }
  return value;
}

/** The seed's exact one-pass command (worker/worker.py): afftdn + dynamic loudnorm, AAC 192k, nothing else. */
function seedArgs(input: string, output: string): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-y",
    "-i",
    input,
    "-af",
    "afftdn,loudnorm=I=-16:LRA=11:TP=-1.5",
    "-c:a",
    "aac",
    "-b:a",
    "192k",
    output,
  ];
}

/** Runs the seed's command, sampling ffmpeg's peak RSS and CPU; resolves with wall and CPU seconds and KiB. */
function runSeed(input: string, output: string): Promise<{ seconds: number; cpu: number; rss: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn("ffmpeg", seedArgs(input, output), { stdio: ["ignore", "ignore", "pipe"] });
    const watcher = watchMemory(child.pid!);
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => {
      const peak = watcher.stop();
      if (code !== 0) reject(new Error(`seed ffmpeg failed: ${stderr.slice(-400)}`));
      else resolve({ seconds: (Date.now() - started) / 1000, cpu: peak.cpu, rss: peak.worker });
    });
  });
}

const fmt = (l: Loudness) =>
  `I ${l.integrated.toFixed(1).padStart(5)} LUFS, LRA ${l.lra.toFixed(1).padStart(4)} LU, TP ${l.truePeak.toFixed(1).padStart(5)} dBTP`;

function spread(values: number[]): string {
  const sorted = [...values].sort((x, y) => x - y);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  return sorted.length === 1
    ? median.toFixed(2)
    : `median ${median.toFixed(2)} (min ${sorted[0].toFixed(2)}, max ${sorted.at(-1)!.toFixed(2)})`;
}

/**
 * The worker end to end (download, two ffmpeg passes, upload, PATCH) against the seed's exact one-pass ffmpeg
 * command alone on the same generated speech-like input (48 kHz stereo 16-bit WAV), alternating, `repeat` times.
 */
async function benchWorker(): Promise<void> {
  const minutes = option("minutes", 10);
  const repeat = option("repeat", 2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tamma-bench-"));
  const s3 = await startS3(["tamma-bench-raw", "tamma-bench-derived"]);
  const supabase = await startSupabase({ columns: ["status", "derived_key", "error", "loudness_mode"] });
  const client = s3.client();
  try {
    const file = path.join(dir, `${minutes}min.wav`);
    console.log(
      `worker: generating ${minutes} min of speech-like audio at -24 LUFS with ffmpeg (48 kHz stereo WAV) ...`,
    );
    generateProgramme(file, "speech", minutes * 60, -24, { codec: "pcm_s16le" });
    const bytes = fs.statSync(file).size;
    const key = `audio/bench/${minutes}min.wav`;
    console.log(`  uploading ${(bytes / 1048576).toFixed(1)} MiB to the local S3 ...`);
    await client.send(
      new PutObjectCommand({
        Bucket: "tamma-bench-raw",
        Key: key,
        Body: fs.createReadStream(file),
        ContentLength: bytes,
      }),
    );
    const ratios: number[] = [];
    const perMinute: number[] = [];
    const cpuRatios: number[] = [];
    for (let r = 1; r <= repeat; r++) {
      console.log(`  run ${r}/${repeat}: the seed's one-pass ffmpeg command on the local file ...`);
      const seed = await runSeed(file, path.join(dir, "seed.m4a"));
      console.log(
        `    seed: ${seed.seconds.toFixed(1)} s (${(seed.seconds / minutes).toFixed(2)} s per audio minute), ` +
          `${seed.cpu.toFixed(1)} CPU s, ` +
          `peak RSS ffmpeg ${(seed.rss / 1024).toFixed(0)} MiB`,
      );
      console.log(
        `  run ${r}/${repeat}: the worker bundle end to end (download, 2 passes, upload, PATCH) ...`,
      );
      const id = `${minutes}-${r}`;
      supabase.rows.set(id, { id, status: "pending" });
      let watcher: ReturnType<typeof watchMemory> | undefined;
      const result = await runWorker(
        {
          ...localAwsEnv(s3.endpoint),
          JOB_ID: id,
          INPUT_FILE: key,
          RAW_BUCKET: "tamma-bench-raw",
          DERIVED_BUCKET: "tamma-bench-derived",
          SUPABASE_URL: supabase.url,
          SUPABASE_SERVICE_KEY: supabase.key,
        },
        30 * 60_000,
        undefined,
        (pid) => (watcher = watchMemory(pid)),
      );
      const peak = watcher!.stop();
      if (result.code !== 0) throw new Error(`worker failed: ${result.stderr}`);
      const passes = /"seconds":\{"measure":([\d.]+),"normalise":([\d.]+)\}/.exec(result.stdout);
      const row = supabase.rows.get(id)!;
      ratios.push(result.seconds / seed.seconds);
      cpuRatios.push(peak.cpu / seed.cpu);
      perMinute.push(result.seconds / minutes);
      console.log(
        `    worker: ${result.seconds.toFixed(1)} s end to end = ${(result.seconds / minutes).toFixed(2)} s per audio ` +
          `minute (pass 1 ${passes?.[1] ?? "?"} s, pass 2 ${passes?.[2] ?? "?"} s); ` +
          `${(result.seconds / seed.seconds).toFixed(2)}x the seed's time; ${peak.cpu.toFixed(1)} CPU s ` +
          `(worker + ffmpeg, ${(peak.cpu / seed.cpu).toFixed(2)}x the seed's); peak RSS worker ` +
          `${(peak.worker / 1024).toFixed(0)} MiB, ffmpeg ${(peak.ffmpeg / 1024).toFixed(0)} MiB ` +
          `(input ${(bytes / 1048576).toFixed(1)} MiB; status ${row.status}, loudness_mode ${row.loudness_mode})`,
      );
    }
    console.log(
      `  ${minutes} min, ${repeat} run(s): worker/seed time ${spread(ratios)} (goal <= 0.70); ` +
        `worker s per audio minute ${spread(perMinute)} (goal <= 3.00); worker/seed CPU seconds ${spread(cpuRatios)}`,
    );
    fs.rmSync(file, { force: true });

    console.log(
      "quality: 20 s generated inputs, measured with ffmpeg ebur128 (peak=true) on the encoded .m4a",
    );
    for (const kind of ["speech", "music"] as const) {
      for (const lufs of [-30, -20, -10]) {
        const input = path.join(dir, `${kind}${lufs}.wav`);
        const before = generateProgramme(input, kind, 20, lufs);
        const ours = path.join(dir, `${kind}${lufs}.m4a`);
        const { plan } = await normalise(input, ours, dir);
        const seedOut = path.join(dir, `${kind}${lufs}.seed.m4a`);
        await runSeed(input, seedOut);
        console.log(`  ${kind}-like ${lufs} LUFS: input  ${fmt(before)}`);
        console.log(`    two-pass (${plan.mode.padEnd(7)}): ${fmt(meter(ours))}`);
        console.log(`    seed one-pass    : ${fmt(meter(seedOut))}`);
        for (const f of [input, ours, seedOut]) fs.rmSync(f, { force: true });
      }
    }
  } finally {
    client.destroy();
    await supabase.close();
    await s3.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  await benchTrigger();
  await benchWorker();
}
