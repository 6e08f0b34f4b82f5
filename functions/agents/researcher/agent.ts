/**
 * Researcher: gathers findings on a topic, each tied to the sources it rests on.
 *
 * One Converse call (plus at most MODEL_JSON_REPAIRS repair turns when the answer does not match
 * `researchOutputSchema`). The model has no browsing tool: its sources are the works it cites from what it
 * knows, checked only for shape (every finding's source ids must exist in the source list).
 */
import { z } from "zod";
import { defineAgent } from "../runtime/agent";
import { AgentError } from "../runtime/errors";
import { researchParametersSchema, topicSchema } from "../shared/workflow-input";

const confidence = z.enum(["low", "medium", "high"], { message: 'must be "low", "medium" or "high"' });

export const researchOutputSchema = z
  .object({
    summary: z.string().min(1, "must not be empty"),
    findings: z
      .array(
        z.object({
          finding: z.string().min(1, "must not be empty"),
          detail: z.string().min(1, "must not be empty"),
          confidence,
          source_ids: z.array(z.string()).min(1, "must cite at least one source"),
        }),
      )
      .min(1, "must hold at least one finding")
      .max(25, "must hold at most 25 findings"),
    sources: z
      .array(
        z.object({
          id: z.string().min(1, "must not be empty"),
          title: z.string().min(1, "must not be empty"),
          // Models often write null for "unknown"; it is kept as null.
          url: z.url({ message: "must be an absolute URL" }).nullish(),
          kind: z.string().nullish(),
          year: z.number().int("must be a whole year").nullish(),
        }),
      )
      .min(1, "must hold at least one source")
      .max(60, "must hold at most 60 sources"),
    gaps: z.array(z.string()).default([]),
  })
  .superRefine((out, ctx) => {
    const ids = new Set(out.sources.map((s) => s.id));
    out.findings.forEach((f, i) =>
      f.source_ids.forEach((id, j) => {
        if (!ids.has(id)) {
          ctx.addIssue({
            code: "custom",
            path: ["findings", i, "source_ids", j],
            message: "must be the id of a listed source",
          });
        }
      }),
    );
  });
export type ResearchOutput = z.infer<typeof researchOutputSchema>;

const DEPTH = {
  basic: { findings: 4, sources: 6 },
  comprehensive: { findings: 8, sources: 12 },
  deep: { findings: 14, sources: 24 },
} as const;

export const researcher = defineAgent({
  name: "researcher",
  description: "Research specialist: gathers findings on a topic, each tied to the sources it rests on.",
  skill: {
    id: "research",
    name: "Research a topic",
    description:
      "Returns {topic, summary, findings[{finding, detail, confidence, source_ids}], sources[], gaps[]}",
  },
  payloadShape: {
    // The same schemas the workflow API checks a new workflow with (shared/workflow-input.ts).
    topic: topicSchema,
    parameters: researchParametersSchema,
  },
  promptDir: __dirname,
  promptFiles: ["system.md", "task.md"],
  async run({ payload, prompts, model, logger, settings }) {
    const depth = payload.parameters.depth;
    const maxSources = Math.min(
      payload.parameters.max_results ?? DEPTH[depth].sources,
      DEPTH[depth].sources * 2,
    );
    const user = prompts.render("task.md", {
      topic: payload.topic,
      depth,
      source_kinds: payload.parameters.sources?.length
        ? payload.parameters.sources.join(", ")
        : "any reputable kind",
      max_findings: String(DEPTH[depth].findings),
      max_sources: String(maxSources),
    });
    if (user.length > settings.MODEL_MAX_INPUT_CHARS) {
      throw new AgentError(
        "InputTooLarge",
        `the research prompt is over MODEL_MAX_INPUT_CHARS (${settings.MODEL_MAX_INPUT_CHARS})`,
      );
    }
    const out = await model.converseJson(
      prompts.text("system.md"),
      user,
      researchOutputSchema,
      prompts.text("repair.md"),
    );
    logger.info("research_done", {
      findings: out.findings.length,
      sources: out.sources.length,
      gaps: out.gaps.length,
    });
    return {
      topic: payload.topic,
      depth,
      summary: out.summary,
      findings: out.findings,
      sources: out.sources,
      gaps: out.gaps,
      metadata: {
        agent: "researcher",
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
