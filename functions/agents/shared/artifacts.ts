/**
 * Large results travel as S3 references: anything whose JSON is over 200 KB is written under
 * `artifacts/<workflow_id>/` and replaced by `{ artifact_type: "s3_reference", s3_uri }` (the seed's shape),
 * so a checkpoint or a callback never carries it inline.
 */
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { clients } from "./clients";

/** Results whose JSON is larger than this many bytes go to S3. */
export const INLINE_LIMIT_BYTES = 200 * 1024;

export interface S3Reference {
  artifact_type: "s3_reference";
  s3_uri: string;
}

export function isS3Reference(v: unknown): v is S3Reference {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as S3Reference).artifact_type === "s3_reference" &&
    typeof (v as S3Reference).s3_uri === "string" &&
    /^s3:\/\/[^/]+\/.+/.test((v as S3Reference).s3_uri)
  );
}

/** Pure: whether a value must travel by reference (its JSON is over the inline limit). */
export function needsReference(value: unknown): boolean {
  return Buffer.byteLength(JSON.stringify(value) ?? "null", "utf8") > INLINE_LIMIT_BYTES;
}

/** Pure: the key of a phase's artifact, `artifacts/<id>/<phase>_result.json`. */
export function artifactKey(workflowId: string, name: string): string {
  return `artifacts/${workflowId}/${name}.json`;
}

/** Pure: the key of the final report. */
export function reportKey(workflowId: string): string {
  return `reports/${workflowId}/final_report.json`;
}

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: m[1], key: m[2] };
}

/** Stores a value as JSON in S3 (SSE AES256) and returns its reference. */
export async function storeJson(bucket: string, key: string, value: unknown): Promise<S3Reference> {
  await clients.s3().send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(value),
      ContentType: "application/json",
      ServerSideEncryption: "AES256",
    }),
  );
  return { artifact_type: "s3_reference", s3_uri: `s3://${bucket}/${key}` };
}

/** Keeps a value inline when small, else stores it under `key` and returns the reference. */
export async function inlineOrReference(bucket: string, key: string, value: unknown): Promise<unknown> {
  return needsReference(value) ? storeJson(bucket, key, value) : value;
}

/** Reads a JSON object written by `storeJson` (or by an agent). */
export async function loadJson(ref: S3Reference): Promise<unknown> {
  const { bucket, key } = parseS3Uri(ref.s3_uri);
  const out = await clients.s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await out.Body!.transformToString("utf8"));
}
