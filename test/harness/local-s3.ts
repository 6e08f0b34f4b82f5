/**
 * The one local S3 of the tests, benchmarks and local runs: s3rver on 127.0.0.1 (a free port) with the given
 * buckets, storing under a fresh temporary directory that `close()` removes. Its credentials are s3rver's
 * fixed S3RVER / S3RVER.
 */
import * as fs from "node:fs";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";

export interface LocalS3 {
  /** `http://127.0.0.1:<port>` (the same value under both names the callers use). */
  url: string;
  endpoint: string;
  /** The first bucket. */
  bucket: string;
  directory: string;
  close(): Promise<void>;
  /** Same as close(). */
  stop(): Promise<void>;
  /**
   * An S3 client for this server: path-style, s3rver's credentials, and checksums only where S3 requires them
   * (s3rver 3.7 does not understand the aws-chunked trailing checksums newer SDKs send by default).
   */
  client(): S3Client;
}

export async function startLocalS3(buckets: string | string[]): Promise<LocalS3> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require("s3rver");
  const names = Array.isArray(buckets) ? buckets : [buckets];
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "local-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: names.map((name) => ({ name })),
  });
  const info = (await server.run()) as AddressInfo;
  const url = `http://127.0.0.1:${info.port}`;
  const close = async () => {
    server.httpServer?.closeAllConnections?.();
    await server.close();
    fs.rmSync(directory, { recursive: true, force: true });
  };
  const client = () =>
    new S3Client({
      endpoint: url,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  return { url, endpoint: url, bucket: names[0], directory, close, stop: close, client };
}
