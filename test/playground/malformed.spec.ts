import * as assert from "node:assert/strict";
import { ScanCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LOCAL_ENV } from "../../scripts/playground-local";
import { call, freshTable, local } from "./local";

/** Every item of the physical table, read directly (the test may Scan; the handler never does). */
async function snapshot(): Promise<string> {
  const { dynamo } = await local();
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: LOCAL_ENV.AWS_REGION,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  try {
    const out = await client.send(
      new ScanCommand({ TableName: process.env.TABLE_NAME, ConsistentRead: true }),
    );
    return JSON.stringify((out.Items ?? []).map((i) => JSON.stringify(i)).sort());
  } finally {
    client.destroy();
  }
}

type Case = [
  label: string,
  method: string,
  path: string,
  body: string | undefined,
  status: number,
  error: RegExp,
];

const CASES: Case[] = [
  ["create: invalid JSON", "POST", "/tables", "{", 400, /^Invalid JSON in request body$/],
  ["create: array body", "POST", "/tables", "[]", 400, /^Request body must be a JSON object$/],
  ["create: null body", "POST", "/tables", "null", 400, /JSON object/],
  ["create: string body", "POST", "/tables", '"x"', 400, /JSON object/],
  [
    "create: playgroundUrl with a malformed escape after /playground/ (was a URIError, a 500)",
    "POST",
    "/tables",
    JSON.stringify({ tableId: "pct", playgroundUrl: "https://h/playground/%E0%A4%A" }),
    400,
    /^Invalid playgroundUrl\. Could not extract playground ID$/,
  ],
  ["create: missing tableId", "POST", "/tables", "{}", 400, /^Invalid tableId\. Must be alphanumeric/],
  ["create: tableId with space", "POST", "/tables", '{"tableId":"a b"}', 400, /Invalid tableId/],
  ["create: tableId 65 chars", "POST", "/tables", JSON.stringify({ tableId: "a".repeat(65) }), 400, /max 64/],
  ["create: tableId a number", "POST", "/tables", '{"tableId":5}', 400, /Invalid tableId/],
  [
    "create: displayName number",
    "POST",
    "/tables",
    '{"tableId":"n1","displayName":5}',
    400,
    /^displayName must be a string/,
  ],
  [
    "create: displayName too long",
    "POST",
    "/tables",
    JSON.stringify({ tableId: "n2", displayName: "x".repeat(257) }),
    400,
    /at most 256/,
  ],
  [
    "create: existing table",
    "POST",
    "/tables",
    '{"tableId":"base","displayName":"changed"}',
    409,
    /already exists/,
  ],
  ["patch: invalid JSON", "PATCH", "/tables/base", "{x", 400, /Invalid JSON/],
  ["patch: array body", "PATCH", "/tables/base", "[1]", 400, /JSON object/],
  [
    "patch: isArchived string",
    "PATCH",
    "/tables/base",
    '{"isArchived":"true"}',
    400,
    /^isArchived must be a boolean/,
  ],
  [
    "patch: isArchived number",
    "PATCH",
    "/tables/base",
    '{"isArchived":1}',
    400,
    /isArchived must be a boolean/,
  ],
  [
    "patch: displayName object",
    "PATCH",
    "/tables/base",
    '{"displayName":{}}',
    400,
    /displayName must be a string/,
  ],
  [
    "patch: valid name but bad isArchived",
    "PATCH",
    "/tables/base",
    '{"displayName":"ok","isArchived":"no"}',
    400,
    /isArchived/,
  ],
  ["patch: no fields", "PATCH", "/tables/base", '{"other":1}', 400, /^No valid fields to update$/],
  ["patch: bad id", "PATCH", "/tables/b%20d", '{"isArchived":true}', 400, /^Invalid tableId format$/],
  ["patch: missing table", "PATCH", "/tables/ghost", '{"isArchived":true}', 404, /^Table not found$/],
  ["put: invalid JSON", "PUT", "/tables/base/users/u", "nope", 400, /Invalid JSON/],
  ["put: array body", "PUT", "/tables/base/users/u", "[]", 400, /JSON object/],
  [
    "put: missing counts",
    "PUT",
    "/tables/base/users/u",
    "{}",
    400,
    /^submissionCount and totalCount are required$/,
  ],
  [
    "put: null count",
    "PUT",
    "/tables/base/users/u",
    '{"submissionCount":null,"totalCount":1}',
    400,
    /are required/,
  ],
  [
    "put: fraction",
    "PUT",
    "/tables/base/users/u",
    '{"submissionCount":5.9,"totalCount":1}',
    400,
    /^submissionCount and totalCount must be integers$/,
  ],
  [
    "put: boolean",
    "PUT",
    "/tables/base/users/u",
    '{"submissionCount":true,"totalCount":1}',
    400,
    /must be integers/,
  ],
  [
    "put: word",
    "PUT",
    "/tables/base/users/u",
    '{"submissionCount":"five","totalCount":1}',
    400,
    /must be integers/,
  ],
  [
    "put: fraction string",
    "PUT",
    "/tables/base/users/u",
    '{"submissionCount":"5.5","totalCount":1}',
    400,
    /must be integers/,
  ],
  [
    "put: exponent",
    "PUT",
    "/tables/base/users/u",
    '{"submissionCount":"1e3","totalCount":1}',
    400,
    /must be integers/,
  ],
  [
    "put: too large",
    "PUT",
    "/tables/base/users/u",
    '{"submissionCount":1e300,"totalCount":1}',
    400,
    /must be integers/,
  ],
  [
    "put: array",
    "PUT",
    "/tables/base/users/u",
    '{"submissionCount":[1],"totalCount":1}',
    400,
    /must be integers/,
  ],
  [
    "put: negative",
    "PUT",
    "/tables/base/users/u",
    '{"submissionCount":-1,"totalCount":1}',
    400,
    /^submissionCount and totalCount must be non-negative$/,
  ],
  [
    "put: negative string",
    "PUT",
    "/tables/base/users/u",
    '{"submissionCount":1,"totalCount":"-3"}',
    400,
    /non-negative/,
  ],
  [
    "put: _metadata",
    "PUT",
    "/tables/base/users/_metadata",
    '{"submissionCount":1,"totalCount":1}',
    400,
    /^Invalid username format/,
  ],
  [
    "put: bad username",
    "PUT",
    "/tables/base/users/a.b",
    '{"submissionCount":1,"totalCount":1}',
    400,
    /Invalid username format/,
  ],
  [
    "put: long username",
    "PUT",
    `/tables/base/users/${"u".repeat(65)}`,
    '{"submissionCount":1,"totalCount":1}',
    400,
    /Invalid username/,
  ],
  [
    "put: bad table id",
    "PUT",
    "/tables/b!d/users/u",
    '{"submissionCount":1,"totalCount":1}',
    400,
    /^Invalid tableId format$/,
  ],
  [
    "put: missing table",
    "PUT",
    "/tables/ghost/users/u",
    '{"submissionCount":1,"totalCount":1}',
    404,
    /^Table not found$/,
  ],
  ["get user: _metadata", "GET", "/tables/base/users/_metadata", undefined, 400, /Invalid username/],
  ["list users: bad limit", "GET", "/tables/base/users?limit=0", undefined, 400, /Invalid limit/],
  ["list users: bad cursor", "GET", "/tables/base/users?lastKey=eyJ9", undefined, 400, /Invalid lastKey/],
  ["list tables: huge limit", "GET", "/tables?limit=100000", undefined, 400, /Invalid limit/],
  ["unknown route", "DELETE", "/tables", undefined, 404, /^Route not found$/],
];

describe("playground API against dynalite: malformed input is a 4xx and writes nothing", function () {
  this.timeout(60000);
  before(async () => {
    await local();
    await freshTable("Malformed");
    await call("POST", "/tables", { tableId: "base", displayName: "Base" });
    await call("PUT", "/tables/base/users/u", { submissionCount: 3, totalCount: 4 });
  });

  for (const [label, method, path, body, status, error] of CASES) {
    it(`${label}: ${status}`, async () => {
      const before = await snapshot();
      const r = await call(method, path, undefined, { rawBody: body ?? "" });
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.deepEqual(Object.keys(r.body), ["error"]);
      assert.match(String(r.body.error), error);
      assert.equal(await snapshot(), before, "the table is unchanged");
    });
  }

  it("accepts integer strings and whole floats as counts (the seed did) and stores integers", async () => {
    const r = await call("PUT", "/tables/base/users/v", { submissionCount: "7", totalCount: 8.0 });
    assert.equal(r.status, 200);
    assert.equal(r.body.submissionCount, 7);
    assert.equal(r.body.totalCount, 8);
  });
});
