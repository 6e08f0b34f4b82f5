/** Shared fixtures of the Tama tests: credentials the emulator knows, and configuring a provider. */
import * as pulumi from "@pulumi/pulumi";
import { registry } from "../../providers/tama/client";
import { TamaEmulator } from "./emulator";

export const CLIENT_ID = "ai-platform-ci";
export const CLIENT_SECRET = "cs-3f1d8a6b9c2e4f70a1b2c3d4e5f60718";
export const STATIC_KEY = "tama-static-key-7c9e2a41d0b84f3e";
export const OPENAI_KEY = "sk-openai-5d2b7e9a1c3f4a6b8d0e2f4a";

export const TAMA_ENV = ["TAMA_BASE_URL", "TAMA_API_KEY", "TAMA_CLIENT_ID", "TAMA_CLIENT_SECRET"];

/** Starts an emulator that knows the test client and static key. */
export function startEmulator(tokenTtlSeconds?: number): Promise<TamaEmulator> {
  return TamaEmulator.start({
    clients: { [CLIENT_ID]: CLIENT_SECRET },
    apiKeys: [STATIC_KEY],
    tokenTtlSeconds,
  });
}

/** Stack config for the emulator, as the engine hands it to `configure`. */
export function oauthConfig(emu: TamaEmulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    "tama:baseUrl": emu.baseUrl,
    "tama:clientId": CLIENT_ID,
    "tama:clientSecret": CLIENT_SECRET,
    ...extra,
  };
}

/** Calls `configure` the way the provider host does. */
export async function configure(
  provider: pulumi.dynamic.ResourceProvider,
  config: Record<string, string>,
): Promise<void> {
  await provider.configure!({
    config: {
      get: (k: string) => config[k.includes(":") ? k : `ai-platform:${k}`],
      require: (k: string) => {
        const v = config[k];
        if (v === undefined) throw new Error(`Missing required configuration key: ${k}`);
        return v;
      },
    },
  });
}

/** Forgets every cached token of this process. */
export function clearTokens(): void {
  registry().tokens.clear();
}

/** Clears the TAMA_* variables for a test and gives back a function that restores them. */
export function isolateEnv(set: Record<string, string> = {}): () => void {
  const saved = Object.fromEntries(TAMA_ENV.map((k) => [k, process.env[k]]));
  for (const k of TAMA_ENV) delete process.env[k];
  Object.assign(process.env, set);
  return () => {
    for (const k of TAMA_ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  };
}

/** Every credential a test uses: none may appear in an error, a log line or serialized code. */
export const ALL_SECRETS = [CLIENT_SECRET, STATIC_KEY, OPENAI_KEY];
