/**
 * Derived sort keys stored on items so the indexes in `table.ts` list in the API's order.
 */
import { MAX_COUNT } from "./validate";

/** `createdKey` of a metadata item: creation time, then tableId to order tables created in the same ms. */
export function createdKey(createdAt: string, tableId: string): string {
  return `${createdAt}#${tableId}`;
}

/**
 * 16 hex digits whose ascending order is the descending order of `score` (any finite number): the IEEE-754
 * bits made sortable (sign bit flipped for positives, all bits flipped for negatives), then inverted.
 */
export function scoreKey(score: number): string {
  if (!Number.isFinite(score)) throw new RangeError(`scoreKey: score must be finite, got ${score}`);
  const buf = Buffer.alloc(8);
  buf.writeDoubleBE(score === 0 ? 0 : score);
  let bits = buf.readBigUInt64BE();
  const SIGN = 1n << 63n;
  const MASK = (1n << 64n) - 1n;
  bits = bits & SIGN ? ~bits & MASK : bits | SIGN;
  return (MASK - bits).toString(16).padStart(16, "0");
}

/**
 * `rank` of a user item: the leaderboard's order as one string. `scoreKey(moralCompassScore)` (absent = 0, as
 * the head ranks), then `MAX_COUNT - submissionCount` zero-padded to 16 digits, then the username. Ascending
 * order of this string is: highest moralCompassScore first, then highest submissionCount, ties by username.
 */
export function rankKey(submissionCount: number, username: string, score = 0): string {
  if (!Number.isSafeInteger(submissionCount) || submissionCount < 0) {
    throw new RangeError(
      `rankKey: submissionCount must be a safe non-negative integer, got ${submissionCount}`,
    );
  }
  return `${scoreKey(score)}#${String(MAX_COUNT - submissionCount).padStart(16, "0")}#${username}`;
}

/**
 * A stored timestamp as ISO-8601 UTC with `Z` and milliseconds. The seed wrote naive UTC timestamps with
 * microseconds and no zone (`2025-10-20T11:44:24.123456`); those are read as UTC. Anything unparsable is
 * returned unchanged rather than guessed.
 */
export function isoUtc(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]00:?00)?$/.exec(value);
  if (!m) return value;
  const ms = (m[2] ?? "").padEnd(3, "0").slice(0, 3);
  const d = new Date(`${m[1]}.${ms}Z`);
  return Number.isNaN(d.getTime()) ? value : d.toISOString();
}
