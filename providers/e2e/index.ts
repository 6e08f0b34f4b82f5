/**
 * E2E Networks FaaS for Pulumi: the `FaasFunction` resource (type `pulumi-nodejs:dynamic/e2e:FaasFunction`),
 * its provider, and the runtimes lookup.
 *
 * Connection: stack config `e2e:apiKey` (secret), `e2e:authToken` (secret), `e2e:projectId`, `e2e:location`
 * (default `Delhi`), `e2e:baseUrl` (default `https://api.e2enetworks.com/myaccount/api/v1/`), or the
 * variables `E2E_API_KEY`, `E2E_AUTH_TOKEN`, `E2E_PROJECT_ID`, `E2E_LOCATION`, `E2E_BASE_URL` (and the
 * Terraform provider's `SERVICE_API_KEY`, `SERVICE_AUTH_TOKEN`, `SERVICE_API_ENDPOINT`). They never enter a
 * resource's inputs or the serialized provider.
 *
 * @example
 * new FaasFunction("orders", {
 *   name: "process-orders",
 *   runtime: "python3-http-debian",
 *   codePath: "functions/e2e-process-orders/handler.py",
 *   config: { memoryMb: 512, timeoutSeconds: 60 },
 * });
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as api from "./api";
import { minifiedModule } from "../minified";
import { callApi, faasFunctionProvider, messageOf } from "./provider";
import type * as ProviderModule from "./provider";

export type { FunctionConfig, FunctionTimeouts, Hardware, Runtime } from "./api";

/** The providers of this module, for driving them directly (tests, tools). */
export const providers = { faasFunction: faasFunctionProvider };

/** The provider the engine receives: the same code, minified (providers/minified.ts says why). */
export function deployedProviders(): typeof providers {
  return {
    faasFunction: minifiedModule<typeof ProviderModule>("providers/e2e/provider.ts").faasFunctionProvider,
  };
}

export interface FaasFunctionArgs {
  /** Function name, unique in the project: 1-40 lowercase letters, digits and `-`, starting with a letter. Changing it replaces the function. */
  name: pulumi.Input<string>;
  /** Runtime id, e.g. `python3-http-debian` or `node18` (see `getRuntimes`). Changing it replaces the function. */
  runtime: pulumi.Input<string>;
  /** The handler source. Exactly one of `codeInline` and `codePath`. */
  codeInline?: pulumi.Input<string>;
  /** A handler file, read by the program (relative to the project directory); its content's hash decides updates. */
  codePath?: pulumi.Input<string>;
  /** Text of the runtime's requirements file (e.g. requirements.txt). @default "" */
  requirements?: pulumi.Input<string>;
  /** Memory, timeout and hardware. `replicas` is rejected: the API has no field for it. */
  config?: pulumi.Input<{
    /** @default 512 */
    memoryMb?: pulumi.Input<number>;
    /** @default 15 */
    timeoutSeconds?: pulumi.Input<number>;
    /** Not supported by the API; setting it fails the preview. */
    replicas?: pulumi.Input<number>;
    /** Must match the runtime's hardware; changing it replaces the function. @default "cpu" */
    hardware?: pulumi.Input<api.Hardware>;
  }>;
  /** Environment variables: names of letters, digits and `_` (≤ 50), `PORT` is reserved. */
  environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Names of secrets already defined in E2E's FaaS secret store. */
  secrets?: pulumi.Input<pulumi.Input<string>[]>;
  /** Adopt the live function of this name (it must equal `name`) instead of creating one. */
  existingId?: pulumi.Input<string>;
  /** Waits: `{ create: "10m", update: "10m", delete: "5m", pollInterval: "1s", pollMaxInterval: "10s" }`. */
  timeouts?: pulumi.Input<api.FunctionTimeouts>;
}

/** Reads a handler file for `codePath`, with an error naming the resource and the file. */
export function readCodeFile(resource: string, codePath: string): string {
  const rel = path.relative(process.cwd(), path.resolve(codePath));
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel))
    throw new Error(
      `FaasFunction "${resource}": codePath ${JSON.stringify(codePath)} resolves outside the project directory; use a path inside it`,
    );
  try {
    return fs.readFileSync(path.resolve(codePath), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new Error(
      `FaasFunction "${resource}": codePath ${JSON.stringify(codePath)} cannot be read (${code})`,
      { cause: e },
    );
  }
}

/** One E2E FaaS function, created and kept running through the MyAccount API. */
export class FaasFunction extends pulumi.dynamic.Resource {
  /** Function name (also the resource id). */
  declare readonly name: pulumi.Output<string>;
  declare readonly runtime: pulumi.Output<string>;
  /** Invoke URL (`https://<name>-<suffix>.serverless.e2enetworks.net/`). */
  declare readonly url: pulumi.Output<string>;
  /** Last status seen: `running` after a successful deploy. */
  declare readonly status: pulumi.Output<string>;
  /** sha256 of the deployed code. */
  declare readonly codeHash: pulumi.Output<string>;
  declare readonly projectId: pulumi.Output<string>;
  declare readonly location: pulumi.Output<string>;
  /** The function's environment variables: always a secret output (`additionalSecretOutputs`). */
  declare readonly environment: pulumi.Output<Record<string, string>>;

  /**
   * `environment` is always stored as a secret in state (`pulumi stack export` shows ciphertext), whether
   * or not the input was a secret: environment values are often credentials and the program cannot tell.
   */
  constructor(name: string, args: FaasFunctionArgs, opts?: pulumi.CustomResourceOptions) {
    const codeFile =
      args.codePath === undefined
        ? undefined
        : pulumi.output(args.codePath).apply((p) => readCodeFile(name, p));
    super(
      deployedProviders().faasFunction,
      name,
      {
        ...args,
        codeFile,
        url: undefined,
        status: undefined,
        codeHash: undefined,
        projectId: undefined,
        location: undefined,
      },
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "environment"] },
      "e2e",
      "FaasFunction",
    );
  }
}

export interface GetRuntimesArgs {
  /** Keep only runtimes on this hardware (`cpu` or `gpu`). */
  hardware?: string;
}

/** The stack's E2E connection settings as the program sees them (stack config `e2e:*`). */
function programConfig(): api.RawConfig {
  const cfg = new pulumi.Config("e2e");
  const raw: api.RawConfig = {};
  for (const k of ["apiKey", "authToken", "projectId", "location", "baseUrl"] as const) {
    const v = cfg.get(k);
    if (v !== undefined) raw[k] = v;
  }
  return raw;
}

/** The runtimes E2E FaaS offers (`GET faas/runtimes/`), optionally only those on one hardware. */
export async function getRuntimes(args: GetRuntimesArgs = {}): Promise<api.Runtime[]> {
  const conn = api.resolveConnection(programConfig(), process.env);
  try {
    return await listRuntimes(conn, args.hardware);
  } catch (e) {
    throw new Error(`getRuntimes: ${messageOf(e)}`, { cause: e });
  }
}

/** The runtimes the account's project offers (`GET faas/runtimes/`); program side only, never serialized. */
export async function listRuntimes(conn: api.Connection, hardware?: string): Promise<api.Runtime[]> {
  const env = await callApi<unknown>(conn, conn, "GET", api.PATHS.runtimes);
  return api.mapRuntimes(env.data, hardware);
}

/** `getRuntimes` for Inputs. */
export function getRuntimesOutput(
  args: { hardware?: pulumi.Input<string> } = {},
): pulumi.Output<api.Runtime[]> {
  return pulumi.output(args.hardware).apply((hardware) => getRuntimes({ hardware }));
}
