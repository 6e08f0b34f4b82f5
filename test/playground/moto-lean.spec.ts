/**
 * `tools/moto/serve.py --lean` answers exactly as moto does without the flag: the same random sequences of
 * DynamoDB calls (writes, transactions that commit or are cancelled, queries on the table and on each index with
 * limits, key conditions, filters, projections and paging in both directions, scans, reads) go to two moto
 * servers, one lean and one not, each on a fresh playground table, and every answer must be the same status and
 * the same JSON body. The bench's lean setting relies on this.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { createPlaygroundTable } from "../../scripts/playground-local";
import { INDEX } from "../../functions/playground-api/table";
import { type RunningDynamo, startDynamo } from "../harness/dynamo";

type Json = Record<string, unknown>;
type S = { S: string };
type N = { N: string };
const s = (v: string): S => ({ S: v });
const n = (v: number): N => ({ N: String(v) });

const TABLE_IDS = ["alpha", "beta", "gamma"];
const USERS = ["_metadata", "u1", "u2", "u3", "u4", "u5"];

/** One DynamoDB call: operation and request body without TableName (added per server). */
interface Call {
  op: string;
  body: Json;
  /** Page through the answer (Query/Scan): repeat with each LastEvaluatedKey, at most 12 pages. */
  page?: boolean;
}

const key = (t: string, u: string) => ({ tableId: s(t), username: s(u) });

/** An item: metadata items carry createdKey, users carry rank (as the playground's items do). */
const itemArb = fc
  .record({
    t: fc.constantFrom(...TABLE_IDS),
    u: fc.constantFrom(...USERS),
    score: fc.integer({ min: 0, max: 5 }),
    label: fc.constantFrom("x", "y", "z"),
  })
  .map(({ t, u, score, label }) => ({
    ...key(t, u),
    score: n(score),
    label: s(label),
    ...(u === "_metadata" ? { createdKey: s(`2026-0${score}#${t}`) } : { rank: s(`${9 - score}#${u}`) }),
  }));

const condArb = fc.constantFrom(
  undefined,
  "attribute_exists(tableId)",
  "attribute_not_exists(tableId)",
  "score < :three",
);
const withCond = (body: Json, cond: string | undefined): Json =>
  cond === undefined
    ? body
    : {
        ...body,
        ConditionExpression: cond,
        ...(cond.includes(":three") ? { ExpressionAttributeValues: { ":three": n(3) } } : {}),
      };

const put = fc
  .tuple(itemArb, condArb)
  .map(([Item, cond]): Call => ({ op: "PutItem", body: withCond({ Item }, cond) }));

const update = fc
  .record({
    t: fc.constantFrom(...TABLE_IDS),
    u: fc.constantFrom(...USERS.slice(1)),
    by: fc.integer({ min: 1, max: 3 }),
  })
  .chain((r) => condArb.map((cond) => ({ ...r, cond })))
  .map(({ t, u, by, cond }): Call => {
    const body: Json = {
      Key: key(t, u),
      UpdateExpression: "ADD score :by SET #rank = :r",
      ExpressionAttributeNames: { "#rank": "rank" },
      ExpressionAttributeValues: {
        ":by": n(by),
        ":r": s(`${by}#${u}`),
        ...(cond?.includes(":three") ? { ":three": n(3) } : {}),
      },
      ReturnValues: "ALL_NEW",
    };
    return { op: "UpdateItem", body: cond ? { ...body, ConditionExpression: cond } : body };
  });

const del = fc
  .tuple(fc.constantFrom(...TABLE_IDS), fc.constantFrom(...USERS), condArb)
  .map(([t, u, cond]): Call => ({
    op: "DeleteItem",
    body: withCond({ Key: key(t, u), ReturnValues: "ALL_OLD" }, cond),
  }));

/** 1 to 3 transaction items on distinct keys; conditions make some of them cancel (CancellationReasons compared). */
const transact = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...TABLE_IDS), fc.constantFrom(...USERS)), {
    minLength: 1,
    maxLength: 3,
    selector: ([t, u]) => `${t}/${u}`,
  })
  .chain((keys) =>
    fc.tuple(
      fc.constant(keys),
      fc.array(fc.tuple(fc.nat(3), condArb, itemArb), { minLength: keys.length, maxLength: keys.length }),
    ),
  )
  .map(([keys, specs]): Call => {
    const items = keys.map(([t, u], i) => {
      const [kind, cond, item] = specs[i];
      const k = key(t, u);
      const values = cond?.includes(":three") ? { ExpressionAttributeValues: { ":three": n(3) } } : {};
      const condition = cond ? { ConditionExpression: cond, ...values } : {};
      if (kind === 0) return { Put: { Item: { ...item, ...k }, ...condition } };
      if (kind === 1)
        return {
          Update: {
            Key: k,
            UpdateExpression: "SET label = :l",
            ...condition,
            ExpressionAttributeValues: { ...(values.ExpressionAttributeValues ?? {}), ":l": s("t") },
          },
        };
      if (kind === 2) return { Delete: { Key: k, ...condition } };
      return {
        ConditionCheck: { Key: k, ConditionExpression: cond ?? "attribute_exists(tableId)", ...values },
      };
    });
    return {
      op: "TransactWriteItems",
      body: { TransactItems: items, ReturnValuesOnConditionCheckFailure: "ALL_OLD" },
    };
  });

const limitArb = fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined });
const paging = (limit: number | undefined, forward: boolean) => ({
  ...(limit === undefined ? {} : { Limit: limit }),
  ScanIndexForward: forward,
});

const query = fc
  .record({
    which: fc.nat(4),
    t: fc.constantFrom(...TABLE_IDS),
    u: fc.constantFrom(...USERS),
    limit: limitArb,
    forward: fc.boolean(),
    filter: fc.boolean(),
    project: fc.boolean(),
  })
  .map(({ which, t, u, limit, forward, filter, project }): Call => {
    const extra: Json = {
      ...(filter ? { FilterExpression: "score >= :one" } : {}),
      ...(project ? { ProjectionExpression: "tableId, username, score" } : {}),
    };
    const one = filter ? { ":one": n(1) } : {};
    // The five key conditions: the table by partition, by partition and sort-key prefix, and each index.
    const shapes: [string | undefined, string, Json][] = [
      [undefined, "tableId = :t", { ":t": s(t) }],
      [undefined, "tableId = :t AND begins_with(username, :p)", { ":t": s(t), ":p": s("u") }],
      [INDEX.leaderboard, "tableId = :t", { ":t": s(t) }],
      [INDEX.tablesByCreatedAt, "username = :m", { ":m": s("_metadata") }],
      [INDEX.byUser, "username = :u AND tableId > :a", { ":u": s(u), ":a": s("alpha") }],
    ];
    const [index, condition, values] = shapes[which];
    return {
      op: "Query",
      page: true,
      body: {
        ...paging(limit, forward),
        ...extra,
        ...(index === undefined ? {} : { IndexName: index }),
        KeyConditionExpression: condition,
        ExpressionAttributeValues: { ...values, ...one },
      },
    };
  });

const scan = limitArb.map((limit): Call => ({
  op: "Scan",
  page: true,
  body: limit === undefined ? {} : { Limit: limit },
}));
const get = fc
  .tuple(fc.constantFrom(...TABLE_IDS), fc.constantFrom(...USERS))
  .map(([t, u]): Call => ({ op: "GetItem", body: { Key: key(t, u), ConsistentRead: true } }));

const callArb = fc.oneof(
  { weight: 6, arbitrary: put },
  { weight: 2, arbitrary: update },
  { weight: 1, arbitrary: del },
  { weight: 3, arbitrary: transact },
  { weight: 4, arbitrary: query },
  { weight: 1, arbitrary: scan },
  { weight: 1, arbitrary: get },
);

async function send(endpoint: string, op: string, body: Json): Promise<{ status: number; body: Json }> {
  const res = await fetch(endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.0",
      "X-Amz-Target": `DynamoDB_20120810.${op}`,
      Authorization:
        "AWS4-HMAC-SHA256 Credential=local/20261205/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

/** Sends one call (all its pages) to a server; returns every answer in order. */
async function run(endpoint: string, table: string, call: Call): Promise<{ status: number; body: Json }[]> {
  const answers: { status: number; body: Json }[] = [];
  let start: unknown;
  for (let page = 0; page < 12; page++) {
    let body: Json = { ...call.body, TableName: table };
    if (call.op === "TransactWriteItems") {
      const items = (call.body.TransactItems as Json[]).map((entry) => {
        const [kind, inner] = Object.entries(entry)[0] as [string, Json];
        return { [kind]: { ...inner, TableName: table } };
      });
      body = { ...call.body, TransactItems: items };
    }
    if (start !== undefined) body.ExclusiveStartKey = start;
    const answer = await send(endpoint, call.op, body);
    answers.push(answer);
    start = answer.body.LastEvaluatedKey;
    if (!call.page || start === undefined) break;
  }
  return answers;
}

describe("moto --lean answers as moto does (tools/moto/serve.py)", function () {
  this.timeout(300_000);
  let plain: RunningDynamo;
  let lean: RunningDynamo;
  let seq = 0;

  before(async () => {
    [plain, lean] = await Promise.all([
      startDynamo("moto", { lean: false }),
      startDynamo("moto", { lean: true }),
    ]);
  });
  after(async () => {
    await Promise.all([plain?.close(), lean?.close()]);
  });

  it("the same answers, call by call, over random sequences of writes, transactions, queries and scans", async () => {
    const errorTypes: Record<string, number> = {};
    const stats = { calls: 0, pages: 0, cancelled: 0, errors: 0, items: 0 };
    // Every refusal is counted by kind, so a generator that only produces invalid requests shows.
    await fc.assert(
      fc.asyncProperty(fc.array(callArb, { minLength: 20, maxLength: 60 }), async (calls) => {
        const table = `Lean-${process.pid}-${++seq}`;
        await Promise.all([
          createPlaygroundTable(plain.endpoint, table),
          createPlaygroundTable(lean.endpoint, table),
        ]);
        for (const call of calls) {
          const [a, b] = await Promise.all([
            run(plain.endpoint, table, call),
            run(lean.endpoint, table, call),
          ]);
          assert.deepEqual(b, a, `${call.op} ${JSON.stringify(call.body)}`);
          stats.calls++;
          stats.pages += a.length;
          for (const answer of a) {
            if (answer.status !== 200) {
              stats.errors++;
              const t = `${call.op} ${String(answer.body.__type ?? answer.status)
                .split("#")
                .pop()}`;
              errorTypes[t] = (errorTypes[t] ?? 0) + 1;
            }
            if (String(answer.body.__type ?? "").endsWith("TransactionCanceledException")) stats.cancelled++;
            stats.items += Array.isArray(answer.body.Items) ? answer.body.Items.length : 0;
          }
        }
      }),
      { numRuns: 40, seed: 20261205 },
    );
    console.log(`      ${JSON.stringify(stats)} ${JSON.stringify(errorTypes)}`);
    // The sequences really exercised what the flag changes (not only empty answers).
    assert.ok(stats.cancelled > 10, `cancelled transactions: ${stats.cancelled}`);
    assert.ok(stats.items > 200, `items returned by queries and scans: ${stats.items}`);
    assert.ok(
      !Object.keys(errorTypes).some((t) => t.includes("ValidationException")),
      JSON.stringify(errorTypes),
    );
    assert.ok(stats.pages > stats.calls, `pages: ${stats.pages}, calls: ${stats.calls}`);
  });
});
