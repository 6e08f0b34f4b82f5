/**
 * Bedrock Converse, with bounded retries on throttling and brief unavailability, and a JSON mode that
 * checks the answer against a zod schema (asking the model to repair it a bounded number of times).
 *
 * The client uses the SDK's standard configuration chain (credentials, region, and
 * `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` for a local stand-in). The SDK's own retries are switched off
 * (`maxAttempts: 1`) so every Converse request is one attempt here: counted, logged and bounded.
 */
import {
  BedrockRuntimeClient,
  ConverseCommand,
  type ContentBlock,
  type Message,
} from "@aws-sdk/client-bedrock-runtime";
import { z } from "zod";
import { AgentError, safeErrorFields } from "./errors";
import { backoffDelay, sleep } from "./backoff";
import type { AgentLogger } from "./logger";
import type { Settings } from "./settings";

/** Errors worth another attempt: Bedrock is throttling or briefly unable to serve. */
const RETRYABLE = new Set([
  "ThrottlingException",
  "ServiceUnavailableException",
  "ModelNotReadyException",
  "InternalServerException",
  "ModelTimeoutException",
]);
const THROTTLE = new Set(["ThrottlingException"]);
const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "ERR_HTTP2_STREAM_ERROR"]);

export interface ConverseResult {
  text: string;
  stopReason: string;
  inputTokens: number;
  outputTokens: number;
}

export interface ModelCounters {
  /** Converse requests sent (attempts, retries included). */
  requests: number;
  /** Requests answered with throttling. */
  throttled: number;
  inputTokens: number;
  outputTokens: number;
}

export function createBedrockClient(settings: Settings): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    region: process.env.AWS_REGION ?? settings.AGENT_REGION,
    maxAttempts: 1,
  });
}

function isRetryable(err: unknown): { retry: boolean; throttled: boolean } {
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.name && RETRYABLE.has(e.name)) return { retry: true, throttled: THROTTLE.has(e.name) };
  if (e?.$metadata?.httpStatusCode === 429) return { retry: true, throttled: true };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return { retry: true, throttled: false };
  if (e?.code && NETWORK_CODES.has(e.code)) return { retry: true, throttled: false };
  return { retry: false, throttled: false };
}

/** One task's view of the model: counts its own requests and tokens. */
export class Model {
  readonly counters: ModelCounters = { requests: 0, throttled: 0, inputTokens: 0, outputTokens: 0 };

  constructor(
    private readonly client: BedrockRuntimeClient,
    private readonly settings: Settings,
    private readonly logger: AgentLogger,
    private readonly random: () => number = Math.random,
  ) {}

  /** One model call: Converse, retried on throttling/unavailability up to BEDROCK_MAX_ATTEMPTS. */
  async converse(system: string, messages: Message[]): Promise<ConverseResult> {
    const s = this.settings;
    for (let attempt = 1; ; attempt++) {
      this.counters.requests++;
      const started = Date.now();
      try {
        const out = await this.client.send(
          new ConverseCommand({
            modelId: s.MODEL_ID,
            system: [{ text: system }],
            messages,
            inferenceConfig: {
              maxTokens: s.MODEL_MAX_TOKENS,
              temperature: s.MODEL_TEMPERATURE,
              ...(s.MODEL_TOP_P === undefined ? {} : { topP: s.MODEL_TOP_P }),
            },
          }),
          { abortSignal: AbortSignal.timeout(s.MODEL_TIMEOUT_MS) },
        );
        const text = (out.output?.message?.content ?? [])
          .map((b: ContentBlock) => ("text" in b && typeof b.text === "string" ? b.text : ""))
          .join("");
        const result: ConverseResult = {
          text,
          stopReason: out.stopReason ?? "unknown",
          inputTokens: out.usage?.inputTokens ?? 0,
          outputTokens: out.usage?.outputTokens ?? 0,
        };
        this.counters.inputTokens += result.inputTokens;
        this.counters.outputTokens += result.outputTokens;
        this.logger.info("converse_ok", {
          attempt,
          duration_ms: Date.now() - started,
          stop_reason: result.stopReason,
          input_tokens: result.inputTokens,
          output_tokens: result.outputTokens,
          answer_chars: text.length,
        });
        if (result.stopReason === "guardrail_intervened" || result.stopReason === "content_filtered") {
          throw new AgentError(
            "ModelRefused",
            `the model declined to answer (stop reason ${result.stopReason})`,
          );
        }
        if (!text) throw new AgentError("InvalidModelOutput", "the model answered with no text");
        return result;
      } catch (err) {
        if (err instanceof AgentError) throw err;
        const { retry, throttled } = isRetryable(err);
        if (throttled) this.counters.throttled++;
        const fields = { attempt, max_attempts: s.BEDROCK_MAX_ATTEMPTS, ...safeErrorFields(err) };
        if (!retry) {
          this.logger.error("converse_failed", fields);
          const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
          throw new AgentError(
            "ModelError",
            `Bedrock Converse was refused (${(err as Error).name ?? "error"}${status ? `, HTTP ${status}` : ""})`,
          );
        }
        if (attempt >= s.BEDROCK_MAX_ATTEMPTS) {
          this.logger.error("converse_gave_up", fields);
          throw new AgentError(
            throttled ? "ModelThrottled" : "ModelUnavailable",
            `Bedrock Converse still ${throttled ? "throttled" : "unavailable"} after ${attempt} attempts (${(err as Error).name})`,
          );
        }
        const delay = backoffDelay(attempt, s.BEDROCK_BASE_DELAY_MS, 20_000, this.random);
        this.logger.warn("converse_retry", { ...fields, delay_ms: delay });
        await sleep(delay);
      }
    }
  }

  /**
   * A model call whose answer must be JSON matching `schema`. When it does not, the model is shown the
   * problems (paths and rules only) and asked again, at most MODEL_JSON_REPAIRS times.
   */
  async converseJson<T>(
    system: string,
    user: string,
    schema: z.ZodType<T>,
    repairPrompt: string,
  ): Promise<T> {
    const messages: Message[] = [{ role: "user", content: [{ text: user }] }];
    for (let turn = 0; ; turn++) {
      const answer = await this.converse(system, messages);
      const checked = checkJson(answer.text, schema);
      if (checked.ok) return checked.value;
      this.logger.warn("model_output_invalid", { turn, problems: checked.problems.slice(0, 20) });
      if (turn >= this.settings.MODEL_JSON_REPAIRS) {
        throw new AgentError(
          "InvalidModelOutput",
          `the model's answer did not match the schema after ${turn + 1} attempt(s): ${checked.problems.slice(0, 10).join("; ")}`,
        );
      }
      messages.push(
        { role: "assistant", content: [{ text: answer.text }] },
        {
          role: "user",
          content: [{ text: repairPrompt.replace("{{problems}}", checked.problems.join("\n")) }],
        },
      );
    }
  }
}

/** Pulls the JSON object out of a model answer (bare, or in a ```json fence) and checks it. */
export function checkJson<T>(
  text: string,
  schema: z.ZodType<T>,
): { ok: true; value: T } | { ok: false; problems: string[] } {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  const candidate = (fenced ? fenced[1] : text).trim();
  const start = candidate.indexOf("{");
  const end = candidate.lastIndexOf("}");
  if (start < 0 || end < start)
    return { ok: false, problems: ["(root): the answer contains no JSON object"] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(candidate.slice(start, end + 1));
  } catch {
    // JSON.parse's message quotes the text; it must not reach a log or a callback.
    return { ok: false, problems: ["(root): the answer is not valid JSON"] };
  }
  const result = schema.safeParse(parsed);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problems: issuesToProblems(result.error.issues) };
}

/** zod issues as `path: rule` lines (zod messages name the rule, never the value). */
export function issuesToProblems(issues: z.core.$ZodIssue[]): string[] {
  return issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
}
