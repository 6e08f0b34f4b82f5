import * as assert from "node:assert/strict";
import { ConfigError } from "../../config";
import { ROUTE_KEYS, WRITE_ROUTES, needsToken } from "../../functions/playground-api/routes";
import { tableDefinition } from "../../functions/playground-api/table";
import { evaluatePolicies } from "../../policy/evaluate";
import {
  dynamodbGrantProblems,
  permissionProblems,
  playgroundRules,
  stageProblems,
  tableProblems,
} from "../../policy/playground";
import { RecordedResource } from "../harness/mocks";
import { ProgramRun, onlySystem, runProgram as runWholeProgram } from "../harness/program";

/** The playground part of a program run (other systems may be enabled in the same stacks). */
const runProgram = async (...args: Parameters<typeof runWholeProgram>) =>
  onlySystem(await runWholeProgram(...args), "playground");

const COMPONENT = "ai-platform:playground:ModelSharePlayground";
const one = (run: ProgramRun, type: string): RecordedResource => {
  const found = run.resources.filter((r) => r.type === type);
  assert.equal(found.length, 1, `one ${type}, found ${found.length}`);
  return found[0];
};

const EXPECTED: Record<
  string,
  {
    pitr: boolean;
    deletion: boolean;
    protect: boolean;
    safe: string;
    retention: number;
    cors: string[];
    burst: number;
    rate: number;
  }
> = {
  dev: {
    pitr: false,
    deletion: false,
    protect: false,
    safe: "false",
    retention: 7,
    cors: ["http://localhost:3000", "http://localhost:5173"],
    burst: 20,
    rate: 10,
  },
  stage: {
    pitr: true,
    deletion: false,
    protect: false,
    safe: "true",
    retention: 14,
    cors: ["https://stage.modelshare.ai"],
    burst: 50,
    rate: 25,
  },
  prod: {
    pitr: true,
    deletion: true,
    protect: true,
    safe: "true",
    retention: 30,
    cors: ["https://www.modelshare.ai", "https://modelshare.ai"],
    burst: 200,
    rate: 100,
  },
};

describe("ModelSharePlayground under mocks", function () {
  this.timeout(60000);

  for (const stack of ["dev", "stage", "prod"]) {
    describe(`stack ${stack}`, () => {
      let run: ProgramRun;
      const want = EXPECTED[stack];
      before(async () => {
        run = await runProgram(stack);
      });

      it("outputs apiBaseUrl (endpoint + stage), dynamodbTableName and lambdaName", () => {
        assert.deepEqual(
          { table: run.outputs.dynamodbTableName, fn: run.outputs.lambdaName },
          { table: `PlaygroundScores-${stack}`, fn: `aimodelshare-playground-${stack}-api` },
        );
        assert.match(
          String(run.outputs.apiBaseUrl),
          new RegExp(`^https://.+\\.execute-api\\.us-east-1\\.amazonaws\\.com/${stack}$`),
        );
      });

      it("parents every child to the component and creates each through the playground provider", () => {
        const component = one(run, COMPONENT);
        const children = run.resources.filter((r) => r.parent === component.urn);
        assert.ok(children.length >= 18, `children: ${children.length}`);
        for (const r of run.resources.filter((r) => r.type.startsWith("aws:"))) {
          assert.equal(r.parent, component.urn, r.urn);
          assert.match(r.provider ?? "", /::aws-playground::/, r.urn);
        }
      });

      it(`table: keys and indexes from tableDefinition, on-demand, encrypted, PITR ${want.pitr}, deletion protection ${want.deletion}`, () => {
        const t = one(run, "aws:dynamodb/table:Table");
        assert.equal(t.inputs.name, `PlaygroundScores-${stack}`);
        assert.equal(t.inputs.billingMode, "PAY_PER_REQUEST");
        assert.equal(t.inputs.hashKey, "tableId");
        assert.equal(t.inputs.rangeKey, "username");
        assert.deepEqual(
          t.inputs.attributes,
          tableDefinition.AttributeDefinitions!.map((a) => ({
            name: a.AttributeName,
            type: a.AttributeType,
          })),
        );
        assert.deepEqual(
          t.inputs.globalSecondaryIndexes.map((g: Record<string, unknown>) => [
            g.name,
            g.keySchemas,
            g.projectionType,
          ]),
          tableDefinition.GlobalSecondaryIndexes!.map((g) => [
            g.IndexName,
            g.KeySchema!.map((k) => ({ attributeName: k.AttributeName, keyType: k.KeyType })),
            "ALL",
          ]),
        );
        assert.deepEqual(t.inputs.serverSideEncryption, { enabled: true });
        assert.deepEqual(t.inputs.pointInTimeRecovery, { enabled: want.pitr });
        assert.equal(t.inputs.deletionProtectionEnabled, want.deletion);
        assert.equal(t.protect, want.protect);
      });

      it("Lambda: Node.js 22 arm64, 256 MB, 10 s, TABLE_NAME and SAFE_CONCURRENCY, own log group", () => {
        const fn = one(run, "aws:lambda/function:Function");
        assert.equal(fn.inputs.name, `aimodelshare-playground-${stack}-api`);
        assert.equal(fn.inputs.runtime, "nodejs22.x");
        assert.deepEqual(fn.inputs.architectures, ["arm64"]);
        assert.equal(fn.inputs.memorySize, 256);
        assert.equal(fn.inputs.timeout, 10);
        assert.equal(fn.inputs.handler, "index.handler");
        const env = fn.inputs.environment.variables;
        assert.equal(env.TABLE_NAME, `PlaygroundScores-${stack}`);
        assert.equal(env.SAFE_CONCURRENCY, want.safe);
        assert.equal(env.AWS_MAX_ATTEMPTS, "5");
        assert.equal(fn.inputs.layers, undefined);
        assert.equal(fn.inputs.loggingConfig.logGroup, `/aws/lambda/aimodelshare-playground-${stack}-api`);
        const groups = run.resources.filter((r) => r.type === "aws:cloudwatch/logGroup:LogGroup");
        assert.deepEqual(groups.map((g) => [g.inputs.name, g.inputs.retentionInDays]).sort(), [
          [`/aws/apigateway/aimodelshare-playground-${stack}-http-api`, want.retention],
          [`/aws/lambda/aimodelshare-playground-${stack}-api`, want.retention],
        ]);
      });

      it("IAM: exactly the DynamoDB actions the handler uses, only on this table and its two listing indexes", () => {
        const policy = JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy").inputs.policy);
        const table = `arn:aws:dynamodb:us-east-1:123456789012:table/PlaygroundScores-${stack}`;
        const logGroup = `arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/aimodelshare-playground-${stack}-api`;
        assert.deepEqual(policy.Statement, [
          {
            Sid: "WriteOwnLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${logGroup}:*`,
          },
          {
            Sid: "ItemReadWrite",
            Effect: "Allow",
            Action: [
              "dynamodb:GetItem",
              "dynamodb:PutItem",
              "dynamodb:UpdateItem",
              "dynamodb:ConditionCheckItem",
            ],
            Resource: table,
          },
          {
            Sid: "QueryListingIndexes",
            Effect: "Allow",
            Action: ["dynamodb:Query"],
            Resource: [`${table}/index/tablesByCreatedAt`, `${table}/index/leaderboard`],
          },
          {
            Sid: "DeleteTableItems",
            Effect: "Allow",
            Action: ["dynamodb:Query", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem"],
            Resource: table,
          },
          { Sid: "HealthCheck", Effect: "Allow", Action: ["dynamodb:DescribeTable"], Resource: table },
        ]);
        const role = one(run, "aws:iam/role:Role");
        assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal, {
          Service: "lambda.amazonaws.com",
        });
      });

      it("HTTP API: every route of the client's API plus GET /health, all on one AWS_PROXY payload-2.0 integration", () => {
        const api = one(run, "aws:apigatewayv2/api:Api");
        assert.equal(api.inputs.name, `aimodelshare-playground-${stack}-http-api`);
        assert.equal(api.inputs.protocolType, "HTTP");
        const integration = one(run, "aws:apigatewayv2/integration:Integration");
        assert.equal(integration.inputs.integrationType, "AWS_PROXY");
        assert.equal(integration.inputs.payloadFormatVersion, "2.0");
        assert.equal(integration.inputs.integrationMethod, "POST");
        assert.match(
          integration.inputs.integrationUri,
          new RegExp(`function:aimodelshare-playground-${stack}-api/invocations$`),
        );
        const routes = run.resources.filter((r) => r.type === "aws:apigatewayv2/route:Route");
        assert.deepEqual(routes.map((r) => r.inputs.routeKey).sort(), [...ROUTE_KEYS].sort());
        assert.equal(ROUTE_KEYS.length, 16);
        for (const r of routes) {
          assert.equal(r.inputs.apiId, "playground-http-api-api-id");
          assert.equal(r.inputs.target, "integrations/playground-integration-id");
        }
      });

      it("JWT authorizer from a Cognito user pool on every route that needs a token; reads and GET session public", () => {
        const pool = one(run, "aws:cognito/userPool:UserPool");
        assert.equal(pool.inputs.adminCreateUserConfig.allowAdminCreateUserOnly, true);
        const client = one(run, "aws:cognito/userPoolClient:UserPoolClient");
        assert.ok(client.inputs.explicitAuthFlows.includes("ALLOW_USER_PASSWORD_AUTH"));
        assert.equal(one(run, "aws:cognito/userGroup:UserGroup").inputs.name, "admin");
        const authz = one(run, "aws:apigatewayv2/authorizer:Authorizer");
        assert.equal(authz.inputs.authorizerType, "JWT");
        assert.deepEqual(authz.inputs.identitySources, ["$request.header.Authorization"]);
        assert.match(
          authz.inputs.jwtConfiguration.issuer,
          /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/.+/,
        );
        assert.equal(authz.inputs.jwtConfiguration.audiences.length, 1);
        const routes = run.resources.filter((r) => r.type === "aws:apigatewayv2/route:Route");
        for (const r of routes) {
          const guarded = needsToken(r.inputs.routeKey, { authEnabled: true, allowPublicRead: true });
          assert.equal(r.inputs.authorizationType, guarded ? "JWT" : undefined, r.inputs.routeKey);
        }
        assert.equal(
          routes.filter((r) => r.inputs.authorizationType === "JWT").length,
          WRITE_ROUTES.length,
          "every write route, nothing else",
        );
        const fn = one(run, "aws:lambda/function:Function");
        assert.equal(fn.inputs.environment.variables.AUTH_ENABLED, "true");
      });

      it(`CORS origins ${want.cors.join(", ")} with the seed's methods and headers`, () => {
        const cors = one(run, "aws:apigatewayv2/api:Api").inputs.corsConfiguration;
        assert.deepEqual(cors.allowOrigins, want.cors);
        assert.deepEqual(cors.allowMethods, ["GET", "PUT", "PATCH", "POST", "DELETE", "OPTIONS"]);
        assert.deepEqual(cors.allowHeaders, ["Content-Type", "Authorization"]);
      });

      it(`stage "${stack}": auto-deploy, throttling ${want.burst}/${want.rate}, JSON access logs to their own group`, () => {
        const stage = one(run, "aws:apigatewayv2/stage:Stage");
        assert.equal(stage.inputs.name, stack);
        assert.equal(stage.inputs.autoDeploy, true);
        assert.deepEqual(stage.inputs.defaultRouteSettings, {
          throttlingBurstLimit: want.burst,
          throttlingRateLimit: want.rate,
        });
        assert.equal(
          stage.inputs.accessLogSettings.destinationArn,
          `arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/aimodelshare-playground-${stack}-http-api`,
        );
        const format = JSON.parse(stage.inputs.accessLogSettings.format);
        assert.equal(format.requestId, "$context.requestId");
        assert.equal(format.routeKey, "$context.routeKey");
      });

      it("the invoke permission is scoped to this API's stage", () => {
        const p = one(run, "aws:lambda/permission:Permission");
        assert.equal(p.inputs.principal, "apigateway.amazonaws.com");
        assert.equal(p.inputs.action, "lambda:InvokeFunction");
        assert.equal(p.inputs.function, `aimodelshare-playground-${stack}-api`);
        assert.equal(
          p.inputs.sourceArn,
          `arn:aws:execute-api:us-east-1:123456789012:playground-http-api-api-id/${stack}/*`,
        );
      });

      it("passes every policy rule", () => {
        assert.deepEqual(evaluatePolicies(run.resources, playgroundRules), []);
      });
    });
  }

  it("attaches a real layer version built from the configured directory when playgroundUseLayer is on", async () => {
    const run = await runProgram("stage", {
      overrides: {
        "ai-platform:playgroundUseLayer": "true",
        "ai-platform:playgroundLayerPath": "test/fixtures/playground-layer",
      },
    });
    const layer = one(run, "aws:lambda/layerVersion:LayerVersion");
    assert.equal(layer.inputs.layerName, "aimodelshare-playground-stage-extra");
    assert.deepEqual(layer.inputs.compatibleRuntimes, ["nodejs22.x"]);
    assert.deepEqual(layer.inputs.compatibleArchitectures, ["arm64"]);
    assert.equal(await layer.inputs.code.path, "test/fixtures/playground-layer");
    const fn = one(run, "aws:lambda/function:Function");
    assert.equal(fn.inputs.layers.length, 1);
    assert.deepEqual(fn.inputs.layers, [
      "arn:aws:lambda:us-east-1:123456789012:layer:aimodelshare-playground-stage-extra:1",
    ]);
  });

  it("refuses an enabled layer whose directory has no nodejs/, and mixed or duplicate CORS origins, naming the key", async () => {
    await assert.rejects(
      runProgram("dev", {
        overrides: {
          "ai-platform:playgroundUseLayer": "true",
          "ai-platform:playgroundLayerPath": "no/such/dir",
        },
      }),
      (e: Error) =>
        e instanceof ConfigError &&
        e.issues.length === 1 &&
        e.issues[0].key === "ai-platform:playgroundLayerPath" &&
        /no nodejs\/ directory/.test(e.issues[0].problem),
    );
    await assert.rejects(
      runProgram("dev", {
        overrides: { "ai-platform:playgroundCorsOrigins": '["*","https://a.example.com"]' },
      }),
      (e: Error) =>
        e instanceof ConfigError &&
        e.issues[0].key === "ai-platform:playgroundCorsOrigins" &&
        /"\*" alone/.test(e.issues[0].rule),
    );
    await assert.rejects(
      runProgram("dev", {
        overrides: { "ai-platform:playgroundCorsOrigins": '["https://a.example.com/path"]' },
      }),
      (e: Error) => e instanceof ConfigError && e.issues[0].key === "ai-platform:playgroundCorsOrigins[0]",
    );
    await assert.rejects(
      runProgram("dev", { overrides: { "ai-platform:playgroundThrottlingRateLimit": "0" } }),
      (e: Error) =>
        e instanceof ConfigError && e.issues[0].key === "ai-platform:playgroundThrottlingRateLimit",
    );
  });
});

describe("playground policy rules: a passing and a failing fixture each", function () {
  this.timeout(60000);
  let run: ProgramRun;
  before(async () => {
    run = await runProgram("prod");
  });

  /** The prod plan with one resource's inputs edited. */
  function findingsWith(type: string, edit: (inputs: Record<string, unknown>) => void): string[] {
    const resources = run.resources.map((r) => {
      if (r.type !== type) return r;
      const inputs = JSON.parse(JSON.stringify(r.inputs));
      edit(inputs);
      return { ...r, inputs };
    });
    return evaluatePolicies(resources, playgroundRules).map((f) => `${f.policy}: ${f.message}`);
  }

  it("the prod plan passes all four", () => {
    assert.deepEqual(evaluatePolicies(run.resources, playgroundRules), []);
  });

  it("playground-stage-logged-and-throttled fails a stage without access logs or throttling", () => {
    const found = findingsWith("aws:apigatewayv2/stage:Stage", (i) => {
      delete i.accessLogSettings;
      delete i.defaultRouteSettings;
    });
    assert.equal(found.length, 2, found.join("\n"));
    assert.match(
      found[0],
      /^playground-stage-logged-and-throttled: Stage "playground-stage" has no access logging/,
    );
    assert.match(found[1], /has no throttling/);
  });

  it("playground-least-privilege-dynamodb fails a Scan grant and a DynamoDB grant on *", () => {
    const found = findingsWith("aws:iam/rolePolicy:RolePolicy", (i) => {
      const doc = JSON.parse(i.policy as string);
      doc.Statement.push({ Effect: "Allow", Action: ["dynamodb:Scan"], Resource: "*" });
      i.policy = JSON.stringify(doc);
    });
    assert.deepEqual(found, [
      'playground-least-privilege-dynamodb: RolePolicy "playground-api-policy" grants dynamodb:Scan (the API never scans).',
      'playground-least-privilege-dynamodb: RolePolicy "playground-api-policy" grants dynamodb:Scan beyond DynamoDB table ARNs (*).',
    ]);
  });

  it("playground-table-restorable fails deletion protection without PITR", () => {
    const found = findingsWith("aws:dynamodb/table:Table", (i) => {
      i.pointInTimeRecovery = { enabled: false };
    });
    assert.deepEqual(found, [
      'playground-table-restorable: Table "playground-table" has deletion protection but no point-in-time recovery: protected data must also be restorable.',
    ]);
  });

  it("playground-invoke-permission-scoped fails a permission without sourceArn or with a wildcard one", () => {
    const missing = findingsWith("aws:lambda/permission:Permission", (i) => delete i.sourceArn);
    assert.match(missing.join(), /no sourceArn/);
    const wild = findingsWith(
      "aws:lambda/permission:Permission",
      (i) => (i.sourceArn = "arn:aws:execute-api:us-east-1:123456789012:*/*"),
    );
    assert.match(wild.join(), /is not scoped to one API's stage/);
  });

  it("predicates: unit cases", () => {
    assert.deepEqual(
      stageProblems({
        autoDeploy: true,
        accessLogSettings: { destinationArn: undefined, format: "{}" },
        defaultRouteSettings: { throttlingBurstLimit: 1, throttlingRateLimit: 1 },
      }),
      [],
    );
    assert.deepEqual(
      stageProblems({
        autoDeploy: false,
        accessLogSettings: { destinationArn: "a", format: "f" },
        defaultRouteSettings: { throttlingBurstLimit: 1, throttlingRateLimit: 1 },
      }),
      ["does not auto-deploy"],
    );
    assert.deepEqual(dynamodbGrantProblems("not json"), []);
    assert.deepEqual(
      dynamodbGrantProblems({ Statement: { Effect: "Deny", Action: "dynamodb:Scan", Resource: "*" } }),
      [],
    );
    assert.deepEqual(tableProblems({ deletionProtectionEnabled: false }), []);
    assert.deepEqual(permissionProblems({ principal: "events.amazonaws.com" }), []);
    assert.deepEqual(
      permissionProblems({ principal: "apigateway.amazonaws.com", sourceArn: undefined }),
      [],
      "unknown in preview: skipped",
    );
  });
});
