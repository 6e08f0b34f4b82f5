/**
 * Pure rules of the jobs queue and its trigger: names per queue type, the queue attributes, and the timing
 * rule between the queue's visibility timeout and the trigger Lambda.
 */
import { Names } from "../../lib/naming";

export type QueueType = "fifo" | "standard";

/** Seconds a received job stays invisible (the seed's 900 s). */
export const VISIBILITY_TIMEOUT_SECONDS = 900;
/** Receives before a job goes to the dead-letter queue (the seed's 5). */
export const MAX_RECEIVE_COUNT = 5;
/** The DLQ keeps messages 14 days (the maximum), longer than the jobs queue, so a redriven job does not expire. */
export const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;
/** The jobs queue keeps messages 4 days (SQS default, as the seed). */
export const JOBS_RETENTION_SECONDS = 4 * 24 * 3600;

/** `tamma-<stack>-jobs[.fifo]` and `tamma-<stack>-jobs-dlq[.fifo]`. */
export function queueNames(names: Names, type: QueueType): { jobs: string; dlq: string } {
  const fifo = type === "fifo";
  return { jobs: names.queue("jobs", fifo), dlq: names.queue("jobs-dlq", fifo) };
}

/** FIFO-only attributes (content-based dedup), or none for a standard queue. */
export function fifoAttributes(type: QueueType): {
  fifoQueue?: boolean;
  contentBasedDeduplication?: boolean;
} {
  return type === "fifo" ? { fifoQueue: true, contentBasedDeduplication: true } : {};
}

/**
 * The timing rule of an SQS event source: AWS requires the visibility timeout to be at least the function
 * timeout, and recommends six times the timeout plus the batching window, so a throttled or retried
 * invocation never lets the same batch become visible (and run twice) while it is still being handled.
 * Returns the broken rule, or undefined.
 */
export function checkVisibilityVsTimeout(
  visibilitySeconds: number,
  timeoutSeconds: number,
  windowSeconds: number,
): string | undefined {
  const needed = 6 * timeoutSeconds + windowSeconds;
  if (needed > visibilitySeconds) {
    return (
      `6 x the trigger timeout + the batching window (6 x ${timeoutSeconds} + ${windowSeconds} = ${needed} s) ` +
      `must not exceed the queue's visibility timeout (${visibilitySeconds} s)`
    );
  }
  return undefined;
}

/** Rules of the event source mapping that depend on the queue type. Returns broken rules. */
export function checkBatching(type: QueueType, batchSize: number, windowSeconds: number): string[] {
  const problems: string[] = [];
  if (type === "fifo" && windowSeconds !== 0) {
    problems.push("a FIFO queue's event source cannot use a batching window: set it to 0");
  }
  if (batchSize > 10 && windowSeconds === 0) {
    problems.push("a batch size above 10 needs a batching window of at least 1 s");
  }
  if (type === "fifo" && batchSize > 10)
    problems.push("a FIFO queue's event source takes at most 10 records per batch");
  return problems;
}
