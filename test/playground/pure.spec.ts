import * as assert from "node:assert/strict";
import fc from "fast-check";
import { decodeTablesCursor, decodeUsersCursor, encodeCursor } from "../../functions/playground-api/cursor";
import { createdKey, rankKey } from "../../functions/playground-api/keys";
import { ROUTE_KEYS, routeOf } from "../../functions/playground-api/routes";
import { INDEX, tableDefinition } from "../../functions/playground-api/table";
import {
  MESSAGES,
  Problem,
  countOf,
  createTableInput,
  jsonObject,
  limitOf,
  patchTableInput,
  putUserInput,
  usernameOf,
} from "../../functions/playground-api/validate";
import { matchRoute, toApiEvent } from "../../scripts/playground-local";

function problem(fn: () => unknown, status: number, message: string) {
  assert.throws(fn, (e: unknown) => e instanceof Problem && e.status === status && e.message === message);
}

describe("playground pure modules", () => {
  describe("validate", () => {
    it("parses bodies: absent is {}, non-objects and bad JSON are 400s", () => {
      assert.deepEqual(jsonObject(undefined), {});
      assert.deepEqual(jsonObject(Buffer.from('{"a":1}').toString("base64"), true), { a: 1 });
      problem(() => jsonObject("{"), 400, MESSAGES.invalidJson);
      for (const b of ["[]", "null", "1", '"s"', "true"])
        problem(() => jsonObject(b), 400, MESSAGES.notObject);
    });

    it("counts: integers and integer strings, nothing else", () => {
      assert.equal(countOf(5), 5);
      assert.equal(countOf(" 42 "), 42);
      assert.equal(countOf(-0), 0);
      assert.equal(countOf("-3"), -3);
      for (const bad of [
        5.5,
        "5.5",
        true,
        null,
        [],
        {},
        "",
        "1e3",
        Infinity,
        NaN,
        2 ** 53,
        "99999999999999999999",
      ]) {
        problem(() => countOf(bad), 400, MESSAGES.countsIntegers);
      }
      problem(() => putUserInput({ submissionCount: 1 }), 400, MESSAGES.countsRequired);
      problem(() => putUserInput({ submissionCount: -1, totalCount: 1 }), 400, MESSAGES.countsNonNegative);
      assert.deepEqual(putUserInput({ submissionCount: "1", totalCount: 2 }), {
        submissionCount: 1,
        totalCount: 2,
      });
    });

    it("tables: ids, displayName and the patch fields", () => {
      assert.deepEqual(createTableInput({ tableId: "a_b-1" }), { tableId: "a_b-1", displayName: "a_b-1" });
      problem(() => createTableInput({ tableId: "" }), 400, MESSAGES.createTableId);
      problem(() => createTableInput({ tableId: "x", displayName: 5 }), 400, MESSAGES.displayName);
      assert.deepEqual(patchTableInput({ isArchived: false }), { isArchived: false });
      problem(() => patchTableInput({ isArchived: "false" }), 400, MESSAGES.isArchived);
      problem(() => patchTableInput({}), 400, MESSAGES.noFields);
      problem(() => usernameOf("_metadata"), 400, MESSAGES.usernameFormat);
    });

    it("limit: default 50, 1..500, never clamped", () => {
      assert.equal(limitOf(undefined), 50);
      assert.equal(limitOf("1"), 1);
      assert.equal(limitOf("500"), 500);
      for (const bad of ["0", "501", "", "-1", "1.0", " 5", "abc"])
        problem(() => limitOf(bad), 400, MESSAGES.limit);
    });
  });

  describe("cursor", () => {
    it("round-trips and is opaque (base64url)", () => {
      const key = {
        tableId: "t",
        username: "_metadata" as const,
        createdKey: createdKey("2026-01-01T00:00:00.000Z", "t"),
      };
      const c = encodeCursor("tables", key);
      assert.match(c, /^[A-Za-z0-9_-]+$/);
      assert.deepEqual(decodeTablesCursor(c), key);
      const u = { tableId: "t", username: "bob", rank: rankKey(3, "bob") };
      assert.deepEqual(decodeUsersCursor(encodeCursor("users", u), "t"), u);
    });

    it("refuses anything edited (property: any other string is a 400 or decodes to the same key)", () => {
      const u = { tableId: "t", username: "bob", rank: rankKey(3, "bob") };
      const good = encodeCursor("users", u);
      fc.assert(
        fc.property(fc.string({ maxLength: 300 }), (s) => {
          try {
            const k = decodeUsersCursor(s, "t");
            assert.equal(s, good);
            assert.deepEqual(k, u);
          } catch (e) {
            assert.ok(e instanceof Problem && e.status === 400 && e.message === MESSAGES.lastKey, String(e));
          }
        }),
      );
      problem(() => decodeUsersCursor(good, "other"), 400, MESSAGES.lastKey);
      const mismatched = encodeCursor("users", { ...u, rank: rankKey(3, "eve") });
      problem(() => decodeUsersCursor(mismatched, "t"), 400, MESSAGES.lastKey);
    });
  });

  describe("keys", () => {
    it("rank orders by submissionCount descending, then username ascending (property)", () => {
      fc.assert(
        fc.property(
          fc.nat({ max: Number.MAX_SAFE_INTEGER }),
          fc.stringMatching(/^[a-zA-Z0-9_-]{1,64}$/),
          fc.nat({ max: Number.MAX_SAFE_INTEGER }),
          fc.stringMatching(/^[a-zA-Z0-9_-]{1,64}$/),
          (s1, u1, s2, u2) => {
            if (s1 === s2 && u1 === u2) return;
            const wanted = s1 > s2 || (s1 === s2 && u1 < u2);
            assert.equal(rankKey(s1, u1) < rankKey(s2, u2), wanted);
          },
        ),
      );
      assert.ok(rankKey(5, "amy") < rankKey(5, "bob"));
      assert.ok(rankKey(6, "zed") < rankKey(5, "amy"));
      assert.equal(rankKey(Number.MAX_SAFE_INTEGER, "a"), "7fffffffffffffff#0000000000000000#a");
      assert.throws(() => rankKey(-1, "a"), RangeError);
    });
  });

  describe("routes and the table definition", () => {
    it("dispatches on routeKey, whatever the stage prefix of rawPath", () => {
      assert.equal(routeOf({ routeKey: "GET /tables/{tableId}" }), "GET /tables/{tableId}");
      assert.equal(routeOf({ routeKey: "$default" }), undefined);
      assert.equal(
        routeOf({ routeKey: "GET /tables", requestContext: { http: { method: "OPTIONS" } } }),
        "OPTIONS",
      );
      assert.equal(ROUTE_KEYS.length, 16);
    });

    it("matches paths to route keys like API Gateway and builds payload-2.0 events", () => {
      assert.deepEqual(matchRoute("PUT", "/tables/a/users/b"), {
        routeKey: "PUT /tables/{tableId}/users/{username}",
        pathParameters: { tableId: "a", username: "b" },
      });
      assert.deepEqual(matchRoute("GET", "/tables"), { routeKey: "GET /tables", pathParameters: undefined });
      assert.equal(matchRoute("DELETE", "/tables"), undefined);
      const e = toApiEvent({ method: "GET", url: "/tables?limit=2", headers: {}, body: "", requestId: "r1" });
      assert.equal(e.version, "2.0");
      assert.equal(e.routeKey, "GET /tables");
      assert.deepEqual(e.queryStringParameters, { limit: "2" });
      assert.equal(e.requestContext.requestId, "r1");
      assert.equal(e.body, undefined);
    });

    it("defines the keys, the seed's byUser index and the two listing indexes", () => {
      assert.deepEqual(tableDefinition.KeySchema, [
        { AttributeName: "tableId", KeyType: "HASH" },
        { AttributeName: "username", KeyType: "RANGE" },
      ]);
      assert.deepEqual(
        tableDefinition.GlobalSecondaryIndexes?.map((g) => g.IndexName),
        [INDEX.byUser, INDEX.tablesByCreatedAt, INDEX.leaderboard],
      );
      const declared = new Set(tableDefinition.AttributeDefinitions?.map((a) => a.AttributeName));
      const used = new Set(
        [tableDefinition.KeySchema!, ...tableDefinition.GlobalSecondaryIndexes!.map((g) => g.KeySchema!)]
          .flat()
          .map((k) => k.AttributeName),
      );
      assert.deepEqual(
        [...declared].sort(),
        [...used].sort(),
        "every attribute definition is a key of something",
      );
    });
  });
});
