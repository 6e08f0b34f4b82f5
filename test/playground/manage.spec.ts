/**
 * PATCH and DELETE /tables/{tableId} check the owner inside their one conditional write (`manage.ts`). The
 * condition (`ownerCondition`) must say what the owner rule (`isOwner`) says, and a refused write must tell a
 * missing table from someone else's: random identities and owner fields against moto, compared with the rule.
 */
import * as assert from "node:assert/strict";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { type Identity, type Owner, isOwner } from "../../functions/playground-api/auth";
import { updateMeta } from "../../functions/playground-api/manage";
import { METADATA } from "../../functions/playground-api/table";
import { LOCAL_ENV } from "../../scripts/playground-local";
import { freshTable, local } from "./local";

const name = fc.constantFrom("amy", "bob", "amy@example.com", "local-amy");
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const identity: fc.Arbitrary<Identity> = fc.record({
  principal: name,
  sub: opt(fc.constantFrom("local-amy", "local-bob", "sub-x")),
  email: opt(fc.constantFrom("amy@example.com", "bob@example.com")),
  groups: fc.constant([]),
});

const owner: fc.Arbitrary<Owner> = fc.record(
  {
    ownerPrincipal: fc.constantFrom("amy", "bob", "", "amy@example.com"),
    ownerSub: fc.constantFrom("local-amy", "local-bob"),
    ownerEmail: fc.constantFrom("amy@example.com", "bob@example.com"),
  },
  { requiredKeys: [] },
);

/** missing: no item; deleting: a DELETE has marked it; live: an ordinary table. */
const state = fc.constantFrom("missing", "deleting", "live");

describe("playground owner check in one write (manage.ts) agrees with the owner rule (moto)", function () {
  this.timeout(120_000);
  let doc: DynamoDBDocumentClient;
  let table = "";

  before(async () => {
    const { dynamo } = await local();
    doc = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: dynamo.endpoint,
        region: LOCAL_ENV.AWS_REGION,
        credentials: {
          accessKeyId: LOCAL_ENV.AWS_ACCESS_KEY_ID,
          secretAccessKey: LOCAL_ENV.AWS_SECRET_ACCESS_KEY,
        },
      }),
    );
    table = await freshTable("Manage");
  });

  it("PATCH (deleting counts as missing) and DELETE's mark: updated, missing or forbidden as isOwner says", async () => {
    const seen = { updated: 0, missing: 0, forbidden: 0 };
    let n = 0;
    await fc.assert(
      fc.asyncProperty(identity, owner, state, fc.boolean(), async (id, own, st, isPatch) => {
        const tableId = `t${++n}`;
        if (st !== "missing")
          await doc.send(
            new PutCommand({
              TableName: table,
              Item: {
                tableId,
                username: METADATA,
                displayName: "before",
                ...own,
                ...(st === "deleting" ? { deleting: "2026-12-05T00:00:00.000Z" } : {}),
              },
            }),
          );
        const outcome = await updateMeta(doc, table, tableId, {
          sets: ["displayName = :dn"],
          values: { ":dn": "after" },
          refuseDeleting: isPatch,
          owner: id,
        });
        const expected =
          st === "missing" || (isPatch && st === "deleting")
            ? "missing"
            : isOwner(id, own)
              ? "updated"
              : "forbidden";
        assert.equal(outcome, expected, JSON.stringify({ id, own, st, isPatch }));
        const after = await doc.send(
          new GetCommand({ TableName: table, Key: { tableId, username: METADATA } }),
        );
        // A refused write wrote nothing; a missing table stays missing (no item made by the update).
        assert.equal(
          after.Item?.displayName,
          st === "missing" ? undefined : outcome === "updated" ? "after" : "before",
        );
        seen[outcome]++;
      }),
      { numRuns: 150, seed: 20261206 },
    );
    // Every outcome was reached (the generators are not lopsided).
    for (const [k, v] of Object.entries(seen)) assert.ok(v >= 10, `${k} reached ${v} times`);
  });

  it("without an owner to check (auth off or an admin): any live table is updated, none is forbidden", async () => {
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { tableId: "anyone", username: METADATA, displayName: "x", ownerPrincipal: "amy" },
      }),
    );
    const base = { sets: ["displayName = :dn"], values: { ":dn": "y" }, refuseDeleting: true };
    assert.equal(await updateMeta(doc, table, "anyone", base), "updated");
    assert.equal(await updateMeta(doc, table, "nobody", base), "missing");
  });
});
