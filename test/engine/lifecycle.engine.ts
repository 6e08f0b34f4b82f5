/**
 * The real Pulumi engine walks ONE stack (only `tama` and `e2e`, against the loopback emulators) through its life:
 * create, no-change, update, drift + refresh, parent change (replace), adoption, secrets, import, destroy. The
 * steps run in order and each builds on the one before. Every assertion reads the engine's own output (`--json`
 * events, `pulumi stack export`) or the emulators' records.
 */
import { strict as assert } from "assert";
import { randomUUID } from "crypto";
import { OPENAI_KEY } from "../tama/helpers";
import { TamaEmulator } from "../tama/emulator";
import { E2eEmulator } from "../e2e-faas/emulator";
import { EngineBed, StateFile } from "./bed";
import { changedNames, diagnostics, summaryOf } from "./events";
import { leakedSecrets } from "./secrets";
import { Obj, ProvidersStack, SECRETS, byName, functions, idOf, workspace } from "./providers-stack";

const STACK = "engine";
const SPACE = "tama-space";
const SOURCE = "tama-source-openai";
const MODEL = "tama-model-openai-gpt4";
const LIMIT = "tama-limit-openai-rpm";
const ADOPTED = "tama-limit-openai-adopted";
const FUNCTION = "e2e-process-orders";

describe("real Pulumi engine: one stack from up to destroy (tama + e2e on the emulators)", function () {
  this.timeout(300_000);
  const stack = new ProvidersStack("lifecycle", STACK);
  let bed: EngineBed;
  let tama: TamaEmulator;
  let e2e: E2eEmulator;
  let state: StateFile;

  const setConfig = (values: Obj) => stack.setConfig(values);
  async function up() {
    const run = await stack.up();
    state = stack.state;
    return run;
  }

  before(async () => {
    await stack.open();
    ({ bed, tama, e2e } = stack);
  });

  after(() => stack.close());

  it("up creates every object, and the state holds the emulators' ids", async () => {
    const run = await up();
    assert.equal(summaryOf(run.events).result, "succeeded");
    assert.deepEqual(diagnostics(run.events, "warning"), [], "the engine printed no warning");
    const changed = changedNames(run.events);
    for (const n of [SPACE, SOURCE, MODEL, LIMIT, FUNCTION, "tama", "e2e"])
      assert.deepEqual(changed[n], ["create"], n);
    assert.deepEqual([tama.spaces.size, tama.sources.size, tama.models.size, tama.limits.size], [1, 1, 1, 1]);
    assert.ok(tama.spaces.has(idOf(state, SPACE)));
    assert.ok(tama.sources.has(idOf(state, SOURCE)));
    assert.ok(tama.models.has(idOf(state, MODEL)));
    assert.ok(tama.limits.has(idOf(state, LIMIT)));
    assert.deepEqual([...e2e.functions.keys()], [idOf(state, FUNCTION)]);
  });

  it("a second up changes nothing", async () => {
    tama.resetLog();
    const run = await up();
    assert.deepEqual(changedNames(run.events), {});
    assert.deepEqual(Object.keys(summaryOf(run.events).changes), ["same"]);
    const writes = tama.apiRequests().filter((r) => r.method !== "GET");
    assert.deepEqual(writes, [], "no write reached the Tama API");
  });

  it("a refresh with no drift changes nothing: read agrees with what create recorded", async () => {
    const refresh = await bed.events("refresh", STACK);
    assert.equal(refresh.result.code, 0, refresh.result.stderr);
    assert.deepEqual(changedNames(refresh.events), {});
    const run = await up();
    assert.deepEqual(changedNames(run.events), {}, "and the next up has nothing to do");
  });

  it("a changed input is an update in place (same id)", async () => {
    const before = idOf(state, LIMIT);
    setConfig({ "ai-platform:tamaWorkspace": workspace(200), "ai-platform:e2eFunctions": functions(512) });
    const run = await up();
    assert.deepEqual(changedNames(run.events), { [LIMIT]: ["update"], [FUNCTION]: ["update"] });
    assert.equal(idOf(state, LIMIT), before);
    assert.equal(tama.limits.get(before)?.count, 200);
    assert.equal(e2e.functions.get(idOf(state, FUNCTION))?.memory, 512);
  });

  it("refresh picks up drift and drops an object deleted behind our back; the next up restores both", async () => {
    const limitId = idOf(state, LIMIT);
    const modelId = idOf(state, MODEL);
    tama.limits.get(limitId)!.count = 300; // changed in the Tama console
    tama.models.delete(modelId); // deleted in the Tama console
    e2e.functions.get(idOf(state, FUNCTION))!.timeout = 99; // changed in the E2E console
    const refresh = await bed.events("refresh", STACK);
    assert.equal(refresh.result.code, 0, refresh.result.stderr);
    state = await bed.exportState(STACK);
    assert.equal(byName(state)[MODEL], undefined, "the deleted model left the state");
    assert.equal(byName(state)[LIMIT].outputs?.limit, 300, "the drifted limit value is in the state");
    assert.equal(
      (byName(state)[FUNCTION].outputs?.config as Obj | undefined)?.timeoutSeconds,
      99,
      "the drifted timeout is in the state",
    );

    const run = await up();
    assert.deepEqual(changedNames(run.events), {
      [MODEL]: ["create"],
      [LIMIT]: ["update"],
      [FUNCTION]: ["update"],
    });
    assert.equal(tama.limits.get(limitId)?.count, 200);
    assert.equal(e2e.functions.get(idOf(state, FUNCTION))?.timeout, 30);
    assert.equal(tama.models.size, 1);
    assert.ok(tama.models.has(idOf(state, MODEL)));
  });

  it("a parent change is a replace: a source moved to another space is replaced, and its children with it", async () => {
    const ourSpace = idOf(state, SPACE);
    const oldSource = idOf(state, SOURCE);
    const otherSpace = randomUUID();
    tama.spaces.set(otherSpace, { id: otherSpace, name: "Elsewhere", slug: "elsewhere", type: "root" });
    tama.sources.get(oldSource)!.space_id = otherSpace; // moved behind our back
    assert.equal((await bed.events("refresh", STACK)).result.code, 0);
    assert.equal(byName(await bed.exportState(STACK))[SOURCE].outputs?.spaceId, otherSpace);

    const run = await up();
    const changed = changedNames(run.events);
    for (const n of [SOURCE, MODEL, LIMIT]) assert.ok(changed[n]?.includes("replace"), `${n}: ${changed[n]}`);
    const newSource = idOf(state, SOURCE);
    assert.notEqual(newSource, oldSource);
    assert.equal(tama.sources.get(newSource)?.space_id, ourSpace);
    assert.equal(tama.sources.has(oldSource), false, "the replaced source was deleted");
    assert.equal(tama.models.size, 1);
    assert.equal(tama.limits.size, 1);
  });

  it("existingId (Tama) and adopt (E2E) take over objects made outside Pulumi: no create call, declared values applied", async () => {
    const source = idOf(state, SOURCE);
    const existing = randomUUID();
    tama.limits.set(existing, {
      id: existing,
      source_id: source,
      scale_unit: "hours",
      scale_count: 1,
      count: 10,
      provision_state: "active",
    });
    e2e.seed({ name: "legacy-orders", runtime: "python3-http-debian", memory: 128 });
    setConfig({
      "ai-platform:tamaWorkspace": workspace(200, { id: existing, limit: 25 }),
      "ai-platform:e2eFunctions": functions(512, "legacy-orders"),
    });
    tama.resetLog();
    const creates = e2e.count("POST");
    const run = await up();
    assert.deepEqual(changedNames(run.events), { [ADOPTED]: ["create"], "e2e-legacy": ["create"] });
    assert.equal(idOf(state, ADOPTED), existing);
    assert.equal(tama.limits.get(existing)?.count, 25);
    assert.equal(idOf(state, "e2e-legacy"), "legacy-orders");
    assert.equal(e2e.functions.get("legacy-orders")?.memory, 512, "the declared memory was applied");
    assert.equal(e2e.count("POST"), creates, "no function was created");
    assert.deepEqual(
      tama.apiRequests().filter((r) => r.method === "POST"),
      [],
      "adoption created nothing",
    );
  });

  it("secret config reaches the providers through configure and is only ciphertext in the stack file and state", async () => {
    // The emulators reject wrong credentials, so the objects above exist only because configure delivered them.
    assert.equal(tama.sourceKeys.get(idOf(state, SOURCE)), OPENAI_KEY, "the source's API key reached Tama");
    assert.ok(
      tama.requests.some((r) => r.path === "/auth/tokens"),
      "the provider took a token with the client secret",
    );
    assert.ok(e2e.requests.every((r) => r.answered < 400 || r.answered === 404));

    const stackFile = bed.readStackFile(STACK);
    for (const k of ["tama:clientSecret", "tama:openaiApiKey", "e2e:apiKey", "e2e:authToken"])
      assert.match(stackFile, new RegExp(`${k}:\\n\\s+secure: v1:`), `${k} is stored encrypted`);

    const exported = JSON.stringify(state);
    assert.deepEqual(leakedSecrets(exported, SECRETS), [], "no secret in the state, in any encoding");
    assert.deepEqual(leakedSecrets(stackFile, SECRETS), []);
    assert.deepEqual(leakedSecrets(bed.transcript.join("\n"), SECRETS), [], "no secret in any CLI output");
    const provider = (state.deployment.resources ?? []).find(
      (r) => r.type === "pulumi:providers:pulumi-nodejs",
    );
    for (const k of ["tama:clientSecret", "e2e:apiKey", "e2e:authToken"])
      assert.ok(
        (provider?.inputs?.[k] as Obj | undefined)?.ciphertext,
        `${k} is a secret in the provider's inputs`,
      );
    assert.ok(
      (byName(state)[SOURCE].inputs?.apiKey as Obj | undefined)?.ciphertext,
      "the source's apiKey is a secret",
    );
    // A function's environment (plaintext in the stack file) is a secret input and a secret output in state.
    const fn = byName(state)[FUNCTION];
    for (const [where, props] of [
      ["inputs", fn.inputs],
      ["outputs", fn.outputs],
    ] as const)
      assert.ok(
        (props?.environment as Obj | undefined)?.ciphertext,
        `the function's environment ${where} is a secret`,
      );
    assert.deepEqual(e2e.functions.get(idOf(state, FUNCTION))?.environment_variables, {
      MAX_ORDERS: "100",
      ORDERS_QUEUE: "engine-queue-7c1e",
    });
    // The only plaintext copy is the dynamic providers' default provider, whose inputs are the whole stack config
    // (what configure receives): plaintext config stays plaintext there, which is why the loader refuses
    // credentials in plaintext config (config/credentials.ts), and a key set with --secret is ciphertext there.
    const plain = (state.deployment.resources ?? []).flatMap((r) =>
      (["inputs", "outputs"] as const)
        .filter((k) => JSON.stringify(r[k] ?? {}).includes("engine-queue-7c1e"))
        .map((k) => `${r.type} ${k}`),
    );
    assert.deepEqual(
      plain,
      ["pulumi:providers:pulumi-nodejs inputs", "pulumi:providers:pulumi-nodejs outputs"],
      "no environment value in plaintext in the state but the provider's copy of the stack config",
    );
    assert.equal(
      typeof provider?.inputs?.["ai-platform:e2eFunctions"],
      "string",
      "that copy is the config key",
    );
    assert.equal(state.deployment.secrets_providers?.type, "passphrase");
  });

  it("pulumi import of a dynamic resource fails at this engine version, and changes nothing", async () => {
    const spaceId = idOf(state, SPACE);
    const r = await bed.run([
      "import",
      "pulumi-nodejs:dynamic/tama:Space",
      "imported-space",
      spaceId,
      "-s",
      STACK,
      "--yes",
      "--skip-preview",
      "--non-interactive",
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /code must be a string, not undefined/);
    const after = await bed.exportState(STACK);
    assert.equal(byName(after)["imported-space"], undefined);
    assert.equal((after.deployment.resources ?? []).length, (state.deployment.resources ?? []).length);
  });

  it("destroy removes every object from the emulators and the state", async () => {
    const run = await bed.events("destroy", STACK);
    assert.equal(run.result.code, 0, run.result.stderr);
    const changed = changedNames(run.events);
    for (const n of [SPACE, SOURCE, MODEL, LIMIT, ADOPTED, FUNCTION, "e2e-legacy"])
      assert.deepEqual(changed[n], ["delete"], n);
    const ours = [...tama.spaces.values()].filter((s) => s.name === "Engine Space");
    assert.deepEqual([ours.length, tama.sources.size, tama.models.size, tama.limits.size], [0, 0, 0, 0]);
    assert.equal([...e2e.functions.values()].filter((f) => !f.deletedAt).length, 0);
    state = await bed.exportState(STACK);
    assert.deepEqual(state.deployment.resources ?? [], []);
  });
});
