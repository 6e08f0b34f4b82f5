/**
 * Preload (`node --require`) for code the tests run as a child process from an esbuild bundle (the Tamma
 * worker), whose inlined SDK the in-process recorder (aws-calls.ts) cannot patch. It records every signed
 * S3 request at the HTTP layer (service from the SigV4 credential scope, operation from method and headers)
 * as the same AwsCall records, one JSON line each, to `$IAM_CALLS_FILE.child.jsonl`. Only `npm run iam` sets
 * it (test/tamma/support.ts passes it on when IAM_CALLS_FILE is set).
 */
"use strict";
const fs = require("fs");
const http = require("http");
const https = require("https");

const out = `${process.env.IAM_CALLS_FILE}.child.jsonl`;
const code = process.env.IAM_CHILD_CODE || "unknown";

function operation(method, path, headers) {
  const query = path.includes("?") ? path.slice(path.indexOf("?") + 1) : "";
  if (method === "GET") return "GetObject";
  if (method === "HEAD") return "HeadObject";
  if (method === "DELETE") return "DeleteObject";
  if (method === "PUT") return headers["x-amz-copy-source"] ? "CopyObject" : "PutObject";
  if (method === "POST" && /(^|&)uploads(=|&|$)/.test(query)) return "CreateMultipartUpload";
  return `${method} ${path}`;
}

function record(options) {
  if (!options || typeof options !== "object") return;
  const headers = {};
  for (const [k, v] of Object.entries(options.headers || {})) headers[k.toLowerCase()] = String(v);
  const scope = /Credential=[^/]+\/\d+\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request/.exec(
    headers.authorization || "",
  );
  if (!scope || scope[2] !== "s3") return;
  const host = String(options.hostname || options.host || "");
  const rawPath = String(options.path || "/");
  const pathOnly = decodeURIComponent(rawPath.split("?")[0]).replace(/^\//, "");
  const virtual = !/^\d+\.\d+\.\d+\.\d+$/.test(host) && host !== "localhost" && host.split(".").length > 1;
  const bucket = virtual ? host.split(".")[0] : pathOnly.split("/")[0];
  const key = virtual ? pathOnly : pathOnly.split("/").slice(1).join("/");
  const input = { Bucket: bucket, Key: key };
  if (headers["x-amz-copy-source"]) input.CopySource = headers["x-amz-copy-source"];
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!v || v.length < 3 || /^(AWS_|IAM_|PATH$|TMPDIR$)/.test(k)) continue;
    if (Object.values(input).some((s) => typeof s === "string" && s.includes(v))) env[k] = v;
  }
  const call = {
    code,
    service: "AmazonS3",
    client: "S3Client (bundled, child process)",
    operation: operation(String(options.method || "GET").toUpperCase(), rawPath, headers),
    input,
    env,
  };
  fs.appendFileSync(out, JSON.stringify(call) + "\n");
}

for (const mod of [http, https]) {
  const original = mod.request;
  mod.request = function (...args) {
    try {
      record(typeof args[0] === "object" && !(args[0] instanceof URL) ? args[0] : args[1]);
    } catch {
      // recording never changes what the code does
    }
    return original.apply(this, args);
  };
}
