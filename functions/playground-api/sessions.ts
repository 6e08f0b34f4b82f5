/**
 * Session drop-off (`POST /sessions`, `GET|PATCH /sessions/{sessionId}`): a front-end stores a user's token
 * under a session id, and an app opened with that id in its URL fetches the token.
 *
 * Stored so that a dump of the table does not reveal a usable token, nor which session id it belongs to:
 * - the item's key is `tableId = "_session#" + SHA-256(sessionId)` (base64url; `#` never occurs in a table id,
 *   so sessions and tables cannot collide), `username = "_session"`;
 * - the token is encrypted with AES-256-GCM under a key derived (HKDF-SHA256) from the session id, which is not
 *   stored: only a caller who knows the session id can decrypt it. The protection is as strong as the session
 *   id is hard to guess (the head accepts 1–64 characters; front-ends should use long random ids).
 * Sessions expire after SESSION_TTL_SECONDS (DynamoDB TTL attribute `ttl`; expired items are refused on read
 * even before DynamoDB sweeps them).
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";

export const SESSION_USERNAME = "_session";

export function sessionPk(sessionId: string): string {
  return `_session#${createHash("sha256").update(sessionId, "utf8").digest("base64url")}`;
}

function keyOf(sessionId: string): Buffer {
  return Buffer.from(hkdfSync("sha256", sessionId, "playground-session-v1", "token", 32));
}

/** `v1.<iv>.<ciphertext>.<tag>`, base64url parts; the key is bound to the session id. */
export function sealToken(sessionId: string, token: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyOf(sessionId), iv);
  cipher.setAAD(Buffer.from(sessionPk(sessionId), "utf8"));
  const ct = Buffer.concat([cipher.update(token, "utf8"), cipher.final()]);
  return ["v1", iv, ct, cipher.getAuthTag()]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(".");
}

/** The token, or undefined when the sealed value is not one sealed for this session id. */
export function openToken(sessionId: string, sealed: string): string | undefined {
  const parts = sealed.split(".");
  if (parts.length !== 4 || parts[0] !== "v1") return undefined;
  try {
    const [iv, ct, tag] = parts.slice(1).map((p) => Buffer.from(p, "base64url"));
    const d = createDecipheriv("aes-256-gcm", keyOf(sessionId), iv);
    d.setAAD(Buffer.from(sessionPk(sessionId), "utf8"));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ct), d.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}

export class Sessions {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlSeconds: number,
  ) {}

  /** Creates or replaces a session (as the head: a second POST with the same id replaces the token). */
  async put(sessionId: string, token: string, nowMs: number): Promise<number> {
    const expiresAt = Math.floor(nowMs / 1000) + this.ttlSeconds;
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          tableId: sessionPk(sessionId),
          username: SESSION_USERNAME,
          sealedToken: sealToken(sessionId, token),
          ttl: expiresAt,
          createdAt: new Date(nowMs).toISOString(),
        },
      }),
    );
    return expiresAt;
  }

  async get(sessionId: string, nowMs: number): Promise<string | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { tableId: sessionPk(sessionId), username: SESSION_USERNAME },
        ConsistentRead: true,
      }),
    );
    const item = out.Item;
    if (!item || typeof item.sealedToken !== "string") return undefined;
    if (typeof item.ttl === "number" && Math.floor(nowMs / 1000) > item.ttl) return undefined;
    return openToken(sessionId, item.sealedToken);
  }

  /** Replaces the token and extends the expiry of a live session; undefined when there is none. */
  async refresh(sessionId: string, token: string, nowMs: number): Promise<number | undefined> {
    const now = Math.floor(nowMs / 1000);
    const expiresAt = now + this.ttlSeconds;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { tableId: sessionPk(sessionId), username: SESSION_USERNAME },
          UpdateExpression: "SET sealedToken = :s, #ttl = :exp, lastUpdated = :u",
          ConditionExpression: "attribute_exists(tableId) AND #ttl >= :now",
          ExpressionAttributeNames: { "#ttl": "ttl" },
          ExpressionAttributeValues: {
            ":s": sealToken(sessionId, token),
            ":exp": expiresAt,
            ":now": now,
            ":u": new Date(nowMs).toISOString(),
          },
        }),
      );
      return expiresAt;
    } catch (err) {
      if ((err as { name?: string }).name === "ConditionalCheckFailedException") return undefined;
      throw err;
    }
  }
}
