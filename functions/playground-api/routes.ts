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

const WRITE = [200, 400, 401, 403, 404, 409, 500, 503];

/**
 * Every status each route can answer (the handler's, plus the authorizer's 401). `openapi.json` documents
 * exactly these (test/playground/openapi.spec.ts), and every test request checks its status is listed here.
 */
export const ROUTE_STATUSES: Record<RouteKey, readonly number[]> = {
  "GET /health": [200, 500, 503],
  "POST /tables": [201, 400, 401, 409, 500],
  "GET /tables": [200, 400, 401, 500],
  "GET /tables/{tableId}": [200, 400, 401, 404, 500],
  "PATCH /tables/{tableId}": [200, 400, 401, 403, 404, 500],
  "DELETE /tables/{tableId}": [200, 400, 401, 403, 404, 500],
  "GET /tables/{tableId}/users": [200, 400, 401, 404, 500],
  "GET /tables/{tableId}/users/{username}": [200, 400, 401, 404, 500],
  "PUT /tables/{tableId}/users/{username}": WRITE,
  "PUT /tables/{tableId}/users/{username}/moral-compass": WRITE,
  "PUT /tables/{tableId}/users/{username}/moralcompass": WRITE,
  "PATCH /tables/{tableId}/users/{username}/tasks": WRITE,
  "DELETE /tables/{tableId}/users/{username}/tasks": WRITE,
  "POST /sessions": [201, 400, 401, 500],
  "GET /sessions/{sessionId}": [200, 400, 404, 500],
  "PATCH /sessions/{sessionId}": [200, 400, 401, 404, 500],
};
