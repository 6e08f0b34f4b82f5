/**
 * ai-platform-deploy: the delivery of ai-platform's stacks, as code. A stack cannot manage its own deployment
 * settings, so this small second project does: per stack of ai-platform, the Pulumi Deployments settings (push
 * to deploy from the stack's branch, PR previews, path filters, `npm ci`, a Node 22 executor, OIDC to AWS), the
 * AWS role that OIDC assumes, and optionally an ESC environment.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as pulumiservice from "@pulumi/pulumiservice";
import * as yaml from "js-yaml";
import { loadDeployConfig } from "./config";
import { boundaryArn, boundaryName, boundaryPolicy } from "../lib/boundary";
import {
  PROJECT,
  RoleKind,
  PULUMI_OIDC_URL,
  STACK_NAMES,
  deployerIamPolicy,
  escDocument,
  escEnvironment,
  pathFilters,
  previewDenyPolicy,
  roleName,
  trustPolicy,
} from "./stacks";

export = async (): Promise<Record<string, unknown>> => {
  const cfg = loadDeployConfig();
  const account = await aws.getCallerIdentity();

  // AWS allows one provider per URL per account: adopt an existing one (kept on destroy), else create it.
  const oidc = new aws.iam.OpenIdConnectProvider(
    "pulumi-oidc",
    { url: PULUMI_OIDC_URL, clientIdLists: [cfg.organization, `aws:${cfg.organization}`] },
    cfg.existingOidcProviderArn
      ? { import: cfg.existingOidcProviderArn, retainOnDelete: true, protect: true }
      : {},
  );

  const roles: Record<string, pulumi.Output<string>> = {};
  const previewRoles: Record<string, pulumi.Output<string>> = {};
  const boundaries: Record<string, pulumi.Output<string> | string> = {};
  const github = cfg.githubOidcProviderArn
    ? { providerArn: cfg.githubOidcProviderArn, repository: cfg.repository }
    : undefined;
  for (const stack of STACK_NAMES) {
    const delivery = cfg.delivery[stack];
    // The boundary: the configured one, else the one created here (unless iamBoundary is false).
    let boundary: pulumi.Output<string> | string | undefined = cfg.permissionsBoundaryArn;
    if (!boundary && cfg.iamBoundary) {
      boundary = new aws.iam.Policy(`${stack}-boundary`, {
        name: boundaryName(stack),
        description: `Permissions boundary of ${PROJECT}/${stack}: its deploy roles and every role it creates`,
        policy: JSON.stringify(boundaryPolicy(stack, account.accountId)),
      }).arn;
    }
    if (boundary) boundaries[stack] = boundary;
    const boundaryForConditions =
      cfg.permissionsBoundaryArn ?? (cfg.iamBoundary ? boundaryArn(stack, account.accountId) : undefined);

    const makeRole = (kind: RoleKind) =>
      new aws.iam.Role(`${stack}-${kind === "write" ? "deploy" : "preview"}-role`, {
        name: roleName(stack, kind),
        description:
          kind === "write"
            ? `Assumed by Pulumi Deployments (OIDC) to update ${cfg.organization}/${PROJECT}/${stack}`
            : `Read-only: previews of ${cfg.organization}/${PROJECT}/${stack} (pull requests)`,
        assumeRolePolicy: oidc.arn.apply((providerArn) =>
          JSON.stringify(
            trustPolicy({ providerArn, org: cfg.organization, stack, esc: cfg.esc, kind, github }),
          ),
        ),
        permissionsBoundary: boundary,
        maxSessionDuration: 3600,
      });

    const role = makeRole("write");
    const roleNameWrite = roleName(stack, "write");
    cfg.managedPolicyArns.forEach((arn, i) => {
      new aws.iam.RolePolicyAttachment(
        `${stack}-deploy-managed-${i}`,
        { role: role.name, policyArn: arn },
        { parent: role },
      );
    });
    new aws.iam.RolePolicy(
      `${stack}-deploy-iam`,
      {
        role: role.name,
        name: `${roleNameWrite}-iam`,
        policy: JSON.stringify(deployerIamPolicy(stack, account.accountId, boundaryForConditions)),
      },
      { parent: role },
    );
    roles[stack] = role.arn;

    const preview = makeRole("read");
    cfg.previewPolicyArns.forEach((arn, i) => {
      new aws.iam.RolePolicyAttachment(
        `${stack}-preview-managed-${i}`,
        { role: preview.name, policyArn: arn },
        { parent: preview },
      );
    });
    new aws.iam.RolePolicy(
      `${stack}-preview-deny`,
      {
        role: preview.name,
        name: `${roleName(stack, "read")}-no-data`,
        policy: JSON.stringify(previewDenyPolicy()),
      },
      { parent: preview },
    );
    previewRoles[stack] = preview.arn;
    // A stack that only previews pull requests runs on the read-only role; a deploying stack on the write one.
    const settingsRole = delivery.deployCommits ? role : preview;

    new pulumiservice.DeploymentSettings(`${stack}-deployment-settings`, {
      organization: cfg.organization,
      project: PROJECT,
      stack,
      sourceContext: { git: { branch: `refs/heads/${delivery.branch}`, repoDir: "." } },
      vcs: {
        provider: "github",
        repository: cfg.repository,
        deployCommits: delivery.deployCommits,
        previewPullRequests: delivery.previewPullRequests,
        pullRequestTemplate: delivery.reviewStacks,
        paths: pathFilters(stack),
      },
      operationContext: {
        preRunCommands: ["npm ci"],
        options: { skipInstallDependencies: true, skipIntermediateDeployments: true },
        oidc: {
          aws: {
            roleARN: settingsRole.arn,
            sessionName: `${PROJECT}-${stack}-${delivery.deployCommits ? "deploy" : "preview"}`,
            duration: "1h0m0s",
          },
        },
        environmentVariables: { AWS_REGION: cfg.region },
      },
      executorContext: { executorImage: cfg.executorImage },
      cacheOptions: { enable: true },
    });

    if (cfg.esc) {
      new pulumiservice.Environment(
        `${stack}-esc`,
        {
          organization: cfg.organization,
          project: PROJECT,
          name: stack,
          // The role's ARN is known before it exists (account + name), so the document is plain text.
          yaml: new pulumi.asset.StringAsset(
            yaml.dump(
              escDocument({
                roleArn: `arn:aws:iam::${account.accountId}:role/${roleNameWrite}`,
                stack,
                region: cfg.region,
              }),
            ),
          ),
        },
        { dependsOn: [role] },
      );
    }
  }

  return {
    oidcProviderArn: oidc.arn,
    deployRoleArns: roles,
    previewRoleArns: previewRoles,
    boundaryArns: boundaries,
    escEnvironments: cfg.esc ? STACK_NAMES.map((s) => `${cfg.organization}/${escEnvironment(s)}`) : [],
  };
};
