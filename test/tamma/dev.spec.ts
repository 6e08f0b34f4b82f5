import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generateAudio } from "./support";

const ROOT = path.resolve(__dirname, "..", "..");

describe("npm run dev:tamma", function () {
  this.timeout(120_000);

  it("runs upload → trigger → ECS stand-in → worker locally and prints where the file landed and its loudness", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tamma-dev-spec-"));
    try {
      const file = path.join(dir, "interview take 1.wav");
      generateAudio(file, 8);
      const out = spawnSync("npx", ["ts-node", "--transpile-only", "scripts/dev-tamma.ts", file], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 110_000,
      });
      assert.equal(out.status, 0, out.stderr + out.stdout);
      assert.match(out.stdout, /trigger answered batchItemFailures=\[\]; RunTask calls: 1/);
      assert.match(
        out.stdout,
        /landed at s3:\/\/tamma-local-derived\/audio\/cleaned_local-user\/interview_take_1\.m4a/,
      );
      const lufs = Number(/LUFS in, (-?[\d.]+) LUFS out/.exec(out.stdout)?.[1]);
      assert.ok(Math.abs(lufs + 16) <= 1.5, `measured ${lufs} LUFS`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("explains its usage when the file is missing", () => {
    const out = spawnSync(
      "npx",
      ["ts-node", "--transpile-only", "scripts/dev-tamma.ts", "/nonexistent.wav"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    assert.equal(out.status, 2);
    assert.match(out.stderr, /usage: npm run dev:tamma -- <audio file>/);
  });
});
