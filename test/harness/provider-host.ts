/**
 * Drives dynamic providers the way the Pulumi engine does, without the CLI:
 *
 * - `serializeProvider` / `loadSerialized`: the closure round trip the SDK performs when a dynamic resource is
 *   registered (the text stored in state as `__provider`) and the host performs when it loads it.
 * - `ProviderHost`: the real provider host shipped in @pulumi/pulumi (`cmd/dynamic-provider`), started as a
 *   child process on 127.0.0.1 and called over gRPC: Configure, Check, Diff, Create, Read, Update, Delete.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-require-imports */
import { ChildProcess, spawn } from "child_process";
import * as pulumi from "@pulumi/pulumi";

const grpc = require("@grpc/grpc-js");
const providerGrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const providerPb = require("@pulumi/pulumi/proto/provider_pb");
const structPb = require("google-protobuf/google/protobuf/struct_pb");
const requireFromString = require("require-from-string");

export interface SerializedProvider {
  text: string;
  containsSecrets: boolean;
}

/** Serializes a provider object exactly as `pulumi.dynamic.Resource` does. */
export async function serializeProvider(
  provider: pulumi.dynamic.ResourceProvider,
): Promise<SerializedProvider> {
  const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  return { text: sf.text, containsSecrets: sf.containsSecrets };
}

/** Loads serialized provider text exactly as the provider host does. */
export function loadSerialized(text: string): pulumi.dynamic.ResourceProvider {
  return requireFromString(text).handler();
}

/** The URN a dynamic resource of `module:type` named `name` gets in stack `dev`. */
export function dynamicUrn(module: string, type: string, name: string, stack = "dev"): string {
  return `urn:pulumi:${stack}::ai-platform::pulumi-nodejs:dynamic/${module}:${type}::${name}`;
}

const struct = (o: Record<string, unknown>) => structPb.Struct.fromJavaScript(JSON.parse(JSON.stringify(o)));

/** An error the host returned: `message` is what the engine would print. */
export class HostError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
    this.name = "HostError";
  }
}

export class ProviderHost {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: any,
    readonly stderr: string[],
  ) {}

  /**
   * Starts the host. `env` is added to the child's environment (e.g. the provider's credential variables).
   * The engine address argument is never contacted at start-up.
   */
  static async start(opts: { env?: Record<string, string>; project?: string } = {}): Promise<ProviderHost> {
    const entry = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js");
    const child = spawn(process.execPath, [entry, "127.0.0.1:1"], {
      env: { ...process.env, PULUMI_NODEJS_PROJECT: opts.project ?? "ai-platform", ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stderr: string[] = [];
    child.stderr!.on("data", (d) => stderr.push(String(d)));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`provider host did not start: ${stderr.join("")}`)),
        20_000,
      );
      child.stdout!.once("data", (d) => {
        clearTimeout(timer);
        resolve(Number(String(d).trim().split("\n")[0]));
      });
      child.once("exit", (code) => reject(new Error(`provider host exited (${code}): ${stderr.join("")}`)));
    });
    const client = new providerGrpc.ResourceProviderClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    );
    return new ProviderHost(child, client, stderr);
  }

  private call<T>(method: string, req: unknown, map: (resp: any) => T): Promise<T> {
    return new Promise((resolve, reject) =>
      this.client[method](req, (err: any, resp: any) =>
        err ? reject(new HostError(err.details ?? err.message, err.code)) : resolve(map(resp)),
      ),
    );
  }

  /** Configure with stack config (`namespace:key` → string), as the engine does before any other call. */
  configure(config: Record<string, string>): Promise<void> {
    const req = new providerPb.ConfigureRequest();
    req.setArgs(struct(config));
    req.setAcceptsecrets(true);
    return this.call("configure", req, () => undefined);
  }

  check(urn: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const req = new providerPb.CheckRequest();
    req.setUrn(urn);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    return this.call("check", req, (r) => ({
      inputs: r.getInputs()?.toJavaScript() as Record<string, any>,
      failures: r
        .getFailuresList()
        .map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })) as {
        property: string;
        reason: string;
      }[],
    }));
  }

  diff(id: string, urn: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const req = new providerPb.DiffRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    const kinds = ["unknown", "none", "some"];
    return this.call("diff", req, (r) => ({
      changes: kinds[r.getChanges()] as "unknown" | "none" | "some",
      replaces: r.getReplacesList() as string[],
      deleteBeforeReplace: r.getDeletebeforereplace() as boolean,
    }));
  }

  create(urn: string, props: Record<string, unknown>) {
    const req = new providerPb.CreateRequest();
    req.setUrn(urn);
    req.setProperties(struct(props));
    return this.call("create", req, (r) => ({
      id: r.getId() as string,
      properties: r.getProperties()?.toJavaScript() as Record<string, any>,
    }));
  }

  /** A refresh (`props` = state) or an import-style read (`props` empty, `inputs` given). */
  read(id: string, urn: string, props: Record<string, unknown>, inputs?: Record<string, unknown>) {
    const req = new providerPb.ReadRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setProperties(struct(props));
    if (inputs) req.setInputs(struct(inputs));
    return this.call("read", req, (r) => ({
      id: r.getId() as string,
      properties: r.getProperties()?.toJavaScript() as Record<string, any>,
      inputs: r.getInputs()?.toJavaScript() as Record<string, any> | undefined,
    }));
  }

  update(id: string, urn: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const req = new providerPb.UpdateRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    return this.call("update", req, (r) => ({
      properties: r.getProperties()?.toJavaScript() as Record<string, any>,
    }));
  }

  delete(id: string, urn: string, props: Record<string, unknown>): Promise<void> {
    const req = new providerPb.DeleteRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setProperties(struct(props));
    return this.call("delete", req, () => undefined);
  }

  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once("exit", r));
      this.child.kill();
      await exited;
    }
  }
}
