import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { evaluatePolicies } from "../../policy/evaluate";
import { allRules } from "../../policy/rules";
import { estimateCost, usd } from "../../scripts/report/cost";
import { renderHtml } from "../../scripts/report/html";
import { planModel } from "../../scripts/report";
import { loadPriceTable } from "../../scripts/report/prices";
import { runProgram } from "../harness/program";
import { openPage } from "./chromium";

const ROOT = path.resolve(__dirname, "..", "..");
const BUILD = path.join(ROOT, ".build", "report");

/** What the page shows of the plan, read from the live DOM. */
const PROBE = `JSON.stringify({
  nodes: [...document.querySelectorAll("svg#graph g.node")].map((g) => g.getAttribute("data-urn")),
  rows: [...document.querySelectorAll("#resource-table tr[data-urn]")].map((tr) => tr.getAttribute("data-urn")),
  visibleNodes: [...document.querySelectorAll("svg#graph g.node")].filter((g) => {
    const b = g.getBoundingClientRect(); return b.width > 50 && b.height > 10;
  }).length,
  edges: document.querySelectorAll("svg#graph path.edge").length,
  details: document.getElementById("details").textContent,
  fixed: document.getElementById("cost-fixed") && document.getElementById("cost-fixed").textContent,
  total: document.getElementById("cost-total") && document.getElementById("cost-total").textContent,
  scripts: document.querySelectorAll("script[src]").length,
  links: document.querySelectorAll("link[href]").length,
})`;

/**
 * Each stack's fixed part worked out by hand from Pulumi.<stack>.yaml and the table (730 h): a NAT gateway
 * $0.045/h and its EIP $0.005/h, an interface endpoint $0.01/h per AZ (3 AZs), the DLQ alarm $0.10.
 */
const FIXED_BY_HAND: Record<string, number> = {
  dev: +(730 * (0.045 + 0.005) + 0.1).toFixed(2), // Single NAT, no endpoints: 36.60
  stage: +(730 * (0.045 + 0.005) + 3 * 3 * 730 * 0.01 + 0.1).toFixed(2), // Single NAT, 3 endpoints: 102.30
  prod: +(3 * 730 * (0.045 + 0.005) + 3 * 3 * 730 * 0.01 + 0.1).toFixed(2), // NAT per AZ, 3 endpoints: 175.30
};

interface Probe {
  nodes: string[];
  rows: string[];
  visibleNodes: number;
  edges: number;
  details: string;
  fixed: string | null;
  total: string | null;
  scripts: number;
  links: number;
}

describe("plan --html: the report page in headless Chromium", function () {
  this.timeout(120_000);
  const totals: string[] = [];

  after(() => {
    if (totals.length) console.log(`      monthly totals (fixed + reference month): ${totals.join("; ")}`);
  });

  it("the console-error detector sees errors, exceptions and network requests (control page)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "report-control-"));
    const file = path.join(dir, "bad.html");
    fs.writeFileSync(
      file,
      `<!doctype html><html><body><p id="x">x</p><img src="http://127.0.0.1:9/missing.png">` +
        `<script>console.error("deliberate"); null.boom;</script></body></html>`,
    );
    try {
      const r = await openPage(file, { probe: `document.getElementById("x").textContent` });
      assert.equal(r.probe, "x");
      assert.ok(
        r.consoleErrors.some((e) => /deliberate/.test(e)),
        r.consoleErrors.join("\n"),
      );
      assert.ok(
        r.consoleErrors.some((e) => /uncaught: TypeError/.test(e)),
        r.consoleErrors.join("\n"),
      );
      assert.ok(
        r.requests.some((u) => u.startsWith("http://127.0.0.1:9/")),
        r.requests.join("\n"),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const stack of ["dev", "stage", "prod"]) {
    it(`${stack}: every resource of the plan is on the page, no console error, no network`, async () => {
      const run = await runProgram(stack);
      const findings = evaluatePolicies(run.resources, allRules);
      const model = planModel(stack, run.resources, findings, run.standIns);
      const prices = loadPriceTable(model.region);
      assert.ok(prices, `price table for ${model.region}`);
      const est = estimateCost(model, prices);
      assert.equal(+est.fixedUsd.toFixed(2), FIXED_BY_HAND[stack], "fixed part as worked out by hand");
      const html = renderHtml(model, est, prices);
      // Nothing a page could fetch: no external script, stylesheet, image or font.
      assert.doesNotMatch(html, /<(script|img|link|iframe)[^>]+(src|href)=["']?https?:/i);
      assert.doesNotMatch(html, /url\(\s*["']?https?:/i);
      // Stand-in secrets (and so real ones) never reach the page.
      assert.doesNotMatch(html, /test-secret-|mock-secret-access-key/);
      for (const s of run.standIns)
        assert.ok(html.includes(`<code>${s.key}</code>`), `secret to set: ${s.key}`);
      const file = path.join(BUILD, `report-${stack}.html`);
      fs.mkdirSync(BUILD, { recursive: true });
      fs.writeFileSync(file, html);

      const shots = [
        { file: path.join(BUILD, `report-${stack}-graph.png`) },
        { file: path.join(BUILD, `report-${stack}-cost.png`), scrollTo: "#cost" },
      ];
      const r = await openPage(file, { probe: PROBE, screenshots: shots });
      const probe = JSON.parse(r.probe as string) as Probe;
      assert.deepEqual(r.consoleErrors, []);
      assert.deepEqual(
        r.requests.filter((u) => !u.startsWith("file://")),
        [],
        "the page made network requests",
      );
      const urns = run.resources.map((x) => x.urn).sort();
      assert.deepEqual([...probe.nodes].sort(), urns, "graph nodes = the plan's registrations");
      assert.deepEqual([...probe.rows].sort(), urns, "resource table rows = the plan's registrations");
      assert.ok(
        probe.visibleNodes >= Math.min(urns.length, 20),
        `nodes drawn with a size: ${probe.visibleNodes}`,
      );
      assert.ok(
        probe.edges > run.resources.filter((x) => x.parent).length,
        "parent and dependency edges drawn",
      );
      assert.match(probe.details, /Depends on \(\d+\)/, "the script filled the details panel");
      assert.equal(probe.scripts + probe.links, 0);
      assert.equal(probe.fixed, usd(est.fixedUsd));
      assert.equal(probe.total, usd(est.monthlyUsd));
      for (const f of r.screenshots) {
        assert.ok(fs.statSync(f).size > 10_000, `${f} is a real screenshot`);
        console.log(`      screenshot: ${path.relative(ROOT, f)}`);
      }
      totals.push(`${stack} ${usd(est.monthlyUsd)} (fixed ${usd(est.fixedUsd)})`);
    });
  }

  it("runs as `npm run plan -- dev --cost --html <file>`, and rejects --html without a file", function () {
    const out = path.join(BUILD, "cli-dev.html");
    fs.rmSync(out, { force: true });
    const ok = spawnSync(
      "npx",
      ["ts-node", "--transpile-only", "scripts/plan.ts", "dev", "--cost", "--html", out],
      { cwd: ROOT, encoding: "utf8" },
    );
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /Monthly cost estimate of stack "dev" in us-east-1/);
    assert.match(ok.stdout, /Fixed part \(always on\): \$\d+\.\d\d\/month/);
    assert.match(ok.stdout, /Not priced \(\d+\):/);
    assert.match(ok.stdout, /Report page written: /);
    assert.match(ok.stdout, /Plan OK\./);
    assert.ok(fs.readFileSync(out, "utf8").includes('id="stack-name">dev<'));
    const bad = spawnSync("npx", ["ts-node", "--transpile-only", "scripts/plan.ts", "dev", "--html"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /option --html needs a value/);
  });
});
