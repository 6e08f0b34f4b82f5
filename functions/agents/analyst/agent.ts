/**
 * Analyst: turns the researcher's findings into a structured analysis.
 *
 * The research data arrives inline or as an S3 reference (read back from the artifacts bucket). One
 * Converse call; the answer must match `analysisSchema` (zod) before it is sent. After the bounded repair
 * turns, an answer that still does not match ends the task with FAILURE (InvalidModelOutput), listing the
 * failing paths and rules, never the answer.
 */
import { z } from "zod";
import { defineAgent } from "../runtime/agent";
import { s3ReferenceSchema } from "../runtime/artifacts";
import { AgentError } from "../runtime/errors";
import { topicSchema } from "../shared/workflow-input";

const level = z.enum(["low", "medium", "high"], { message: 'must be "low", "medium" or "high"' });

export const analysisSchema = z.object({
  summary: z.string().min(1, "must not be empty").max(4000, "must be at most 4000 characters"),
  key_insights: z
    .array(
      z.object({
        insight: z.string().min(1, "must not be empty"),
        evidence: z.array(z.string()).min(1, "must name at least one piece of evidence"),
        confidence: level,
      }),
    )
    .min(1, "must hold at least one insight")
    .max(20, "must hold at most 20 insights"),
  trends: z
    .array(
      z.object({
        trend: z.string().min(1, "must not be empty"),
        direction: z.enum(["emerging", "rising", "stable", "declining"], {
          message: 'must be "emerging", "rising", "stable" or "declining"',
        }),
      }),
    )
    .max(20, "must hold at most 20 trends")
    .default([]),
  risks: z
    .array(
      z.object({
        risk: z.string().min(1, "must not be empty"),
        likelihood: level,
        impact: level,
        mitigation: z.string().min(1, "must not be empty"),
      }),
    )
    .max(20, "must hold at most 20 risks")
    .default([]),
  opportunities: z
    .array(z.object({ opportunity: z.string().min(1, "must not be empty"), impact: level }))
    .max(20, "must hold at most 20 opportunities")
    .default([]),
  recommendations: z
    .array(
      z.object({
        recommendation: z.string().min(1, "must not be empty"),
        priority: level,
        rationale: z.string().min(1, "must not be empty"),
      }),
    )
    .min(1, "must hold at least one recommendation")
    .max(15, "must hold at most 15 recommendations"),
  confidence: z.number().min(0, "must be a number from 0 to 1").max(1, "must be a number from 0 to 1"),
});
export type Analysis = z.infer<typeof analysisSchema>;

export const analyst = defineAgent({
  name: "analyst",
  description:
    "Analyst: turns research findings into a structured analysis (insights, trends, risks, recommendations).",
  skill: {
    id: "analyze",
    name: "Analyse research data",
    description:
      "Returns {summary, key_insights[], trends[], risks[], opportunities[], recommendations[], confidence}, validated before it is sent",
  },
  payloadShape: {
    research_data: z.union([s3ReferenceSchema, z.record(z.string(), z.unknown())], {
      error: (issue) =>
        issue.input === undefined
          ? "is required (the researcher's result object, or an s3_reference to it)"
          : "must be the researcher's result object or an s3_reference {artifact_type, s3_uri}",
    }),
    // The same topic schema the workflow API checks a new workflow with (shared/workflow-input.ts).
    topic: topicSchema.optional(),
  },
  promptDir: __dirname,
  promptFiles: ["system.md", "task.md"],
  async run({ payload, prompts, model, artifacts, logger, settings }) {
    const research = await artifacts.resolve("research_data", payload.research_data);
    const researchJson = JSON.stringify(research, null, 1);
    if (researchJson.length > settings.MODEL_MAX_INPUT_CHARS) {
      throw new AgentError(
        "InputTooLarge",
        `research_data is ${researchJson.length} characters, over MODEL_MAX_INPUT_CHARS (${settings.MODEL_MAX_INPUT_CHARS})`,
      );
    }
    const topic =
      payload.topic ??
      (typeof (research as { topic?: unknown }).topic === "string"
        ? (research as { topic: string }).topic
        : "");
    const user = prompts.render("task.md", {
      topic: topic || "(see the research data)",
      research: researchJson,
    });
    const analysis = await model.converseJson(
      prompts.text("system.md"),
      user,
      analysisSchema,
      prompts.text("repair.md"),
    );
    logger.info("analysis_done", {
      insights: analysis.key_insights.length,
      risks: analysis.risks.length,
      recommendations: analysis.recommendations.length,
    });
    return {
      ...analysis,
      topic: topic || undefined,
      metadata: {
        agent: "analyst",
        workflow_id: payload.workflow_id,
        model_id: settings.MODEL_ID,
        generated_at: new Date().toISOString(),
        research_bytes: Buffer.byteLength(researchJson),
        bedrock_requests: model.counters.requests,
        input_tokens: model.counters.inputTokens,
        output_tokens: model.counters.outputTokens,
      },
    };
  },
});
