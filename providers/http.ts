/**
 * The one HTTP client both dynamic providers (Tama, E2E FaaS) use: JSON in and out, typed errors, bounded
 * retries with exponential backoff and jitter, and no credential ever in an error or a log line.
 *
 * Retries follow the method's semantics. GET, PUT, PATCH and DELETE are idempotent: they are retried on 429,
 * on 5xx (501 excepted) and on any network failure. A POST is retried only when it provably never reached
 * the server (connection refused, DNS failure, no route, connect timeout) or when the server refused it with
 * 429; after any other failure (timeout, connection reset after sending, 5xx) it is not retried and the error
 * carries `ambiguous: true`, so the provider reconciles by the object's natural key instead of creating twice.
 *
 * This module is serialized by value into each provider's `__provider` text, so it keeps no module-level
 * state, captures no client or agent, and uses only globals (`fetch`, `AbortSignal`, `setTimeout`).
 */
import { scrub, scrubValue } from "./redact";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** How hard to retry transient failures. Every field is bounded. */
export interface RetryPolicy {
  /** Total attempts including the first. Default 5. */
  maxAttempts?: number;
  /** First backoff delay in ms; doubles each attempt. Default 250. */
  baseDelayMs?: number;
  /** Longest single wait in ms, Retry-After included. Default 10 000. */
  maxDelayMs?: number;
  /** Give up when the next wait would pass this budget (ms since the first attempt). Default 60 000. */
  maxElapsedMs?: number;
}

/** What the caller learns of each attempt (for logs and benchmarks); carries no header and no secret. */
export interface AttemptEvent {
  request: string;
  attempt: number;
  status?: number;
  error?: string;
  retryInMs?: number;
}

export interface HttpRequest {
  method: HttpMethod;
  /**
   * Whether sending the request twice is harmless. Default: true for GET, PUT, PATCH and DELETE, false for
   * POST. Set true for a POST with no side effect worth guarding (an OAuth2 token request).
   */
  idempotent?: boolean;
  /** Base URL of the API, e.g. `https://api.tama.io` or `https://api.e2enetworks.com/myaccount/api/v1/`. */
  baseUrl: string;
  /** Path below the base URL; joined without double slashes. */
  path: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  /** Sent as JSON when defined. */
  body?: unknown;
  /** Sent as `application/x-www-form-urlencoded` when defined (instead of `body`). */
  form?: Record<string, string>;
  /** Per-attempt timeout in ms. Default 30 000. */
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** Query parameters whose values never appear in a message (e.g. `apikey`). */
  secretQueryParams?: string[];
  /** Secret strings to scrub from any message, whatever the server echoes back. */
  secrets?: (string | undefined)[];
  /**
   * Reads an API envelope: return a status to treat a 2xx answer as that failure (E2E answers HTTP 200 with
   * `code: 400`). Retry rules then apply to that status.
   */
  envelopeStatus?: (body: unknown) => number | undefined;
  onAttempt?: (event: AttemptEvent) => void;
}

export interface HttpResponse<T = unknown> {
  status: number;
  body: T;
  attempts: number;
}

/** An API answered with an error status. `message` is `API error <status>: <details>`. */
export class HttpError extends Error {
  /** A non-idempotent request failed in a way that does not say whether the server acted on it (a 5xx). */
  ambiguous = false;
  constructor(
    message: string,
    readonly status: number,
    readonly request: string,
    readonly body: unknown,
    readonly attempts: number,
  ) {
    super(message);
    // Set again: once serialized into a provider, the class becomes a function calling `Error.call(this)`,
    // which sets no `message` on the instance (test/http.spec.ts checks the round trip).
    this.message = message;
    this.name = "HttpError";
  }
}

/** 404: the object does not exist (read treats it as gone, delete as done). */
export class NotFoundError extends HttpError {
  constructor(message: string, request: string, body: unknown, attempts: number) {
    super(message, 404, request, body, attempts);
    this.name = "NotFoundError";
  }
}

/** The request never got an answer (connection refused or reset, timeout) after every allowed attempt. */
export class NetworkError extends Error {
  /** A non-idempotent request may have reached the server (timeout, reset after sending). */
  ambiguous = false;
  constructor(
    message: string,
    readonly request: string,
    readonly attempts: number,
  ) {
    super(message);
    this.message = message; // see HttpError
    this.name = "NetworkError";
  }
}

/** Joins a base URL and a path with exactly one slash between them. */
export function joinUrl(baseUrl: string, path: string): string {
  if (!path) return baseUrl;
  return `${baseUrl.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

/** The URL with the values of secret query parameters replaced by `***`. */
export function redactUrl(url: string, secretParams: string[] = []): string {
  try {
    const u = new URL(url);
    for (const p of secretParams) if (u.searchParams.has(p)) u.searchParams.set(p, "***");
    return u.toString().replace(/%2A%2A%2A/g, "***");
  } catch {
    return "<invalid url>";
  }
}

/**
 * The readable part of an API error body: `{"errors": …}` flattened to `field message` pairs (nested maps
 * become dotted keys), else `message`/`error`/`detail`, else the raw text (cut short).
 */
export function describeErrorBody(body: unknown): string {
  const parts: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (const v of value) walk(v, key);
    } else if (typeof value === "object") {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(v, key ? `${key}.${k}` : k);
    } else {
      parts.push(key ? `${key} ${String(value)}` : String(value));
    }
  };
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    if (b.errors !== undefined) walk(b.errors, "");
    if (parts.length === 0) {
      for (const field of ["message", "error", "detail"]) {
        const v = b[field];
        if (typeof v === "string" && v) parts.push(v);
        else if (v && typeof v === "object") walk(v, "");
        if (parts.length) break;
      }
    } else if (typeof b.message === "string" && b.message && !parts.includes(b.message)) {
      parts.unshift(b.message);
    }
  } else if (typeof body === "string" && body.trim()) {
    parts.push(body.trim().slice(0, 200));
  }
  return parts.join("; ") || "no details";
}

/** Statuses worth another attempt of an idempotent request: 429 and every 5xx except 501 (the server lacks the method, so another attempt cannot succeed). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/** Network failures that happen before a single byte of the request is sent: the server never saw it. */
export const NEVER_SENT = [
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
];

/** The method's default: everything but POST can be sent twice without harm. */
export function isIdempotent(method: HttpMethod): boolean {
  return method !== "POST";
}

/**
 * May this failed attempt be sent again? Idempotent requests: any network failure, 429 and 5xx (501 aside).
 * Others: only when the server provably never got the request (NEVER_SENT) or refused it with 429.
 */
export function mayRetry(
  idempotent: boolean,
  status: number | undefined,
  failure: string | undefined,
): boolean {
  if (failure !== undefined) return idempotent || NEVER_SENT.includes(failure);
  if (status === undefined) return false;
  return idempotent ? isRetryableStatus(status) : status === 429;
}

/** True when a non-idempotent request failed without saying whether the server acted on it. */
export function isAmbiguous(err: unknown): boolean {
  return !!err && typeof err === "object" && (err as { ambiguous?: unknown }).ambiguous === true;
}

/** Retry-After in ms (seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with jitter: a random wait in [d/2, d], d = base * 2^(attempt-1), capped. */
export function backoffDelay(attempt: number, policy: Required<RetryPolicy>, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Sends one JSON request, retrying transient failures within the policy's bounds. */
export async function request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
  const policy: Required<RetryPolicy> = {
    maxAttempts: req.retry?.maxAttempts ?? 5,
    baseDelayMs: req.retry?.baseDelayMs ?? 250,
    maxDelayMs: req.retry?.maxDelayMs ?? 10_000,
    maxElapsedMs: req.retry?.maxElapsedMs ?? 60_000,
  };
  const url = new URL(joinUrl(req.baseUrl, req.path));
  for (const [k, v] of Object.entries(req.query ?? {}))
    if (v !== undefined) url.searchParams.set(k, String(v));
  const label = `${req.method} ${redactUrl(url.toString(), req.secretQueryParams)}`;
  // Every credential of the call: the caller's list, the secret query values, the Authorization value.
  const auth = Object.entries(req.headers ?? {}).find(([k]) => k.toLowerCase() === "authorization")?.[1];
  const secrets = [
    ...(req.secrets ?? []),
    ...(req.secretQueryParams ?? []).map((p) => url.searchParams.get(p) ?? undefined),
    auth,
    auth?.replace(/^\S+\s+/, ""),
  ];
  const clean = (text: string) => scrub(text, secrets);
  const onAttempt = (e: AttemptEvent) => req.onAttempt?.(scrubValue(e, secrets) as AttemptEvent);
  const headers: Record<string, string> = { accept: "application/json", ...req.headers };
  if (req.form !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
  else if (req.body !== undefined) headers["content-type"] = "application/json";
  const payload =
    req.form !== undefined
      ? new URLSearchParams(req.form).toString()
      : req.body === undefined
        ? undefined
        : JSON.stringify(req.body);
  const started = Date.now();
  const idempotent = req.idempotent ?? isIdempotent(req.method);

  for (let attempt = 1; ; attempt++) {
    let status: number | undefined;
    let body: unknown;
    let retryAfter: number | undefined;
    let failure: string | undefined;
    try {
      const res = await fetch(url, {
        method: req.method,
        headers,
        body: payload,
        signal: AbortSignal.timeout(req.timeoutMs ?? 30_000),
      });
      const textBody = await res.text();
      try {
        body = textBody ? JSON.parse(textBody) : undefined;
      } catch {
        body = textBody;
      }
      status = res.status;
      if (status >= 200 && status < 300) {
        const enveloped = req.envelopeStatus?.(body);
        if (enveloped !== undefined && enveloped >= 400) status = enveloped;
      }
      retryAfter = parseRetryAfter(res.headers.get("retry-after"));
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      failure = e.name === "TimeoutError" ? "timed out" : (e.cause?.code ?? e.name ?? "network error");
    }

    if (status !== undefined && status < 400) {
      onAttempt({ request: label, attempt, status });
      return { status, body: body as T, attempts: attempt };
    }

    const transient = mayRetry(idempotent, status, failure);
    const wait = Math.min(policy.maxDelayMs, retryAfter ?? backoffDelay(attempt, policy));
    const canRetry =
      transient && attempt < policy.maxAttempts && Date.now() - started + wait <= policy.maxElapsedMs;
    onAttempt({
      request: label,
      attempt,
      status,
      error: failure,
      retryInMs: canRetry ? wait : undefined,
    });
    if (canRetry) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      continue;
    }
    if (failure !== undefined) {
      const err = new NetworkError(
        clean(`${label}: no answer (${failure}) after ${attempt} attempt(s)`),
        label,
        attempt,
      );
      err.ambiguous = !idempotent && !NEVER_SENT.includes(failure);
      throw err;
    }
    const message = clean(`API error ${status}: ${describeErrorBody(body)}`);
    const safeBody = scrubValue(body, secrets);
    if (status === 404) throw new NotFoundError(message, label, safeBody, attempt);
    const err = new HttpError(message, status!, label, safeBody, attempt);
    err.ambiguous = !idempotent && status! >= 500;
    throw err;
  }
}
