import * as assert from "node:assert/strict";
import { toyProvider } from "./fixtures/toy-provider";
import {
  HostError,
  ProviderHost,
  dynamicUrn,
  loadSerialized,
  serializeProvider,
} from "./harness/provider-host";

describe("provider harness: serialization and the real provider host", function () {
  this.timeout(30_000);

  it("round-trips a provider through serialization", async () => {
    const sf = await serializeProvider(toyProvider);
    assert.equal(sf.containsSecrets, false);
    const loaded = loadSerialized(sf.text);
    await loaded.configure!({ config: { get: () => "hi", require: () => "hi" } });
    const created = await loaded.create({ value: "x" });
    assert.deepEqual(created, { id: "toy-x", outs: { value: "x", message: "hi x" } });
  });

  it("drives Configure, Check, Diff, Create, Read, Update and Delete over gRPC", async () => {
    const { text } = await serializeProvider(toyProvider);
    const host = await ProviderHost.start();
    try {
      await host.configure({ "ai-platform:greeting": "hey" });
      const urn = dynamicUrn("toy", "Toy", "t1");
      const bad = await host.check(urn, {}, { __provider: text, value: "" });
      assert.deepEqual(bad.failures, [{ property: "value", reason: "value must not be empty" }]);
      const { inputs } = await host.check(urn, {}, { __provider: text, value: "a" });
      const created = await host.create(urn, inputs);
      assert.equal(created.id, "toy-a");
      assert.equal(created.properties.message, "hey a");
      assert.equal(created.properties.__provider, text, "the host echoes __provider into state");
      const diff = await host.diff(created.id, urn, created.properties, { __provider: text, value: "b" });
      assert.deepEqual(diff, { changes: "some", replaces: [], deleteBeforeReplace: false });
      const updated = await host.update(created.id, urn, created.properties, {
        __provider: text,
        value: "b",
      });
      assert.equal(updated.properties.message, "hey b");
      const read = await host.read(created.id, urn, updated.properties);
      assert.equal(read.inputs?.value, "b");
      await assert.rejects(
        host.update(created.id, urn, updated.properties, { __provider: text, value: "boom" }),
        (e: HostError) => /update refused: boom/.test(e.message),
      );
      await host.delete(created.id, urn, updated.properties);
    } finally {
      await host.stop();
    }
  });
});
