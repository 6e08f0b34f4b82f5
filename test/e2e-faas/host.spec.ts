/**
 * Layers 2 and 3: the provider serialized and reloaded as the SDK and host do it (no credential in the text),
 * and the real dynamic provider host from @pulumi/pulumi driven over gRPC against the emulator.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-require-imports */
import * as assert from "node:assert/strict";
import { deployedProviders } from "../../providers/e2e";
import { ProviderHost, dynamicUrn, loadSerialized, serializeProvider } from "../harness/provider-host";
import { E2eEmulator } from "./emulator";
import { assertNoCredential, configureRequest, isolateEnv, sample } from "./helpers";

const providerPb = require("@pulumi/pulumi/proto/provider_pb");
const statusPb = require("@pulumi/pulumi/proto/status_pb");
const structPb = require("google-protobuf/google/protobuf/struct_pb");

const URN = dynamicUrn("e2e", "FaasFunction", "orders");

/** Create over gRPC, returning the engine-facing error details (ErrorResourceInitFailed) on failure. */
function createWithDetails(host: ProviderHost, props: Record<string, unknown>) {
  const req = new providerPb.CreateRequest();
  req.setUrn(URN);
  req.setProperties(structPb.Struct.fromJavaScript(JSON.parse(JSON.stringify(props))));
  return new Promise<{ message: string; id?: string; properties?: any; reasons?: string[] }>((resolve) =>
    (host as any).client.create(req, (err: any) => {
      if (!err) return resolve({ message: "no error" });
      const bin = err.metadata?.get("grpc-status-details-bin")?.[0];
      if (!bin) return resolve({ message: err.details });
      const status = statusPb.Status.deserializeBinary(bin);
      const detail = status
        .getDetailsList()[0]
        .unpack(providerPb.ErrorResourceInitFailed.deserializeBinary, "pulumirpc.ErrorResourceInitFailed");
      // grpc-js drops the top-level message of this error shape; the engine reads it from the status details.
      resolve({
        message: status.getMessage(),
        id: detail.getId(),
        properties: detail.getProperties().toJavaScript(),
        reasons: detail.getReasonsList(),
      });
    }),
  );
}

/** What the engine receives: the minified provider (providers/minified.ts). */
const providers = deployedProviders();

describe("e2e provider: serialized, and in the real provider host", function () {
  this.timeout(60_000);
  isolateEnv();
  let emu: E2eEmulator;

  before(async () => {
    emu = await E2eEmulator.start();
  });
  after(() => emu.close());
  beforeEach(() => emu.reset());

  it("serializes without any credential, even after configure ran in this process", async () => {
    await providers.faasFunction.configure(configureRequest(emu.config));
    const sf = await serializeProvider(providers.faasFunction);
    assert.equal(sf.containsSecrets, false);
    assertNoCredential(emu, sf.text, "serialized provider");
    assert.ok(!sf.text.includes("12345"), "nor the project id");
    assert.ok(!sf.text.includes("@pulumi/pulumi"), "the provider does not pull in the SDK");
    // The host answers a partial failure with `__provider` in one gRPC trailer, capped at 64 KiB (below).
    assert.ok(sf.text.length < 50_000, `serialized text stays small (${sf.text.length} characters)`);
  });

  it("works once reloaded: configure, check, create, read, delete against the emulator", async () => {
    const { text } = await serializeProvider(providers.faasFunction);
    const loaded = loadSerialized(text);
    await loaded.configure!(configureRequest(emu.config));
    const { inputs, failures } = await loaded.check!({}, sample());
    assert.deepEqual(failures, []);
    const created = await loaded.create(inputs);
    assert.equal(created.outs.status, "running");
    await assert.rejects(
      loaded.create(inputs),
      /creating function "process-orders": a function of this name already exists in project 12345 .*set existingId/,
      "the shared client's typed errors keep their message once serialized",
    );
    const read = await loaded.read!(created.id, created.outs);
    assert.equal(read.props.url, created.outs.url);
    await loaded.delete!(created.id, created.outs);
    assert.equal(emu.functions.size, 0);
    assert.deepEqual(await loaded.read!(created.id, created.outs), {}, "NotFoundError is still recognised");
  });

  it("runs the whole lifecycle through the host over gRPC, with connection from Configure", async () => {
    const { text } = await serializeProvider(providers.faasFunction);
    const host = await ProviderHost.start();
    try {
      await host.configure(emu.config);

      const bad = await host.check(
        URN,
        {},
        { __provider: text, ...sample({ config: { replicas: 3 } as never }) },
      );
      assert.equal(bad.failures[0].property, "config.replicas");

      const { inputs } = await host.check(URN, {}, { __provider: text, ...sample() });
      assert.equal(inputs.__provider, text);
      assert.equal(inputs.config.memoryMb, 512);
      assert.match(inputs.codeHash, /^[0-9a-f]{64}$/);

      const created = await host.create(URN, inputs);
      assert.equal(created.id, "process-orders");
      assert.equal(created.properties.status, "running");
      assert.equal(created.properties.url, "https://process-orders-x7k2p9.serverless.e2enetworks.net/");
      assert.equal(created.properties.__provider, text);

      const same = await host.diff(created.id, URN, created.properties, inputs);
      assert.deepEqual(same, { changes: "none", replaces: [], deleteBeforeReplace: false });
      const { inputs: nodeInputs } = await host.check(URN, inputs, {
        __provider: text,
        ...sample({ runtime: "node18" }),
      });
      assert.deepEqual(await host.diff(created.id, URN, created.properties, nodeInputs), {
        changes: "some",
        replaces: ["runtime"],
        deleteBeforeReplace: true,
      });

      const { inputs: bigger } = await host.check(URN, inputs, {
        __provider: text,
        ...sample({ config: { memoryMb: 1024, timeoutSeconds: 30 } }),
      });
      const updated = await host.update(created.id, URN, created.properties, bigger);
      assert.equal(updated.properties.config.memoryMb, 1024);
      assert.equal(updated.properties.url, created.properties.url, "update returns every output");
      assert.equal(emu.functions.get("process-orders")!.memory, 1024);

      const read = await host.read(created.id, URN, updated.properties);
      assert.equal(read.id, "process-orders");
      assert.equal(read.inputs?.config.memoryMb, 1024);
      assert.equal(read.inputs?.__provider, text);
      assert.equal(read.properties.status, "running");

      await host.delete(created.id, URN, updated.properties);
      assert.equal(emu.functions.size, 0);
      const gone = await host.read(created.id, URN, updated.properties);
      assert.equal(gone.id, "", "a 404 on refresh drops the resource");

      assertNoCredential(emu, host.stderr.join(""), "host output");
    } finally {
      await host.stop();
    }
  });

  it("reports a failed deployment to the engine as a partial failure that keeps the function in state", async () => {
    const { text } = await serializeProvider(providers.faasFunction);
    const host = await ProviderHost.start();
    try {
      await host.configure(emu.config);
      const { inputs } = await host.check(
        URN,
        {},
        {
          __provider: text,
          ...sample({ requirements: "does-not-exist-lib\n" }),
        },
      );
      const r = await createWithDetails(host, inputs);
      assert.match(r.message, /deployment failed: Build failed: pip install: No matching distribution/);
      assert.equal(r.id, "process-orders");
      assert.equal(r.properties.status, "failed");
      assert.equal(r.properties.__provider, text, "state keeps the code needed to delete or update it");
      assert.deepEqual(r.reasons, [r.message]);
      assertNoCredential(emu, r.message + host.stderr.join(""), "partial failure");
    } finally {
      await host.stop();
    }
  });

  it("a partial failure of a function with 60 KB of code still reaches the engine (the trailer stays under 64 KiB)", async () => {
    const { text } = await serializeProvider(providers.faasFunction);
    const host = await ProviderHost.start();
    try {
      await host.configure(emu.config);
      const code = `def handle(event, context):\n    return ${JSON.stringify("x".repeat(60_000))}\n`;
      const { inputs } = await host.check(
        URN,
        {},
        { __provider: text, ...sample({ codeInline: code, requirements: "does-not-exist-lib\n" }) },
      );
      const r = await createWithDetails(host, inputs);
      assert.match(r.message, /deployment failed/);
      assert.equal(r.id, "process-orders");
      assert.equal(r.properties.__provider, text);
      assert.equal(r.properties.codeInline, undefined, "the code is not in the partial state, only its hash");
      assert.equal(r.properties.codeHash, inputs.codeHash);
    } finally {
      await host.stop();
    }
  });

  it("takes the connection from E2E_* variables when the stack config has none", async () => {
    const { text } = await serializeProvider(providers.faasFunction);
    const host = await ProviderHost.start({
      env: {
        E2E_API_KEY: emu.opts.apiKey,
        E2E_AUTH_TOKEN: emu.opts.authToken,
        E2E_PROJECT_ID: emu.opts.projectId,
        E2E_BASE_URL: emu.baseUrl,
      },
    });
    try {
      await host.configure({});
      const { inputs } = await host.check(URN, {}, { __provider: text, ...sample() });
      const created = await host.create(URN, inputs);
      assert.equal(created.properties.status, "running");
      assert.equal(emu.requests[0].query.location, "Delhi", "location defaults to Delhi");
    } finally {
      await host.stop();
    }
  });

  it("fails clearly in the host when no connection is configured anywhere", async () => {
    const { text } = await serializeProvider(providers.faasFunction);
    const host = await ProviderHost.start();
    try {
      await host.configure({});
      const { inputs } = await host.check(URN, {}, { __provider: text, ...sample() });
      await assert.rejects(host.create(URN, inputs), /E2E connection is not configured: missing e2e:apiKey/);
      assert.equal(emu.requests.length, 0);
    } finally {
      await host.stop();
    }
  });
});
