/**
 * `npm run playground:backfill -- <TableName> [--dry-run]`: one-off migration of a table the seed's Terraform
 * and Python Lambda wrote, so its items appear in the new listings.
 *
 * The seed stored no `createdKey` on metadata items and no `rank` on user items, so they are absent from the
 * `tablesByCreatedAt` and `leaderboard` indexes; items written by our earlier version carry a rank without the
 * moral-compass score part, which is rewritten to the current form. This tool reads the table page by page (a Scan: an operator's
 * one-off job with the operator's credentials; the API itself never scans) and sets the missing keys with
 * conditional updates, so it is safe to run while the API serves traffic and safe to run twice.
 * It uses the SDK's standard configuration chain (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_DYNAMODB).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { createdKey, isoUtc, rankKey } from "../functions/playground-api/keys";
import { CliError, parseCli, runCli } from "./cli";
import { METADATA } from "../functions/playground-api/table";

type Item = Record<string, unknown>;

const EPOCH = "1970-01-01T00:00:00.000Z";
const ISO_MS_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The update one item needs, or why it is left alone. Pure. */
export type BackfillPlan =
  | { kind: "createdKey"; value: string; note?: string }
  | { kind: "rank"; value: string; submissionCount: number; old?: string }
  | { kind: "skip"; reason: string };

export function planItem(item: Item): BackfillPlan {
  const tableId = String(item.tableId ?? "");
  if (item.username === METADATA) {
    if (typeof item.createdKey === "string") return { kind: "skip", reason: "has createdKey" };
    const created = typeof item.createdAt === "string" ? isoUtc(item.createdAt) : "";
    if (ISO_MS_Z.test(created)) return { kind: "createdKey", value: createdKey(created, tableId) };
    return {
      kind: "createdKey",
      value: createdKey(EPOCH, tableId),
      note: `createdAt ${JSON.stringify(item.createdAt)} is not a timestamp: listed as the oldest table`,
    };
  }
  if (String(item.tableId ?? "").startsWith("_session#"))
    return { kind: "skip", reason: "has no rank (session)" };
  const s = item.submissionCount;
  if (typeof s !== "number" || !Number.isSafeInteger(s) || s < 0) {
    if (typeof item.rank === "string") return { kind: "skip", reason: "has rank" };
    return { kind: "skip", reason: `submissionCount ${JSON.stringify(s)} is not a non-negative integer` };
  }
  const score = typeof item.moralCompassScore === "number" ? item.moralCompassScore : 0;
  const value = rankKey(s, String(item.username), score);
  if (item.rank === value) return { kind: "skip", reason: "has rank" };
  // No rank (the seed's items) or one in the earlier format without the score: set the current one.
  return {
    kind: "rank",
    value,
    submissionCount: s,
    ...(typeof item.rank === "string" ? { old: item.rank } : {}),
  };
}

export interface BackfillResult {
  scanned: number;
  updated: number;
  skipped: number;
  raced: number;
  notes: string[];
}

export async function backfill(
  doc: DynamoDBDocumentClient,
  tableName: string,
  opts: { dryRun?: boolean; pageSize?: number; log?: (line: string) => void } = {},
): Promise<BackfillResult> {
  const log = opts.log ?? console.log;
  const result: BackfillResult = { scanned: 0, updated: 0, skipped: 0, raced: 0, notes: [] };
  let start: Record<string, unknown> | undefined;
  let page = 0;
  do {
    const out = await doc.send(
      new ScanCommand({ TableName: tableName, Limit: opts.pageSize ?? 100, ExclusiveStartKey: start }),
    );
    page++;
    for (const item of out.Items ?? []) {
      result.scanned++;
      const plan = planItem(item);
      if (plan.kind === "skip") {
        result.skipped++;
        if (!plan.reason.startsWith("has "))
          result.notes.push(`${item.tableId}/${item.username}: ${plan.reason}`);
        continue;
      }
      if (plan.kind === "createdKey" && plan.note) result.notes.push(`${item.tableId}: ${plan.note}`);
      if (opts.dryRun) {
        result.updated++;
        continue;
      }
      try {
        await doc.send(
          plan.kind === "createdKey"
            ? new UpdateCommand({
                TableName: tableName,
                Key: { tableId: item.tableId, username: item.username },
                UpdateExpression: "SET createdKey = :k",
                ConditionExpression: "attribute_exists(tableId) AND attribute_not_exists(createdKey)",
                ExpressionAttributeValues: { ":k": plan.value },
              })
            : new UpdateCommand({
                TableName: tableName,
                Key: { tableId: item.tableId, username: item.username },
                UpdateExpression: "SET #rank = :r",
                // A concurrent PUT already set a fresh rank (or changed the count): leave its write alone.
                ConditionExpression: `${plan.old === undefined ? "attribute_not_exists(#rank)" : "#rank = :old"} AND submissionCount = :s`,
                ExpressionAttributeNames: { "#rank": "rank" },
                ExpressionAttributeValues: {
                  ":r": plan.value,
                  ":s": plan.submissionCount,
                  ...(plan.old === undefined ? {} : { ":old": plan.old }),
                },
              }),
        );
        result.updated++;
      } catch (err) {
        if ((err as { name?: string }).name !== "ConditionalCheckFailedException") throw err;
        result.raced++;
      }
    }
    start = out.LastEvaluatedKey;
    log(
      `backfill: page ${page}: ${result.scanned} items read, ${result.updated} ${opts.dryRun ? "to update" : "updated"}, ${result.skipped} already fine or skipped, ${result.raced} changed concurrently`,
    );
  } while (start);
  for (const n of result.notes) log(`backfill: note: ${n}`);
  return result;
}

const USAGE = "npm run playground:backfill -- <TableName, e.g. PlaygroundScores-dev> [--dry-run]";

async function main(argv: string[]): Promise<void> {
  const { flags, positionals } = parseCli(
    { usage: USAGE, flags: { "dry-run": { type: "boolean" } }, positionals: { min: 1, max: 1 } },
    argv,
  );
  const dryRun = !!flags["dry-run"];
  const raw = new DynamoDBClient({});
  try {
    console.log(`backfill: ${dryRun ? "dry run over" : "updating"} table ${positionals[0]} ...`);
    await backfill(DynamoDBDocumentClient.from(raw), positionals[0], { dryRun });
  } catch (err) {
    // AWS answers (no credentials, no such table) are the user's to fix: one line, no stack.
    throw new CliError(`backfill: ${(err as Error).message}`);
  } finally {
    raw.destroy();
  }
}

if (require.main === module) runCli(USAGE, () => main(process.argv.slice(2)));
