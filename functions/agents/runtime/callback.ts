/**
 * The callback: `POST <callback_url>` with `{token, status: "SUCCESS", result}` or
 * `{token, status: "FAILURE", error}`.
 *
 * Retried with exponential backoff and jitter on network errors, timeouts, 5xx and 429 (a throttle, not a
 * rejection; Retry-After is honoured up to the backoff cap), at most CALLBACK_MAX_ATTEMPTS times. Any
 * other 4xx means the receiver rejected the callback (a bad or expired token): sending it again cannot
 * help, so it is never retried. Logs carry the status and attempt, never the token or the body.
 */
import { backoffDelay, sleep } from "./backoff";
import { loggableUrl, type AgentLogger } from "./logger";
import type { Settings } from "./settings";

export type CallbackBody =
  { token: string; status: "SUCCESS"; result: unknown } | { token: string; status: "FAILURE"; error: string };

export interface CallbackOutcome {
  delivered: boolean;
  attempts: number;
  /** Last HTTP status seen (undefined after a network error). */
  status?: number;
}

const CAP_MS = 30_000;

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

export async function sendCallback(
  url: string,
  body: CallbackBody,
  settings: Settings,
  logger: AgentLogger,
  random: () => number = Math.random,
): Promise<CallbackOutcome> {
  const payload = JSON.stringify(body);
  const target = loggableUrl(url);
  let status: number | undefined;
  for (let attempt = 1; ; attempt++) {
    let retryAfter: number | undefined;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: payload,
        signal: AbortSignal.timeout(settings.CALLBACK_TIMEOUT_MS),
        redirect: "error",
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) {
        logger.info("callback_delivered", {
          target,
          status,
          attempt,
          callback_status: body.status,
          bytes: payload.length,
        });
        return { delivered: true, attempts: attempt, status };
      }
      if (res.status !== 429 && res.status < 500) {
        logger.error("callback_rejected", { target, status, attempt, callback_status: body.status });
        return { delivered: false, attempts: attempt, status };
      }
      retryAfter = retryAfterMs(res.headers.get("retry-after"));
      logger.warn("callback_retryable_status", { target, status, attempt });
    } catch (err) {
      status = undefined;
      const e = err as Error & { cause?: { code?: string } };
      logger.warn("callback_network_error", {
        target,
        attempt,
        error_name: e.name,
        error_code: e.cause?.code,
      });
    }
    if (attempt >= settings.CALLBACK_MAX_ATTEMPTS) {
      logger.error("callback_undelivered", {
        target,
        attempts: attempt,
        status,
        callback_status: body.status,
      });
      return { delivered: false, attempts: attempt, status };
    }
    const backoff = backoffDelay(attempt, settings.CALLBACK_BASE_DELAY_MS, CAP_MS, random);
    await sleep(Math.min(CAP_MS, Math.max(backoff, retryAfter ?? 0)));
  }
}
