/**
 * The agent container's settings, read once from the environment and checked with zod.
 *
 * Every variable has a default except `ARTIFACT_BUCKET` and `MODEL_ID`. A bad value stops the process at
 * start-up with one line per problem naming the variable and the rule (never its value: the environment
 * may hold things that must not reach a log).
 */
import { z } from "zod";

const int = (min: number, max: number, dflt: number) => {
  const rule = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error: rule }).int(rule).min(min, rule).max(max, rule).default(dflt);
};

const fraction = (dflt?: number) => {
  const rule = "must be a number from 0 to 1";
  const n = z.coerce.number({ error: rule }).min(0, rule).max(1, rule);
  return dflt === undefined ? n.optional() : n.default(dflt);
};

const bool = (dflt: boolean) =>
  z
    .enum(["true", "false", "1", "0"], { message: 'must be "true" or "false"' })
    .default(dflt ? "true" : "false")
    .transform((v) => v === "true" || v === "1");

export const settingsSchema = z.object({
  /** Port the HTTP server listens on (AgentCore's HTTP protocol uses 8080). */
  PORT: int(0, 65535, 8080),
  /** Address to bind: 0.0.0.0 in the container, 127.0.0.1 in tests and local runs. */
  HOST: z.string().min(1).default("0.0.0.0"),
  /** Bucket that receives results over the inline limit, under `artifacts/`. */
  ARTIFACT_BUCKET: z
    .string({ message: "is required (the artifacts bucket name)" })
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name"),
  /** Bedrock model id, inference profile id or ARN used with Converse. */
  MODEL_ID: z
    .string({ message: "is required (a Bedrock model or inference profile id)" })
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9.:/_-]{2,2047}$/,
      "must be a Bedrock model id, inference profile id or ARN",
    ),
  MODEL_MAX_TOKENS: int(1, 200_000, 4096),
  MODEL_TEMPERATURE: fraction(0.2),
  MODEL_TOP_P: fraction(),
  /** Milliseconds one Converse attempt may take before it is abandoned. */
  MODEL_TIMEOUT_MS: int(1000, 900_000, 120_000),
  /** Extra Converse turns spent asking the model to fix JSON that failed its schema. */
  MODEL_JSON_REPAIRS: int(0, 3, 1),
  /** Characters of input (research data, analysis) a prompt may carry. */
  MODEL_MAX_INPUT_CHARS: int(1000, 2_000_000, 600_000),
  /** Converse attempts per model call when Bedrock throttles or is briefly unavailable. */
  BEDROCK_MAX_ATTEMPTS: int(1, 10, 5),
  BEDROCK_BASE_DELAY_MS: int(1, 60_000, 500),
  /** Callback POST attempts on 5xx, 429 and network errors (4xx other than 429 is never retried). */
  CALLBACK_MAX_ATTEMPTS: int(1, 10, 5),
  CALLBACK_BASE_DELAY_MS: int(1, 60_000, 1000),
  CALLBACK_TIMEOUT_MS: int(100, 120_000, 10_000),
  /** Comma-separated URL prefixes a callback_url must start with; empty allows any http(s) URL. */
  CALLBACK_URL_PREFIXES: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  /** Results whose JSON is larger than this many bytes go to S3 and are sent as a reference. */
  INLINE_RESULT_LIMIT_BYTES: int(1024, 6_000_000, 200_000),
  /** Largest S3 reference an agent will read as input. */
  MAX_REFERENCE_BYTES: int(1024, 100_000_000, 20_000_000),
  /** Largest request body accepted on /invocations. */
  MAX_BODY_BYTES: int(1024, 100_000_000, 10_000_000),
  /** Tasks one container runs at once; more are refused with 503 and Retry-After. */
  MAX_CONCURRENT_TASKS: int(1, 64, 4),
  S3_FORCE_PATH_STYLE: bool(false),
  /** Region for the AWS clients when AWS_REGION is not set by the platform. */
  AGENT_REGION: z.string().optional(),
  LOG_LEVEL: z
    .enum(["DEBUG", "INFO", "WARN", "ERROR"], { message: "must be DEBUG, INFO, WARN or ERROR" })
    .default("INFO"),
});

export type Settings = z.infer<typeof settingsSchema>;

/** Thrown at start-up when the environment is wrong; the message lists every bad variable. */
export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`agent settings: ${problems.join("; ")}`);
    this.name = "SettingsError";
  }
}

/** Reads the settings from an environment (empty strings count as unset). */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(settingsSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") raw[key] = value;
  }
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SettingsError(parsed.error.issues.map((i) => `${i.path.join(".") || "(env)"} ${i.message}`));
  }
  return parsed.data;
}
