/**
 * Pure request validation for the playground API. Every function returns either the typed value or a
 * `Problem` whose message is the API's error text (it names the field and the rule). Nothing here touches
 * DynamoDB, so bad input is refused before anything is read or written.
 */
import { METADATA } from "./table";

export class Problem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "Problem";
  }
}

const ID = /^[a-zA-Z0-9_-]{1,64}$/;

export const MESSAGES = {
  invalidJson: "Invalid JSON in request body",
  notObject: "Request body must be a JSON object",
  createTableId: "Invalid tableId. Must be alphanumeric with underscores/hyphens, max 64 chars",
  tableIdFormat: "Invalid tableId format",
  usernameFormat: `Invalid username format (1-64 letters, digits, "_" or "-"; "${METADATA}" is reserved)`,
  displayName: "displayName must be a string of at most 256 characters",
  isArchived: "isArchived must be a boolean (true or false)",
  noFields: "No valid fields to update",
  countsRequired: "submissionCount and totalCount are required",
  countsIntegers: "submissionCount and totalCount must be integers",
  countsNonNegative: "submissionCount and totalCount must be non-negative",
  limit: "Invalid limit parameter: must be a whole number from 1 to 500",
  lastKey: "Invalid lastKey parameter: pass back the lastKey of the previous page unchanged",
  routeNotFound: "Route not found",
  teamName: "teamName must be a string of at most 256 characters",
  playgroundUrl: "Invalid playgroundUrl. Could not extract playground ID",
  metrics: "metrics must be a non-empty object of metric name to number",
  progressIntegers: "Progress fields must be integers",
  progressNonNegative: "Progress fields must be non-negative",
  completedTaskIds: "completedTaskIds must be a list of strings matching ^t\\d+$",
  taskOp: "op must be one of: add, remove, reset",
  taskIds: "taskIds must be a list of strings matching ^t\\d+$",
  sessionRequired: "sessionId and token are required",
  sessionId: "Invalid sessionId format",
  sessionToken: "token must be a string of 1 to 8192 characters",
  newToken: "New token is required",
  sessionNotFound: "Session not found or expired",
  deleteDisabled: "Table deletion is disabled",
  tableNotFound: "Table not found",
  userNotFound: "User not found in table",
} as const;

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
export const MAX_DISPLAY_NAME = 256;
/** The largest count the API stores (exact in a JS number and in the leaderboard's rank key). */
export const MAX_COUNT = Number.MAX_SAFE_INTEGER;

export function isValidId(value: unknown): value is string {
  return typeof value === "string" && ID.test(value);
}

export function tableIdOf(value: unknown, message: string = MESSAGES.tableIdFormat): string {
  if (!isValidId(value)) throw new Problem(400, message);
  return value;
}

export function usernameOf(value: unknown): string {
  if (!isValidId(value) || value === METADATA) throw new Problem(400, MESSAGES.usernameFormat);
  return value;
}

/** Parses a request body that must be a JSON object. An absent body is `{}` (as the seed). */
export function jsonObject(body: string | undefined, isBase64Encoded = false): Record<string, unknown> {
  const text = body === undefined || body === "" ? "{}" : isBase64Encoded ? decodeBase64(body) : body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Problem(400, MESSAGES.invalidJson);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Problem(400, MESSAGES.notObject);
  }
  return parsed as Record<string, unknown>;
}

function decodeBase64(body: string): string {
  return Buffer.from(body, "base64").toString("utf8");
}

function displayNameOf(value: unknown): string {
  if (typeof value !== "string" || value.length > MAX_DISPLAY_NAME)
    throw new Problem(400, MESSAGES.displayName);
  return value;
}

export interface CreateTableInput {
  tableId: string;
  displayName: string;
  playgroundUrl?: string;
  playgroundId?: string;
}

export function createTableInput(body: Record<string, unknown>): CreateTableInput {
  const tableId = tableIdOf(body.tableId, MESSAGES.createTableId);
  const displayName =
    body.displayName === undefined || body.displayName === null ? tableId : displayNameOf(body.displayName);
  if (body.playgroundUrl === undefined || body.playgroundUrl === null || body.playgroundUrl === "")
    return { tableId, displayName };
  if (typeof body.playgroundUrl !== "string" || body.playgroundUrl.length > 2048)
    throw new Problem(400, MESSAGES.playgroundUrl);
  const playgroundId = playgroundIdOf(body.playgroundUrl);
  if (playgroundId === undefined) throw new Problem(400, MESSAGES.playgroundUrl);
  return { tableId, displayName, playgroundUrl: body.playgroundUrl, playgroundId };
}

export interface PatchTableInput {
  displayName?: string;
  isArchived?: boolean;
}

export function patchTableInput(body: Record<string, unknown>): PatchTableInput {
  const out: PatchTableInput = {};
  if (body.displayName !== undefined) out.displayName = displayNameOf(body.displayName);
  if (body.isArchived !== undefined) {
    if (typeof body.isArchived !== "boolean") throw new Problem(400, MESSAGES.isArchived);
    out.isArchived = body.isArchived;
  }
  if (out.displayName === undefined && out.isArchived === undefined)
    throw new Problem(400, MESSAGES.noFields);
  return out;
}

/**
 * A count: a JSON integer or a string of decimal digits (the seed accepted "5"). Refuses fractions, booleans,
 * exponents, blanks and anything beyond `MAX_COUNT`. Negative values are a separate rule (checked after both
 * fields are known to be integers, as the seed's messages are ordered).
 */
export function countOf(value: unknown): number {
  let n: number;
  if (typeof value === "number") n = value;
  else if (typeof value === "string" && /^\s*[+-]?\d{1,20}\s*$/.test(value)) n = Number(value.trim());
  else throw new Problem(400, MESSAGES.countsIntegers);
  if (!Number.isSafeInteger(n)) throw new Problem(400, MESSAGES.countsIntegers);
  return n === 0 ? 0 : n; // no -0
}

export interface PutUserInput {
  submissionCount: number;
  totalCount: number;
}

export function putUserInput(body: Record<string, unknown>): PutUserInput & { teamName?: string } {
  if (
    body.submissionCount === undefined ||
    body.submissionCount === null ||
    body.totalCount === undefined ||
    body.totalCount === null
  ) {
    throw new Problem(400, MESSAGES.countsRequired);
  }
  const submissionCount = countOf(body.submissionCount);
  const totalCount = countOf(body.totalCount);
  if (submissionCount < 0 || totalCount < 0) throw new Problem(400, MESSAGES.countsNonNegative);
  const teamName = teamNameOf(body.teamName);
  return { submissionCount, totalCount, ...(teamName !== undefined ? { teamName } : {}) };
}

/** `limit` query parameter: default 50, a whole number 1..500, anything else is a 400 (never clamped). */
export function limitOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,3}$/.test(raw)) throw new Problem(400, MESSAGES.limit);
  const n = Number(raw);
  if (n < 1 || n > MAX_LIMIT) throw new Problem(400, MESSAGES.limit);
  return n;
}

/** `teamName`: absent, null or blank is "not given" (as the head); otherwise a string, stored trimmed. */
export function teamNameOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length > MAX_DISPLAY_NAME) throw new Problem(400, MESSAGES.teamName);
  const t = value.trim();
  return t === "" ? undefined : t;
}

/**
 * The playground id of a playground URL, as the head reads it: the path segment after `playground` or
 * `playgrounds`, else the last segment when it is a valid id; undefined when there is none.
 */
export function playgroundIdOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    try {
      parsed = new URL(url, "http://relative.invalid");
    } catch {
      return undefined;
    }
  }
  const parts = parsed.pathname.split("/").filter((p) => p !== "");
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i].toLowerCase();
    if ((p === "playground" || p === "playgrounds") && i + 1 < parts.length) {
      let id: string;
      try {
        id = decodeURIComponent(parts[i + 1]);
      } catch {
        return undefined; // a malformed escape such as `%E0%A4%A`: no id, a 400 (was a URIError, a 500)
      }
      return isValidId(id) ? id : undefined;
    }
  }
  const last = parts[parts.length - 1];
  return last !== undefined && isValidId(last) ? last : undefined;
}

const REGION = /^[a-z]{2}-[a-z]+-\d+$/;

/** The region of a region-aware table id `<playgroundId>-<region><suffix>`, if it is one. */
export function regionOfTableId(
  tableId: string,
  playgroundId: string,
  suffixes: string[],
): string | undefined {
  for (const suffix of suffixes) {
    if (suffix === "" || !tableId.startsWith(`${playgroundId}-`) || !tableId.endsWith(suffix)) continue;
    const middle = tableId.slice(playgroundId.length + 1, tableId.length - suffix.length);
    if (REGION.test(middle)) return middle;
  }
  return undefined;
}

/** MC_ENFORCE_NAMING: the table id must be `<playgroundId><suffix>` or `<playgroundId>-<region><suffix>`. */
export function checkTableName(tableId: string, playgroundId: string | undefined, suffixes: string[]): void {
  if (playgroundId === undefined) {
    if (suffixes.some((x) => x !== "" && tableId.endsWith(x)))
      throw new Problem(
        400,
        "playgroundUrl is required for moral compass tables when MC_ENFORCE_NAMING is enabled",
      );
    return;
  }
  if (suffixes.some((x) => tableId === `${playgroundId}${x}`)) return;
  if (regionOfTableId(tableId, playgroundId, suffixes) !== undefined) return;
  const plain = suffixes.map((x) => `${playgroundId}${x}`);
  const regional = suffixes.map((x) => `${playgroundId}-<region>${x}`);
  throw new Problem(
    400,
    `Invalid table name. Expected one of: ${plain.join(", ")} or ${regional.join(", ")}`,
  );
}

const TASK_ID = /^t\d{1,18}$/;

function taskIdsOf(value: unknown, message: string): string[] {
  if (
    !Array.isArray(value) ||
    value.length > 1000 ||
    !value.every((t) => typeof t === "string" && TASK_ID.test(t))
  )
    throw new Problem(400, message);
  return value as string[];
}

/** Task ids deduplicated and sorted by their number (`t2` before `t10`), as the head returns them. */
export function sortTaskIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort((a, b) => {
    const x = BigInt(a.slice(1));
    const y = BigInt(b.slice(1));
    return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
  });
}

export interface MoralCompassInput {
  metrics: Record<string, number>;
  primaryMetric: string;
  tasksCompleted: number;
  totalTasks: number;
  questionsCorrect: number;
  totalQuestions: number;
  teamName?: string;
  completedTaskIds?: string[];
  moralCompassScore: number;
}

function progressOf(value: unknown): number {
  if (value === undefined || value === null) return 0;
  let n: number;
  try {
    n = countOf(value);
  } catch {
    throw new Problem(400, MESSAGES.progressIntegers);
  }
  if (n < 0) throw new Problem(400, MESSAGES.progressNonNegative);
  return n;
}

/**
 * The moral-compass PUT body. Score = value of the primary metric × (tasksCompleted + questionsCorrect) /
 * (totalTasks + totalQuestions), 0 when the denominator is 0 (the head's formula). Primary metric: the one
 * named, else `accuracy` when present, else the first metric name in sorted order.
 */
export function moralCompassInput(body: Record<string, unknown>): MoralCompassInput {
  const completedTaskIds =
    body.completedTaskIds === undefined || body.completedTaskIds === null
      ? undefined
      : taskIdsOf(body.completedTaskIds, MESSAGES.completedTaskIds);
  const m = body.metrics;
  if (m === null || typeof m !== "object" || Array.isArray(m) || Object.keys(m).length === 0)
    throw new Problem(400, MESSAGES.metrics);
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
    if (k.length === 0 || k.length > 128) throw new Problem(400, "metric names must be 1 to 128 characters");
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Problem(400, `Metric ${k} must be numeric`);
    metrics[k] = v;
  }
  if (Object.keys(metrics).length > 100) throw new Problem(400, "metrics may name at most 100 metrics");
  let primaryMetric: string;
  if (body.primaryMetric !== undefined && body.primaryMetric !== null && body.primaryMetric !== "") {
    if (typeof body.primaryMetric !== "string" || !(body.primaryMetric in metrics))
      throw new Problem(400, `primaryMetric "${String(body.primaryMetric)}" not found in metrics`);
    primaryMetric = body.primaryMetric;
  } else primaryMetric = "accuracy" in metrics ? "accuracy" : Object.keys(metrics).sort()[0];
  const tasksCompleted = progressOf(body.tasksCompleted);
  const totalTasks = progressOf(body.totalTasks);
  const questionsCorrect = progressOf(body.questionsCorrect);
  const totalQuestions = progressOf(body.totalQuestions);
  const denominator = totalTasks + totalQuestions;
  const score =
    denominator === 0 ? 0 : (metrics[primaryMetric] * (tasksCompleted + questionsCorrect)) / denominator;
  if (!Number.isFinite(score))
    throw new Problem(400, "moralCompassScore out of range: use smaller metric values");
  const teamName = teamNameOf(body.teamName);
  return {
    metrics,
    primaryMetric,
    tasksCompleted,
    totalTasks,
    questionsCorrect,
    totalQuestions,
    moralCompassScore: score === 0 ? 0 : score,
    ...(teamName !== undefined ? { teamName } : {}),
    ...(completedTaskIds !== undefined ? { completedTaskIds } : {}),
  };
}

export interface TasksInput {
  op: "add" | "remove" | "reset";
  taskIds: string[];
}

export function tasksInput(body: Record<string, unknown>): TasksInput {
  const op = body.op;
  if (op !== "add" && op !== "remove" && op !== "reset") throw new Problem(400, MESSAGES.taskOp);
  const taskIds = body.taskIds === undefined ? [] : taskIdsOf(body.taskIds, MESSAGES.taskIds);
  return { op, taskIds };
}

export function sessionIdOf(value: unknown): string {
  if (!isValidId(value)) throw new Problem(400, MESSAGES.sessionId);
  return value;
}

export function sessionTokenOf(value: unknown, missing: string): string {
  if (value === undefined || value === null || value === "") throw new Problem(400, missing);
  if (typeof value !== "string" || value.length > 8192) throw new Problem(400, MESSAGES.sessionToken);
  return value;
}
