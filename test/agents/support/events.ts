/** API Gateway payload 2.0 events for the handler tests. */
import type { APIGatewayProxyEventV2 } from "aws-lambda";

export function apiEvent(
  routeKey: string,
  opts: {
    path?: Record<string, string>;
    body?: unknown;
    rawBody?: string;
    query?: Record<string, string>;
    base64?: boolean;
    iamUser?: string;
  } = {},
): APIGatewayProxyEventV2 {
  const [method, route] = routeKey.split(" ");
  let rawPath = route;
  for (const [k, v] of Object.entries(opts.path ?? {}))
    rawPath = rawPath.replace(`{${k}}`, encodeURIComponent(v));
  let body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  if (body !== undefined && opts.base64) body = Buffer.from(body, "utf8").toString("base64");
  return {
    version: "2.0",
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(opts.query ?? {}).toString(),
    headers: { "content-type": "application/json" },
    queryStringParameters: opts.query,
    pathParameters: opts.path,
    body,
    isBase64Encoded: !!opts.base64,
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
      requestId: "req",
      routeKey,
      stage: "$default",
      time: "",
      timeEpoch: 0,
      ...(opts.iamUser ? { authorizer: { iam: { userArn: opts.iamUser } } } : {}),
    },
  } as APIGatewayProxyEventV2;
}

export function parse(res: { body?: string }): Record<string, unknown> & { error?: string } {
  return JSON.parse(res.body ?? "null");
}
