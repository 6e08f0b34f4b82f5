/**
 * Tama: requests per provider operation, token requests under concurrency, and retries under injected 429s,
 * measured against the loopback Tama emulator the tests use.
 */
import { providers } from "../providers/tama";
import { registry } from "../providers/tama/client";
import { TamaEmulator } from "../test/tama/emulator";

export const title =
  "Tama provider: requests per operation, tokens under 50 concurrent creates, attempts under 429s";

const CLIENT_ID = "bench-client";
const CLIENT_SECRET = "bench-secret-0123456789abcdef";

type Any = Record<string, unknown>;

async function configureAll(emu: TamaEmulator): Promise<void> {
  const config: Record<string, string> = {
    "tama:baseUrl": emu.baseUrl,
    "tama:clientId": CLIENT_ID,
    "tama:clientSecret": CLIENT_SECRET,
  };
  for (const p of Object.values(providers))
    await p.configure!({ config: { get: (k) => config[k], require: (k) => config[k] } });
}

export async function run(): Promise<void> {
  process.env.TAMA_LOG = "off";
  const emu = await TamaEmulator.start({ clients: { [CLIENT_ID]: CLIENT_SECRET } });
  try {
    registry().tokens.clear();
    await configureAll(emu);
    console.log(`emulator on ${emu.baseUrl}; counting HTTP requests per provider call ...`);

    const count = async (label: string, fn: () => Promise<unknown>) => {
      emu.resetLog();
      await fn();
      const api = emu.apiRequests().length;
      console.log(`  ${label.padEnd(22)} api requests=${api} token requests=${emu.tokenRequests}`);
    };

    let space: { id: string; outs: Any } = { id: "", outs: {} };
    await count("space create", async () => {
      const r = await providers.space.create({ name: "Bench", type: "root" });
      space = { id: r.id, outs: r.outs as Any };
    });
    await count("space read", () => providers.space.read!(space.id, space.outs));
    await count("space update", () =>
      providers.space.update!(space.id, space.outs, { name: "Bench 2", type: "root" }),
    );
    const srcIn = {
      spaceId: space.id,
      name: "openai",
      type: "model",
      endpoint: "https://api.openai.com/v1",
      apiKey: "sk-bench",
    };
    let src = { id: "", outs: {} as Any };
    await count("source create", async () => {
      const r = await providers.source.create(srcIn);
      src = { id: r.id, outs: r.outs as Any };
    });
    await count("source read", () => providers.source.read!(src.id, src.outs));
    await count("source update", () =>
      providers.source.update!(src.id, src.outs, { ...srcIn, apiKey: "sk-2" }),
    );
    const modelIn = { sourceId: src.id, identifier: "gpt-4", path: "/chat/completions" };
    let model = { id: "", outs: {} as Any };
    await count("model create", async () => {
      const r = await providers.model.create(modelIn);
      model = { id: r.id, outs: r.outs as Any };
    });
    await count("model read", () => providers.model.read!(model.id, model.outs));
    await count("model update", () =>
      providers.model.update!(model.id, model.outs, { ...modelIn, parameters: { temperature: 0 } }),
    );
    const limitIn = { sourceId: src.id, scaleUnit: "minutes", scaleCount: 1, limit: 100 };
    let limit = { id: "", outs: {} as Any };
    await count("limit create", async () => {
      const r = await providers.limit.create(limitIn);
      limit = { id: r.id, outs: r.outs as Any };
    });
    await count("limit read", () => providers.limit.read!(limit.id, limit.outs));
    await count("limit update", () =>
      providers.limit.update!(limit.id, limit.outs, { ...limitIn, limit: 200 }),
    );
    await count("limit delete", () => providers.limit.delete!(limit.id, limit.outs));
    await count("limit delete (gone)", () => providers.limit.delete!(limit.id, limit.outs));
    await count("model delete", () => providers.model.delete!(model.id, model.outs));
    await count("source delete", () => providers.source.delete!(src.id, src.outs));
    await count("space adopt (differs)", () =>
      providers.space.create({ name: "Adopted", type: "root", existingId: space.id }),
    );
    await count("space adopt (same)", () =>
      providers.space.create({ name: "Adopted", type: "root", existingId: space.id }),
    );
    await count("space delete", () => providers.space.delete!(space.id, space.outs));

    console.log("50 concurrent space creates in a fresh process state (no cached token) ...");
    registry().tokens.clear();
    emu.resetLog();
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => providers.space.create({ name: `c${i}`, type: "root" })),
    );
    console.log(
      `  creates=50 api requests=${emu.apiRequests().length} token requests=${emu.tokenRequests} ` +
        `time=${Date.now() - started} ms`,
    );

    for (const [n, retryAfter] of [
      [0, "0.1"],
      [1, "0.1"],
      [3, "0.1"],
      [3, undefined],
      [6, "0"],
    ] as const) {
      emu.resetLog();
      for (let i = 0; i < n; i++) emu.inject({ match: "POST /provision", status: 429, retryAfter });
      const t0 = Date.now();
      let outcome = "created";
      try {
        await providers.space.create({ name: `throttled ${n}`, type: "root" });
      } catch (e) {
        outcome = `failed: ${(e as Error).message}`;
      }
      console.log(
        `  ${n} x 429 (Retry-After ${retryAfter ?? "none: backoff"}): attempts=${emu.apiRequests().length} ` +
          `time=${Date.now() - t0} ms ${outcome}`,
      );
    }
  } finally {
    await emu.stop();
  }
}
