/** The container entry: settings from the environment, listen, drain running tasks on SIGTERM. */
import type { z } from "zod";
import type { AgentDefinition } from "./agent";
import { createAgentServer } from "./server";
import { loadSettings, SettingsError } from "./settings";

export async function serveFromEnv<S extends z.ZodRawShape>(def: AgentDefinition<S>): Promise<void> {
  let settings;
  try {
    settings = loadSettings(process.env);
  } catch (err) {
    const problems = err instanceof SettingsError ? err.problems : ["unreadable settings"];
    process.stderr.write(
      JSON.stringify({
        level: "ERROR",
        message: "agent_settings_invalid",
        service: `${def.name}-agent`,
        problems,
      }) + "\n",
    );
    process.exit(1);
  }
  const handle = await createAgentServer(def, settings).listen();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void handle.close(25_000).then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
