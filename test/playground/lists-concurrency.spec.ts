import * as assert from "node:assert/strict";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { LOCAL_ENV } from "../../scripts/playground-local";
import { encodeCursor } from "../../functions/playground-api/cursor";
import { rankKey } from "../../functions/playground-api/keys";
import { MESSAGES } from "../../functions/playground-api/validate";
import { Reply, call, freshTable, local } from "./local";

async function allPages(path: string, field: "tables" | "users", limit: number) {
  const pages: Record<string, unknown>[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const sep = path.includes("?") ? "&" : "?";
    const r = await call("GET", `${path}${sep}limit=${limit}${cursor ? `&lastKey=${cursor}` : ""}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    pages.push(r.body[field] as Record<string, unknown>[]);
    // The AI Model Share client's form: the lastKey object sent back as JSON (json.dumps).
    cursor = r.body.lastKey === undefined ? undefined : encodeURIComponent(JSON.stringify(r.body.lastKey));
    if (!cursor) return pages;
  }
  throw new Error("pagination did not end");
}

describe("playground API against moto: pagination without Scan", function () {
  this.timeout(60000);
  before(local);

  it("GET /tables pages newest first, without duplicates or gaps, lastKey only when more exists", async () => {
    await freshTable("Pages");
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) {
      const id = `tbl-${String(i).padStart(2, "0")}`;
      ids.push(id);
      assert.equal((await call("POST", "/tables", { tableId: id })).status, 201);
    }
    const { dynamo } = await local();
    dynamo.resetCounts();
    const pages = await allPages("/tables", "tables", 5);
    assert.deepEqual(
      pages.map((p) => p.length),
      [5, 5, 5, 5, 3],
    );
    assert.deepEqual(dynamo.counts, { Query: 5 }, "one Query per page, no Scan");
    const listed = pages.flat();
    const createdAt = listed.map((t) => String(t.createdAt));
    assert.deepEqual(createdAt, [...createdAt].sort().reverse(), "newest first");
    assert.deepEqual(
      listed.map((t) => t.tableId),
      [...ids].reverse(),
      "every table exactly once, newest first",
    );
    // exact multiple: the last full page carries no cursor
    const exact = await allPages("/tables", "tables", 23);
    assert.deepEqual(
      exact.map((p) => p.length),
      [23],
    );
    const def = await call("GET", "/tables");
    assert.equal((def.body.tables as unknown[]).length, 23, "default limit 50");
    assert.equal(def.body.lastKey, undefined);
  });

  it("GET /tables/{id}/users pages by submissionCount desc, ties by username, no gaps or duplicates", async () => {
    await freshTable("Leaderboard");
    await call("POST", "/tables", { tableId: "lb" });
    const scores: [string, number][] = [];
    for (let i = 0; i < 17; i++) scores.push([`user-${String(i).padStart(2, "0")}`, i % 4]);
    scores.push(["zed", 1000], ["amy", 0]);
    for (const [u, s] of scores) {
      const r = await call("PUT", `/tables/lb/users/${u}`, { submissionCount: s, totalCount: s * 2 });
      assert.equal(r.status, 200);
    }
    const expected = [...scores]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([u, s]) => ({ username: u, submissionCount: s }));
    for (const limit of [1, 4, 7, 19, 500]) {
      const pages = await allPages("/tables/lb/users", "users", limit);
      const got = pages.flat().map((u) => ({ username: u.username, submissionCount: u.submissionCount }));
      assert.deepEqual(got, expected, `limit ${limit}`);
      assert.equal(pages.length, Math.ceil(scores.length / limit), `limit ${limit}: no empty trailing page`);
    }
    // an update moves the user in the ranking
    await call("PUT", "/tables/lb/users/amy", { submissionCount: 5000, totalCount: 1 });
    const top = await call("GET", "/tables/lb/users?limit=1");
    assert.deepEqual((top.body.users as Record<string, unknown>[])[0].username, "amy");
    const users = await call("GET", "/tables/lb/users?limit=500");
    assert.ok(!(users.body.users as Record<string, unknown>[]).some((u) => u.username === "_metadata"));
    assert.equal((await call("GET", "/tables/lb")).body.userCount, scores.length);
  });

  it("refuses malformed limits and cursors with a 400", async () => {
    await freshTable("Cursors");
    await call("POST", "/tables", { tableId: "c1" });
    await call("POST", "/tables", { tableId: "c2" });
    await call("PUT", "/tables/c1/users/a", { submissionCount: 1, totalCount: 1 });
    await call("PUT", "/tables/c1/users/b", { submissionCount: 1, totalCount: 1 });
    for (const limit of ["0", "501", "-1", "abc", "1.5", "", "1e2", "50,50"]) {
      const r = await call("GET", `/tables?limit=${encodeURIComponent(limit)}`);
      assert.equal(r.status, 400, `limit=${limit}`);
      assert.equal(r.body.error, MESSAGES.limit);
    }
    const users = await call("GET", "/tables/c1/users?limit=1");
    const usersCursor = encodeURIComponent(JSON.stringify(users.body.lastKey));
    const tables = await call("GET", "/tables?limit=1");
    const tablesCursor = encodeURIComponent(JSON.stringify(tables.body.lastKey));
    const forged = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const bad = [
      "garbage",
      "%7B%7D",
      forged({ v: 1, k: "tables", key: { tableId: "c1", username: "_metadata" } }),
      forged({ v: 2, k: "tables", key: { tableId: "c1", username: "_metadata", createdKey: "x" } }),
      forged([1, 2]),
      usersCursor.slice(0, -3),
      usersCursor, // a users cursor is not a tables cursor
    ];
    for (const c of bad) {
      const r = await call("GET", `/tables?lastKey=${c}`);
      assert.equal(r.status, 400, `lastKey=${c}`);
      assert.equal(r.body.error, MESSAGES.lastKey);
    }
    for (const c of [
      tablesCursor,
      encodeCursor("users", { tableId: "c2", username: "a", rank: rankKey(1, "a") }),
    ]) {
      const r = await call("GET", `/tables/c1/users?lastKey=${c}`);
      assert.equal(r.status, 400, "a cursor of another listing or another table");
    }
    const ok = await call("GET", `/tables/c1/users?limit=1&lastKey=${usersCursor}`);
    assert.equal(ok.status, 200);
    assert.deepEqual(
      (ok.body.users as Record<string, unknown>[]).map((u) => u.username),
      ["b"],
    );
  });
});

describe("playground API against moto: exact under concurrent requests", function () {
  this.timeout(60000);
  before(async () => {
    await local();
    await freshTable("Concurrency");
  });

  it("concurrent creates of one table give exactly one 201 and 409s; the winner's data stays", async () => {
    const replies = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        call("POST", "/tables", { tableId: "race", displayName: `n${i}` }),
      ),
    );
    const statuses = replies.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, ...Array(24).fill(409)]);
    const winner = replies.find((r) => r.status === 201)!;
    const t = await call("GET", "/tables/race");
    assert.equal(t.body.displayName, winner.body.displayName);
  });

  it("concurrent first writes of one user raise userCount exactly once", async () => {
    await call("POST", "/tables", { tableId: "same-user" });
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call("PUT", "/tables/same-user/users/alice", { submissionCount: i, totalCount: i }),
      ),
    );
    assert.ok(replies.every((r) => r.status === 200));
    assert.equal(replies.filter((r) => r.body.createdNew === true).length, 1);
    assert.equal((await call("GET", "/tables/same-user")).body.userCount, 1);
  });

  it("the harness really interleaves: the seed's read-then-write PUT double counts under the same load", async () => {
    // Control experiment: the seed's algorithm (GetItem user, PutItem user, ADD userCount if it was new), run
    // with the same concurrency against the same local DynamoDB, over-counts. So the exact counts above are the
    // handler's doing, not an artefact of requests that never overlap.
    const { dynamo } = await local();
    await call("POST", "/tables", { tableId: "seed-race" });
    const raw = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: LOCAL_ENV.AWS_REGION,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const doc = DynamoDBDocumentClient.from(raw);
    const TableName = process.env.TABLE_NAME;
    const seedPut = async (i: number) => {
      const Key = { tableId: "seed-race", username: "alice" };
      const existing = await doc.send(new GetCommand({ TableName, Key }));
      await doc.send(new PutCommand({ TableName, Item: { ...Key, submissionCount: i, totalCount: i } }));
      if (!existing.Item) {
        await doc.send(
          new UpdateCommand({
            TableName,
            Key: { tableId: "seed-race", username: "_metadata" },
            UpdateExpression: "ADD userCount :one",
            ExpressionAttributeValues: { ":one": 1 },
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: 30 }, (_, i) => seedPut(i)));
    raw.destroy();
    const count = (await call("GET", "/tables/seed-race")).body.userCount as number;
    assert.ok(count > 1, `the seed's algorithm counted one user ${count} times`);
  });

  it("concurrent writes of different users never lose a count", async () => {
    await call("POST", "/tables", { tableId: "many-users" });
    const n = 60;
    const replies = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        call("PUT", `/tables/many-users/users/u${i}`, { submissionCount: i, totalCount: 2 * i }),
      ),
    );
    assert.ok(replies.every((r) => r.status === 200 && r.body.createdNew === true));
    assert.equal((await call("GET", "/tables/many-users")).body.userCount, n);
    const listed = await call("GET", "/tables/many-users/users?limit=500");
    assert.equal((listed.body.users as unknown[]).length, n);
  });

  it("a mixed storm (new users, rewrites, creates) keeps every count exact", async () => {
    await call("POST", "/tables", { tableId: "storm" });
    const work: Promise<Reply>[] = [];
    for (let round = 0; round < 5; round++) {
      for (let u = 0; u < 12; u++) {
        work.push(call("PUT", `/tables/storm/users/p${u}`, { submissionCount: round, totalCount: round }));
      }
      work.push(call("POST", "/tables", { tableId: "storm" }));
    }
    const replies = await Promise.all(work);
    assert.equal(replies.filter((r) => r.body.createdNew === true).length, 12);
    assert.ok(
      replies.filter((r) => r.body.tableId !== undefined || r.status === 409).every((r) => r.status === 409),
    );
    assert.equal((await call("GET", "/tables/storm")).body.userCount, 12);
  });
});
