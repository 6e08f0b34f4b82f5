/**
 * The durable controller: research → analysis → human approval → writing → finalize.
 *
 * Each agent phase is one `waitForCallback`. Its submitter runs once per phase (replays read the checkpoint
 * and never dispatch again): it mints the phase's token, binds the callback id and the token's hash to the
 * workflow item, then dispatches the agent. The phase ends when the callback API completes the callback, or
 * fails the workflow when the phase times out or the agent reports FAILURE. Results over 200 KB arrive as
 * S3 references and stay references in every checkpoint. Every side effect (item writes, events, the
 * report) runs inside a named step, so a replay repeats none of them.
 */
import { DurableContext, DurableOperationError, withDurableExecution } from "@aws/durable-execution-sdk-js";
import { CopyObjectCommand } from "@aws-sdk/client-s3";
import { AgentDispatcher, agentCoreDispatcher } from "../shared/agents";
import { isS3Reference, parseS3Uri, reportKey, storeJson } from "../shared/artifacts";
import { clients } from "../shared/clients";
import { emit } from "../shared/events";
import { AgentPhase, Settings, readSettings } from "../shared/settings";
import { WorkflowTable } from "../shared/table";
import { hashToken, mintToken } from "../shared/tokens";
import {
  PHASE_STEP,
  PhaseFailed,
  WorkflowInput,
  approvalSummary,
  callbackUrl,
  checkInput,
  phaseFailure,
  phaseInput,
  readApproval,
  readResult,
  resultSummary,
} from "./phases";

export type WorkflowResult =
  | { status: "COMPLETED"; workflow_id: string; report_s3_key: string; completed_at: string }
  | { status: "REJECTED"; workflow_id: string; reason: string }
  | { status: "FAILED"; workflow_id: string; error: { error_type: string; error_message: string } };

/** Builds the durable handler around an agent dispatcher (AgentCore in Lambda). */
export function createHandler(dispatcher: AgentDispatcher) {
  return withDurableExecution(async (event: unknown, ctx: DurableContext): Promise<WorkflowResult> => {
    const wf = checkInput(event);
    const settings = readSettings();
    const table = new WorkflowTable(settings.table, settings.retentionDays);
    const id = wf.workflow_id;

    await ctx.step("start", async () => {
      await table.transition(id, "RUNNING", { current_step: "research_phase" });
      await emit("WorkflowStarted", id, { topic: wf.topic, started_at: new Date().toISOString() });
      return true;
    });

    try {
      const research = await agentPhase(ctx, dispatcher, settings, table, wf, "research", {});
      const analysis = await agentPhase(ctx, dispatcher, settings, table, wf, "analysis", { research });

      const approvalRaw = await ctx
        .waitForCallback(
          "human_approval",
          async (callbackId) => {
            const at = new Date().toISOString();
            await table.bindCallback(id, "approval", {
              callback_id: callbackId,
              issued_at: at,
              state: "PENDING",
            });
            await table.transition(id, "AWAITING_APPROVAL", { current_step: "human_approval" });
            await emit("ApprovalRequested", id, {
              status: "approval_required",
              ...approvalSummary(analysis),
              approval_url: `${settings.callbackApiUrl}/workflows/${id}/approval`,
              requested_at: at,
              expires_in_seconds: settings.timeouts.approval,
            });
          },
          { timeout: { seconds: settings.timeouts.approval } },
        )
        .catch((e: unknown) => {
          throw phaseFailure("approval", settings.timeouts.approval, e);
        });
      const decision = readApproval(approvalRaw);

      if (!decision.approved) {
        const reason = decision.reason ?? "No reason provided";
        await ctx.step("reject", async () => {
          await table.transition(id, "REJECTED", { current_step: "completed", rejection_reason: reason });
          await emit("WorkflowCompleted", id, {
            status: "REJECTED",
            reason,
            completed_at: new Date().toISOString(),
          });
          return true;
        });
        return { status: "REJECTED", workflow_id: id, reason };
      }

      await ctx.step("resume", async () => {
        await table.transition(id, "RUNNING", { current_step: "writing_phase" });
        return true;
      });
      const report = await agentPhase(ctx, dispatcher, settings, table, wf, "writing", {
        analysis,
        feedback: decision.feedback,
      });

      return await ctx.step("finalize", async () => {
        const key = reportKey(id);
        if (isS3Reference(report)) {
          const src = parseS3Uri(report.s3_uri);
          await clients.s3().send(
            new CopyObjectCommand({
              Bucket: settings.bucket,
              Key: key,
              CopySource: `${src.bucket}/${src.key.split("/").map(encodeURIComponent).join("/")}`,
              ServerSideEncryption: "AES256",
            }),
          );
        } else {
          // The writer's report as it delivered it, whether it came inline or by reference.
          await storeJson(settings.bucket, key, report);
        }
        const completedAt = new Date().toISOString();
        await table.transition(
          id,
          "COMPLETED",
          { current_step: "completed", report_s3_key: key, completed_at: completedAt },
          {
            appendStep: {
              step_name: "finalize",
              completed_at: completedAt,
              result_summary: resultSummary(key),
            },
          },
        );
        await emit("WorkflowCompleted", id, {
          status: "COMPLETED",
          report_s3_key: key,
          completed_at: completedAt,
        });
        return {
          status: "COMPLETED" as const,
          workflow_id: id,
          report_s3_key: key,
          completed_at: completedAt,
        };
      });
    } catch (e) {
      // Only phase failures end the workflow here; anything else is the SDK's own control flow or a bug.
      if (!(e instanceof PhaseFailed) && !(e instanceof DurableOperationError)) throw e;
      const failure = e instanceof PhaseFailed ? e : phaseFailure("workflow", 0, e);
      const error = {
        error_type: failure.errorType,
        error_message: failure.message,
        error_module: `controller.${failure.phase}`,
      };
      await ctx.step("fail", async () => {
        await table.transition(id, "FAILED", { current_step: "error", error });
        await emit("WorkflowFailed", id, { error, failed_at: new Date().toISOString() });
        return true;
      });
      return {
        status: "FAILED",
        workflow_id: id,
        error: { error_type: error.error_type, error_message: error.error_message },
      };
    }
  });
}

/** One agent phase: dispatch once, wait for the callback, record the step. Returns the (inline or S3) result. */
async function agentPhase(
  ctx: DurableContext,
  dispatcher: AgentDispatcher,
  settings: Settings,
  table: WorkflowTable,
  wf: WorkflowInput,
  phase: AgentPhase,
  prior: { research?: unknown; analysis?: unknown; feedback?: string },
): Promise<unknown> {
  const id = wf.workflow_id;
  const timeout = settings.timeouts[phase];
  let raw: unknown;
  try {
    raw = await ctx.waitForCallback(
      phase,
      async (callbackId) => {
        const token = mintToken();
        const at = new Date().toISOString();
        await table.bindCallback(id, phase, {
          callback_id: callbackId,
          token_sha256: hashToken(token),
          issued_at: at,
          state: "PENDING",
        });
        if (phase !== "research") await table.transition(id, "RUNNING", { current_step: PHASE_STEP[phase] });
        await dispatcher.dispatch({
          phase,
          agentArn: settings.agentArns[phase],
          workflowId: id,
          callbackUrl: callbackUrl(settings, id),
          callbackToken: token,
          input: phaseInput(phase, wf, prior),
        });
      },
      {
        timeout: { seconds: timeout },
        retryStrategy: (_e, attempt) => ({ shouldRetry: attempt < 2, delay: { seconds: 2 } }),
      },
    );
  } catch (e) {
    throw phaseFailure(phase, timeout, e);
  }
  const result = readResult(raw);
  await ctx.step(`${phase}-recorded`, async () => {
    const at = new Date().toISOString();
    await table.transition(
      id,
      "RUNNING",
      {},
      {
        appendStep: { step_name: PHASE_STEP[phase], completed_at: at, result_summary: resultSummary(result) },
      },
    );
    return true;
  });
  return result;
}

export const handler = createHandler(agentCoreDispatcher);
