/**
 * IAM proven offline: `npm run iam -- <stack> [<stack>...] [--calls <file>]`.
 *
 * 1. Records every AWS SDK call the function, task and agent code makes in its specs (mocha with the
 *    recording hook of test/harness/aws-calls-hook.ts), unless `--calls` names an existing recording.
 * 2. Evaluates index.ts under the suite's mocks with the stack's config (realistic ARNs: account, region and
 *    the stack's names), and reads every role's policies as the program builds them.
 * 3. Maps each call to the IAM requests it needs in that stack (plus the platform's calls on the role's behalf
 *    and the resource-policy checks of service principals) and evaluates them with @cloud-copilot/iam-simulate.
 * 4. Prints per role: calls seen / allowed / denied and the grants no call used (justified in the source with
 *    `// iam: unused-in-tests because ...` or not). Exit 1 on a denied call or an unjustified unused grant,
 *    2 on bad usage.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { AwsCall } from "../test/harness/aws-calls";
import { MOCK_ACCOUNT } from "../test/harness/mocks";
import { runProgram } from "../test/harness/program";
import { listStacks, REPO_ROOT } from "../test/harness/stackfile";
import { evaluate, readJustifications, unusedGrants, type Verdict } from "./iam/evaluate";
import { stackModel, type Principal } from "./iam/model";
import {
  platformRequests,
  requestsForCall,
  resourcePolicyRequests,
  UnmappedCall,
  type IamRequest,
} from "./iam/requests";

/** The specs that run function, task and agent code against local AWS stand-ins. */
export const RECORDED_SPECS = [
  "test/playground/handler.spec.ts",
  "test/playground/lists-concurrency.spec.ts",
  "test/playground/malformed.spec.ts",
  "test/playground/parity.spec.ts",
  "test/tamma/trigger.spec.ts",
  "test/tamma/worker.spec.ts",
  "test/agents/handlers.spec.ts",
  "test/agents/controller.spec.ts",
  "test/agentcore/agents.spec.ts",
];

/** Shared agent code whose async stack was lost inside a runner: the spec says whose code ran. */
const SPEC_CODE: Record<string, string> = { "test/agents/controller.spec.ts": "functions/agents/controller" };

function record(file: string): void {
  console.log(`iam: recording AWS SDK calls: mocha over ${RECORDED_SPECS.length} specs (a few minutes) ...`);
  const res = spawnSync(
    process.execPath,
    [
      require.resolve("mocha/bin/mocha.js"),
      "--no-config",
      "--require",
      "ts-node/register",
      "--require",
      "test/harness/aws-calls-hook.ts",
      "--extension",
      "ts",
      "--timeout",
      "60000",
      "--reporter",
      "dot",
      ...RECORDED_SPECS,
    ],
    { cwd: REPO_ROOT, stdio: "inherit", env: { ...process.env, IAM_CALLS_FILE: file } },
  );
  if (res.status !== 0) throw new Error(`iam: the recorded specs failed (exit ${res.status})`);
}

interface RoleReport {
  principal: Principal;
  calls: number;
  verdicts: Verdict[];
  unmapped: string[];
  unused: { sid: string; action: string; resource: string; justification?: string }[];
}

/** Resolves each call's code folder (the spec's, for shared code with a lost async stack). */
function codeOf(call: AwsCall & { spec?: string }): string {
  if (call.code === "functions/agents/shared" && call.spec && SPEC_CODE[call.spec])
    return SPEC_CODE[call.spec];
  return call.code;
}

export async function checkStack(
  stack: string,
  calls: AwsCall[],
): Promise<{ reports: RoleReport[]; failures: number; lines: string[] }> {
  const lines: string[] = [];
  const log = (s: string) => {
    lines.push(s);
    console.log(s);
  };
  log(`iam: evaluating index.ts for stack "${stack}" under mocks ...`);
  const run = await runProgram(stack);
  const region = String(
    run.resources.find((r) => r.type === "pulumi:providers:aws")?.inputs.region ?? "us-east-1",
  );
  const model = await stackModel(stack, run.resources, MOCK_ACCOUNT, region);
  const justified = readJustifications(REPO_ROOT);
  const reports: RoleReport[] = [];
  let failures = 0;
  log(`iam: ${model.principals.length} principals; ${calls.length} recorded calls`);
  for (const p of model.principals) {
    const mine = calls.filter((c) => p.code.includes(codeOf(c)));
    const requests: IamRequest[] = [];
    const unmapped: string[] = [];
    for (const c of mine) {
      try {
        requests.push(...requestsForCall(c, p, model));
      } catch (e) {
        if (!(e instanceof UnmappedCall)) throw e;
        unmapped.push(e.message);
      }
    }
    requests.push(...platformRequests(p, model));
    // The same request (after mapping) needs one evaluation.
    const unique = [
      ...new Map(requests.map((r) => [JSON.stringify([r.action, r.resource, r.context]), r])).values(),
    ];
    const { verdicts, used } = await evaluate(p, unique, model.account);
    const unused = unusedGrants(p, used).map((g) => ({ ...g, justification: justified.get(g.sid) }));
    reports.push({ principal: p, calls: mine.length, verdicts, unmapped: [...new Set(unmapped)], unused });
  }
  for (const rp of resourcePolicyRequests(model)) {
    const holder: Principal = {
      name: rp.holder,
      arn: "",
      kind: "resource-policy",
      code: [],
      env: {},
      policies: [],
      externalManaged: [],
    };
    const { verdicts } = await evaluate(holder, rp.requests, model.account);
    reports.push({ principal: holder, calls: 0, verdicts, unmapped: [], unused: [] });
  }

  for (const r of reports) {
    const denied = r.verdicts.filter((v) => !v.allowed);
    const unjustified = r.unused.filter((u) => !u.justification);
    const kind = r.principal.kind;
    log(
      `\n${r.principal.name} [${kind}${r.principal.code.length ? `: ${r.principal.code.join(", ")}` : ""}]` +
        `  calls seen ${r.calls}, requests ${r.verdicts.length}: allowed ${r.verdicts.length - denied.length}, denied ${denied.length}` +
        `; unused grants ${r.unused.length} (${r.unused.length - unjustified.length} justified)`,
    );
    for (const v of denied) {
      log(`  DENIED ${v.request.action} on ${v.request.resource} (${v.request.source}; ${v.detail ?? ""})`);
    }
    for (const u of r.unmapped) log(`  UNMAPPED ${u}`);
    const external = r.principal.kind === "user";
    for (const u of r.unused) {
      const note = u.justification
        ? `justified: ${u.justification}`
        : external
          ? "external caller"
          : "UNJUSTIFIED";
      log(`  unused ${u.sid}: ${u.action} on ${u.resource} (${note})`);
    }
    if (r.principal.externalManaged.length) {
      log(`  AWS managed policies (not evaluated): ${r.principal.externalManaged.join(", ")}`);
    }
    if (r.principal.kind === "user") {
      // Users hold keys for callers outside this repo (the Tamma front end presigns with them): their grants are
      // listed, not counted, since no code here makes their calls.
      log("  (a user for a caller outside this repo: its grants are listed, not exercised here)");
      failures += denied.length + r.unmapped.length;
      continue;
    }
    failures += denied.length + unjustified.length + r.unmapped.length;
  }
  log(
    `\niam: stack "${stack}": ${failures === 0 ? "OK, 0 denied, every unused grant justified" : `${failures} problem(s)`}`,
  );
  return { reports, failures, lines };
}

async function main(argv: string[]): Promise<number> {
  const stacks = listStacks();
  const callsAt = argv.indexOf("--calls");
  const callsFile = callsAt >= 0 ? argv[callsAt + 1] : undefined;
  const wanted = argv.filter((a, i) => !a.startsWith("-") && (callsAt < 0 || i !== callsAt + 1));
  if (wanted.length === 0 || wanted.some((s) => !stacks.includes(s)) || (callsAt >= 0 && !callsFile)) {
    console.error(
      `usage: npm run iam -- <stack> [<stack>...] [--calls <recording.json>]   (stacks: ${stacks.join(", ")})`,
    );
    return 2;
  }
  const file = callsFile
    ? path.resolve(callsFile)
    : (process.env.IAM_CALLS_FILE ?? path.join(REPO_ROOT, ".build", "iam-calls.json"));
  if (callsFile && !fs.existsSync(file)) {
    console.error(`iam: --calls ${callsFile}: no such file`);
    return 2;
  }
  if (!callsFile) record(file);
  const calls = (JSON.parse(fs.readFileSync(file, "utf8")) as { calls: AwsCall[] }).calls;
  console.log(`iam: ${calls.length} recorded calls read from ${path.relative(REPO_ROOT, file)}`);
  let failures = 0;
  for (const stack of wanted) failures += (await checkStack(stack, calls)).failures;
  return failures === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
