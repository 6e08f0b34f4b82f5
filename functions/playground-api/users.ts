/**
 * Every write to a user item, exact under concurrency and under faults: one `TransactWriteItems` that writes the
 * user item and checks (or, on a user's first write, updates) the table's metadata item in the same atomic step:
 * - the metadata item must exist and not be archived: an archive racing a write either lands before it (the write
 *   is refused) or after it; no write gets through after the archive;
 * - on a first write the same transaction adds 1 to `userCount`, so the count and the users cannot drift apart,
 *   whatever fails: a transaction is applied whole or not at all;
 * - the user item carries a version `ver`; each write is conditional on the version it computed from, so two
 *   writers that read the same item cannot both win (the loser re-reads and recomputes; bounded).
 * On a condition failure DynamoDB returns the item as it is (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), so
 * a wrong guess costs no extra read. A retried transaction (the SDK retries after a lost answer) is harmless:
 * its condition no longer holds, the next round sees the applied write and converges to the same state.
 */
import {
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type ConditionCheck,
  type DynamoDBClient,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { METADATA } from "./table";

type Item = Record<string, unknown>;

/**
 * What the write does to a user item, given the item as it is (undefined: the user does not exist yet). For an
 * existing item, `condition` (with its `values`) states what of the old item the computation depended on; when
 * absent, the write is conditional on the item's version (any concurrent change makes it recompute).
 */
export type UserChange = (
  old: Item | undefined,
) => { set: Item; remove?: string[]; condition?: string; values?: Item } | { refuse: "userNotFound" };

export type WriteOutcome =
  | { kind: "ok"; createdNew: boolean; item: Item }
  | { kind: "tableNotFound" }
  | { kind: "archived" }
  | { kind: "userNotFound" };

export interface WriteOptions {
  /**
   * An assumption about the current item that lets the first round skip the read: the condition that proves it
   * (`#u` is `username`) and the item to compute from. When the condition fails, DynamoDB hands back the item.
   */
  guess?: { condition: string; old: Item };
  /** How many rounds at most (each round is one transaction). */
  maxRounds?: number;
  /**
   * The request's id, stored on the item as `writeId`: when an answer is lost and a later round (or the
   * reconciling read) finds this id on the item, this request's write was applied, and it reports it as its own.
   */
  requestId: string;
}

/** Thrown when the rounds run out (only under sustained contention on one user): a 503 to the caller. */
export class Contention extends Error {
  constructor() {
    super("too many concurrent writes to this user; retry");
    this.name = "Contention";
  }
}

const META_OK =
  "attribute_exists(tableId) AND attribute_not_exists(deleting) AND (attribute_not_exists(isArchived) OR isArchived = :false)";

export async function writeUser(
  raw: DynamoDBClient,
  tableName: string,
  tableId: string,
  username: string,
  change: UserChange,
  opts: WriteOptions,
): Promise<WriteOutcome> {
  const maxRounds = opts.maxRounds ?? 10;
  // `known`: the item as last seen (undefined inside = absent); undefined itself = not seen yet, use the guess.
  let known: { item: Item | undefined } | undefined;
  for (let round = 0; round < maxRounds; round++) {
    const useGuess = known === undefined && opts.guess !== undefined;
    if (known === undefined && !useGuess) known = { item: await readUser(raw, tableName, tableId, username) };
    const old = useGuess ? opts.guess!.old : known!.item;
    const isNew = !useGuess && old === undefined;
    const changed = change(old);
    if ("refuse" in changed) {
      const meta = await readUser(raw, tableName, tableId, METADATA);
      if (!meta || meta.deleting !== undefined) return { kind: "tableNotFound" };
      return { kind: changed.refuse };
    }
    const wanted = { ...changed, set: { ...changed.set, writeId: opts.requestId, writeNew: isNew } };
    const userCondition = useGuess
      ? opts.guess!.condition
      : isNew
        ? "attribute_not_exists(#u)"
        : changed.condition !== undefined
          ? `attribute_exists(#u) AND ${changed.condition}`
          : old!.ver === undefined
            ? "attribute_exists(#u) AND attribute_not_exists(#ver)"
            : "#ver = :oldVer";
    const items = [
      userUpdate(tableName, tableId, username, wanted, userCondition, old),
      metaItem(tableName, tableId, isNew),
    ];
    try {
      await raw.send(new TransactWriteItemsCommand({ TransactItems: items }));
      const after: Item = { ...(old ?? {}), ...wanted.set, tableId, username };
      for (const k of wanted.remove ?? []) delete after[k];
      return { kind: "ok", createdNew: isNew, item: after };
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) {
        // Ambiguous (the SDK's retries ran out): the transaction may have been applied. Reconcile by reading.
        const now = await readUser(raw, tableName, tableId, username).catch(() => undefined);
        if (now?.writeId === opts.requestId)
          return { kind: "ok", createdNew: now.writeNew === true, item: now };
        throw err;
      }
      const reasons = err.CancellationReasons ?? [];
      const meta = reasons[1];
      if (meta?.Code === "ConditionalCheckFailed") {
        const m = meta.Item ? unmarshall(meta.Item) : undefined;
        return m && m.tableId !== undefined && m.deleting === undefined
          ? { kind: "archived" }
          : { kind: "tableNotFound" };
      }
      const user = reasons[0];
      if (user?.Code === "ConditionalCheckFailed") {
        const item = user.Item && Object.keys(user.Item).length > 0 ? unmarshall(user.Item) : undefined;
        // An earlier attempt of this same request was applied (its answer was lost and the SDK retried).
        if (item?.writeId === opts.requestId) return { kind: "ok", createdNew: item.writeNew === true, item };
        known = { item };
        continue;
      }
      // TransactionConflict (another transaction on the same items): nothing was written; read again and retry.
      known = undefined;
      opts = { ...opts, guess: undefined };
    }
    // Lost a race: back off a little (jittered) before the next round.
    await new Promise((r) => setTimeout(r, Math.random() * 5 * (round + 1)));
  }
  throw new Contention();
}

async function readUser(
  raw: DynamoDBClient,
  tableName: string,
  tableId: string,
  username: string,
): Promise<Item | undefined> {
  const out = await raw.send(
    new GetItemCommand({ TableName: tableName, Key: marshall({ tableId, username }), ConsistentRead: true }),
  );
  return out.Item ? unmarshall(out.Item) : undefined;
}

/** The user item's Update: SET of the wanted attributes and the version bump, under `condition`. */
export function userUpdate(
  tableName: string,
  tableId: string,
  username: string,
  wanted: { set: Item; remove?: string[]; values?: Item },
  condition: string,
  old: Item | undefined,
): TransactWriteItem {
  const names: Record<string, string> = { "#ver": "ver" };
  const values: Item = { ":zero": 0, ":one": 1 };
  for (const [k, v] of Object.entries(wanted.values ?? {})) if (condition.includes(k)) values[k] = v;
  const sets = ["#ver = if_not_exists(#ver, :zero) + :one"];
  Object.entries(wanted.set).forEach(([k, v], i) => {
    names[`#a${i}`] = k;
    values[`:a${i}`] = v;
    sets.push(`#a${i} = :a${i}`);
  });
  const removes = (wanted.remove ?? []).map((k, i) => {
    names[`#r${i}`] = k;
    return `#r${i}`;
  });
  if (condition.includes("#u")) names["#u"] = "username";
  if (condition.includes(":oldVer")) values[":oldVer"] = old?.ver;
  return {
    Update: {
      TableName: tableName,
      Key: marshall({ tableId, username }),
      UpdateExpression: `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    },
  };
}

function metaItem(tableName: string, tableId: string, isNew: boolean): TransactWriteItem {
  const key = marshall({ tableId, username: METADATA });
  if (isNew) {
    return {
      Update: {
        TableName: tableName,
        Key: key,
        UpdateExpression: "ADD userCount :one",
        ConditionExpression: META_OK,
        ExpressionAttributeValues: marshall({ ":one": 1, ":false": false }),
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    };
  }
  const check: ConditionCheck = {
    TableName: tableName,
    Key: key,
    ConditionExpression: META_OK,
    ExpressionAttributeValues: marshall({ ":false": false }),
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
  return { ConditionCheck: check };
}
