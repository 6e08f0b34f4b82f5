/** What an agent is: its card, its payload fields, its prompts and its work. */
import type { z } from "zod";
import type { Artifacts } from "./artifacts";
import type { AgentName, CommonPayload } from "./contract";
import type { AgentLogger } from "./logger";
import type { Model } from "./model";
import type { Prompts } from "./prompts";
import type { Settings } from "./settings";

export interface TaskContext<P> {
  payload: P;
  taskId: string;
  prompts: Prompts;
  model: Model;
  artifacts: Artifacts;
  logger: AgentLogger;
  settings: Settings;
}

export interface AgentDefinition<S extends z.ZodRawShape = z.ZodRawShape> {
  name: AgentName;
  description: string;
  skill: { id: string; name: string; description: string };
  /** The agent's own payload fields (the common ones are added by the runtime). */
  payloadShape: S;
  /** Folder holding `prompts/`. */
  promptDir: string;
  /** Files in `prompts/` the agent uses. */
  promptFiles: string[];
  /** Does the work; returns the result JSON sent in the SUCCESS callback. */
  run(ctx: TaskContext<CommonPayload & z.infer<z.ZodObject<S>>>): Promise<unknown>;
}

/** Helper that keeps the payload type of `run` tied to `payloadShape`. */
export function defineAgent<S extends z.ZodRawShape>(def: AgentDefinition<S>): AgentDefinition<S> {
  return def;
}
