/**
 * User writes against moto's DynamoDB (which implements TransactWriteItems): the first write of a user and the
 * table's userCount change in one transaction with the not-archived check, proven under concurrency, under
 * failures injected between the handler and DynamoDB (before the request reaches it, and after it applied the
 * request with the answer lost), and under an archive racing first writes.
 */
import * as assert from "node:assert/strict";
import { call, freshTable, local } from "./local";

async function state(tableId: string): Promise<{ userCount: number; users: string[] }> {
  const t = await call("GET", `/tables/${tableId}`);
  assert.equal(t.status, 200, JSON.stringify(t.body));
  const users: string[] = [];
  let lastKey: string | undefined;
  for (let i = 0; i < 20; i++) {
    const q = lastKey === undefined ? "" : `&lastKey=${encodeURIComponent(lastKey)}`;
    const r = await call("GET", `/tables/${tableId}/users?limit=500${q}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    users.push(...(r.body.users as { username: string }[]).map((u) => u.username));
    if (r.body.lastKey === undefined) break;
    lastKey = typeof r.body.lastKey === "string" ? r.body.lastKey : JSON.stringify(r.body.lastKey);
  }
  return { userCount: Number(t.body.userCount), users };
}

describe("playground API against moto: user writes are transactions", function () {
  this.timeout(120000);

  beforeEach(async () => {
    await freshTable();
  });

  it("concurrent first writes with failures injected before and after DynamoDB: userCount equals the users", async () => {
    const { dynamo } = await local();
    await call("POST", "/tables", { tableId: "tx" });
    // 30 faults over ~120 transactions; the SDK retries each (4 attempts), so every request ends in a 200.
    dynamo.inject({ when: "after", count: 15, op: "TransactWriteItems" });
    dynamo.inject({ when: "before", count: 15, op: "TransactWriteItems" });
    const before = { ...dynamo.injected };
    const names = Array.from({ length: 40 }, (_, i) => `u${i}`);
    // Each user is written three times concurrently: exactly one of the three is its first write.
    const replies = await Promise.all(
      names.flatMap((u) =>
        [1, 2, 3].map((n) => call("PUT", `/tables/tx/users/${u}`, { submissionCount: n, totalCount: 3 })),
      ),
    );
    const injected = dynamo.injected.before + dynamo.injected.after - before.before - before.after;
    assert.equal(injected, 30, "all faults were injected");
    assert.deepEqual(
      replies.filter((r) => r.status !== 200).map((r) => r.body),
      [],
    );
    const created = replies.filter((r) => r.body.createdNew === true).length;
    assert.equal(created, names.length, "exactly one createdNew per user, lost answers included");
    const s = await state("tx");
    assert.equal(s.userCount, names.length);
    assert.deepEqual([...s.users].sort(), [...names].sort());
  });

  it("a 5xx writes nothing; an applied write whose answer was lost is reconciled; a client retry converges", async () => {
    const { dynamo } = await local();
    await call("POST", "/tables", { tableId: "tx5" });
    // Every attempt of the SDK (AWS_MAX_ATTEMPTS=4) fails before DynamoDB: the request is a 500, nothing written.
    dynamo.inject({ when: "before", count: 4, op: "TransactWriteItems" });
    const failed = await call("PUT", "/tables/tx5/users/ann", { submissionCount: 1, totalCount: 1 });
    assert.equal(failed.status, 500, JSON.stringify(failed.body));
    assert.deepEqual(await state("tx5"), { userCount: 0, users: [] });
    assert.equal((await call("GET", "/tables/tx5/users/ann")).status, 404);

    // Round 1 (the guess "ann exists") is cancelled by DynamoDB; round 2 (the first write) is applied and its
    // answer lost, the SDK's three retries fail before DynamoDB: the handler reads the item back, finds its own
    // write and answers 200 (createdNew, as it was this request's write).
    dynamo.inject({ when: "after", count: 1, op: "TransactWriteItems", skip: 1 });
    dynamo.inject({ when: "before", count: 3, op: "TransactWriteItems" });
    const ok = await call("PUT", "/tables/tx5/users/ann", { submissionCount: 2, totalCount: 2 });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.createdNew, true);
    assert.deepEqual(await state("tx5"), { userCount: 1, users: ["ann"] });

    // The client retries the same request: same state, no second count.
    const again = await call("PUT", "/tables/tx5/users/ann", { submissionCount: 2, totalCount: 2 });
    assert.equal(again.status, 200);
    assert.equal(again.body.createdNew, false);
    assert.deepEqual(await state("tx5"), { userCount: 1, users: ["ann"] });
    const ann = await call("GET", "/tables/tx5/users/ann");
    assert.equal(ann.body.submissionCount, 2);
  });

  it("an archive racing first writes: no write lands after it, and userCount equals the users", async () => {
    await call("POST", "/tables", { tableId: "race" });
    const puts = Array.from({ length: 40 }, (_, i) =>
      call("PUT", `/tables/race/users/r${i}`, { submissionCount: i, totalCount: i }),
    );
    const archive = (async () => {
      await new Promise((r) => setTimeout(r, 15));
      return call("PATCH", "/tables/race", { isArchived: true });
    })();
    const [replies, archived] = await Promise.all([Promise.all(puts), archive]);
    assert.equal(archived.status, 200);
    const accepted = replies.filter((r) => r.status === 200).map((r) => String(r.body.username));
    const refused = replies.filter((r) => r.status === 409);
    assert.equal(accepted.length + refused.length, 40, JSON.stringify(replies.map((r) => r.status)));
    const s = await state("race");
    assert.deepEqual([...s.users].sort(), [...accepted].sort(), "exactly the accepted writes exist");
    assert.equal(s.userCount, accepted.length);
    // After the archive answered, every write is refused.
    const late = await call("PUT", "/tables/race/users/late", { submissionCount: 1, totalCount: 1 });
    assert.equal(late.status, 409);
    assert.equal((await state("race")).userCount, accepted.length);
  });

  it("a write to a missing table is a 404 and creates nothing", async () => {
    const r = await call("PUT", "/tables/nope/users/a", { submissionCount: 1, totalCount: 1 });
    assert.equal(r.status, 404);
    assert.equal(r.body.error, "Table not found");
    assert.equal((await call("GET", "/tables/nope/users/a")).status, 404);
  });
});
