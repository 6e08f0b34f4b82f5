/**
 * E2E Networks FaaS: the pure half of the provider. Input validation (the rules `check` enforces), request
 * bodies, the response envelope, status classification, diffing and the connection lookup. No I/O here,
 * so every rule has a unit test (test/e2e-faas/api.spec.ts).
 *
 * Wire contract (from E2E's own CLI, `e2e_cli/faas`): every call goes to
 * `<baseUrl>faas/...?apikey=…&project_id=…&location=…` with `Authorization: Bearer <token>`, and every answer
 * is `{code, data, errors, message}`: a call fails when the HTTP status is not 2xx OR `code >= 400`.
 * Functions are addressed by name. This module is serialized into `__provider`, so it holds no state.
 */
import { createHash } from "crypto";

// ---------------------------------------------------------------------------------------------------------
// Inputs and outputs
// ---------------------------------------------------------------------------------------------------------

export type Hardware = "cpu" | "gpu";

/** `config` of a function. */
export interface FunctionConfig {
  /** Memory in MB: 128, 256, 512 or 1024. Default 512 (the CLI's default). */
  memoryMb?: number;
  /** Execution timeout in seconds, 1..600. Default 15 (the CLI's default). */
  timeoutSeconds?: number;
  /** Not settable through the API (no field exists); setting it fails `check`. */
  replicas?: number;
  /** `cpu` or `gpu`; must equal the runtime's `node_type`. Default `cpu`. Changing it replaces the function. */
  hardware?: Hardware;
}

/** Durations such as `"10m"`, `"90s"`, `"1h"` or `"250ms"`. */
export interface FunctionTimeouts {
  /** Longest wait for a new function to be running. Default `10m`. */
  create?: string;
  /** Longest wait for a redeployed function to be running. Default `10m`. */
  update?: string;
  /** Longest wait for a deleted function to be gone. Default `5m`. */
  delete?: string;
  /** First wait between two status polls. Default `1s`; each wait is 1.5 times the previous one. */
  pollInterval?: string;
  /** Longest wait between two status polls. Default `10s`. */
  pollMaxInterval?: string;
}

/** The provider's inputs (the resource's args, unwrapped). */
export interface FaasFunctionInputs {
  name: string;
  runtime: string;
  codeInline?: string;
  codePath?: string;
  /** The content of `codePath`, read by the program (FaasFunction does it). */
  codeFile?: string;
  requirements?: string;
  config?: FunctionConfig;
  environment?: Record<string, string>;
  secrets?: string[];
  existingId?: string;
  timeouts?: FunctionTimeouts;
}

/** Inputs after `check`: defaults filled, lists sorted, the code's hash computed. */
export interface CheckedInputs extends FaasFunctionInputs {
  requirements: string;
  config: { memoryMb: number; timeoutSeconds: number; hardware: Hardware };
  environment: Record<string, string>;
  secrets: string[];
  /** sha256 of the code that is sent (inline or the file's content): it alone decides code updates. */
  codeHash: string;
}

export interface FaasFunctionOutputs extends CheckedInputs {
  /** Invoke URL, as the API reports it. */
  url: string;
  /** Last status seen, lower-cased (`running`, `failed`, ...). */
  status: string;
  /** Project and location the function lives in (recorded at create; read, update and delete use them). */
  projectId: string;
  location: string;
}

export const INPUT_KEYS = [
  "name",
  "runtime",
  "codeInline",
  "codePath",
  "codeFile",
  "requirements",
  "config",
  "environment",
  "secrets",
  "existingId",
  "timeouts",
  "codeHash",
] as const;

/** Outputs the resource seeds as `undefined` inputs (so they are recorded). */
export const OUTPUT_KEYS = ["url", "status", "projectId", "location"] as const;

// ---------------------------------------------------------------------------------------------------------
// Validation (check)
// ---------------------------------------------------------------------------------------------------------

export const MEMORY_MB = [128, 256, 512, 1024] as const;
export const DEFAULTS = { memoryMb: 512, timeoutSeconds: 15, hardware: "cpu" as Hardware };
export const DEFAULT_TIMEOUTS = {
  create: 10 * 60_000,
  update: 10 * 60_000,
  delete: 5 * 60_000,
  pollInterval: 1_000,
  pollMaxInterval: 10_000,
};

/** E2E's documented name rule (stricter than the CLI's): 1-40 characters, starts with a letter. */
export const NAME_RULE = /^[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
export const NAME_RULE_TEXT =
  "1-40 lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit";
export const RUNTIME_RULE = /^[a-z0-9][a-z0-9._-]{0,62}$/;
/** E2E's env rule: letters, digits and `_`, starts with a letter or `_`, at most 50 characters. */
export const ENV_KEY_RULE = /^[A-Za-z_][A-Za-z0-9_]{0,49}$/;
export const RESERVED_ENV = ["PORT"];
/** Secrets are OpenFaaS (Kubernetes) secrets, referenced by name: a DNS-1123 subdomain. */
export const SECRET_NAME_RULE = /^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/;

/**
 * The hardware each known runtime runs on (the `node_type` of `GET faas/runtimes/`; runtime ids from E2E's
 * CLI). `check` refuses a mismatch before any request; a runtime not listed here is checked against the
 * live runtimes lookup before anything is deleted or created. test/e2e-faas/api.spec.ts keeps this table in
 * sync with the emulator's runtimes.
 */
export const RUNTIME_HARDWARE: Record<string, Hardware> = {
  "python3-http-debian": "cpu",
  node18: "cpu",
  "dotnet8-csharp": "cpu",
  "csharp-httprequest": "cpu",
  ruby: "cpu",
  "python3-http-cuda": "gpu",
};

/** The value the engine sends for inputs not yet known during a preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const isUnknown = (v: unknown) => v === UNKNOWN;

export interface CheckFailure {
  property: string;
  reason: string;
}

/** Parses `"10m"`, `"90s"`, `"1h"`, `"250ms"` to milliseconds; undefined when malformed. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
  return Math.round(Number(m[1]) * factor);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The code that is sent: inline code or the file's content. */
export function codeOf(inputs: FaasFunctionInputs): string | undefined {
  return inputs.codeInline !== undefined ? inputs.codeInline : inputs.codeFile;
}

/**
 * Validates inputs before any request and fills defaults. Every failure names the property and the rule;
 * none quotes an environment value (they may be sensitive).
 */
export function checkInputs(news: FaasFunctionInputs): { inputs?: CheckedInputs; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });

  if (!isUnknown(news.name) && (typeof news.name !== "string" || !NAME_RULE.test(news.name)))
    fail("name", `${JSON.stringify(news.name ?? null)} is not a valid function name: ${NAME_RULE_TEXT}`);
  if (!isUnknown(news.runtime) && (typeof news.runtime !== "string" || !RUNTIME_RULE.test(news.runtime)))
    fail(
      "runtime",
      `${JSON.stringify(news.runtime ?? null)} is not a runtime id such as "python3-http-debian" or "node18" (see getRuntimes)`,
    );

  const hasInline = news.codeInline !== undefined && news.codeInline !== null;
  const hasPath = news.codePath !== undefined && news.codePath !== null;
  if (hasInline === hasPath) {
    fail(
      hasInline ? "codePath" : "codeInline",
      hasInline
        ? "set exactly one of codeInline or codePath, not both"
        : "set exactly one of codeInline (the handler source) or codePath (a file with it)",
    );
  } else if (isUnknown(news.codeInline) || isUnknown(news.codePath) || isUnknown(news.codeFile)) {
    // Known only at deploy time: checked then.
  } else if (hasInline && (typeof news.codeInline !== "string" || !news.codeInline.trim())) {
    fail("codeInline", "must be the non-empty handler source");
  } else if (hasPath) {
    if (typeof news.codePath !== "string" || !news.codePath.trim()) fail("codePath", "must be a file path");
    else if (typeof news.codeFile !== "string")
      fail(
        "codePath",
        `the file's content was not read by the program (FaasFunction reads ${news.codePath})`,
      );
    else if (!news.codeFile.trim()) fail("codePath", `${news.codePath} is empty`);
  }
  if (news.requirements !== undefined && typeof news.requirements !== "string")
    fail("requirements", "must be the text of the requirements file");

  const cfg = news.config ?? {};
  if (!isObject(cfg)) fail("config", "must be an object { memoryMb, timeoutSeconds, hardware }");
  const memoryMb = cfg.memoryMb ?? DEFAULTS.memoryMb;
  if (!isUnknown(memoryMb) && !(MEMORY_MB as readonly number[]).includes(memoryMb as number))
    fail(
      "config.memoryMb",
      `${JSON.stringify(memoryMb)} is not allowed: one of ${MEMORY_MB.join(", ")} (MB)`,
    );
  const timeoutSeconds = (cfg.timeoutSeconds ?? DEFAULTS.timeoutSeconds) as number;
  if (
    !isUnknown(timeoutSeconds) &&
    (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 600)
  )
    fail(
      "config.timeoutSeconds",
      `${JSON.stringify(timeoutSeconds)} is not a whole number of seconds from 1 to 600`,
    );
  const hardware = cfg.hardware ?? DEFAULTS.hardware;
  if (!isUnknown(hardware) && hardware !== "cpu" && hardware !== "gpu")
    fail("config.hardware", `${JSON.stringify(hardware)} is not "cpu" or "gpu"`);
  else if (!isUnknown(hardware) && typeof news.runtime === "string") {
    const expected = RUNTIME_HARDWARE[news.runtime];
    if (expected && expected !== hardware)
      fail(
        "config.hardware",
        `"${hardware}" does not match runtime ${news.runtime}, which runs on ${expected}: set config.hardware to "${expected}" or pick a ${hardware} runtime (see getRuntimes)`,
      );
  }
  if (cfg.replicas !== undefined && cfg.replicas !== null)
    fail(
      "config.replicas",
      "cannot be set: the E2E FaaS API has no replicas field (scaling and dedicated replicas are set in the MyAccount UI); remove it",
    );
  for (const k of Object.keys(isObject(cfg) ? cfg : {}))
    if (!["memoryMb", "timeoutSeconds", "replicas", "hardware"].includes(k))
      fail(`config.${k}`, "is not a setting of a function (memoryMb, timeoutSeconds, hardware)");

  const environment = news.environment ?? {};
  if (isUnknown(environment)) {
    // checked at deploy time
  } else if (!isObject(environment)) fail("environment", "must be a map of variable names to string values");
  else
    for (const [k, v] of Object.entries(environment)) {
      if (RESERVED_ENV.includes(k))
        fail(`environment.${k}`, `${k} is reserved by the platform (the function's port); use another name`);
      else if (!ENV_KEY_RULE.test(k))
        fail(
          `environment.${k}`,
          "is not a valid variable name: letters, digits and _, starting with a letter or _, at most 50 characters",
        );
      if (typeof v !== "string") fail(`environment.${k}`, "the value must be a string");
      else if (isUnknown(v)) continue;
    }

  const secrets = news.secrets ?? [];
  if (isUnknown(secrets)) {
    // checked at deploy time
  } else if (!Array.isArray(secrets)) fail("secrets", "must be a list of secret names");
  else {
    secrets.forEach((s, i) => {
      if (!isUnknown(s) && (typeof s !== "string" || !SECRET_NAME_RULE.test(s)))
        fail(
          `secrets[${i}]`,
          `${JSON.stringify(s)} is not a secret name: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit`,
        );
    });
    if (new Set(secrets).size !== secrets.length) fail("secrets", "lists a secret more than once");
  }

  if (news.existingId !== undefined && news.existingId !== news.name)
    fail(
      "existingId",
      `${JSON.stringify(news.existingId)} must equal name (${JSON.stringify(news.name)}): E2E addresses functions by name`,
    );

  const timeouts = news.timeouts ?? {};
  if (!isObject(timeouts)) fail("timeouts", "must be an object { create, update, delete }");
  else
    for (const [k, v] of Object.entries(timeouts)) {
      if (!(k in DEFAULT_TIMEOUTS))
        fail(`timeouts.${k}`, `is not one of ${Object.keys(DEFAULT_TIMEOUTS).join(", ")}`);
      else if (v !== undefined && !(parseDuration(v)! > 0))
        fail(`timeouts.${k}`, `${JSON.stringify(v)} is not a duration such as "10m", "90s" or "500ms"`);
    }

  const known = new Set<string>([...INPUT_KEYS, ...OUTPUT_KEYS, "__provider"]);
  for (const k of Object.keys(news))
    if (!known.has(k))
      fail(
        k,
        "is not a setting of an E2E function (the API takes name, runtime, code, requirements, memory, timeout, hardware, environment and secrets)",
      );

  if (failures.length > 0) return { failures };
  const code = isUnknown(news.codeFile) || isUnknown(news.codeInline) ? UNKNOWN : codeOf(news)!;
  const inputs: CheckedInputs = {
    ...news,
    requirements: news.requirements ?? "",
    config: {
      memoryMb: memoryMb as number,
      timeoutSeconds: timeoutSeconds as number,
      hardware: hardware as Hardware,
    },
    environment: isObject(environment) ? { ...(environment as Record<string, string>) } : environment,
    secrets: Array.isArray(secrets) ? [...secrets].sort() : secrets,
    codeHash: isUnknown(code) ? UNKNOWN : sha256(code),
  };
  return { inputs, failures };
}

/** A wait for messages: `250 ms`, `90 s`, `10 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000 || ms % 60_000 !== 0) return `${Math.round(ms / 100) / 10} s`;
  return `${ms / 60_000} min`;
}

/** The waits of one operation, in ms. */
export function timeoutsOf(inputs: Pick<FaasFunctionInputs, "timeouts">) {
  const t = inputs.timeouts ?? {};
  const get = (k: keyof typeof DEFAULT_TIMEOUTS) => parseDuration(t[k]) ?? DEFAULT_TIMEOUTS[k];
  return {
    create: get("create"),
    update: get("update"),
    delete: get("delete"),
    pollInterval: get("pollInterval"),
    pollMaxInterval: get("pollMaxInterval"),
  };
}

/** Each wait between two status polls is this many times the previous one, up to `pollMaxInterval`. */
export const POLL_BACKOFF = 1.5;

export function nextPollDelay(previous: number, pollMaxInterval: number): number {
  return Math.min(pollMaxInterval, previous * POLL_BACKOFF);
}

/** How many polls find a function that is running `readyAfterMs` after the request (no time limit). */
export function pollsUntil(readyAfterMs: number, pollInterval: number, pollMaxInterval: number): number {
  let t = 0;
  let delay = pollInterval;
  for (let polls = 1; ; polls++) {
    t += delay;
    if (t >= readyAfterMs) return polls;
    delay = nextPollDelay(delay, pollMaxInterval);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Diff
// ---------------------------------------------------------------------------------------------------------

export interface FunctionDiff {
  /** Properties whose change replaces the function. */
  replaces: string[];
  /** Properties that changed and are sent to the update endpoint. */
  apiChanges: string[];
  /** Properties that changed but only matter to Pulumi (timeouts, existingId, how the code is given). */
  localChanges: string[];
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, val) =>
    isObject(val)
      ? Object.fromEntries(
          Object.keys(val)
            .sort()
            .map((k) => [k, val[k]]),
        )
      : val,
  ) ?? "undefined";

/** Compares old outputs (state) to new checked inputs. `__provider` never counts. */
export function diffFunction(olds: Partial<CheckedInputs>, news: CheckedInputs): FunctionDiff {
  const replaces: string[] = [];
  const apiChanges: string[] = [];
  const localChanges: string[] = [];
  if (olds.name !== news.name) replaces.push("name");
  if (olds.runtime !== news.runtime) replaces.push("runtime");
  const oldCfg = olds.config ?? ({} as Partial<CheckedInputs["config"]>);
  if ((oldCfg.hardware ?? DEFAULTS.hardware) !== news.config.hardware) replaces.push("config");

  const oldHash =
    olds.codeHash ??
    (codeOf(olds as FaasFunctionInputs) !== undefined
      ? sha256(codeOf(olds as FaasFunctionInputs)!)
      : undefined);
  if (oldHash !== news.codeHash) apiChanges.push("code");
  if ((olds.requirements ?? "") !== news.requirements) apiChanges.push("requirements");
  if ((oldCfg.memoryMb ?? DEFAULTS.memoryMb) !== news.config.memoryMb) apiChanges.push("config.memoryMb");
  if ((oldCfg.timeoutSeconds ?? DEFAULTS.timeoutSeconds) !== news.config.timeoutSeconds)
    apiChanges.push("config.timeoutSeconds");
  if (canonical(olds.environment ?? {}) !== canonical(news.environment)) apiChanges.push("environment");
  if (canonical([...(olds.secrets ?? [])].sort()) !== canonical(news.secrets)) apiChanges.push("secrets");

  for (const k of ["codeInline", "codePath", "existingId", "timeouts"] as const)
    if (canonical(olds[k]) !== canonical(news[k])) localChanges.push(k);
  return { replaces, apiChanges, localChanges };
}

// ---------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------

/** Paths below the MyAccount API root (`…/myaccount/api/v1/`), exactly as the E2E CLI calls them. */
export const PATHS = {
  runtimes: "faas/runtimes/",
  functions: "faas/functions/",
  function: (name: string) => `faas/function/${encodeURIComponent(name)}/`,
  handlerFile: (name: string) => `faas/handler_file/${encodeURIComponent(name)}/`,
};

/** POST faas/functions/ body, with the CLI's field names. */
export function createBody(inputs: CheckedInputs) {
  return {
    function: inputs.name,
    runtime: inputs.runtime,
    arguments: {},
    code: codeOf(inputs)!,
    memory: inputs.config.memoryMb,
    timeout: inputs.config.timeoutSeconds,
    params: {},
    requirements: inputs.requirements,
    environment_variables: inputs.environment,
    secrets: inputs.secrets,
    node_type: inputs.config.hardware,
  };
}

/** PUT faas/handler_file/{name}/ body: everything the API lets change (no runtime, no node_type). */
export function updateBody(inputs: CheckedInputs) {
  return {
    code: codeOf(inputs)!,
    params: {},
    requirements: inputs.requirements,
    environment_variables: inputs.environment,
    secrets: inputs.secrets,
    memory: inputs.config.memoryMb,
    timeout: inputs.config.timeoutSeconds,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------------------

/** The MyAccount envelope. `errors` may be `{}`, `[]` or a map of messages. */
export interface Envelope<T = unknown> {
  code: number;
  data: T;
  errors?: unknown;
  message?: string;
}

/** For the HTTP client: the envelope's `code`, so HTTP 200 with `code: 400` fails as 400. */
export function envelopeStatus(body: unknown): number | undefined {
  return isObject(body) && typeof body.code === "number" ? body.code : undefined;
}

/** Checks a 2xx answer has the envelope shape (e2ectl rejects any other) and returns it. */
export function readEnvelope<T>(body: unknown, what: string): Envelope<T> {
  if (!isObject(body) || typeof body.code !== "number" || !("data" in body))
    throw new Error(`E2E ${what}: the API answered without its {code, data, errors, message} envelope`);
  return body as unknown as Envelope<T>;
}

export type Phase = "running" | "failed" | "pending";

/** Case-insensitive; anything neither running nor failed (creating, deploying, unknown values) is pending. */
export function classifyStatus(status: unknown): Phase {
  const s = typeof status === "string" ? status.trim().toLowerCase() : "";
  if (s === "running" || s === "ready" || s === "active") return "running";
  if (s === "failed" || s === "error") return "failed";
  return "pending";
}

/** The API's reason for a failed deployment, from whichever field it uses. */
export function failureReason(data: Record<string, unknown>, envelopeMessage?: string): string {
  for (const k of ["error_message", "reason", "status_message", "message", "error"]) {
    const v = data[k];
    if (typeof v === "string" && v.trim()) return v.trim();
  }
  return envelopeMessage && envelopeMessage.trim() ? envelopeMessage.trim() : "no reason given by the API";
}

/** A function object as `GET faas/function/{name}/` returns it (fields beyond status/url are optional). */
export interface LiveFunction {
  name?: string;
  runtime?: string;
  status?: string;
  url?: string;
  memory?: number | string;
  timeout?: number | string;
  node_type?: string;
  environment_variables?: Record<string, string>;
  secrets?: string[];
  [k: string]: unknown;
}

/** Live values over recorded outputs, for read (refresh). Fields the API leaves out keep their old value. */
export function mergeLive(props: FaasFunctionOutputs, live: LiveFunction): FaasFunctionOutputs {
  const num = (v: unknown, fallback: number) =>
    v !== undefined && v !== null && v !== "" && Number.isFinite(Number(v)) ? Number(v) : fallback;
  const hw = live.node_type === "cpu" || live.node_type === "gpu" ? live.node_type : props.config?.hardware;
  return {
    ...props,
    runtime: typeof live.runtime === "string" && live.runtime ? live.runtime : props.runtime,
    url: typeof live.url === "string" ? live.url : props.url,
    status: typeof live.status === "string" ? live.status.toLowerCase() : props.status,
    config: {
      memoryMb: num(live.memory, props.config?.memoryMb ?? DEFAULTS.memoryMb),
      timeoutSeconds: num(live.timeout, props.config?.timeoutSeconds ?? DEFAULTS.timeoutSeconds),
      hardware: hw ?? DEFAULTS.hardware,
    },
    environment: isObject(live.environment_variables)
      ? (live.environment_variables as Record<string, string>)
      : props.environment,
    secrets: Array.isArray(live.secrets) ? [...live.secrets].sort() : props.secrets,
  };
}

/** The inputs part of a set of outputs (read returns them so the next diff is accurate). */
export function inputsOf(props: Record<string, unknown>): FaasFunctionInputs {
  const out: Record<string, unknown> = {};
  for (const k of INPUT_KEYS) if (props[k] !== undefined) out[k] = props[k];
  return out as unknown as FaasFunctionInputs;
}

// ---------------------------------------------------------------------------------------------------------
// Runtimes
// ---------------------------------------------------------------------------------------------------------

/** One runtime, as `getRuntimes` returns it. */
export interface Runtime {
  /** Runtime id to use as `runtime`, e.g. `python3-http-debian`. */
  id: string;
  /** `cpu` or `gpu` (the API's `node_type`). */
  hardware: string;
  /** Name of the handler file for this runtime's language, e.g. `handler.py`. */
  handlerFile: string;
  /** Name of the requirements file (the API's `label`), e.g. `requirements.txt`. */
  requirementsFile: string;
  /** Starter handler source (the API's `boiler_code`). */
  template: string;
  /** Starter requirements (the API's `requirements_code`). */
  requirementsTemplate: string;
}

/** Handler file per language, as the CLI names them. */
export function handlerFileFor(runtimeId: string): string {
  if (runtimeId.startsWith("python")) return "handler.py";
  if (runtimeId.startsWith("node")) return "handler.js";
  if (runtimeId.startsWith("dotnet") || runtimeId.startsWith("csharp")) return "Handler.cs";
  if (runtimeId.startsWith("ruby")) return "handler.rb";
  return "handler";
}

/** Maps the API's runtime list; keeps those on `hardware` when given. */
export function mapRuntimes(data: unknown, hardware?: string): Runtime[] {
  if (!Array.isArray(data)) return [];
  return data
    .filter((r): r is Record<string, unknown> => isObject(r) && typeof r.runtime === "string")
    .map((r) => ({
      id: r.runtime as string,
      hardware: typeof r.node_type === "string" ? r.node_type.toLowerCase() : "cpu",
      handlerFile: handlerFileFor(r.runtime as string),
      requirementsFile: typeof r.label === "string" ? r.label : "",
      template: typeof r.boiler_code === "string" ? r.boiler_code : "",
      requirementsTemplate: typeof r.requirements_code === "string" ? r.requirements_code : "",
    }))
    .filter((r) => !hardware || r.hardware === hardware);
}

/** Checks the runtime exists and runs on the declared hardware; a failure message, or undefined. */
export function runtimeProblem(runtimes: Runtime[], runtime: string, hardware: Hardware): string | undefined {
  const found = runtimes.find((r) => r.id === runtime);
  if (!found)
    return `runtime ${JSON.stringify(runtime)} is not offered by the API (available: ${runtimes.map((r) => r.id).join(", ") || "none"})`;
  if (found.hardware !== hardware)
    return `config.hardware ${JSON.stringify(hardware)} does not match runtime ${runtime}, which runs on ${found.hardware}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Connection
// ---------------------------------------------------------------------------------------------------------

export const DEFAULT_BASE_URL = "https://api.e2enetworks.com/myaccount/api/v1/";
export const DEFAULT_LOCATION = "Delhi";

export interface Connection {
  apiKey: string;
  authToken: string;
  projectId: string;
  location: string;
  baseUrl: string;
}

/** Raw stack config as `configure` sees it (`e2e:<key>` → string). */
export type RawConfig = Partial<
  Record<"apiKey" | "authToken" | "projectId" | "location" | "baseUrl", string>
>;

/** The environment variables read for each setting, first match wins (after stack config). */
export const ENV_NAMES: Record<keyof RawConfig, string[]> = {
  apiKey: ["E2E_API_KEY", "SERVICE_API_KEY"],
  authToken: ["E2E_AUTH_TOKEN", "SERVICE_AUTH_TOKEN"],
  projectId: ["E2E_PROJECT_ID"],
  location: ["E2E_LOCATION", "E2E_REGION"],
  baseUrl: ["E2E_BASE_URL", "SERVICE_API_ENDPOINT"],
};

/**
 * Stack config first, then the environment, then defaults. Throws, naming the setting and how to set it
 * (never a value), when a required one is missing or malformed.
 */
export function resolveConnection(raw: RawConfig, env: Record<string, string | undefined>): Connection {
  const pick = (k: keyof RawConfig) => {
    const fromConfig = raw[k]?.trim();
    if (fromConfig) return fromConfig;
    for (const name of ENV_NAMES[k]) if (env[name]?.trim()) return env[name]!.trim();
    return undefined;
  };
  const missing: string[] = [];
  const apiKey = pick("apiKey");
  const authToken = pick("authToken");
  const projectId = pick("projectId");
  if (!apiKey)
    missing.push(`e2e:apiKey (pulumi config set --secret e2e:apiKey, or ${ENV_NAMES.apiKey.join("/")})`);
  if (!authToken)
    missing.push(
      `e2e:authToken (pulumi config set --secret e2e:authToken, or ${ENV_NAMES.authToken.join("/")})`,
    );
  if (!projectId) missing.push("e2e:projectId (pulumi config set e2e:projectId, or E2E_PROJECT_ID)");
  if (missing.length) throw new Error(`E2E connection is not configured: missing ${missing.join("; ")}`);
  const baseUrl = pick("baseUrl") ?? DEFAULT_BASE_URL;
  const problem = baseUrlProblem(baseUrl);
  if (problem) throw new Error(`E2E connection: e2e:baseUrl ${problem}`);
  return {
    apiKey: apiKey!,
    authToken: authToken!,
    projectId: projectId!,
    location: pick("location") ?? DEFAULT_LOCATION,
    baseUrl,
  };
}

/** Why a base URL is unusable, or undefined: https (http only on loopback, for emulators), no query string. */
export function baseUrlProblem(baseUrl: string): string | undefined {
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    return "is not a URL";
  }
  if (u.search || u.hash) return "must not have a query string or fragment";
  const loopback = u.hostname === "127.0.0.1" || u.hostname === "localhost" || u.hostname === "[::1]";
  if (u.protocol !== "https:" && !(u.protocol === "http:" && loopback))
    return "must use https (plain http only to 127.0.0.1/localhost): the API key travels in the query string";
  return undefined;
}
