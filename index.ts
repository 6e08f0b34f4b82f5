/**
 * ai-platform: reads the stack config once and composes the systems the stack enables.
 * Each system is one component in components/; this file only wires config into them.
 */
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig, loadConfig } from "./config";
import { SystemName } from "./lib/naming";

/** Builds one system for the stack and returns its stack outputs. */
type SystemBuilder = (cfg: PlatformConfig) => Record<string, pulumi.Input<unknown>>;

/** The systems this version of the program can deploy. A system's issue adds its builder here. */
const builders: Partial<Record<SystemName, SystemBuilder>> = {};

export = async (): Promise<Record<string, unknown>> => {
  const cfg = loadConfig(Object.keys(builders) as SystemName[]);
  const outputs: Record<string, unknown> = { stack: cfg.stack, systems: cfg.systems };
  for (const system of cfg.systems) Object.assign(outputs, builders[system]!(cfg));
  return outputs;
};
