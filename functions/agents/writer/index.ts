/**
 * Container entry of the writer agent: serves the AgentCore HTTP protocol on PORT (default 8080).
 * Settings come from the environment (see ../runtime/settings.ts): ARTIFACT_BUCKET and MODEL_ID are required.
 */
import { serveFromEnv } from "../runtime/serve";
import { writer } from "./agent";

void serveFromEnv(writer);
