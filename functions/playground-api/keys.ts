/**
 * Derived sort keys stored on items so the indexes in `table.ts` list in the API's order.
 */
import { MAX_COUNT } from "./validate";

/** `createdKey` of a metadata item: creation time, then tableId to order tables created in the same ms. */
export function createdKey(createdAt: string, tableId: string): string {
  return `${createdAt}#${tableId}`;
}

/**
 * `rank` of a user item: `MAX_COUNT - submissionCount` zero-padded to 16 digits, then the username. Ascending
 * order of this string is descending `submissionCount`, ties by username (a stable, total order).
 */
export function rankKey(submissionCount: number, username: string): string {
  if (!Number.isSafeInteger(submissionCount) || submissionCount < 0) {
    throw new RangeError(
      `rankKey: submissionCount must be a safe non-negative integer, got ${submissionCount}`,
    );
  }
  return `${String(MAX_COUNT - submissionCount).padStart(16, "0")}#${username}`;
}
