/**
 * Dispatch on the HTTP API route key (`"GET /tables/{tableId}"`), never on the raw path: on a named stage the
 * raw path starts with `/<stage>`, which broke the seed's router.
 */
export const ROUTE_KEYS = [
  "POST /tables",
  "GET /tables",
  "GET /tables/{tableId}",
  "PATCH /tables/{tableId}",
  "GET /tables/{tableId}/users",
  "GET /tables/{tableId}/users/{username}",
  "PUT /tables/{tableId}/users/{username}",
  "DELETE /tables/{tableId}",
  "PUT /tables/{tableId}/users/{username}/moral-compass",
  "PUT /tables/{tableId}/users/{username}/moralcompass",
  "PATCH /tables/{tableId}/users/{username}/tasks",
  "DELETE /tables/{tableId}/users/{username}/tasks",
  "POST /sessions",
  "GET /sessions/{sessionId}",
  "PATCH /sessions/{sessionId}",
  "GET /health",
] as const;

/**
 * Routes that need a verified JWT when auth is on (API Gateway's JWT authorizer guards them). Reads are public
 * when ALLOW_PUBLIC_READ is on (else they need a token too); `GET /sessions/{sessionId}` and `GET /health` are
 * always public: an app fetches its token with only the session id.
 */
export const WRITE_ROUTES: readonly RouteKey[] = [
  "POST /tables",
  "PATCH /tables/{tableId}",
  "DELETE /tables/{tableId}",
  "PUT /tables/{tableId}/users/{username}",
  "PUT /tables/{tableId}/users/{username}/moral-compass",
  "PUT /tables/{tableId}/users/{username}/moralcompass",
  "PATCH /tables/{tableId}/users/{username}/tasks",
  "DELETE /tables/{tableId}/users/{username}/tasks",
  "POST /sessions",
  "PATCH /sessions/{sessionId}",
];

export const ALWAYS_PUBLIC: readonly RouteKey[] = ["GET /sessions/{sessionId}", "GET /health"];

/** Whether a route needs a verified token under the given settings. */
export function needsToken(key: RouteKey, s: { authEnabled: boolean; allowPublicRead: boolean }): boolean {
  if (!s.authEnabled || ALWAYS_PUBLIC.includes(key)) return false;
  return WRITE_ROUTES.includes(key) || !s.allowPublicRead;
}

export type RouteKey = (typeof ROUTE_KEYS)[number];

export function isRouteKey(value: unknown): value is RouteKey {
  return typeof value === "string" && (ROUTE_KEYS as readonly string[]).includes(value);
}

/** The route of an event: its route key when it is one of ours, `OPTIONS` for preflights, else undefined. */
export function routeOf(event: {
  routeKey?: string;
  requestContext?: { http?: { method?: string } };
}): RouteKey | "OPTIONS" | undefined {
  if (event.requestContext?.http?.method === "OPTIONS") return "OPTIONS";
  return isRouteKey(event.routeKey) ? event.routeKey : undefined;
}
