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
  "GET /health",
] as const;

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
