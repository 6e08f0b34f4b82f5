import * as assert from "node:assert/strict";
import { estimateCost } from "../../scripts/report/cost";
import { formatCost } from "../../scripts/report/cost-format";
import { renderHtml } from "../../scripts/report/html";
import { CliError } from "../../scripts/cli";
import { main as planMain } from "../../scripts/plan";
import { layoutPlan } from "../../scripts/report/layout";
import { PlanModel, ReportResource } from "../../scripts/report/model";
import { loadPriceTable, PRICE_KEYS, Prices } from "../../scripts/report/prices";
import { spotShare, tammaTaskHoursPerAudioHour } from "../../scripts/report/rates";

const prices = loadPriceTable("us-east-1") as Prices;

const C = "urn:pulumi:t::ai-platform::ai-platform:tamma:TammaPipeline::tamma";
const res = (
  name: string,
  type: string,
  inputs: Record<string, unknown> = {},
  extra: Partial<ReportResource> = {},
) => ({
  urn: `urn:pulumi:t::ai-platform::${type}::${name}`,
  type,
  name,
  inputs,
  parent: C,
  custom: true,
  ...extra,
});

function model(resources: ReportResource[]): PlanModel {
  return {
    stack: "t",
    region: "us-east-1",
    resources: [
      { urn: C, type: "ai-platform:tamma:TammaPipeline", name: "tamma", inputs: {}, custom: false },
      ...resources,
    ],
    findings: [],
    standIns: [],
    config: {},
  };
}

describe("plan --cost: the estimate", () => {
  it("has a price table whose every figure names its source, date and how it was obtained", () => {
    assert.ok(prices);
    for (const k of PRICE_KEYS) {
      const e = prices.entry(k);
      assert.match(e.page, /^https:\/\/aws\.amazon\.com\//, k);
      assert.match(e.asOf, /^20\d\d-\d\d/, k);
      assert.ok(e.obtained.length > 20, k);
    }
    assert.equal(loadPriceTable("xx-none-1"), undefined);
  });

  it("prices the fixed part line by line, checkable by hand", () => {
    const est = estimateCost(
      model([
        res(
          "vpc",
          "awsx:ec2:Vpc",
          { natGateways: { strategy: "OnePerAz" }, numberOfAvailabilityZones: 3 },
          { custom: false },
        ),
        res("ecr-api", "aws:ec2/vpcEndpoint:VpcEndpoint", {
          serviceName: "com.amazonaws.us-east-1.ecr.api",
          vpcEndpointType: "Interface",
          subnetIds: ["a", "b"],
        }),
        res("s3", "aws:ec2/vpcEndpoint:VpcEndpoint", { vpcEndpointType: "Gateway" }),
        res("alarm", "aws:cloudwatch/metricAlarm:MetricAlarm", { name: "dlq" }),
        res("adv", "aws:ssm/parameter:Parameter", { tier: "Advanced" }),
        res("std", "aws:ssm/parameter:Parameter", { type: "SecureString" }),
        res("role", "aws:iam/role:Role"),
        res("odd", "aws:foo/bar:Bar"),
      ]),
      prices,
    );
    // 3 NAT × 730 h × $0.045 + 3 EIP × 730 h × $0.005 + 2 AZ × 730 h × $0.01 + $0.10 + $0.05
    assert.deepEqual(
      est.fixed.map((l) => +l.monthlyUsd.toFixed(2)),
      [98.55, 10.95, 14.6, 0.1, 0.05],
    );
    assert.equal(+est.fixedUsd.toFixed(2), 124.25);
    const cls = (name: string) => est.perResource.get(`urn:pulumi:t::ai-platform::${name}`)?.class;
    assert.equal(cls("aws:ec2/vpcEndpoint:VpcEndpoint::s3"), "free");
    assert.equal(cls("aws:ssm/parameter:Parameter::std"), "free");
    assert.equal(cls("aws:iam/role:Role::role"), "free");
    assert.equal(cls("aws:foo/bar:Bar::odd"), "unpriced");
    assert.deepEqual(
      est.unpriced.map((u) => u.what),
      ["odd"],
    );
    const text = formatCost(est, prices).join("\n");
    assert.match(text, /Fixed part \(always on\): \$124\.25\/month/);
    assert.match(text, /2190 NAT gateway-hours × \$0\.045 = \$98\.55/);
    assert.match(text, /odd: type aws:foo\/bar:Bar is not in the cost model/);
  });

  it("prices NAT gateways on awsx's children when the plan expands them, never twice", () => {
    const vpc = res("vpc", "awsx:ec2:Vpc", { natGateways: { strategy: "OnePerAz" } }, { custom: false });
    const child = (name: string, type: string) => res(name, type, {}, { parent: vpc.urn });
    const est = estimateCost(
      model([
        vpc,
        child("nat-a", "aws:ec2/natGateway:NatGateway"),
        child("nat-b", "aws:ec2/natGateway:NatGateway"),
        child("eip-a", "aws:ec2/eip:Eip"),
        child("eip-b", "aws:ec2/eip:Eip"),
      ]),
      prices,
    );
    assert.equal(+est.fixedUsd.toFixed(2), 73); // 2 × 730 × ($0.045 + $0.005)
    assert.equal(est.perResource.get(vpc.urn)?.class, "component");
  });

  it("takes the stack's settings into the rates: read consistency, capacity strategy", () => {
    const playground = (safe: string) =>
      estimateCost(
        {
          ...model([]),
          resources: [
            {
              urn: "urn:p",
              type: "ai-platform:playground:ModelSharePlayground",
              name: "playground",
              inputs: {},
              custom: false,
            },
            {
              urn: "urn:f",
              type: "aws:lambda/function:Function",
              name: "api",
              parent: "urn:p",
              custom: true,
              inputs: {
                memorySize: 256,
                architectures: ["arm64"],
                environment: { variables: { SAFE_CONCURRENCY: safe } },
              },
            },
          ],
        },
        prices,
      ).rates[0];
    const reads = (safe: string) =>
      playground(safe).parts.find((p) => p.priceKey === "dynamoReadRequestMillion")!;
    // Strong GetItem = 1 RRU, eventual = 0.5; GSI pages are always eventual (2 RRU) in both.
    assert.equal(+reads("true").quantity.toFixed(3), 1.48);
    assert.equal(+reads("false").quantity.toFixed(3), 1.04);
    assert.equal(playground("true").parts.find((p) => p.item.startsWith("Lambda duration"))!.quantity, 6250);

    assert.equal(
      spotShare([
        { capacityProvider: "FARGATE", weight: 1, base: 1 },
        { capacityProvider: "FARGATE_SPOT", weight: 3 },
      ]),
      0.75,
    );
    assert.equal(spotShare([{ capacityProvider: "FARGATE_SPOT", weight: 1 }]), 1);
    assert.equal(spotShare(undefined), 0);
    // 6 jobs of 10 audio minutes: ours 40 s + 19.6 s = 59.6 s, billed Fargate's minimum of 60 s; the seed's
    // one-pass worker 40 s + 35.9 s = 75.9 s.
    const t = tammaTaskHoursPerAudioHour();
    assert.equal(t.jobs, 6);
    assert.equal(+t.taskHours.toFixed(4), +((6 * 60) / 3600).toFixed(4));
    assert.equal(+tammaTaskHoursPerAudioHour(3.59).taskHours.toFixed(4), +((6 * 75.9) / 3600).toFixed(4));
  });

  it("draws a policy finding on its resource and lists it, escaped", () => {
    const bucket = res("raw", "aws:s3/bucket:Bucket", { bucket: "<raw>" });
    const m: PlanModel = {
      ...model([bucket]),
      findings: [
        { policy: "s3-encrypted", enforcementLevel: "mandatory", message: "no SSE <here>", urn: bucket.urn },
      ],
      standIns: [{ key: "ai-platform:tammaSupabaseServiceKey", secret: true }],
    };
    const html = renderHtml(m, estimateCost(m, prices), prices);
    assert.match(
      html,
      /<g class="node c-usage finding" data-urn="urn:pulumi:t::ai-platform::aws:s3\/bucket:Bucket::raw"/,
    );
    assert.ok(html.includes('s3-encrypted: <a href="#" data-select='));
    assert.ok(html.includes("no SSE &#60;here&#62;") && !html.includes("<here>") && !html.includes("<raw>"));
    assert.ok(html.includes("pulumi config set --secret tammaSupabaseServiceKey &lt;value&gt;"));
    assert.match(html, /1<\/b> blocking/);
  });

  it("plan refuses a bad --html before evaluating anything", async () => {
    await assert.rejects(
      planMain(["dev", "--html"]),
      (e: Error) => e instanceof CliError && /--html needs a value/.test(e.message),
    );
    await assert.rejects(
      planMain(["dev", "--html", "--cost"]),
      (e: Error) => e instanceof CliError && /--html needs a value/.test(e.message),
    );
    await assert.rejects(
      planMain(["dev", "--html", "r.txt"]),
      (e: Error) => e instanceof CliError && e.message === '--html: "r.txt" must end in .html',
    );
  });

  it("lays out one node per registration and labels the declared edges", () => {
    const a = res("a", "aws:s3/bucket:Bucket");
    const b = res(
      "b",
      "aws:s3/bucketPolicy:BucketPolicy",
      {},
      {
        propertyDependencies: { bucket: [a.urn] },
        dependencies: [a.urn],
      },
    );
    const d = res("d", "aws:sqs/queue:Queue", {}, { dependencies: [b.urn] });
    const layout = layoutPlan(model([a, b, d]).resources);
    assert.equal(layout.nodes.length, 4);
    assert.deepEqual(
      layout.edges.map(
        (e) => `${e.kind}:${e.from.split("::").pop()}->${e.to.split("::").pop()}${e.via ? `(${e.via})` : ""}`,
      ),
      ["parent:tamma->a", "parent:tamma->b", "property:a->b(bucket)", "parent:tamma->d", "dependsOn:b->d"],
    );
  });
});
