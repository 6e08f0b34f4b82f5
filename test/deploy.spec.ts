import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { ConfigError } from "../config";
import { parseDeployConfig } from "../deploy/config";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import {
  DELIVERY,
  STACK_NAMES,
  deployerIamPolicy,
  deploymentsSubject,
  pathFilters,
  trustPolicy,
} from "../deploy/stacks";
import { boundaryArn, boundaryPolicy } from "../lib/boundary";
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
const previewRoleOf = (stack: string) => recorder.byName(`${stack}-preview-role`, "aws:iam/role:Role");

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
      assert.equal(
        s.vcs.previewPullRequests,
        false,
        "PR previews run on the read-only role (GitHub workflow)",
      );
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
    await runDeploy({
      [`${NS}:stacks`]:
        '{"prod":{"branch":"release-prod"},"stage":{"deployCommits":false,"previewPullRequests":true}}',
    });
    assert.equal(settingsOf("prod").sourceContext.git.branch, "refs/heads/release-prod");
    assert.equal(settingsOf("dev").sourceContext.git.branch, "refs/heads/main");
    // A preview-only stack runs on its read-only role.
    assert.equal(settingsOf("stage").vcs.previewPullRequests, true);
    assert.equal(
      settingsOf("stage").operationContext.oidc.aws.roleARN,
      "arn:aws:iam::123456789012:role/ai-platform-stage-preview",
    );
  });

  it("refuses a stack that both deploys commits and previews pull requests (one role per Deployments stack)", () => {
    assert.throws(
      () => parseDeployConfig({ ...baseConfig, [`${NS}:stacks`]: '{"dev":{"previewPullRequests":true}}' }),
      /ai-platform-deploy:stacks: dev has both deployCommits and previewPullRequests/,
    );
  });

  it("trusts exactly the organisation as audience and exactly the project and stack as subject", async () => {
    await runDeploy();
    const provider = recorder.byName("pulumi-oidc", "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
    assert.equal(provider.inputs.url, "https://api.pulumi.com/oidc");
    assert.equal(provider.importId, undefined);
    for (const stack of STACK_NAMES) {
      const doc = JSON.parse(roleOf(stack).inputs.assumeRolePolicy);
      const sub = (op: string) =>
        `pulumi:deploy:org:acme-ai:project:ai-platform:stack:${stack}:operation:${op}:scope:write`;
      assert.deepEqual(doc.Statement, [
        {
          Sid: "PulumiDeployments",
          Effect: "Allow",
          Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc" },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              "api.pulumi.com/oidc:aud": "acme-ai",
              "api.pulumi.com/oidc:sub": [sub("update"), sub("refresh"), sub("destroy")],
            },
          },
        },
      ]);
      assert.ok(
        !JSON.stringify(doc).includes("*"),
        "no wildcard subject: a preview never gets the write role",
      );
      const read = JSON.parse(previewRoleOf(stack).inputs.assumeRolePolicy);
      assert.equal(read.Statement.length, 1);
      assert.equal(read.Statement[0].Condition.StringEquals["api.pulumi.com/oidc:sub"], sub("preview"));
    }
  });

  it("gives each stack a read-only preview role: ReadOnlyAccess, no data reads, the boundary", async () => {
    await runDeploy({
      [`${NS}:githubOidcProviderArn`]:
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
    });
    for (const stack of STACK_NAMES) {
      const role = previewRoleOf(stack);
      assert.equal(role.inputs.name, `ai-platform-${stack}-preview`);
      assert.equal(role.inputs.permissionsBoundary, boundaryArn(stack, "123456789012"));
      const attached = recorder
        .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        .filter((a) => a.inputs.role === `ai-platform-${stack}-preview`);
      assert.deepEqual(
        attached.map((a) => a.inputs.policyArn),
        ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
      );
      const deny = JSON.parse(recorder.byName(`${stack}-preview-deny`).inputs.policy);
      assert.ok(deny.Statement[0].Action.includes("s3:GetObject"));
      const trust = JSON.parse(role.inputs.assumeRolePolicy);
      assert.deepEqual(trust.Statement[1].Condition.StringEquals, {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": `repo:acme-ai/ai-platform:environment:${stack}-preview`,
      });
      // The write role does not trust GitHub pull requests.
      assert.equal(JSON.parse(roleOf(stack).inputs.assumeRolePolicy).Statement.length, 1);
    }
  });

  it("grants a managed policy set plus scoped IAM rights, never AdministratorAccess", async () => {
    await runDeploy();
    const attachments = recorder
      .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
      .filter((a) => String(a.inputs.role).endsWith("-deploy"));
    assert.equal(attachments.length, 3);
    assert.ok(attachments.every((a) => a.inputs.policyArn === "arn:aws:iam::aws:policy/PowerUserAccess"));
    for (const stack of STACK_NAMES) {
      const policy = recorder.byName(`${stack}-deploy-iam`, "aws:iam/rolePolicy:RolePolicy");
      assert.deepEqual(wildcardActions(policy.inputs.policy), []);
      const doc = JSON.parse(policy.inputs.policy);
      const resources: string[] = doc.Statement.filter(
        (st: { Sid: string }) => st.Sid !== "ServiceLinkedRoles",
      ).flatMap((st: { Resource: string[] }) => st.Resource);
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
    assert.equal(recorder.ofType("aws:iam/policy:Policy").length, 0, "no boundary of ours when one is given");
    const iam = JSON.parse(recorder.byName("prod-deploy-iam").inputs.policy);
    const create = iam.Statement.find((st: { Sid: string }) => st.Sid === "CreateWithBoundary");
    assert.deepEqual(create.Condition, {
      StringEquals: { "iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/boundary" },
    });
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
    assert.equal(
      trustPolicy({ providerArn: "p", org: "o", stack: "dev", esc: true, kind: "read" }).Statement.length,
      1,
      "ESC (any operation) is trusted by the write role only",
    );
  });
});

describe("delivery: the permissions boundary, proven with the IAM simulator", () => {
  const ACCOUNT = "123456789012";
  const stack = "dev" as const;
  const BOUNDARY = boundaryArn(stack, ACCOUNT);

  /** The write role as it is created: its IAM policy as identity policy, the boundary as boundary. */
  async function writeRole(
    action: string,
    resource: string,
    context: Record<string, string | string[]> = {},
  ): Promise<string> {
    const result = await runSimulation(
      {
        request: {
          principal: `arn:aws:iam::${ACCOUNT}:role/ai-platform-${stack}-deploy`,
          action,
          resource: { resource, accountId: ACCOUNT },
          contextVariables: context,
        },
        identityPolicies: [{ name: "deploy-iam", policy: deployerIamPolicy(stack, ACCOUNT, BOUNDARY) }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        permissionBoundaryPolicies: [{ name: "boundary", policy: boundaryPolicy(stack, ACCOUNT) }],
      },
      {},
    );
    assert.equal(result.resultType, "single", JSON.stringify(result).slice(0, 300));
    return result.resultType === "single" ? result.overallResult : "error";
  }
  const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

  it("the deploy program creates the boundary and sets it on both roles by default", async () => {
    await runDeploy();
    for (const s of STACK_NAMES) {
      const policy = recorder.byName(`${s}-boundary`, "aws:iam/policy:Policy");
      assert.equal(policy.inputs.name, `ai-platform-${s}-boundary`);
      assert.deepEqual(JSON.parse(policy.inputs.policy), boundaryPolicy(s, ACCOUNT));
      assert.equal(roleOf(s).inputs.permissionsBoundary, boundaryArn(s, ACCOUNT));
      assert.equal(previewRoleOf(s).inputs.permissionsBoundary, boundaryArn(s, ACCOUNT));
    }
  });

  it("iamBoundary: false creates none (and the create condition goes with it)", async () => {
    await runDeploy({ [`${NS}:iamBoundary`]: "false" });
    assert.equal(recorder.ofType("aws:iam/policy:Policy").length, 0);
    assert.equal(roleOf("dev").inputs.permissionsBoundary, undefined);
  });

  it("the write role can create a role of its stack only with the boundary", async () => {
    const target = role("tamma-dev-new-role");
    assert.equal(
      await writeRole("iam:CreateRole", target, { "iam:PermissionsBoundary": BOUNDARY }),
      "Allowed",
    );
    assert.notEqual(await writeRole("iam:CreateRole", target), "Allowed", "no boundary: denied");
    assert.notEqual(
      await writeRole("iam:CreateRole", target, {
        "iam:PermissionsBoundary": `arn:aws:iam::${ACCOUNT}:policy/ai-platform-prod-boundary`,
      }),
      "Allowed",
      "another stack's boundary: denied",
    );
    assert.notEqual(
      await writeRole("iam:CreateRole", role("admin"), { "iam:PermissionsBoundary": BOUNDARY }),
      "Allowed",
      "outside the stack's prefixes: denied",
    );
    assert.notEqual(
      await writeRole("iam:CreateUser", `arn:aws:iam::${ACCOUNT}:user/tamma-dev-u`),
      "Allowed",
      "a user without the boundary: denied",
    );
  });

  it("the write role cannot remove or change the boundary", async () => {
    const target = role("tamma-dev-task");
    assert.notEqual(await writeRole("iam:DeleteRolePermissionsBoundary", target), "Allowed");
    assert.notEqual(
      await writeRole("iam:PutRolePermissionsBoundary", target, {
        "iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess",
      }),
      "Allowed",
    );
    assert.equal(
      await writeRole("iam:PutRolePermissionsBoundary", target, { "iam:PermissionsBoundary": BOUNDARY }),
      "Allowed",
      "adding the boundary to an existing role (adoption) is allowed",
    );
    for (const action of ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:SetDefaultPolicyVersion"])
      assert.notEqual(await writeRole(action, BOUNDARY), "Allowed", action);
    assert.notEqual(await writeRole("iam:PutRolePolicy", role("ai-platform-dev-deploy")), "Allowed");
  });

  it("PassRole only to the program's services, AttachRolePolicy only of compatible policies", async () => {
    const target = role("tamma-dev-ecs-task-role");
    assert.equal(
      await writeRole("iam:PassRole", target, { "iam:PassedToService": "ecs-tasks.amazonaws.com" }),
      "Allowed",
    );
    assert.notEqual(
      await writeRole("iam:PassRole", target, { "iam:PassedToService": "cloudformation.amazonaws.com" }),
      "Allowed",
    );
    assert.notEqual(
      await writeRole("iam:AttachRolePolicy", target, {
        "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess",
      }),
      "Allowed",
    );
    assert.notEqual(
      await writeRole("iam:AttachRolePolicy", target, {
        "iam:PolicyARN": `arn:aws:iam::${ACCOUNT}:policy/someone-elses`,
      }),
      "Allowed",
    );
    assert.equal(
      await writeRole("iam:AttachRolePolicy", target, {
        "iam:PolicyARN": "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
      }),
      "Allowed",
    );
    assert.equal(
      await writeRole("iam:PutRolePolicy", target),
      "Allowed",
      "inline policies of its own roles (capped by their boundary)",
    );
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
      const creds = steps[idx((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))];
      if (command === "preview") {
        // Pull-request code runs with the read-only role, in an environment of its own (its OIDC subject).
        assert.equal(job.environment, "${{ needs.stack.outputs.name }}-preview");
        assert.equal(creds.with["role-to-assume"], "${{ vars.AWS_PREVIEW_ROLE_ARN }}");
        assert.equal(steps[action].with["comment-on-pr"], true);
        assert.equal(job.permissions["pull-requests"], "write");
      } else {
        assert.equal(job.environment, "${{ needs.stack.outputs.name }}");
        assert.equal(creds.with["role-to-assume"], "${{ vars.AWS_DEPLOY_ROLE_ARN }}");
      }
    });
  }
});
