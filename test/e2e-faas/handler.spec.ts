/** The process-orders sample handler (Python, uploaded as source), run with the local python3 when present. */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const HANDLER_DIR = "functions/e2e-process-orders";

/** Calls handle(event, None) in a python3 child and returns its result, or undefined without python3. */
function invoke(event: unknown): { statusCode: number; body: string } | undefined {
  const script = [
    "import json, sys",
    `sys.path.insert(0, ${JSON.stringify(HANDLER_DIR)})`,
    "import handler",
    "print(json.dumps(handler.handle(json.loads(sys.stdin.read()), None)))",
  ].join("\n");
  const r = spawnSync("python3", ["-c", script], { input: JSON.stringify(event), encoding: "utf8" });
  if (r.error) return undefined;
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe("e2e sample function: process-orders handler", function () {
  before(function () {
    if (!invoke({ orders: [] })) this.skip(); // no python3 on this machine
  });

  it("totals valid orders per currency and lists rejected ones", () => {
    const res = invoke({
      orders: [
        { id: "o-1", amount: 12.5, currency: "INR" },
        { id: "o-2", amount: 7.5, currency: "INR" },
        { id: "o-3", amount: 3, currency: "USD" },
        { id: "o-4", amount: -1, currency: "INR" },
      ],
    })!;
    assert.equal(res.statusCode, 200);
    assert.deepEqual(JSON.parse(res.body), { processed: 3, rejected: ["o-4"], totals: { INR: 20, USD: 3 } });
  });

  it("answers 400 to a missing or empty order list and to a non-JSON body", () => {
    assert.equal(invoke({})!.statusCode, 400);
    assert.equal(invoke({ orders: [] })!.statusCode, 400);
    assert.match(invoke("not json")!.body, /body must be JSON/);
  });
});
