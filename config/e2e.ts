/**
 * Settings of the E2E Networks FaaS system: the connection keys of the `e2e` namespace (read by the
 * dynamic provider through `configure`, validated here when `e2e` is enabled) and the functions to deploy.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import {
  DEFAULT_BASE_URL,
  DEFAULT_LOCATION,
  ENV_KEY_RULE,
  MEMORY_MB,
  NAME_RULE,
  NAME_RULE_TEXT,
  RESERVED_ENV,
  RUNTIME_RULE,
  SECRET_NAME_RULE,
  baseUrlProblem,
} from "../providers/e2e/api";
import { section } from "./schema";
import { ConfigIssue, KeySpec, PROJECT, intIn, oneOf } from "./schema";

/** One function of `ai-platform:e2eFunctions` (keyed by its logical name). */
export interface E2eFunctionConfig {
  /** Runtime id, e.g. `python3-http-debian` (replaces the function when changed). */
  runtime: string;
  /** Handler file, relative to the project directory; uploaded as source. */
  codePath: string;
  /** Requirements file (e.g. requirements.txt), relative to the project directory. */
  requirementsPath?: string;
  /** 128, 256, 512 or 1024. @default 512 */
  memoryMb?: number;
  /** 1..600 seconds. @default 15 */
  timeoutSeconds?: number;
  /** cpu or gpu; must match the runtime. @default "cpu" */
  hardware?: "cpu" | "gpu";
  environment?: Record<string, string>;
  /** Names of secrets defined in E2E's FaaS secret store. */
  secrets?: string[];
  /** Function name on E2E. @default "<e2e-faas-<stack>>-<key>" */
  physicalName?: string;
  /** Adopt the live function of that name instead of creating it. @default false */
  adopt?: boolean;
}

/** The dev default: the seed's `process-orders` sample. */
export const SAMPLE_FUNCTIONS: Record<string, E2eFunctionConfig> = {
  "process-orders": {
    runtime: "python3-http-debian",
    codePath: "functions/e2e-process-orders/handler.py",
    memoryMb: 256,
    timeoutSeconds: 30,
    environment: { MAX_ORDERS: "100" },
  },
};

const functionSpec = z
  .object({
    runtime: z.string().regex(RUNTIME_RULE, 'a runtime id such as "python3-http-debian" or "node18"'),
    codePath: z.string().min(1, "a path to the handler file"),
    requirementsPath: z.string().min(1, "a path to the requirements file").optional(),
    memoryMb: z
      .number()
      .refine((n) => (MEMORY_MB as readonly number[]).includes(n), {
        message: `one of ${MEMORY_MB.join(", ")} (MB)`,
      })
      .optional(),
    timeoutSeconds: intIn(1, 600).optional(),
    hardware: oneOf(["cpu", "gpu"]).optional(),
    environment: z
      .record(z.string(), z.string({ message: "a string value" }))
      .superRefine((env, ctx) => {
        for (const k of Object.keys(env)) {
          if (RESERVED_ENV.includes(k))
            ctx.addIssue({ code: "custom", path: [k], message: `${k} is reserved by the platform` });
          else if (!ENV_KEY_RULE.test(k))
            ctx.addIssue({
              code: "custom",
              path: [k],
              message:
                "a variable name of letters, digits and _, starting with a letter or _, at most 50 characters",
            });
        }
      })
      .optional(),
    secrets: z
      .array(z.string().regex(SECRET_NAME_RULE, "secret names of lowercase letters, digits, - and ."))
      .optional(),
    physicalName: z.string().regex(NAME_RULE, NAME_RULE_TEXT).optional(),
    adopt: z.boolean().optional(),
    replicas: z
      .never({ message: "not settable: the E2E FaaS API has no replicas field (set it in the MyAccount UI)" })
      .optional(),
  })
  .strict();

const FUNCTION_KEY = /^[a-z][a-z0-9-]{0,29}$/;

const functionsMap = z.record(z.string(), functionSpec).superRefine((m, ctx) => {
  if (Object.keys(m).length === 0) ctx.addIssue({ code: "custom", message: "at least one function" });
  for (const k of Object.keys(m))
    if (!FUNCTION_KEY.test(k))
      ctx.addIssue({
        code: "custom",
        path: [k],
        message: "a function key of 1-30 lowercase letters, digits and -, starting with a letter",
      });
});

export const e2eKeys = {
  apiKey: {
    namespace: "e2e",
    type: "string",
    secret: true,
    optional: true,
    description:
      "E2E MyAccount API key (sent as the apikey query parameter). Unset: the provider reads E2E_API_KEY or SERVICE_API_KEY.",
    schema: z.string().min(8, "at least 8 characters"),
  } satisfies KeySpec<string>,
  authToken: {
    namespace: "e2e",
    type: "string",
    secret: true,
    optional: true,
    description:
      "E2E MyAccount auth token (sent as Authorization: Bearer). Unset: the provider reads E2E_AUTH_TOKEN or SERVICE_AUTH_TOKEN.",
    schema: z.string().min(8, "at least 8 characters"),
  } satisfies KeySpec<string>,
  projectId: {
    namespace: "e2e",
    type: "string",
    optional: true,
    description: "E2E project the functions live in (project_id). Unset: the provider reads E2E_PROJECT_ID.",
    schema: z.string().regex(/^\d{1,12}$/, "a numeric E2E project id"),
  } satisfies KeySpec<string>,
  location: {
    namespace: "e2e",
    type: "string",
    default: DEFAULT_LOCATION,
    description: "E2E location of the functions (FaaS runs in Delhi only).",
    schema: z.string().regex(/^[A-Z][A-Za-z -]{1,30}$/, 'an E2E location name such as "Delhi"'),
  } satisfies KeySpec<string>,
  baseUrl: {
    namespace: "e2e",
    type: "string",
    default: DEFAULT_BASE_URL,
    description: "E2E MyAccount API root.",
    schema: z.string().superRefine((url, ctx) => {
      const problem = baseUrlProblem(url);
      if (problem)
        ctx.addIssue({ code: "custom", message: `a URL that ${problem.replace(/^must/, "does")}` });
    }),
  } satisfies KeySpec<string>,
  e2eFunctions: {
    type: "object",
    description:
      "E2E FaaS functions by name: { runtime, codePath, requirementsPath?, memoryMb?, timeoutSeconds?, hardware?, environment?, secrets?, physicalName?, adopt? }.",
    default: SAMPLE_FUNCTIONS,
    schema: functionsMap as z.ZodType<Record<string, E2eFunctionConfig>>,
  } satisfies KeySpec<Record<string, E2eFunctionConfig>>,
};

/** Checks that need the file system: every code and requirements file exists. */
export function checkFunctionFiles(
  functions: Record<string, E2eFunctionConfig>,
  root = process.cwd(),
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [key, fn] of Object.entries(functions)) {
    for (const field of ["codePath", "requirementsPath"] as const) {
      const file = fn[field];
      if (file === undefined) continue;
      const rel = path.relative(path.resolve(root), path.resolve(root, file));
      if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
        issues.push({
          key: `${PROJECT}:e2eFunctions.${key}.${field}`,
          problem: "resolves outside the project directory",
          rule: "a file path inside the project directory (no absolute path, no ../ out of it)",
        });
        continue;
      }
      if (!fs.existsSync(path.resolve(root, file)) || !fs.statSync(path.resolve(root, file)).isFile())
        issues.push({
          key: `${PROJECT}:e2eFunctions.${key}.${field}`,
          problem: `${JSON.stringify(file)} is not a file`,
          rule: "a file path relative to the project directory",
        });
    }
  }
  return issues;
}

export const e2eSection = section(e2eKeys, (values) => checkFunctionFiles(values.e2eFunctions));
