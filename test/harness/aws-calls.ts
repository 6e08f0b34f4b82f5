/**
 * Records every AWS SDK v3 call the code under `functions/` makes while the tests run: service, operation, the
 * resource-naming fields of the input, which function folder made it, and the environment variables those
 * names came from. Installed by the test harness only (never by product code): `startAwsCallRecording()`
 * patches the one `Command` class of `@smithy/core` that every SDK v3 client and command of this repo uses, so
 * `client.send(...)`, `DynamoDBDocumentClient` commands (recorded as the DynamoDB operation they marshal to) and
 * presigned URLs (`getSignedUrl` resolves the same middleware) are all seen. `npm run iam` reads the file.
 */
import * as fs from "fs";
import * as path from "path";

/** One recorded SDK call. */
export interface AwsCall {
  /** Code folder that made the call, e.g. `functions/agents/api` (`test` when only test code is on the stack). */
  code: string;
  /** Smithy service id (`DynamoDB_20120810`, `AmazonS3`...) and the client class name. */
  service: string;
  client: string;
  /** Operation name as in the API (`GetItem`, `PutObject`, `RunTask`...). */
  operation: string;
  /** The resource-naming fields of the input (names, keys, ARNs; never bodies or payloads). */
  input: Record<string, unknown>;
  /** Environment variables whose value occurs in `input` (key → value), so a test name maps to the stack's. */
  env: Record<string, string>;
  /** The test that was running (its title path) and its spec file (relative to the repo). */
  test?: string;
  spec?: string;
}

/** Top-level input fields that name a resource or change what IAM checks. */
const RESOURCE_FIELDS = [
  "TableName",
  "IndexName",
  "Bucket",
  "Key",
  "CopySource",
  "QueueUrl",
  "cluster",
  "taskDefinition",
  "launchType",
  "propagateTags",
  "enableECSManagedTags",
  "FunctionName",
  "Qualifier",
  "InvocationType",
  "CallbackId",
  "agentRuntimeArn",
  "qualifier",
  "modelId",
  "Name",
  "Names",
  "WithDecryption",
  "ServerSideEncryption",
  "SSEKMSKeyId",
  "DurableExecutionArn",
];

const MAX_STRING = 300;

function clip(v: unknown): unknown {
  if (typeof v === "string") return v.length > MAX_STRING ? v.slice(0, MAX_STRING) : v;
  if (Array.isArray(v)) return v.map(clip);
  if (typeof v === "number" || typeof v === "boolean") return v;
  return undefined;
}

/** The parts of an input IAM cares about (exported for its unit test). */
export function projectInput(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of RESOURCE_FIELDS) {
    const v = clip(input[f]);
    if (v !== undefined) out[f] = v;
  }
  // RunTask: tags and role overrides (a passed role), capacity providers.
  if (Array.isArray(input.tags)) out.tagKeys = (input.tags as { key?: string }[]).map((t) => t.key);
  const overrides = input.overrides as { taskRoleArn?: string; executionRoleArn?: string } | undefined;
  if (overrides?.taskRoleArn) out.overrideTaskRoleArn = overrides.taskRoleArn;
  if (overrides?.executionRoleArn) out.overrideExecutionRoleArn = overrides.executionRoleArn;
  if (Array.isArray(input.capacityProviderStrategy)) {
    out.capacityProviders = (input.capacityProviderStrategy as { capacityProvider?: string }[]).map(
      (s) => s.capacityProvider,
    );
  }
  // TransactWriteItems: the operation and table of each item (IAM authorises each as its own action).
  if (Array.isArray(input.TransactItems)) {
    out.TransactItems = (input.TransactItems as Record<string, { TableName?: string } | undefined>[]).map(
      (item) => {
        const op = Object.keys(item).find((k) => item[k] !== undefined) ?? "";
        return { op, TableName: item[op]?.TableName };
      },
    );
  }
  // BatchWriteItem / BatchGetItem: the tables named by RequestItems.
  if (input.RequestItems && typeof input.RequestItems === "object") {
    out.RequestTables = Object.keys(input.RequestItems as object);
  }
  // PutEvents: the bus and source of each entry.
  if (Array.isArray(input.Entries)) {
    out.Entries = (input.Entries as { EventBusName?: string; Source?: string; DetailType?: string }[]).map(
      (e) => ({ EventBusName: e.EventBusName, Source: e.Source, DetailType: e.DetailType }),
    );
  }
  return out;
}

/** Strings anywhere in a projected input. */
function strings(v: unknown, acc: string[] = []): string[] {
  if (typeof v === "string") acc.push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, acc));
  else if (v && typeof v === "object") Object.values(v).forEach((x) => strings(x, acc));
  return acc;
}

let extraEnv: Record<string, string> = {};

/**
 * An environment a test hands to code directly (e.g. `startAgent({ env })`) instead of through `process.env`:
 * names the code takes from it map to the stack's values of the same variables.
 */
export function addTestEnvironment(env: Record<string, string>): void {
  extraEnv = { ...extraEnv, ...env };
}

/** Env vars whose (non-trivial) value is one of the input's strings or contained in one. */
function envRefs(input: Record<string, unknown>): Record<string, string> {
  const values = strings(input);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...extraEnv, ...process.env })) {
    if (!v || v.length < 3 || /^(AWS_|npm_|PATH$|HOME$|PWD$)/.test(k)) continue;
    if (values.some((s) => s === v || s.includes(v))) out[k] = v;
  }
  return out;
}

const ROOT = path.resolve(__dirname, "..", "..");
const FOLDER = /functions[\\/]((?:agents[\\/])?[a-z0-9-]+)[\\/]/;

/**
 * The function folder that made a call: the innermost frame under `functions/` that is not shared code
 * (`functions/agents/shared`), so a shared store called by the API counts as the API's call.
 */
export function codeFromStack(stack: string): string {
  let shared: string | undefined;
  for (const line of stack.split("\n")) {
    if (!line.includes(ROOT) && !line.includes("functions/")) continue;
    if (line.includes("node_modules")) continue;
    // Shared code a test calls directly (seeding an item) is the test's call.
    if (shared && /[\\/]test[\\/].*\.ts:\d+/.test(line)) return "test";
    const m = FOLDER.exec(line);
    if (!m) continue;
    const folder = `functions/${m[1].replace(/\\/g, "/")}`;
    if (folder === "functions/agents/shared") {
      shared ??= folder;
      continue;
    }
    return folder;
  }
  return shared ?? "test";
}

let calls: AwsCall[] = [];
let installed = false;
let currentTest: string | undefined;
let currentSpec: string | undefined;

/** The test the next calls belong to (set by the mocha hook). */
export function setCurrentTest(title: string | undefined, file?: string): void {
  currentTest = title;
  currentSpec = file ? path.relative(ROOT, file).replace(/\\/g, "/") : undefined;
}

interface CommandProto {
  resolveMiddlewareWithContext: (this: { input?: Record<string, unknown> }, ...args: unknown[]) => unknown;
}

/** Patches `Command.prototype.resolveMiddlewareWithContext` once; calls are kept until `takeAwsCalls()`. */
export function startAwsCallRecording(): void {
  if (installed) return;
  installed = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Command } = require("@smithy/core/client") as { Command: { prototype: CommandProto } };
  const original = Command.prototype.resolveMiddlewareWithContext;
  Command.prototype.resolveMiddlewareWithContext = function (this, ...args: unknown[]) {
    const ctx = args[3] as {
      clientName?: string;
      commandName?: string;
      smithyContext?: { service?: string; operation?: string };
    };
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 60;
    const stack = new Error().stack ?? "";
    Error.stackTraceLimit = limit;
    const input = projectInput(this.input ?? {});
    calls.push({
      code: codeFromStack(stack),
      service: ctx.smithyContext?.service ?? ctx.clientName ?? "unknown",
      client: ctx.clientName ?? "unknown",
      operation: ctx.smithyContext?.operation ?? String(ctx.commandName ?? "").replace(/Command$/, ""),
      input,
      env: envRefs(input),
      test: currentTest,
      spec: currentSpec,
    });
    return original.apply(this, args);
  };
}

/** The calls recorded so far (and clears them). */
export function takeAwsCalls(): AwsCall[] {
  const out = calls;
  calls = [];
  return out;
}

/** Writes calls to a JSON file (creating its folder). */
export function writeAwsCalls(file: string, recorded: AwsCall[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ recordedAt: new Date().toISOString(), calls: recorded }, null, 1));
}

/**
 * Environment for a child process the tests spawn (a bundle with its own SDK copy): under `npm run iam` it
 * preloads aws-calls-child.js, which records the child's S3 requests as `code`'s; otherwise nothing.
 */
export function childRecordingEnv(code: string): Record<string, string> {
  const file = process.env.IAM_CALLS_FILE;
  if (!file) return {};
  return {
    NODE_OPTIONS: `--require ${path.join(__dirname, "aws-calls-child.js")}`,
    IAM_CALLS_FILE: file,
    IAM_CHILD_CODE: code,
  };
}

/** Calls recorded by child processes (and removes their file). */
export function takeChildCalls(file: string): AwsCall[] {
  const lines = `${file}.child.jsonl`;
  if (!fs.existsSync(lines)) return [];
  const out = fs
    .readFileSync(lines, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AwsCall);
  fs.rmSync(lines);
  return out;
}
