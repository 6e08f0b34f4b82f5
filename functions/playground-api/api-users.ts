/**
 * The user routes: read one user, list a table's users, and the four writes (counts, moral compass, tasks,
 * clear tasks). Every write goes through `users.ts` (one transaction with the table's metadata item).
 */
import type { Ctx, Result } from "./context";
import { json, writeRefused } from "./context";
import { parseUsersLastKey } from "./cursor";
import { isAdmin, isSelf } from "./auth";
import {
  MESSAGES,
  Problem,
  limitOf,
  moralCompassInput,
  putUserInput,
  sortTaskIds,
  tableIdOf,
  tasksInput,
  usernameOf,
} from "./validate";

/** Self or admin may write a user's data (when auth is on). */
function mayWrite(ctx: Ctx, username: string): void {
  if (!ctx.settings.authEnabled) return;
  if (!ctx.identity) throw new Problem(401, "Authentication required");
  if (!isSelf(ctx.identity, username) && !isAdmin(ctx.identity))
    throw new Problem(403, "Only the user or admin can update this data");
}

export async function listUsers(ctx: Ctx): Promise<Result> {
  const tableId = tableIdOf(ctx.params.tableId);
  const limit = limitOf(ctx.query.limit);
  const after = ctx.query.lastKey !== undefined ? parseUsersLastKey(ctx.query.lastKey, tableId) : undefined;
  const s = ctx.store();
  if (!(await s.getTable(tableId))) return json(404, { error: MESSAGES.tableNotFound });
  let key = after && "key" in after ? after.key : undefined;
  if (after && "lookup" in after) {
    key = await s.usersKeyOf(tableId, after.lookup);
    if (!key) throw new Problem(400, `${MESSAGES.lastKey} (user ${after.lookup} is not in this table)`);
  }
  const page = await s.listUsers(tableId, limit, key);
  return json(200, { users: page.items, ...(page.lastKey ? { lastKey: page.lastKey } : {}) });
}

export async function getUser(ctx: Ctx): Promise<Result> {
  const tableId = tableIdOf(ctx.params.tableId);
  const username = usernameOf(ctx.params.username);
  const s = ctx.store();
  const user = await s.getUser(tableId, username);
  if (user) return json(200, user);
  // Users exist only inside existing tables, so the metadata read is needed only to tell the 404s apart.
  if (!(await s.getTable(tableId))) return json(404, { error: MESSAGES.tableNotFound });
  return json(404, { error: MESSAGES.userNotFound });
}

export async function putUser(ctx: Ctx): Promise<Result> {
  const parsed = ctx.body();
  const tableId = tableIdOf(ctx.params.tableId);
  const username = usernameOf(ctx.params.username);
  mayWrite(ctx, username);
  const input = putUserInput(parsed);
  const out = await ctx.store().putUser(tableId, username, input, ctx.now(), ctx.requestId);
  if (out.kind !== "ok") return writeRefused(out.kind, tableId);
  return json(200, {
    username,
    submissionCount: input.submissionCount,
    totalCount: input.totalCount,
    message: "User data updated successfully",
    createdNew: out.createdNew,
    ...(input.teamName !== undefined ? { teamName: input.teamName } : {}),
  });
}

export async function putMoralCompass(ctx: Ctx): Promise<Result> {
  const parsed = ctx.body();
  const tableId = tableIdOf(ctx.params.tableId);
  const username = usernameOf(ctx.params.username);
  mayWrite(ctx, username);
  const input = moralCompassInput(parsed);
  const out = await ctx.store().putMoralCompass(tableId, username, input, ctx.now(), ctx.requestId);
  if (out.kind !== "ok") return writeRefused(out.kind, tableId);
  const tasks = out.item.completedTaskIds;
  const team = out.item.teamName;
  return json(200, {
    username,
    metrics: input.metrics,
    primaryMetric: input.primaryMetric,
    moralCompassScore: input.moralCompassScore,
    tasksCompleted: input.tasksCompleted,
    totalTasks: input.totalTasks,
    questionsCorrect: input.questionsCorrect,
    totalQuestions: input.totalQuestions,
    message: "Moral compass data updated successfully",
    createdNew: out.createdNew,
    ...(Array.isArray(tasks) && tasks.length > 0 ? { completedTaskIds: tasks } : {}),
    ...(typeof team === "string" && team !== "" ? { teamName: team } : {}),
  });
}

export async function patchTasks(ctx: Ctx): Promise<Result> {
  const parsed = ctx.body();
  const tableId = tableIdOf(ctx.params.tableId);
  const username = usernameOf(ctx.params.username);
  mayWrite(ctx, username);
  const { op, taskIds } = tasksInput(parsed);
  const next = (current: string[]): string[] => {
    if (op === "add") return sortTaskIds([...current, ...taskIds]);
    if (op === "remove") return sortTaskIds(current.filter((t) => !taskIds.includes(t)));
    return sortTaskIds(taskIds);
  };
  const out = await ctx.store().changeTasks(tableId, username, next, ctx.now(), ctx.requestId);
  if (out.kind !== "ok") return writeRefused(out.kind, tableId);
  return json(200, {
    username,
    completedTaskIds: out.item.completedTaskIds,
    message: `Tasks ${op} operation completed successfully`,
  });
}

export async function clearTasks(ctx: Ctx): Promise<Result> {
  const tableId = tableIdOf(ctx.params.tableId);
  const username = usernameOf(ctx.params.username);
  mayWrite(ctx, username);
  const out = await ctx.store().changeTasks(tableId, username, () => [], ctx.now(), ctx.requestId);
  if (out.kind !== "ok") return writeRefused(out.kind, tableId);
  return json(200, { username, completedTaskIds: [], message: "Tasks cleared successfully" });
}
