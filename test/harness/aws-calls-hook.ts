/**
 * Mocha root hooks for `npm run iam`: `mocha --require test/harness/aws-calls-hook.ts <specs>` records every
 * AWS SDK call the function, task and agent code makes (see aws-calls.ts) and writes them to
 * `$IAM_CALLS_FILE` (default `.build/iam-calls.json`) when the run ends. Not in `.mocharc.json`: the ordinary
 * test run never patches the SDK.
 */
import * as path from "path";
import {
  setCurrentTest,
  startAwsCallRecording,
  takeAwsCalls,
  takeChildCalls,
  writeAwsCalls,
} from "./aws-calls";
import { REPO_ROOT } from "./stackfile";

process.env.IAM_CALLS_FILE ??= path.join(REPO_ROOT, ".build", "iam-calls.json");
startAwsCallRecording();

export const mochaHooks = {
  beforeEach(this: Mocha.Context): void {
    setCurrentTest(this.currentTest?.fullTitle(), this.currentTest?.file);
  },
  afterAll(): void {
    const file = process.env.IAM_CALLS_FILE ?? path.join(REPO_ROOT, ".build", "iam-calls.json");
    const calls = [...takeAwsCalls(), ...takeChildCalls(file)];
    writeAwsCalls(file, calls);
    console.log(`iam: recorded ${calls.length} AWS SDK calls -> ${path.relative(REPO_ROOT, file)}`);
  },
};
