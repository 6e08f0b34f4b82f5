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
}

export function createTableInput(body: Record<string, unknown>): CreateTableInput {
  const tableId = tableIdOf(body.tableId, MESSAGES.createTableId);
  const displayName = body.displayName === undefined ? tableId : displayNameOf(body.displayName);
  return { tableId, displayName };
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

export function putUserInput(body: Record<string, unknown>): PutUserInput {
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
  return { submissionCount, totalCount };
}

/** `limit` query parameter: default 50, a whole number 1..500, anything else is a 400 (never clamped). */
export function limitOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,3}$/.test(raw)) throw new Problem(400, MESSAGES.limit);
  const n = Number(raw);
  if (n < 1 || n > MAX_LIMIT) throw new Problem(400, MESSAGES.limit);
  return n;
}
