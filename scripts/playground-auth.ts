/**
 * The local stand-in for API Gateway's JWT authorizer, used by `npm run dev:playground` and the tests: a local
 * ES256 signing key (kept in `.dev/playground-jwt.json`, git-ignored, so tokens minted by `--token` stay valid
 * across restarts), a minting helper, and the check API Gateway makes before the Lambda runs: on a route that
 * needs a token, a missing or invalid one (signature, issuer, audience, expiry) is a 401 `{"message":
 * "Unauthorized"}` and the handler is not called; a valid one reaches the handler as verified claims in
 * `requestContext.authorizer.jwt.claims`, flattened to strings as API Gateway passes them.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import * as fs from "node:fs";
import * as path from "node:path";
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, type JWK } from "jose";
import { isRouteKey, needsToken } from "../functions/playground-api/routes";

export const LOCAL_ISSUER = "https://local.playground.invalid/issuer";
export const LOCAL_AUDIENCE = "playground-local";

export interface LocalAuth {
  issuer: string;
  audience: string;
  /** A signed JWT for `username` (the `cognito:username` claim), admin when asked, valid for `ttlSeconds`. */
  mint(username: string, opts?: { admin?: boolean; ttlSeconds?: number; email?: string }): Promise<string>;
  verify(token: string): Promise<Record<string, unknown>>;
}

type Key = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

function fromKeys(privateKey: Key, publicKey: Key): LocalAuth {
  return {
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    async mint(username, opts = {}) {
      return new SignJWT({
        "cognito:username": username,
        ...(opts.email ? { email: opts.email } : {}),
        ...(opts.admin ? { "cognito:groups": ["admin"] } : {}),
        token_use: "id",
      })
        .setProtectedHeader({ alg: "ES256", kid: "local" })
        .setSubject(`local-${username}`)
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${opts.ttlSeconds ?? 3600}s`)
        .sign(privateKey);
    },
    async verify(token) {
      const { payload } = await jwtVerify(token, publicKey, {
        issuer: LOCAL_ISSUER,
        audience: LOCAL_AUDIENCE,
        algorithms: ["ES256"],
      });
      return payload as Record<string, unknown>;
    },
  };
}

/** A fresh in-memory key (tests). */
export async function ephemeralAuth(): Promise<LocalAuth> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  return fromKeys(privateKey, publicKey);
}

/** The dev server's key, created on first use in `file` (mode 0600). */
export async function persistentAuth(file: string): Promise<LocalAuth> {
  if (fs.existsSync(file)) {
    const jwk = JSON.parse(fs.readFileSync(file, "utf8")) as JWK;
    const privateKey = (await importJWK(jwk, "ES256")) as Key;
    const { d: _d, ...pub } = jwk;
    const publicKey = (await importJWK(pub, "ES256")) as Key;
    return fromKeys(privateKey, publicKey);
  }
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(await exportJWK(privateKey)), { mode: 0o600 });
  return fromKeys(privateKey, publicKey);
}

/** API Gateway passes every claim as a string; arrays as `[a b]`. */
export function flattenClaims(payload: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload)) {
    out[k] = Array.isArray(v)
      ? `[${v.map(String).join(" ")}]`
      : typeof v === "object"
        ? JSON.stringify(v)
        : String(v);
  }
  return out;
}

const UNAUTHORIZED: APIGatewayProxyStructuredResultV2 = {
  statusCode: 401,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ message: "Unauthorized" }),
};

/**
 * What API Gateway does before invoking the Lambda. Returns the 401 it would answer, or undefined after
 * attaching the verified claims to the event (routes without the authorizer get no claims at all).
 */
export async function authorize(
  event: APIGatewayProxyEventV2,
  auth: LocalAuth,
  settings: { authEnabled: boolean; allowPublicRead: boolean },
): Promise<APIGatewayProxyStructuredResultV2 | undefined> {
  if (!isRouteKey(event.routeKey) || !needsToken(event.routeKey, settings)) return undefined;
  const header = event.headers?.authorization ?? event.headers?.Authorization;
  if (!header) return UNAUTHORIZED;
  const token = header.startsWith("Bearer ") ? header.slice(7).trim() : header.trim();
  try {
    const claims = flattenClaims(await auth.verify(token));
    (event.requestContext as unknown as { authorizer: unknown }).authorizer = {
      jwt: { claims, scopes: null },
    };
    return undefined;
  } catch {
    return UNAUTHORIZED;
  }
}
