import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as fc from "fast-check";
import { ffmpegFailure, normalise } from "../../functions/tamma-worker/ffmpeg";
import {
  LIMITER_CEILING_DB,
  MAX_LIMITING_DB,
  TARGET,
  limiterFilter,
  measureArgs,
  normaliseArgs,
  parseEbur128Summary,
  planNormalisation,
} from "../../functions/tamma-worker/loudness";
import { Loudness, Programme, generateProgramme, meter, probe } from "./support";

/** The tail of a real pass-1 stderr (ffmpeg 5.1, `-loglevel repeat+level+info`). */
const SUMMARY = `[info] video:0kB audio:7500kB subtitle:0kB other streams:0kB global headers:0kB muxing overhead: 0.001953%
[Parsed_ebur128_2 @ 0x561e271b7400] [info] Summary:

  Integrated loudness:
    I:         -26.3 LUFS
    Threshold: -37.1 LUFS

  Loudness range:
    LRA:         3.1 LU
    Threshold: -47.1 LUFS
    LRA low:   -29.0 LUFS
    LRA high:  -25.9 LUFS

  True peak:
    Peak:      -13.0 dBFS
`;

describe("tamma worker loudness: pure parts", () => {
  it("reads integrated loudness, its threshold, LRA and true peak from ebur128's summary", () => {
    assert.deepEqual(parseEbur128Summary(SUMMARY), {
      integrated: -26.3,
      threshold: -37.1,
      lra: 3.1,
      truePeak: -13,
    });
  });

  it("reads digital silence as a -inf peak, and names what is missing", () => {
    const silent = SUMMARY.replace("-26.3 LUFS", "-70.0 LUFS").replace("-13.0 dBFS", "-inf dBFS");
    assert.equal(parseEbur128Summary(silent).truePeak, -Infinity);
    assert.throws(() => parseEbur128Summary("[error] nothing"), /printed no ebur128 summary/);
    assert.throws(
      () => parseEbur128Summary(SUMMARY.replace(/True peak:[\s\S]*/, "")),
      /no true peak \(Peak, with peak=true\)/,
    );
  });

  it("applies one linear gain with no limiting when the peaks stay under the ceiling", () => {
    const plan = planNormalisation({ integrated: -26.3, threshold: -37.1, lra: 3.1, truePeak: -13 });
    assert.equal(plan.mode, "linear");
    assert.equal(plan.gainDb, 10.3);
    assert.equal(plan.predictedPeakDb, -2.7);
    assert.equal(plan.limitingDb, 0.8);
    assert.match(
      plan.filter,
      /^volume=10\.30dB:precision=float,alimiter=limit=0\.668344:.*level=false:latency=true$/,
    );
    const quiet = planNormalisation({ integrated: -20, threshold: -30, lra: 5, truePeak: -12 });
    assert.equal(quiet.limitingDb, 0);
    assert.match(quiet.reason, /keeps every peak under/);
  });

  it("falls back to the dynamic loudnorm only when the limiter would need more than its budget", () => {
    const plan = planNormalisation({ integrated: -30, threshold: -40, lra: 2, truePeak: -11.2 });
    assert.equal(plan.mode, "dynamic");
    assert.equal(plan.limitingDb, 6.3);
    assert.match(plan.filter, /^loudnorm=I=-16:LRA=11:TP=-1\.5,aformat=sample_rates=48000,alimiter=/);
    assert.match(plan.reason, /would need 6\.3 dB of limiting \(budget 4 dB\)/);
  });

  it("keeps a wide loudness range linear (EBU R128 practice): LRA alone never forces dynamic mode", () => {
    assert.equal(
      planNormalisation({ integrated: -24, threshold: -34, lra: 18, truePeak: -9 }).mode,
      "linear",
    );
  });

  it("applies no gain to silence, and rejects a measurement that is not a number", () => {
    const plan = planNormalisation({ integrated: -70, threshold: -80, lra: 0, truePeak: -Infinity });
    assert.equal(plan.mode, "linear");
    assert.equal(plan.gainDb, 0);
    assert.match(plan.reason, /no audio above the -70 LUFS gate/);
    assert.throws(
      () => planNormalisation({ integrated: NaN, threshold: -30, lra: 1, truePeak: -3 }),
      /measurement integrated must be a number/,
    );
  });

  it("linear mode always lands the gain on the target and stays within the limiter budget", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -69, max: 0, noNaN: true }),
        fc.double({ min: 0, max: 25, noNaN: true }),
        fc.double({ min: 0, max: 20, noNaN: true }),
        (integrated, crest, lra) => {
          const m = { integrated, threshold: integrated - 10, lra, truePeak: integrated + crest };
          const plan = planNormalisation(m);
          const needed = m.truePeak + (TARGET.integrated - integrated) - LIMITER_CEILING_DB;
          if (plan.mode === "linear") {
            assert.ok(Math.abs(integrated + plan.gainDb - TARGET.integrated) <= 0.01);
            assert.ok(plan.limitingDb <= MAX_LIMITING_DB);
            assert.ok(needed <= MAX_LIMITING_DB + 0.02);
          } else {
            assert.ok(needed > MAX_LIMITING_DB - 0.02);
          }
        },
      ),
    );
  });

  it("limits at a ceiling inside alimiter's range, with auto level off", () => {
    assert.equal(limiterFilter(-6), "alimiter=limit=0.501187:attack=5:release=50:level=false:latency=true");
    assert.throws(() => limiterFilter(-30), /between -24 and 0 dBFS/);
  });

  it("pass 1 writes a 48 kHz float intermediate while measuring; pass 2 writes AAC 192k at 48 kHz in MP4", () => {
    const one = measureArgs("in.mp3", "mid.wav");
    assert.equal(one[one.indexOf("-af") + 1], "afftdn,aresample=48000,ebur128=peak=true:framelog=verbose");
    assert.equal(one[one.indexOf("-c:a") + 1], "pcm_f32le");
    assert.equal(one.at(-1), "mid.wav");
    const two = normaliseArgs("mid.wav", "out.m4a", { filter: "volume=1dB" });
    assert.equal(two[two.indexOf("-i") + 1], "mid.wav");
    assert.equal(two[two.indexOf("-af") + 1], "volume=1dB");
    assert.equal(two[two.indexOf("-ar") + 1], "48000");
    assert.equal(two[two.indexOf("-c:a") + 1], "aac");
    assert.equal(two[two.indexOf("-b:a") + 1], "192k");
    assert.equal(two[two.indexOf("-f") + 1], "mp4");
    assert.equal(two.at(-1), "out.m4a");
  });

  it("reports ffmpeg's error lines, without level tags or temp paths", () => {
    const stderr =
      "[info] Input #0\n[wav @ 0x55d] [error] /tmp/tamma-abc/input.wav: Invalid data found when processing input\n";
    assert.equal(ffmpegFailure(stderr), "input.wav: Invalid data found when processing input");
  });
});

/**
 * Quality, measured with ffmpeg's own meter (ebur128, true peak on) on the encoded output: generated
 * speech-like and music-like programme at three loudness levels, through the worker's own two passes.
 */
describe("tamma worker loudness: quality on generated speech and music (real ffmpeg)", function () {
  this.timeout(180_000);
  let work: string;
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "tamma-loudness-spec-"));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  const cases: [Programme, number][] = [
    ["speech", -30],
    ["speech", -20],
    ["speech", -10],
    ["music", -30],
    ["music", -20],
    ["music", -10],
  ];
  for (const [kind, lufs] of cases) {
    it(`${kind}-like at ${lufs} LUFS: -16 ± 0.5 LUFS, true peak ≤ -1.5 dBTP, LRA kept within 1 LU, linear mode`, async () => {
      const input = path.join(work, `${kind}${lufs}.wav`);
      const before: Loudness = generateProgramme(input, kind, 15, lufs);
      const output = path.join(work, `${kind}${lufs}.m4a`);
      const { plan } = await normalise(input, output, work);
      const after = meter(output);
      const figures = `input ${JSON.stringify(before)}, output ${JSON.stringify(after)}, plan ${plan.reason}`;
      assert.equal(plan.mode, "linear", figures);
      assert.ok(Math.abs(after.integrated - -16) <= 0.5, figures);
      assert.ok(after.truePeak <= -1.5, figures);
      assert.ok(before.lra <= TARGET.lra, `the input's range is within the target's: ${figures}`);
      assert.ok(after.lra >= before.lra - 1, figures);
      const info = probe(output);
      assert.equal(info.codec, "aac");
      assert.ok(Math.abs(info.seconds - 15) < 0.1, `duration ${info.seconds}`);
      assert.ok(!fs.existsSync(path.join(work, "denoised.wav")), "no intermediate left");
      fs.rmSync(input);
      fs.rmSync(output);
    });
  }

  it("uses the dynamic fallback where a linear gain would need too much limiting, and still keeps the peak limit", async () => {
    const input = path.join(work, "drums.wav");
    // The same music with hits three times as loud: peaks about 6 dB further above the programme.
    const before = generateProgramme(input, "music", 15, -30, { hits: 3 });
    const output = path.join(work, "drums.m4a");
    const { plan } = await normalise(input, output, work);
    const after = meter(output);
    const figures = `input ${JSON.stringify(before)}, output ${JSON.stringify(after)}, plan ${plan.reason}`;
    assert.equal(plan.mode, "dynamic", figures);
    assert.ok(plan.limitingDb > MAX_LIMITING_DB, figures);
    assert.ok(after.truePeak <= -1.5, figures);
    assert.ok(after.integrated > before.integrated + 10, `loudness raised toward the target: ${figures}`);
    assert.ok(!fs.existsSync(path.join(work, "denoised.wav")), "no intermediate left");
  });
});
