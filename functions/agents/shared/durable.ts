/**
 * Completing durable callbacks (`SendDurableExecutionCallbackSuccess` / `…Failure`) and starting the durable
 * execution (an asynchronous `Invoke` with the workflow id as execution name, idempotent).
 */
import {
  CallbackTimeoutException,
  DurableExecutionAlreadyStartedException,
  InvokeCommand,
  ResourceNotFoundException,
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackSuccessCommand,
} from "@aws-sdk/client-lambda";
import { clients } from "./clients";

/** The callback can no longer be completed (timed out, already closed, execution gone). */
export class CallbackClosed extends Error {
  constructor(cause: Error) {
    super(`the callback is closed: ${cause.name}`);
    this.name = "CallbackClosed";
  }
}

function closed(e: unknown): boolean {
  return (
    e instanceof CallbackTimeoutException ||
    e instanceof ResourceNotFoundException ||
    (e instanceof Error && (e.name === "CallbackTimeoutException" || e.name === "ResourceNotFoundException"))
  );
}

export async function completeCallback(
  callbackId: string,
  outcome: { ok: true; result: unknown } | { ok: false; type: string; message: string },
): Promise<void> {
  try {
    if (outcome.ok) {
      await clients.lambda().send(
        new SendDurableExecutionCallbackSuccessCommand({
          CallbackId: callbackId,
          Result: new TextEncoder().encode(JSON.stringify(outcome.result)),
        }),
      );
    } else {
      await clients.lambda().send(
        new SendDurableExecutionCallbackFailureCommand({
          CallbackId: callbackId,
          Error: { ErrorType: outcome.type, ErrorMessage: outcome.message },
        }),
      );
    }
  } catch (e) {
    if (closed(e)) throw new CallbackClosed(e as Error);
    throw e;
  }
}

/** Starts the controller for a workflow. A second start with the same name is a no-op. */
export async function startExecution(
  functionName: string,
  workflowId: string,
  input: Record<string, unknown>,
): Promise<"started" | "already-started"> {
  try {
    await clients.lambda().send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: "Event",
        DurableExecutionName: workflowId,
        Payload: new TextEncoder().encode(JSON.stringify(input)),
      }),
    );
    return "started";
  } catch (e) {
    if (
      e instanceof DurableExecutionAlreadyStartedException ||
      (e as Error).name === "DurableExecutionAlreadyStartedException"
    )
      return "already-started";
    throw e;
  }
}
