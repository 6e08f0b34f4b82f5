/**
 * Callback tokens: a random token goes to the agent, only its SHA-256 is stored, and a presented token is
 * compared with the stored hashes in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from "crypto";

/** A fresh 256-bit token, URL-safe. */
export function mintToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Hex SHA-256 of a token: what the workflow item stores. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * Compares a presented token with a stored hash in constant time (both sides are 32-byte digests, so the
 * comparison time does not depend on the token's length or on how many characters match).
 */
export function tokenMatches(token: string, storedHash: string | undefined): boolean {
  if (!storedHash || !/^[0-9a-f]{64}$/.test(storedHash)) return false;
  const presented = createHash("sha256").update(token, "utf8").digest();
  return timingSafeEqual(presented, Buffer.from(storedHash, "hex"));
}
