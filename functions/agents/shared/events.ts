/** Workflow events on the default bus, source `agent.orchestration` (the seed's rule matches these four). */
import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { clients } from "./clients";

export const EVENT_SOURCE = "agent.orchestration";
export const EVENT_TYPES = [
  "WorkflowStarted",
  "ApprovalRequested",
  "WorkflowCompleted",
  "WorkflowFailed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Puts one event; throws when EventBridge reports the entry as failed. */
export async function emit(
  type: EventType,
  workflowId: string,
  detail: Record<string, unknown>,
): Promise<void> {
  const out = await clients.events().send(
    new PutEventsCommand({
      Entries: [
        {
          Source: EVENT_SOURCE,
          DetailType: type,
          Resources: [workflowId],
          Detail: JSON.stringify({ workflow_id: workflowId, ...detail }),
        },
      ],
    }),
  );
  if (out.FailedEntryCount) {
    const e = out.Entries?.find((x) => x.ErrorCode);
    throw new Error(
      `EventBridge rejected ${type}: ${e?.ErrorCode ?? "unknown"} ${e?.ErrorMessage ?? ""}`.trim(),
    );
  }
}
