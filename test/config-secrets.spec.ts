/** Plaintext credentials in the stack config, and the supported AWS regions (issue 15, config). */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError, ConfigIssue, parseConfig } from "../config";
import { credentialKind, plaintextCredentialIssues } from "../config/credentials";
import { AGENTCORE_RUNTIME_REGIONS, AWS_REGIONS, regionIssues, supportedRegions } from "../config/regions";
import { SYSTEMS } from "../lib/naming";
import { listStacks, readStackConfig } from "./harness/stackfile";

// Credential-shaped test values, built at run time so no scanner mistakes this file for a leak.
const b62 = "Zk3q9XvB2mLp7RtW4nYc8HdF6sJa1GeU5oQi0ExTyNbVhMgKrCwPzDlAjS";
const OPENAI = "sk-" + "proj-" + b62;
const ANTHROPIC = "sk-" + "ant-api03-" + b62 + b62;
const AWS_KEY_ID = "AK" + "IA" + "Q3EGRXZ7P5WN2TDK";
const GITHUB = "gh" + "p_" + b62.slice(0, 36);
const GITHUB_PAT = "github" + "_pat_" + b62 + "_" + b62;
const SLACK = "xo" + "xb-" + "123456789012-1234567890123-" + b62.slice(0, 24);
const JWT =
  "ey" + "JhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.4pcPyMD09olPSyXnrXCjTwXyr4BsezdI1AVTmud2fU4";
const PEM = "-----" + "BEGIN PRIVATE KEY-----\nMIIEv...";
const HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const B64 = "q8Zr3kW1xP0vN7mB5tY2cL9dH4sJ6aG+eU/oQi8ExTyN";

const stack = { stack: "dev", implemented: [...SYSTEMS] };

function issuesOf(raw: Record<string, string>, secretKeys: string[] = []): ConfigIssue[] {
  try {
    parseConfig({ "aws:region": "us-east-1", ...raw }, { ...stack, secretKeys: new Set(secretKeys) });
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    // Region codes are not secret and are shown; no other value ever is.
    for (const [k, v] of Object.entries(raw))
      if (k !== "aws:region" && v.length > 8) assert.ok(!e.message.includes(v), "no value echoed");
    return e.issues;
  }
  return [];
}

describe("config secrets: what looks like a credential", () => {
  it("recognises the well-known formats and long random tokens", () => {
    const cases: [string, RegExp][] = [
      [OPENAI, /sk- prefix/],
      [ANTHROPIC, /sk- prefix/],
      [AWS_KEY_ID, /AWS access key id/],
      ["AS" + "IA" + "Q3EGRXZ7P5WN2TDK", /AWS access key id/],
      [GITHUB, /GitHub token/],
      [GITHUB_PAT, /GitHub token/],
      [SLACK, /Slack token/],
      [JWT, /JSON Web Token/],
      [PEM, /PEM block/],
      ["postgres://orders:hunter2hunter2@db.internal:5432/orders", /URL with a password/],
      [HEX, /random-looking token/],
      [B64, /random-looking token/],
      ["Bearer " + b62, /random-looking token/],
    ];
    for (const [value, rule] of cases)
      assert.match(credentialKind(value) ?? "(none)", rule, value.slice(0, 12));
  });

  it("lets URLs, UUIDs, regions, numbers and names through", () => {
    for (const value of [
      "https://api.openai.com/v1",
      "https://api.e2enetworks.com/myaccount/api/v1/",
      "http://127.0.0.1:8080",
      "123e4567-e89b-12d3-a456-426614174000",
      "us-east-1",
      "1000",
      "10000",
      "12345678901234567890123456789012345678",
      "Delhi",
      "ai-platform-dev",
      '["provision.all"]',
      "e2e-faas-dev-process-orders-mock00",
      "anthropic.claude-3-5-sonnet-20241022-v2:0",
      "arn:aws:iam::123456789012:role/very-long-role-name-for-testing-2024",
      "task-runner-queue-processing-2024-12-01",
      "my_very_long_database_name_for_orders_v2",
      "my-sk-cluster-name-production-01",
      "MyApplicationLoadBalancerTargetGroup2",
      "2026-01-01T00:00:00.000Z",
    ])
      assert.equal(credentialKind(value), undefined, value);
  });
});

describe("config secrets: plaintext under tama: and e2e:", () => {
  it("refuses a credential-looking value under a non-secret key, naming the key and rule, not the value", () => {
    const issues = issuesOf({ "tama:clientId": OPENAI });
    assert.deepEqual(issues, [
      {
        key: "tama:clientId",
        problem:
          "is stored in plaintext in the stack file and its value looks like an API key with the sk- prefix (OpenAI, Anthropic)",
        rule: 'credentials only as secrets; set it with "pulumi config set --secret tama:clientId <value>"',
      },
    ]);
  });

  it("refuses a misspelt secret key by its name, and a secret key of a system the stack does not enable", () => {
    const misspelt = issuesOf({ "e2e:apikey": "0123456789" });
    assert.deepEqual(
      misspelt.map((i) => i.problem),
      [
        "is not a setting of this program; did you mean e2e:apiKey?",
        "is stored in plaintext in the stack file",
      ],
    );
    assert.match(misspelt[1].rule, /pulumi config set --secret e2e:apikey <value>/);
    const disabled = issuesOf({ "ai-platform:systems": "[]", "e2e:authToken": "token-0123456789" });
    assert.deepEqual(disabled, [
      {
        key: "e2e:authToken",
        problem: "is stored in plaintext in the stack file",
        rule: 'a secret; set it with "pulumi config set --secret e2e:authToken <value>"',
      },
    ]);
  });

  it("reports a secret key in plaintext once when its system is enabled too", () => {
    const issues = issuesOf({ "e2e:apiKey": "api-key-0123456789" }).filter((i) => i.key === "e2e:apiKey");
    assert.equal(issues.length, 1);
  });

  it("accepts the same values stored as secrets, and plain non-credentials", () => {
    assert.deepEqual(
      plaintextCredentialIssues(
        { "tama:clientId": OPENAI, "e2e:apiKey": HEX, "e2e:projectId": "10000", "e2e:location": "Delhi" },
        { secretKeys: new Set(["tama:clientId", "e2e:apiKey"]), secretSpecs: new Set(["e2e:apiKey"]) },
      ),
      [],
    );
  });

  it("leaves every committed stack file valid", () => {
    for (const s of listStacks()) {
      const { config, secretKeys } = readStackConfig(s);
      parseConfig(config, { stack: s, secretKeys: new Set(secretKeys), implemented: SYSTEMS });
    }
  });
});

describe("config secrets: E2E function environments", () => {
  const fns = (environment: Record<string, unknown>) =>
    JSON.stringify({
      "process-orders": {
        runtime: "python3-http-debian",
        codePath: "functions/e2e-process-orders/handler.py",
        environment,
      },
    });

  it("refuses a secret-looking name, with the --secret --path command and the secrets alternative", () => {
    const issues = issuesOf({
      "ai-platform:e2eFunctions": fns({ MAX_ORDERS: "100", OPENAI_API_KEY: "abc" }),
    });
    assert.deepEqual(issues, [
      {
        key: "ai-platform:e2eFunctions.process-orders.environment.OPENAI_API_KEY",
        problem:
          "is stored in plaintext in the stack file and its name looks secret (KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE)",
        rule:
          "a secret; set it with \"pulumi config set --secret --path 'ai-platform:e2eFunctions.process-orders.environment.OPENAI_API_KEY' <value>\" " +
          "(that encrypts this value and marks the whole ai-platform:e2eFunctions key secret), or keep it in E2E's " +
          "secret store and list its name in ai-platform:e2eFunctions.process-orders.secrets",
      },
    ]);
  });

  it("refuses a credential-looking value under an innocent name, without showing it", () => {
    for (const value of [
      OPENAI,
      AWS_KEY_ID,
      JWT,
      "postgres://orders:hunter2hunter2@db.internal:5432/orders",
    ]) {
      const issues = issuesOf({ "ai-platform:e2eFunctions": fns({ UPSTREAM: value }) });
      assert.equal(issues.length, 1, value.slice(0, 8));
      assert.equal(issues[0].key, "ai-platform:e2eFunctions.process-orders.environment.UPSTREAM");
      assert.match(issues[0].problem, /its value looks like /);
    }
  });

  it("accepts them when the whole ai-platform:e2eFunctions key is a secret (set with --secret --path)", () => {
    const raw = { "ai-platform:e2eFunctions": fns({ OPENAI_API_KEY: OPENAI, UPSTREAM: JWT }) };
    assert.deepEqual(issuesOf(raw, ["ai-platform:e2eFunctions"]), []);
  });

  it("reads a stack file with a secure: leaf as the CLI does: whole key secret, structure kept", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cfg-secrets-"));
    try {
      fs.copyFileSync(path.join(__dirname, "..", "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
      fs.writeFileSync(
        path.join(root, "Pulumi.x.yaml"),
        [
          "config:",
          "  aws:region: us-east-1",
          "  ai-platform:e2eFunctions:",
          "    process-orders:",
          "      runtime: python3-http-debian",
          "      codePath: functions/e2e-process-orders/handler.py",
          "      environment:",
          '        MAX_ORDERS: "100"',
          "        OPENAI_API_KEY:",
          "          secure: v1:AAAA:BBBB",
          "",
        ].join("\n"),
      );
      const { config, secretKeys } = readStackConfig("x", root);
      assert.deepEqual(secretKeys, ["ai-platform:e2eFunctions"]);
      const env = JSON.parse(config["ai-platform:e2eFunctions"])["process-orders"].environment;
      assert.deepEqual(Object.keys(env), ["MAX_ORDERS", "OPENAI_API_KEY"]);
      assert.match(env.OPENAI_API_KEY, /^test-secret-/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("config: aws:region", () => {
  it("accepts every region the AWS provider knows, and with agents only those with AgentCore Runtime", () => {
    assert.deepEqual(issuesOf({}), []);
    assert.deepEqual(supportedRegions(["playground", "tamma"]), [...AWS_REGIONS]);
    assert.deepEqual([...supportedRegions([...SYSTEMS])].sort(), [...AGENTCORE_RUNTIME_REGIONS].sort());
    assert.deepEqual(regionIssues("eu-west-1", [...SYSTEMS]), []);
    assert.deepEqual(
      regionIssues("sa-east-1", ["playground"]),
      [],
      "no price table needed: only --cost needs one",
    );
  });

  it("refuses a code the AWS provider does not know", () => {
    const issues = issuesOf({ "aws:region": "us-east-7" });
    assert.deepEqual(issues, [
      {
        key: "aws:region",
        problem: 'got "us-east-7"',
        rule: 'a region code the AWS provider knows, such as "us-east-1"',
      },
    ]);
    assert.ok(AWS_REGIONS.includes("eu-west-1") && !AWS_REGIONS.includes("us-east-7"));
  });

  it("with agents enabled, refuses a region without AgentCore Runtime, naming the value, the list and what to do", () => {
    assert.ok(!AGENTCORE_RUNTIME_REGIONS.includes("sa-east-1"));
    const [issue] = regionIssues("sa-east-1", ["agents", "playground"]);
    assert.equal(issue.key, "aws:region");
    assert.match(issue.problem, /^"sa-east-1" is not a region .*AgentCore Runtime is not offered there/);
    assert.match(issue.rule, /^one of us-east-1, us-east-2, .* while agents is enabled\. Pick one with/);
  });
});
