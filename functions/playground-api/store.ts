/**
 * Every DynamoDB call the API makes, one function per operation. Writes that must be exact under concurrency
 * are single conditional or atomic requests (DynamoDB serialises writes to one item):
 * - create table: PutItem with `attribute_not_exists(tableId)`: one winner, everyone else a 409;
 * - write user: UpdateItem (an upsert) returning `UPDATED_OLD`: exactly one of several concurrent first writes
 *   sees no old item, and only that request adds 1 to `userCount` (an atomic `ADD`);
 * - patch table: UpdateItem with `attribute_exists(tableId)`: never creates a phantom table.
 * No Scan anywhere: listings are Queries of one index partition, a page at a time.
 */
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  QueryCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { TablesKey, UsersKey } from "./cursor";
import { createdKey, isoUtc, rankKey } from "./keys";
import { INDEX, METADATA } from "./table";
import { WriteOutcome, writeUser } from "./users";

export interface TableMeta {
  tableId: string;
  displayName: string;
  createdAt: string;
  isArchived: boolean;
  userCount: number;
}

export interface UserScore {
  username: string;
  submissionCount: number;
  totalCount: number;
  lastUpdated: string | null;
}

export interface Page<T, K> {
  items: T[];
  /** Key of the last returned item when more items exist. */
  lastKey?: K;
}

export interface StoreOptions {
  tableName: string;
  /** Strongly consistent GetItem (SAFE_CONCURRENCY=true). */
  consistentRead: boolean;
}

type Item = Record<string, unknown>;

const int = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? Math.trunc(v) : 0);

export function toTableMeta(item: Item): TableMeta {
  const tableId = String(item.tableId);
  return {
    tableId,
    displayName: typeof item.displayName === "string" ? item.displayName : tableId,
    createdAt: typeof item.createdAt === "string" ? isoUtc(item.createdAt) : "",
    isArchived: item.isArchived === true,
    userCount: int(item.userCount),
  };
}

export function toUserScore(item: Item): UserScore {
  return {
    username: String(item.username),
    submissionCount: int(item.submissionCount),
    totalCount: int(item.totalCount),
    lastUpdated: typeof item.lastUpdated === "string" ? isoUtc(item.lastUpdated) : null,
  };
}

export function isConditionFailure(err: unknown): boolean {
  return (err as { name?: string } | null)?.name === "ConditionalCheckFailedException";
}

/** How many Query requests one page may take at most (each returns up to 1 MB; a page is far smaller). */
const MAX_QUERIES_PER_PAGE = 4;

export class Store {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly raw: DynamoDBClient,
    private readonly opts: StoreOptions,
  ) {}

  private get table(): string {
    return this.opts.tableName;
  }

  async getTable(tableId: string): Promise<TableMeta | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { tableId, username: METADATA },
        ConsistentRead: this.opts.consistentRead,
      }),
    );
    return out.Item ? toTableMeta(out.Item) : undefined;
  }

  /** Creates the metadata item; false when the table already exists. */
  async createTable(tableId: string, displayName: string, now: string): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            tableId,
            username: METADATA,
            displayName,
            createdAt: now,
            isArchived: false,
            userCount: 0,
            createdKey: createdKey(now, tableId),
          },
          ConditionExpression: "attribute_not_exists(tableId)",
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** Updates the metadata item; false when the table does not exist. */
  async patchTable(
    tableId: string,
    patch: { displayName?: string; isArchived?: boolean },
    now: string,
  ): Promise<boolean> {
    const sets = ["updatedAt = :now"];
    const values: Item = { ":now": now };
    if (patch.displayName !== undefined) {
      sets.push("displayName = :dn");
      values[":dn"] = patch.displayName;
    }
    if (patch.isArchived !== undefined) {
      sets.push("isArchived = :ar");
      values[":ar"] = patch.isArchived;
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { tableId, username: METADATA },
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: "attribute_exists(tableId)",
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async listTables(limit: number, after?: TablesKey): Promise<Page<TableMeta, TablesKey>> {
    const page = await this.queryPage(
      {
        TableName: this.table,
        IndexName: INDEX.tablesByCreatedAt,
        KeyConditionExpression: "username = :m",
        ExpressionAttributeValues: { ":m": METADATA },
        ScanIndexForward: false,
        ExclusiveStartKey: after,
      },
      limit,
    );
    const last = page.lastItem;
    return {
      items: page.items.map(toTableMeta),
      lastKey: last
        ? { tableId: String(last.tableId), username: METADATA, createdKey: String(last.createdKey) }
        : undefined,
    };
  }

  async listUsers(tableId: string, limit: number, after?: UsersKey): Promise<Page<UserScore, UsersKey>> {
    const page = await this.queryPage(
      {
        TableName: this.table,
        IndexName: INDEX.leaderboard,
        KeyConditionExpression: "tableId = :t",
        ExpressionAttributeValues: { ":t": tableId },
        ScanIndexForward: true,
        ExclusiveStartKey: after,
      },
      limit,
    );
    const last = page.lastItem;
    return {
      items: page.items.map(toUserScore),
      lastKey: last ? { tableId, username: String(last.username), rank: String(last.rank) } : undefined,
    };
  }

  /**
   * One page of `limit` items. Asks for `limit + 1` so "more exists" is known without an extra request; the
   * cursor is the key of the page's last item. Continues only if DynamoDB stopped early at its 1 MB cap.
   */
  private async queryPage(
    input: QueryCommandInput,
    limit: number,
  ): Promise<{ items: Item[]; lastItem?: Item }> {
    const items: Item[] = [];
    let start = input.ExclusiveStartKey;
    for (let i = 0; i < MAX_QUERIES_PER_PAGE; i++) {
      const out = await this.doc.send(
        new QueryCommand({ ...input, ExclusiveStartKey: start, Limit: limit + 1 - items.length }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
      if (items.length > limit || !start) break;
    }
    if (items.length > limit) return { items: items.slice(0, limit), lastItem: items[limit - 1] };
    // Stopped by the 1 MB cap (or the query bound) with fewer items: the last item is still a valid cursor.
    return { items, lastItem: start && items.length > 0 ? items[items.length - 1] : undefined };
  }

  async getUser(tableId: string, username: string): Promise<UserScore | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { tableId, username },
        ConsistentRead: this.opts.consistentRead,
      }),
    );
    return out.Item ? toUserScore(out.Item) : undefined;
  }

  /**
   * Writes a user's counts (see `users.ts`: one transaction with the table's metadata item). The first round
   * assumes the user exists without a moral-compass score (the common rewrite: one call, no read).
   */
  putUser(
    tableId: string,
    username: string,
    counts: { submissionCount: number; totalCount: number },
    now: string,
    requestId: string,
  ): Promise<WriteOutcome> {
    return writeUser(
      this.raw,
      this.table,
      tableId,
      username,
      (old) => ({
        set: {
          submissionCount: counts.submissionCount,
          totalCount: counts.totalCount,
          lastUpdated: now,
          rank: rankKey(counts.submissionCount, username),
        },
        // The rank depends on the score only: concurrent count writes need not serialise on the version.
        ...(old?.moralCompassScore === undefined
          ? { condition: "attribute_not_exists(moralCompassScore)" }
          : { condition: "moralCompassScore = :score", values: { ":score": old.moralCompassScore } }),
      }),
      {
        requestId,
        guess: { condition: "attribute_exists(#u) AND attribute_not_exists(moralCompassScore)", old: {} },
      },
    );
  }

  async describe(): Promise<{ status: string; indexes: Record<string, string> }> {
    const out = await this.raw.send(new DescribeTableCommand({ TableName: this.table }));
    const indexes: Record<string, string> = {};
    for (const g of out.Table?.GlobalSecondaryIndexes ?? [])
      indexes[g.IndexName ?? "?"] = g.IndexStatus ?? "?";
    return { status: out.Table?.TableStatus ?? "UNKNOWN", indexes };
  }
}
