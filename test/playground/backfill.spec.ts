import * as assert from "node:assert/strict";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isoUtc, rankKey } from "../../functions/playground-api/keys";
import { LOCAL_ENV } from "../../scripts/playground-local";
import { backfill, planItem } from "../../scripts/playground-backfill";
import { call, freshTable, local } from "./local";

describe("playground backfill of seed-written items", function () {
  this.timeout(60000);

  it("plans: createdKey from the seed's naive timestamps, rank from integer counts, skips the rest", () => {
    assert.deepEqual(
      planItem({ tableId: "t", username: "_metadata", createdAt: "2025-10-20T11:44:24.123456" }),
      {
        kind: "createdKey",
        value: "2025-10-20T11:44:24.123Z#t",
      },
    );
    assert.equal(
      planItem({ tableId: "t", username: "_metadata", createdAt: "yesterday" }).kind,
      "createdKey",
    );
    assert.deepEqual(planItem({ tableId: "t", username: "u", submissionCount: 5 }), {
      kind: "rank",
      value: rankKey(5, "u"),
      submissionCount: 5,
    });
    assert.equal(planItem({ tableId: "t", username: "u", submissionCount: 1.5 }).kind, "skip");
    assert.equal(planItem({ tableId: "t", username: "u", rank: "x" }).kind, "skip");
    assert.equal(isoUtc("2025-10-20T11:44:24"), "2025-10-20T11:44:24.000Z");
    assert.equal(isoUtc("2025-10-20T11:44:24.5+00:00"), "2025-10-20T11:44:24.500Z");
    assert.equal(isoUtc("not a date"), "not a date");
  });

  it("makes seed-written tables and users appear in the listings, with Z timestamps, and is idempotent", async () => {
    const { dynamo } = await local();
    const table = await freshTable("Seeded");
    const raw = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: LOCAL_ENV.AWS_REGION,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const put = (item: Record<string, unknown>) =>
      raw.send(new PutItemCommand({ TableName: table, Item: item as never }));
    // Exactly what the seed's Python Lambda wrote: naive timestamps, no createdKey / rank.
    await put({
      tableId: { S: "old" },
      username: { S: "_metadata" },
      displayName: { S: "Old" },
      createdAt: { S: "2025-10-20T11:44:24.123456" },
      isArchived: { BOOL: false },
      userCount: { N: "2" },
    });
    await put({
      tableId: { S: "old" },
      username: { S: "ann" },
      submissionCount: { N: "4" },
      totalCount: { N: "9" },
      lastUpdated: { S: "2025-10-21T08:00:00.5" },
    });
    await put({
      tableId: { S: "old" },
      username: { S: "ben" },
      submissionCount: { N: "7" },
      totalCount: { N: "7" },
      lastUpdated: { S: "2025-10-21T09:00:00" },
    });
    await call("POST", "/tables", { tableId: "new" });

    assert.deepEqual(
      ((await call("GET", "/tables")).body.tables as { tableId: string }[]).map((t) => t.tableId),
      ["new"],
    );
    assert.deepEqual((await call("GET", "/tables/old/users")).body.users, []);

    const lines: string[] = [];
    const dry = await backfill(DynamoDBDocumentClient.from(raw), table, {
      dryRun: true,
      log: (l) => lines.push(l),
    });
    assert.equal(dry.updated, 3);
    assert.deepEqual(
      ((await call("GET", "/tables")).body.tables as unknown[]).length,
      1,
      "a dry run writes nothing",
    );

    const done = await backfill(DynamoDBDocumentClient.from(raw), table, {
      pageSize: 2,
      log: (l) => lines.push(l),
    });
    assert.deepEqual({ updated: done.updated, skipped: done.skipped }, { updated: 3, skipped: 1 });
    assert.ok(
      lines.some((l) => /page 2:/.test(l)),
      lines.join("\n"),
    );

    const tables = (await call("GET", "/tables")).body.tables as Record<string, unknown>[];
    assert.deepEqual(
      tables.map((t) => t.tableId),
      ["new", "old"],
      "newest first",
    );
    assert.equal(tables[1].createdAt, "2025-10-20T11:44:24.123Z");
    const users = (await call("GET", "/tables/old/users")).body.users as Record<string, unknown>[];
    assert.deepEqual(users, [
      { username: "ben", submissionCount: 7, totalCount: 7, lastUpdated: "2025-10-21T09:00:00.000Z" },
      { username: "ann", submissionCount: 4, totalCount: 9, lastUpdated: "2025-10-21T08:00:00.500Z" },
    ]);
    const again = await backfill(DynamoDBDocumentClient.from(raw), table, { log: () => undefined });
    assert.equal(again.updated, 0, "a second run changes nothing");
    raw.destroy();
  });
});
