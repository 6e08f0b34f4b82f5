/**
 * Two-pass loudness normalisation, the pure parts: what pass 1 runs and how its measurement is read, which mode
 * pass 2 uses, and what pass 2 runs. No I/O here (functions/tamma-worker/ffmpeg.ts spawns ffmpeg).
 *
 * Pass 1 decodes, denoises (afftdn) and resamples to 48 kHz once, writes that as a float WAV intermediate and
 * measures it on the way with `ebur128=peak=true` (integrated loudness, its gate threshold, loudness range, true
 * peak). Pass 2 reads the intermediate and applies ONE gain (target − measured integrated loudness) followed by a
 * peak guard (a look-ahead limiter whose ceiling sits below the true-peak target), then encodes AAC 192k.
 *
 * Why this shape (measured on 10 min of 48 kHz stereo, 2 cores, Debian ffmpeg 5.1; see docs/tamma.md):
 * - `ebur128=peak=true` measures in 3.1 s what `loudnorm=print_format=json` measures in 15.6 s (loudnorm always
 *   upsamples to 192 kHz, also in its linear mode, and it runs its dynamic processor while measuring).
 * - Writing the denoised intermediate costs less than running `afftdn` again in pass 2 (5.8 s).
 * - loudnorm's own linear mode has no limiter: it falls back to dynamic whenever measured peak + gain exceeds the
 *   peak target, i.e. for nearly every quiet recording. `volume` + `alimiter` keeps the gain linear and lets the
 *   limiter take off only the few peaks above the ceiling, at 48 kHz.
 */

/** The seed's targets (`loudnorm=I=-16:LRA=11:TP=-1.5`). */
export const TARGET = { integrated: -16, lra: 11, truePeak: -1.5 } as const;
export type Target = { integrated: number; lra: number; truePeak: number };

/**
 * The limiter's sample-peak ceiling (dBFS). It sits 2 dB under the −1.5 dBTP target: a sample-peak limiter
 * does not see inter-sample peaks, and the AAC encoder adds overshoot of its own; the quality tests measure the
 * encoded output's true peak with ebur128 on speech-like and music-like inputs.
 */
export const LIMITER_CEILING_DB = -3.5;

/**
 * The most gain reduction (dB, on the loudest peak) the limiter is trusted with before the dynamic mode is used
 * instead. Measured on the music-like test input (a chord with a percussive hit every half second): 3.8 dB of
 * limiting left the output 0.3–0.4 LU under target, 5.7 dB left it 1.5 LU under (outside the ±0.5 LU
 * tolerance); beyond this budget the limiter would be heard and would pull the integrated loudness down.
 */
export const MAX_LIMITING_DB = 4;

/** Input gated below this (EBU R128's absolute gate) holds no programme: no gain is applied. */
const ABSOLUTE_GATE_LUFS = -70;

/** What pass 1 measured on the denoised 48 kHz signal. */
export interface Measurement {
  /** Integrated loudness, LUFS (−70 when nothing passed the gate). */
  integrated: number;
  /** Relative gate threshold of the integrated measurement, LUFS. */
  threshold: number;
  /** Loudness range, LU. */
  lra: number;
  /** Highest true peak over all channels, dBTP (−Infinity for digital silence). */
  truePeak: number;
}

export type LoudnessMode = "linear" | "dynamic";

export interface NormalisationPlan {
  mode: LoudnessMode;
  /** The one gain of the linear mode, dB (0 in dynamic mode: loudnorm decides its own gain). */
  gainDb: number;
  /** Where the loudest true peak would land after the gain, dBTP. */
  predictedPeakDb: number;
  /** How far the limiter has to pull the loudest peak down, dB (0 when no peak reaches the ceiling). */
  limitingDb: number;
  /** Why this mode, one line. */
  reason: string;
  /** The pass-2 filter chain. */
  filter: string;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function dbToLinear(db: number): number {
  return Math.pow(10, db / 20);
}

/** The true-peak guard both modes end with: a look-ahead limiter at the ceiling, delay compensated, no auto level. */
export function limiterFilter(ceilingDb: number = LIMITER_CEILING_DB): string {
  const limit = dbToLinear(ceilingDb);
  if (!(limit >= 0.0625 && limit <= 1)) {
    throw new Error(`limiter ceiling must be between -24 and 0 dBFS, got ${ceilingDb}`);
  }
  return `alimiter=limit=${limit.toFixed(6)}:attack=5:release=50:level=false:latency=true`;
}

/** The pass-1 filter chain: denoise, resample to 48 kHz, measure (per-frame log only at verbose level). */
export const MEASURE_FILTER = "afftdn,aresample=48000,ebur128=peak=true:framelog=verbose";

/**
 * Pass 1: denoise once, write the 48 kHz float intermediate (RF64 beyond 4 GiB) and measure it. Log level info
 * with level tags, because ebur128 prints its summary at info; error lines are told apart by `[error]`.
 */
export function measureArgs(input: string, intermediate: string): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-nostats",
    "-loglevel",
    "repeat+level+info",
    "-y",
    "-i",
    input,
    "-vn",
    "-sn",
    "-dn",
    "-af",
    MEASURE_FILTER,
    "-c:a",
    "pcm_f32le",
    "-f",
    "wav",
    "-rf64",
    "auto",
    intermediate,
  ];
}

/** Pass 2: the plan's filter on the intermediate, AAC 192k at 48 kHz in MP4 (.m4a), as the worker always wrote. */
export function normaliseArgs(
  intermediate: string,
  output: string,
  plan: Pick<NormalisationPlan, "filter">,
): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-nostats",
    "-loglevel",
    "repeat+level+error",
    "-y",
    "-i",
    intermediate,
    "-af",
    plan.filter,
    "-ar",
    "48000",
    "-c:a",
    "aac",
    "-b:a",
    "192k",
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
    output,
  ];
}

function parseLevel(text: string | undefined, what: string): number {
  if (text === undefined) throw new Error(`ebur128 summary has no ${what}`);
  if (text === "-inf") return -Infinity;
  const n = Number(text);
  if (!Number.isFinite(n))
    throw new Error(`ebur128 summary has an unreadable ${what}: ${JSON.stringify(text)}`);
  return n;
}

/**
 * Reads the last `Summary:` block that `ebur128=peak=true` prints when it closes:
 * `I: -26.3 LUFS`, `Threshold: -37.1 LUFS`, `LRA: 3.1 LU`, and under `True peak:` `Peak: -13.0 dBFS`.
 */
export function parseEbur128Summary(stderr: string): Measurement {
  const at = stderr.lastIndexOf("Summary:");
  if (at < 0) throw new Error("ffmpeg's measuring pass printed no ebur128 summary");
  const summary = stderr.slice(at);
  const integrated =
    /Integrated loudness:\s+I:\s+(-?[\d.]+|-inf) LUFS\s+Threshold:\s+(-?[\d.]+|-inf) LUFS/.exec(summary);
  const lra = /Loudness range:\s+LRA:\s+(-?[\d.]+) LU/.exec(summary);
  const peak = /True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS/.exec(summary);
  return {
    integrated: parseLevel(integrated?.[1], "integrated loudness (I)"),
    threshold: parseLevel(integrated?.[2], "integrated threshold"),
    lra: parseLevel(lra?.[1], "loudness range (LRA)"),
    truePeak: parseLevel(peak?.[1], "true peak (Peak, with peak=true)"),
  };
}

/** The seed's dynamic loudnorm, used only when linear gain plus limiter cannot meet the target. */
export function dynamicFilter(target: Target = TARGET, ceilingDb: number = LIMITER_CEILING_DB): string {
  return `loudnorm=I=${target.integrated}:LRA=${target.lra}:TP=${target.truePeak},aformat=sample_rates=48000,${limiterFilter(ceilingDb)}`;
}

/**
 * Chooses pass 2. Linear (volume + limiter) whenever the limiter has at most MAX_LIMITING_DB to take off the
 * loudest peak; dynamic (the seed's loudnorm, then the same guard) only when more would be needed, i.e. where a
 * linear gain cannot reach the target without breaking the peak limit. The input's loudness range is kept as it
 * is in linear mode (EBU R128 practice for finished programmes); only the dynamic fallback narrows it to the LRA
 * target.
 */
export function planNormalisation(
  m: Measurement,
  opts: { target?: Target; ceilingDb?: number; maxLimitingDb?: number } = {},
): NormalisationPlan {
  const target = opts.target ?? TARGET;
  const ceilingDb = opts.ceilingDb ?? LIMITER_CEILING_DB;
  const maxLimitingDb = opts.maxLimitingDb ?? MAX_LIMITING_DB;
  for (const [field, value] of Object.entries(m) as [keyof Measurement, number][]) {
    if (Number.isNaN(value) || (field !== "truePeak" && !Number.isFinite(value))) {
      throw new Error(`measurement ${field} must be a number, got ${value}`);
    }
  }
  if (m.integrated <= ABSOLUTE_GATE_LUFS || m.truePeak === -Infinity) {
    return {
      mode: "linear",
      gainDb: 0,
      predictedPeakDb: round2(m.truePeak),
      limitingDb: 0,
      reason: `no audio above the ${ABSOLUTE_GATE_LUFS} LUFS gate: no gain applied`,
      filter: limiterFilter(ceilingDb),
    };
  }
  const gainDb = round2(target.integrated - m.integrated);
  const predictedPeakDb = round2(m.truePeak + gainDb);
  const limitingDb = round2(Math.max(0, predictedPeakDb - ceilingDb));
  if (limitingDb <= maxLimitingDb) {
    return {
      mode: "linear",
      gainDb,
      predictedPeakDb,
      limitingDb,
      reason:
        limitingDb === 0
          ? `gain ${gainDb} dB keeps every peak under the ${ceilingDb} dBFS ceiling`
          : `gain ${gainDb} dB; the limiter takes at most ${limitingDb} dB off peaks (budget ${maxLimitingDb} dB)`,
      filter: `volume=${gainDb.toFixed(2)}dB:precision=float,${limiterFilter(ceilingDb)}`,
    };
  }
  return {
    mode: "dynamic",
    gainDb: 0,
    predictedPeakDb,
    limitingDb,
    reason: `a linear gain of ${gainDb} dB would need ${limitingDb} dB of limiting (budget ${maxLimitingDb} dB)`,
    filter: dynamicFilter(target, ceilingDb),
  };
}
