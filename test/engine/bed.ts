/**
 * The engine test bed: runs the real Pulumi CLI (built by `npm run setup:tools` into .tools/bin, or a `pulumi` on
 * PATH of the pinned version) offline, each bed in its own temporary directory:
 *
 * - `home/`: PULUMI_HOME (plugins, workspace settings), `state/`: the file backend (`PULUMI_BACKEND_URL=file://`);
 * - `project/`: the project, i.e. a copy of `Pulumi.yaml` beside symbolic links to the program's sources and
 *   node_modules, so the stack files the CLI writes (`Pulumi.<stack>.yaml`) never land in the repository.
 *
 * Every CLI call gets a passphrase secrets provider, no automatic plugin download, no update check, a proxy that
 * refuses any connection (only 127.0.0.1 is reached directly) and none of the developer's TAMA_* / E2E_* variables.
 * Calls are asynchronous so that the loopback emulators running in this process keep answering.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { EngineEvent, parseEvents } from "./events";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const TOOLS_BIN = path.join(REPO_ROOT, ".tools", "bin");
export const PASSPHRASE = "engine-test-passphrase-4b1d";

/** What the program needs from the repository (linked into the bed's project directory). */
const PROGRAM_ENTRIES = [
  "index.ts",
  "package.json",
  "tsconfig.json",
  "node_modules",
  "components",
  "config",
  "providers",
  "lib",
  "functions",
];

/** The variables through which a developer's own connection could leak into a run. */
const CLEARED_ENV = /^(TAMA_|E2E_|SERVICE_API|SERVICE_AUTH|PULUMI_|AWS_)/;

/** The pinned CLI version: tools/pulumi-cli/go.mod's requirement on github.com/pulumi/pulumi/pkg/v3. */
export function pinnedVersion(): string {
  const mod = fs.readFileSync(path.join(REPO_ROOT, "tools", "pulumi-cli", "go.mod"), "utf8");
  const m = /^\s*github\.com\/pulumi\/pulumi\/pkg\/v3 (v\S+)/m.exec(mod);
  if (!m) throw new Error("tools/pulumi-cli/go.mod pins no github.com/pulumi/pulumi/pkg/v3");
  return m[1];
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CliError extends Error {
  constructor(
    readonly args: string[],
    readonly result: CliResult,
  ) {
    super(
      `pulumi ${args.join(" ")} exited with ${result.code}\n--- stderr ---\n${result.stderr.slice(-4000)}` +
        `\n--- stdout (end) ---\n${result.stdout.slice(-4000)}`,
    );
    this.name = "CliError";
  }
}

export class EngineBed {
  readonly dir: string;
  readonly projectDir: string;
  private readonly env: NodeJS.ProcessEnv;
  /** Every event and output line the CLI printed, to check that no secret ever appears. */
  readonly transcript: string[] = [];

  constructor(name: string, projectFile?: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `engine-${name}-`));
    this.projectDir = path.join(this.dir, "project");
    for (const d of ["home", "state", "project"]) fs.mkdirSync(path.join(this.dir, d));
    if (projectFile === undefined) {
      fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(this.projectDir, "Pulumi.yaml"));
      for (const e of PROGRAM_ENTRIES) fs.symlinkSync(path.join(REPO_ROOT, e), path.join(this.projectDir, e));
    } else {
      fs.writeFileSync(path.join(this.projectDir, "Pulumi.yaml"), projectFile);
      fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(this.projectDir, "node_modules"));
    }
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !CLEARED_ENV.test(k)));
    this.env = {
      ...base,
      PATH: `${TOOLS_BIN}${path.delimiter}${process.env.PATH ?? ""}`,
      PULUMI_HOME: path.join(this.dir, "home"),
      PULUMI_BACKEND_URL: `file://${path.join(this.dir, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      // `preview --json` prints engine events line by line (policy events included), like `up --json`.
      PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true",
      // `tsc --noEmit` type-checks the program in npm test; the engine runs it transpiled only.
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
      // No network: any proxied (non-loopback) connection is refused at once.
      HTTPS_PROXY: "http://127.0.0.1:9",
      HTTP_PROXY: "http://127.0.0.1:9",
      NO_PROXY: "127.0.0.1,localhost",
      NO_COLOR: "1",
    };
  }

  /** Writes a file into the project directory (e.g. a stack file). */
  write(name: string, content: string): void {
    fs.writeFileSync(path.join(this.projectDir, name), content);
  }

  /** Writes `Pulumi.<stack>.yaml` with these plain config values. */
  writeStackFile(stack: string, config: Record<string, unknown>): void {
    this.write(`Pulumi.${stack}.yaml`, yaml.dump({ config }, { lineWidth: 200 }));
  }

  readStackFile(stack: string): string {
    return fs.readFileSync(path.join(this.projectDir, `Pulumi.${stack}.yaml`), "utf8");
  }

  /** Runs the CLI (bounded by `timeoutMs`, then killed by PID); never throws for a non-zero exit. */
  run(args: string[], timeoutMs = 240_000): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn("pulumi", args, {
        cwd: this.projectDir,
        env: this.env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        this.transcript.push(stdout, stderr);
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      });
    });
  }

  /** Runs the CLI and throws a `CliError` (with its output) unless it exits 0. */
  async ok(args: string[]): Promise<CliResult> {
    const r = await this.run(args);
    if (r.code !== 0) throw new CliError(args, r);
    return r;
  }

  /** `up`/`refresh`/`destroy` with `--json` (newline-delimited engine events), parsed. */
  async events(command: "up" | "refresh" | "destroy" | "preview", stack: string, extra: string[] = []) {
    const args = [command, "-s", stack, "--non-interactive", "--json", ...extra];
    if (command !== "preview") args.push("--yes", "--skip-preview");
    const r = await this.run(args);
    return { result: r, events: parseEvents(r.stdout), args };
  }

  /** `pulumi stack export` (no decryption), parsed. */
  async exportState(stack: string): Promise<StateFile> {
    const r = await this.ok(["stack", "export", "-s", stack]);
    return JSON.parse(r.stdout) as StateFile;
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  custom?: boolean;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

export interface StateFile {
  version: number;
  deployment: { resources?: StateResource[]; secrets_providers?: { type: string } };
}

/** Fails with the command to run when the CLI is missing or not the pinned version. */
export async function requirePinnedCli(bed: EngineBed): Promise<string> {
  const want = pinnedVersion();
  let got: CliResult;
  try {
    got = await bed.run(["version"], 30_000);
  } catch {
    throw new Error(`no pulumi CLI in ${TOOLS_BIN} or on PATH: run "npm run setup:tools"`);
  }
  if (got.stdout.trim() !== want)
    throw new Error(`pulumi version is "${got.stdout.trim()}", expected ${want}: run "npm run setup:tools"`);
  return want;
}

export type { EngineEvent };
