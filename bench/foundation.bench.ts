/**
 * Foundation: Lambda bundle size and build time, and the shared HTTP client's attempts under injected 429s.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { bundle, clearBundleCache } from "../lib/bundle";
import { request } from "../providers/http";

export const title = "bundle size/time of the fixture Lambda; HTTP client attempts and time under 429s";

export async function run(): Promise<void> {
  clearBundleCache();
  const t0 = process.hrtime.bigint();
  const b = bundle("hello", { entry: "test/fixtures/functions/hello/index.ts" });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(
    `bundle: fixture with @aws-sdk/client-dynamodb -> ${(b.bytes / 1024).toFixed(1)} KiB minified, built in ${ms.toFixed(0)} ms`,
  );

  for (const throttled of [0, 1, 3]) {
    let seen = 0;
    const server = http.createServer((_req, res) => {
      seen++;
      if (seen <= throttled) {
        res.writeHead(429, { "retry-after": "0.1" }).end("{}");
      } else {
        res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    console.log(`http: injecting ${throttled} x 429 (Retry-After 0.1 s) on a loopback server ...`);
    const started = Date.now();
    const res = await request({ method: "GET", baseUrl: base, path: "/x" });
    console.log(`  attempts=${res.attempts} requests=${seen} time=${Date.now() - started} ms`);
    await new Promise<void>((r) => server.close(() => r()));
  }
}
