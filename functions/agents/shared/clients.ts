/**
 * AWS clients, one of each per container, created on first use. Every client uses the SDK's standard
 * configuration chain (region, credentials, `AWS_ENDPOINT_URL_<SERVICE>`), so tests and the local run point
 * them at loopback servers without code changes.
 */
import { BedrockAgentCoreClient } from "@aws-sdk/client-bedrock-agentcore";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

let ddb: DynamoDBDocumentClient | undefined;
let s3: S3Client | undefined;
let lambda: LambdaClient | undefined;
let events: EventBridgeClient | undefined;
let agentcore: BedrockAgentCoreClient | undefined;

export const clients = {
  ddb(): DynamoDBDocumentClient {
    return (ddb ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
    }));
  },
  s3(): S3Client {
    // Path-style keeps local S3 servers (s3rver) reachable without wildcard DNS.
    return (s3 ??= new S3Client({ forcePathStyle: !!process.env.AWS_ENDPOINT_URL_S3 }));
  },
  lambda(): LambdaClient {
    return (lambda ??= new LambdaClient({}));
  },
  events(): EventBridgeClient {
    return (events ??= new EventBridgeClient({}));
  },
  agentcore(): BedrockAgentCoreClient {
    return (agentcore ??= new BedrockAgentCoreClient({}));
  },
  /** Forgets every client (tests change endpoints between suites). */
  reset(): void {
    ddb = s3 = lambda = events = agentcore = undefined;
  },
};
