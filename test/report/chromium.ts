/**
 * Opens a local page in Debian's headless Chromium over the DevTools protocol on a pipe (fd 3 in, fd 4 out;
 * messages are JSON ended by NUL), and reports what a reader would see: console errors, uncaught exceptions,
 * log errors, every network request the page made, the result of a DOM probe, and screenshots.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable, Writable } from "node:stream";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--remote-debugging-pipe",
];

export interface PageReport {
  consoleErrors: string[];
  /** URLs of every request the page made (file:// included). */
  requests: string[];
  /** The value the probe expression returned. */
  probe: unknown;
  screenshots: string[];
}

export interface OpenOptions {
  width?: number;
  height?: number;
  /** Expression evaluated after load; its JSON-serialisable value is returned as `probe`. */
  probe: string;
  /** Screenshots to take: PNG path and an optional CSS selector to scroll into view first. */
  screenshots?: { file: string; scrollTo?: string }[];
  timeoutMs?: number;
}

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

export async function openPage(file: string, opts: OpenOptions): Promise<PageReport> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: run bash tools/chromium/setup.sh (apt-get install -y chromium)`,
    );
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "report-chromium-"));
  const child = spawn(CHROMIUM, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, "about:blank"], {
    stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  const pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  const listeners: ((m: Message) => void)[] = [];
  let nextId = 1;
  let buffer = "";
  fromBrowser.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let end: number;
    while ((end = buffer.indexOf("\0")) >= 0) {
      const msg = JSON.parse(buffer.slice(0, end)) as Message;
      buffer = buffer.slice(end + 1);
      if (msg.id !== undefined && pending.has(msg.id)) {
        const p = pending.get(msg.id)!;
        pending.delete(msg.id);
        if (msg.error) p.reject(new Error(`DevTools: ${msg.error.message}`));
        else p.resolve(msg);
      } else {
        for (const l of listeners) l(msg);
      }
    }
  });
  const exited = new Promise<never>((_, reject) =>
    child.on("exit", (code) =>
      reject(new Error(`Chromium exited (${code}) early: ${stderr.trim().slice(-500)}`)),
    ),
  );
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
    Promise.race([
      new Promise<Message>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + "\0");
      }),
      exited,
    ]);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);

  const report: PageReport = { consoleErrors: [], requests: [], probe: undefined, screenshots: [] };
  try {
    const { result } = await send("Target.createTarget", { url: "about:blank" });
    const attached = await send("Target.attachToTarget", { targetId: result!.targetId, flatten: true });
    const sessionId = attached.result!.sessionId as string;
    let loaded: () => void = () => undefined;
    const loadedP = new Promise<void>((r) => (loaded = r));
    listeners.push((m) => {
      if (m.sessionId !== sessionId) return;
      const p = m.params ?? {};
      if (m.method === "Runtime.consoleAPICalled" && (p.type === "error" || p.type === "assert")) {
        const args = (p.args as { value?: unknown; description?: string }[]) ?? [];
        report.consoleErrors.push(
          `console.${p.type}: ${args.map((a) => a.value ?? a.description).join(" ")}`,
        );
      } else if (m.method === "Runtime.exceptionThrown") {
        const d = p.exceptionDetails as { text?: string; exception?: { description?: string } };
        report.consoleErrors.push(`uncaught: ${d.exception?.description ?? d.text}`);
      } else if (m.method === "Log.entryAdded") {
        const e = p.entry as { level: string; text: string; url?: string };
        if (e.level === "error") report.consoleErrors.push(`log: ${e.text}${e.url ? ` (${e.url})` : ""}`);
      } else if (m.method === "Network.requestWillBeSent") {
        report.requests.push((p.request as { url: string }).url);
      } else if (m.method === "Page.loadEventFired") {
        loaded();
      }
    });
    for (const domain of ["Runtime", "Log", "Network", "Page"]) await send(`${domain}.enable`, {}, sessionId);
    await send(
      "Emulation.setDeviceMetricsOverride",
      { width: opts.width ?? 1600, height: opts.height ?? 1200, deviceScaleFactor: 1, mobile: false },
      sessionId,
    );
    await send("Page.navigate", { url: `file://${path.resolve(file)}` }, sessionId);
    await Promise.race([loadedP, exited]);
    const evaluated = await send(
      "Runtime.evaluate",
      { expression: opts.probe, returnByValue: true },
      sessionId,
    );
    const r = evaluated.result as { result?: { value?: unknown }; exceptionDetails?: { text: string } };
    if (r.exceptionDetails) throw new Error(`probe failed: ${r.exceptionDetails.text}`);
    report.probe = r.result?.value;
    for (const shot of opts.screenshots ?? []) {
      if (shot.scrollTo) {
        await send(
          "Runtime.evaluate",
          { expression: `document.querySelector(${JSON.stringify(shot.scrollTo)}).scrollIntoView()` },
          sessionId,
        );
      }
      const png = await send("Page.captureScreenshot", { format: "png" }, sessionId);
      fs.mkdirSync(path.dirname(shot.file), { recursive: true });
      fs.writeFileSync(shot.file, Buffer.from(png.result!.data as string, "base64"));
      report.screenshots.push(shot.file);
    }
    await send("Browser.close").catch(() => undefined);
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => (clearTimeout(t), resolve()));
        if (child.exitCode !== null) resolve();
      });
    }
    exited.catch(() => undefined);
    fs.rmSync(profile, { recursive: true, force: true });
  }
  return report;
}
