import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigError, allKeySpecs, parseConfig, readSection } from "../config";
import { ConfigIssue, KeySpec, PROJECT } from "../config/schema";
import { SYSTEMS } from "../lib/naming";
import { listStacks, readProjectFile, readStackConfig } from "./harness/stackfile";

const base = { "aws:region": "us-east-1" };
const opts = { stack: "dev", implemented: ["playground", "tamma"] as const };

function issuesOf(
  raw: Record<string, string>,
  o: Partial<Parameters<typeof parseConfig>[1]> = {},
): ConfigIssue[] {
  try {
    parseConfig(raw, { ...opts, ...o });
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.issues;
  }
  assert.fail("expected a ConfigError");
}

describe("config loader", () => {
  it("parses every committed stack file", () => {
    for (const stack of listStacks()) {
      const { config, secretKeys } = readStackConfig(stack);
      const cfg = parseConfig(config, { stack, secretKeys: new Set(secretKeys), implemented: SYSTEMS });
      assert.equal(cfg.stack, stack);
      assert.match(cfg.region, /^[a-z]{2}-[a-z]+-\d$/);
    }
  });

  it("gives the stacks different settings (the stack replaced the Terraform workspace)", () => {
    const read = (s: string) => parseConfig(readStackConfig(s).config, { stack: s, implemented: SYSTEMS });
    const [dev, stage, prod] = ["dev", "stage", "prod"].map(read);
    assert.equal(prod.protect, true);
    assert.equal(dev.protect, false);
    assert.ok(
      prod.logRetentionDays > stage.logRetentionDays && stage.logRetentionDays > dev.logRetentionDays,
    );
    assert.equal(dev.logLevel, "DEBUG");
  });

  it("applies defaults to unset keys", () => {
    const cfg = parseConfig(base, opts);
    assert.deepEqual(
      {
        systems: cfg.systems,
        logLevel: cfg.logLevel,
        logRetentionDays: cfg.logRetentionDays,
        protect: cfg.protect,
      },
      { systems: [], logLevel: "INFO", logRetentionDays: 14, protect: false },
    );
  });

  it("names an unknown system, and one this version does not implement", () => {
    const [unknown] = issuesOf({ ...base, "ai-platform:systems": '["tamma","playgrond"]' });
    assert.equal(unknown.key, "ai-platform:systems[1]");
    assert.equal(unknown.problem, 'got "playgrond"');
    assert.match(unknown.rule, /one of "tama", "e2e", "playground", "tamma", "agents"/);

    const [notYet] = issuesOf({ ...base, "ai-platform:systems": '["agents"]' });
    assert.equal(notYet.key, "ai-platform:systems");
    assert.match(notYet.problem, /"agents" is not implemented by this version/);
    assert.match(notYet.rule, /enable only implemented systems \(playground, tamma\)/);
  });

  it("names a wrong type", () => {
    const issues = issuesOf({
      ...base,
      "ai-platform:logRetentionDays": "two weeks",
      "ai-platform:protect": "yes",
    });
    assert.deepEqual(issues, [
      {
        key: "ai-platform:logRetentionDays",
        problem: '"two weeks" is not a whole number',
        rule: "an integer",
      },
      { key: "ai-platform:protect", problem: '"yes" is not a boolean', rule: "true or false" },
    ]);
    const [list] = issuesOf({ ...base, "ai-platform:systems": '"tamma"' });
    assert.deepEqual(list, { key: "ai-platform:systems", problem: "got string", rule: "a YAML list" });
  });

  it("names an out-of-range number and an invalid enum", () => {
    const issues = issuesOf({
      ...base,
      "ai-platform:logRetentionDays": "15",
      "ai-platform:logLevel": "verbose",
    });
    assert.equal(issues[0].key, "ai-platform:logLevel");
    assert.equal(issues[0].problem, 'got "verbose"');
    assert.equal(issues[0].rule, 'one of "DEBUG", "INFO", "WARN", "ERROR"');
    assert.equal(issues[1].key, "ai-platform:logRetentionDays");
    assert.equal(issues[1].problem, "got 15");
    assert.match(issues[1].rule, /one of CloudWatch's retention values \(1, 3, 5, 7, 14, 30/);
  });

  it("requires the region and rejects a malformed one", () => {
    const [missing] = issuesOf({});
    assert.equal(missing.key, "aws:region");
    assert.equal(missing.problem, "is missing");
    assert.match(missing.rule, /pulumi config set aws:region <value>/);
    const [bad] = issuesOf({ "aws:region": "Virginia" });
    assert.equal(bad.problem, 'got "Virginia"');
    assert.match(bad.rule, /an AWS region code such as "us-east-1"/);
  });

  it("flags an unknown key, with a suggestion", () => {
    const [issue] = issuesOf({ ...base, "ai-platform:logLevl": "INFO" });
    assert.equal(issue.key, "ai-platform:logLevl");
    assert.equal(issue.problem, "is not a setting of this program; did you mean ai-platform:logLevel?");
  });

  it("lists every problem at once in the error message", () => {
    assert.throws(
      () => parseConfig({ "ai-platform:logLevel": "loud", "ai-platform:protect": "1" }, opts),
      (e: Error) => {
        assert.match(e.message, /^Invalid config for stack "dev" \(3 problems\):/);
        assert.match(e.message, /- aws:region: is missing \(rule: required:/);
        assert.match(e.message, /- ai-platform:logLevel: got "loud" \(rule: one of/);
        assert.match(e.message, /- ai-platform:protect: "1" is not a boolean \(rule: true or false\)/);
        return true;
      },
    );
  });

  describe("secret keys", () => {
    const keys = {
      serviceKey: {
        type: "string",
        secret: true,
        description: "The service key.",
        schema: z.string().min(20, "at least 20 characters"),
      } satisfies KeySpec<string>,
    };

    it("reports a missing secret with the command that sets it", () => {
      const issues: ConfigIssue[] = [];
      readSection(keys, {}, { ...opts, secretKeys: new Set() }, issues);
      assert.deepEqual(issues, [
        {
          key: "ai-platform:serviceKey",
          problem: "missing secret",
          rule: 'required: The service key. Set it with "pulumi config set --secret serviceKey <value>"',
        },
      ]);
    });

    it("rejects a secret stored in plaintext, without showing it", () => {
      const issues: ConfigIssue[] = [];
      const value = "plaintext-service-key-0123456789";
      readSection(keys, { "ai-platform:serviceKey": value }, { ...opts, secretKeys: new Set() }, issues);
      assert.equal(issues[0].problem, "is stored in plaintext in the stack file");
      assert.ok(!JSON.stringify(issues).includes(value));
    });

    it("never shows a secret value in a rule violation", () => {
      const issues: ConfigIssue[] = [];
      const key = "ai-platform:serviceKey";
      readSection(keys, { [key]: "short-secret" }, { ...opts, secretKeys: new Set([key]) }, issues);
      assert.deepEqual(issues, [{ key, problem: "got [secret]", rule: "at least 20 characters" }]);
    });

    it("hands a valid secret out as a secret Output", async () => {
      const issues: ConfigIssue[] = [];
      const key = "ai-platform:serviceKey";
      const values = readSection(
        keys,
        { [key]: "x".repeat(24) },
        { ...opts, secretKeys: new Set([key]) },
        issues,
      );
      assert.deepEqual(issues, []);
      assert.equal(await pulumi.isSecret(values.serviceKey), true);
    });
  });

  it("agrees with Pulumi.yaml: every key with a default declared with its type, default and description", () => {
    const project = readProjectFile();
    assert.equal(project.name, "ai-platform");
    const declared = project.config ?? {};
    const specs = allKeySpecs();
    const projectSpecs = [...specs.entries()].filter(([k]) => k.startsWith(`${PROJECT}:`));
    for (const [key, spec] of projectSpecs) {
      const name = key.slice(PROJECT.length + 1);
      const decl = declared[name];
      // The CLI makes a declared key without a default required in every stack, and a declared secret must be
      // encrypted in every stack; its schema has no object type. Such keys stay out of Pulumi.yaml.
      if (spec.type === "object" || spec.default === undefined || spec.secret) {
        assert.equal(
          decl,
          undefined,
          `${name} must not be declared in Pulumi.yaml (it would be required everywhere)`,
        );
        continue;
      }
      assert.ok(decl && typeof decl === "object", `Pulumi.yaml declares ${name}`);
      assert.equal(decl.type, spec.type, `${name}: type`);
      assert.equal(decl.description, spec.description, `${name}: description`);
      assert.deepEqual(decl.default, spec.default, `${name}: default`);
    }
    for (const name of Object.keys(declared))
      assert.ok(specs.has(`${PROJECT}:${name}`), `${name} is read by the loader`);
  });
});

describe("config: E2E code paths stay inside the project", () => {
  it("refuses ../ out of the project and absolute paths, before reading anything", async () => {
    const { checkFunctionFiles } = await import("../config/e2e");
    const base = { runtime: "python3-http-debian" } as never as Record<string, unknown>;
    for (const codePath of ["../../../../etc/passwd", "/etc/passwd"]) {
      const issues = checkFunctionFiles({ f: { ...base, codePath } as never });
      assert.equal(issues.length, 1, codePath);
      assert.match(issues[0].problem, /resolves outside the project directory/);
    }
    const { readCodeFile } = await import("../providers/e2e");
    assert.throws(
      () => readCodeFile("f", "../../../../etc/passwd"),
      /resolves outside the project directory/,
    );
  });
});

describe("config: unknown keys in the providers' namespaces", () => {
  it("refuses tama:timout and e2e:locaton with a did-you-mean, and keeps tama:<source>ApiKey", async () => {
    const { parseConfig } = await import("../config/index");
    let message = "";
    try {
      parseConfig({ "tama:timout": "30", "e2e:locaton": "Delhi", "tama:openaiApiKey": "x".repeat(30) }, {
        stack: "dev",
        implemented: [],
      } as never);
    } catch (e) {
      message = (e as Error).message;
    }
    assert.match(message, /tama:timout.*did you mean tama:timeout\?/);
    assert.match(message, /e2e:locaton.*did you mean e2e:location\?/);
    assert.doesNotMatch(message, /tama:openaiApiKey/);
  });
});
