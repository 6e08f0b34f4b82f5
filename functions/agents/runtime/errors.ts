/**
 * Errors that may leave the container, and the safe fields of any other error for the logs.
 *
 * A task that fails sends `FAILURE` with a reason. The reason is built only from an `AgentError`'s own
 * message, which the agent code writes and which never quotes a prompt, a model answer, a result or a
 * token. Any other error (an SDK error, a JSON.parse error that quotes its input...) is reported by class
 * name only, and logged by name, code, HTTP status and stack frames, never by message.
 */

export type AgentErrorCode =
  | "InputError"
  | "InputTooLarge"
  | "ModelThrottled"
  | "ModelUnavailable"
  | "ModelError"
  | "ModelRefused"
  | "InvalidModelOutput"
  | "ArtifactError";

export class AgentError extends Error {
  constructor(
    readonly code: AgentErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AgentError";
  }
}

/** The `error` string of a FAILURE callback. */
export function publicReason(err: unknown): string {
  if (err instanceof AgentError) return `${err.code}: ${err.message}`;
  const name = err instanceof Error ? err.name : typeof err;
  return `InternalError: the agent failed unexpectedly (${name}); see the agent's logs`;
}

interface AwsLikeError {
  name?: string;
  code?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
  cause?: unknown;
}

/** Log fields of an error that cannot carry user data: never the message of a foreign error. */
export function safeErrorFields(err: unknown): Record<string, unknown> {
  if (err instanceof AgentError) return { error_name: err.name, error_code: err.code, reason: err.message };
  if (!(err instanceof Error)) return { error_name: typeof err };
  const e = err as Error & AwsLikeError;
  const frames = (e.stack ?? "")
    .split("\n")
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 8)
    .map((l) => l.trim());
  const causeCode = (e.cause as { code?: string } | undefined)?.code;
  return {
    error_name: e.name,
    error_code: e.code ?? causeCode,
    http_status: e.$metadata?.httpStatusCode,
    request_id: e.$metadata?.requestId,
    fault: e.$fault,
    stack_frames: frames,
  };
}
