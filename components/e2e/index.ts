/**
 * E2E Networks FaaS: the functions a stack declares in `ai-platform:e2eFunctions`, each a `FaasFunction`
 * (providers/e2e) created, kept running and updated through the E2E MyAccount API. The invoke URL of every
 * function is an output.
 *
 * No credential passes through this component: the provider reads `e2e:*` stack config (or E2E_* variables)
 * itself, in the provider host. A function's environment is passed on as a secret Output, so it is encrypted
 * in state and hidden in previews: its values may be credentials (the stack config keeps them encrypted when
 * set with `pulumi config set --secret --path ...`, and the runtime then only knows that the whole
 * `ai-platform:e2eFunctions` key is secret, not which value).
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Names } from "../../lib/naming";
import { FaasFunction } from "../../providers/e2e";
import { NAME_RULE, NAME_RULE_TEXT } from "../../providers/e2e/api";

/** One function. */
export interface E2eFunctionArgs {
  /** Runtime id, e.g. `python3-http-debian`. Changing it replaces the function. */
  runtime: pulumi.Input<string>;
  /** Handler file (relative to the project directory), uploaded as source; its content's hash decides updates. */
  codePath: pulumi.Input<string>;
  /** Requirements file, relative to the project directory. @default none (empty requirements) */
  requirementsPath?: string;
  /** @default 512 */
  memoryMb?: pulumi.Input<number>;
  /** @default 15 */
  timeoutSeconds?: pulumi.Input<number>;
  /** Must match the runtime; changing it replaces the function. @default "cpu" */
  hardware?: pulumi.Input<"cpu" | "gpu">;
  /** @default {} */
  environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Names of secrets in E2E's FaaS secret store. @default [] */
  secrets?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Function name on E2E; set it to keep a name created outside this program (with `adopt`).
   * @default "e2e-faas-<stack>-<key>"
   */
  physicalName?: string;
  /** Adopt the live function named `physicalName` instead of creating one. @default false */
  adopt?: boolean;
}

export interface E2eFaasArgs {
  /** The stack: part of every function's name. */
  stack: string;
  /**
   * Functions by key (the key names the Pulumi resource and, by default, the function).
   * @example { "process-orders": { runtime: "python3-http-debian", codePath: "functions/e2e-process-orders/handler.py" } }
   */
  functions: Record<string, E2eFunctionArgs>;
}

interface NormalizedFunction {
  key: string;
  physicalName: string;
  args: E2eFunctionArgs;
  requirements?: string;
}

/** Function names per stack, from lib/naming, checked against E2E's name rule (≤ 40 characters). */
export function functionNames(
  stack: string,
  keys: string[],
  overrides: Record<string, string | undefined> = {},
) {
  const names = new Names("e2e", stack);
  const out: Record<string, string> = {};
  for (const key of keys) {
    const name = overrides[key] ?? `${names.prefix}-${key}`;
    if (!NAME_RULE.test(name))
      throw new Error(
        `ai-platform:e2eFunctions.${key}: function name "${name}" breaks E2E's name rule (${NAME_RULE_TEXT}); shorten the key or set physicalName`,
      );
    out[key] = name;
  }
  const seen = new Map<string, string>();
  for (const [key, name] of Object.entries(out)) {
    if (seen.has(name))
      throw new Error(
        `ai-platform:e2eFunctions: ${seen.get(name)} and ${key} both name the function "${name}"`,
      );
    seen.set(name, key);
  }
  return out;
}

/** The stack's E2E FaaS functions. */
export class E2eFaas extends pulumi.ComponentResource {
  /** The functions by key. */
  readonly functions: Record<string, FaasFunction>;
  /** Invoke URL by function key. */
  readonly urls: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: E2eFaasArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:e2e:E2eFaas", name, {}, opts);
    const fns = this.normalize(args);
    this.functions = Object.fromEntries(fns.map((f) => [f.key, this.createFunction(name, f)]));
    this.urls = pulumi
      .all(Object.fromEntries(Object.entries(this.functions).map(([k, f]) => [k, f.url])))
      .apply((u) => u as Record<string, string>);
    this.registerOutputs({ urls: this.urls });
  }

  private normalize(args: E2eFaasArgs): NormalizedFunction[] {
    const keys = Object.keys(args.functions);
    const names = functionNames(
      args.stack,
      keys,
      Object.fromEntries(keys.map((k) => [k, args.functions[k].physicalName])),
    );
    return keys.map((key) => {
      const fn = args.functions[key];
      let requirements: string | undefined;
      if (fn.requirementsPath !== undefined) {
        try {
          requirements = fs.readFileSync(path.resolve(fn.requirementsPath), "utf8");
        } catch (e) {
          throw new Error(
            `ai-platform:e2eFunctions.${key}.requirementsPath: ${fn.requirementsPath} cannot be read (${(e as NodeJS.ErrnoException).code})`,
            { cause: e },
          );
        }
      }
      return { key, physicalName: names[key], args: fn, requirements };
    });
  }

  private createFunction(name: string, f: NormalizedFunction): FaasFunction {
    const a = f.args;
    return new FaasFunction(
      `${name}-${f.key}`,
      {
        name: f.physicalName,
        runtime: a.runtime,
        codePath: a.codePath,
        requirements: f.requirements,
        config: { memoryMb: a.memoryMb, timeoutSeconds: a.timeoutSeconds, hardware: a.hardware },
        environment: a.environment === undefined ? undefined : pulumi.secret(a.environment),
        secrets: a.secrets,
        existingId: a.adopt ? f.physicalName : undefined,
      },
      { parent: this },
    );
  }
}
