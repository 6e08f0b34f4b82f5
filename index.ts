/**
 * ai-platform: reads the stack config once and composes the systems the stack enables.
 * Each system is one component in components/; this file only wires config into them.
 */
import * as pulumi from "@pulumi/pulumi";
import { TamaWorkspace } from "./components/tama";
import { E2eFaas } from "./components/e2e";
import { PlatformConfig, loadConfig } from "./config";
import { loadSourceApiKeys } from "./config/tama";
import { playgroundApiSettings } from "./config/playground";
import { TammaPipeline } from "./components/tamma";
import { ModelSharePlayground } from "./components/model-share";
import { AgentOrchestration } from "./components/agents";
import { awsProvider, boundaryTransformation, stackBoundaryArn } from "./lib/aws";
import { SystemName } from "./lib/naming";

/** Options of an AWS system's component: its provider, and the stack's permissions boundary on its IAM. */
function awsOptions(
  cfg: PlatformConfig,
  provider: ReturnType<typeof awsProvider>,
): pulumi.ComponentResourceOptions {
  return {
    providers: [provider],
    transformations: cfg.iamBoundary
      ? [boundaryTransformation(cfg.iamBoundaryArn ?? stackBoundaryArn(cfg.stack, provider))]
      : [],
  };
}

/** Builds one system for the stack and returns its stack outputs. */
type SystemBuilder = (cfg: PlatformConfig) => Record<string, pulumi.Input<unknown>>;

/** The systems this version of the program can deploy. A system's issue adds its builder here. */
const builders: Partial<Record<SystemName, SystemBuilder>> = {
  // Tama is a SaaS API: no AWS resources, so no AWS provider; the connection reaches the dynamic providers
  // through `configure` (the stack's `tama:` keys) or the TAMA_* environment variables.
  tama: (cfg) => {
    const ws = cfg.tama!.tamaWorkspace;
    const apiKeys = loadSourceApiKeys(ws);
    const workspace = new TamaWorkspace("tama", {
      space: ws.space,
      sources: ws.sources.map((s) => ({ ...s, apiKey: apiKeys[s.key] })),
      protect: cfg.protect,
    });
    return {
      tamaSpaceId: workspace.spaceId,
      tamaSpaceSlug: workspace.spaceSlug,
      tamaSourceIds: workspace.sourceIds,
      tamaModelIds: workspace.modelIds,
      tamaLimitIds: workspace.limitIds,
    };
  },
  // E2E FaaS creates no AWS resource: its functions live on E2E Networks, reached through the e2e provider.
  e2e: (cfg) => ({
    e2eFunctionUrls: new E2eFaas("e2e", { stack: cfg.stack, functions: cfg.e2e!.e2eFunctions }).urls,
  }),
  tamma: (cfg) => {
    const t = cfg.tamma!;
    const provider = awsProvider("tamma", { project: cfg.project, stack: cfg.stack, region: cfg.region });
    const pipeline = new TammaPipeline(
      "tamma",
      {
        stack: cfg.stack,
        region: cfg.region,
        natGateways: t.tammaNatGateways,
        interfaceEndpoints: t.tammaInterfaceEndpoints,
        queueType: t.tammaQueueType,
        corsOrigins: t.tammaCorsOrigins,
        workerCpu: t.tammaWorkerCpu,
        workerMemory: t.tammaWorkerMemory,
        capacityStrategy: t.tammaCapacityStrategy,
        triggerBatchSize: t.tammaTriggerBatchSize,
        triggerBatchWindowSeconds: t.tammaTriggerBatchWindowSeconds,
        triggerTimeoutSeconds: t.tammaTriggerTimeoutSeconds,
        gpu: { enabled: t.tammaGpuEnabled, maxSize: t.tammaGpuMaxSize, instanceType: t.tammaGpuInstanceType },
        alarmTopicArn: t.tammaAlarmTopicArn,
        alarmEmail: t.tammaAlarmEmail,
        supabaseUrl: t.tammaSupabaseUrl,
        supabaseServiceKey: t.tammaSupabaseServiceKey,
        logRetentionDays: cfg.logRetentionDays,
        logLevel: cfg.logLevel,
        protect: cfg.protect,
      },
      awsOptions(cfg, provider),
    );
    return {
      tammaClusterName: pipeline.clusterName,
      tammaJobsQueueUrl: pipeline.jobsQueueUrl,
      tammaDeadLetterQueueUrl: pipeline.deadLetterQueueUrl,
      tammaRawBucket: pipeline.rawBucket,
      tammaDerivedBucket: pipeline.derivedBucket,
      tammaWorkerImage: pipeline.imageRef,
      tammaPresignAccessKeyId: pipeline.presignAccessKeyId,
      tammaPresignSecretAccessKey: pipeline.presignSecretAccessKey,
    };
  },
  playground: (cfg) => {
    const p = cfg.playground!;
    const provider = awsProvider("playground", {
      project: cfg.project,
      stack: cfg.stack,
      region: cfg.region,
    });
    const playground = new ModelSharePlayground(
      "playground",
      {
        stack: cfg.stack,
        safeConcurrency: p.playgroundSafeConcurrency,
        enablePitr: p.playgroundEnablePitr,
        deletionProtection: p.playgroundDeletionProtection,
        protect: cfg.protect,
        corsOrigins: p.playgroundCorsOrigins,
        throttling: {
          burstLimit: p.playgroundThrottlingBurstLimit,
          rateLimit: p.playgroundThrottlingRateLimit,
        },
        logRetentionDays: p.playgroundLogRetentionDays ?? cfg.logRetentionDays,
        logLevel: cfg.logLevel,
        layer: p.playgroundUseLayer ? { path: p.playgroundLayerPath } : undefined,
        api: playgroundApiSettings(p, cfg.region),
      },
      awsOptions(cfg, provider),
    );
    return {
      apiBaseUrl: playground.apiBaseUrl,
      dynamodbTableName: playground.dynamodbTableName,
      lambdaName: playground.lambdaName,
    };
  },
  agents: (cfg) => {
    const c = cfg.agents!;
    const provider = awsProvider("agents", { project: cfg.project, stack: cfg.stack, region: cfg.region });
    const agents = new AgentOrchestration(
      "agents",
      {
        stack: cfg.stack,
        agents: c.agentsResearcherRuntimeArn
          ? {
              arns: {
                researcher: c.agentsResearcherRuntimeArn,
                analyst: c.agentsAnalystRuntimeArn!,
                writer: c.agentsWriterRuntimeArn!,
              },
            }
          : { build: { modelId: c.agentsModelId } },
        approvalTimeoutHours: c.agentsApprovalTimeoutHours,
        workflowRetentionDays: c.agentsWorkflowRetentionDays,
        durableRetentionDays: c.agentsDurableRetentionDays,
        artifactRetentionDays: c.agentsArtifactRetentionDays,
        artifactVersioning: c.agentsArtifactVersioning,
        forceDestroy: c.agentsForceDestroy,
        controllerMemory: c.agentsControllerMemory,
        controllerTimeout: c.agentsControllerTimeout,
        tracing: c.agentsTracing,
        corsOrigins: c.agentsCorsOrigins,
        auth:
          c.agentsApiAuth === "jwt"
            ? { type: "jwt", issuer: c.agentsJwtIssuer!, audience: c.agentsJwtAudience! }
            : { type: "iam" },
        logLevel: cfg.logLevel,
        logRetentionDays: cfg.logRetentionDays,
        protect: cfg.protect,
      },
      awsOptions(cfg, provider),
    );
    return {
      agentsApiEndpoint: agents.apiEndpoint,
      agentsApiId: agents.apiId,
      agentsWorkflowTableName: agents.tableName,
      agentsArtifactBucketName: agents.bucketName,
      agentsControllerFunctionName: agents.controllerFunctionName,
      agentsControllerAliasArn: agents.controllerAliasArn,
      agentsApiFunctionName: agents.apiFunctionName,
      agentsCallbackFunctionName: agents.callbackFunctionName,
      agentsEventsLogGroupName: agents.eventsLogGroupName,
    };
  },
};

export = async (): Promise<Record<string, unknown>> => {
  const cfg = loadConfig(Object.keys(builders) as SystemName[]);
  const outputs: Record<string, unknown> = { stack: cfg.stack, systems: cfg.systems };
  for (const system of cfg.systems) Object.assign(outputs, builders[system]!(cfg));
  return outputs;
};
