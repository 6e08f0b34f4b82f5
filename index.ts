/**
 * ai-platform: reads the stack config once and composes the systems the stack enables.
 * Each system is one component in components/; this file only wires config into them.
 */
import * as pulumi from "@pulumi/pulumi";
import { AgentOrchestration } from "./components/agents";
import { PlatformConfig, loadConfig } from "./config";
import { awsProvider } from "./lib/aws";
import { SystemName } from "./lib/naming";

/** Builds one system for the stack and returns its stack outputs. */
type SystemBuilder = (cfg: PlatformConfig) => Record<string, pulumi.Input<unknown>>;

/** The systems this version of the program can deploy. A system's issue adds its builder here. */
const builders: Partial<Record<SystemName, SystemBuilder>> = {
  agents: (cfg) => {
    const c = cfg.agents!;
    const provider = awsProvider("agents", { project: cfg.project, stack: cfg.stack, region: cfg.region });
    const agents = new AgentOrchestration(
      "agents",
      {
        stack: cfg.stack,
        agentRuntimeArns: {
          researcher: c.agentsResearcherRuntimeArn,
          analyst: c.agentsAnalystRuntimeArn,
          writer: c.agentsWriterRuntimeArn,
        },
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
      { providers: [provider] },
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
