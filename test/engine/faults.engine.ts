/**
 * The providers under faults, through the real engine (`pulumi up`/`refresh`/`destroy`), on a stack of `tama` and
 * `e2e` against the loopback emulators:
 * - an ambiguous POST (the create took effect, its answer was lost) is reconciled by natural key: 0 duplicates;
 * - a hardware change that E2E would refuse fails before anything is deleted: the running function stays;
 * - a failed deployment is kept in state as failed (a partial failure) and the next `up` redeploys it;
 * - hostile error bodies that echo every credential (raw, URL-encoded, JSON-escaped, base64) leave no credential in
 *   the engine's output or the state.
 */
import { strict as assert } from "assert";
import { EMULATOR_DEFAULTS } from "../e2e-faas/emulator";
import { CLIENT_SECRET, OPENAI_KEY } from "../tama/helpers";
import { changedNames, diagnostics } from "./events";
import { leakedSecrets, secretForms } from "./secrets";
import { ProvidersStack, SECRETS, byName, functions, idOf, workspace } from "./providers-stack";

const FUNCTION = "e2e-process-orders";
const SPACE = "tama-space";

/**
 * An error text that carries each credential in every form a careless server could echo it in. A server can only
 * echo what it was sent, so each emulator echoes its own provider's credentials.
 */
function hostileText(secrets: string[]): string {
  return secrets
    .flatMap((s) => [...secretForms(s), JSON.stringify({ key: s }).replace(/"/g, '\\"')])
    .join(" | ");
}

describe("real Pulumi engine: the providers under faults (tama + e2e on the emulators)", function () {
  this.timeout(300_000);
  const stack = new ProvidersStack("faults", "faults");

  before(() => stack.open());
  after(() => stack.close());

  it("an ambiguous create (the answer lost after the POST took effect) is reconciled: every object exists once", async () => {
    const { tama, e2e } = stack;
    // The first Tama create (the space) behind a gateway timeout; the E2E create's connection dropped after it applied.
    tama.inject({ match: "POST /provision", status: 504, afterApply: true });
    e2e.inject({ status: 0, drop: true, afterApply: true, match: "POST faas/functions" });
    const run = await stack.up();
    const changed = changedNames(run.events);
    for (const n of [
      SPACE,
      "tama-source-openai",
      "tama-model-openai-gpt4",
      "tama-limit-openai-rpm",
      FUNCTION,
    ])
      assert.deepEqual(changed[n], ["create"], n);
    const spaces = [...tama.spaces.values()].filter((s) => s.name === "Engine Space");
    assert.equal(spaces.length, 1, "one space, although its POST's answer was a 504");
    assert.equal(
      idOf(stack.state, SPACE),
      spaces[0].id,
      "the state holds the space that the lost answer created",
    );
    assert.equal(
      tama.apiRequests().filter((r) => r.method === "POST" && r.path.endsWith("/spaces")).length,
      1,
    );
    assert.equal(e2e.count("POST", "faas/functions"), 1, "the function's POST was sent once");
    assert.deepEqual([...e2e.functions.keys()], [idOf(stack.state, FUNCTION)], "one function");
  });

  it("a hardware change that the runtime cannot run fails before any delete: the running function stays", async () => {
    const { e2e, bed } = stack;
    const id = idOf(stack.state, FUNCTION);
    const before = e2e.requests.length;
    stack.setConfig({ "ai-platform:e2eFunctions": functions(256, undefined, { hardware: "gpu" }) });
    const run = await bed.events("up", stack.stack);
    assert.notEqual(run.result.code, 0, "the up failed");
    const errors = diagnostics(run.events, "error").join("") + run.result.stderr;
    assert.match(errors, /hardware/, errors);
    const after = e2e.requests.slice(before);
    assert.deepEqual(
      after.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`),
      [],
      "no write reached E2E",
    );
    const live = e2e.functions.get(id);
    assert.ok(live && !live.deletedAt, "the function is still there");
    assert.equal(byName(await bed.exportState(stack.stack))[FUNCTION]?.id, id, "and still in the state");
    stack.setConfig({ "ai-platform:e2eFunctions": functions(256) });
    assert.deepEqual(changedNames((await stack.up()).events), {}, "restored config: nothing to do");
  });

  it("a failed deployment is a partial failure: the function stays in state as failed, and the next up redeploys it", async () => {
    const { e2e, bed } = stack;
    const id = idOf(stack.state, FUNCTION);
    bed.write("bad-requirements.txt", "does-not-exist-lib\n");
    stack.setConfig({
      "ai-platform:e2eFunctions": functions(256, undefined, { requirementsPath: "bad-requirements.txt" }),
    });
    const failed = await bed.events("up", stack.stack);
    assert.notEqual(failed.result.code, 0, "the up failed");
    assert.match(
      diagnostics(failed.events, "error").join(""),
      /deployment failed: Build failed: pip install/,
    );
    const kept = byName(await bed.exportState(stack.stack))[FUNCTION];
    assert.equal(kept?.id, id, "the function is still in the state");
    assert.equal(kept?.outputs?.status, "failed", "recorded as failed");
    assert.ok(kept?.outputs?.__provider, "with the code to update or delete it");
    stack.setConfig({ "ai-platform:e2eFunctions": functions(256) });
    const fixed = await stack.up();
    assert.deepEqual(changedNames(fixed.events), { [FUNCTION]: ["update"] });
    assert.equal(byName(stack.state)[FUNCTION]?.outputs?.status, "running");
    assert.equal(e2e.count("POST", "faas/functions"), 1, "never created twice");
  });

  it("hostile error bodies that echo every credential fail refresh and up without a credential in output or state", async () => {
    const { tama, e2e, bed } = stack;
    const e2eText = hostileText([EMULATOR_DEFAULTS.apiKey, EMULATOR_DEFAULTS.authToken]);
    const tamaText = hostileText([CLIENT_SECRET, OPENAI_KEY]);
    // Every GET answers 500 with the echo until the retries give up (5 attempts each).
    for (let i = 0; i < 5; i++)
      e2e.inject({
        status: 500,
        rawBody: JSON.stringify({ code: 500, message: e2eText, errors: { detail: e2eText } }),
      });
    tama.inject({
      match: "GET /provision",
      status: 500,
      body: { errors: { detail: tamaText }, echo: tamaText },
      times: 20,
    });
    const refresh = await bed.events("refresh", stack.stack);
    assert.notEqual(refresh.result.code, 0, "the refresh failed");
    tama.resetLog();
    // A write refused with the echo in its 422 body (not retried).
    tama.inject({ match: "PATCH /provision", status: 422, body: { errors: { detail: tamaText } } });
    stack.setConfig({ "ai-platform:tamaWorkspace": workspace(150) });
    const up = await bed.events("up", stack.stack);
    assert.notEqual(up.result.code, 0, "the up failed");
    const shown = [
      ...diagnostics(refresh.events, "error"),
      ...diagnostics(up.events, "error"),
      refresh.result.stdout,
      refresh.result.stderr,
      up.result.stdout,
      up.result.stderr,
    ].join("\n");
    assert.match(shown, /500|422/, "the errors say what the server answered");
    assert.deepEqual(
      leakedSecrets(shown, SECRETS),
      [],
      "no credential in the engine's output, in any encoding",
    );
    assert.deepEqual(
      leakedSecrets(bed.transcript.join("\n"), SECRETS),
      [],
      "nor anywhere in this bed's CLI runs",
    );
    const state = JSON.stringify(await bed.exportState(stack.stack));
    assert.deepEqual(leakedSecrets(state, SECRETS), [], "nor in the state");
  });

  it("destroy after the faults leaves nothing behind", async () => {
    stack.tama.resetLog();
    const run = await stack.bed.events("destroy", stack.stack);
    assert.equal(run.result.code, 0, run.result.stderr);
    assert.equal([...stack.tama.spaces.values()].filter((s) => s.name === "Engine Space").length, 0);
    assert.equal(stack.tama.sources.size + stack.tama.models.size + stack.tama.limits.size, 0);
    assert.equal([...stack.e2e.functions.values()].filter((f) => !f.deletedAt).length, 0);
  });
});
