import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { priceTablePath, priceTableSchema } from "../../scripts/report/prices";
import { matchPrices, refreshPrices, Unreachable } from "../../scripts/report/refresh";

const ROOT = path.resolve(__dirname, "..", "..");

/** A Price List offer file in the bulk API's documented shape (products by SKU, OnDemand terms by SKU). */
function offer(
  items: {
    sku: string;
    usagetype: string;
    prices: [string, string][];
    attributes?: Record<string, string>;
  }[],
) {
  return {
    formatVersion: "v1.0",
    offerCode: "AWSLambda",
    publicationDate: "2026-11-20T18:00:00Z",
    products: Object.fromEntries(
      items.map((i) => [
        i.sku,
        { sku: i.sku, productFamily: "Serverless", attributes: { usagetype: i.usagetype, ...i.attributes } },
      ]),
    ),
    terms: {
      OnDemand: Object.fromEntries(
        items.map((i) => [
          i.sku,
          {
            [`${i.sku}.JRTCKXETXF`]: {
              priceDimensions: Object.fromEntries(
                i.prices.map(([begin, usd], n) => [
                  `${i.sku}.JRTCKXETXF.${n}`,
                  {
                    unit: "Lambda-GB-Second",
                    beginRange: begin,
                    endRange: "Inf",
                    pricePerUnit: { USD: usd },
                  },
                ]),
              ),
            },
          },
        ]),
      ),
    },
  };
}

const LAMBDA = offer([
  {
    sku: "A",
    usagetype: "Lambda-GB-Second-ARM",
    prices: [
      ["0", "0.0000128"],
      ["7500000000", "0.0000115"],
    ],
  },
  {
    sku: "B",
    usagetype: "Request",
    prices: [["0", "0.00000019"]],
    attributes: { group: "AWS-Lambda-Requests" },
  },
  {
    sku: "C",
    usagetype: "Request",
    prices: [["0", "0.0000006"]],
    attributes: { group: "AWS-Lambda-Edge-Requests" },
  },
  { sku: "D", usagetype: "USE1-Lambda-GB-Second", prices: [["0", "0.0000166667"]] },
  { sku: "E", usagetype: "USE1-Lambda-GB-Second", prices: [["0", "0.0000170000"]] },
]);

describe("prices:refresh against a local copy of the Price List bulk API", function () {
  this.timeout(60_000);
  let server: http.Server;
  let base: string;
  const served: string[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      served.push(req.url ?? "");
      const routes: Record<string, unknown> = {
        "/offers/v1.0/aws/index.json": {
          offers: {
            AWSLambda: { currentRegionIndexUrl: "/offers/v1.0/aws/AWSLambda/current/region_index.json" },
          },
        },
        "/offers/v1.0/aws/AWSLambda/current/region_index.json": {
          regions: {
            "us-east-1": { currentVersionUrl: "/offers/v1.0/aws/AWSLambda/20261120/us-east-1/index.json" },
          },
        },
        "/offers/v1.0/aws/AWSLambda/20261120/us-east-1/index.json": LAMBDA,
      };
      const body = routes[req.url ?? ""];
      res.writeHead(body ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify(body ?? { error: "not found" }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it("matches first-tier on-demand prices by usage type (region prefix or not) and attributes", () => {
    assert.deepEqual(matchPrices(LAMBDA as never, "Lambda-GB-Second-ARM"), [0.0000128]);
    assert.deepEqual(matchPrices(LAMBDA as never, "Request", { group: "AWS-Lambda-Requests" }), [0.00000019]);
    assert.deepEqual(matchPrices(LAMBDA as never, "Request"), [0.00000019, 0.0000006]);
    assert.deepEqual(matchPrices(LAMBDA as never, "Lambda-GB-Second"), [0.0000166667, 0.000017]);
    assert.deepEqual(matchPrices(LAMBDA as never, "NatGateway-Hours"), []);
  });

  it("updates what matches exactly once, scales to the table's unit, and leaves the rest as it was", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "report-prices-"));
    const file = path.join(dir, "us-east-1.json");
    fs.copyFileSync(priceTablePath("us-east-1"), file);
    const before = priceTableSchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));
    const lines: string[] = [];
    try {
      const r = await refreshPrices({
        base,
        region: "us-east-1",
        tableFile: file,
        log: (l) => lines.push(l),
        today: "2026-12-04",
      });
      const after = priceTableSchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));
      assert.deepEqual(r.updated.sort(), ["lambdaGbSecondArm", "lambdaRequestsMillion"]);
      assert.equal(after.prices.lambdaGbSecondArm.usd, 0.0000128);
      assert.equal(after.prices.lambdaRequestsMillion.usd, 0.19); // 0.00000019 per request × 1,000,000
      assert.equal(after.prices.lambdaRequestsMillion.asOf, "2026-11-20");
      assert.match(
        after.prices.lambdaRequestsMillion.obtained,
        /^Fetched from http:\/\/127\.0\.0\.1:\d+\/offers\/.* on 2026-12-04/,
      );
      // Two x86 prices for one usage type: ambiguous, so unchanged and reported.
      assert.ok(r.unmatched.includes("lambdaGbSecondX86"));
      assert.deepEqual(after.prices.lambdaGbSecondX86, before.prices.lambdaGbSecondX86);
      assert.ok(
        lines.some((l) => /lambdaGbSecondX86: 2 prices/.test(l)),
        lines.join("\n"),
      );
      // Offers missing from the index stay as they were; hand-written figures are never touched.
      assert.ok(r.unmatched.includes("natGatewayHour"));
      assert.deepEqual(after.prices.natGatewayHour, before.prices.natGatewayHour);
      assert.ok(r.notRefreshable.includes("fargateSpotVcpuHour"));
      assert.deepEqual(after.prices.fargateSpotVcpuHour, before.prices.fargateSpotVcpuHour);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says in one line that the price list is unreachable, and changes nothing", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await assert.rejects(
      refreshPrices({
        base: `http://127.0.0.1:${port}`,
        region: "us-east-1",
        tableFile: priceTablePath("us-east-1"),
      }),
      (e: Error) => e instanceof Unreachable && /ECONNREFUSED/.test(e.message),
    );
    const table = fs.readFileSync(priceTablePath("us-east-1"), "utf8");
    const cli = spawnSync("npx", ["ts-node", "--transpile-only", "scripts/prices-refresh.ts"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, PRICE_LIST_BASE: `http://127.0.0.1:${port}` },
    });
    assert.equal(cli.status, 1);
    assert.deepEqual(cli.stderr.trim().split("\n"), [
      `prices:refresh: AWS Price List not reachable (http://127.0.0.1:${port}/offers/v1.0/aws/index.json: ECONNREFUSED); the table is unchanged.`,
    ]);
    assert.equal(fs.readFileSync(priceTablePath("us-east-1"), "utf8"), table);
  });
});
