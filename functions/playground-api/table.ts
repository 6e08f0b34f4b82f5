/**
 * The one definition of the playground table: keys, attributes and indexes, in the shape of DynamoDB's
 * CreateTable input without `TableName`. The Pulumi component, the local dev server and the tests all build
 * the table from this object, so the handler's queries and the deployed indexes cannot drift apart.
 *
 * One physical table holds many logical leaderboard "tables" (single-table design, as the seed):
 * - metadata item: `tableId`, `username = "_metadata"`, `displayName`, `createdAt`, `isArchived`, `userCount`,
 *   `createdKey` (`<createdAt>#<tableId>`, only on metadata items);
 * - user item: `tableId`, `username`, `submissionCount`, `totalCount`, `lastUpdated`, `rank` (only on users).
 *
 * Indexes (all sparse where it matters, so no query ever filters items out):
 * - `byUser` (the seed's): `username` + `tableId`: every table a user plays in.
 * - `tablesByCreatedAt`: `username` + `createdKey`. Only metadata items carry `createdKey`, so the partition
 *   `username = "_metadata"` holds exactly the tables, sorted by creation time (ties by tableId): `GET /tables`
 *   reads it backwards, one page at a time.
 * - `leaderboard`: `tableId` + `rank`. Only user items carry `rank` (`<inverted zero-padded submissionCount>#
 *   <username>`), so reading it forwards gives the highest `submissionCount` first and ties in username order;
 *   the metadata item is not in it at all.
 */
import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

/** The username of a logical table's metadata item (reserved: never a valid user name). */
export const METADATA = "_metadata";

export const INDEX = {
  byUser: "byUser",
  tablesByCreatedAt: "tablesByCreatedAt",
  leaderboard: "leaderboard",
} as const;

export const tableDefinition: Omit<CreateTableCommandInput, "TableName"> = {
  BillingMode: "PAY_PER_REQUEST",
  AttributeDefinitions: [
    { AttributeName: "tableId", AttributeType: "S" },
    { AttributeName: "username", AttributeType: "S" },
    { AttributeName: "createdKey", AttributeType: "S" },
    { AttributeName: "rank", AttributeType: "S" },
  ],
  KeySchema: [
    { AttributeName: "tableId", KeyType: "HASH" },
    { AttributeName: "username", KeyType: "RANGE" },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: INDEX.byUser,
      KeySchema: [
        { AttributeName: "username", KeyType: "HASH" },
        { AttributeName: "tableId", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    },
    {
      IndexName: INDEX.tablesByCreatedAt,
      KeySchema: [
        { AttributeName: "username", KeyType: "HASH" },
        { AttributeName: "createdKey", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    },
    {
      IndexName: INDEX.leaderboard,
      KeySchema: [
        { AttributeName: "tableId", KeyType: "HASH" },
        { AttributeName: "rank", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    },
  ],
};
