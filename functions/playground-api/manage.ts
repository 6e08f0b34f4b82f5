/**
 * One conditional UpdateItem on a table's metadata item that also enforces who may manage the table: with an
 * owner to check, the owner rule is part of the condition, and DynamoDB returns the item when the condition
 * fails (`ReturnValuesOnConditionCheckFailure`), which tells a missing table (404) from someone else's (403)
 * without a read first. PATCH and DELETE /tables/{tableId} each cost one call before their own work.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type Identity, ownerCondition } from "./auth";
import { METADATA } from "./table";

export type ManageOutcome = "updated" | "missing" | "forbidden";

export interface MetaUpdate {
  /** `SET` clauses, e.g. `["updatedAt = :now"]`. */
  sets: string[];
  values: Record<string, unknown>;
  /** A table marked `deleting` counts as missing (PATCH); DELETE passes false so that a retry goes on. */
  refuseDeleting: boolean;
  /** Checked in the same call; undefined when anyone may (auth off, or an admin). */
  owner?: Identity;
}

export async function updateMeta(
  doc: DynamoDBDocumentClient,
  table: string,
  tableId: string,
  u: MetaUpdate,
): Promise<ManageOutcome> {
  const conditions = ["attribute_exists(tableId)"];
  if (u.refuseDeleting) conditions.push("attribute_not_exists(deleting)");
  let values = u.values;
  if (u.owner) {
    const owner = ownerCondition(u.owner);
    conditions.push(owner.expression);
    values = { ...values, ...owner.values };
  }
  try {
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { tableId, username: METADATA },
        UpdateExpression: `SET ${u.sets.join(", ")}`,
        ConditionExpression: conditions.join(" AND "),
        ExpressionAttributeValues: values,
        ...(u.owner ? { ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const } : {}),
      }),
    );
    return "updated";
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
    const item = err.Item;
    if (!u.owner || !item || (u.refuseDeleting && "deleting" in item)) return "missing";
    return "forbidden";
  }
}
