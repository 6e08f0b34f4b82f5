/** Shared set-up for the E2E FaaS tests: a configured provider against the emulator, fast polling. */
import * as pulumi from "@pulumi/pulumi";
import { FaasFunctionInputs } from "../../providers/e2e/api";
import { E2eEmulator } from "./emulator";

/** Every variable the provider reads; tests clear them so the developer's own never leak in. */
export const CONNECTION_ENV = [
  "E2E_API_KEY",
  "SERVICE_API_KEY",
  "E2E_AUTH_TOKEN",
  "SERVICE_AUTH_TOKEN",
  "E2E_PROJECT_ID",
  "E2E_LOCATION",
  "E2E_REGION",
  "E2E_BASE_URL",
  "SERVICE_API_ENDPOINT",
];

/** Clears the connection variables for a suite and restores them after. */
export function isolateEnv(): void {
  const saved: Record<string, string | undefined> = {};
  before(() => {
    for (const k of CONNECTION_ENV) {
      saved[k] = process.env[k];
      delete process.env[k];
    }
  });
  after(() => {
    for (const k of CONNECTION_ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
}

/** A `configure` request carrying `config` (`e2e:<key>` → string), as the host builds it. */
export function configureRequest(config: Record<string, string>): pulumi.dynamic.ConfigureRequest {
  return {
    config: {
      get: (k: string) => config[k],
      require: (k: string) => {
        if (config[k] === undefined) throw new Error(`missing ${k}`);
        return config[k];
      },
    },
  } as pulumi.dynamic.ConfigureRequest;
}

/** Polling fast enough for tests; production defaults are 1 s growing to 10 s within 10 min. */
export const FAST = {
  create: "3s",
  update: "3s",
  delete: "3s",
  pollInterval: "5ms",
  pollMaxInterval: "20ms",
};

export function sample(over: Partial<FaasFunctionInputs> = {}): FaasFunctionInputs {
  return {
    name: "process-orders",
    runtime: "python3-http-debian",
    codeInline: "def handle(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n",
    config: { memoryMb: 512, timeoutSeconds: 30 },
    environment: { MAX_ORDERS: "100" },
    timeouts: FAST,
    ...over,
  };
}

/** Asserts a text carries none of the emulator's credentials. */
export function assertNoCredential(emu: E2eEmulator, text: string, what: string): void {
  for (const secret of [emu.opts.apiKey, emu.opts.authToken])
    if (text.includes(secret)) throw new Error(`${what} contains a credential: ${text}`);
}
