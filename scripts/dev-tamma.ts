/**
 * `npm run dev:tamma -- <audio file>`: the whole Tamma pipeline on this machine, no AWS account.
 *
 * A local S3 (s3rver on 127.0.0.1), a loopback Supabase REST stand-in holding one `jobs` row, and a loopback
 * ECS RunTask stand-in that runs the real worker (the same bundle the image ships) as a child process with the
 * trigger's container overrides. The file is uploaded to the raw bucket, an SQS event is built from
 * `{job_id, s3_key}`, and the real trigger handler is called. Prints each step, where the cleaned file landed
 * and its measured loudness. Everything binds to 127.0.0.1 and is stopped at the end.
 */
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { Context, SQSEvent } from "aws-lambda";
import * as fs from "node:fs";
import * as path from "node:path";
import { CliError, parseCli, runCli } from "./cli";
import {
  EcsStandIn,
  LocalS3,
  SupabaseStandIn,
  WorkerRun,
  integratedLoudness,
  localAwsEnv,
  probe,
  run,
  runWorker,
  startEcs,
  startS3,
  startSupabase,
} from "../test/tamma/support";

const RAW = "tamma-local-raw";
const DERIVED = "tamma-local-derived";
const JOB_ID = "1";
const OUT_DIR = path.resolve(__dirname, "..", ".dev", "tamma");

const step = (n: number, text: string) => console.log(`\n[${n}] ${text}`);

const USAGE = "npm run dev:tamma -- <audio file>   (any format ffmpeg reads: wav, mp3, m4a, flac, ...)";

async function main(argv: string[]): Promise<number> {
  const [input] = parseCli({ usage: USAGE, flags: {}, positionals: { min: 1, max: 1 } }, argv).positionals;
  if (!fs.existsSync(input) || !fs.statSync(input).isFile())
    throw new CliError(`${input}: no such file`, true);
  try {
    run("ffmpeg", ["-version"]);
  } catch {
    console.error("ffmpeg is not installed: apt-get install -y ffmpeg");
    return 2;
  }
  const s3Key = `audio/local-user/${path.basename(input).replace(/[^A-Za-z0-9._-]/g, "_")}`;
  let s3: LocalS3 | undefined;
  let supabase: SupabaseStandIn | undefined;
  let ecs: EcsStandIn | undefined;
  const workers: Promise<WorkerRun>[] = [];
  try {
    step(1, "starting local S3 (s3rver), a Supabase REST stand-in and an ECS RunTask stand-in on 127.0.0.1");
    s3 = await startS3([RAW, DERIVED]);
    supabase = await startSupabase({ columns: ["status", "derived_key", "error", "loudness_mode"] });
    supabase.rows.set(JOB_ID, { id: Number(JOB_ID), status: "pending", s3_key: s3Key });
    const aws = localAwsEnv(s3.endpoint);
    const sb = supabase;
    ecs = await startEcs((req, taskArn) => {
      const overrides: { name: string; value: string }[] = req.overrides.containerOverrides[0].environment;
      console.log(`    ECS stand-in: RunTask accepted (${taskArn.split("/").pop()}); running the worker`);
      const env = Object.fromEntries(overrides.map((e) => [e.name, e.value]));
      workers.push(
        runWorker(
          { ...aws, ...env, SUPABASE_URL: sb.url, SUPABASE_SERVICE_KEY: sb.key },
          30 * 60_000,
          (line) => console.log(`    worker | ${line}`),
        ),
      );
    });
    console.log(`    S3 ${s3.endpoint}   Supabase ${supabase.url}   ECS ${ecs.endpoint}`);

    step(2, `uploading ${input} to s3://${RAW}/${s3Key}`);
    const client = s3.client();
    await client.send(new PutObjectCommand({ Bucket: RAW, Key: s3Key, Body: fs.readFileSync(input) }));
    const before = integratedLoudness(input);
    console.log(`    input: ${fs.statSync(input).size} bytes, integrated loudness ${before.toFixed(1)} LUFS`);

    step(3, `calling the real trigger handler with an SQS event {"job_id": ${JOB_ID}, "s3_key": "${s3Key}"}`);
    Object.assign(process.env, {
      ...aws,
      AWS_ENDPOINT_URL_ECS: ecs.endpoint,
      CLUSTER_NAME: "tamma-local-cluster",
      TASK_DEFINITION: "tamma-local-audio-clean",
      SUBNET_IDS: "subnet-local-a,subnet-local-b,subnet-local-c",
      SECURITY_GROUP_ID: "sg-local",
      CONTAINER_NAME: "audio-clean",
      RAW_BUCKET: RAW,
      DERIVED_BUCKET: DERIVED,
      POWERTOOLS_LOG_LEVEL: "WARN",
    });
    const { handler } = await import("../functions/tamma-trigger/index");
    const event: SQSEvent = {
      Records: [
        {
          messageId: "local-1",
          receiptHandle: "local",
          body: JSON.stringify({ job_id: Number(JOB_ID), s3_key: s3Key }),
          attributes: {
            ApproximateReceiveCount: "1",
            SentTimestamp: String(Date.now()),
            SenderId: "local",
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: "",
          eventSource: "aws:sqs",
          eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:tamma-local-jobs",
          awsRegion: "us-east-1",
        },
      ],
    };
    const response = await handler(event, {
      awsRequestId: "local",
      functionName: "tamma-local-trigger-clean",
    } as Context);
    console.log(
      `    trigger answered batchItemFailures=${JSON.stringify(response.batchItemFailures)}; RunTask calls: ${ecs.calls.length}`,
    );
    if (workers.length === 0) {
      console.error("    no task was started");
      return 1;
    }

    step(4, "waiting for the worker (download, ffmpeg afftdn + two-pass loudness, upload, Supabase PATCH)");
    const result = await workers[0];
    console.log(`    worker exited with code ${result.code} after ${result.seconds.toFixed(1)} s`);
    const row = supabase.rows.get(JOB_ID)!;
    console.log(`    jobs row ${JOB_ID}: ${JSON.stringify(row)}`);
    if (result.code !== 0 || row.status !== "done") return 1;

    step(5, "fetching and measuring the cleaned file");
    const key = String(row.derived_key);
    const out = await client.send(new GetObjectCommand({ Bucket: DERIVED, Key: key }));
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const local = path.join(OUT_DIR, path.basename(key));
    fs.writeFileSync(local, Buffer.from(await out.Body!.transformToByteArray()));
    const info = probe(local);
    const after = integratedLoudness(local);
    console.log(`    landed at s3://${DERIVED}/${key} (copied to ${path.relative(process.cwd(), local)})`);
    console.log(
      `    ${info.codec} in ${info.format}, ${info.seconds.toFixed(1)} s, ${fs.statSync(local).size} bytes`,
    );
    console.log(
      `    integrated loudness: ${before.toFixed(1)} LUFS in, ${after.toFixed(1)} LUFS out (target -16)`,
    );
    client.destroy();
    return 0;
  } finally {
    await ecs?.close();
    await supabase?.close();
    await s3?.close();
  }
}

runCli(USAGE, () => main(process.argv.slice(2)));
