/**
 * `AgentRuntimes`: the researcher, analyst and writer agents as Bedrock AgentCore runtimes.
 *
 * Per agent: an ECR repository (`agent-orchestration-<stack>-<agent>-agent`, scan on push, keep the last
 * 10 images), the image built by Pulumi with @pulumi/docker-build for linux/arm64 from the agent's staged
 * context and pushed there, an IAM role AgentCore assumes (the configured model, the artifacts prefix, its
 * own image, its own logs), the `aws.bedrock.AgentcoreAgentRuntime` running the image **by digest**, and
 * the runtime's log group with a retention.
 *
 * `runtimeArns` is what the orchestration controller dispatches to, and what its role may invoke.
 */
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { keepLastImagesPolicy, type Statement } from "../../lib/aws";
import { fitName, Names } from "../../lib/naming";
import { stageAgentContext, type AgentBuildContext } from "./build-context";
import {
  AGENT_NAMES,
  agentRuntimeName,
  modelResources,
  runtimeStatements,
  runtimeTrustPolicy,
  type AgentName,
} from "./runtime-naming";

export interface AgentInferenceArgs {
  /** Most tokens one Converse answer may hold. @default 4096 */
  maxTokens?: pulumi.Input<number>;
  /** Sampling temperature, 0-1. @default 0.2 */
  temperature?: pulumi.Input<number>;
  /** Nucleus sampling, 0-1. @default unset (the model's default) */
  topP?: pulumi.Input<number>;
}

export interface AgentRuntimesArgs {
  /** Stack name; part of every physical name (`agent-orchestration-<stack>-...`). */
  stack: string;
  /**
   * Bedrock model the agents call with Converse: a foundation model id, a cross-region inference profile
   * id (`us.anthropic...`) or an ARN. The runtime roles may invoke this model and no other.
   * @example "anthropic.claude-3-5-sonnet-20241022-v2:0"
   */
  modelId: string;
  /** Inference settings passed to every Converse call. */
  inference?: AgentInferenceArgs;
  /** Artifacts bucket (part 1's); results over 200 KB go under `artifacts/`. */
  artifactsBucketName: pulumi.Input<string>;
  artifactsBucketArn: pulumi.Input<string>;
  /**
   * URL prefixes a dispatch's `callback_url` must start with (the orchestration API's callback route).
   * @default [] (any http(s) URL)
   * @example ["https://abc123.execute-api.us-east-1.amazonaws.com/callbacks/"]
   */
  callbackUrlPrefixes?: pulumi.Input<pulumi.Input<string>[]>;
  /** Retention of each runtime's log group, in days. @default 7 */
  logRetentionDays?: number;
  /** @default "INFO" */
  logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
  /** Seconds an idle AgentCore session lives (a running task keeps it busy). @default 900 */
  idleSessionTimeoutSeconds?: pulumi.Input<number>;
  /** Longest life of one AgentCore session, in seconds (the platform maximum is 8 hours). @default 28800 */
  maxLifetimeSeconds?: pulumi.Input<number>;
  /**
   * Delete the repositories with their images on destroy (images are rebuilt from git). The orchestration
   * passes agentsForceDestroy, so prod keeps its repositories. @default true
   */
  forceDeleteImages?: pulumi.Input<boolean>;
  /**
   * Build the images during `pulumi preview` too (needs a Docker daemon then). Off by default so previews
   * (e.g. on pull requests) run where no daemon is available; `pulumi up` always builds. @default false
   */
  buildOnPreview?: pulumi.Input<boolean>;
  /**
   * More environment for every agent (the runtime's settings: BEDROCK_MAX_ATTEMPTS, CALLBACK_MAX_ATTEMPTS,
   * MAX_CONCURRENT_TASKS...; see functions/agents/runtime/settings.ts). It cannot replace the variables the
   * component sets from the other arguments (ARTIFACT_BUCKET, MODEL_ID, MODEL_*, LOG_LEVEL...). @default {}
   */
  environment?: Record<string, pulumi.Input<string>>;
}

interface AgentResources {
  context: AgentBuildContext;
  repository: aws.ecr.Repository;
  image: dockerBuild.Image;
  role: aws.iam.Role;
  runtime: aws.bedrock.AgentcoreAgentRuntime;
  logGroup: aws.cloudwatch.LogGroup;
}

export class AgentRuntimes extends pulumi.ComponentResource {
  /** Runtime ARN per agent: what the controller invokes (and the only runtimes its role may invoke). */
  readonly runtimeArns: pulumi.Output<Record<AgentName, string>>;
  readonly runtimeIds: pulumi.Output<Record<AgentName, string>>;
  readonly runtimeNames: Record<AgentName, string>;
  readonly repositoryUrls: pulumi.Output<Record<AgentName, string>>;
  /** `<repository>@sha256:...` per agent: the exact image each runtime runs. */
  readonly imageRefs: pulumi.Output<Record<AgentName, string>>;
  readonly roleArns: pulumi.Output<Record<AgentName, string>>;
  /** The children, for callers that need more than the outputs. */
  readonly nodes: Record<AgentName, AgentResources>;

  constructor(name: string, args: AgentRuntimesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:agents:AgentRuntimes", name, {}, opts);
    const cfg = normalize(args);
    const names = new Names("agents", cfg.stack);
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const region = aws.getRegionOutput({}, { parent: this }).region;

    const nodes = {} as Record<AgentName, AgentResources>;
    const runtimeNames = {} as Record<AgentName, string>;
    for (const agent of AGENT_NAMES) {
      runtimeNames[agent] = agentRuntimeName(cfg.stack, agent);
      nodes[agent] = this.createAgent(name, agent, cfg, names, runtimeNames[agent], account, region);
    }

    const collect = (pick: (r: AgentResources) => pulumi.Input<string>) =>
      pulumi.all(Object.fromEntries(AGENT_NAMES.map((a) => [a, pick(nodes[a])]))) as pulumi.Output<
        Record<AgentName, string>
      >;
    this.nodes = nodes;
    this.runtimeNames = runtimeNames;
    this.runtimeArns = collect((r) => r.runtime.agentRuntimeArn);
    this.runtimeIds = collect((r) => r.runtime.agentRuntimeId);
    this.repositoryUrls = collect((r) => r.repository.repositoryUrl);
    this.imageRefs = collect((r) => pulumi.interpolate`${r.repository.repositoryUrl}@${r.image.digest}`);
    this.roleArns = collect((r) => r.role.arn);
    this.registerOutputs({
      runtimeArns: this.runtimeArns,
      runtimeIds: this.runtimeIds,
      repositoryUrls: this.repositoryUrls,
      imageRefs: this.imageRefs,
      roleArns: this.roleArns,
    });
  }

  /**
   * The statement for the orchestration controller's role: invoke these three runtimes (and their
   * endpoints), nothing else. Append it to the controller's `statements`.
   */
  invokeStatement(): Statement {
    return {
      Sid: "InvokeAgentRuntimes",
      Effect: "Allow",
      Action: ["bedrock-agentcore:InvokeAgentRuntime"],
      Resource: this.runtimeArns.apply((arns) =>
        AGENT_NAMES.flatMap((a) => [arns[a], `${arns[a]}/runtime-endpoint/*`]),
      ) as unknown as pulumi.Input<string>[],
    };
  }

  private createAgent(
    name: string,
    agent: AgentName,
    cfg: Normalized,
    names: Names,
    runtimeName: string,
    account: pulumi.Output<string>,
    region: pulumi.Output<string>,
  ): AgentResources {
    const parent = { parent: this };
    const context = stageAgentContext(agent);

    const repository = new aws.ecr.Repository(
      `${name}-${agent}-repo`,
      {
        name: names.name("ecrRepository", agent, "agent"),
        // The runtime runs the image by digest and the tag is the context's content hash: tags never move.
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        forceDelete: cfg.forceDeleteImages,
      },
      parent,
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-${agent}-lifecycle`,
      {
        repository: repository.name,
        policy: keepLastImagesPolicy(10),
      },
      parent,
    );

    const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, parent);
    const registry = repository.repositoryUrl.apply((u) => u.split("/")[0]);
    const image = new dockerBuild.Image(
      `${name}-${agent}-image`,
      {
        context: { location: context.dir },
        dockerfile: { location: context.dockerfile },
        platforms: ["linux/arm64"],
        push: true,
        buildOnPreview: cfg.buildOnPreview,
        // The tag is the context's content hash (never a clock): the same code gives the same tag.
        tags: [pulumi.interpolate`${repository.repositoryUrl}:${context.sha256.slice(0, 16)}`],
        labels: {
          "org.opencontainers.image.title": `${agent}-agent`,
          "org.opencontainers.image.description": `ai-platform ${agent} agent for Bedrock AgentCore`,
        },
        registries: [{ address: registry, username: auth.userName, password: pulumi.secret(auth.password) }],
      },
      parent,
    );

    const role = new aws.iam.Role(
      `${name}-${agent}-role`,
      {
        name: names.name("iamRole", agent, "runtime"),
        description: `Assumed by the ${agent} AgentCore runtime`,
        assumeRolePolicy: pulumi.all([region, account]).apply(([r, a]) => runtimeTrustPolicy(r, a)),
      },
      parent,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-${agent}-policy`,
      {
        role: role.id,
        name: fitName("iamPolicy", `${names.name("iamRole", agent, "runtime")}-policy`),
        policy: pulumi
          .all([region, account, pulumi.output(cfg.artifactsBucketArn), repository.arn])
          .apply(([r, a, bucketArn, repoArn]) =>
            JSON.stringify({
              Version: "2012-10-17",
              Statement: runtimeStatements({
                modelResources: modelResources(cfg.modelId, r, a),
                artifactsBucketArn: bucketArn,
                repositoryArn: repoArn,
                region: r,
                account: a,
                runtimeName,
              }),
            }),
          ),
      },
      parent,
    );

    const runtime = new aws.bedrock.AgentcoreAgentRuntime(
      `${name}-${agent}-runtime`,
      {
        agentRuntimeName: runtimeName,
        description: `ai-platform ${agent} agent (${cfg.stack})`,
        roleArn: role.arn,
        agentRuntimeArtifact: {
          containerConfiguration: {
            containerUri: pulumi.interpolate`${repository.repositoryUrl}@${image.digest}`,
          },
        },
        networkConfiguration: { networkMode: "PUBLIC" },
        protocolConfiguration: { serverProtocol: "HTTP" },
        lifecycleConfigurations: [
          { idleRuntimeSessionTimeout: cfg.idleSessionTimeoutSeconds, maxLifetime: cfg.maxLifetimeSeconds },
        ],
        environmentVariables: this.environment(agent, cfg),
      },
      // The role must be able to pull the image and write logs before AgentCore validates the runtime.
      { parent: this, dependsOn: [policy] },
    );
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-${agent}-logs`,
      {
        name: pulumi.interpolate`/aws/bedrock-agentcore/runtimes/${runtime.agentRuntimeId}-DEFAULT`,
        retentionInDays: cfg.logRetentionDays,
      },
      parent,
    );
    return { context, repository, image, role, runtime, logGroup };
  }

  private environment(agent: AgentName, cfg: Normalized): pulumi.Input<Record<string, pulumi.Input<string>>> {
    const inference = cfg.inference;
    return pulumi
      .all([
        cfg.artifactsBucketName,
        inference.maxTokens,
        inference.temperature,
        inference.topP,
        cfg.callbackUrlPrefixes,
        cfg.environment,
      ])
      .apply(([bucket, maxTokens, temperature, topP, prefixes, extra]) => {
        const env: Record<string, string> = {
          ...(extra as Record<string, string>),
          ARTIFACT_BUCKET: bucket,
          MODEL_ID: cfg.modelId,
          MODEL_MAX_TOKENS: String(maxTokens),
          MODEL_TEMPERATURE: String(temperature),
          LOG_LEVEL: cfg.logLevel,
          POWERTOOLS_SERVICE_NAME: `${agent}-agent`,
        };
        if (topP !== undefined) env.MODEL_TOP_P = String(topP);
        if (prefixes.length > 0) env.CALLBACK_URL_PREFIXES = prefixes.join(",");
        return env;
      });
  }
}

type Normalized = ReturnType<typeof normalize>;

/** Defaults in one place; bad values fail before anything is registered. */
function normalize(args: AgentRuntimesArgs) {
  if (!/^[A-Za-z0-9][A-Za-z0-9.:/_-]{2,2047}$/.test(args.modelId)) {
    throw new Error(
      `AgentRuntimes: modelId "${args.modelId}" must be a Bedrock model id, inference profile id or ARN`,
    );
  }
  const retention = args.logRetentionDays ?? 7;
  const allowed = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
  ];
  if (!allowed.includes(retention)) {
    throw new Error(
      `AgentRuntimes: logRetentionDays ${retention} must be one of CloudWatch's values (${allowed.join(", ")})`,
    );
  }
  return {
    stack: args.stack,
    modelId: args.modelId,
    inference: {
      maxTokens: args.inference?.maxTokens ?? 4096,
      temperature: args.inference?.temperature ?? 0.2,
      topP: args.inference?.topP,
    },
    artifactsBucketName: args.artifactsBucketName,
    artifactsBucketArn: args.artifactsBucketArn,
    callbackUrlPrefixes: pulumi.output(args.callbackUrlPrefixes ?? []),
    logRetentionDays: retention,
    logLevel: args.logLevel ?? "INFO",
    idleSessionTimeoutSeconds: args.idleSessionTimeoutSeconds ?? 900,
    maxLifetimeSeconds: args.maxLifetimeSeconds ?? 28800,
    forceDeleteImages: args.forceDeleteImages ?? true,
    buildOnPreview: args.buildOnPreview ?? false,
    environment: pulumi.output(args.environment ?? {}),
  };
}
