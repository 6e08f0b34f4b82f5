/**
 * Runs the real `index.ts` under the suite's mocks with a real stack file's config, so a test sees what
 * `pulumi up -s <stack>` would register.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../config";
import { installMocks, promiseOf, recorder, RecordedResource, settle } from "./mocks";
import { StandIn, readStackConfig } from "./stackfile";

export interface ProgramRun {
  stack: string;
  resources: RecordedResource[];
  /** Stack outputs, resolved (secrets unwrapped). */
  outputs: Record<string, unknown>;
  /** Keys the stack file leaves out that got a stand-in value (see stackfile.ts). */
  standIns: StandIn[];
  /** Names of the stack outputs that are secrets. */
  secretOutputs: string[];
}

export interface RunOptions {
  /** Raw config values set over the stack file's (`namespace:key` → string). */
  overrides?: Record<string, string | undefined>;
  /** Extra keys to treat as secrets. */
  secretKeys?: string[];
  preview?: boolean;
}

/** The program's entry point: `index.ts` exports one async function returning the stack outputs. */
type Program = () => Promise<Record<string, unknown>>;

export async function runProgram(stack: string, opts: RunOptions = {}): Promise<ProgramRun> {
  const { config, secretKeys, standIns } = readStackConfig(stack);
  for (const [k, v] of Object.entries(opts.overrides ?? {})) {
    if (v === undefined) delete config[k];
    else config[k] = v;
  }
  await installMocks(stack, { preview: opts.preview });
  pulumi.runtime.setAllConfig(config, [...secretKeys, ...(opts.secretKeys ?? [])]);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program: Program = require("../../index");
  const exported = await program();
  const outputs: Record<string, unknown> = {};
  const secretOutputs: string[] = [];
  for (const [k, v] of Object.entries(exported)) {
    outputs[k] = await promiseOf(v as pulumi.Input<unknown>);
    if (pulumi.Output.isInstance(v) && (await pulumi.isSecret(v))) secretOutputs.push(k);
  }
  await settle();
  return { stack, resources: [...recorder.resources], outputs, standIns, secretOutputs };
}

/** `runProgram` for command-line tools: an invalid config is printed (every problem) and gives `undefined`. */
export async function runProgramForCli(stack: string): Promise<ProgramRun | undefined> {
  try {
    return await runProgram(stack);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(e.message);
    return undefined;
  }
}

/**
 * The part of a run that belongs to one system: its top component (`ai-platform:<system>:...`), every
 * descendant, and the providers they use. Specs of one system stay true whatever other systems a stack enables.
 */
export function onlySystem(run: ProgramRun, system: string): ProgramRun {
  const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
  const inSystem = (r: RecordedResource): boolean => {
    for (
      let cur: RecordedResource | undefined = r;
      cur;
      cur = cur.parent ? byUrn.get(cur.parent) : undefined
    ) {
      if (!cur.parent) return cur.type.startsWith(`ai-platform:${system}:`);
    }
    return false;
  };
  const members = run.resources.filter(inSystem);
  const providers = new Set(
    members.map((r) => r.provider?.split("::").slice(0, -1).join("::")).filter(Boolean),
  );
  return { ...run, resources: run.resources.filter((r) => inSystem(r) || providers.has(r.urn)) };
}
