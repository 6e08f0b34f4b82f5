/**
 * Benchmarks: `npm run bench` runs every bench/<name>.bench.ts; `npm run bench -- <name>` runs one.
 * Each prints counts and ratios measured here (requests per operation, calls per request, sizes); none is a
 * timed assertion in the test suite.
 */
import * as fs from "fs";
import * as path from "path";
import { CliError, parseCli, runCli } from "../scripts/cli";

interface BenchModule {
  /** One line saying what the benchmark measures. */
  title: string;
  run(): Promise<void>;
}

const USAGE = "npm run bench [-- <name>...] [--minutes N] [--repeat N]";

async function main(argv: string[]): Promise<void> {
  // `--minutes` and `--repeat` are read by the tamma bench itself (process.argv); they are declared here so that
  // the strict parser accepts them and still refuses any other flag.
  const spec = {
    usage: USAGE,
    flags: { minutes: { type: "string" }, repeat: { type: "string" } },
    positionals: { min: 0, max: 20 },
  } as const;
  const filter = parseCli(spec, argv).positionals;
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith(".bench.ts"))
    .sort();
  const chosen = files.filter((f) => filter.length === 0 || filter.some((n) => f.startsWith(n)));
  if (chosen.length === 0) {
    throw new CliError(
      `no benchmark matches ${filter.join(", ")} (have: ${files.map((f) => f.replace(".bench.ts", "")).join(", ")})`,
      true,
    );
  }
  for (const file of chosen) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod: BenchModule = require(path.join(__dirname, file));
    console.log(`\n=== ${file.replace(".bench.ts", "")}: ${mod.title}`);
    const started = Date.now();
    await mod.run();
    console.log(`--- done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

runCli(USAGE, () => main(process.argv.slice(2)));
