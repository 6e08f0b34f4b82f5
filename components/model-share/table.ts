/**
 * Pure conversions from the handler's `tableDefinition` (DynamoDB CreateTable shape) to the Pulumi table
 * arguments, and the IAM statements the handler needs on that table. Unit-tested without the engine.
 */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Statement } from "../../lib/aws";
import { INDEX, tableDefinition } from "../../functions/playground-api/table";

type TableShape = Pick<
  aws.dynamodb.TableArgs,
  "billingMode" | "hashKey" | "rangeKey" | "attributes" | "globalSecondaryIndexes"
>;

/** Keys, attributes and indexes of the Pulumi table, from the one definition in functions/playground-api. */
export function tableShape(def = tableDefinition): TableShape {
  const key = (type: "HASH" | "RANGE") => def.KeySchema?.find((k) => k.KeyType === type)?.AttributeName;
  return {
    billingMode: def.BillingMode,
    hashKey: key("HASH"),
    rangeKey: key("RANGE"),
    attributes: (def.AttributeDefinitions ?? []).map((a) => ({
      name: a.AttributeName!,
      type: a.AttributeType!,
    })),
    globalSecondaryIndexes: (def.GlobalSecondaryIndexes ?? []).map((g) => ({
      name: g.IndexName!,
      keySchemas: (g.KeySchema ?? []).map((k) => ({ attributeName: k.AttributeName!, keyType: k.KeyType! })),
      projectionType: g.Projection?.ProjectionType ?? "ALL",
    })),
  };
}

/** The indexes the handler queries (the seed's byUser stays for other readers; the API does not query it). */
export const QUERIED_INDEXES = [INDEX.tablesByCreatedAt, INDEX.leaderboard] as const;

/**
 * Exactly what `functions/playground-api/store.ts` calls: item reads and writes on the table, Query on the
 * two listing indexes, DescribeTable for /health; TransactWriteItems needs ConditionCheckItem and UpdateItem
 * (a transaction is authorised per item action); DELETE /tables/{tableId} queries the table's partition and
 * deletes in batches. No Scan, no wildcard actions.
 */
export function apiStatements(tableArn: pulumi.Input<string>): Statement[] {
  return [
    {
      Sid: "ItemReadWrite",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"],
      Resource: tableArn,
    },
    {
      Sid: "QueryListingIndexes",
      Effect: "Allow",
      Action: ["dynamodb:Query"],
      Resource: QUERIED_INDEXES.map((i) => pulumi.interpolate`${tableArn}/index/${i}`),
    },
    {
      // DELETE /tables/{tableId}: a Query of the table's partition (keys only), then batched deletes.
      Sid: "DeleteTableItems",
      Effect: "Allow",
      Action: ["dynamodb:Query", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem"],
      Resource: tableArn,
    },
    {
      Sid: "HealthCheck",
      Effect: "Allow",
      Action: ["dynamodb:DescribeTable"],
      Resource: tableArn,
    },
  ];
}
