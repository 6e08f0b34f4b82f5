/**
 * The Docker build context of an agent image, staged without a Docker engine: the esbuild bundle of
 * `functions/agents/<agent>/index.ts` (lib/bundle.ts: minified, deterministic) plus the prompt files, in
 * `.build/agents/<agent>/` (git-ignored). The image is `FROM node:22-slim` + these files, so the bundle
 * is what the agent adds to the base image. Files are rewritten only when their content changes.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { bundle, REPO_ROOT } from "../../lib/bundle";
import type { AgentName } from "./runtime-naming";

export interface AgentBuildContext {
  agent: AgentName;
  /** Context folder relative to the repository root (what the image resource records). */
  dir: string;
  /** Dockerfile relative to the repository root. */
  dockerfile: string;
  /** Context files and their sizes in bytes. */
  files: Record<string, number>;
  /** Bytes of index.js (the code the agent adds to the base image). */
  bundleBytes: number;
  /** Bytes of every file in the context. */
  contextBytes: number;
  /** sha256 over the context's names and contents: the image tag. */
  sha256: string;
}

function writeIfChanged(file: string, content: string): void {
  if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === content) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** Deletes files of an earlier staging that are no longer part of the context (a renamed prompt). */
function removeStale(root: string, keep: Set<string>, sub = ""): void {
  if (!fs.existsSync(path.join(root, sub))) return;
  for (const entry of fs.readdirSync(path.join(root, sub), { withFileTypes: true })) {
    const rel = sub ? `${sub}/${entry.name}` : entry.name;
    if (entry.isDirectory()) removeStale(root, keep, rel);
    else if (!keep.has(rel)) fs.rmSync(path.join(root, rel));
  }
}

export function stageAgentContext(agent: AgentName): AgentBuildContext {
  const b = bundle(`agents-${agent}`, { entry: `functions/agents/${agent}/index.ts` });
  const contents: Record<string, string> = { "index.js": b.code, "index.js.map": b.map };
  for (const dir of [`functions/agents/${agent}/prompts`, "functions/agents/runtime/prompts"]) {
    for (const f of fs.readdirSync(path.join(REPO_ROOT, dir)).sort()) {
      if (contents[`prompts/${f}`] !== undefined)
        throw new Error(`agent ${agent}: two prompt files named ${f}`);
      contents[`prompts/${f}`] = fs.readFileSync(path.join(REPO_ROOT, dir, f), "utf8");
    }
  }
  const dir = `.build/agents/${agent}`;
  removeStale(path.join(REPO_ROOT, dir), new Set(Object.keys(contents)));
  const hash = createHash("sha256");
  const files: Record<string, number> = {};
  for (const name of Object.keys(contents).sort()) {
    writeIfChanged(path.join(REPO_ROOT, dir, name), contents[name]);
    files[name] = Buffer.byteLength(contents[name]);
    hash.update(name).update("\0").update(contents[name]).update("\0");
  }
  return {
    agent,
    dir,
    dockerfile: `functions/agents/${agent}/Dockerfile`,
    files,
    bundleBytes: b.bytes,
    contextBytes: Object.values(files).reduce((a, n) => a + n, 0),
    sha256: hash.digest("hex"),
  };
}
