/**
 * The dispatch contract: what the controller sends to `POST /invocations`, and how it is checked.
 *
 * Two envelopes are accepted:
 * - the seed's JSON-RPC 2.0 `tasks/send` message, whose first text part holds the payload as a JSON string:
 *   `{jsonrpc: "2.0", id, method: "tasks/send", params: {message: {role: "user", parts: [{kind: "text", text}]}}}`
 * - the payload itself as a plain JSON body.
 *
 * Every payload carries `workflow_id`, `callback_url` and `callback_token`, plus the agent's own fields.
 * Problems are reported as `field: rule`, never with the value (it may be a token or a prompt).
 */
import { z } from "zod";
import { issuesToProblems } from "./model";

export const AGENTS = ["researcher", "analyst", "writer"] as const;
export type AgentName = (typeof AGENTS)[number];

function isHttpsOrLoopback(url: URL): boolean {
  return url.protocol === "https:" || ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

/** A string field whose error says "is required (...)" when absent and "must be a string" otherwise. */
export function requiredString(what: string) {
  return z.string({
    error: (issue) => (issue.input === undefined ? `is required (${what})` : "must be a string"),
  });
}

export const commonPayloadSchema = z.object({
  workflow_id: requiredString("the workflow id").regex(
    /^[A-Za-z0-9_-]{1,128}$/,
    "must be 1-128 letters, digits, '-' or '_' (it becomes part of an S3 key)",
  ),
  callback_url: requiredString("the URL the result is POSTed to")
    .max(2048, "must be at most 2048 characters")
    .refine(
      (u) => URL.canParse(u) && ["https:", "http:"].includes(new URL(u).protocol),
      "must be an absolute http(s) URL",
    )
    // The body carries the callback token: plain http only to this machine (local runs and tests).
    .refine(
      (u) => !URL.canParse(u) || isHttpsOrLoopback(new URL(u)),
      "must use https (http only for localhost)",
    ),
  callback_token: requiredString("the token echoed in the callback")
    .min(1, "must not be empty")
    .max(4096, "must be at most 4096 characters"),
});
export type CommonPayload = z.infer<typeof commonPayloadSchema>;

const textPart = z.object({ kind: z.literal("text"), text: z.string() });
const anyPart = z.object({ kind: z.string() }).passthrough();

export const jsonRpcEnvelopeSchema = z.object({
  jsonrpc: z.literal("2.0", { message: 'must be "2.0"' }),
  id: z.union([z.string().max(256), z.number()], { message: "must be a string or a number" }),
  method: z.literal("tasks/send", { message: 'must be "tasks/send"' }),
  params: z.object({
    message: z.object({
      role: z.string().optional(),
      parts: z.array(anyPart).min(1, "must hold at least one part"),
    }),
  }),
});

export interface Invocation {
  envelope: "jsonrpc" | "plain";
  /** JSON-RPC request id (echoed in the answer). */
  rpcId?: string | number;
  payload: unknown;
}

export class InvocationError extends Error {
  constructor(
    readonly problems: string[],
    readonly envelope: "jsonrpc" | "plain",
    readonly rpcId?: string | number,
  ) {
    super(`invalid invocation: ${problems.join("; ")}`);
    this.name = "InvocationError";
  }
}

/** Unwraps either envelope into the payload (not yet checked against the agent's schema). */
export function unwrapInvocation(body: unknown): Invocation {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new InvocationError(["(body): must be a JSON object"], "plain");
  }
  const obj = body as Record<string, unknown>;
  if (!("jsonrpc" in obj) && !("method" in obj)) return { envelope: "plain", payload: obj };
  const rpcId = typeof obj.id === "string" || typeof obj.id === "number" ? obj.id : undefined;
  const env = jsonRpcEnvelopeSchema.safeParse(obj);
  if (!env.success) throw new InvocationError(issuesToProblems(env.error.issues), "jsonrpc", rpcId);
  const parts = env.data.params.message.parts;
  const index = parts.findIndex((p) => p.kind === "text");
  const part = textPart.safeParse(parts[index]);
  if (index < 0 || !part.success) {
    throw new InvocationError(
      ["params.message.parts: must hold a text part with the payload"],
      "jsonrpc",
      rpcId,
    );
  }
  let payload: unknown;
  try {
    payload = JSON.parse(part.data.text);
  } catch {
    throw new InvocationError(
      [`params.message.parts.${index}.text: must be the payload as a JSON string`],
      "jsonrpc",
      rpcId,
    );
  }
  return { envelope: "jsonrpc", rpcId: env.data.id, payload };
}

/** Checks a payload against the common fields and the agent's own schema; returns it typed. */
export function checkPayload<P extends z.ZodRawShape>(
  invocation: Invocation,
  agentShape: P,
): CommonPayload & z.infer<z.ZodObject<P>> {
  const schema = commonPayloadSchema.extend(agentShape);
  const parsed = schema.safeParse(invocation.payload);
  if (!parsed.success) {
    throw new InvocationError(issuesToProblems(parsed.error.issues), invocation.envelope, invocation.rpcId);
  }
  return parsed.data as CommonPayload & z.infer<z.ZodObject<P>>;
}
