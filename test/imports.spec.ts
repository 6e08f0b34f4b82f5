/**
 * No import cycles anywhere in the project's TypeScript (madge over the program, providers, functions, scripts,
 * benches, policy pack, deploy code and tests). A cycle makes a module's exports depend on which file is loaded
 * first: `config/playground.ts` importing `section` from `config/index.ts` left `SYSTEM_SECTIONS.playground`
 * undefined whenever a test loaded the playground config before the index, failing 6 tests of
 * `test/playground/` when that folder ran alone.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import madge from "madge";

const ROOT = path.resolve(__dirname, "..");
const DIRS = [
  "index.ts",
  "config",
  "components",
  "providers",
  "lib",
  "functions",
  "scripts",
  "bench",
  "policy",
  "deploy",
  "test",
];

describe("imports", function () {
  this.timeout(120_000);

  it("form no cycles (madge over every .ts file of the project)", async () => {
    const result = await madge(
      DIRS.map((d) => path.join(ROOT, d)),
      {
        baseDir: ROOT,
        fileExtensions: ["ts"],
        tsConfig: path.join(ROOT, "tsconfig.json"),
        excludeRegExp: [/node_modules/, /\.d\.ts$/],
      },
    );
    const files = Object.keys(result.obj());
    assert.ok(files.length > 200, `madge saw only ${files.length} files`);
    assert.deepEqual(result.circular(), [], "import cycles (each: the files of one cycle)");
  });
});
