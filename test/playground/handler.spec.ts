import * as assert from "node:assert/strict";
import { MESSAGES } from "../../functions/playground-api/validate";
import { Reply, call, freshTable, local } from "./local";

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function expectError(r: Reply, status: number, message: string | RegExp) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.deepEqual(Object.keys(r.body), ["error"]);
  if (typeof message === "string") assert.equal(r.body.error, message);
  else assert.match(String(r.body.error), message);
  assert.equal(r.raw.headers?.["Content-Type"], "application/json");
}

describe("playground API against moto: routes and messages", function () {
  this.timeout(60000);
  before(async () => {
    await local();
    await freshTable();
  });

  it("POST /tables creates a table (201) and a second create of the same id is a 409", async () => {
    const r = await call("POST", "/tables", { tableId: "t-create", displayName: "Create" });
    assert.equal(r.status, 201);
    assert.deepEqual(r.body, {
      tableId: "t-create",
      displayName: "Create",
      message: "Table created successfully",
    });
    expectError(await call("POST", "/tables", { tableId: "t-create" }), 409, "Table t-create already exists");
    const d = await call("POST", "/tables", { tableId: "t-default" });
    assert.equal(d.body.displayName, "t-default", "displayName defaults to tableId");
  });

  it("GET /tables/{tableId} returns integers, booleans and ISO-8601 UTC timestamps", async () => {
    await call("POST", "/tables", { tableId: "t-get" });
    const r = await call("GET", "/tables/t-get");
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body).sort(), [
      "createdAt",
      "displayName",
      "isArchived",
      "tableId",
      "userCount",
    ]);
    assert.equal(r.body.userCount, 0);
    assert.equal(r.body.isArchived, false);
    assert.match(String(r.body.createdAt), ISO_Z);
    assert.ok(r.raw.body?.includes('"userCount":0'), "an integer, not 0.0");
    expectError(await call("GET", "/tables/nope"), 404, "Table not found");
    expectError(await call("GET", "/tables/bad%20id"), 400, "Invalid tableId format");
  });

  it("PUT a user: 200 with createdNew, userCount counts new users only, GET returns the user", async () => {
    await call("POST", "/tables", { tableId: "t-put" });
    const first = await call("PUT", "/tables/t-put/users/alice", { submissionCount: 5, totalCount: "10" });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, {
      username: "alice",
      submissionCount: 5,
      totalCount: 10,
      createdNew: true,
      message: "User data updated successfully",
    });
    const again = await call("PUT", "/tables/t-put/users/alice", { submissionCount: 6, totalCount: 11 });
    assert.equal(again.body.createdNew, false);
    assert.equal((await call("GET", "/tables/t-put")).body.userCount, 1);
    const u = await call("GET", "/tables/t-put/users/alice");
    assert.equal(u.status, 200);
    assert.deepEqual(Object.keys(u.body).sort(), [
      "lastUpdated",
      "submissionCount",
      "totalCount",
      "username",
    ]);
    assert.equal(u.body.submissionCount, 6);
    assert.equal(u.body.totalCount, 11);
    assert.match(String(u.body.lastUpdated), ISO_Z);
    expectError(await call("GET", "/tables/t-put/users/bob"), 404, "User not found in table");
    expectError(await call("GET", "/tables/nope/users/bob"), 404, "Table not found");
    expectError(
      await call("PUT", "/tables/nope/users/bob", { submissionCount: 1, totalCount: 1 }),
      404,
      "Table not found",
    );
  });

  it("_metadata is not a username: GET and PUT are 400 and the metadata item is untouched", async () => {
    await call("POST", "/tables", { tableId: "t-meta", displayName: "Keep me" });
    expectError(await call("GET", "/tables/t-meta/users/_metadata"), 400, MESSAGES.usernameFormat);
    expectError(
      await call("PUT", "/tables/t-meta/users/_metadata", { submissionCount: 1, totalCount: 1 }),
      400,
      MESSAGES.usernameFormat,
    );
    const t = await call("GET", "/tables/t-meta");
    assert.equal(t.body.displayName, "Keep me");
    assert.equal(t.body.userCount, 0);
  });

  it("PATCH /tables/{tableId} updates displayName and isArchived; errors name the field", async () => {
    await call("POST", "/tables", { tableId: "t-patch" });
    const r = await call("PATCH", "/tables/t-patch", { displayName: "New name", isArchived: true });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { message: "Table updated successfully" });
    const t = await call("GET", "/tables/t-patch");
    assert.equal(t.body.displayName, "New name");
    assert.equal(t.body.isArchived, true);
    expectError(await call("PATCH", "/tables/t-patch", {}), 400, "No valid fields to update");
    expectError(await call("PATCH", "/tables/t-patch", { isArchived: "false" }), 400, MESSAGES.isArchived);
    expectError(await call("PATCH", "/tables/nope", { isArchived: false }), 404, "Table not found");
    expectError(
      await call("PATCH", "/tables/t-patch", undefined, { rawBody: "{" }),
      400,
      "Invalid JSON in request body",
    );
    assert.equal((await call("GET", "/tables/nope")).status, 404, "PATCH of a missing table creates nothing");
  });

  it("archived tables: reads work, PUT of users is a 409 naming the fix, unarchive restores writes", async () => {
    await call("POST", "/tables", { tableId: "t-arch" });
    await call("PUT", "/tables/t-arch/users/u1", { submissionCount: 1, totalCount: 2 });
    await call("PATCH", "/tables/t-arch", { isArchived: true });
    assert.equal((await call("GET", "/tables/t-arch")).status, 200);
    assert.equal((await call("GET", "/tables/t-arch/users")).status, 200);
    assert.equal((await call("GET", "/tables/t-arch/users/u1")).status, 200);
    expectError(
      await call("PUT", "/tables/t-arch/users/u1", { submissionCount: 9, totalCount: 9 }),
      409,
      /Table t-arch is archived .*PATCH \/tables\/t-arch \{"isArchived": false\}/,
    );
    expectError(
      await call("PUT", "/tables/t-arch/users/u2", { submissionCount: 9, totalCount: 9 }),
      409,
      /archived/,
    );
    const u1 = await call("GET", "/tables/t-arch/users/u1");
    assert.equal(u1.body.submissionCount, 1, "the refused write changed nothing");
    assert.equal((await call("GET", "/tables/t-arch")).body.userCount, 1);
    await call("PATCH", "/tables/t-arch", { isArchived: false });
    assert.equal(
      (await call("PUT", "/tables/t-arch/users/u1", { submissionCount: 9, totalCount: 9 })).status,
      200,
    );
  });

  it("unknown routes are 404 Route not found; OPTIONS is 200 {}", async () => {
    expectError(await call("DELETE", "/tables"), 404, "Route not found");
    expectError(await call("GET", "/nothing"), 404, "Route not found");
    const o = await call("OPTIONS", "/tables");
    assert.equal(o.status, 200);
    assert.deepEqual(o.body, {});
  });

  it("GET /health describes the table and its indexes", async () => {
    const r = await call("GET", "/health");
    assert.equal(r.status, 200);
    assert.equal(r.body.tableName, process.env.TABLE_NAME);
    assert.equal(r.body.gsiByUserActive, true);
    assert.deepEqual(r.body.indexes, {
      byUser: "ACTIVE",
      tablesByCreatedAt: "ACTIVE",
      leaderboard: "ACTIVE",
    });
    assert.match(String(r.body.timestamp), ISO_Z);
  });

  it("GET /health is a 503 with a JSON error when the table cannot be described", async () => {
    const saved = process.env.TABLE_NAME;
    process.env.TABLE_NAME = "DoesNotExist";
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write; // its ERROR log line
    let r: Reply;
    try {
      r = await call("GET", "/health");
    } finally {
      process.stdout.write = write;
      process.env.TABLE_NAME = saved;
    }
    assert.equal(r.status, 503);
    assert.equal(r.body.error, "DynamoDB table is not reachable");
    assert.equal(r.body.tableName, "DoesNotExist");
  });

  it("an unexpected DynamoDB failure is a 500 with a JSON error and a log line carrying the request id", async () => {
    const saved = process.env.TABLE_NAME;
    process.env.TABLE_NAME = "DoesNotExist";
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const writeErr = process.stderr.write.bind(process.stderr);
    const capture = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
    let r: Reply;
    try {
      r = await call("GET", "/tables/some-table");
    } finally {
      process.stdout.write = write;
      process.stderr.write = writeErr;
      process.env.TABLE_NAME = saved;
    }
    assert.equal(r.status, 500);
    const id = /request id ([0-9a-f-]{36})/.exec(String(r.body.error))?.[1];
    assert.ok(id, String(r.body.error));
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.requestId === id);
    assert.ok(logged, `no log line with request id ${id}: ${lines.join("")}`);
    assert.equal(logged.level, "ERROR");
    assert.equal(logged.message, "unexpected error");
    assert.equal(logged.routeKey, "GET /tables/{tableId}");
  });

  it("SAFE_CONCURRENCY=true makes every GetItem strongly consistent; false makes it eventually consistent", async () => {
    const { dynamo } = await local();
    await call("POST", "/tables", { tableId: "t-safe" });
    await call("PUT", "/tables/t-safe/users/u", { submissionCount: 1, totalCount: 1 });
    const saved = process.env.SAFE_CONCURRENCY;
    try {
      for (const [flag, consistent] of [
        ["true", true],
        ["false", false],
      ] as const) {
        process.env.SAFE_CONCURRENCY = flag;
        dynamo.resetCounts();
        await call("PUT", "/tables/t-safe/users/u", { submissionCount: 2, totalCount: 2 });
        await call("GET", "/tables/t-safe/users/u");
        await call("GET", "/tables/t-safe/users/nobody");
        await call("GET", "/tables/t-safe");
        const gets = dynamo.requests.filter((r) => r.op === "GetItem");
        assert.equal(gets.length, 4, "the PUT reads nothing: one transaction");
        assert.ok(
          gets.every((g) => g.body.ConsistentRead === consistent),
          JSON.stringify(gets),
        );
        assert.ok(
          dynamo.requests.every((r) => r.op !== "Scan"),
          "never a Scan",
        );
      }
      assert.equal((await call("GET", "/health")).body.safeConcurrency, false);
    } finally {
      process.env.SAFE_CONCURRENCY = saved;
    }
  });

  it("retries a throttled DynamoDB request (SDK standard retries) and answers normally", async () => {
    const { dynamo } = await local();
    await call("POST", "/tables", { tableId: "t-throttle" });
    dynamo.resetCounts();
    dynamo.throttleNext(2);
    const r = await call("GET", "/tables/t-throttle");
    assert.equal(r.status, 200);
    assert.deepEqual(dynamo.counts, { GetItem: 3 }, "two throttled attempts, then the answer");
  });
});
