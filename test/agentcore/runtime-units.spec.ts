/** The agent runtime's pure pieces: settings, backoff, JSON extraction, templates, errors, artifact keys. */
import assert from "node:assert/strict";
import { z } from "zod";
import { artifactKey, artifactTimestamp } from "../../functions/agents/runtime/artifacts";
import { backoffDelay } from "../../functions/agents/runtime/backoff";
import { unwrapInvocation, InvocationError } from "../../functions/agents/runtime/contract";
import { AgentError, publicReason, safeErrorFields } from "../../functions/agents/runtime/errors";
import { loggableUrl } from "../../functions/agents/runtime/logger";
import { checkJson } from "../../functions/agents/runtime/model";
import { renderTemplate } from "../../functions/agents/runtime/prompts";
import { loadSettings, SettingsError } from "../../functions/agents/runtime/settings";
import { headings, wordCount } from "../../functions/agents/writer/agent";
import { researchOutputSchema } from "../../functions/agents/researcher/agent";
import { analysisSchema } from "../../functions/agents/analyst/agent";
import { analysisAnswer, researchAnswer } from "./standins";

describe("agent runtime units", () => {
  describe("settings", () => {
    const base = { ARTIFACT_BUCKET: "my-artifacts", MODEL_ID: "anthropic.claude-3-5-sonnet-20241022-v2:0" };

    it("applies the documented defaults", () => {
      const s = loadSettings(base);
      assert.equal(s.PORT, 8080);
      assert.equal(s.HOST, "0.0.0.0");
      assert.equal(s.MODEL_MAX_TOKENS, 4096);
      assert.equal(s.MODEL_TEMPERATURE, 0.2);
      assert.equal(s.MODEL_TOP_P, undefined);
      assert.equal(s.INLINE_RESULT_LIMIT_BYTES, 200_000);
      assert.equal(s.BEDROCK_MAX_ATTEMPTS, 5);
      assert.equal(s.CALLBACK_MAX_ATTEMPTS, 5);
      assert.deepEqual(s.CALLBACK_URL_PREFIXES, []);
      assert.equal(s.S3_FORCE_PATH_STYLE, false);
    });

    it("reports every bad variable at once, by name and rule, without its value", () => {
      try {
        loadSettings({ MODEL_ID: "x y", PORT: "eighty", MODEL_TEMPERATURE: "3", S3_FORCE_PATH_STYLE: "yes" });
        assert.fail("expected a SettingsError");
      } catch (err) {
        assert.ok(err instanceof SettingsError);
        assert.deepEqual(err.problems, [
          "PORT must be a whole number from 0 to 65535",
          "ARTIFACT_BUCKET is required (the artifacts bucket name)",
          "MODEL_ID must be a Bedrock model id, inference profile id or ARN",
          "MODEL_TEMPERATURE must be a number from 0 to 1",
          'S3_FORCE_PATH_STYLE must be "true" or "false"',
        ]);
        assert.ok(!err.message.includes("eighty"));
      }
    });

    it("reads comma-separated callback prefixes and treats empty strings as unset", () => {
      const s = loadSettings({ ...base, CALLBACK_URL_PREFIXES: " https://a/cb/, https://b/cb/ ,", PORT: "" });
      assert.deepEqual(s.CALLBACK_URL_PREFIXES, ["https://a/cb/", "https://b/cb/"]);
      assert.equal(s.PORT, 8080);
    });
  });

  it("backs off exponentially with jitter, capped", () => {
    assert.equal(
      backoffDelay(1, 500, 20_000, () => 1),
      500,
    );
    assert.equal(
      backoffDelay(3, 500, 20_000, () => 1),
      2000,
    );
    assert.equal(
      backoffDelay(3, 500, 20_000, () => 0),
      1000,
    );
    assert.equal(
      backoffDelay(20, 500, 20_000, () => 1),
      20_000,
    );
    for (let attempt = 1; attempt < 12; attempt++) {
      const d = backoffDelay(attempt, 100, 5000);
      assert.ok(d >= 50 && d <= 5000, String(d));
    }
  });

  describe("model JSON answers", () => {
    const schema = z.object({ a: z.number() });
    it("accepts bare JSON, fenced JSON and JSON wrapped in prose", () => {
      assert.deepEqual(checkJson('{"a":1}', schema), { ok: true, value: { a: 1 } });
      assert.deepEqual(checkJson('```json\n{"a":2}\n```', schema), { ok: true, value: { a: 2 } });
      assert.deepEqual(checkJson('Here it is: {"a":3} hope it helps', schema), { ok: true, value: { a: 3 } });
    });
    it("reports problems as path: rule, never quoting the answer", () => {
      const bad = checkJson('{"a": "SECRET-ANSWER"}', schema);
      assert.equal(bad.ok, false);
      assert.deepEqual(!bad.ok && bad.problems, ["a: Invalid input: expected number, received string"]);
      const broken = checkJson("{ SECRET-ANSWER", schema);
      assert.deepEqual(!broken.ok && broken.problems, ["(root): the answer contains no JSON object"]);
      const invalid = checkJson("{ SECRET-ANSWER }", schema);
      assert.deepEqual(!invalid.ok && invalid.problems, ["(root): the answer is not valid JSON"]);
    });
    it("accepts null for an unknown source url or year, and an analysis without trends, risks or opportunities", () => {
      const answer = researchAnswer("t") as { sources: Array<Record<string, unknown>> };
      answer.sources[0].url = null;
      answer.sources[0].year = null;
      assert.equal(checkJson(JSON.stringify(answer), researchOutputSchema).ok, true);
      const { trends: _t, risks: _r, opportunities: _o, ...minimal } = analysisAnswer();
      const r = checkJson(JSON.stringify(minimal), analysisSchema);
      assert.ok(r.ok);
      assert.deepEqual([r.value.trends, r.value.risks, r.value.opportunities], [[], [], []]);
      const noRecs = checkJson(JSON.stringify({ ...minimal, recommendations: [] }), analysisSchema);
      assert.deepEqual(!noRecs.ok && noRecs.problems, [
        "recommendations: must hold at least one recommendation",
      ]);
    });

    it("requires every finding's source ids to be listed sources", () => {
      const answer = researchAnswer("t") as { findings: Array<{ source_ids: string[] }> };
      answer.findings[1].source_ids = ["S9"];
      const r = checkJson(JSON.stringify(answer), researchOutputSchema);
      assert.deepEqual(!r.ok && r.problems, ["findings.1.source_ids.0: must be the id of a listed source"]);
    });
  });

  it("renders prompt templates and refuses a placeholder without a value", () => {
    assert.equal(
      renderTemplate("Topic: {{topic}} ({{ depth }})", { topic: "x", depth: "basic" }),
      "Topic: x (basic)",
    );
    assert.throws(
      () => renderTemplate("{{topic}} {{missing}}", { topic: "x" }, "task.md"),
      /task\.md: no value for placeholder \{\{missing\}\}/,
    );
  });

  it("reports only AgentError messages; other errors by class name", () => {
    assert.equal(publicReason(new AgentError("ModelError", "refused")), "ModelError: refused");
    const foreign = new SyntaxError('Unexpected token "SECRET" in JSON');
    assert.equal(
      publicReason(foreign),
      "InternalError: the agent failed unexpectedly (SyntaxError); see the agent's logs",
    );
    const fields = safeErrorFields(
      Object.assign(new Error("token abc"), {
        name: "ThrottlingException",
        $metadata: { httpStatusCode: 429, requestId: "r1" },
      }),
    );
    assert.equal(fields.error_name, "ThrottlingException");
    assert.equal(fields.http_status, 429);
    assert.ok(!JSON.stringify(fields).includes("token abc"));
  });

  it("keys large results by workflow, agent and a colon-free UTC timestamp", () => {
    const when = new Date("2026-11-25T01:18:42.123Z");
    assert.equal(artifactTimestamp(when), "20261125T011842123Z");
    assert.equal(artifactKey("wf-1", "writer", when), "artifacts/wf-1/writer_20261125T011842123Z.json");
  });

  it("logs URLs without their query string", () => {
    assert.equal(
      loggableUrl("https://api.example.com/callbacks/wf-1?token=abc"),
      "https://api.example.com/callbacks/wf-1",
    );
    assert.equal(loggableUrl("not a url"), "(invalid url)");
  });

  it("unwraps the JSON-RPC envelope and names what is wrong with it", () => {
    const inv = unwrapInvocation({
      jsonrpc: "2.0",
      id: "1",
      method: "tasks/send",
      params: {
        message: { role: "user", parts: [{ kind: "data" }, { kind: "text", text: '{"topic":"x"}' }] },
      },
    });
    assert.deepEqual(inv, { envelope: "jsonrpc", rpcId: "1", payload: { topic: "x" } });
    assert.throws(
      () =>
        unwrapInvocation({
          jsonrpc: "1.0",
          id: "1",
          method: "tasks/send",
          params: { message: { parts: [] } },
        }),
      (e: InvocationError) =>
        e.problems.includes('jsonrpc: must be "2.0"') &&
        e.problems.some((p) => p.startsWith("params.message.parts: must hold at least one part")),
    );
    assert.deepEqual(unwrapInvocation({ topic: "x" }), { envelope: "plain", payload: { topic: "x" } });
  });

  it("finds the report's headings and counts words", () => {
    assert.deepEqual(headings("# Title\ntext\n## One ##\n### deeper\n## Two"), ["Title", "One", "Two"]);
    assert.equal(wordCount(" a  b\nc "), 3);
  });
});
