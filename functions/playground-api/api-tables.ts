/** The table routes (create, list, read, patch, delete), the session drop-off and the health check. */
import { type Identity, isAdmin, ownerFields } from "./auth";
import type { Ctx, Result } from "./context";
import { json } from "./context";
import { parseTablesLastKey } from "./cursor";
import { INDEX } from "./table";
import {
  MESSAGES,
  Problem,
  checkTableName,
  createTableInput,
  limitOf,
  patchTableInput,
  regionOfTableId,
  sessionIdOf,
  sessionTokenOf,
  tableIdOf,
} from "./validate";

export async function health(ctx: Ctx): Promise<Result> {
  const timestamp = ctx.now();
  const tableName = process.env.TABLE_NAME ?? "";
  try {
    const d = await ctx.store().describe();
    return json(200, {
      tableName,
      tableStatus: d.status,
      indexes: d.indexes,
      gsiByUserActive: d.indexes[INDEX.byUser] === "ACTIVE",
      safeConcurrency: ctx.safeConcurrency,
      authEnabled: ctx.settings.authEnabled,
      timestamp,
    });
  } catch {
    return json(503, { error: "DynamoDB table is not reachable", tableName, timestamp });
  }
}

export async function createTable(ctx: Ctx): Promise<Result> {
  const input = createTableInput(ctx.body());
  const { settings: s, identity } = ctx;
  if (s.authEnabled && !identity) throw new Problem(401, "Authentication required");
  if (s.mcEnforceNaming) checkTableName(input.tableId, input.playgroundId, s.suffixes);
  const extra = {
    ...(s.authEnabled && identity ? ownerFields(identity) : {}),
    ...(input.playgroundUrl !== undefined ? { playgroundUrl: input.playgroundUrl } : {}),
    ...(input.playgroundId !== undefined
      ? {
          playgroundId: input.playgroundId,
          region: regionOfTableId(input.tableId, input.playgroundId, s.suffixes) ?? s.region,
        }
      : {}),
  };
  const created = await ctx.store().createTable(input.tableId, input.displayName, ctx.now(), extra);
  if (!created) return json(409, { error: `Table ${input.tableId} already exists` });
  return json(201, {
    tableId: input.tableId,
    displayName: input.displayName,
    message: "Table created successfully",
    ...(extra.ownerPrincipal !== undefined ? { ownerPrincipal: extra.ownerPrincipal } : {}),
    ...(input.playgroundId !== undefined ? { playgroundId: input.playgroundId } : {}),
  });
}

export async function listTables(ctx: Ctx): Promise<Result> {
  const limit = limitOf(ctx.query.limit);
  const after = ctx.query.lastKey !== undefined ? parseTablesLastKey(ctx.query.lastKey) : undefined;
  const s = ctx.store();
  let key = after && "key" in after ? after.key : undefined;
  if (after && "lookup" in after) {
    key = await s.tablesKeyOf(after.lookup);
    if (!key) throw new Problem(400, `${MESSAGES.lastKey} (table ${after.lookup} does not exist)`);
  }
  const page = await s.listTables(limit, key);
  return json(200, { tables: page.items, ...(page.lastKey ? { lastKey: page.lastKey } : {}) });
}

export async function getTable(ctx: Ctx): Promise<Result> {
  const tableId = tableIdOf(ctx.params.tableId);
  const table = await ctx.store().getTable(tableId);
  if (!table) return json(404, { error: MESSAGES.tableNotFound });
  return json(200, table);
}

/**
 * Who may manage a table: with auth off or as an admin, anyone (undefined); otherwise the caller, whom the
 * update itself checks against the table's owner fields (one call, `manage.ts`).
 */
function managerToCheck(ctx: Ctx): Identity | undefined {
  if (!ctx.settings.authEnabled) return undefined;
  if (!ctx.identity) throw new Problem(401, "Authentication required");
  return isAdmin(ctx.identity) ? undefined : ctx.identity;
}

const refusal = (outcome: "missing" | "forbidden", action: string): Result =>
  outcome === "missing"
    ? json(404, { error: MESSAGES.tableNotFound })
    : json(403, { error: `Only the table owner or admin can ${action}` });

export async function patchTable(ctx: Ctx): Promise<Result> {
  const parsed = ctx.body();
  const tableId = tableIdOf(ctx.params.tableId);
  const patch = patchTableInput(parsed);
  const owner = managerToCheck(ctx);
  const outcome = await ctx.store().patchTable(tableId, patch, ctx.now(), owner);
  if (outcome !== "updated") return refusal(outcome, "update this table");
  return json(200, { message: "Table updated successfully" });
}

export async function deleteTable(ctx: Ctx): Promise<Result> {
  if (!ctx.settings.allowTableDelete) return json(403, { error: MESSAGES.deleteDisabled });
  const tableId = tableIdOf(ctx.params.tableId);
  const owner = managerToCheck(ctx);
  const deleted = await ctx.store().deleteTable(tableId, ctx.now(), owner);
  if (typeof deleted !== "number") return refusal(deleted, "delete this table");
  return json(200, { message: `Table ${tableId} deleted successfully`, deletedItems: deleted });
}

export async function createSession(ctx: Ctx): Promise<Result> {
  const body = ctx.body();
  if (ctx.settings.authEnabled && !ctx.identity) throw new Problem(401, "Authentication required");
  if (body.sessionId === undefined || body.sessionId === null || body.sessionId === "")
    throw new Problem(400, MESSAGES.sessionRequired);
  const token = sessionTokenOf(body.token, MESSAGES.sessionRequired);
  const sessionId = sessionIdOf(body.sessionId);
  const expiresAt = await ctx.sessions().put(sessionId, token, ctx.nowMs());
  return json(201, { message: "Session created successfully", sessionId, expiresAt });
}

export async function getSession(ctx: Ctx): Promise<Result> {
  const sessionId = sessionIdOf(ctx.params.sessionId);
  const token = await ctx.sessions().get(sessionId, ctx.nowMs());
  if (token === undefined) return json(404, { error: MESSAGES.sessionNotFound });
  return json(200, { sessionId, token });
}

export async function refreshSession(ctx: Ctx): Promise<Result> {
  const body = ctx.body();
  const sessionId = sessionIdOf(ctx.params.sessionId);
  if (ctx.settings.authEnabled && !ctx.identity) throw new Problem(401, "Authentication required");
  const token = sessionTokenOf(body.token, MESSAGES.newToken);
  const expiresAt = await ctx.sessions().refresh(sessionId, token, ctx.nowMs());
  if (expiresAt === undefined) return json(404, { error: MESSAGES.sessionNotFound });
  return json(200, { message: "Session refreshed successfully", sessionId, expiresAt });
}
