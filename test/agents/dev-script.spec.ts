/** `npm run dev:agents`: one real local run with the approval typed on stdin, and its usage errors. */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const run = (args: string[], input = "") =>
  spawnSync(
    process.execPath,
    [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "scripts/dev-agents.ts", ...args],
    {
      cwd: ROOT,
      input,
      encoding: "utf8",
      timeout: 120000,
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
    },
  );

describe("agents: npm run dev:agents", function () {
  this.timeout(150000);

  it("runs a workflow to COMPLETED, printing each phase, with the approval typed on the terminal", () => {
    const out = run(["Local", "durable", "test"], "y\nkeep it short\n");
    assert.equal(out.status, 0, out.stderr + out.stdout);
    for (const line of [
      /POST \/workflows → 202/,
      /agent research: dispatched/,
      /agent analysis: agent called back SUCCESS → HTTP 200/,
      /Approve this analysis\? \[y\/N\]/,
      /approval → 200 .*"decision":"APPROVED"/,
      /agent writing: dispatched/,
      /event WorkflowCompleted/,
      /durable execution SUCCEEDED: \{"status":"COMPLETED"/,
      /"feedback_applied":"keep it short"/,
      /agent dispatches: 3,/,
      /stopping local servers/,
    ])
      assert.match(out.stdout, line);
  });

  it("explains its usage when the topic is missing or an option is unknown", () => {
    const none = run([]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /give a topic/);
    const bad = run(["t", "--fast"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown option --fast/);
  });
});
