/**
 * Throughput of our playground handler side by side with the seed's (Python) handler: the same requests, the
 * same client concurrency, the same DynamoDB endpoint, each side on its own table in the schema it expects.
 *
 * The seed's handler is never part of this repository. Its path comes from `SEED_PLAYGROUND_HANDLER`, or it is
 * extracted at run time from a local mirror of the seed's repository (`/work/.mirror/<owner>+<name>/repo`, a
 * bare git directory) into a temporary directory; with neither, the seed side is skipped. It is run by
 * `bench/seed-playground.py` with the moto venv's Python (which has boto3, a dependency of moto).
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const SEED_REPO = "mparrott-at-wiris/aimodelshare";
export const SEED_COMMIT = "155e1d1b1e0f8004ef52c0ba9fcc7ce1f83e1e96";
export const SEED_HANDLER_PATH = "infra/lambda/app.py";
export const DEFAULT_MIRROR_ROOT = "/work/.mirror";

/** One request: method, path (with query), JSON body or null. */
export type Req = [string, string, unknown];

export interface Phase {
  label: string;
  /** Untimed phases (setup, warm-up) run on both sides but are not reported. */
  timed: boolean;
  requests: Req[];
}

export interface PhaseResult {
  label: string;
  n: number;
  seconds: number;
  /** Count per HTTP status, e.g. `{ "200": 199, "500": 1 }`. */
  statuses: Record<string, number>;
  /** CPU seconds the client process (handler, SDK, driver) used during the phase. */
  cpuSeconds: number;
}

/** The seed's seven routes, in the order of its mix. */
export const MIX_LABELS = [
  "POST /tables (new)",
  "PUT user (new)",
  "PUT user (rewrite)",
  "GET user (exists)",
  "GET /tables/{tableId}",
  "PATCH /tables/{tableId}",
  "GET /tables",
] as const;

/** The interleaved mix: request i is route i mod 7 (all answered by the seed with 2xx). */
export const MIX_LABEL = "seed's mix, interleaved (7 routes)";
export const LIST_USERS_LABEL = "GET /tables/{tableId}/users";

function mixRequest(route: number, i: number, tag: string): Req {
  switch (route) {
    case 0:
      return ["POST", "/tables", { tableId: `${tag}-${i}` }];
    case 1:
      return ["PUT", `/tables/rps/users/${tag}${i}`, { submissionCount: i % 97, totalCount: i }];
    case 2:
      return ["PUT", `/tables/rps/users/n${i % 50}`, { submissionCount: i % 89, totalCount: i + 1 }];
    case 3:
      return ["GET", `/tables/rps/users/n${i % 50}`, null];
    case 4:
      return ["GET", "/tables/rps", null];
    case 5:
      return ["PATCH", "/tables/rps", { displayName: `rps ${i}` }];
    default:
      return ["GET", "/tables", null];
  }
}

/**
 * The phases both sides run, in order: setup and warm-up (untimed), then `n` requests of each route of the
 * seed's mix, the seed's list-users route, and `n` requests of the interleaved mix.
 */
export function comparisonPhases(n: number): Phase[] {
  const range = (k: number) => Array.from({ length: k }, (_, i) => i);
  const warm: Req[] = [["POST", "/tables", { tableId: "warm" }]];
  for (let i = 0; i < 4; i++) {
    warm.push(["PUT", `/tables/warm/users/w${i}`, { submissionCount: i, totalCount: i }]);
    warm.push(["PUT", `/tables/warm/users/w${i}`, { submissionCount: i + 1, totalCount: i + 1 }]);
    warm.push(["GET", `/tables/warm/users/w${i}`, null]);
    warm.push(["GET", "/tables/warm", null]);
    warm.push(["PATCH", "/tables/warm", { displayName: `warm ${i}` }]);
    warm.push(["GET", "/tables", null]);
    warm.push(["GET", "/tables/warm/users", null]);
  }
  const setup: Req[] = [["POST", "/tables", { tableId: "rps" }]];
  const byRoute = MIX_LABELS.map((label, route): Phase => ({
    label,
    timed: true,
    // The per-route "PUT user (new)" writes n0..n(n-1); rewrites and reads then use n0..n49.
    requests: range(n).map((i) => (route === 1 ? mixRequest(1, i, "n") : mixRequest(route, i, "new"))),
  }));
  return [
    { label: "setup", timed: false, requests: setup },
    { label: "warm-up", timed: false, requests: warm },
    ...byRoute,
    {
      label: LIST_USERS_LABEL,
      timed: true,
      requests: range(n).map(() => ["GET", "/tables/rps/users", null]),
    },
    { label: MIX_LABEL, timed: true, requests: range(n).map((i) => mixRequest(i % 7, i, "mix")) },
  ];
}

/** Runs the phases through `call` with `concurrency` requests in flight (workers take the next request). */
export async function runPhases(
  phases: Phase[],
  concurrency: number,
  call: (r: Req) => Promise<number>,
): Promise<PhaseResult[]> {
  const out: PhaseResult[] = [];
  for (const phase of phases) {
    const statuses: Record<string, number> = {};
    let next = 0;
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < phase.requests.length) {
          const r = phase.requests[next++];
          let status: number;
          try {
            status = await call(r);
          } catch {
            status = 502;
          }
          statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    out.push({ label: phase.label, n: phase.requests.length, seconds, statuses, cpuSeconds });
  }
  return out;
}

export const fiveXX = (r: PhaseResult): number =>
  Object.entries(r.statuses).reduce((a, [s, c]) => a + (Number(s) >= 500 ? c : 0), 0);

const rps = (r: PhaseResult): number => r.n / r.seconds;

const statusText = (r: PhaseResult): string =>
  Object.entries(r.statuses)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([s, c]) => `${c}x${s}`)
    .join(" ");

const side = (r: PhaseResult): string =>
  `${rps(r).toFixed(0).padStart(5)} req/s ${((r.cpuSeconds * 1000) / r.n).toFixed(1).padStart(4)} ms CPU/req (${statusText(r)})`;

/**
 * The side-by-side lines: per timed phase ours vs the seed's req/s and the ratio, or, when the seed answered
 * 5xx to all or most of the requests, that count instead of a rate (a 500 is not throughput); then the
 * interleaved mix's ratio and the geometric mean of the per-route ratios of the seven routes.
 */
export function comparisonLines(
  phases: Phase[],
  ours: PhaseResult[],
  seed: PhaseResult[] | undefined,
): { lines: string[]; mixRatio?: number; geomean?: number } {
  const lines: string[] = [];
  const ratios: number[] = [];
  let mixRatio: number | undefined;
  for (const phase of phases.filter((p) => p.timed)) {
    const o = ours.find((r) => r.label === phase.label);
    if (!o) continue;
    const s = seed?.find((r) => r.label === phase.label);
    const left = `  ${phase.label.padEnd(36)} ours ${side(o)}`;
    if (!s) {
      lines.push(left);
      continue;
    }
    if (fiveXX(s) * 2 > s.n) {
      lines.push(`${left}   seed: ${fiveXX(s)} of ${s.n} answered 5xx (${statusText(s)}): not throughput`);
      continue;
    }
    if (phase.label === LIST_USERS_LABEL) {
      // moto accepts the seed's FilterExpression on the sort key; DynamoDB and dynalite reject it with a
      // ValidationException, so in AWS this route answers 500 on every call (aws-seed-systems.md A.5 #11).
      lines.push(
        `${left}   seed ${side(s)}: moto accepts its FilterExpression on the sort key, DynamoDB rejects it (500 on every call in AWS): not counted`,
      );
      continue;
    }
    const ratio = rps(o) / rps(s);
    if (phase.label === MIX_LABEL) mixRatio = ratio;
    else if ((MIX_LABELS as readonly string[]).includes(phase.label)) ratios.push(ratio);
    lines.push(`${left}   seed ${side(s)}   ${ratio.toFixed(2)}x`);
  }
  const geomean = ratios.length
    ? Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length)
    : undefined;
  if (mixRatio !== undefined)
    lines.push(`  overall on the seed's mix (interleaved): ${mixRatio.toFixed(2)}x the seed's req/s`);
  if (geomean !== undefined)
    lines.push(`  geometric mean of the ${ratios.length} per-route ratios: ${geomean.toFixed(2)}x`);
  return { lines, mixRatio, geomean };
}

export type SeedHandler = { path: string; source: string; cleanup(): void } | { skip: string };

export const SKIP_HINT =
  `set SEED_PLAYGROUND_HANDLER=/path/to/app.py (the seed's ${SEED_HANDLER_PATH} at ${SEED_COMMIT.slice(0, 7)}), ` +
  `or fetch a mirror of github.com/${SEED_REPO} to ${DEFAULT_MIRROR_ROOT}/${SEED_REPO.replace("/", "+")}/repo`;

/** Finds the seed's handler: the env var first, else the mirror (extracted to a temp dir), else a skip reason. */
export function locateSeedHandler(
  env: Record<string, string | undefined>,
  mirrorRoot: string = DEFAULT_MIRROR_ROOT,
): SeedHandler {
  const fromEnv = env.SEED_PLAYGROUND_HANDLER;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) return { skip: `SEED_PLAYGROUND_HANDLER=${fromEnv} does not exist` };
    return { path: fromEnv, source: `SEED_PLAYGROUND_HANDLER=${fromEnv}`, cleanup: () => undefined };
  }
  const gitDir = path.join(mirrorRoot, SEED_REPO.replace("/", "+"), "repo");
  if (!fs.existsSync(gitDir)) return { skip: `no SEED_PLAYGROUND_HANDLER and no mirror at ${gitDir}` };
  const r = spawnSync("git", ["--git-dir", gitDir, "show", `${SEED_COMMIT}:${SEED_HANDLER_PATH}`], {
    encoding: "utf8",
    timeout: 30_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0)
    return { skip: `git show ${SEED_COMMIT.slice(0, 7)}:${SEED_HANDLER_PATH} failed in ${gitDir}` };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seed-playground-"));
  const file = path.join(dir, "app.py");
  fs.writeFileSync(file, r.stdout);
  return {
    path: file,
    source: `${gitDir} at ${SEED_COMMIT.slice(0, 7)}, extracted to ${dir}`,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export interface SeedRun {
  python: string;
  boto3: string;
  phases: PhaseResult[];
}

/** Runs bench/seed-playground.py with the plan; resolves with its JSON result (bounded by `timeoutMs`). */
export function runSeedDriver(
  python: string,
  plan: { handler: string; endpoint: string; tableName: string; concurrency: number; phases: Phase[] },
  timeoutMs = 600_000,
): Promise<SeedRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seed-plan-"));
  const planFile = path.join(dir, "plan.json");
  fs.writeFileSync(planFile, JSON.stringify(plan));
  return new Promise<SeedRun>((resolve, reject) => {
    const child = spawn(python, [path.join(__dirname, "seed-playground.py"), planFile], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? os.tmpdir(), PYTHONUNBUFFERED: "1" },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (err = (err + c.toString("utf8")).slice(-4000)));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
      const last = out.trim().split("\n").pop() ?? "";
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(last) as SeedRun);
      } catch (e) {
        reject(
          new Error(
            `seed driver failed (${(e as Error).message}): ${err.trim().split("\n").slice(-3).join(" | ")}`,
          ),
        );
      }
    });
  });
}
