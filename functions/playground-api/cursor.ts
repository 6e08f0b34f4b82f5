/**
 * Opaque pagination cursors. A cursor is the DynamoDB key of the last item of a page, wrapped with the kind
 * of listing and (for user listings) the logical table it belongs to, then base64url-encoded. Decoding checks
 * every field, so a cursor that was edited, truncated or taken from another listing is a 400, never a
 * DynamoDB error or a silently restarted listing.
 */
import { METADATA } from "./table";
import { MESSAGES, Problem, isValidId } from "./validate";

/** Last key of a `GET /tables` page (index `tablesByCreatedAt`). */
export interface TablesKey {
  tableId: string;
  username: typeof METADATA;
  createdKey: string;
}

/** Last key of a `GET /tables/{tableId}/users` page (index `leaderboard`). */
export interface UsersKey {
  tableId: string;
  username: string;
  rank: string;
}

type Kind = "tables" | "users";
const VERSION = 1;

export function encodeCursor(kind: "tables", key: TablesKey): string;
export function encodeCursor(kind: "users", key: UsersKey): string;
export function encodeCursor(kind: Kind, key: TablesKey | UsersKey): string {
  return Buffer.from(JSON.stringify({ v: VERSION, k: kind, key }), "utf8").toString("base64url");
}

const CREATED_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[a-zA-Z0-9_-]{1,64}$/;
const RANK = /^[0-9a-f]{16}#\d{16}#[a-zA-Z0-9_-]{1,64}$/;

function parse(raw: string): { k: unknown; key: Record<string, unknown> } {
  const bad = () => new Problem(400, MESSAGES.lastKey);
  if (raw.length === 0 || raw.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw bad();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw bad();
  const v = value as Record<string, unknown>;
  if (v.v !== VERSION || v.key === null || typeof v.key !== "object" || Array.isArray(v.key)) throw bad();
  if (Object.keys(v).length !== 3) throw bad();
  return { k: v.k, key: v.key as Record<string, unknown> };
}

function exactKeys(obj: Record<string, unknown>, keys: string[]): boolean {
  const have = Object.keys(obj).sort();
  return have.length === keys.length && keys.sort().every((k, i) => have[i] === k);
}

export function decodeTablesCursor(raw: string): TablesKey {
  const { k, key } = parse(raw);
  const ok =
    k === "tables" &&
    exactKeys(key, ["tableId", "username", "createdKey"]) &&
    isValidId(key.tableId) &&
    key.username === METADATA &&
    typeof key.createdKey === "string" &&
    CREATED_KEY.test(key.createdKey) &&
    key.createdKey.endsWith(`#${key.tableId}`);
  if (!ok) throw new Problem(400, MESSAGES.lastKey);
  return key as unknown as TablesKey;
}

/** Decodes a user-listing cursor; it must belong to `tableId`. */
export function decodeUsersCursor(raw: string, tableId: string): UsersKey {
  const { k, key } = parse(raw);
  const ok =
    k === "users" &&
    exactKeys(key, ["tableId", "username", "rank"]) &&
    key.tableId === tableId &&
    isValidId(key.username) &&
    key.username !== METADATA &&
    typeof key.rank === "string" &&
    RANK.test(key.rank) &&
    key.rank.endsWith(`#${key.username}`);
  if (!ok) throw new Problem(400, MESSAGES.lastKey);
  return key as unknown as UsersKey;
}

/**
 * What a `lastKey` query parameter may be:
 * - the JSON object of the previous page's `lastKey`, as the AI Model Share client sends it back
 *   (`json.dumps(lastKey)`): `{"tableId","username"[,"createdKey"|"rank"]}`; without the sort key (the head's
 *   form) the item is looked up (one GetItem) to find where to continue;
 * - our earlier opaque cursor string, raw or as a JSON string literal.
 * Anything else is a 400 (the head ignores a malformed lastKey and restarts the listing; we do not).
 */
export type After<K> = { key: K } | { lookup: string };

function jsonParam(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new Problem(400, MESSAGES.lastKey);
  }
}

function onlyKeys(obj: Record<string, unknown>, allowed: string[]): boolean {
  return Object.keys(obj).every((k) => allowed.includes(k));
}

function objectParam(raw: string): Record<string, unknown> | string {
  const t = raw.trim();
  if (t.startsWith("{")) {
    const v = jsonParam(t);
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Problem(400, MESSAGES.lastKey);
    return v as Record<string, unknown>;
  }
  if (t.startsWith('"')) {
    const v = jsonParam(t);
    if (typeof v !== "string") throw new Problem(400, MESSAGES.lastKey);
    return v;
  }
  return raw;
}

export function parseTablesLastKey(raw: string): After<TablesKey> {
  const v = objectParam(raw);
  if (typeof v === "string") return { key: decodeTablesCursor(v) };
  const ok =
    onlyKeys(v, ["tableId", "username", "createdKey"]) &&
    isValidId(v.tableId) &&
    (v.username === undefined || v.username === METADATA);
  if (!ok) throw new Problem(400, MESSAGES.lastKey);
  const tableId = v.tableId as string;
  if (v.createdKey === undefined) return { lookup: tableId };
  if (
    typeof v.createdKey !== "string" ||
    !CREATED_KEY.test(v.createdKey) ||
    !v.createdKey.endsWith(`#${tableId}`)
  )
    throw new Problem(400, MESSAGES.lastKey);
  return { key: { tableId, username: METADATA, createdKey: v.createdKey } };
}

export function parseUsersLastKey(raw: string, tableId: string): After<UsersKey> {
  const v = objectParam(raw);
  if (typeof v === "string") return { key: decodeUsersCursor(v, tableId) };
  const ok =
    onlyKeys(v, ["tableId", "username", "rank"]) &&
    v.tableId === tableId &&
    isValidId(v.username) &&
    v.username !== METADATA;
  if (!ok) throw new Problem(400, MESSAGES.lastKey);
  const username = v.username as string;
  if (v.rank === undefined) return { lookup: username };
  if (typeof v.rank !== "string" || !RANK.test(v.rank) || !v.rank.endsWith(`#${username}`))
    throw new Problem(400, MESSAGES.lastKey);
  return { key: { tableId, username, rank: v.rank } };
}
