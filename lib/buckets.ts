/**
 * What every bucket of the program gets beyond encryption and a public access block: a TLS-only bucket
 * policy (`aws:SecureTransport` false is denied) and server access logs to the system's log bucket, which is
 * itself locked down (SSE-S3, public access blocked, owner-enforced, TLS-only, only S3's logging service of
 * this account may write, logs expire). The documents are pure functions so the tests check them exactly.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Statement, policyDocument } from "./aws";

/** Days server access logs are kept. */
export const ACCESS_LOG_DAYS = 90;

/** Deny every request to the bucket and its objects that does not use TLS. */
export function tlsOnlyStatement(bucketArn: pulumi.Input<string>): Statement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** The log bucket's own policy: TLS only, and S3's logging service may write for this account's buckets. */
export function logBucketStatements(
  logBucketArn: pulumi.Input<string>,
  accountId: pulumi.Input<string>,
  sourceBucketArns: pulumi.Input<string>[],
): Statement[] {
  return [
    tlsOnlyStatement(logBucketArn),
    {
      Sid: "S3ServerAccessLogs",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: ["s3:PutObject"],
      Resource: pulumi.interpolate`${logBucketArn}/*`,
      Condition: {
        StringEquals: { "aws:SourceAccount": accountId },
        ArnLike: { "aws:SourceArn": sourceBucketArns },
      },
    },
  ];
}

/** The log bucket of a system: one per stack and system, with the documents above. */
export function accessLogBucket(
  name: string,
  args: {
    bucketName: pulumi.Input<string>;
    accountId: pulumi.Input<string>;
    /** Buckets whose logs it receives (their ARNs, for the `aws:SourceArn` condition). */
    sourceBucketArns: pulumi.Input<string>[];
    forceDestroy: pulumi.Input<boolean>;
    protect: boolean;
  },
  parent: pulumi.Resource,
): aws.s3.Bucket {
  const bucket = new aws.s3.Bucket(
    name,
    { bucket: args.bucketName, forceDestroy: args.forceDestroy },
    { parent, protect: args.protect },
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-sse`,
    // Server access logging delivers only to SSE-S3 buckets.
    { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    { parent },
  );
  const pab = new aws.s3.BucketPublicAccessBlock(
    `${name}-pab`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent },
  );
  new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    { parent },
  );
  new aws.s3.BucketLifecycleConfiguration(
    `${name}-lifecycle`,
    {
      bucket: bucket.id,
      rules: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: { prefix: "" },
          expiration: { days: ACCESS_LOG_DAYS },
        },
      ],
    },
    { parent },
  );
  new aws.s3.BucketPolicy(
    `${name}-policy`,
    {
      bucket: bucket.id,
      policy: policyDocument(logBucketStatements(bucket.arn, args.accountId, args.sourceBucketArns)),
    },
    { parent, dependsOn: [pab] },
  );
  return bucket;
}

/** A bucket's TLS-only policy and its server access logs (to `logBucket`, under `<bucket name>/`). */
export function secureBucket(
  name: string,
  bucket: aws.s3.Bucket,
  logBucket: aws.s3.Bucket,
  parent: pulumi.Resource,
  dependsOn: pulumi.Resource[] = [],
): void {
  new aws.s3.BucketPolicy(
    `${name}-tls-only`,
    { bucket: bucket.id, policy: policyDocument([tlsOnlyStatement(bucket.arn)]) },
    { parent, dependsOn },
  );
  new aws.s3.BucketLogging(
    `${name}-access-logs`,
    { bucket: bucket.id, targetBucket: logBucket.id, targetPrefix: pulumi.interpolate`${bucket.bucket}/` },
    { parent },
  );
}
