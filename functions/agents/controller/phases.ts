/**
 * The workflow's phases and the pure decisions around them: what each agent receives, how a callback's
 * result is read back, and the reason a failed phase gives the workflow.
 */
import { CallbackTimeoutError, DurableOperationError } from "@aws/durable-execution-sdk-js";
import { isS3Reference } from "../shared/artifacts";
import type { AgentPhase, Settings } from "../shared/settings";
import type { Step } from "../shared/state";

export interface WorkflowInput {
  workflow_id: string;
  topic: string;
  parameters?: Record<string, unknown>;
}

export const PHASE_STEP: Record<AgentPhase, Step> = {
  research: "research_phase",
  analysis: "analysis_phase",
  writing: "writing_phase",
};

/** Pure: checks the execution's input (the API wrote it; a hand-made invoke may not). */
export function checkInput(event: unknown): WorkflowInput {
  const e = event as Partial<WorkflowInput> | undefined;
  if (!e || typeof e.workflow_id !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(e.workflow_id))
    throw new Error("controller input: workflow_id must match [A-Za-z0-9_-]{1,64}");
  if (typeof e.topic !== "string" || e.topic.length === 0)
    throw new Error("controller input: topic is required");
  return { workflow_id: e.workflow_id, topic: e.topic, parameters: e.parameters ?? {} };
}

/** Pure: the input of each agent phase (the seed's payloads; large results stay S3 references). */
export function phaseInput(
  phase: AgentPhase,
  wf: WorkflowInput,
  prior: { research?: unknown; analysis?: unknown; feedback?: string },
): Record<string, unknown> {
  switch (phase) {
    case "research":
      return { topic: wf.topic, parameters: wf.parameters };
    case "analysis":
      return { topic: wf.topic, parameters: wf.parameters, research_data: prior.research };
    case "writing":
      return {
        topic: wf.topic,
        parameters: wf.parameters,
        analysis: prior.analysis,
        feedback: prior.feedback ?? "",
      };
  }
}

/** Pure: the phase's callback URL, `<api>/callbacks/<id>` with exactly one slash between the parts. */
export function callbackUrl(settings: Pick<Settings, "callbackApiUrl">, workflowId: string): string {
  return `${settings.callbackApiUrl.replace(/\/+$/, "")}/callbacks/${encodeURIComponent(workflowId)}`;
}

/** Pure: a callback's result (JSON text) back to a value; inline or an S3 reference. */
export function readResult(raw: unknown): unknown {
  if (typeof raw !== "string") return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Pure: a short summary of a phase result for the step record. */
export function resultSummary(result: unknown): {
  status: "completed";
  has_result: boolean;
  s3_uri?: string;
} {
  return {
    status: "completed",
    has_result: result !== undefined && result !== null,
    ...(isS3Reference(result) ? { s3_uri: result.s3_uri } : {}),
  };
}

export interface ApprovalDecision {
  approved: boolean;
  feedback?: string;
  reason?: string;
  approved_by?: string;
  approved_at?: string;
}

/** Pure: reads the approval; anything but `approved: true` is a rejection (the seed's rule). */
export function readApproval(raw: unknown): ApprovalDecision {
  const v = readResult(raw) as Partial<ApprovalDecision> | undefined;
  return {
    approved: v?.approved === true,
    feedback: typeof v?.feedback === "string" ? v.feedback : undefined,
    reason: typeof v?.reason === "string" && v.reason ? v.reason : undefined,
    approved_by: typeof v?.approved_by === "string" ? v.approved_by : undefined,
    approved_at: typeof v?.approved_at === "string" ? v.approved_at : undefined,
  };
}

/** Pure: the analysis summary the approval event carries (a reference when the analysis is in S3). */
export function approvalSummary(analysis: unknown): Record<string, unknown> {
  if (isS3Reference(analysis)) return { analysis_s3_uri: analysis.s3_uri };
  const text = typeof analysis === "string" ? analysis : JSON.stringify(analysis);
  return { analysis_summary: text.length > 1000 ? `${text.slice(0, 997)}...` : text };
}

export class PhaseFailed extends Error {
  constructor(
    /** The phase, or the workflow step (`start`, `finalize`, ...) that failed. */
    readonly phase: string,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = "PhaseFailed";
  }
}

/** Pure: the workflow's `error` for an error that ended a phase (timeout, agent failure, dispatch failure). */
export function phaseFailure(phase: string, timeoutSeconds: number, e: unknown): PhaseFailed {
  if (e instanceof CallbackTimeoutError)
    return new PhaseFailed(phase, "PhaseTimeout", `${phase} phase timed out after ${timeoutSeconds} s`);
  if (e instanceof DurableOperationError) {
    const cause = (e as { cause?: { message?: string } }).cause;
    const detail = (cause?.message ?? e.message ?? "failed").slice(0, 1000);
    const type =
      e.errorType === "CallbackSubmitterError"
        ? "DispatchFailed"
        : e.errorType === "StepError"
          ? "StepFailed"
          : "AgentFailure";
    return new PhaseFailed(phase, type, `${phase} phase failed: ${detail}`);
  }
  return new PhaseFailed(
    phase,
    "InternalError",
    `${phase} phase failed: ${(e as Error)?.message ?? String(e)}`,
  );
}
