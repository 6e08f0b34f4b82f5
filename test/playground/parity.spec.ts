/**
 * Parity with the API the AI Model Share client talks to (routes, fields, statuses, the client's lastKey form),
 * against moto. Our own data only; the expectations come from the client's calls and the head's answers.
 */
import * as assert from "node:assert/strict";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { encodeCursor } from "../../functions/playground-api/cursor";
import { LOCAL_ENV } from "../../scripts/playground-local";
import { call, freshTable, local } from "./local";

const q = (o: unknown) => encodeURIComponent(JSON.stringify(o));

describe("playground API parity with the AI Model Share client (moto)", function () {
  this.timeout(60000);
  let tableName = "";
  beforeEach(async () => {
    tableName = await freshTable("Parity");
  });

  it("PUT user keeps teamName; GET and the list return it; blank teamName is not a change", async () => {
    await call("POST", "/tables", { tableId: "p1" });
    const put = await call("PUT", "/tables/p1/users/amy", {
      submissionCount: 2,
      totalCount: 5,
      teamName: " Owls ",
    });
    assert.equal(put.status, 200);
    assert.equal(put.body.teamName, "Owls");
    await call("PUT", "/tables/p1/users/amy", { submissionCount: 3, totalCount: 5, teamName: "  " });
    const got = await call("GET", "/tables/p1/users/amy");
    assert.equal(got.body.teamName, "Owls");
    assert.equal(got.body.submissionCount, 3);
    const bad = await call("PUT", "/tables/p1/users/amy", { submissionCount: 3, totalCount: 5, teamName: 7 });
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.error), /teamName/);
  });

  it("moral compass: score, fields, alias route, counts kept, leaderboard by score then submissionCount", async () => {
    await call("POST", "/tables", { tableId: "mc" });
    await call("PUT", "/tables/mc/users/cat", { submissionCount: 9, totalCount: 9 });
    const a = await call("PUT", "/tables/mc/users/cat/moral-compass", {
      metrics: { accuracy: 0.8, f1: 0.5 },
      tasksCompleted: 1,
      totalTasks: 2,
      questionsCorrect: 1,
      totalQuestions: 2,
      completedTaskIds: ["t1"],
    });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body.primaryMetric, "accuracy");
    assert.equal(a.body.moralCompassScore, 0.4);
    assert.equal(a.body.createdNew, false);
    assert.deepEqual(a.body.completedTaskIds, ["t1"]);
    const b = await call("PUT", "/tables/mc/users/dan/moralcompass", {
      metrics: { f1: 0.9 },
      tasksCompleted: 1,
      totalTasks: 1,
    });
    assert.equal(b.status, 200, JSON.stringify(b.body));
    assert.equal(b.body.primaryMetric, "f1");
    assert.equal(b.body.createdNew, true);
    await call("PUT", "/tables/mc/users/eve", { submissionCount: 50, totalCount: 50 });
    const list = await call("GET", "/tables/mc/users");
    const users = list.body.users as Record<string, unknown>[];
    assert.deepEqual(
      users.map((u) => u.username),
      ["dan", "cat", "eve"],
    );
    assert.equal(users[1].submissionCount, 9, "the moral-compass write kept the counts");
    assert.deepEqual(users[1].metrics, { accuracy: 0.8, f1: 0.5 });
    assert.equal((await call("GET", "/tables/mc")).body.userCount, 3);
    // A later counts write keeps the score and its place.
    await call("PUT", "/tables/mc/users/cat", { submissionCount: 1, totalCount: 1 });
    const again = (await call("GET", "/tables/mc/users")).body.users as Record<string, unknown>[];
    assert.deepEqual(
      again.map((u) => [u.username, u.moralCompassScore ?? null]),
      [
        ["dan", 0.9],
        ["cat", 0.4],
        ["eve", null],
      ],
    );
    for (const [body, rule] of [
      [{ metrics: {} }, /metrics/],
      [{ metrics: { a: "x" } }, /Metric a must be numeric/],
      [{ metrics: { a: 1 }, primaryMetric: "b" }, /primaryMetric "b" not found/],
      [{ metrics: { a: 1 }, totalTasks: -1 }, /non-negative/],
      [{ metrics: { a: 1 }, completedTaskIds: ["x1"] }, /completedTaskIds/],
    ] as const) {
      const r = await call("PUT", "/tables/mc/users/cat/moral-compass", body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(String(r.body.error), rule);
    }
  });

  it("tasks: add, remove, reset (deduplicated, sorted by number), clear; unknown user is a 404", async () => {
    await call("POST", "/tables", { tableId: "tk" });
    await call("PUT", "/tables/tk/users/fay", { submissionCount: 1, totalCount: 1 });
    const add = await call("PATCH", "/tables/tk/users/fay/tasks", {
      op: "add",
      taskIds: ["t10", "t2", "t2"],
    });
    assert.deepEqual(add.body, {
      username: "fay",
      completedTaskIds: ["t2", "t10"],
      message: "Tasks add operation completed successfully",
    });
    const more = await call("PATCH", "/tables/tk/users/fay/tasks", { op: "add", taskIds: ["t1"] });
    assert.deepEqual(more.body.completedTaskIds, ["t1", "t2", "t10"]);
    const rm = await call("PATCH", "/tables/tk/users/fay/tasks", { op: "remove", taskIds: ["t2"] });
    assert.deepEqual(rm.body.completedTaskIds, ["t1", "t10"]);
    const reset = await call("PATCH", "/tables/tk/users/fay/tasks", { op: "reset", taskIds: ["t5"] });
    assert.deepEqual(reset.body.completedTaskIds, ["t5"]);
    assert.deepEqual((await call("GET", "/tables/tk/users/fay")).body.completedTaskIds, ["t5"]);
    const clear = await call("DELETE", "/tables/tk/users/fay/tasks");
    assert.deepEqual(clear.body, {
      username: "fay",
      completedTaskIds: [],
      message: "Tasks cleared successfully",
    });
    const none = await call("PATCH", "/tables/tk/users/nobody/tasks", { op: "add", taskIds: ["t1"] });
    assert.equal(none.status, 404);
    assert.equal(none.body.error, "User not found in table");
    assert.equal((await call("GET", "/tables/tk")).body.userCount, 1, "a task write never creates a user");
    const badOp = await call("PATCH", "/tables/tk/users/fay/tasks", { op: "merge", taskIds: [] });
    assert.equal(badOp.status, 400);
    assert.equal(badOp.body.error, "op must be one of: add, remove, reset");
    const noTable = await call("DELETE", "/tables/none/users/fay/tasks");
    assert.equal(noTable.body.error, "Table not found");
  });

  it("playgroundUrl gives playgroundId and region; GET returns them", async () => {
    const r = await call("POST", "/tables", {
      tableId: "my-pg-eu-west-1-mc",
      playgroundUrl: "https://example.com/playground/my-pg",
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.playgroundId, "my-pg");
    const t = await call("GET", "/tables/my-pg-eu-west-1-mc");
    assert.equal(t.body.playgroundId, "my-pg");
    assert.equal(t.body.region, "eu-west-1");
    assert.equal(t.body.playgroundUrl, "https://example.com/playground/my-pg");
    const bad = await call("POST", "/tables", { tableId: "x", playgroundUrl: "https://example.com/" });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, "Invalid playgroundUrl. Could not extract playground ID");
  });

  it("pagination: the client's json.dumps(lastKey), the head's key without sort key, our opaque cursor", async () => {
    await call("POST", "/tables", { tableId: "pg" });
    for (const u of ["a", "b", "c", "d"])
      await call("PUT", `/tables/pg/users/${u}`, { submissionCount: 1, totalCount: 1 });
    const p1 = await call("GET", "/tables/pg/users?limit=2");
    const lk = p1.body.lastKey as Record<string, string>;
    assert.equal(lk.tableId, "pg");
    assert.equal(lk.username, "b");
    const p2 = await call("GET", `/tables/pg/users?limit=2&lastKey=${q(lk)}`);
    assert.deepEqual(
      (p2.body.users as { username: string }[]).map((u) => u.username),
      ["c", "d"],
    );
    assert.equal(p2.body.lastKey, undefined);
    const head = await call("GET", `/tables/pg/users?limit=2&lastKey=${q({ tableId: "pg", username: "b" })}`);
    assert.deepEqual(
      (head.body.users as { username: string }[]).map((u) => u.username),
      ["c", "d"],
    );
    const opaque = encodeCursor("users", { tableId: "pg", username: lk.username, rank: lk.rank });
    const old = await call("GET", `/tables/pg/users?limit=2&lastKey=${opaque}`);
    assert.deepEqual(
      (old.body.users as { username: string }[]).map((u) => u.username),
      ["c", "d"],
    );
    const quoted = await call("GET", `/tables/pg/users?limit=2&lastKey=${q(opaque)}`);
    assert.equal(quoted.status, 200);
    const gone = await call(
      "GET",
      `/tables/pg/users?limit=2&lastKey=${q({ tableId: "pg", username: "zz" })}`,
    );
    assert.equal(gone.status, 400);
    await call("POST", "/tables", { tableId: "pg2" });
    const t1 = await call("GET", "/tables?limit=1");
    const t2 = await call("GET", `/tables?limit=1&lastKey=${q(t1.body.lastKey)}`);
    assert.equal((t2.body.tables as { tableId: string }[])[0].tableId, "pg");
    const t3 = await call("GET", `/tables?limit=1&lastKey=${q({ tableId: "pg2", username: "_metadata" })}`);
    assert.equal((t3.body.tables as { tableId: string }[])[0].tableId, "pg");
  });

  it("DELETE /tables/{tableId}: 403 unless ALLOW_TABLE_DELETE; then every item goes; a retry is a 404", async () => {
    await call("POST", "/tables", { tableId: "del" });
    for (let i = 0; i < 30; i++)
      await call("PUT", `/tables/del/users/u${i}`, { submissionCount: i, totalCount: i });
    const off = await call("DELETE", "/tables/del");
    assert.equal(off.status, 403);
    assert.equal(off.body.error, "Table deletion is disabled");
    process.env.ALLOW_TABLE_DELETE = "true";
    try {
      const r = await call("DELETE", "/tables/del");
      assert.deepEqual(r.body, { message: "Table del deleted successfully", deletedItems: 31 });
      assert.equal((await call("GET", "/tables/del")).status, 404);
      assert.equal((await call("GET", "/tables/del/users/u1")).status, 404);
      assert.equal((await call("DELETE", "/tables/del")).status, 404);
      assert.equal(
        (await call("PUT", "/tables/del/users/u1", { submissionCount: 1, totalCount: 1 })).status,
        404,
      );
    } finally {
      delete process.env.ALLOW_TABLE_DELETE;
    }
  });

  it("sessions: create, read, refresh; a table dump reveals neither the token nor the session id", async () => {
    const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl";
    const c = await call("POST", "/sessions", { sessionId: "sess-0123456789abcdef", token });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    assert.equal(c.body.sessionId, "sess-0123456789abcdef");
    assert.equal(typeof c.body.expiresAt, "number");
    const g = await call("GET", "/sessions/sess-0123456789abcdef");
    assert.deepEqual(g.body, { sessionId: "sess-0123456789abcdef", token });
    const p = await call("PATCH", "/sessions/sess-0123456789abcdef", { token: `${token}x` });
    assert.equal(p.status, 200);
    assert.equal((await call("GET", "/sessions/sess-0123456789abcdef")).body.token, `${token}x`);
    assert.equal((await call("GET", "/sessions/other")).status, 404);
    assert.equal((await call("PATCH", "/sessions/other", { token })).status, 404);
    assert.equal(
      (await call("POST", "/sessions", { sessionId: "a" })).body.error,
      "sessionId and token are required",
    );
    assert.equal(
      (await call("POST", "/sessions", { sessionId: "a b", token })).body.error,
      "Invalid sessionId format",
    );
    const { dynamo } = await local();
    const raw = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: LOCAL_ENV.AWS_REGION,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const dump = JSON.stringify((await raw.send(new ScanCommand({ TableName: tableName }))).Items);
    raw.destroy();
    for (const secret of [
      token,
      "sess-0123456789abcdef",
      Buffer.from(token).toString("base64"),
      "eyJzdWIiOiJhIn0",
    ])
      assert.ok(!dump.includes(secret), `the dump contains ${secret}`);
  });
});
