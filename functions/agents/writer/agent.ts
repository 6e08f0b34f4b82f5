/**
 * Writer: writes the final report (Markdown) from the approved analysis and the reviewer's feedback.
 *
 * The analysis arrives inline or as an S3 reference. One Converse call. A report that stops at the token
 * limit is still sent, marked `truncated: true`. Reports are often large: over the inline limit the runtime
 * puts the result in S3 and sends a reference.
 */
import { z } from "zod";
import { defineAgent } from "../runtime/agent";
import { s3ReferenceSchema } from "../runtime/artifacts";
import { AgentError } from "../runtime/errors";
import { topicSchema, writerParametersSchema } from "../shared/workflow-input";

/** Level-1 and level-2 Markdown headings, in order. */
export function headings(markdown: string): string[] {
  return markdown
    .split("\n")
    .map((l) => /^(#{1,2})\s+(.+?)\s*#*\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => m[2]);
}

export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export const writer = defineAgent({
  name: "writer",
  description:
    "Writer: writes the final Markdown report from the approved analysis and the reviewer's feedback.",
  skill: {
    id: "write_report",
    name: "Write the report",
    description:
      'Returns {title, format: "markdown", content, word_count, sections[], feedback_applied, truncated}',
  },
  payloadShape: {
    analysis: z.union([s3ReferenceSchema, z.record(z.string(), z.unknown())], {
      error: (issue) =>
        issue.input === undefined
          ? "is required (the analyst's result object, or an s3_reference to it)"
          : "must be the analyst's result object or an s3_reference {artifact_type, s3_uri}",
    }),
    // The same schemas the workflow API checks a new workflow with (shared/workflow-input.ts).
    topic: topicSchema,
    feedback: z.string().max(20_000, "must be at most 20000 characters").default(""),
    parameters: writerParametersSchema,
  },
  promptDir: __dirname,
  promptFiles: ["system.md", "task.md"],
  async run({ payload, prompts, model, artifacts, logger, settings }) {
    const analysis = (await artifacts.resolve("analysis", payload.analysis)) as Record<string, unknown>;
    // The analyst's bookkeeping (metadata) is not report material.
    const { metadata: _metadata, ...material } = analysis ?? {};
    const analysisJson = JSON.stringify(material, null, 1);
    if (analysisJson.length > settings.MODEL_MAX_INPUT_CHARS) {
      throw new AgentError(
        "InputTooLarge",
        `analysis is ${analysisJson.length} characters, over MODEL_MAX_INPUT_CHARS (${settings.MODEL_MAX_INPUT_CHARS})`,
      );
    }
    const feedback = payload.feedback.trim();
    const user = prompts.render("task.md", {
      topic: payload.topic,
      audience: payload.parameters.audience ?? "technical decision makers",
      word_limit: payload.parameters.word_limit
        ? `about ${payload.parameters.word_limit} words`
        : "as long as the material needs",
      feedback: feedback || "(no feedback: the reviewer approved the analysis as it is)",
      analysis: analysisJson,
    });
    const answer = await model.converse(prompts.text("system.md"), [
      { role: "user", content: [{ text: user }] },
    ]);
    const content = answer.text.trim();
    const sections = headings(content);
    const truncated = answer.stopReason === "max_tokens";
    if (truncated) logger.warn("report_truncated", { output_tokens: answer.outputTokens });
    logger.info("report_done", { words: wordCount(content), sections: sections.length, truncated });
    return {
      topic: payload.topic,
      title: sections[0] ?? payload.topic,
      format: "markdown",
      content,
      word_count: wordCount(content),
      sections,
      feedback_applied: feedback.length > 0,
      truncated,
      metadata: {
        agent: "writer",
        workflow_id: payload.workflow_id,
        model_id: settings.MODEL_ID,
        generated_at: new Date().toISOString(),
        bedrock_requests: model.counters.requests,
        input_tokens: model.counters.inputTokens,
        output_tokens: model.counters.outputTokens,
      },
    };
  },
});
