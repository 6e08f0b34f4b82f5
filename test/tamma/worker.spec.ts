import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { derivedKeyFor, readWorkerEnv, shortReason, supabasePatch } from "../../functions/tamma-worker/job";
import {
  LocalS3,
  SupabaseStandIn,
  generateAudio,
  integratedLoudness,
  localAwsEnv,
  probe,
  run,
  runWorker,
  startS3,
  startSupabase,
} from "./support";

const RAW = "tamma-test-raw";
const DERIVED = "tamma-test-derived";

describe("tamma worker: pure parts", () => {
  it("derives audio/cleaned_<name>.m4a from any input extension, as the seed did", () => {
    assert.equal(derivedKeyFor("audio/u1/talk.wav"), "audio/cleaned_u1/talk.m4a");
    assert.equal(derivedKeyFor("audio/u1/talk.mp3"), "audio/cleaned_u1/talk.m4a");
    assert.equal(derivedKeyFor("audio/u1/my.podcast.flac"), "audio/cleaned_u1/my.podcast.m4a");
    assert.equal(derivedKeyFor("audio/u1/noext"), "audio/cleaned_u1/noext.m4a");
    assert.equal(derivedKeyFor("video/u2/clip.mov"), "audio/cleaned_u2/clip.m4a");
    assert.throws(() => derivedKeyFor("other/x.wav"), /INPUT_FILE must be a key under audio\/ or video\//);
    assert.throws(() => derivedKeyFor("audio/../x.wav"), /without "\.\."/);
  });

  it("names every missing variable, never a value", () => {
    assert.throws(
      () => readWorkerEnv({ JOB_ID: "1", SUPABASE_SERVICE_KEY: "secret-value" }),
      (e: Error) =>
        e.message ===
          "tamma-worker: missing environment variable(s): INPUT_FILE, RAW_BUCKET, DERIVED_BUCKET, SUPABASE_URL" &&
        !e.message.includes("secret-value"),
    );
  });

  it("PATCHes jobs?id=eq.<JOB_ID> with the service key in headers only", () => {
    const req = supabasePatch(
      { supabaseUrl: "https://x.supabase.co", supabaseServiceKey: "k".repeat(30), jobId: "42 a" },
      { status: "done" },
    );
    assert.equal(req.url, "https://x.supabase.co/rest/v1/jobs?id=eq.42%20a");
    assert.equal(req.init.method, "PATCH");
    assert.equal(req.init.headers.apikey, "k".repeat(30));
    assert.equal(req.init.headers.Authorization, `Bearer ${"k".repeat(30)}`);
    assert.equal(req.init.body, '{"status":"done"}');
  });

  it("keeps failure reasons short and free of the key", () => {
    assert.equal(shortReason(new Error("bad key sk-123 here"), "sk-123"), "bad key [redacted] here");
    assert.equal(shortReason(new Error("x".repeat(400))).length, 300);
  });
});

describe("tamma worker with real ffmpeg, a local S3 and a Supabase stand-in", function () {
  this.timeout(180_000);
  let s3: LocalS3;
  let supabase: SupabaseStandIn;
  let client: S3Client;
  let work: string;
  let tmp: string;

  before(async () => {
    s3 = await startS3([RAW, DERIVED]);
    supabase = await startSupabase({ columns: ["status", "derived_key", "error", "loudness_mode"] });
    client = s3.client();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "tamma-worker-spec-"));
  });
  beforeEach(() => {
    // The worker's TMPDIR: after each run it must be empty again.
    tmp = fs.mkdtempSync(path.join(work, "tmp-"));
  });
  after(async () => {
    client?.destroy();
    await s3?.close();
    await supabase?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const env = (jobId: string, key: string) => ({
    ...localAwsEnv(s3.endpoint),
    TMPDIR: tmp,
    JOB_ID: jobId,
    INPUT_FILE: key,
    RAW_BUCKET: RAW,
    DERIVED_BUCKET: DERIVED,
    SUPABASE_URL: supabase.url,
    SUPABASE_SERVICE_KEY: supabase.key,
  });

  async function put(key: string, file: string) {
    await client.send(new PutObjectCommand({ Bucket: RAW, Key: key, Body: fs.readFileSync(file) }));
  }

  it("cleans a noisy mp3 to AAC in MP4 at -16 ± 0.5 LUFS, marks the job done and says which mode ran", async () => {
    const wav = path.join(work, "noisy.wav");
    generateAudio(wav, 20);
    const mp3 = path.join(work, "noisy.mp3");
    // Any input extension works: the upload is an MP3 here.
    run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-i", wav, "-b:a", "128k", mp3]);
    const before = integratedLoudness(mp3);
    await put("audio/user-1/noisy.mp3", mp3);
    supabase.rows.set("101", { id: 101, status: "pending" });

    const result = await runWorker(env("101", "audio/user-1/noisy.mp3"));
    assert.equal(result.code, 0, result.stderr + result.stdout);

    const out = await client.send(
      new GetObjectCommand({ Bucket: DERIVED, Key: "audio/cleaned_user-1/noisy.m4a" }),
    );
    assert.equal(out.ContentType, "audio/mp4");
    const cleaned = path.join(work, "cleaned.m4a");
    fs.writeFileSync(cleaned, Buffer.from(await out.Body!.transformToByteArray()));
    const info = probe(cleaned);
    assert.equal(info.codec, "aac");
    assert.match(info.format, /mp4|m4a/);
    assert.ok(Math.abs(info.seconds - 20) < 0.5, `duration ${info.seconds}`);
    const loudness = integratedLoudness(cleaned);
    assert.ok(Math.abs(loudness - -16) <= 0.5, `integrated loudness ${loudness} LUFS (input was ${before})`);
    assert.ok(before < -18, `the input is quieter than the target (${before} LUFS)`);

    assert.deepEqual(supabase.rows.get("101"), {
      id: 101,
      status: "done",
      derived_key: "audio/cleaned_user-1/noisy.m4a",
      loudness_mode: "linear",
    });
    assert.match(result.stdout, /"message":"normalised","jobId":"101","mode":"linear"/);
    assert.deepEqual(fs.readdirSync(tmp), [], "no temp file left");
    assert.ok(
      !result.stdout.includes(supabase.key) && !result.stderr.includes(supabase.key),
      "the key is never logged",
    );
  });

  it("still marks the job done when the jobs table has no loudness_mode column", async () => {
    const strict = await startSupabase({ columns: ["status", "derived_key", "error"] });
    try {
      const wav = path.join(work, "short.wav");
      generateAudio(wav, 4);
      await put("audio/user-7/short.wav", wav);
      strict.rows.set("107", { id: 107, status: "pending" });
      const result = await runWorker({
        ...env("107", "audio/user-7/short.wav"),
        SUPABASE_URL: strict.url,
        SUPABASE_SERVICE_KEY: strict.key,
      });
      assert.equal(result.code, 0, result.stderr + result.stdout);
      assert.deepEqual(strict.rows.get("107"), {
        id: 107,
        status: "done",
        derived_key: "audio/cleaned_user-7/short.m4a",
      });
      assert.deepEqual(
        strict.requests.map((r) => Object.keys(r.body)),
        [
          ["status", "derived_key", "loudness_mode"],
          ["status", "derived_key"],
        ],
      );
      assert.match(result.stdout, /no loudness_mode column/);
      assert.deepEqual(fs.readdirSync(tmp), [], "no temp file left");
    } finally {
      await strict.close();
    }
  });

  it("marks a corrupt input failed with a reason, exits non-zero and leaves no temp file", async () => {
    const bad = path.join(work, "corrupt.wav");
    fs.writeFileSync(
      bad,
      Buffer.concat([Buffer.from("RIFF\x24\x00\x00\x00WAVEfmt "), Buffer.alloc(4096, 0x5a)]),
    );
    await put("audio/user-2/corrupt.wav", bad);
    supabase.rows.set("102", { id: 102, status: "pending" });

    const result = await runWorker(env("102", "audio/user-2/corrupt.wav"));
    assert.equal(result.code, 1);
    const row = supabase.rows.get("102")!;
    assert.equal(row.status, "failed");
    assert.match(String(row.error), /^ffmpeg failed \(exit \d+\)/);
    assert.ok(String(row.error).length <= 300);
    assert.deepEqual(fs.readdirSync(tmp), [], "no temp file left");
    await assert.rejects(
      client.send(new GetObjectCommand({ Bucket: DERIVED, Key: "audio/cleaned_user-2/corrupt.m4a" })),
      /NoSuchKey|does not exist/,
    );
  });

  it("marks the job failed when the upload is missing", async () => {
    supabase.rows.set("103", { id: 103, status: "pending" });
    const result = await runWorker(env("103", "audio/user-3/never-uploaded.wav"));
    assert.equal(result.code, 1);
    assert.equal(supabase.rows.get("103")!.status, "failed");
    assert.match(String(supabase.rows.get("103")!.error), /NoSuchKey|does not exist/);
    assert.deepEqual(fs.readdirSync(tmp), []);
  });

  it("still sets status=failed when the jobs table has no error column", async () => {
    const strict = await startSupabase({ columns: ["status", "derived_key"] });
    try {
      strict.rows.set("104", { id: 104, status: "pending" });
      const result = await runWorker({
        ...env("104", "audio/user-4/missing.wav"),
        SUPABASE_URL: strict.url,
        SUPABASE_SERVICE_KEY: strict.key,
      });
      assert.equal(result.code, 1);
      assert.deepEqual(strict.rows.get("104"), { id: 104, status: "failed" });
      assert.deepEqual(
        strict.requests.map((r) => Object.keys(r.body)),
        [["status", "error"], ["status"]],
      );
    } finally {
      await strict.close();
    }
  });

  it("marks the job failed on SIGTERM (StopTask, Spot reclaim) and cleans up", async () => {
    const long = path.join(work, "long.wav");
    generateAudio(long, 600);
    await put("audio/user-6/long.wav", long);
    supabase.rows.set("106", { id: 106, status: "pending" });
    let sent = false;
    const result = await runWorker(
      env("106", "audio/user-6/long.wav"),
      120_000,
      undefined,
      undefined,
      (line, pid) => {
        if (!sent && line.includes("cleaning with ffmpeg")) {
          sent = true;
          process.kill(pid, "SIGTERM");
        }
      },
    );
    assert.ok(sent, "the worker reached ffmpeg");
    assert.equal(result.code, 1);
    const row = supabase.rows.get("106")!;
    assert.equal(row.status, "failed");
    assert.match(String(row.error), /task stopped by SIGTERM/);
    assert.deepEqual(fs.readdirSync(tmp), [], "no temp file left");
  });

  it("fails fast naming a missing variable, touching nothing", async () => {
    const { SUPABASE_SERVICE_KEY: _drop, ...rest } = env("105", "audio/u/x.wav");
    const before = supabase.requests.length;
    const result = await runWorker(rest);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /missing environment variable\(s\): SUPABASE_SERVICE_KEY/);
    assert.equal(supabase.requests.length, before);
  });
});
