/**
 * Tamma: the trigger's SDK calls per record and records per second against a loopback ECS endpoint, and the
 * worker's processing seconds per minute of audio and peak memory (worker and ffmpeg) on generated 1- and
 * 10-minute inputs, with real ffmpeg, a local S3 and a Supabase stand-in. Numbers are from this machine.
 */
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
  EcsStandIn,
  generateAudio,
  localAwsEnv,
  runWorker,
  startEcs,
  startS3,
  startSupabase,
} from "../test/tamma/support";

export const title =
  "Tamma trigger SDK calls and throughput; worker seconds per audio minute and peak memory";

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

/** Peak resident memory (VmHWM, KiB) of a process and its children, sampled from /proc until it exits. */
function watchMemory(pid: number): { stop(): { worker: number; ffmpeg: number } } {
  const peak = { worker: 0, ffmpeg: 0 };
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
    for (const c of children(pid)) peak.ffmpeg = Math.max(peak.ffmpeg, hwm(c));
  }, 25);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

async function benchWorker(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tamma-bench-"));
  const s3 = await startS3(["tamma-bench-raw", "tamma-bench-derived"]);
  const supabase = await startSupabase();
  const client = s3.client();
  try {
    for (const minutes of [1, 10]) {
      const file = path.join(dir, `${minutes}min.wav`);
      console.log(`worker: generating ${minutes} min of noise + tone with ffmpeg (44.1 kHz mono WAV) ...`);
      generateAudio(file, minutes * 60);
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
      const id = String(minutes);
      supabase.rows.set(id, { id: minutes, status: "pending" });
      console.log(`  running the worker bundle on it (download, ffmpeg, upload, PATCH) ...`);
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
      console.log(
        `  ${minutes} min of audio: ${result.seconds.toFixed(1)} s end to end = ` +
          `${(result.seconds / minutes).toFixed(2)} s of processing per audio minute; ` +
          `peak RSS worker ${(peak.worker / 1024).toFixed(0)} MiB, ffmpeg ${(peak.ffmpeg / 1024).toFixed(0)} MiB ` +
          `(input ${(bytes / 1048576).toFixed(1)} MiB; status ${supabase.rows.get(id)!.status})`,
      );
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
