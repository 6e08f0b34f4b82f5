import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  LIST_USERS_LABEL,
  MIX_LABEL,
  MIX_LABELS,
  type PhaseResult,
  comparisonLines,
  comparisonPhases,
  locateSeedHandler,
  runPhases,
} from "../../bench/playground-compare";

const result = (
  label: string,
  n: number,
  seconds: number,
  statuses: Record<string, number>,
): PhaseResult => ({
  label,
  n,
  seconds,
  statuses,
  cpuSeconds: n * 0.001,
});

describe("playground bench: side by side with the seed's handler (pure parts)", () => {
  it("builds the same n requests per route of the seed's mix, the list route and the interleaved mix", () => {
    const phases = comparisonPhases(20);
    const timed = phases.filter((p) => p.timed);
    assert.deepEqual(
      timed.map((p) => p.label),
      [...MIX_LABELS, LIST_USERS_LABEL, MIX_LABEL],
    );
    for (const p of timed) assert.equal(p.requests.length, 20);
    const mix = timed.find((p) => p.label === MIX_LABEL);
    assert.deepEqual(
      mix?.requests.slice(0, 7).map(([m]) => m),
      ["POST", "PUT", "PUT", "GET", "GET", "PATCH", "GET"],
    );
    // New users in the per-route phase are all distinct; rewrites and reads stay within the first 50.
    const newUsers = timed.find((p) => p.label === "PUT user (new)")?.requests.map(([, u]) => u);
    assert.equal(new Set(newUsers).size, 20);
    assert.equal(phases[0].timed, false);
  });

  it("reports ratios, the mix ratio and the geometric mean; a seed answering 5xx is not throughput", () => {
    const phases = comparisonPhases(10);
    const ours = phases.map((p) => result(p.label, 10, 0.1, { "200": 10 }));
    const seed = phases.map((p) =>
      p.label === "GET /tables"
        ? result(p.label, 10, 0.1, { "500": 10 })
        : result(p.label, 10, p.label === MIX_LABEL ? 0.25 : 0.2, { "200": 10 }),
    );
    const { lines, mixRatio, geomean } = comparisonLines(phases, ours, seed);
    assert.equal(mixRatio?.toFixed(2), "2.50");
    assert.equal(geomean?.toFixed(2), "2.00");
    assert.match(
      lines.find((l) => l.includes("GET /tables  ")) ?? "",
      /10 of 10 answered 5xx .*not throughput/,
    );
    assert.match(lines.find((l) => l.includes(LIST_USERS_LABEL)) ?? "", /not counted/);
    assert.match(lines.find((l) => l.includes("PUT user (new)")) ?? "", /100 req\/s .* 50 req\/s .* 2\.00x/);
    assert.ok(lines.some((l) => l.includes("geometric mean of the 6 per-route ratios: 2.00x")));
  });

  it("without a seed side prints only ours", () => {
    const phases = comparisonPhases(5);
    const ours = phases.map((p) => result(p.label, 5, 0.05, { "200": 5 }));
    const { lines, mixRatio } = comparisonLines(phases, ours, undefined);
    assert.equal(mixRatio, undefined);
    assert.equal(lines.length, 9);
    assert.ok(lines.every((l) => !/seed +\d+ req\/s|overall|geometric/.test(l)));
  });

  it("runs phases with bounded concurrency and counts statuses (a thrown call counts as 502)", async () => {
    let inFlight = 0;
    let most = 0;
    const [r] = await runPhases(
      [{ label: "x", timed: true, requests: Array(30).fill(["GET", "/", null]) }],
      4,
      async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((res) => setTimeout(res, 1));
        inFlight--;
        if (most > 100) throw new Error("never");
        return inFlight % 2 === 0 ? 200 : 404;
      },
    );
    assert.equal(most, 4);
    assert.equal(r.n, 30);
    assert.equal(
      Object.values(r.statuses).reduce((a, b) => a + b, 0),
      30,
    );
    const [bad] = await runPhases([{ label: "y", timed: true, requests: [["GET", "/", null]] }], 2, () =>
      Promise.reject(new Error("boom")),
    );
    assert.deepEqual(bad.statuses, { "502": 1 });
  });

  it("finds the seed's handler from the env var, else a mirror, else says how to enable it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seed-locate-"));
    try {
      const file = path.join(dir, "app.py");
      fs.writeFileSync(file, "def handler(event, context):\n    return {}\n");
      const fromEnv = locateSeedHandler({ SEED_PLAYGROUND_HANDLER: file }, dir);
      assert.ok("path" in fromEnv && fromEnv.path === file);
      const missing = locateSeedHandler({ SEED_PLAYGROUND_HANDLER: path.join(dir, "nope.py") }, dir);
      assert.ok("skip" in missing && missing.skip.includes("does not exist"));
      const none = locateSeedHandler({}, dir);
      assert.ok("skip" in none && none.skip.includes("no mirror"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
