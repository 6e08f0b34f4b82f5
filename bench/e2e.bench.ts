/**
 * E2E FaaS provider: requests per operation, status polls per create for a function that becomes running
 * after N seconds, and behaviour under injected 429s, all against the loopback emulator of the real API.
 *
 * Time runs 20x faster than real: the poll waits (1 s growing 1.5x to 10 s) become 50 ms to 500 ms and the
 * emulator's deploy times shrink by the same factor, so the counts are those a real deployment would see
 * (timer and HTTP overhead, ~1 ms per step, count 20x too: the measured lag is an upper bound).
 */
import * as pulumi from "@pulumi/pulumi";
import { CheckedInputs, FaasFunctionInputs, pollsUntil } from "../providers/e2e/api";
import { deployedProviders, providers } from "../providers/e2e";
import { E2eEmulator, EmulatorOptions } from "../test/e2e-faas/emulator";

const SCALE = 20; // simulated ms per real ms
const SCALED = {
  create: "30s",
  update: "30s",
  delete: "15s",
  pollInterval: "50ms",
  pollMaxInterval: "500ms",
};
const p = providers.faasFunction;

function inputs(over: Partial<FaasFunctionInputs> = {}): FaasFunctionInputs {
  return {
    name: "process-orders",
    runtime: "python3-http-debian",
    codeInline: "def handle(event, context):\n    return {'statusCode': 200}\n",
    config: { memoryMb: 512, timeoutSeconds: 30 },
    timeouts: SCALED,
    ...over,
  };
}

async function checked(i: FaasFunctionInputs): Promise<CheckedInputs> {
  const r = await p.check({}, i);
  if (r.failures.length) throw new Error(JSON.stringify(r.failures));
  return r.inputs as CheckedInputs;
}

async function withEmulator<T>(opts: EmulatorOptions, fn: (emu: E2eEmulator) => Promise<T>): Promise<T> {
  const emu = await E2eEmulator.start(opts);
  try {
    await p.configure({
      config: { get: (k: string) => emu.config[k], require: (k: string) => emu.config[k] },
    } as never);
    return await fn(emu);
  } finally {
    await emu.close();
  }
}

function byKind(emu: E2eEmulator): string {
  const counts = new Map<string, number>();
  for (const r of emu.requests) {
    const key = `${r.method} ${r.path.replace(/function\/[^/]+\//, "function/{name}/").replace(/handler_file\/[^/]+\//, "handler_file/{name}/")}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n}x ${k}`).join(", ");
}

async function requestsPerOperation(): Promise<void> {
  console.log(
    "\nRequests per operation (function running 6 s after a create, 3.6 s after a redeploy, gone 3 s after a delete):",
  );
  // 6 s = 2.4 s Creating + 3.6 s Deploying, scaled: well between two polls (4.75 s and 8.1 s), so counts are stable.
  await withEmulator(
    { creatingMs: 2400 / SCALE, deployingMs: 3600 / SCALE, deletingMs: 3000 / SCALE },
    async (emu) => {
      const row = (op: string) => {
        console.log(
          `  ${op.padEnd(34)} ${String(emu.requests.length).padStart(3)} requests: ${byKind(emu) || "none"}`,
        );
        emu.requests.length = 0;
      };
      const { id, outs } = await p.create(await checked(inputs()));
      row("create");
      await p.read(id, outs);
      row("read (refresh)");
      await p.update(id, outs, await checked(inputs({ config: { memoryMb: 1024, timeoutSeconds: 30 } })));
      row("update (memory)");
      await p.update(id, outs, await checked(inputs({ timeouts: { ...SCALED, create: "20s" } })));
      row("update (timeouts only)");
      await p.diff(id, outs, await checked(inputs()));
      row("diff");
      await p.delete(id, outs);
      row("delete");
      await p.delete(id, outs);
      row("delete (already gone)");
      emu.seed({ name: "process-orders", runtime: "python3-http-debian" });
      await p.create(await checked(inputs({ existingId: "process-orders" })));
      row("adopt (existingId)");
    },
  );
}

async function pollsPerCreate(): Promise<void> {
  console.log("\nStatus polls per create, by seconds until the function is running (simulated time):");
  console.log(
    "  ready after   polls   schedule   detected after   lag    fixed 1 s   fixed 3 s (TF provider)",
  );
  for (const seconds of [2, 6, 10, 30, 60, 120, 300]) {
    const readyMs = seconds * 1000;
    await withEmulator(
      { creatingMs: (readyMs * 0.4) / SCALE, deployingMs: (readyMs * 0.6) / SCALE },
      async (emu) => {
        const started = Date.now();
        await p.create(await checked(inputs()));
        const detected = ((Date.now() - started) * SCALE) / 1000;
        const polls = emu.count("GET", "faas/function/");
        const schedule = pollsUntil(readyMs, 1000, 10_000);
        console.log(
          `  ${`${seconds} s`.padStart(11)}   ${String(polls).padStart(5)}   ${String(schedule).padStart(8)}   ${`${detected.toFixed(1)} s`.padStart(14)}   ${`${(detected - seconds).toFixed(1)} s`.padStart(5)}   ${String(seconds).padStart(9)}   ${String(Math.ceil(seconds / 3)).padStart(9)}`,
        );
      },
    );
  }
  console.log(
    `  (a 10 min create timeout allows at most ${pollsUntil(600_000, 1000, 10_000)} polls; "schedule" is the pure poll plan, "lag" includes 20x-scaled timer and HTTP overhead)`,
  );
}

async function under429s(): Promise<void> {
  console.log("\nUnder injected 429s (Retry-After: 0.02 s real), function running after 6 s:");
  const cases: { label: string; faults: { on: "POST" | "GET"; n: number }[] }[] = [
    { label: "none", faults: [] },
    { label: "2x 429 on POST", faults: [{ on: "POST", n: 2 }] },
    { label: "4x 429 on POST (limit 5 attempts)", faults: [{ on: "POST", n: 4 }] },
    { label: "5x 429 on POST", faults: [{ on: "POST", n: 5 }] },
    { label: "3x 429 on status polls", faults: [{ on: "GET", n: 3 }] },
  ];
  for (const c of cases) {
    await withEmulator({ creatingMs: 2400 / SCALE, deployingMs: 3600 / SCALE }, async (emu) => {
      for (const f of c.faults)
        for (let i = 0; i < f.n; i++)
          emu.inject({
            status: 429,
            retryAfter: "0.02",
            match: (m, path) => m === f.on && (f.on === "POST" || path.startsWith("faas/function/")),
          });
      const started = Date.now();
      let outcome: string;
      try {
        const { outs } = await p.create(await checked(inputs()));
        outcome = `ok (${outs.status})`;
      } catch (e) {
        outcome = `failed: ${(e as Error).message.slice(0, 70)}`;
      }
      const throttled = emu.requests.filter((r) => r.answered === 429).length;
      console.log(
        `  ${c.label.padEnd(36)} ${String(emu.requests.length).padStart(3)} requests, ${throttled} throttled, ${Date.now() - started} ms real -> ${outcome}`,
      );
    });
  }
}

export const title = "E2E FaaS provider: requests per operation, polls per create, behaviour under 429s";

async function serializedSize(): Promise<void> {
  console.log(
    "\nSerialized provider (__provider in state; a partial failure sends it in one gRPC trailer of at most 64 KiB):",
  );
  for (const [label, provider] of [
    ["as compiled", p],
    ["minified, as deployed", deployedProviders().faasFunction],
  ] as const) {
    const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    const requires = [...new Set(sf.text.match(/require\("[^"]+"\)/g) ?? [])].join(", ") || "none";
    console.log(
      `  ${label.padEnd(22)} ${sf.text.length} characters, containsSecrets ${sf.containsSecrets}, requires ${requires}`,
    );
  }
}

export async function run(): Promise<void> {
  for (const k of ["E2E_API_KEY", "E2E_AUTH_TOKEN", "E2E_PROJECT_ID", "E2E_BASE_URL", "SERVICE_API_KEY"])
    delete process.env[k];
  await serializedSize();
  await requestsPerOperation();
  await pollsPerCreate();
  await under429s();
}
