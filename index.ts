/**
 * ai-platform: reads the stack config once and composes the systems the stack enables.
 * Each system is one component in components/; this file only wires config into them.
 */
import * as pulumi from "@pulumi/pulumi";
import { TammaPipeline } from "./components/tamma";
import { PlatformConfig, loadConfig } from "./config";
import { awsProvider } from "./lib/aws";
import { SystemName } from "./lib/naming";

/** Builds one system for the stack and returns its stack outputs. */
type SystemBuilder = (cfg: PlatformConfig) => Record<string, pulumi.Input<unknown>>;

/** The systems this version of the program can deploy. A system's issue adds its builder here. */
const builders: Partial<Record<SystemName, SystemBuilder>> = {
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
        supabaseUrl: t.tammaSupabaseUrl,
        supabaseServiceKey: t.tammaSupabaseServiceKey,
        logRetentionDays: cfg.logRetentionDays,
        logLevel: cfg.logLevel,
        protect: cfg.protect,
      },
      { providers: [provider] },
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
};

export = async (): Promise<Record<string, unknown>> => {
  const cfg = loadConfig(Object.keys(builders) as SystemName[]);
  const outputs: Record<string, unknown> = { stack: cfg.stack, systems: cfg.systems };
  for (const system of cfg.systems) Object.assign(outputs, builders[system]!(cfg));
  return outputs;
};
