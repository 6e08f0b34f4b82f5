/**
 * Benchmarks: `npm run bench` runs every bench/<name>.bench.ts; `npm run bench -- <name>` runs one.
 * Each prints counts and ratios measured here (requests per operation, calls per request, sizes); none is a
 * timed assertion in the test suite.
 */
import * as fs from "fs";
import * as path from "path";

interface BenchModule {
  /** One line saying what the benchmark measures. */
  title: string;
  run(): Promise<void>;
}

async function main(filter: string[]): Promise<void> {
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith(".bench.ts"))
    .sort();
  const chosen = files.filter((f) => filter.length === 0 || filter.some((n) => f.startsWith(n)));
  if (chosen.length === 0) {
    console.error(
      `no benchmark matches ${filter.join(", ")} (have: ${files.map((f) => f.replace(".bench.ts", "")).join(", ")})`,
    );
    process.exit(2);
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

/** Bench names only: `--name value` options are left for the benches themselves to read (e.g. tamma's `--minutes`). */
function benchNames(args: string[]): string[] {
  return args.filter((a, i) => !a.startsWith("--") && !(i > 0 && args[i - 1].startsWith("--")));
}

main(benchNames(process.argv.slice(2))).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
