/**
 * The E2E provider under injected faults: a create is never sent twice blindly and never makes two
 * functions, idempotent calls ride out 500s, and no invalid replacement deletes a running function.
 */
import * as assert from "node:assert/strict";
import { CheckedInputs, FaasFunctionInputs, RUNTIME_HARDWARE } from "../../providers/e2e/api";
import { providers } from "../../providers/e2e";
import { E2eEmulator, RUNTIMES } from "./emulator";
import { configureRequest, isolateEnv, sample } from "./helpers";

const p = providers.faasFunction;

async function checked(inputs: FaasFunctionInputs): Promise<CheckedInputs> {
  const r = await p.check({}, inputs);
  assert.deepEqual(r.failures, []);
  return r.inputs as CheckedInputs;
}

describe("e2e provider: injected faults", function () {
  this.timeout(30_000);
  isolateEnv();
  let emu: E2eEmulator;

  before(async () => {
    emu = await E2eEmulator.start();
  });
  after(() => emu.close());
  beforeEach(async () => {
    emu.reset();
    await p.configure(configureRequest(emu.config));
  });

  const posts = () => emu.count("POST", "faas/functions/");

  describe("ambiguous creates: reconciled by name, 0 duplicates", () => {
    for (const [what, fault] of [
      ["a 504 after the create took effect", { status: 504, afterApply: true }],
      ["a 502 after the create took effect", { status: 502, afterApply: true }],
      ["a 500 after the create took effect", { status: 500, afterApply: true }],
      ["a connection dropped after the create took effect", { status: 0, drop: true, afterApply: true }],
    ] as const) {
      it(`adopts the function after ${what}: one POST, one function`, async () => {
        emu.inject({ ...fault, match: "POST faas/functions/" });
        const { id, outs } = await p.create(await checked(sample()));
        assert.equal(id, "process-orders");
        assert.equal(outs.status, "running");
        assert.equal(posts(), 1, "the POST is not sent again");
        assert.equal(emu.count("GET", "faas/functions/"), 1, "the list is read once to reconcile");
        assert.equal(emu.functions.size, 1);
      });
    }

    it("sends the create again when the list proves the first one never took effect", async () => {
      emu.inject({ status: 503, match: "POST faas/functions/" });
      const { outs } = await p.create(await checked(sample()));
      assert.equal(outs.status, "running");
      assert.equal(posts(), 2);
      assert.equal(emu.functions.size, 1);
    });

    it("adopts when a late first create makes the second answer 'already exists'", async () => {
      // The first POST takes effect but its answer is lost, and the list read right after does not show
      // it yet (an envelope answer with no list in `data`): the provider sends the create again, E2E
      // answers "already exists", and the provider reads the list again and adopts.
      emu.inject(
        { status: 502, afterApply: true, match: "POST faas/functions/" },
        { status: 200, inEnvelope: true, match: "GET faas/functions/" },
      );
      const { outs } = await p.create(await checked(sample()));
      assert.equal(outs.status, "running");
      assert.equal(posts(), 2, "the second create got 'already exists' and was reconciled, not repeated");
      assert.equal(emu.functions.size, 1);
    });

    it("fails with what to check, and creates nothing, when the list cannot be read", async () => {
      emu.inject(
        { status: 504, match: "POST faas/functions/" },
        ...Array.from({ length: 6 }, () => ({ status: 503, match: "GET faas/functions/" })),
      );
      await assert.rejects(
        p.create(await checked(sample({ timeouts: { pollInterval: "5ms" } }))),
        (e: Error) => {
          assert.match(e.message, /failed without saying whether it took effect/);
          assert.match(e.message, /MyAccount console/);
          return true;
        },
      );
      assert.equal(posts(), 1);
      assert.equal(emu.functions.size, 0);
    });

    it("refuses to take over a function it did not create ('already exists' on the first request)", async () => {
      emu.seed({ name: "process-orders", runtime: "python3-http-debian" });
      await assert.rejects(
        p.create(await checked(sample())),
        /already exists .*set existingId: "process-orders"/,
      );
      assert.equal(emu.count("PUT"), 0);
      assert.equal(emu.count("DELETE"), 0);
    });

    it("does not adopt a same-named function with another runtime", async () => {
      emu.seed({ name: "process-orders", runtime: "node18" });
      emu.inject({ status: 504, match: "POST faas/functions/" });
      await assert.rejects(p.create(await checked(sample())), /runs runtime node18, not python3-http-debian/);
      assert.equal(emu.count("PUT"), 0);
    });
  });

  describe("idempotent requests ride out 500", () => {
    it("a 500 during a status poll does not fail a create that is deploying", async () => {
      emu.inject({ status: 500, match: "GET faas/function/" }, { status: 500, match: "GET faas/function/" });
      const { outs } = await p.create(await checked(sample()));
      assert.equal(outs.status, "running");
      assert.equal(emu.functions.size, 1);
    });

    it("a 500 does not fail a refresh, and a 500 on DELETE is retried", async () => {
      const { id, outs } = await p.create(await checked(sample()));
      emu.inject({ status: 500, match: "GET faas/function/" });
      const r = await p.read(id, outs);
      assert.equal(r.id, id);
      emu.inject({ status: 500, match: "DELETE faas/function/" });
      await p.delete(id, outs);
      assert.equal(emu.count("DELETE"), 2);
    });
  });

  describe("hardware vs runtime: refused in check, never after a delete", () => {
    it("the runtime table agrees with the runtimes the API (emulator) lists", () => {
      for (const r of RUNTIMES) assert.equal(RUNTIME_HARDWARE[r.runtime], r.node_type, r.runtime);
    });

    it("check refuses python3-http-debian on gpu, naming the field and the fix", async () => {
      const r = await p.check({}, sample({ config: { hardware: "gpu" } }));
      assert.equal(r.failures.length, 1);
      assert.equal(r.failures[0].property, "config.hardware");
      assert.match(r.failures[0].reason, /does not match runtime python3-http-debian, which runs on cpu/);
    });

    it("an invalid replacement fails in check or diff: no DELETE ever reaches E2E", async () => {
      const { id, outs } = await p.create(await checked(sample()));
      emu.requests.length = 0;
      // The engine's order for a replacement: check, diff, then (deleteBeforeReplace) delete, create.
      const engine = async (news: FaasFunctionInputs) => {
        const c = await p.check(outs, news);
        if (c.failures.length) throw new Error(`check: ${c.failures[0].reason}`);
        const d = await p.diff(id, outs, c.inputs as CheckedInputs);
        if (d.deleteBeforeReplace) await p.delete(id, outs);
        return p.create(c.inputs as CheckedInputs);
      };
      await assert.rejects(engine(sample({ config: { hardware: "gpu" } })), /check: .*runs on cpu/);
      await assert.rejects(
        engine(sample({ runtime: "cobol-http" })),
        /replaces it .* not offered by the API.*nothing was changed/,
      );
      assert.equal(emu.count("DELETE"), 0);
      assert.equal(emu.count("POST"), 0);
      assert.equal(emu.functions.get("process-orders")?.runtime, "python3-http-debian");
    });
  });
});
