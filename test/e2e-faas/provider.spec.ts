/**
 * Layer 1: the E2E FaaS provider driven directly (check, diff, create, read, update, delete) against the
 * loopback emulator of the real API.
 */
import * as assert from "node:assert/strict";
import { CheckedInputs, FaasFunctionInputs, FaasFunctionOutputs, sha256 } from "../../providers/e2e/api";
import { getRuntimes, providers } from "../../providers/e2e";
import { FunctionInitError } from "../../providers/e2e/provider";
import { E2eEmulator } from "./emulator";
import { FAST, assertNoCredential, configureRequest, isolateEnv, sample } from "./helpers";

const p = providers.faasFunction;

async function checked(inputs: FaasFunctionInputs): Promise<CheckedInputs> {
  const r = await p.check({}, inputs);
  assert.deepEqual(r.failures, []);
  return r.inputs as CheckedInputs;
}

async function created(inputs: FaasFunctionInputs) {
  return p.create(await checked(inputs));
}

describe("e2e provider: direct calls against the emulator", function () {
  this.timeout(20_000);
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

  describe("create", () => {
    it("POSTs the CLI's body, waits for running and returns the invoke URL", async () => {
      const { id, outs } = await created(
        sample({ secrets: ["db-password"], requirements: "requests==2.32.3" }),
      );
      assert.equal(id, "process-orders");
      assert.equal(outs.url, "https://process-orders-x7k2p9.serverless.e2enetworks.net/");
      assert.equal(outs.status, "running");
      assert.equal(outs.projectId, "12345");
      assert.equal(outs.location, "Delhi");
      assert.equal(outs.codeHash, sha256(sample().codeInline!));
      assert.deepEqual(outs.config, { memoryMb: 512, timeoutSeconds: 30, hardware: "cpu" });

      // python3-http-debian is in the runtime table: no runtimes lookup before the POST.
      const [post, ...polls] = emu.requests;
      assert.equal(`${post.method} ${post.path}`, "POST faas/functions/");
      assert.deepEqual(post.body, {
        function: "process-orders",
        runtime: "python3-http-debian",
        arguments: {},
        code: sample().codeInline,
        memory: 512,
        timeout: 30,
        params: {},
        requirements: "requests==2.32.3",
        environment_variables: { MAX_ORDERS: "100" },
        secrets: ["db-password"],
        node_type: "cpu",
      });
      assert.ok(polls.length >= 2, "polled through Creating and Deploying");
      for (const r of polls) assert.equal(`${r.method} ${r.path}`, "GET faas/function/process-orders/");
      for (const r of emu.requests) {
        assert.equal(r.authorization, `Bearer ${emu.opts.authToken}`);
        assert.deepEqual(r.query, { apikey: emu.opts.apiKey, project_id: "12345", location: "Delhi" });
      }
    });

    it("fails a failed deployment with the API's reason and leaves the function recorded", async () => {
      const inputs = await checked(sample({ requirements: "does-not-exist-pkg==1.0\n" }));
      const withProvider = { ...inputs, __provider: "serialized-provider-text" };
      await assert.rejects(p.create(withProvider), (e: FunctionInitError) => {
        assert.equal(e.id, "process-orders", "the id makes the engine record the resource");
        assert.match(
          e.message,
          /^creating function "process-orders": deployment failed: Build failed: pip install: No matching distribution found for does-not-exist-pkg$/,
        );
        assert.equal(e.properties.status, "failed");
        assert.equal(e.properties.url, "https://process-orders-x7k2p9.serverless.e2enetworks.net/");
        assert.equal(e.properties.__provider, "serialized-provider-text", "state keeps the provider code");
        assert.equal(e.properties.projectId, "12345");
        assert.deepEqual(e.reasons, [e.message]);
        return true;
      });
      assert.ok(emu.functions.has("process-orders"), "the function exists on the API");
    });

    it("recovers from the failure on the next up: the update redeploys the fixed function", async () => {
      const bad = await checked(sample({ requirements: "does-not-exist-pkg\n" }));
      const err = (await p.create(bad).catch((e) => e)) as FunctionInitError;
      const fixed = await checked(sample({ requirements: "requests\n" }));
      const diff = await p.diff(err.id, err.properties as unknown as FaasFunctionOutputs, fixed);
      assert.deepEqual(diff, { changes: true, replaces: [], deleteBeforeReplace: false });
      const { outs } = await p.update(err.id, err.properties as unknown as FaasFunctionOutputs, fixed);
      assert.equal(outs.status, "running");
      assert.equal(emu.functions.get("process-orders")!.requirements, "requests\n");
    });

    it("redeploys a failed function on the next up even when nothing changed (a transient build failure)", async () => {
      let attempts = 0;
      const flaky = await E2eEmulator.start({
        failWhen: () => (++attempts === 1 ? "Build failed: registry timeout" : undefined),
      });
      try {
        await p.configure(configureRequest(flaky.config));
        const inputs = await checked(sample());
        const err = (await p.create(inputs).catch((e) => e)) as FunctionInitError;
        assert.match(err.message, /registry timeout/);
        const olds = err.properties as unknown as FaasFunctionOutputs;
        assert.deepEqual(await p.diff(err.id, olds, inputs), {
          changes: true,
          replaces: [],
          deleteBeforeReplace: false,
        });
        const { outs } = await p.update(err.id, olds, inputs);
        assert.equal(outs.status, "running");
        assert.equal(flaky.count("PUT"), 1);
      } finally {
        await flaky.close();
      }
    });

    it("gives up at the create timeout with the last status, still recording the function", async () => {
      const slow = await E2eEmulator.start({ deployingMs: 60_000 });
      try {
        await p.configure(configureRequest(slow.config));
        const started = Date.now();
        await assert.rejects(
          created(sample({ timeouts: { ...FAST, create: "150ms" } })),
          (e: FunctionInitError) => {
            assert.equal(e.id, "process-orders");
            assert.match(e.message, /did not become running within 150 ms \(last status: deploying\)/);
            return true;
          },
        );
        assert.ok(Date.now() - started < 2_000, "bounded by the timeout");
      } finally {
        await slow.close();
      }
    });

    it("after a create timeout, the next up waits for the function instead of redeploying it", async () => {
      const slow = await E2eEmulator.start({ creatingMs: 50, deployingMs: 250 });
      try {
        await p.configure(configureRequest(slow.config));
        const inputs = await checked(sample({ timeouts: { ...FAST, create: "60ms" } }));
        const err = (await p.create(inputs).catch((e) => e)) as FunctionInitError;
        assert.match(err.message, /did not become running within 60 ms/);
        const olds = err.properties as unknown as FaasFunctionOutputs;
        assert.ok(["creating", "deploying"].includes(olds.status), olds.status);
        assert.equal(
          (await p.diff(err.id, olds, inputs)).changes,
          true,
          "not known to be running: look again",
        );
        const { outs } = await p.update(err.id, olds, inputs);
        assert.equal(outs.status, "running");
        assert.equal(outs.url, "https://process-orders-x7k2p9.serverless.e2enetworks.net/");
        assert.equal(slow.count("PUT"), 0, "nothing to redeploy");
        assert.equal((await p.diff(err.id, outs, inputs)).changes, false);
      } finally {
        await slow.close();
      }
    });

    it("retries 429 (honouring Retry-After) and 502/503, and counts each attempt", async () => {
      emu.inject(
        { status: 429, retryAfter: "0.02", match: (m) => m === "POST" },
        { status: 503, match: (m) => m === "POST" },
        { status: 502, match: (m) => m === "GET" },
      );
      const { outs } = await created(sample());
      assert.equal(outs.status, "running");
      assert.equal(emu.count("POST"), 3, "429, 503, then created");
      assert.equal(emu.functions.size, 1);
    });

    it("fails on HTTP 200 with code 400, showing the API's message and errors and no credential", async () => {
      emu.seed({ name: "process-orders", runtime: "python3-http-debian" });
      await assert.rejects(created(sample()), (e: Error) => {
        assert.equal(
          e.message,
          'creating function "process-orders": a function of this name already exists in project 12345 (Delhi) and Pulumi did not create it; set existingId: "process-orders" to adopt it, or choose another name',
        );
        assertNoCredential(emu, e.message + e.stack, "error");
        return true;
      });
      emu.reset();
      emu.inject({ status: 400, inEnvelope: true, message: "Quota exceeded", match: (m) => m === "POST" });
      await assert.rejects(created(sample()), /API error 400: Quota exceeded/);
      assert.equal(emu.functions.size, 0);
    });

    it("checks runtime and hardware against the API's runtimes before creating anything", async () => {
      const r = await p.check({}, sample({ runtime: "python3-http-cuda" }));
      assert.match(r.failures[0].reason, /"cpu" does not match runtime python3-http-cuda, which runs on gpu/);
      await assert.rejects(
        created(sample({ runtime: "cobol85" })),
        /runtime "cobol85" is not offered by the API/,
      );
      assert.equal(emu.count("POST"), 0);
      const { outs } = await created(
        sample({ name: "gpu-fn", runtime: "python3-http-cuda", config: { hardware: "gpu" } }),
      );
      assert.equal(outs.config.hardware, "gpu");
    });

    it("fails without credentials before any request, naming the settings", async () => {
      await p.configure(configureRequest({ "e2e:baseUrl": emu.baseUrl }));
      await assert.rejects(created(sample()), /E2E connection is not configured: missing e2e:apiKey/);
      assert.equal(emu.requests.length, 0);
    });

    it("reports wrong credentials without echoing them", async () => {
      await p.configure(configureRequest({ ...emu.config, "e2e:authToken": "wrong-token-0123456789" }));
      await assert.rejects(created(sample()), (e: Error) => {
        assert.match(e.message, /API error 401: Authentication credentials were not provided or are invalid/);
        assert.ok(!e.message.includes("wrong-token-0123456789"));
        return true;
      });
    });

    it("never shows the apikey query parameter when the API cannot be reached", async () => {
      const dead = await E2eEmulator.start();
      const url = dead.baseUrl;
      await dead.close();
      await p.configure(configureRequest({ ...emu.config, "e2e:baseUrl": url }));
      const logs: string[] = [];
      await assert.rejects(created(sample()), (e: Error) => {
        logs.push(e.message, String(e.stack));
        assert.match(e.message, /no answer \(ECONNREFUSED\)/);
        assert.match(e.message, /apikey=\*\*\*/);
        return true;
      });
      assertNoCredential(emu, logs.join("\n"), "network error");
    });
  });

  describe("failures after the function exists", () => {
    it("records the function when status polls keep failing after the POST", async () => {
      for (let i = 0; i < 5; i++)
        emu.inject({
          status: 503,
          retryAfter: "0.01",
          match: (m, path) => m === "GET" && path.startsWith("faas/function/"),
        });
      await assert.rejects(created(sample()), (e: FunctionInitError) => {
        assert.equal(e.id, "process-orders");
        assert.match(e.message, /^creating function "process-orders": API error 503: Service unavailable$/);
        return true;
      });
    });

    it("refuses an answer without the {code, data, errors, message} envelope", async () => {
      emu.inject({ status: 200, rawBody: '{"functions": [], "total": 0}', match: (m) => m === "GET" });
      await assert.rejects(
        created(sample({ runtime: "python3-flask" })),
        /creating function "process-orders" \(listing runtimes\): E2E GET faas\/runtimes\/: the API answered without its \{code, data, errors, message\} envelope/,
      );
    });

    it("treats HTTP 200 with code 400 saying 'does not exist' as gone on read", async () => {
      const { id, outs } = await created(sample());
      emu.inject({ status: 400, inEnvelope: true, message: "Function process-orders does not exist." });
      assert.deepEqual(await p.read(id, outs), {});
    });

    it("fails an update of a function deleted behind Pulumi's back with the API's 404", async () => {
      const { id, outs } = await created(sample());
      emu.functions.delete(id);
      await assert.rejects(
        p.update(id, outs, await checked(sample({ config: { memoryMb: 1024, timeoutSeconds: 30 } }))),
        /updating function "process-orders" \(config.memoryMb\): API error 404: Function process-orders not found/,
      );
    });

    it("fails a delete the API refuses, keeping the resource", async () => {
      const { id, outs } = await created(sample());
      emu.inject({
        status: 403,
        inEnvelope: true,
        message: "Function is locked.",
        match: (m) => m === "DELETE",
      });
      await assert.rejects(
        p.delete(id, outs),
        /^Error: deleting function "process-orders": API error 403: Function is locked\.$/,
      );
      assert.ok(emu.functions.has(id));
    });
  });

  describe("adoption (existingId)", () => {
    it("waits for a deploying function before redeploying it, and checks its hardware", async () => {
      emu.seed({ name: "process-orders", runtime: "python3-http-debian", deployStarted: Date.now() });
      const { outs } = await created(sample({ existingId: "process-orders" }));
      assert.equal(outs.status, "running");
      const put = emu.requests.findIndex((r) => r.method === "PUT");
      assert.ok(put > 1, "polled before the PUT");
      emu.reset();
      emu.seed({ name: "process-orders", runtime: "python3-http-debian", node_type: "gpu" });
      await assert.rejects(
        created(sample({ existingId: "process-orders" })),
        /existingId: function "process-orders": it runs on gpu, not cpu/,
      );
    });

    it("adopts a live function by name: no POST, redeployed with the declared settings", async () => {
      emu.seed({ name: "process-orders", runtime: "python3-http-debian", memory: 256 });
      const { id, outs } = await created(sample({ existingId: "process-orders" }));
      assert.equal(id, "process-orders");
      assert.equal(outs.status, "running");
      assert.equal(emu.count("POST"), 0);
      assert.equal(emu.count("PUT", "faas/handler_file/process-orders/"), 1);
      assert.equal(emu.functions.get("process-orders")!.memory, 512);
      assert.equal(emu.functions.get("process-orders")!.code, sample().codeInline);
    });

    it("refuses to adopt a missing function or one on another runtime", async () => {
      await assert.rejects(
        created(sample({ existingId: "process-orders" })),
        /existingId: there is no function "process-orders" in project 12345 \(Delhi\) to adopt/,
      );
      emu.seed({ name: "process-orders", runtime: "node18" });
      await assert.rejects(
        created(sample({ existingId: "process-orders" })),
        /existingId: function "process-orders": it runs runtime node18, not python3-http-debian/,
      );
      assert.equal(emu.count("PUT"), 0);
    });
  });

  describe("read", () => {
    it("returns props and inputs with live values (drift shows in the next diff)", async () => {
      const { id, outs } = await created(sample());
      emu.functions.get(id)!.memory = 1024;
      const r = await p.read(id, outs);
      assert.equal(r.id, id);
      assert.equal(r.props!.config.memoryMb, 1024);
      assert.equal(r.props!.url, outs.url);
      assert.equal(r.inputs!.config!.memoryMb, 1024);
      assert.equal(r.inputs!.codeInline, sample().codeInline);
      assert.ok(!("url" in r.inputs!));
      const diff = await p.diff(id, r.props as FaasFunctionOutputs, await checked(sample()));
      assert.equal(diff.changes, true);
    });

    it("keeps recorded values for fields the API leaves out", async () => {
      const sparse = await E2eEmulator.start({ sparseGet: true });
      try {
        await p.configure(configureRequest(sparse.config));
        const { id, outs } = await created(sample());
        const r = await p.read(id, outs);
        assert.deepEqual(r.props!.config, outs.config);
        assert.deepEqual(r.props!.environment, outs.environment);
      } finally {
        await sparse.close();
      }
    });

    it("treats a 404 (HTTP or in the envelope) as gone", async () => {
      const { id, outs } = await created(sample());
      emu.functions.delete(id);
      assert.deepEqual(await p.read(id, outs), {});
      const env404 = await E2eEmulator.start({ notFound: "envelope" });
      try {
        await p.configure(configureRequest(env404.config));
        assert.deepEqual(await p.read(id, outs), {});
        assert.equal(env404.requests[0].answered, 404);
      } finally {
        await env404.close();
      }
    });

    it("uses the project and location recorded at create", async () => {
      const { id, outs } = await created(sample());
      await p.configure(configureRequest({ ...emu.config, "e2e:projectId": "99999" }));
      emu.requests.length = 0;
      const r = await p.read(id, outs);
      assert.equal(r.id, id);
      assert.equal(emu.requests[0].query.project_id, "12345");
    });
  });

  describe("diff", () => {
    it("is empty for the same inputs, whatever __provider says", async () => {
      const { outs } = await created(sample());
      const news = { ...(await checked(sample())), __provider: "new code" };
      assert.deepEqual(await p.diff("process-orders", { ...outs, __provider: "old code" } as never, news), {
        changes: false,
        replaces: [],
        deleteBeforeReplace: false,
      });
    });

    it("replaces on runtime or hardware (delete first: names are unique) and on name (create first)", async () => {
      const { outs } = await created(sample());
      assert.deepEqual(await p.diff("process-orders", outs, await checked(sample({ runtime: "node18" }))), {
        changes: true,
        replaces: ["runtime"],
        deleteBeforeReplace: true,
      });
      assert.deepEqual(
        await p.diff(
          "process-orders",
          outs,
          await checked(
            sample({
              runtime: "python3-http-cuda",
              config: { memoryMb: 512, timeoutSeconds: 30, hardware: "gpu" },
            }),
          ),
        ),
        { changes: true, replaces: ["runtime", "config"], deleteBeforeReplace: true },
      );
      assert.deepEqual(await p.diff("process-orders", outs, await checked(sample({ name: "orders-v2" }))), {
        changes: true,
        replaces: ["name"],
        deleteBeforeReplace: false,
      });
    });
  });

  describe("update", () => {
    it("PUTs the full settings to handler_file, waits for running and returns every output", async () => {
      const { id, outs } = await created(sample());
      emu.requests.length = 0;
      const news = await checked(
        sample({
          codeInline: "def handle(e, c):\n    return 'v2'\n",
          config: { memoryMb: 1024, timeoutSeconds: 60 },
        }),
      );
      const r = await p.update(id, outs, news);
      const put = emu.requests.find((q) => q.method === "PUT")!;
      assert.equal(put.path, "faas/handler_file/process-orders/");
      assert.deepEqual(put.body, {
        code: "def handle(e, c):\n    return 'v2'\n",
        params: {},
        requirements: "",
        environment_variables: { MAX_ORDERS: "100" },
        secrets: [],
        memory: 1024,
        timeout: 60,
      });
      assert.equal(r.outs.status, "running");
      assert.equal(r.outs.url, outs.url);
      assert.equal(r.outs.codeHash, sha256("def handle(e, c):\n    return 'v2'\n"));
      assert.equal(r.outs.config.memoryMb, 1024);
      assert.equal(r.outs.projectId, "12345");
      assert.ok(emu.count("GET") >= 1, "waited for the redeploy");
    });

    it("sends nothing when only Pulumi-side settings changed", async () => {
      const { id, outs } = await created(sample());
      emu.requests.length = 0;
      const r = await p.update(id, outs, await checked(sample({ timeouts: { ...FAST, create: "20m" } })));
      assert.equal(emu.requests.length, 0);
      assert.equal(r.outs.url, outs.url);
      assert.equal(r.outs.timeouts!.create, "20m");
    });

    it("fails a failed redeploy with the reason, recording the new settings", async () => {
      const { id, outs } = await created(sample());
      const news = { ...(await checked(sample({ requirements: "does-not-exist-x\n" }))), __provider: "p" };
      await assert.rejects(p.update(id, outs, news), (e: FunctionInitError) => {
        assert.equal(e.id, id);
        assert.match(e.message, /^updating function "process-orders": deployment failed: Build failed/);
        assert.equal(e.properties.requirements, "does-not-exist-x\n");
        assert.equal(e.properties.status, "failed");
        assert.equal(e.properties.url, outs.url);
        return true;
      });
    });

    it("surfaces the API's refusal to edit a function that is still deploying", async () => {
      const { id, outs } = await created(sample());
      emu.functions.get(id)!.deployStarted = Date.now();
      await assert.rejects(
        p.update(id, outs, await checked(sample({ config: { memoryMb: 256, timeoutSeconds: 30 } }))),
        /updating function "process-orders" \(config.memoryMb\): API error 400: Function process-orders is creating; it can be edited once it is Running or Failed/,
      );
    });
  });

  describe("delete", () => {
    it("DELETEs by name with the CLI's body, then waits until the function is gone", async () => {
      const { id, outs } = await created(sample());
      emu.requests.length = 0;
      await p.delete(id, outs);
      assert.equal(emu.functions.has(id), false);
      const [del, ...polls] = emu.requests;
      assert.equal(`${del.method} ${del.path}`, "DELETE faas/function/process-orders/");
      assert.deepEqual(del.body, { function: "process-orders" });
      assert.ok(polls.length >= 1);
      assert.equal(polls[polls.length - 1].answered, 404);
    });

    it("treats an already-deleted function as success, without waiting", async () => {
      const { id, outs } = await created(sample());
      emu.functions.delete(id);
      emu.requests.length = 0;
      await p.delete(id, outs);
      assert.equal(emu.requests.length, 1);
    });

    it("fails when the function outlives the delete timeout", async () => {
      const sticky = await E2eEmulator.start({ deletingMs: 60_000 });
      try {
        await p.configure(configureRequest(sticky.config));
        const { id, outs } = await created(sample({ timeouts: { ...FAST, delete: "100ms" } }));
        await assert.rejects(
          p.delete(id, outs),
          /deleting function "process-orders": function "process-orders" still exists 100 ms after its deletion \(status: deleting\)/,
        );
      } finally {
        await sticky.close();
      }
    });
  });

  describe("getRuntimes", () => {
    it("lists the runtimes with the program's connection (environment here), filtered by hardware", async () => {
      process.env.E2E_API_KEY = emu.opts.apiKey;
      process.env.E2E_AUTH_TOKEN = emu.opts.authToken;
      process.env.E2E_PROJECT_ID = emu.opts.projectId;
      process.env.E2E_BASE_URL = emu.baseUrl;
      try {
        const all = await getRuntimes();
        assert.deepEqual(
          all.map((r) => [r.id, r.hardware, r.handlerFile]),
          [
            ["python3-http-debian", "cpu", "handler.py"],
            ["node18", "cpu", "handler.js"],
            ["python3-http-cuda", "gpu", "handler.py"],
          ],
        );
        assert.deepEqual(
          (await getRuntimes({ hardware: "gpu" })).map((r) => r.id),
          ["python3-http-cuda"],
        );
        assert.match(all[0].template, /def handle/);
        process.env.E2E_AUTH_TOKEN = "bad-token-000000";
        await assert.rejects(getRuntimes(), /^Error: getRuntimes: API error 401/);
      } finally {
        for (const k of ["E2E_API_KEY", "E2E_AUTH_TOKEN", "E2E_PROJECT_ID", "E2E_BASE_URL"])
          delete process.env[k];
      }
    });
  });
});
