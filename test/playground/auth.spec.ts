/**
 * Authentication and the owner / self / admin rules, through the local stand-in of API Gateway's JWT authorizer
 * (signature, issuer, audience and expiry verified before the handler runs; the handler reads only the verified
 * claims), with AUTH_ENABLED=true as deployed.
 */
import * as assert from "node:assert/strict";
import { SignJWT, generateKeyPair } from "jose";
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from "../../scripts/playground-auth";
import { auth, call, freshTable } from "./local";

describe("playground API with auth on (local JWT authorizer, moto)", function () {
  this.timeout(60000);
  let amy = "";
  let bob = "";
  let admin = "";
  const saved: Record<string, string | undefined> = {};
  const setEnv = (k: string, v: string | undefined) => {
    if (!(k in saved)) saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  };

  before(async () => {
    const a = await auth();
    amy = await a.mint("amy", { email: "amy@example.com" });
    bob = await a.mint("bob");
    admin = await a.mint("root", { admin: true });
  });
  beforeEach(async () => {
    await freshTable("Auth");
    setEnv("AUTH_ENABLED", "true");
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it("writes need a valid token: missing, foreign-signed, expired, wrong audience are 401 and write nothing", async () => {
    const other = await generateKeyPair("ES256");
    const sign = (aud: string, exp: number, key = other.privateKey) =>
      new SignJWT({ "cognito:username": "amy" })
        .setProtectedHeader({ alg: "ES256" })
        .setIssuer(LOCAL_ISSUER)
        .setAudience(aud)
        .setExpirationTime(exp)
        .sign(key);
    const now = Math.floor(Date.now() / 1000);
    const expired = await (await auth()).mint("amy", { ttlSeconds: -10 });
    for (const token of [undefined, await sign(LOCAL_AUDIENCE, now + 60), expired, "not-a-jwt"]) {
      const r = await call("POST", "/tables", { tableId: "t-auth" }, { token });
      assert.equal(r.status, 401, String(token));
      assert.deepEqual(r.body, { message: "Unauthorized" });
    }
    assert.equal((await call("GET", "/tables/t-auth")).status, 404);
  });

  it("owner or admin manage a table; self or admin write a user; reads are public (ALLOW_PUBLIC_READ)", async () => {
    const c = await call("POST", "/tables", { tableId: "own" }, { token: amy });
    assert.equal(c.status, 201);
    assert.equal(c.body.ownerPrincipal, "amy");
    assert.equal((await call("GET", "/tables/own")).body.ownerPrincipal, "amy");
    const byBob = await call("PATCH", "/tables/own", { isArchived: true }, { token: bob });
    assert.equal(byBob.status, 403);
    assert.equal(byBob.body.error, "Only the table owner or admin can update this table");
    assert.equal((await call("PATCH", "/tables/own", { displayName: "A" }, { token: amy })).status, 200);
    assert.equal((await call("PATCH", "/tables/own", { displayName: "B" }, { token: admin })).status, 200);

    const self = await call(
      "PUT",
      "/tables/own/users/bob",
      { submissionCount: 1, totalCount: 1 },
      { token: bob },
    );
    assert.equal(self.status, 200);
    const other = await call(
      "PUT",
      "/tables/own/users/bob",
      { submissionCount: 9, totalCount: 9 },
      { token: amy },
    );
    assert.equal(other.status, 403);
    assert.equal(other.body.error, "Only the user or admin can update this data");
    const mc = await call(
      "PUT",
      "/tables/own/users/bob/moral-compass",
      { metrics: { accuracy: 1 } },
      { token: amy },
    );
    assert.equal(mc.status, 403);
    const tasks = await call(
      "PATCH",
      "/tables/own/users/bob/tasks",
      { op: "add", taskIds: ["t1"] },
      { token: amy },
    );
    assert.equal(tasks.status, 403);
    assert.equal(
      (await call("DELETE", "/tables/own/users/bob/tasks", undefined, { token: amy })).status,
      403,
    );
    assert.equal(
      (await call("PUT", "/tables/own/users/bob", { submissionCount: 2, totalCount: 2 }, { token: admin }))
        .status,
      200,
    );
    const read = await call("GET", "/tables/own/users/bob");
    assert.equal(read.status, 200, "public read without a token");
    assert.equal(read.body.submissionCount, 2);
    assert.equal((await call("GET", "/tables/own")).body.userCount, 1);
  });

  it("ALLOW_PUBLIC_READ=false: reads need a token too; sessions: POST needs one, GET never", async () => {
    await call("POST", "/tables", { tableId: "priv" }, { token: amy });
    setEnv("ALLOW_PUBLIC_READ", "false");
    assert.equal((await call("GET", "/tables/priv")).status, 401);
    assert.equal((await call("GET", "/tables")).status, 401);
    assert.equal((await call("GET", "/tables/priv", undefined, { token: bob })).status, 200);
    assert.equal(
      (await call("POST", "/sessions", { sessionId: "s-123456789012345678", token: amy })).status,
      401,
    );
    const s = await call(
      "POST",
      "/sessions",
      { sessionId: "s-123456789012345678", token: amy },
      { token: amy },
    );
    assert.equal(s.status, 201);
    const g = await call("GET", "/sessions/s-123456789012345678");
    assert.equal(g.status, 200);
    assert.equal(g.body.token, amy);
    assert.equal((await call("GET", "/health")).status, 200);
  });

  it("DELETE /tables/{tableId}: only the owner or an admin", async () => {
    setEnv("ALLOW_TABLE_DELETE", "true");
    await call("POST", "/tables", { tableId: "gone" }, { token: amy });
    const byBob = await call("DELETE", "/tables/gone", undefined, { token: bob });
    assert.equal(byBob.status, 403);
    assert.equal(byBob.body.error, "Only the table owner or admin can delete this table");
    assert.equal((await call("DELETE", "/tables/gone", undefined, { token: amy })).status, 200);
    assert.equal((await call("DELETE", "/tables/gone", undefined, { token: amy })).status, 404);
  });
});
