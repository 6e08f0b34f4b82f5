/**
 * The shared agent runtime. `startAgent` runs one of the real agents as a local server (tests, benchmarks
 * and `npm run dev:agents`); the containers use `serveFromEnv` from each agent's index.ts.
 */
import { analyst } from "../analyst/agent";
import { researcher } from "../researcher/agent";
import { writer } from "../writer/agent";
import type { z } from "zod";
import type { AgentDefinition } from "./agent";
import type { AgentName } from "./contract";
import { createAgentServer, type AgentHandle, type AgentServerDeps } from "./server";
import { loadSettings } from "./settings";

export { AGENTS, type AgentName } from "./contract";
export type { AgentHandle, AgentServerDeps } from "./server";
export { loadSettings, SettingsError, type Settings } from "./settings";

export const AGENT_DEFINITIONS: Record<AgentName, AgentDefinition<z.ZodRawShape>> = {
  researcher: researcher as unknown as AgentDefinition<z.ZodRawShape>,
  analyst: analyst as unknown as AgentDefinition<z.ZodRawShape>,
  writer: writer as unknown as AgentDefinition<z.ZodRawShape>,
};

export interface StartAgentOptions {
  agent: AgentName;
  /** @default 0 (a free port) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** Settings (see settings.ts) on top of `process.env`; ARTIFACT_BUCKET and MODEL_ID are required somewhere. */
  env?: Record<string, string | undefined>;
  deps?: AgentServerDeps;
}

/** Starts a real agent on loopback; returns its URL and `close()`. */
export async function startAgent(opts: StartAgentOptions): Promise<AgentHandle> {
  const def = AGENT_DEFINITIONS[opts.agent];
  if (!def)
    throw new Error(
      `startAgent: unknown agent "${opts.agent}" (have ${Object.keys(AGENT_DEFINITIONS).join(", ")})`,
    );
  const settings = loadSettings({
    ...process.env,
    ...opts.env,
    PORT: String(opts.port ?? 0),
    HOST: opts.host ?? "127.0.0.1",
  });
  return createAgentServer(def, settings, opts.deps).listen();
}
