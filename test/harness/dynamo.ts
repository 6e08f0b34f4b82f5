/**
 * One helper that starts a local DynamoDB for tests, benches and `npm run dev:playground`, on 127.0.0.1 with a
 * free port, and stops it by its handle (dynalite, in process) or by its PID (moto, a child process):
 * - `dynalite`: in-memory, fast, no TransactWriteItems;
 * - `moto`: moto's server from the pinned venv `.tools/moto` (made by `tools/moto/setup.sh`, run here when the
 *   venv is missing), served one request at a time by `tools/moto/serve.py`; it implements TransactWriteItems
 *   with ConditionCheck and cancellation reasons.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import type * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";

export type DynamoEngine = "dynalite" | "moto";

export interface RunningDynamo {
  engine: DynamoEngine;
  endpoint: string;
  /** The moto child's PID (undefined for dynalite, which runs in this process). */
  pid?: number;
  close(): Promise<void>;
}

const ROOT = path.resolve(__dirname, "..", "..");
export const MOTO_VENV = path.join(ROOT, ".tools", "moto");
const MOTO_PYTHON = path.join(MOTO_VENV, "bin", "python");
const MOTO_SETUP = path.join(ROOT, "tools", "moto", "setup.sh");
const MOTO_SERVE = path.join(ROOT, "tools", "moto", "serve.py");

/** Makes sure the moto venv exists (runs the idempotent setup script, which prints progress lines). */
export function ensureMoto(): void {
  if (fs.existsSync(path.join(MOTO_VENV, "bin", "moto_server"))) return;
  const r = spawnSync("bash", [MOTO_SETUP], { stdio: ["ignore", "inherit", "inherit"], timeout: 600_000 });
  if (r.status !== 0)
    throw new Error(`moto is not installed and ${MOTO_SETUP} failed; run: bash ${MOTO_SETUP}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port }, () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

async function startDynalite(): Promise<RunningDynamo> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require("dynalite") as (opts: Record<string, unknown>) => http.Server;
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await listen(db);
  return {
    engine: "dynalite",
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        db.closeAllConnections?.();
        db.close(() => resolve());
      }),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.pid !== undefined) process.kill(child.pid, "SIGTERM");
  });
}

async function startMoto(lean: boolean): Promise<RunningDynamo> {
  ensureMoto();
  let lastError = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(MOTO_PYTHON, [MOTO_SERVE, String(port), ...(lean ? ["--lean"] : [])], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, PYTHONUNBUFFERED: "1" },
    });
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => {
      stderr = (stderr + c.toString("utf8")).slice(-4000);
    });
    // Bounded wait: up to 30 s for the port to accept connections.
    for (let i = 0; i < 300 && child.exitCode === null; i++) {
      if (await canConnect(port)) {
        child.stderr?.removeAllListeners("data");
        child.stderr?.resume();
        return {
          engine: "moto",
          endpoint: `http://127.0.0.1:${port}`,
          pid: child.pid,
          close: () => stopChild(child),
        };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    lastError = stderr.trim().split("\n").slice(-3).join(" | ");
    await stopChild(child);
  }
  throw new Error(`moto server did not start on 127.0.0.1: ${lastError || "no output"}`);
}

/**
 * Starts the chosen local DynamoDB on 127.0.0.1. `lean` (moto only): `serve.py --lean`, without moto's costs
 * that grow with the whole table (same answers: test/playground/moto-lean.spec.ts). The bench asks for it; any
 * test run can with `AI_PLATFORM_MOTO_LEAN=1` in the environment.
 */
export function startDynamo(engine: DynamoEngine, opts: { lean?: boolean } = {}): Promise<RunningDynamo> {
  const lean = opts.lean ?? process.env.AI_PLATFORM_MOTO_LEAN === "1";
  return engine === "moto" ? startMoto(lean) : startDynalite();
}
