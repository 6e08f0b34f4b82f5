/**
 * The workflow item's state machine (pure):
 *
 *   INITIALIZING → RUNNING → AWAITING_APPROVAL → RUNNING → COMPLETED
 *                                              ↘ REJECTED
 *   any non-terminal state → FAILED
 *
 * Writes are conditional on the current status being one a transition may start from, so a late or
 * repeated write can never move a finished workflow. Re-applying the same transition is allowed (a step
 * retried after a crash writes the same state again).
 */
export const STATUSES = [
  "INITIALIZING",
  "RUNNING",
  "AWAITING_APPROVAL",
  "COMPLETED",
  "REJECTED",
  "FAILED",
] as const;
export type Status = (typeof STATUSES)[number];

export const TERMINAL: readonly Status[] = ["COMPLETED", "REJECTED", "FAILED"];

/** `current_step` values: the seed's plus one per phase. */
export const STEPS = [
  "initialization",
  "research_phase",
  "analysis_phase",
  "human_approval",
  "writing_phase",
  "finalize",
  "completed",
  "error",
] as const;
export type Step = (typeof STEPS)[number];

const NEXT: Record<Status, readonly Status[]> = {
  INITIALIZING: ["RUNNING", "FAILED"],
  RUNNING: ["RUNNING", "AWAITING_APPROVAL", "COMPLETED", "FAILED"],
  AWAITING_APPROVAL: ["RUNNING", "REJECTED", "FAILED"],
  COMPLETED: [],
  REJECTED: [],
  FAILED: [],
};

export function canTransition(from: Status, to: Status): boolean {
  return from === to || NEXT[from].includes(to);
}

/** The statuses a write to `to` may start from (including `to` itself, for idempotent re-writes). */
export function allowedFrom(to: Status): Status[] {
  return STATUSES.filter((s) => canTransition(s, to));
}

export function isTerminal(s: Status): boolean {
  return TERMINAL.includes(s);
}
