import * as assert from "node:assert/strict";
import { checkPlayground } from "../../config/playground";
import { routeSlug } from "../../components/model-share";
import { QUERIED_INDEXES, apiStatements, tableShape } from "../../components/model-share/table";
import { ROUTE_KEYS } from "../../functions/playground-api/routes";
import { INDEX } from "../../functions/playground-api/table";

describe("playground component: pure pieces", () => {
  it("tableShape turns tableDefinition into Pulumi table args", () => {
    const shape = tableShape();
    assert.equal(shape.billingMode, "PAY_PER_REQUEST");
    assert.equal(shape.hashKey, "tableId");
    assert.equal(shape.rangeKey, "username");
    assert.deepEqual(
      (shape.globalSecondaryIndexes as { name: string }[]).map((g) => g.name),
      ["byUser", "tablesByCreatedAt", "leaderboard"],
    );
  });

  it("apiStatements: item actions on the table, Query only on the two indexes the handler queries", () => {
    const s = apiStatements("arn:t");
    assert.deepEqual(
      s.map((x) => [x.Action, x.Resource]),
      [
        [
          ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"],
          "arn:t",
        ],
        [["dynamodb:Query"], s[1].Resource],
        [["dynamodb:Query", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem"], "arn:t"],
        [["dynamodb:DescribeTable"], "arn:t"],
      ],
    );
    assert.deepEqual(QUERIED_INDEXES, [INDEX.tablesByCreatedAt, INDEX.leaderboard]);
  });

  it("routeSlug gives every route a distinct, readable child name", () => {
    const slugs = ROUTE_KEYS.map(routeSlug);
    assert.equal(new Set(slugs).size, ROUTE_KEYS.length);
    assert.match(routeSlug("GET /tables/{tableId}"), /^get-tables-tableid-[0-9a-f]{6}$/);
  });

  it("checkPlayground: '*' alone, no duplicates, an enabled layer needs nodejs/", () => {
    const ok = { playgroundCorsOrigins: ["*"], playgroundUseLayer: false, playgroundLayerPath: "x" };
    assert.deepEqual(checkPlayground(ok), []);
    assert.equal(checkPlayground({ ...ok, playgroundCorsOrigins: ["https://a.b", "https://a.b"] }).length, 1);
    assert.deepEqual(
      checkPlayground({
        ...ok,
        playgroundUseLayer: true,
        playgroundLayerPath: "test/fixtures/playground-layer",
      }),
      [],
    );
    const [issue] = checkPlayground({ ...ok, playgroundUseLayer: true, playgroundLayerPath: "nope" });
    assert.equal(issue.key, "ai-platform:playgroundLayerPath");
  });
});

describe("ModelSharePlayground built directly: defaults and transforms", function () {
  this.timeout(60000);

  it("applies defaults (PITR on, SAFE_CONCURRENCY true, ['*'], 100/50, 14 days) and the per-child transforms", async () => {
    const { installMocks, recorder, settle } = await import("../harness/mocks");
    const { awsProvider } = await import("../../lib/aws");
    const { ModelSharePlayground } = await import("../../components/model-share");
    await installMocks("dev");
    new ModelSharePlayground(
      "pg",
      {
        stack: "dev",
        transform: {
          table: { tableClass: "STANDARD_INFREQUENT_ACCESS" },
          stage: (a) => ({ ...a, description: "custom stage" }),
          function: { reservedConcurrentExecutions: 5 },
        },
      },
      {
        providers: [awsProvider("playground", { project: "ai-platform", stack: "dev", region: "us-east-1" })],
      },
    );
    await settle();
    const table = recorder.byName("pg-table");
    assert.equal(table.inputs.tableClass, "STANDARD_INFREQUENT_ACCESS");
    assert.deepEqual(table.inputs.pointInTimeRecovery, { enabled: true });
    assert.equal(table.inputs.deletionProtectionEnabled, false);
    const stage = recorder.byName("pg-stage");
    assert.equal(stage.inputs.description, "custom stage");
    assert.deepEqual(stage.inputs.defaultRouteSettings, {
      throttlingBurstLimit: 100,
      throttlingRateLimit: 50,
    });
    assert.equal(stage.inputs.autoDeploy, true, "the transform kept the component's args");
    const fn = recorder.byName("pg-api", "aws:lambda/function:Function");
    assert.equal(fn.inputs.reservedConcurrentExecutions, 5);
    assert.equal(fn.inputs.environment.variables.SAFE_CONCURRENCY, "true");
    assert.deepEqual(recorder.byName("pg-http-api").inputs.corsConfiguration.allowOrigins, ["*"]);
    assert.equal(recorder.byName("pg-api-logs").inputs.retentionInDays, 14);
  });
});
