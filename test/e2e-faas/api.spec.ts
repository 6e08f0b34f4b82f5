import * as assert from "node:assert/strict";
import {
  CheckedInputs,
  FaasFunctionInputs,
  UNKNOWN,
  baseUrlProblem,
  checkInputs,
  classifyStatus,
  createBody,
  diffFunction,
  envelopeStatus,
  failureReason,
  formatDuration,
  handlerFileFor,
  inputsOf,
  mapRuntimes,
  mergeLive,
  nextPollDelay,
  parseDuration,
  pollsUntil,
  readEnvelope,
  resolveConnection,
  runtimeProblem,
  sha256,
  timeoutsOf,
  updateBody,
} from "../../providers/e2e/api";
import { RUNTIMES } from "./emulator";

const base: FaasFunctionInputs = {
  name: "process-orders",
  runtime: "python3-http-debian",
  codeInline: "def handle(event, context):\n    return 'ok'\n",
};

function checked(over: Partial<FaasFunctionInputs> = {}): CheckedInputs {
  const r = checkInputs({ ...base, ...over });
  assert.deepEqual(r.failures, []);
  return r.inputs!;
}

function failuresOf(over: Partial<FaasFunctionInputs> & Record<string, unknown>) {
  return checkInputs({ ...base, ...over } as FaasFunctionInputs).failures;
}

describe("e2e api: validation (check)", () => {
  it("fills the defaults the CLI uses and hashes the code", () => {
    const c = checked();
    assert.deepEqual(c.config, { memoryMb: 512, timeoutSeconds: 15, hardware: "cpu" });
    assert.equal(c.requirements, "");
    assert.deepEqual(c.environment, {});
    assert.deepEqual(c.secrets, []);
    assert.equal(c.codeHash, sha256(base.codeInline!));
  });

  it("applies the documented name rule (1-40 characters, starts with a letter)", () => {
    for (const ok of ["a", "process-orders", "f1", "a".repeat(40)])
      assert.deepEqual(failuresOf({ name: ok }), []);
    for (const bad of ["", "1abc", "-abc", "abc-", "Abc", "a_b", "a".repeat(41), "123"]) {
      const [f] = failuresOf({ name: bad });
      assert.equal(f.property, "name", bad);
      assert.match(f.reason, /1-40 lowercase letters, digits and hyphens, starting with a letter/);
    }
  });

  it("requires exactly one of codeInline and codePath", () => {
    assert.deepEqual(failuresOf({ codeInline: undefined }), [
      {
        property: "codeInline",
        reason: "set exactly one of codeInline (the handler source) or codePath (a file with it)",
      },
    ]);
    assert.deepEqual(failuresOf({ codePath: "a.py", codeFile: "x" }), [
      { property: "codePath", reason: "set exactly one of codeInline or codePath, not both" },
    ]);
    assert.equal(failuresOf({ codeInline: "  " })[0].reason, "must be the non-empty handler source");
    const [unread] = failuresOf({ codeInline: undefined, codePath: "h.py" });
    assert.match(unread.reason, /was not read by the program/);
    const c = checked({ codeInline: undefined, codePath: "h.py", codeFile: "print(1)" });
    assert.equal(c.codeHash, sha256("print(1)"));
  });

  it("checks memory, timeout and hardware against the API's limits", () => {
    assert.deepEqual(
      failuresOf({ config: { memoryMb: 300, timeoutSeconds: 601, hardware: "tpu" as never } }),
      [
        { property: "config.memoryMb", reason: "300 is not allowed: one of 128, 256, 512, 1024 (MB)" },
        { property: "config.timeoutSeconds", reason: "601 is not a whole number of seconds from 1 to 600" },
        { property: "config.hardware", reason: '"tpu" is not "cpu" or "gpu"' },
      ],
    );
    assert.equal(failuresOf({ config: { timeoutSeconds: 0 } })[0].property, "config.timeoutSeconds");
    assert.equal(failuresOf({ config: { timeoutSeconds: 1.5 } })[0].property, "config.timeoutSeconds");
    assert.deepEqual(
      checked({
        runtime: "python3-http-cuda",
        config: { memoryMb: 1024, timeoutSeconds: 600, hardware: "gpu" },
      }).config,
      {
        memoryMb: 1024,
        timeoutSeconds: 600,
        hardware: "gpu",
      },
    );
    assert.deepEqual(failuresOf({ runtime: "python3-http-debian", config: { hardware: "gpu" } }), [
      {
        property: "config.hardware",
        reason:
          '"gpu" does not match runtime python3-http-debian, which runs on cpu: set config.hardware to "cpu" or pick a gpu runtime (see getRuntimes)',
      },
    ]);
    assert.deepEqual(failuresOf({ runtime: "some-new-runtime", config: { hardware: "gpu" } }), []);
  });

  it("refuses replicas (the API has no field for it) and unknown config keys", () => {
    const [f] = failuresOf({ config: { replicas: 3 } });
    assert.equal(f.property, "config.replicas");
    assert.match(f.reason, /cannot be set: the E2E FaaS API has no replicas field/);
    assert.equal(failuresOf({ config: { minScale: 1 } as never })[0].property, "config.minScale");
  });

  it("applies the env key rules, reserves PORT, and never quotes a value", () => {
    const fs = failuresOf({
      environment: { PORT: "8080", "1BAD": "x", "A-B": "x", ["K".repeat(51)]: "x", GOOD_1: "s3cr3t-value" },
    });
    assert.deepEqual(
      fs.map((f) => f.property),
      ["environment.PORT", "environment.1BAD", "environment.A-B", `environment.${"K".repeat(51)}`],
    );
    assert.match(fs[0].reason, /PORT is reserved/);
    assert.ok(!JSON.stringify(fs).includes("8080"));
    assert.deepEqual(checked({ environment: { _X: "1", LOG_LEVEL: "debug" } }).environment, {
      _X: "1",
      LOG_LEVEL: "debug",
    });
  });

  it("checks secret names, rejects duplicates and sorts them", () => {
    assert.deepEqual(
      failuresOf({ secrets: ["db-password", "Bad_Name", "db-password"] }).map((f) => f.property),
      ["secrets[1]", "secrets"],
    );
    assert.deepEqual(checked({ secrets: ["b", "a.b", "a"] }).secrets, ["a", "a.b", "b"]);
  });

  it("refuses inputs the API has no field for (labels, annotations, ...)", () => {
    const fs = failuresOf({ labels: { team: "x" }, annotations: {}, __provider: "text", url: undefined });
    assert.deepEqual(
      fs.map((f) => f.property),
      ["labels", "annotations"],
    );
    assert.match(fs[0].reason, /is not a setting of an E2E function/);
  });

  it("requires existingId to equal name (E2E addresses functions by name)", () => {
    const [f] = failuresOf({ existingId: "other" });
    assert.equal(f.property, "existingId");
    assert.match(f.reason, /must equal name/);
    assert.equal(checked({ existingId: "process-orders" }).existingId, "process-orders");
  });

  it("parses timeouts and rejects malformed ones", () => {
    assert.equal(parseDuration("10m"), 600_000);
    assert.equal(parseDuration("1.5s"), 1500);
    assert.equal(parseDuration("250ms"), 250);
    assert.equal(parseDuration("2h"), 7_200_000);
    assert.equal(parseDuration("10"), undefined);
    assert.deepEqual(
      failuresOf({ timeouts: { create: "soon", whenever: "1s" } as never }).map((f) => f.property),
      ["timeouts.create", "timeouts.whenever"],
    );
    assert.deepEqual(timeoutsOf({}), {
      create: 600_000,
      update: 600_000,
      delete: 300_000,
      pollInterval: 1000,
      pollMaxInterval: 10_000,
    });
    assert.equal(timeoutsOf({ timeouts: { create: "30s" } }).create, 30_000);
    assert.deepEqual([150, 1500, 90_000, 600_000, 150_000].map(formatDuration), [
      "150 ms",
      "1.5 s",
      "90 s",
      "10 min",
      "150 s",
    ]);
  });

  it("polls with waits from 1 s growing 1.5x to 10 s", () => {
    assert.equal(nextPollDelay(1000, 10_000), 1500);
    assert.equal(nextPollDelay(8000, 10_000), 10_000);
    // waits 1, 1.5, 2.25, 3.375, 5.06, 7.59, 10, 10 ... s: cumulative 1, 2.5, 4.75, 8.1, 13.2, 20.8, 30.8, 40.8
    assert.equal(pollsUntil(1000, 1000, 10_000), 1);
    assert.equal(pollsUntil(5000, 1000, 10_000), 4);
    assert.equal(pollsUntil(30_000, 1000, 10_000), 7);
    assert.equal(pollsUntil(600_000, 1000, 10_000), 64);
  });

  it("lets values unknown during a preview through", () => {
    const r = checkInputs({ ...base, codeInline: UNKNOWN, config: { memoryMb: UNKNOWN as never } });
    assert.deepEqual(r.failures, []);
    assert.equal(r.inputs!.codeHash, UNKNOWN);
  });

  it("reports every problem at once", () => {
    const fs = failuresOf({ name: "Bad", runtime: "", codeInline: undefined, config: { memoryMb: 1 } });
    assert.deepEqual(
      fs.map((f) => f.property),
      ["name", "runtime", "codeInline", "config.memoryMb"],
    );
  });
});

describe("e2e api: diff", () => {
  const olds = { ...checked(), url: "u", status: "running", projectId: "1", location: "Delhi" };

  it("finds nothing when only __provider or defaults differ", () => {
    const news = checked({ config: { memoryMb: 512 } });
    assert.deepEqual(
      diffFunction({ ...olds, __provider: "old" } as never, { ...news, __provider: "new" } as never),
      {
        replaces: [],
        apiChanges: [],
        localChanges: [],
      },
    );
  });

  it("replaces on name, runtime and hardware", () => {
    const d = diffFunction(
      olds,
      checked({ name: "other", runtime: "python3-http-cuda", config: { hardware: "gpu" } }),
    );
    assert.deepEqual(d.replaces, ["name", "runtime", "config"]);
  });

  it("updates on code (by hash), requirements, memory, timeout, environment and secrets", () => {
    const d = diffFunction(
      olds,
      checked({
        codeInline: "def handle(e, c):\n    return 2\n",
        requirements: "requests==2.32.3",
        config: { memoryMb: 1024, timeoutSeconds: 60 },
        environment: { A: "1" },
        secrets: ["s"],
      }),
    );
    assert.deepEqual(d.replaces, []);
    assert.deepEqual(d.apiChanges, [
      "code",
      "requirements",
      "config.memoryMb",
      "config.timeoutSeconds",
      "environment",
      "secrets",
    ]);
  });

  it("does not count moving the same code from codeInline to codePath as a code change", () => {
    const d = diffFunction(
      olds,
      checked({ codeInline: undefined, codePath: "h.py", codeFile: base.codeInline }),
    );
    assert.deepEqual(d.apiChanges, []);
    assert.deepEqual(d.localChanges, ["codeInline", "codePath"]);
  });

  it("ignores environment key order and secret order", () => {
    const o = { ...olds, environment: { A: "1", B: "2" }, secrets: ["b", "a"] };
    const d = diffFunction(o, checked({ environment: { B: "2", A: "1" }, secrets: ["a", "b"] }));
    assert.deepEqual(d.apiChanges, []);
  });

  it("counts timeouts and existingId as Pulumi-side changes only", () => {
    const d = diffFunction(olds, checked({ timeouts: { create: "20m" }, existingId: "process-orders" }));
    assert.deepEqual(d, { replaces: [], apiChanges: [], localChanges: ["existingId", "timeouts"] });
  });
});

describe("e2e api: requests and answers", () => {
  it("builds the create body with the CLI's field names (code as plain text)", () => {
    const c = checked({ requirements: "requests", environment: { A: "1" }, secrets: ["s"] });
    assert.deepEqual(createBody(c), {
      function: "process-orders",
      runtime: "python3-http-debian",
      arguments: {},
      code: base.codeInline,
      memory: 512,
      timeout: 15,
      params: {},
      requirements: "requests",
      environment_variables: { A: "1" },
      secrets: ["s"],
      node_type: "cpu",
    });
  });

  it("builds the update body without runtime or node_type (they cannot change)", () => {
    const body = updateBody(checked({ config: { memoryMb: 256 } }));
    assert.deepEqual(Object.keys(body).sort(), [
      "code",
      "environment_variables",
      "memory",
      "params",
      "requirements",
      "secrets",
      "timeout",
    ]);
    assert.equal(body.memory, 256);
  });

  it("reads the envelope: code decides, a body without the envelope is refused", () => {
    assert.equal(envelopeStatus({ code: 400, data: {}, errors: {}, message: "bad" }), 400);
    assert.equal(envelopeStatus({ ok: true }), undefined);
    assert.equal(envelopeStatus("text"), undefined);
    assert.deepEqual(readEnvelope({ code: 200, data: [1] }, "x").data, [1]);
    assert.throws(() => readEnvelope({ functions: [] }, "GET faas/functions/"), /without its \{code, data/);
  });

  it("classifies status case-insensitively; unknown values are pending", () => {
    assert.equal(classifyStatus("Running"), "running");
    assert.equal(classifyStatus("READY"), "running");
    assert.equal(classifyStatus("active"), "running");
    assert.equal(classifyStatus("Failed"), "failed");
    assert.equal(classifyStatus("error"), "failed");
    for (const s of ["Creating", "deploying", "Building", "weird", undefined, 3])
      assert.equal(classifyStatus(s), "pending");
  });

  it("finds the API's failure reason in whichever field carries it", () => {
    assert.equal(failureReason({ error_message: "pip failed" }), "pip failed");
    assert.equal(failureReason({ reason: "OOM" }), "OOM");
    assert.equal(failureReason({}, "Build error"), "Build error");
    assert.equal(failureReason({}), "no reason given by the API");
  });

  it("merges live values over recorded ones on read; missing fields keep their value", () => {
    const props = { ...checked(), url: "u", status: "running", projectId: "1", location: "Delhi" };
    const merged = mergeLive(props, {
      status: "Deploying",
      memory: "1024",
      environment_variables: { X: "1" },
    });
    assert.equal(merged.status, "deploying");
    assert.equal(merged.config.memoryMb, 1024);
    assert.equal(merged.config.timeoutSeconds, 15);
    assert.deepEqual(merged.environment, { X: "1" });
    assert.equal(merged.url, "u");
    const inputs = inputsOf(merged as never);
    assert.ok(!("url" in inputs) && !("status" in inputs));
    assert.equal(inputs.codeInline, base.codeInline);
  });

  it("maps runtimes, filters by hardware, and checks runtime and hardware", () => {
    const all = mapRuntimes(RUNTIMES);
    assert.deepEqual(all[0], {
      id: "python3-http-debian",
      hardware: "cpu",
      handlerFile: "handler.py",
      requirementsFile: "requirements.txt",
      template: RUNTIMES[0].boiler_code,
      requirementsTemplate: "",
    });
    assert.deepEqual(
      mapRuntimes(RUNTIMES, "gpu").map((r) => r.id),
      ["python3-http-cuda"],
    );
    assert.deepEqual(mapRuntimes({ not: "a list" }), []);
    assert.equal(handlerFileFor("node18"), "handler.js");
    assert.equal(handlerFileFor("dotnet8-csharp"), "Handler.cs");
    assert.equal(handlerFileFor("ruby"), "handler.rb");
    assert.equal(runtimeProblem(all, "python3-http-debian", "cpu"), undefined);
    assert.match(
      runtimeProblem(all, "python3-http-cuda", "cpu")!,
      /does not match runtime python3-http-cuda, which runs on gpu/,
    );
    assert.match(
      runtimeProblem(all, "cobol", "cpu")!,
      /not offered by the API \(available: python3-http-debian, node18/,
    );
  });
});

describe("e2e api: connection", () => {
  const full = { apiKey: "k".repeat(20), authToken: "t".repeat(20), projectId: "9" };

  it("takes stack config first, then E2E_*, then the Terraform provider's SERVICE_* names, then defaults", () => {
    assert.deepEqual(resolveConnection(full, { E2E_API_KEY: "env" }), {
      ...full,
      location: "Delhi",
      baseUrl: "https://api.e2enetworks.com/myaccount/api/v1/",
    });
    const c = resolveConnection(
      {},
      {
        SERVICE_API_KEY: "svc-key",
        E2E_AUTH_TOKEN: "e2e-token",
        SERVICE_AUTH_TOKEN: "svc-token",
        E2E_PROJECT_ID: "7",
        E2E_REGION: "Mumbai",
        SERVICE_API_ENDPOINT: "https://api-stage.e2enetworks.net/myaccount/api/v1/",
      },
    );
    assert.deepEqual(c, {
      apiKey: "svc-key",
      authToken: "e2e-token",
      projectId: "7",
      location: "Mumbai",
      baseUrl: "https://api-stage.e2enetworks.net/myaccount/api/v1/",
    });
  });

  it("names every missing setting and how to set it, never a value", () => {
    assert.throws(
      () => resolveConnection({ apiKey: "secret-key-value" }, {}),
      (e: Error) => {
        assert.match(e.message, /^E2E connection is not configured: missing e2e:authToken/);
        assert.match(e.message, /E2E_AUTH_TOKEN\/SERVICE_AUTH_TOKEN/);
        assert.match(e.message, /e2e:projectId \(pulumi config set e2e:projectId, or E2E_PROJECT_ID\)/);
        assert.ok(!e.message.includes("secret-key-value"));
        return true;
      },
    );
  });

  it("refuses a base URL that would send the API key in clear text", () => {
    assert.equal(baseUrlProblem("https://api.e2enetworks.com/myaccount/api/v1/"), undefined);
    assert.equal(baseUrlProblem("http://127.0.0.1:8080/myaccount/api/v1/"), undefined);
    assert.match(baseUrlProblem("http://api.e2enetworks.com/")!, /must use https/);
    assert.match(baseUrlProblem("https://x/?apikey=1")!, /query string/);
    assert.match(baseUrlProblem("nope")!, /not a URL/);
    assert.throws(
      () => resolveConnection({ ...full, baseUrl: "http://example.com/" }, {}),
      /e2e:baseUrl must use https/,
    );
  });
});
