/**
 * DELETE /tables/{tableId}: first marks the metadata item `deleting` (conditional: from then on every user write
 * is refused by its transaction's metadata check), then deletes the user items page by page, then the metadata
 * item. A retry after a failure half-way continues where it stopped.
 */
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Identity } from "./auth";
import { updateMeta } from "./manage";
import { METADATA } from "./table";

type Item = Record<string, unknown>;

/** How many pages of 100 keys one request deletes at most (then it asks for a retry). */
const MAX_DELETE_PAGES = 200;

/**
 * Deletes a table and its users. First marks the metadata item `deleting` (conditional: from then on every
 * user write is refused by its transaction's metadata check), then deletes the user items page by page,
 * then the metadata item. A retry after a failure half-way continues where it stopped. With `owner`, the
 * marking checks the owner in the same call. Returns the number of items deleted, or why nothing was.
 */
export async function deleteTable(
  doc: DynamoDBDocumentClient,
  table: string,
  tableId: string,
  now: string,
  owner?: Identity,
): Promise<number | "missing" | "forbidden"> {
  const marked = await updateMeta(doc, table, tableId, {
    sets: ["deleting = :now"],
    values: { ":now": now },
    refuseDeleting: false,
    owner,
  });
  if (marked !== "updated") return marked;
  let deleted = 0;
  let start: Item | undefined;
  for (let page = 0; page < MAX_DELETE_PAGES; page++) {
    const out = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "tableId = :t",
        ExpressionAttributeValues: { ":t": tableId },
        ProjectionExpression: "tableId, username",
        ConsistentRead: true,
        Limit: 100,
        ExclusiveStartKey: start,
      }),
    );
    const users = (out.Items ?? []).filter((i) => i.username !== METADATA);
    for (let i = 0; i < users.length; i += 25) {
      deleted += await batchDelete(doc, table, users.slice(i, i + 25));
    }
    start = out.LastEvaluatedKey;
    if (!start) break;
  }
  if (start)
    throw new Error(`deleteTable ${tableId}: more than ${MAX_DELETE_PAGES} pages; call again to go on`);
  await doc.send(new DeleteCommand({ TableName: table, Key: { tableId, username: METADATA } }));
  return deleted + 1;
}

async function batchDelete(doc: DynamoDBDocumentClient, table: string, keys: Item[]): Promise<number> {
  let pending = keys.map((k) => ({ DeleteRequest: { Key: { tableId: k.tableId, username: k.username } } }));
  for (let attempt = 0; attempt < 8 && pending.length > 0; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
    const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
    pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
  }
  if (pending.length > 0) throw new Error("BatchWriteItem left items unprocessed after 8 attempts");
  return keys.length;
}
