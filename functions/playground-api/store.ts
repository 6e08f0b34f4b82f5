/**
 * Every DynamoDB call the API makes, one function per operation. Writes that must be exact under concurrency
 * are single conditional or atomic requests (DynamoDB serialises writes to one item):
 * - create table: PutItem with `attribute_not_exists(tableId)`: one winner, everyone else a 409;
 * - write user: UpdateItem (an upsert) returning `UPDATED_OLD`: exactly one of several concurrent first writes
 *   sees no old item, and only that request adds 1 to `userCount` (an atomic `ADD`);
 * - patch table: UpdateItem with `attribute_exists(tableId)`: never creates a phantom table.
 * No Scan anywhere: listings are Queries of one index partition, a page at a time.
 */
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { TablesKey, UsersKey } from "./cursor";
import { createdKey, isoUtc, rankKey } from "./keys";
import { INDEX, METADATA } from "./table";
import type { Identity, Owner } from "./auth";
import { deleteTable } from "./delete-table";
import { type ManageOutcome, updateMeta } from "./manage";
import { WriteOutcome, writeUser } from "./users";
import type { MoralCompassInput } from "./validate";

export interface TableMeta {
  tableId: string;
  displayName: string;
  createdAt: string;
  isArchived: boolean;
  userCount: number;
  playgroundId?: string;
  playgroundUrl?: string;
  region?: string;
  ownerPrincipal?: string;
}

export interface UserScore {
  username: string;
  submissionCount: number;
  totalCount: number;
  lastUpdated: string | null;
  teamName?: string;
  completedTaskIds?: string[];
  moralCompassScore?: number;
  metrics?: Record<string, number>;
  primaryMetric?: string;
  tasksCompleted?: number;
  totalTasks?: number;
  questionsCorrect?: number;
  totalQuestions?: number;
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
    ...pick(item, ["playgroundId", "playgroundUrl", "region", "ownerPrincipal"], "string"),
  };
}

function pick(item: Item, keys: string[], type: "string" | "number"): Item {
  const out: Item = {};
  for (const k of keys) if (typeof item[k] === type && item[k] !== "") out[k] = item[k];
  return out;
}

export function toUserScore(item: Item): UserScore {
  return {
    username: String(item.username),
    submissionCount: int(item.submissionCount),
    totalCount: int(item.totalCount),
    lastUpdated: typeof item.lastUpdated === "string" ? isoUtc(item.lastUpdated) : null,
    ...pick(item, ["teamName", "primaryMetric"], "string"),
    ...pick(
      item,
      ["moralCompassScore", "tasksCompleted", "totalTasks", "questionsCorrect", "totalQuestions"],
      "number",
    ),
    ...(Array.isArray(item.completedTaskIds)
      ? { completedTaskIds: item.completedTaskIds.map(String) }
      : item.completedTaskIds instanceof Set
        ? { completedTaskIds: [...item.completedTaskIds].map(String) }
        : {}),
    ...(item.metrics !== null && typeof item.metrics === "object" && !Array.isArray(item.metrics)
      ? { metrics: item.metrics as Record<string, number> }
      : {}),
  };
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
    return out.Item && out.Item.deleting === undefined ? toTableMeta(out.Item) : undefined;
  }

  /** Creates the metadata item; false when the table already exists. */
  async createTable(
    tableId: string,
    displayName: string,
    now: string,
    extra: Owner & { playgroundUrl?: string; playgroundId?: string; region?: string } = {},
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...extra,
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
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /**
   * Updates the metadata item in one conditional call, checking `owner` in it when given (`manage.ts`):
   * missing also when the table is being deleted.
   */
  patchTable(
    tableId: string,
    patch: { displayName?: string; isArchived?: boolean },
    now: string,
    owner?: Identity,
  ): Promise<ManageOutcome> {
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
    return updateMeta(this.doc, this.table, tableId, { sets, values, refuseDeleting: true, owner });
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
    input: { submissionCount: number; totalCount: number; teamName?: string },
    now: string,
    requestId: string,
  ): Promise<WriteOutcome> {
    return writeUser(
      this.raw,
      this.table,
      tableId,
      username,
      (old) => {
        const score = typeof old?.moralCompassScore === "number" ? old.moralCompassScore : undefined;
        return {
          set: {
            submissionCount: input.submissionCount,
            totalCount: input.totalCount,
            lastUpdated: now,
            rank: rankKey(input.submissionCount, username, score ?? 0),
            ...(input.teamName !== undefined ? { teamName: input.teamName } : {}),
          },
          // The rank depends on the score only: concurrent count writes need not serialise on the version.
          ...(score === undefined
            ? { condition: "attribute_not_exists(moralCompassScore)" }
            : { condition: "moralCompassScore = :score", values: { ":score": score } }),
        };
      },
      {
        requestId,
        guess: { condition: "attribute_exists(#u) AND attribute_not_exists(moralCompassScore)", old: {} },
      },
    );
  }

  /** Writes a user's moral-compass fields and score; a new user starts with zero counts (as the head). */
  putMoralCompass(
    tableId: string,
    username: string,
    input: MoralCompassInput,
    now: string,
    requestId: string,
  ): Promise<WriteOutcome> {
    return writeUser(
      this.raw,
      this.table,
      tableId,
      username,
      (old) => {
        const count = typeof old?.submissionCount === "number" ? old.submissionCount : undefined;
        const { teamName, completedTaskIds, ...fields } = input;
        return {
          set: {
            ...fields,
            lastUpdated: now,
            rank: rankKey(count ?? 0, username, input.moralCompassScore),
            ...(old === undefined ? { submissionCount: 0, totalCount: 0 } : {}),
            ...(teamName !== undefined ? { teamName } : {}),
            ...(completedTaskIds !== undefined ? { completedTaskIds } : {}),
          },
          ...(count === undefined
            ? { condition: "attribute_not_exists(submissionCount)" }
            : { condition: "submissionCount = :count", values: { ":count": count } }),
        };
      },
      { requestId },
    );
  }

  /** Changes a user's completedTaskIds (add, remove, reset, clear); the user must exist. */
  changeTasks(
    tableId: string,
    username: string,
    next: (current: string[]) => string[],
    now: string,
    requestId: string,
  ): Promise<WriteOutcome> {
    return writeUser(
      this.raw,
      this.table,
      tableId,
      username,
      (old) => {
        if (old === undefined) return { refuse: "userNotFound" };
        const current = Array.isArray(old.completedTaskIds) ? old.completedTaskIds.map(String) : [];
        return { set: { completedTaskIds: next(current), lastUpdated: now } };
      },
      { requestId },
    );
  }

  /** The raw metadata item (owner fields included), strongly consistent. */
  async getMetaItem(tableId: string): Promise<Item | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { tableId, username: METADATA }, ConsistentRead: true }),
    );
    return out.Item;
  }

  /** A key of the listing to continue after, from the item it names (for the head's `lastKey` form). */
  async tablesKeyOf(tableId: string): Promise<TablesKey | undefined> {
    const item = await this.getMetaItem(tableId);
    if (!item || typeof item.createdKey !== "string") return undefined;
    return { tableId, username: METADATA, createdKey: item.createdKey };
  }

  async usersKeyOf(tableId: string, username: string): Promise<UsersKey | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { tableId, username },
        ProjectionExpression: "#r",
        ExpressionAttributeNames: { "#r": "rank" },
      }),
    );
    const rank = out.Item?.rank;
    return typeof rank === "string" ? { tableId, username, rank } : undefined;
  }

  /** Deletes a table and its users (see `delete-table.ts`): the items deleted, or why nothing was. */
  deleteTable(tableId: string, now: string, owner?: Identity): Promise<number | "missing" | "forbidden"> {
    return deleteTable(this.doc, this.table, tableId, now, owner);
  }

  async describe(): Promise<{ status: string; indexes: Record<string, string> }> {
    const out = await this.raw.send(new DescribeTableCommand({ TableName: this.table }));
    const indexes: Record<string, string> = {};
    for (const g of out.Table?.GlobalSecondaryIndexes ?? [])
      indexes[g.IndexName ?? "?"] = g.IndexStatus ?? "?";
    return { status: out.Table?.TableStatus ?? "UNKNOWN", indexes };
  }
}
