import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { ConfigError } from "../config";
import { parseDeployConfig } from "../deploy/config";
import { DELIVERY, STACK_NAMES, deploymentsSubject, pathFilters, trustPolicy } from "../deploy/stacks";
import { wildcardActions } from "../policy/rules";
import { installMocks, recorder, settle } from "./harness/mocks";

const ROOT = path.resolve(__dirname, "..");
const NS = "ai-platform-deploy";
const baseConfig = {
  "aws:region": "us-east-1",
  [`${NS}:organization`]: "acme-ai",
  [`${NS}:repository`]: "acme-ai/ai-platform",
};

async function runDeploy(extra: Record<string, string> = {}) {
  await installMocks("platform");
  pulumi.runtime.setAllConfig({ ...baseConfig, ...extra });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program: () => Promise<Record<string, unknown>> = require("../deploy/index");
  const outputs = await program();
  await settle();
  return outputs;
}

const settingsOf = (stack: string) =>
  recorder.byName(`${stack}-deployment-settings`, "pulumiservice:index:DeploymentSettings").inputs;
const roleOf = (stack: string) => recorder.byName(`${stack}-deploy-role`, "aws:iam/role:Role");

describe("delivery: Pulumi Deployments as code (deploy/)", () => {
  it("validates its config, naming each bad key", () => {
    assert.throws(
      () => parseDeployConfig({ "aws:region": "us-east-1", [`${NS}:organization`]: "Acme AI" }),
      (e: ConfigError) => {
        assert.deepEqual(
          e.issues.map((i) => `${i.key}: ${i.problem}`),
          [`${NS}:organization: got "Acme AI"`, `${NS}:repository: is missing`],
        );
        return true;
      },
    );
    assert.throws(
      () =>
        parseDeployConfig({
          ...baseConfig,
          [`${NS}:managedPolicyArns`]: '["arn:aws:iam::aws:policy/AdministratorAccess"]',
        }),
      /managedPolicyArns: includes AdministratorAccess/,
    );
    assert.throws(
      () => parseDeployConfig({ ...baseConfig, [`${NS}:stacks`]: '{"qa":{"branch":"x"}}' }),
      /ai-platform-deploy:stacks: got .*Unrecognized key: "qa"/,
    );
  });

  it("sets Deployments for every stack from the one table: vcs block, branch, paths, npm ci, Node 22, OIDC", async () => {
    await runDeploy();
    for (const stack of STACK_NAMES) {
      const s = settingsOf(stack);
      assert.equal(s.organization, "acme-ai");
      assert.equal(s.project, "ai-platform");
      assert.equal(s.stack, stack);
      assert.equal(s.github, undefined, "the deprecated github block is not used");
      assert.deepEqual(s.sourceContext, {
        git: { branch: `refs/heads/${DELIVERY[stack].branch}`, repoDir: "." },
      });
      assert.equal(s.vcs.provider, "github");
      assert.equal(s.vcs.repository, "acme-ai/ai-platform");
      assert.equal(s.vcs.deployCommits, true);
      assert.equal(s.vcs.previewPullRequests, true);
      assert.equal(s.vcs.pullRequestTemplate, stack === "dev");
      assert.deepEqual(s.vcs.paths, pathFilters(stack));
      assert.ok(s.vcs.paths.includes(`Pulumi.${stack}.yaml`));
      for (const other of STACK_NAMES.filter((o) => o !== stack))
        assert.ok(!s.vcs.paths.includes(`Pulumi.${other}.yaml`));
      assert.ok(s.vcs.paths.includes("!**/*.md"), "docs never deploy");
      assert.deepEqual(s.operationContext.preRunCommands, ["npm ci"]);
      assert.equal(s.operationContext.options.skipInstallDependencies, true);
      assert.equal(
        s.operationContext.oidc.aws.roleARN,
        `arn:aws:iam::123456789012:role/ai-platform-${stack}-deploy`,
      );
      assert.match(s.executorContext.executorImage, /^pulumi\/pulumi-nodejs-22:/);
    }
    assert.deepEqual(
      STACK_NAMES.map((s) => DELIVERY[s].branch),
      ["main", "release", "production"],
    );
  });

  it("lets the deploy stack's config override a row (e.g. prod on another branch)", async () => {
    await runDeploy({ [`${NS}:stacks`]: '{"prod":{"branch":"release-prod","previewPullRequests":false}}' });
    assert.equal(settingsOf("prod").sourceContext.git.branch, "refs/heads/release-prod");
    assert.equal(settingsOf("prod").vcs.previewPullRequests, false);
    assert.equal(settingsOf("dev").sourceContext.git.branch, "refs/heads/main");
  });

  it("trusts exactly the organisation as audience and exactly the project and stack as subject", async () => {
    await runDeploy();
    const provider = recorder.byName("pulumi-oidc", "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
    assert.equal(provider.inputs.url, "https://api.pulumi.com/oidc");
    assert.equal(provider.importId, undefined);
    for (const stack of STACK_NAMES) {
      const doc = JSON.parse(roleOf(stack).inputs.assumeRolePolicy);
      assert.deepEqual(doc.Statement, [
        {
          Sid: "PulumiDeployments",
          Effect: "Allow",
          Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc" },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: { "api.pulumi.com/oidc:aud": "acme-ai" },
            StringLike: {
              "api.pulumi.com/oidc:sub": `pulumi:deploy:org:acme-ai:project:ai-platform:stack:${stack}:operation:*:scope:write`,
            },
          },
        },
      ]);
      const sub = doc.Statement[0].Condition.StringLike["api.pulumi.com/oidc:sub"] as string;
      assert.equal(sub.split("*").length, 2, "one wildcard only");
      assert.ok(sub.includes(`:stack:${stack}:operation:`), "no wildcard on the stack");
    }
  });

  it("grants a managed policy set plus scoped IAM rights, never AdministratorAccess", async () => {
    await runDeploy();
    const attachments = recorder.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment");
    assert.equal(attachments.length, 3);
    assert.ok(attachments.every((a) => a.inputs.policyArn === "arn:aws:iam::aws:policy/PowerUserAccess"));
    for (const stack of STACK_NAMES) {
      const policy = recorder.byName(`${stack}-deploy-iam`, "aws:iam/rolePolicy:RolePolicy");
      assert.deepEqual(wildcardActions(policy.inputs.policy), []);
      const doc = JSON.parse(policy.inputs.policy);
      const resources: string[] = doc.Statement[0].Resource;
      assert.ok(resources.includes(`arn:aws:iam::123456789012:role/tamma-${stack}*`));
      assert.ok(
        resources.every((r) => r.includes(`-${stack}*`)),
        "only this stack's names",
      );
    }
  });

  it("adopts an existing OIDC provider and sets a permissions boundary when configured", async () => {
    const arn = "arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc";
    await runDeploy({
      [`${NS}:existingOidcProviderArn`]: arn,
      [`${NS}:permissionsBoundaryArn`]: "arn:aws:iam::123456789012:policy/boundary",
    });
    const provider = recorder.byName("pulumi-oidc");
    assert.equal(provider.importId, arn);
    assert.equal(provider.protect, true);
    assert.equal(roleOf("prod").inputs.permissionsBoundary, "arn:aws:iam::123456789012:policy/boundary");
  });

  it("creates ESC environments with fn::open::aws-login when asked, and trusts their subject", async () => {
    const outputs = await runDeploy({ [`${NS}:esc`]: "true" });
    assert.deepEqual(outputs.escEnvironments, [
      "acme-ai/ai-platform/dev",
      "acme-ai/ai-platform/stage",
      "acme-ai/ai-platform/prod",
    ]);
    const env = recorder.byName("prod-esc", "pulumiservice:index:Environment");
    assert.equal(env.inputs.project, "ai-platform");
    assert.equal(env.inputs.name, "prod");
    const doc = yaml.load(await env.inputs.yaml.text) as { values: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(
      doc.values.aws.login["fn::open::aws-login"].oidc.roleArn,
      "arn:aws:iam::123456789012:role/ai-platform-prod-deploy",
    );
    assert.equal(doc.values.environmentVariables.AWS_SESSION_TOKEN, "${aws.login.sessionToken}");
    const trust = JSON.parse(roleOf("prod").inputs.assumeRolePolicy);
    assert.deepEqual(trust.Statement[1].Condition, {
      StringEquals: {
        "api.pulumi.com/oidc:aud": "aws:acme-ai",
        "api.pulumi.com/oidc:sub": "pulumi:environments:org:acme-ai:env:ai-platform/prod",
      },
    });
  });

  it("builds trust policies and subjects as pure functions", () => {
    assert.equal(
      deploymentsSubject("o", "dev"),
      "pulumi:deploy:org:o:project:ai-platform:stack:dev:operation:*:scope:write",
    );
    assert.equal(trustPolicy({ providerArn: "p", org: "o", stack: "dev", esc: false }).Statement.length, 1);
  });
});

describe("delivery: GitHub Actions alternative (.github/workflows)", () => {
  const load = (f: string) =>
    yaml.load(fs.readFileSync(path.join(ROOT, ".github/workflows", f), "utf8")) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const branches = STACK_NAMES.map((s) => DELIVERY[s].branch);

  for (const [file, trigger, command] of [
    ["pulumi-preview.yml", "pull_request", "preview"],
    ["pulumi-up.yml", "push", "up"],
  ] as const) {
    it(`${file}: ${command} on ${trigger} of the table's branches, npm ci before pulumi/actions`, () => {
      const wf = load(file);
      assert.deepEqual(wf.on[trigger].branches, branches);
      assert.ok(wf.on[trigger]["paths-ignore"].includes("**/*.md"));
      const pick: string = wf.jobs.stack.steps[0].run;
      for (const s of STACK_NAMES) assert.match(pick, new RegExp(`${DELIVERY[s].branch}\\) stack=${s} ;;`));
      const job = wf.jobs[command];
      assert.equal(job.permissions["id-token"], "write");
      const steps: any[] = job.steps; // eslint-disable-line @typescript-eslint/no-explicit-any
      const idx = (pred: (s: any) => boolean) => steps.findIndex(pred); // eslint-disable-line @typescript-eslint/no-explicit-any
      const setupNode = steps[idx((s) => s.uses?.startsWith("actions/setup-node@"))];
      assert.equal(setupNode.with["node-version"], 22);
      const install = idx((s) => s.run === "npm ci");
      const action = idx((s) => s.uses === "pulumi/actions@v6");
      assert.ok(install >= 0 && action > install, "npm ci runs before pulumi/actions");
      assert.ok(idx((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@")) < action);
      assert.equal(steps[action].with.command, command);
      assert.equal(steps[action].with["stack-name"], "${{ needs.stack.outputs.name }}");
      if (command === "preview") {
        assert.equal(steps[action].with["comment-on-pr"], true);
        assert.equal(job.permissions["pull-requests"], "write");
      }
    });
  }
});
