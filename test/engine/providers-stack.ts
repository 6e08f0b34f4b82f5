/**
 * A stack of the real program with only `tama` and `e2e` enabled, against the loopback emulators, for the engine
 * suites (`lifecycle`, `faults`): its config documents, the state lookups, and the walk from `stack init` to removal.
 */
import { strict as assert } from "assert";
import * as yaml from "js-yaml";
import { CLIENT_ID, CLIENT_SECRET, OPENAI_KEY, startEmulator } from "../tama/helpers";
import { TamaEmulator } from "../tama/emulator";
import { E2eEmulator, EMULATOR_DEFAULTS } from "../e2e-faas/emulator";
import { EngineBed, StateFile, StateResource, requirePinnedCli } from "./bed";
import { diagnostics } from "./events";

export type Obj = Record<string, unknown>;

/** Every credential the stack hands to the providers. */
export const SECRETS = [CLIENT_SECRET, OPENAI_KEY, EMULATOR_DEFAULTS.apiKey, EMULATOR_DEFAULTS.authToken];

/** `ai-platform:tamaWorkspace`: one space, one OpenAI source with one model and this rpm limit (and one to adopt). */
export function workspace(limit: number, adopted?: { id: string; limit: number }): Obj {
  const limits: Obj[] = [{ key: "rpm", scaleUnit: "minutes", scaleCount: 1, limit }];
  if (adopted)
    limits.push({
      key: "adopted",
      scaleUnit: "hours",
      scaleCount: 1,
      limit: adopted.limit,
      existingId: adopted.id,
    });
  return {
    space: { name: "Engine Space", type: "root" },
    sources: [
      {
        key: "openai",
        name: "OpenAI Engine",
        type: "model",
        endpoint: "https://api.openai.com/v1",
        models: [{ key: "gpt4", identifier: "gpt-4", path: "/chat/completions" }],
        limits,
      },
    ],
  };
}

/** `ai-platform:e2eFunctions`: the seed's process-orders sample with this memory size (and a function to adopt). */
export function functions(memoryMb: number, adopt?: string, extra: Obj = {}): Obj {
  const sample = {
    runtime: "python3-http-debian",
    codePath: "functions/e2e-process-orders/handler.py",
    memoryMb,
    timeoutSeconds: 30,
    environment: { MAX_ORDERS: "100", ORDERS_QUEUE: "engine-queue-7c1e" },
    ...extra,
  };
  return adopt
    ? { "process-orders": sample, legacy: { ...sample, physicalName: adopt, adopt: true } }
    : { "process-orders": sample };
}

export function byName(state: StateFile): Record<string, StateResource> {
  const out: Record<string, StateResource> = {};
  for (const r of state.deployment.resources ?? []) out[r.urn.slice(r.urn.lastIndexOf("::") + 2)] = r;
  return out;
}

export function idOf(state: StateFile, name: string): string {
  const r = byName(state)[name];
  assert.ok(r?.id, `${name} has an id in the state`);
  return r.id;
}

/** The stack, its emulators and the engine bed; `open` runs `stack init` and sets the secrets. */
export class ProvidersStack {
  readonly bed: EngineBed;
  tama!: TamaEmulator;
  e2e!: E2eEmulator;
  state!: StateFile;

  constructor(
    name: string,
    readonly stack: string,
  ) {
    this.bed = new EngineBed(name);
  }

  async open(): Promise<void> {
    this.tama = await startEmulator();
    this.e2e = await E2eEmulator.start();
    await requirePinnedCli(this.bed);
    this.bed.writeStackFile(this.stack, {
      "aws:region": "us-east-1",
      "ai-platform:systems": ["tama", "e2e"],
      "tama:baseUrl": this.tama.baseUrl,
      "tama:clientId": CLIENT_ID,
      "e2e:baseUrl": this.e2e.baseUrl,
      "e2e:projectId": EMULATOR_DEFAULTS.projectId,
      "e2e:location": EMULATOR_DEFAULTS.location,
      "ai-platform:tamaWorkspace": workspace(100),
      "ai-platform:e2eFunctions": functions(256),
    });
    await this.bed.ok(["stack", "init", this.stack, "--non-interactive"]);
    for (const [k, v] of Object.entries({
      "tama:clientSecret": CLIENT_SECRET,
      "tama:openaiApiKey": OPENAI_KEY,
      "e2e:apiKey": EMULATOR_DEFAULTS.apiKey,
      "e2e:authToken": EMULATOR_DEFAULTS.authToken,
    }))
      await this.bed.ok(["config", "set", "--secret", k, v, "-s", this.stack]);
  }

  async close(): Promise<void> {
    await this.tama?.stop();
    await this.e2e?.close();
    this.bed.remove();
  }

  /** Rewrites stack config values, keeping everything else (secure values included). */
  setConfig(values: Obj): void {
    const doc = yaml.load(this.bed.readStackFile(this.stack)) as { config: Obj };
    Object.assign(doc.config, values);
    this.bed.write(`Pulumi.${this.stack}.yaml`, yaml.dump(doc, { lineWidth: 200 }));
  }

  /** `pulumi up` that must succeed; the state is exported after it. */
  async up() {
    const run = await this.bed.events("up", this.stack);
    assert.equal(
      run.result.code,
      0,
      `pulumi up failed:\n${diagnostics(run.events, "error").join("")}${run.result.stderr}`,
    );
    this.state = await this.bed.exportState(this.stack);
    return run;
  }
}
