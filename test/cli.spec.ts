import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CliError, envInt, parseCli, reportError } from "../scripts/cli";
import { StackFileError, loadYamlFile, readStackConfig } from "./harness/stackfile";

const SPEC = {
  usage: "tool <stack> [--out <file>] [--json]",
  flags: {
    out: { type: "string" },
    json: { type: "boolean" },
    mode: { type: "string", choices: ["a", "b"] },
  },
  positionals: { min: 1, max: 1 },
} as const;

describe("scripts/cli.ts: the one argument checker of every script", () => {
  it("parses flags and positionals", () => {
    const p = parseCli(SPEC, ["dev", "--out", "f.json", "--json", "--mode=b"]);
    assert.deepEqual(p.positionals, ["dev"]);
    assert.equal(p.flags.out, "f.json");
    assert.equal(p.flags.json, true);
    assert.equal(p.flags.mode, "b");
  });

  it("refuses an unknown flag, a flag without its value, a bad choice and a wrong number of arguments", () => {
    const fails = (argv: string[], re: RegExp) =>
      assert.throws(
        () => parseCli(SPEC, argv),
        (e: Error) => e instanceof CliError && e.showUsage && re.test(e.message),
      );
    fails(["dev", "--bogus"], /^unknown option --bogus$/);
    fails(["dev", "--out"], /^option --out needs a value$/);
    fails(["dev", "--out", "--json"], /^option --out needs a value \(the next word is a flag\)$/);
    fails(["dev", "--json=yes"], /^option --json takes no value$/);
    fails(["dev", "--mode", "c"], /^--mode must be one of a, b \(got "c"\)$/);
    fails([], /^expected 1 argument\(s\), got 0$/);
    fails(["dev", "prod"], /^unexpected argument "prod"$/);
  });

  it("checks integer environment variables, naming the variable and the rule", () => {
    const saved = process.env.CLI_TEST_PORT;
    try {
      delete process.env.CLI_TEST_PORT;
      assert.equal(envInt("CLI_TEST_PORT", 3000, 0, 65535), 3000);
      process.env.CLI_TEST_PORT = "8080";
      assert.equal(envInt("CLI_TEST_PORT", 3000, 0, 65535), 8080);
      for (const bad of ["abc", "-1", "70000", "1.5"]) {
        process.env.CLI_TEST_PORT = bad;
        assert.throws(
          () => envInt("CLI_TEST_PORT", 3000, 0, 65535),
          new RegExp(
            `^CliError: CLI_TEST_PORT=${bad.replace(".", "\\.")} is not valid: it must be a whole number from 0 to 65535$`,
          ),
        );
      }
    } finally {
      if (saved === undefined) delete process.env.CLI_TEST_PORT;
      else process.env.CLI_TEST_PORT = saved;
    }
  });

  it("prints bad input as one line (plus usage) with exit 2, and only a bug with its stack and exit 1", () => {
    const lines: string[] = [];
    const original = console.error;
    console.error = (m: string) => lines.push(m);
    try {
      assert.equal(reportError("tool <x>", new CliError("unknown option --z", true)), 2);
      assert.equal(
        reportError("tool <x>", new StackFileError("Pulumi.dev.yaml line 3, column 1: YAML syntax error: x")),
        2,
      );
      assert.equal(reportError("tool <x>", new TypeError("boom")), 1);
    } finally {
      console.error = original;
    }
    assert.deepEqual(lines.slice(0, 3), [
      "error: unknown option --z",
      "usage: tool <x>",
      "error: Pulumi.dev.yaml line 3, column 1: YAML syntax error: x",
    ]);
    assert.match(lines[3], /^TypeError: boom\n\s+at /);
  });

  it("names the file, line and column of a YAML syntax error in a stack file, and an unknown stack with the list", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-yaml-"));
    try {
      const file = path.join(dir, "Pulumi.dev.yaml");
      fs.writeFileSync(file, "config:\n  aws:region: us-east-1\n  bad: [unclosed\n");
      assert.throws(
        () => loadYamlFile(file),
        /^StackFileError: Pulumi\.dev\.yaml line 4, column 1: YAML syntax error: /,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(
      () => readStackConfig("staging"),
      /unknown stack "staging": no Pulumi\.staging\.yaml \(stacks: dev, prod, stage\)/,
    );
  });
});
