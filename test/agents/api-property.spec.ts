/**
 * Property: whatever a client sends to the workflow API (bodies, parameters, list cursors), the answer is a
 * 2xx or a 4xx naming a field, never a 5xx; and a 4xx writes nothing (no item, no execution started).
 * Against dynalite and the recording Lambda endpoint on 127.0.0.1, as the handler tests.
 */
import "./support/quiet";
import * as assert from "node:assert/strict";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { handler as api } from "../../functions/agents/api";
import { clients } from "../../functions/agents/shared/clients";
import { apiEvent, parse } from "./support/events";
import {
  LocalAws,
  LocalDynamo,
  createWorkflowTable,
  localEnv,
  startDynamo,
  startLocalAws,
} from "./support/local-aws";

const TABLE = "agent-orchestration-prop-workflows";
const saved = { ...process.env };

/** Text fragments that broke the API before: huge and out-of-range numbers, prototype keys, deep nesting. */
const hostileNumber = fc.constantFrom(
  "9007199254740993",
  "-9007199254740993",
  "1e400",
  "-1e400",
  "1e-400",
  "1e200",
  "1e-200",
  "123456789012345678901234567890",
  "0.1",
  "5",
  "100",
);
const hostileKey = fc.constantFrom(
  "__proto__",
  "constructor",
  "prototype",
  "",
  "depth",
  "word_limit",
  "max_results",
  "sources",
  "audience",
  "x",
);
const scalarText = fc.oneof(
  hostileNumber,
  fc.json({ maxDepth: 1 }),
  fc.constantFrom('"basic"', '"brief"', '"deep"', "null", "true", '["a"]'),
);
/** A JSON object as text, with keys and numbers JSON.stringify could never produce. */
const objectText: fc.Arbitrary<string> = fc.letrec<{ obj: string; value: string }>((tie) => ({
  obj: fc
    .array(fc.tuple(hostileKey, tie("value")), { maxLength: 4 })
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`),
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalarText, tie("obj")),
})).obj;

const topicText = fc.oneof(
  fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('"Quantum computing"', '"  "', "5", "null", '["t"]', JSON.stringify("x".repeat(2001))),
);
const workflowIdText = fc.oneof(
  fc.constant(undefined),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/).map((s) => JSON.stringify(`p-${s}`.slice(0, 64))),
  fc.string({ maxLength: 70 }).map((s) => JSON.stringify(s)),
);
const bodyText = fc.oneof(
  fc
    .record({ topic: fc.option(topicText), parameters: fc.option(objectText), id: workflowIdText })
    .map(({ topic, parameters, id }) => {
      const parts = [
        topic === null ? undefined : `"topic":${topic}`,
        parameters === null ? undefined : `"parameters":${parameters}`,
        id === undefined ? undefined : `"workflow_id":${id}`,
      ].filter(Boolean);
      return `{${parts.join(",")}}`;
    }),
  fc.json(),
  fc.string({ maxLength: 40 }),
  // Over the item limit.
  fc.constant(JSON.stringify({ topic: "Quantum computing", parameters: { blob: "x".repeat(420 * 1024) } })),
);

const cursor = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom("", "A".repeat(10 * 1024), "=="),
  fc
    .record({
      created_at: fc.oneof(fc.string({ maxLength: 30 }), fc.constant("x".repeat(10 * 1024))),
      status: fc.constantFrom("RUNNING", "COMPLETED", "", "NOPE"),
      workflow_id: fc.oneof(fc.string({ maxLength: 80 }), fc.constant("")),
    })
    .map((k) => Buffer.from(JSON.stringify(k)).toString("base64url")),
);

describe("agents API: 2xx or 4xx for any client input, and no write on 4xx (fast-check)", function () {
  this.timeout(120000);
  let dynamo: LocalDynamo;
  let aws: LocalAws;

  before(async () => {
    [dynamo, aws] = await Promise.all([startDynamo(), startLocalAws()]);
    await createWorkflowTable(dynamo.endpoint, TABLE);
    Object.assign(
      process.env,
      localEnv({
        dynamo: dynamo.endpoint,
        s3: "http://127.0.0.1:9",
        aws: aws.endpoint,
        agents: "http://127.0.0.1:9",
        table: TABLE,
        bucket: "unused",
        callbackApiUrl: "https://api.example.com/",
      }),
    );
    clients.reset();
  });

  after(async () => {
    clients.reset();
    process.env = saved;
    await Promise.all([dynamo.stop(), aws.stop()]);
  });

  const itemCount = async () =>
    (await clients.ddb().send(new ScanCommand({ TableName: TABLE, Select: "COUNT" }))).Count ?? 0;

  it("POST /workflows: bodies, topics and parameters", async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(bodyText, async (raw) => {
        const [itemsBefore, invokesBefore] = [await itemCount(), aws.invokes.length];
        const res = await api(apiEvent("POST /workflows", { rawBody: raw }));
        assert.ok(
          (res.statusCode >= 200 && res.statusCode < 300) || (res.statusCode >= 400 && res.statusCode < 500),
          `${res.statusCode} for ${raw.slice(0, 200)}: ${res.body}`,
        );
        if (res.statusCode >= 400) {
          refused++;
          if (res.statusCode === 400)
            assert.match(parse(res).error!, /^(Invalid|Missing|Request body)/, "names what is wrong");
          assert.equal(await itemCount(), itemsBefore, `a ${res.statusCode} wrote an item`);
          assert.equal(aws.invokes.length, invokesBefore, `a ${res.statusCode} started an execution`);
        } else accepted++;
      }),
      // A valid body is rare among the generated ones (about 1 in 200): these examples always run first, so both
      // outcomes are seen on every seed (the assertion below once failed on a seed that drew no valid body).
      {
        numRuns: 200,
        examples: [
          ['{"topic":"Quantum computing"}'],
          ['{"topic":"Quantum computing","parameters":{"depth":"basic"},"workflow_id":"p-example"}'],
          ['{"topic":"Q"}'],
        ],
      },
    );
    assert.ok(accepted >= 2 && refused > 0, `both outcomes seen (202: ${accepted}, 4xx: ${refused})`);
  });

  it("GET /workflows: status, limit and lastKey cursors", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("RUNNING", "COMPLETED", "x"),
        fc.option(fc.constantFrom("1", "100", "0", "abc", "1e3")),
        fc.option(cursor),
        async (status, limit, lastKey) => {
          const query: Record<string, string> = { status };
          if (limit !== null) query.limit = limit;
          if (lastKey !== null) query.lastKey = lastKey;
          const res = await api(apiEvent("GET /workflows", { query }));
          assert.ok(
            res.statusCode === 200 || res.statusCode === 400,
            `${res.statusCode} for ${JSON.stringify(query).slice(0, 200)}: ${res.body}`,
          );
          if (res.statusCode === 400) assert.match(parse(res).error!, /status|limit|lastKey/);
        },
      ),
      { numRuns: 200 },
    );
  });
});
