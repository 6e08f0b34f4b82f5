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
import {
  PROJECT,
  PULUMI_OIDC_URL,
  STACK_NAMES,
  deployerIamPolicy,
  escDocument,
  escEnvironment,
  pathFilters,
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
  for (const stack of STACK_NAMES) {
    const delivery = cfg.delivery[stack];
    const roleName = `${PROJECT}-${stack}-deploy`;
    const role = new aws.iam.Role(`${stack}-deploy-role`, {
      name: roleName,
      description: `Assumed by Pulumi Deployments (OIDC) for ${cfg.organization}/${PROJECT}/${stack}`,
      assumeRolePolicy: oidc.arn.apply((providerArn) =>
        JSON.stringify(trustPolicy({ providerArn, org: cfg.organization, stack, esc: cfg.esc })),
      ),
      permissionsBoundary: cfg.permissionsBoundaryArn,
      maxSessionDuration: 3600,
    });
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
        name: `${roleName}-iam`,
        policy: JSON.stringify(deployerIamPolicy(stack, account.accountId)),
      },
      { parent: role },
    );
    roles[stack] = role.arn;

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
        oidc: { aws: { roleARN: role.arn, sessionName: `${PROJECT}-${stack}-deploy`, duration: "1h0m0s" } },
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
                roleArn: `arn:aws:iam::${account.accountId}:role/${roleName}`,
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
    escEnvironments: cfg.esc ? STACK_NAMES.map((s) => `${cfg.organization}/${escEnvironment(s)}`) : [],
  };
};
