/**
 * What a workflow's input may be: one zod schema for the topic and each agent's parameters, imported by the
 * workflow API (which refuses at the door what an agent would refuse later) and by the agents themselves
 * (researcher, analyst, writer), so the two can never drift. Plus the limits that the storage sets
 * (DynamoDB's numbers, nesting, 400 KB items) and that JSON cannot express (2^53, `1e400`, `__proto__`).
 * Pure; no AWS SDK.
 */
import { z } from "zod";

/** The topic every agent receives: the researcher needs at least 3 characters to search for. */
export const TOPIC_MIN = 3;
export const TOPIC_MAX = 2000;
export const topicSchema = z
  .string({
    error: (i) => (i.input === undefined ? "is required (the research topic)" : "must be a string"),
  })
  .trim()
  .min(TOPIC_MIN, `must be ${TOPIC_MIN}-${TOPIC_MAX} characters`)
  .max(TOPIC_MAX, `must be ${TOPIC_MIN}-${TOPIC_MAX} characters`);

export const DEPTHS = ["basic", "comprehensive", "deep"] as const;
export type Depth = (typeof DEPTHS)[number];

/** The researcher's parameters. */
export const researchParameterFields = {
  depth: z.enum(DEPTHS, { message: 'must be "basic", "comprehensive" or "deep"' }).default("comprehensive"),
  sources: z
    .array(z.string().max(100, "must be at most 100 characters each"), {
      message: "must be a list of strings",
    })
    .max(20, "must list at most 20 source kinds")
    .optional(),
  max_results: z
    .number({ message: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be 1-50")
    .max(50, "must be 1-50")
    .optional(),
};

/** The writer's parameters. */
export const WORD_LIMIT = { min: 100, max: 50_000 };
export const writerParameterFields = {
  word_limit: z
    .number({ message: "must be a number" })
    .int("must be a whole number")
    .min(WORD_LIMIT.min, `must be ${WORD_LIMIT.min}-${WORD_LIMIT.max}`)
    .max(WORD_LIMIT.max, `must be ${WORD_LIMIT.min}-${WORD_LIMIT.max}`)
    .optional(),
  audience: z.string({ message: "must be a string" }).max(200, "must be at most 200 characters").optional(),
};

/** Each agent's own parameters schema (other keys pass through: one `parameters` object feeds all three). */
export const researchParametersSchema = z
  .looseObject(researchParameterFields)
  .default({ depth: "comprehensive" });
export const writerParametersSchema = z.looseObject(writerParameterFields).default({});

/** A workflow's parameters: what every agent will check, checked once. */
export const workflowParametersSchema = z.looseObject({
  ...researchParameterFields,
  ...writerParameterFields,
});

/** Storage limits of `parameters` (the workflow item and the controller's input carry it). */
export const PARAMETERS_MAX_BYTES = 64 * 1024;
export const PARAMETERS_MAX_DEPTH = 16;
/** DynamoDB numbers: magnitude 1e-130 to 9.99...e125; JavaScript integers beyond 2^53 lose precision. */
const DYNAMO_MAX = 9.99e125;
const DYNAMO_MIN = 1e-130;
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Pure: the first storage problem of a JSON value, as `path: rule`, or undefined. */
export function storageProblem(value: unknown, path: string, depth = 0): string | undefined {
  if (depth > PARAMETERS_MAX_DEPTH)
    return `${path} must be nested at most ${PARAMETERS_MAX_DEPTH} levels deep`;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return `${path} must be a finite number (got one out of range, like 1e400)`;
    if (Number.isInteger(value) && !Number.isSafeInteger(value))
      return `${path} must be an integer of at most 2^53-1 in magnitude (larger ones lose precision)`;
    const abs = Math.abs(value);
    if (abs > DYNAMO_MAX || (abs !== 0 && abs < DYNAMO_MIN))
      return `${path} must be a number from 1e-130 to 9.99e125 in magnitude`;
    return undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = storageProblem(value[i], `${path}[${i}]`, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  if (typeof value === "object" && value !== null) {
    for (const key of Object.keys(value)) {
      const at = `${path}.${key}`;
      if (FORBIDDEN_KEYS.has(key)) return `${at} is not allowed: "${key}" may not be used as a key`;
      if (key.length === 0) return `${path} must not have an empty key`;
      const p = storageProblem((value as Record<string, unknown>)[key], at, depth + 1);
      if (p) return p;
    }
  }
  return undefined;
}

/** The first issue of a zod error as `field rule` (never the value). */
export function firstIssue(error: z.ZodError, prefix: string): string {
  const issue = error.issues[0];
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
  return `${path} ${issue.message}`;
}

export type WorkflowInputCheck =
  { ok: true; topic: string; parameters: Record<string, unknown> } | { ok: false; error: string };

/**
 * Pure: checks a new workflow's topic and parameters against the agents' schemas and the storage limits.
 * Both come back as sent (the agents trim the topic and apply their own defaults).
 */
export function checkWorkflowInput(topic: unknown, parameters: unknown): WorkflowInputCheck {
  const t = topicSchema.safeParse(topic);
  if (!t.success) return { ok: false, error: firstIssue(t.error, "topic") };
  const params = parameters ?? {};
  if (typeof params !== "object" || params === null || Array.isArray(params))
    return { ok: false, error: "parameters must be a JSON object" };
  const storage = storageProblem(params, "parameters");
  if (storage) return { ok: false, error: storage };
  const bytes = Buffer.byteLength(JSON.stringify(params), "utf8");
  if (bytes > PARAMETERS_MAX_BYTES)
    return {
      ok: false,
      error: `parameters must be at most ${PARAMETERS_MAX_BYTES} bytes as JSON (got ${bytes}; a workflow item is at most 400 KB)`,
    };
  const p = workflowParametersSchema.safeParse(params);
  if (!p.success) return { ok: false, error: firstIssue(p.error, "parameters") };
  return { ok: true, topic: topic as string, parameters: params as Record<string, unknown> };
}
