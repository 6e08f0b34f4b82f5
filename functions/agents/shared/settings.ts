/**
 * Settings of the agent-orchestration functions, read from the environment once per cold start.
 * The seed's variable names are kept (WORKFLOW_TABLE, ARTIFACT_BUCKET, *_AGENT_ARN, CALLBACK_API_URL,
 * APPROVAL_TIMEOUT_HOURS, CONTROLLER_FUNCTION_NAME, ENVIRONMENT, LOG_LEVEL); the new ones are listed in the README.
 */

export type AgentPhase = "research" | "analysis" | "writing";

export interface Settings {
  table: string;
  bucket: string;
  /** The API's base URL, without a trailing slash. */
  callbackApiUrl: string;
  /** Qualified name or ARN (alias) of the durable controller. */
  controllerFunction: string;
  agentArns: Record<AgentPhase, string>;
  /** Phase timeouts in seconds (research 4 h, analysis 2 h, writing 1 h by default). */
  timeouts: Record<AgentPhase | "approval", number>;
  retentionDays: number;
  environment: string;
  /** Lifetime of the presigned report URL handed out by GET, in seconds. */
  reportUrlSeconds: number;
}

/** Strips trailing slashes so `${base}/callbacks/x` never contains `//`. */
export function trimBase(url: string): string {
  return url.replace(/\/+$/, "");
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`setting ${name} must be a positive number, got "${raw}"`);
  return n;
}

/** Reads the settings; throws naming the variable when one is malformed. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    table: env.WORKFLOW_TABLE ?? "",
    bucket: env.ARTIFACT_BUCKET ?? "",
    callbackApiUrl: trimBase(env.CALLBACK_API_URL ?? ""),
    controllerFunction: env.CONTROLLER_FUNCTION_NAME ?? "",
    agentArns: {
      research: env.RESEARCHER_AGENT_ARN ?? "",
      analysis: env.ANALYST_AGENT_ARN ?? "",
      writing: env.WRITER_AGENT_ARN ?? "",
    },
    timeouts: {
      research: positive(env, "RESEARCH_TIMEOUT_SECONDS", 4 * 3600),
      analysis: positive(env, "ANALYSIS_TIMEOUT_SECONDS", 2 * 3600),
      writing: positive(env, "WRITING_TIMEOUT_SECONDS", 3600),
      approval:
        env.APPROVAL_TIMEOUT_SECONDS !== undefined && env.APPROVAL_TIMEOUT_SECONDS !== ""
          ? positive(env, "APPROVAL_TIMEOUT_SECONDS", 24 * 3600)
          : positive(env, "APPROVAL_TIMEOUT_HOURS", 24) * 3600,
    },
    retentionDays: positive(env, "WORKFLOW_RETENTION_DAYS", 14),
    environment: env.ENVIRONMENT ?? "dev",
    reportUrlSeconds: positive(env, "REPORT_URL_SECONDS", 3600),
  };
}
