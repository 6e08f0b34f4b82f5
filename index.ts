/**
 * ai-platform: reads the stack config once and composes the systems the stack enables.
 * Each system is one component in components/; this file only wires config into them.
 */
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig, loadConfig } from "./config";
import { ModelSharePlayground } from "./components/model-share";
import { awsProvider } from "./lib/aws";
import { SystemName } from "./lib/naming";

/** Builds one system for the stack and returns its stack outputs. */
type SystemBuilder = (cfg: PlatformConfig) => Record<string, pulumi.Input<unknown>>;

/** The systems this version of the program can deploy. A system's issue adds its builder here. */
const builders: Partial<Record<SystemName, SystemBuilder>> = {
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
      },
      { providers: [provider] },
    );
    return {
      apiBaseUrl: playground.apiBaseUrl,
      dynamodbTableName: playground.dynamodbTableName,
      lambdaName: playground.lambdaName,
    };
  },
};

export = async (): Promise<Record<string, unknown>> => {
  const cfg = loadConfig(Object.keys(builders) as SystemName[]);
  const outputs: Record<string, unknown> = { stack: cfg.stack, systems: cfg.systems };
  for (const system of cfg.systems) Object.assign(outputs, builders[system]!(cfg));
  return outputs;
};
