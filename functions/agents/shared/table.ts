/**
 * The workflow table: one item per workflow (`workflow_id`), listed by status through `status-created-index`.
 * Plain JSON in and out (the document client keeps numbers as numbers, floats included).
 *
 * `callbacks.<phase>` binds each phase to its durable callback: the callback id the controller got from
 * `waitForCallback`, the SHA-256 of the token the agent received, and once accepted, the answer given, so
 * a repeated callback gets the same answer. This map is internal and never returned by the API.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { clients } from "./clients";
import { Status, Step, allowedFrom } from "./state";

export const STATUS_INDEX = "status-created-index";

export type CallbackPhase = "research" | "analysis" | "approval" | "writing";

export interface CallbackBinding {
  callback_id: string;
  /** SHA-256 of the agent's token; absent for the approval (the route is IAM/JWT-protected). */
  token_sha256?: string;
  issued_at: string;
  state: "PENDING" | "ACCEPTED";
  /** The response body given when the callback was accepted. */
  answer?: Record<string, unknown>;
}

export interface StepRecord {
  step_name: string;
  completed_at: string;
  result_summary: { status: "completed"; has_result: boolean; s3_uri?: string };
}

export interface WorkflowItem {
  workflow_id: string;
  topic: string;
  parameters: Record<string, unknown>;
  status: Status;
  current_step: Step;
  created_at: string;
  updated_at: string;
  steps_completed: StepRecord[];
  ttl: number;
  error?: { error_type: string; error_message: string; error_module: string };
  rejection_reason?: string;
  report_s3_key?: string;
  completed_at?: string;
  callbacks?: Partial<Record<CallbackPhase, CallbackBinding>>;
  [extra: string]: unknown;
}

/** Pure: the TTL (epoch seconds) of an item written at `now`. */
export function ttlFor(now: Date, retentionDays: number): number {
  return Math.floor(now.getTime() / 1000) + Math.round(retentionDays * 86400);
}

/** Pure: the fresh item the API writes. */
export function newItem(
  input: { workflow_id: string; topic: string; parameters: Record<string, unknown> },
  now: Date,
  retentionDays: number,
): WorkflowItem {
  const at = now.toISOString();
  return {
    ...input,
    status: "INITIALIZING",
    current_step: "initialization",
    created_at: at,
    updated_at: at,
    steps_completed: [],
    ttl: ttlFor(now, retentionDays),
    callbacks: {},
  };
}

/** Pure: the item as the API shows it (internal callback bindings removed). */
export function publicView(item: WorkflowItem): Record<string, unknown> {
  const { callbacks: _callbacks, ...rest } = item;
  return rest;
}

export class TransitionRefused extends Error {
  constructor(
    readonly workflowId: string,
    readonly to: Status,
  ) {
    super(`workflow ${workflowId} cannot move to ${to} from its current status`);
    this.name = "TransitionRefused";
  }
}

export class WorkflowTable {
  constructor(
    readonly name: string,
    readonly retentionDays: number,
  ) {}

  /** Creates the item; false when the id is taken. */
  async create(item: WorkflowItem): Promise<boolean> {
    try {
      await clients.ddb().send(
        new PutCommand({
          TableName: this.name,
          Item: item,
          ConditionExpression: "attribute_not_exists(workflow_id)",
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async get(workflowId: string): Promise<WorkflowItem | undefined> {
    const out = await clients
      .ddb()
      .send(new GetCommand({ TableName: this.name, Key: { workflow_id: workflowId }, ConsistentRead: true }));
    return out.Item as WorkflowItem | undefined;
  }

  /**
   * Moves the item to `status` (conditional on the state machine) and sets `fields`, `updated_at` and `ttl`.
   * Throws TransitionRefused when the current status does not allow it.
   */
  async transition(
    workflowId: string,
    status: Status,
    fields: Record<string, unknown> = {},
    opts: { appendStep?: StepRecord; now?: Date } = {},
  ): Promise<void> {
    const now = opts.now ?? new Date();
    const names: Record<string, string> = { "#status": "status", "#updated": "updated_at", "#ttl": "ttl" };
    const values: Record<string, unknown> = {
      ":status": status,
      ":updated": now.toISOString(),
      ":ttl": ttlFor(now, this.retentionDays),
    };
    const sets = ["#status = :status", "#updated = :updated", "#ttl = :ttl"];
    Object.entries(fields).forEach(([k, v], i) => {
      names[`#f${i}`] = k;
      values[`:f${i}`] = v;
      sets.push(`#f${i} = :f${i}`);
    });
    if (opts.appendStep) {
      names["#steps"] = "steps_completed";
      values[":step"] = [opts.appendStep];
      values[":empty"] = [];
      sets.push("#steps = list_append(if_not_exists(#steps, :empty), :step)");
    }
    const from = allowedFrom(status);
    from.forEach((s, i) => (values[`:from${i}`] = s));
    try {
      await clients.ddb().send(
        new UpdateCommand({
          TableName: this.name,
          Key: { workflow_id: workflowId },
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: `attribute_exists(workflow_id) AND #status IN (${from.map((_, i) => `:from${i}`).join(", ")})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) throw new TransitionRefused(workflowId, status);
      throw e;
    }
  }

  /** Binds a phase to its callback (the controller's submitter calls this before dispatching). */
  async bindCallback(workflowId: string, phase: CallbackPhase, binding: CallbackBinding): Promise<void> {
    await clients.ddb().send(
      new UpdateCommand({
        TableName: this.name,
        Key: { workflow_id: workflowId },
        UpdateExpression: "SET #cb.#phase = :binding, #updated = :now",
        ConditionExpression: "attribute_exists(#cb)",
        ExpressionAttributeNames: { "#cb": "callbacks", "#phase": phase, "#updated": "updated_at" },
        ExpressionAttributeValues: { ":binding": binding, ":now": binding.issued_at },
      }),
    );
  }

  /**
   * Marks a pending callback as accepted with its answer. False when it was not pending any more (another
   * request accepted it first).
   */
  async acceptCallback(
    workflowId: string,
    phase: CallbackPhase,
    answer: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await clients.ddb().send(
        new UpdateCommand({
          TableName: this.name,
          Key: { workflow_id: workflowId },
          UpdateExpression: "SET #cb.#phase.#state = :accepted, #cb.#phase.#answer = :answer",
          ConditionExpression: "#cb.#phase.#state = :pending",
          ExpressionAttributeNames: {
            "#cb": "callbacks",
            "#phase": phase,
            "#state": "state",
            "#answer": "answer",
          },
          ExpressionAttributeValues: { ":accepted": "ACCEPTED", ":pending": "PENDING", ":answer": answer },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  /** One page of the status index, newest first. */
  async listByStatus(
    status: Status,
    limit: number,
    startKey?: Record<string, unknown>,
  ): Promise<{ items: WorkflowItem[]; lastKey?: Record<string, unknown> }> {
    const out = await clients.ddb().send(
      new QueryCommand({
        TableName: this.name,
        IndexName: STATUS_INDEX,
        KeyConditionExpression: "#status = :status",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":status": status },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    return { items: (out.Items ?? []) as WorkflowItem[], lastKey: out.LastEvaluatedKey };
  }
}
