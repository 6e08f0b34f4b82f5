/**
 * Large results and S3 references.
 *
 * A result whose JSON is over INLINE_RESULT_LIMIT_BYTES (200 KB by default) is written to
 * `s3://<ARTIFACT_BUCKET>/artifacts/<workflow_id>/<agent>_<timestamp>.json` and the callback carries
 * `{artifact_type: "s3_reference", s3_uri, ...}` instead. Inputs that are such references (research data
 * for the analyst, the analysis for the writer) are read back, but only from this bucket's `artifacts/`
 * prefix: the one place the agent's role may read.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createHash } from "crypto";
import { z } from "zod";
import { AgentError } from "./errors";
import type { Settings } from "./settings";

export const s3ReferenceSchema = z.object({
  artifact_type: z.literal("s3_reference"),
  s3_uri: z.string().regex(/^s3:\/\/[^/]+\/.+$/, "must be s3://<bucket>/<key>"),
});

export interface S3Reference {
  artifact_type: "s3_reference";
  s3_uri: string;
  bucket: string;
  key: string;
  size_bytes: number;
  sha256: string;
  content_type: "application/json";
}

export function createS3Client(settings: Settings): S3Client {
  return new S3Client({
    region: process.env.AWS_REGION ?? settings.AGENT_REGION,
    forcePathStyle: settings.S3_FORCE_PATH_STYLE,
  });
}

/** `20261125T011842123Z`: sortable, no characters that need escaping in a key. */
export function artifactTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:.]/g, "");
}

export function artifactKey(workflowId: string, agent: string, date: Date): string {
  return `artifacts/${workflowId}/${agent}_${artifactTimestamp(date)}.json`;
}

export class Artifacts {
  constructor(
    private readonly s3: S3Client,
    private readonly settings: Settings,
  ) {}

  /** The callback's `result`: the result itself, or a reference to it in S3 when it is too large. */
  async inlineOrReference(
    result: unknown,
    workflowId: string,
    agent: string,
    now = new Date(),
  ): Promise<{ value: unknown; bytes: number; reference?: S3Reference }> {
    const body = JSON.stringify(result);
    const bytes = Buffer.byteLength(body);
    if (bytes <= this.settings.INLINE_RESULT_LIMIT_BYTES) return { value: result, bytes };
    const bucket = this.settings.ARTIFACT_BUCKET;
    const key = artifactKey(workflowId, agent, now);
    const sha256 = createHash("sha256").update(body).digest("hex");
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: "application/json",
          Metadata: { "workflow-id": workflowId, agent, sha256 },
        }),
      );
    } catch (err) {
      throw new AgentError(
        "ArtifactError",
        `could not store the ${bytes}-byte result in S3 (${(err as Error).name ?? "error"})`,
      );
    }
    const reference: S3Reference = {
      artifact_type: "s3_reference",
      s3_uri: `s3://${bucket}/${key}`,
      bucket,
      key,
      size_bytes: bytes,
      sha256,
      content_type: "application/json",
    };
    return { value: reference, bytes, reference };
  }

  /** An input value, with an S3 reference replaced by the JSON it points to. */
  async resolve(field: string, value: unknown): Promise<unknown> {
    const ref = s3ReferenceSchema.safeParse(value);
    if (!ref.success) return value;
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(ref.data.s3_uri)!;
    const [bucket, key] = [match[1], match[2]];
    if (bucket !== this.settings.ARTIFACT_BUCKET || !key.startsWith("artifacts/") || key.includes("..")) {
      throw new AgentError(
        "InputError",
        `${field}: an s3_reference must point into the artifacts bucket's artifacts/ prefix`,
      );
    }
    let text: string;
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if ((out.ContentLength ?? 0) > this.settings.MAX_REFERENCE_BYTES) {
        throw new AgentError(
          "InputTooLarge",
          `${field}: the referenced object is over ${this.settings.MAX_REFERENCE_BYTES} bytes`,
        );
      }
      text = (await out.Body?.transformToString("utf-8")) ?? "";
    } catch (err) {
      if (err instanceof AgentError) throw err;
      throw new AgentError(
        "ArtifactError",
        `${field}: could not read the referenced object (${(err as Error).name ?? "error"})`,
      );
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new AgentError("InputError", `${field}: the referenced object is not JSON`);
    }
  }
}
