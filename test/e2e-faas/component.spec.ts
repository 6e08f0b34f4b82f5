/** The E2eFaas component and the program's e2e wiring, under the suite's mocks; and the e2e config section. */
import { SYSTEMS } from "../../lib/naming";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { E2eFaas, functionNames } from "../../components/e2e";
import { ConfigError, parseConfig } from "../../config";
import { SAMPLE_FUNCTIONS, checkFunctionFiles } from "../../config/e2e";
import { FaasFunction, getRuntimesOutput, readCodeFile } from "../../providers/e2e";
import { E2eEmulator } from "./emulator";
import { sha256 } from "../../providers/e2e/api";
import { installMocks, promiseOf, recorder, settle } from "../harness/mocks";
import { runProgram } from "../harness/program";
import { readStackConfig } from "../harness/stackfile";

const FN_TYPE = "pulumi-nodejs:dynamic/e2e:FaasFunction";
/** Pulumi's signature of a secret value in registered inputs. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** The value inside a registered secret input; fails when the input is not a secret. */
function secretInput(v: unknown): unknown {
  const wrapped = (v ?? {}) as Record<string, unknown>;
  assert.ok(SECRET_SIG in wrapped, "registered as a secret");
  return wrapped.value;
}
const HANDLER = "functions/e2e-process-orders/handler.py";

describe("e2e component under mocks", () => {
  beforeEach(async () => {
    await installMocks("dev");
    pulumi.runtime.setAllConfig(
      {
        "e2e:apiKey": "mock-api-key-9f8e7d6c",
        "e2e:authToken": "mock-auth-token-1a2b3c4d",
        "e2e:projectId": "10000",
      },
      ["e2e:apiKey", "e2e:authToken"],
    );
  });

  it("creates one FaasFunction per declared function, as children, with the file's content and stack names", async () => {
    const c = new E2eFaas("e2e", {
      stack: "dev",
      functions: {
        "process-orders": { ...SAMPLE_FUNCTIONS["process-orders"], secrets: ["db-password"] },
        "ship-orders": {
          runtime: "node18",
          codePath: HANDLER,
          memoryMb: 128,
          physicalName: "ship-orders",
          adopt: true,
        },
      },
    });
    const urls = await promiseOf(c.urls);
    await settle();
    assert.deepEqual(urls, {
      "process-orders": "https://e2e-faas-dev-process-orders-mock00.serverless.e2enetworks.net/",
      "ship-orders": "https://ship-orders-mock00.serverless.e2enetworks.net/",
    });

    const [component] = recorder.ofType("ai-platform:e2e:E2eFaas");
    assert.equal(component.name, "e2e");
    const fns = recorder.ofType(FN_TYPE);
    assert.deepEqual(fns.map((f) => f.name).sort(), ["e2e-process-orders", "e2e-ship-orders"]);
    for (const f of fns) assert.equal(f.parent, component.urn);

    const orders = recorder.byName("e2e-process-orders", FN_TYPE).inputs;
    assert.equal(orders.name, "e2e-faas-dev-process-orders");
    assert.equal(orders.runtime, "python3-http-debian");
    assert.equal(orders.codePath, HANDLER);
    assert.equal(orders.codeFile, fs.readFileSync(HANDLER, "utf8"), "the program reads the handler file");
    assert.deepEqual(orders.config, { memoryMb: 256, timeoutSeconds: 30 });
    assert.deepEqual(secretInput(orders.environment), { MAX_ORDERS: "100" });
    assert.deepEqual(orders.secrets, ["db-password"]);
    assert.equal(orders.existingId, undefined);

    const ship = recorder.byName("e2e-ship-orders", FN_TYPE).inputs;
    assert.equal(ship.name, "ship-orders");
    assert.equal(ship.existingId, "ship-orders", "adopt: the live function of that name");

    for (const f of fns) {
      const text = String(f.inputs.__provider);
      assert.ok(text.includes("exports.handler"), "the serialized provider is an input");
      for (const secret of ["mock-api-key-9f8e7d6c", "mock-auth-token-1a2b3c4d"])
        assert.ok(!text.includes(secret));
      assert.ok(!("apiKey" in f.inputs) && !("authToken" in f.inputs), "no credential among the inputs");
    }
  });

  it("passes a function's environment as a secret and keeps the environment output secret", async () => {
    const c = new E2eFaas("e2e", {
      stack: "dev",
      functions: {
        "process-orders": { ...SAMPLE_FUNCTIONS["process-orders"], environment: { MAX_ORDERS: "100" } },
      },
    });
    await promiseOf(c.urls);
    await settle();
    const orders = recorder.byName("e2e-process-orders", FN_TYPE);
    assert.deepEqual(secretInput(orders.inputs.environment), { MAX_ORDERS: "100" }, "a secret input");
    assert.deepEqual(orders.additionalSecretOutputs, ["environment"], "a secret output in state");
    const fn = c.functions["process-orders"];
    assert.equal(await pulumi.isSecret(fn.environment), true);
    assert.deepEqual(await promiseOf(fn.environment), { MAX_ORDERS: "100" });
    assert.equal(await pulumi.isSecret(fn.url), false, "the URL stays readable");

    // A FaasFunction used directly, with a plain environment: the engine still stores the output as a secret
    // (additionalSecretOutputs; the mock monitor records the option but does not apply it).
    new FaasFunction("direct", {
      name: "direct",
      runtime: "python3-http-debian",
      codeInline: "x = 1",
      environment: { MODE: "plain" },
    });
    await settle();
    assert.deepEqual(recorder.byName("direct", FN_TYPE).additionalSecretOutputs, ["environment"]);
  });

  it("exposes typed outputs on FaasFunction (declare readonly, not class fields)", async () => {
    const fn = new FaasFunction("orders", {
      name: "orders",
      runtime: "python3-http-debian",
      codeInline: "x = 1",
    });
    assert.equal(await promiseOf(fn.url), "https://orders-mock00.serverless.e2enetworks.net/");
    assert.equal(await promiseOf(fn.status), "running");
    assert.equal(await promiseOf(fn.name), "orders");
  });

  it("fails with the resource and the file when a codePath cannot be read", () => {
    // FaasFunction reads codePath with this function inside an apply, so the program fails with its message.
    assert.throws(
      () => readCodeFile("ghost", "functions/nope/handler.js"),
      /^Error: FaasFunction "ghost": codePath "functions\/nope\/handler.js" cannot be read \(ENOENT\)$/,
    );
    assert.equal(readCodeFile("orders", HANDLER), fs.readFileSync(HANDLER, "utf8"));
  });

  it("looks up runtimes as an Output (getRuntimesOutput) with the stack's e2e config", async () => {
    const emu = await E2eEmulator.start();
    try {
      pulumi.runtime.setAllConfig({ ...emu.config }, ["e2e:apiKey", "e2e:authToken"]);
      const gpu = await promiseOf(getRuntimesOutput({ hardware: pulumi.output("gpu") }));
      assert.deepEqual(
        gpu.map((r) => r.id),
        ["python3-http-cuda"],
      );
      assert.equal(emu.requests[0].query.apikey, emu.opts.apiKey);
    } finally {
      await emu.close();
    }
  });

  it("names functions e2e-faas-<stack>-<key> and refuses names E2E would reject", () => {
    assert.deepEqual(functionNames("prod", ["process-orders"]), {
      "process-orders": "e2e-faas-prod-process-orders",
    });
    assert.throws(
      () => functionNames("dev", ["a-very-long-function-key-for-e2e"]),
      /ai-platform:e2eFunctions.a-very-long-function-key-for-e2e: function name "e2e-faas-dev-a-very-long-function-key-for-e2e" breaks E2E's name rule/,
    );
    assert.throws(
      () => functionNames("dev", ["a", "b"], { a: "same", b: "same" }),
      /a and b both name the function "same"/,
    );
  });
});

describe("e2e in the program", () => {
  it("dev deploys the process-orders sample by default and exports its URL", async () => {
    const run = await runProgram("dev");
    assert.deepEqual(run.outputs.e2eFunctionUrls, {
      "process-orders": "https://e2e-faas-dev-process-orders-mock00.serverless.e2enetworks.net/",
    });
    const fn = run.resources.find((r) => r.type === FN_TYPE)!;
    assert.equal(fn.inputs.name, "e2e-faas-dev-process-orders");
    assert.deepEqual(fn.inputs.config, { memoryMb: 256, timeoutSeconds: 30 });
    assert.equal(sha256(fn.inputs.codeFile), sha256(fs.readFileSync(HANDLER, "utf8")));
    assert.ok(
      run.resources
        .filter((r) => r.urn.includes("::ai-platform:e2e:"))
        .every((r) => !r.type.startsWith("aws:")),
      "E2E FaaS creates no AWS resource",
    );
  });

  it("stage and prod size the same function differently", async () => {
    const sizes: Record<string, unknown> = {};
    for (const stack of ["stage", "prod"]) {
      const run = await runProgram(stack);
      const fn = run.resources.find((r) => r.type === FN_TYPE)!;
      sizes[stack] = { name: fn.inputs.name, ...fn.inputs.config, env: secretInput(fn.inputs.environment) };
    }
    assert.deepEqual(sizes, {
      stage: {
        name: "e2e-faas-stage-process-orders",
        memoryMb: 512,
        timeoutSeconds: 30,
        env: { MAX_ORDERS: "500" },
      },
      prod: {
        name: "e2e-faas-prod-process-orders",
        memoryMb: 1024,
        timeoutSeconds: 60,
        env: { MAX_ORDERS: "1000" },
      },
    });
  });

  it("fails before registering anything on a bad function setting", async () => {
    await assert.rejects(
      runProgram("dev", {
        overrides: {
          "ai-platform:e2eFunctions": JSON.stringify({
            "process-orders": { runtime: "python3-http-debian", codePath: HANDLER, replicas: 3 },
          }),
        },
      }),
      (e: Error) => {
        assert.ok(e instanceof ConfigError);
        assert.match(
          e.message,
          /ai-platform:e2eFunctions.process-orders.replicas: got 3 \(rule: not settable/,
        );
        return true;
      },
    );
  });
});

describe("e2e config section", () => {
  const base = { "aws:region": "us-east-1", "ai-platform:systems": '["e2e"]' };
  const opts = {
    stack: "dev",
    implemented: SYSTEMS,
    secretKeys: new Set(["e2e:apiKey", "e2e:authToken"]),
  };
  const issuesOf = (raw: Record<string, string>, secretKeys = opts.secretKeys) => {
    try {
      parseConfig({ ...base, ...raw }, { ...opts, secretKeys });
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      return e.issues;
    }
    return [];
  };

  it("parses every committed stack file with e2e enabled", () => {
    for (const stack of ["dev", "stage", "prod"]) {
      const { config, secretKeys } = readStackConfig(stack);
      const cfg = parseConfig(config, { stack, implemented: SYSTEMS, secretKeys: new Set(secretKeys) });
      assert.ok(cfg.e2e, stack);
      assert.ok(cfg.e2e.e2eFunctions["process-orders"], stack);
      assert.equal(cfg.e2e.location, "Delhi");
    }
  });

  it("defaults to the process-orders sample, Delhi and the MyAccount API root", () => {
    const cfg = parseConfig(base, opts);
    assert.deepEqual(cfg.e2e!.e2eFunctions, SAMPLE_FUNCTIONS);
    assert.equal(cfg.e2e!.baseUrl, "https://api.e2enetworks.com/myaccount/api/v1/");
    assert.equal(cfg.e2e!.apiKey, undefined, "the provider then falls back to E2E_API_KEY");
  });

  it("hands credentials out as secrets and refuses them in plaintext, without showing them", async () => {
    const cfg = parseConfig(
      { ...base, "e2e:apiKey": "key-0123456789", "e2e:authToken": "tok-0123456789" },
      opts,
    );
    assert.equal(await pulumi.isSecret(cfg.e2e!.apiKey!), true);
    const issues = issuesOf({ "e2e:apiKey": "plain-key-0123456789" }, new Set());
    assert.deepEqual(issues, [
      {
        key: "e2e:apiKey",
        problem: "is stored in plaintext in the stack file",
        rule: 'a secret; set it with "pulumi config set --secret e2e:apiKey <value>"',
      },
    ]);
    assert.ok(!JSON.stringify(issues).includes("plain-key-0123456789"));
  });

  it("names the key and the rule for bad connection settings and functions", () => {
    const issues = issuesOf({
      "e2e:projectId": "my-project",
      "e2e:baseUrl": "http://api.e2enetworks.com/myaccount/api/v1/",
      "ai-platform:e2eFunctions": JSON.stringify({
        "process-orders": {
          runtime: "Python 3",
          codePath: HANDLER,
          memoryMb: 2048,
          timeoutSeconds: 900,
          hardware: "tpu",
          environment: { PORT: "8080", "bad-name": "x" },
          secrets: ["Bad_Secret"],
          physicalName: "1-bad",
          tags: {},
        },
      }),
    });
    const keys = issues.map((i) => i.key);
    assert.deepEqual(
      new Set(keys),
      new Set([
        "e2e:projectId",
        "e2e:baseUrl",
        "ai-platform:e2eFunctions.process-orders.runtime",
        "ai-platform:e2eFunctions.process-orders.memoryMb",
        "ai-platform:e2eFunctions.process-orders.timeoutSeconds",
        "ai-platform:e2eFunctions.process-orders.hardware",
        "ai-platform:e2eFunctions.process-orders.secrets[0]",
        "ai-platform:e2eFunctions.process-orders.physicalName",
        "ai-platform:e2eFunctions.process-orders",
        "ai-platform:e2eFunctions.process-orders.environment.PORT",
        "ai-platform:e2eFunctions.process-orders.environment.bad-name",
      ]),
    );
    assert.equal(keys.length, 11);
    const rule = (k: string) => issues.find((i) => i.key === k)!.rule;
    assert.match(rule("e2e:baseUrl"), /https/);
    assert.match(rule("ai-platform:e2eFunctions.process-orders.memoryMb"), /one of 128, 256, 512, 1024/);
    assert.match(rule("ai-platform:e2eFunctions.process-orders.environment.PORT"), /reserved/);
    assert.match(rule("ai-platform:e2eFunctions.process-orders"), /tags/);
  });

  it("checks that code and requirements files exist", () => {
    assert.deepEqual(checkFunctionFiles(SAMPLE_FUNCTIONS), []);
    const [issue] = checkFunctionFiles({
      f: { runtime: "node18", codePath: "functions/missing/handler.js" },
    });
    assert.deepEqual(issue, {
      key: "ai-platform:e2eFunctions.f.codePath",
      problem: '"functions/missing/handler.js" is not a file',
      rule: "a file path relative to the project directory",
    });
  });
});
