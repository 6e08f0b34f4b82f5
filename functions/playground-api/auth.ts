/**
 * Who is calling, from the claims API Gateway's JWT authorizer has verified (`requestContext.authorizer.jwt.
 * claims`); the handler never decodes a token itself. The rules are the head's: principal = `cognito:username`,
 * else `email`, else `sub`; admin = `admin` in `cognito:groups`; owner = same sub, principal or email as the
 * table's owner fields; self = principal equals the username.
 */
import type { APIGatewayProxyEventV2 } from "aws-lambda";

/** Owner fields of a table (set when it was created by an authenticated caller). */
export interface Owner {
  ownerSub?: string;
  ownerPrincipal?: string;
  ownerEmail?: string;
  ownerIssuer?: string;
}

export interface Identity {
  principal: string;
  sub?: string;
  email?: string;
  issuer?: string;
  groups: string[];
}

type Claims = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** API Gateway passes array claims as a string like `[admin teachers]`; a local caller may pass an array. */
export function groupsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== "string") return [];
  return value
    .replace(/^\[|\]$/g, "")
    .split(/[\s,]+/)
    .map((s) => s.replace(/^"|"$/g, ""))
    .filter((s) => s !== "");
}

export function identityOf(claims: Claims | undefined): Identity | undefined {
  if (!claims) return undefined;
  const principal = str(claims["cognito:username"]) ?? str(claims.email) ?? str(claims.sub);
  if (!principal) return undefined;
  return {
    principal,
    sub: str(claims.sub),
    email: str(claims.email),
    issuer: str(claims.iss),
    groups: groupsOf(claims["cognito:groups"]),
  };
}

export function identityFromEvent(event: APIGatewayProxyEventV2): Identity | undefined {
  const ctx = event.requestContext as { authorizer?: { jwt?: { claims?: Claims } } } | undefined;
  return identityOf(ctx?.authorizer?.jwt?.claims);
}

export const isAdmin = (id: Identity | undefined): boolean => id?.groups.includes("admin") === true;

export const isSelf = (id: Identity | undefined, username: string): boolean => id?.principal === username;

/** Owner of a table: same sub, principal or email (a table with no owner fields has no owner: admin only). */
export function isOwner(id: Identity | undefined, owner: Owner): boolean {
  if (!id) return false;
  return (
    (id.sub !== undefined && owner.ownerSub === id.sub) ||
    (owner.ownerPrincipal !== undefined &&
      owner.ownerPrincipal !== "" &&
      owner.ownerPrincipal === id.principal) ||
    (id.email !== undefined && owner.ownerEmail === id.email)
  );
}

/**
 * `isOwner` as a DynamoDB condition on the metadata item, for a write that checks ownership in the same call.
 * Only the identity's own parts take part (the principal is never empty, so an empty `ownerPrincipal` matches
 * nothing, as in `isOwner`).
 */
export function ownerCondition(id: Identity): { expression: string; values: Record<string, string> } {
  const parts = ["ownerPrincipal = :ownerPrincipal"];
  const values: Record<string, string> = { ":ownerPrincipal": id.principal };
  if (id.sub !== undefined) {
    parts.push("ownerSub = :ownerSub");
    values[":ownerSub"] = id.sub;
  }
  if (id.email !== undefined) {
    parts.push("ownerEmail = :ownerEmail");
    values[":ownerEmail"] = id.email;
  }
  return { expression: `(${parts.join(" OR ")})`, values };
}

export function ownerFields(id: Identity): Owner {
  return {
    ownerPrincipal: id.principal,
    ...(id.sub ? { ownerSub: id.sub } : {}),
    ...(id.email ? { ownerEmail: id.email } : {}),
    ...(id.issuer ? { ownerIssuer: id.issuer } : {}),
  };
}
