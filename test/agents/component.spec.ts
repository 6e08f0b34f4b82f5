/**
 * AgentOrchestration under the suite's mocks, through the real index.ts and stack files: durable config,
 * version and alias, exact IAM per function, routes and their protection, storage settings, and the log
 * resource policy the seed forgot.
 */
import { agentRuntimeName } from "../../components/agents/runtime-naming";
import * as assert from "node:assert/strict";
import { API_ROUTES } from "../../functions/agents/api";
import {
  CALLBACK_ROUTE,
  WORKFLOW_ROUTES,
  executionTimeoutSeconds,
  normalizeArgs,
} from "../../components/agents";
import { ConfigError } from "../../config";
import { MOCK_ACCOUNT, RecordedResource } from "../harness/mocks";
import { ProgramRun, onlySystem, runProgram as runWholeProgram } from "../harness/program";

/** The agents part of a program run (other systems are enabled in the same stacks). */
const runProgram = async (...args: Parameters<typeof runWholeProgram>) =>
  onlySystem(await runWholeProgram(...args), "agents");

const T = {
  fn: "aws:lambda/function:Function",
  policy: "aws:iam/rolePolicy:RolePolicy",
  route: "aws:apigatewayv2/route:Route",
};

function byName(run: ProgramRun, name: string): RecordedResource {
  const found = run.resources.filter((r) => r.name === name);
  assert.equal(found.length, 1, `one resource named ${name}`);
  return found[0];
}
function ofType(run: ProgramRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}
function statements(
  run: ProgramRun,
  policyName: string,
): { Sid: string; Action: string[]; Resource: unknown }[] {
  return JSON.parse(byName(run, policyName).inputs.policy).Statement;
}

const ARN = `arn:aws:lambda:us-east-1:${MOCK_ACCOUNT}:function:agent-orchestration-dev-controller`;
const TABLE = `arn:aws:dynamodb:us-east-1:${MOCK_ACCOUNT}:table/agent-orchestration-dev-workflows`;
const BUCKET = `arn:aws:s3:::agent-orchestration-dev-artifacts-${MOCK_ACCOUNT}`;

describe("agents: the AgentOrchestration component (mocks)", function () {
  this.timeout(60000);
  let dev: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    dev = await runProgram("dev");
    prod = await runProgram("prod");
  });

  it("is one ai-platform:agents:AgentOrchestration whose children all name it as parent", () => {
    const [component] = ofType(dev, "ai-platform:agents:AgentOrchestration");
    assert.ok(component);
    const children = dev.resources.filter(
      (r) => r.custom && r.type.startsWith("aws:") && r.name.startsWith("agents-"),
    );
    assert.ok(children.length > 25);
    for (const c of children) assert.ok(c.parent, `${c.name} has a parent`);
    assert.ok(byName(dev, "agents-workflows").parent === component.urn);
  });

  it("makes the controller a durable function sized for every phase, publishes a version and aliases it", () => {
    const fn = byName(dev, "agents-controller");
    assert.deepEqual(fn.inputs.durableConfig, {
      executionTimeout: executionTimeoutSeconds(4),
      retentionPeriod: 3,
    });
    assert.equal(executionTimeoutSeconds(4), (4 + 2 + 4 + 1 + 1) * 3600);
    assert.equal(
      byName(prod, "agents-controller").inputs.durableConfig.executionTimeout,
      (4 + 2 + 72 + 1 + 1) * 3600,
    );
    assert.equal(fn.inputs.publish, true);
    assert.equal(fn.inputs.name, "agent-orchestration-dev-controller");
    assert.equal(fn.inputs.memorySize, 512);
    assert.equal(fn.inputs.timeout, 900);
    const alias = byName(dev, "agents-controller-live");
    assert.equal(alias.inputs.name, "live");
    assert.equal(alias.inputs.functionName, "agent-orchestration-dev-controller");
    assert.equal(alias.inputs.functionVersion, "1");
    const env = fn.inputs.environment.variables;
    assert.equal(env.CALLBACK_API_URL.endsWith("/"), false, "no trailing slash: no // in callback URLs");
    assert.equal(env.APPROVAL_TIMEOUT_HOURS, "4");
    assert.equal(env.RESEARCH_TIMEOUT_SECONDS, "14400");
    assert.equal(env.ANALYSIS_TIMEOUT_SECONDS, "7200");
    assert.equal(env.WRITING_TIMEOUT_SECONDS, "3600");
    assert.equal(env.WORKFLOW_TABLE, "agent-orchestration-dev-workflows");
    assert.equal(env.WORKFLOW_RETENTION_DAYS, "7");
    assert.match(env.RESEARCHER_AGENT_ARN, /runtime\/agent_orchestration_dev_researcher-/);
    for (const name of ["agents-api-fn", "agents-callback"])
      assert.equal(byName(dev, name).inputs.environment.variables.CONTROLLER_FUNCTION_NAME, `${ARN}:live`);
  });

  it("runs every function on Node 22 arm64 with its own log group, X-Ray per stack", () => {
    for (const name of ["agents-controller", "agents-api-fn", "agents-callback"]) {
      for (const [run, tracing] of [
        [dev, undefined],
        [prod, "Active"],
      ] as const) {
        const fn = byName(run, name);
        assert.equal(fn.inputs.runtime, "nodejs22.x");
        assert.deepEqual(fn.inputs.architectures, ["arm64"]);
        assert.equal(fn.inputs.tracingConfig?.mode, tracing);
        assert.equal(fn.inputs.loggingConfig.logGroup, `/aws/lambda/${fn.inputs.name}`);
      }
    }
    assert.equal(byName(prod, "agents-controller-logs").inputs.retentionInDays, 90);
  });

  it("grants each role exactly the actions its function calls (IAM exact)", () => {
    const exec = `${ARN}:*`;
    const own = (name: string) => ({
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `arn:aws:logs:us-east-1:${MOCK_ACCOUNT}:log-group:/aws/lambda/${name}:*`,
    });
    // The runtimes this component builds (part 2), as the mocks name them (`<runtime name>-Mock<6 digits>`).
    const runtimes = (["researcher", "analyst", "writer"] as const).map((agent) => {
      const rn = agentRuntimeName("dev", agent);
      return `arn:aws:bedrock-agentcore:us-east-1:${MOCK_ACCOUNT}:runtime/${rn}-Mock${String(rn.length).padStart(6, "0")}`;
    });
    assert.deepEqual(statements(dev, "agents-controller-policy"), [
      own("agent-orchestration-dev-controller"),
      {
        Sid: "DurableExecution",
        Effect: "Allow",
        Action: ["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"],
        Resource: exec,
      },
      {
        Sid: "AgentCoreInvocation",
        Effect: "Allow",
        Action: ["bedrock-agentcore:InvokeAgentRuntime"],
        Resource: runtimes.flatMap((r) => [r, `${r}/*`]),
      },
      {
        Sid: "WorkflowItem",
        Effect: "Allow",
        Action: ["dynamodb:UpdateItem"],
        Resource: TABLE,
      },
      { Sid: "ReadArtifacts", Effect: "Allow", Action: ["s3:GetObject"], Resource: `${BUCKET}/artifacts/*` },
      { Sid: "WriteReports", Effect: "Allow", Action: ["s3:PutObject"], Resource: `${BUCKET}/reports/*` },
      {
        Sid: "WorkflowEvents",
        Effect: "Allow",
        Action: ["events:PutEvents"],
        Resource: `arn:aws:events:us-east-1:${MOCK_ACCOUNT}:event-bus/default`,
      },
    ]);
    assert.deepEqual(statements(dev, "agents-api-fn-policy"), [
      own("agent-orchestration-dev-api"),
      {
        Sid: "WorkflowItems",
        Effect: "Allow",
        Action: ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem"],
        Resource: TABLE,
      },
      {
        Sid: "ListByStatus",
        Effect: "Allow",
        Action: ["dynamodb:Query"],
        Resource: `${TABLE}/index/status-created-index`,
      },
      { Sid: "StartWorkflow", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: `${ARN}:live` },
      {
        Sid: "CompleteApproval",
        Effect: "Allow",
        Action: ["lambda:SendDurableExecutionCallbackSuccess"],
        Resource: exec,
      },
      { Sid: "PresignReports", Effect: "Allow", Action: ["s3:GetObject"], Resource: `${BUCKET}/reports/*` },
    ]);
    assert.deepEqual(statements(dev, "agents-callback-policy"), [
      own("agent-orchestration-dev-callback"),
      {
        Sid: "WorkflowItem",
        Effect: "Allow",
        Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
        Resource: TABLE,
      },
      {
        Sid: "StoreLargeResults",
        Effect: "Allow",
        Action: ["s3:PutObject"],
        Resource: `${BUCKET}/artifacts/*`,
      },
      {
        Sid: "CompleteAgentCallbacks",
        Effect: "Allow",
        Action: ["lambda:SendDurableExecutionCallbackSuccess", "lambda:SendDurableExecutionCallbackFailure"],
        Resource: exec,
      },
    ]);
    assert.equal(byName(prod, "agents-callback-policy").inputs.policy.includes('"Sid":"XRay"'), true);
    assert.ok(
      !ofType(dev, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").some((r) =>
        r.name.startsWith("agents-"),
      ),
      "no managed policies",
    );
  });

  it("protects every workflow route (AWS_IAM) and leaves only the token-checked callback route open", () => {
    const routes = ofType(dev, T.route).filter((r) => r.name.startsWith("agents-"));
    assert.deepEqual(
      routes.map((r) => r.inputs.routeKey).sort(),
      [...WORKFLOW_ROUTES, CALLBACK_ROUTE].sort(),
    );
    assert.deepEqual(
      [...WORKFLOW_ROUTES].sort(),
      [...API_ROUTES].sort(),
      "the API function serves exactly these routes",
    );
    for (const r of routes) {
      if (r.inputs.routeKey === CALLBACK_ROUTE) assert.equal(r.inputs.authorizationType, "NONE");
      else assert.equal(r.inputs.authorizationType, "AWS_IAM", `${r.inputs.routeKey} is protected`);
    }
    const perms = ofType(dev, "aws:lambda/permission:Permission").filter((r) => r.name.startsWith("agents-"));
    assert.deepEqual(perms.map((p) => p.inputs.sourceArn).sort(), [
      `arn:aws:execute-api:us-east-1:${MOCK_ACCOUNT}:agents-api-api-id/*/*`,
      `arn:aws:execute-api:us-east-1:${MOCK_ACCOUNT}:agents-api-api-id/*/POST/callbacks/*`,
    ]);
  });

  it("uses a JWT authorizer on the workflow routes when configured, and rejects jwt without issuer and audience", async () => {
    const run = await runProgram("stage", {
      overrides: {
        "ai-platform:agentsApiAuth": "jwt",
        "ai-platform:agentsJwtIssuer": "https://auth.example.com/",
        "ai-platform:agentsJwtAudience": '["agents-api"]',
      },
    });
    const [authorizer] = ofType(run, "aws:apigatewayv2/authorizer:Authorizer");
    assert.equal(authorizer.inputs.authorizerType, "JWT");
    assert.deepEqual(authorizer.inputs.jwtConfiguration, {
      issuer: "https://auth.example.com/",
      audiences: ["agents-api"],
    });
    for (const r of ofType(run, T.route)) {
      if (r.inputs.routeKey === CALLBACK_ROUTE) continue;
      assert.equal(r.inputs.authorizationType, "JWT");
      assert.equal(r.inputs.authorizerId, authorizer.state.id ?? "agents-jwt-id");
    }
    await assert.rejects(
      runProgram("stage", { overrides: { "ai-platform:agentsApiAuth": "jwt" } }),
      (e: Error) => {
        assert.ok(e instanceof ConfigError);
        assert.deepEqual(e.issues.map((i) => i.key).sort(), [
          "ai-platform:agentsJwtAudience",
          "ai-platform:agentsJwtIssuer",
        ]);
        return true;
      },
    );
    await assert.rejects(
      runProgram("dev", {
        overrides: { "ai-platform:agentsWriterRuntimeArn": "arn:aws:lambda:us-east-1:1:function:x" },
      }),
      /agentsWriterRuntimeArn.*AgentCore runtime ARN/s,
    );
    await assert.rejects(
      runProgram("dev", { overrides: { "ai-platform:agentsApprovalTimeoutHours": "169" } }),
      /agentsApprovalTimeoutHours.*1 to 168/s,
    );
  });

  it("serves the API with CORS from config and JSON access logs on the $default stage", () => {
    const api = byName(dev, "agents-api");
    assert.equal(api.inputs.name, "agent-orchestration-dev-api");
    assert.deepEqual(api.inputs.corsConfiguration.allowOrigins, ["http://localhost:3000"]);
    assert.equal(api.inputs.corsConfiguration.maxAge, 300);
    const stage = byName(dev, "agents-stage");
    assert.equal(stage.inputs.name, "$default");
    assert.deepEqual(stage.inputs.defaultRouteSettings, {
      throttlingBurstLimit: 100,
      throttlingRateLimit: 50,
    });
    assert.equal(
      stage.inputs.accessLogSettings.destinationArn,
      `arn:aws:logs:us-east-1:${MOCK_ACCOUNT}:log-group:/aws/apigateway/agent-orchestration-dev-api`,
    );
    const format = JSON.parse(stage.inputs.accessLogSettings.format);
    for (const f of [
      "requestId",
      "ip",
      "requestTime",
      "httpMethod",
      "routeKey",
      "status",
      "protocol",
      "responseLength",
      "errorMessage",
    ])
      assert.ok(format[f], `access log field ${f}`);
    for (const i of ofType(dev, "aws:apigatewayv2/integration:Integration")) {
      assert.equal(i.inputs.payloadFormatVersion, "2.0");
      assert.equal(i.inputs.integrationType, "AWS_PROXY");
    }
    assert.equal(String(dev.outputs.agentsApiEndpoint).endsWith("/"), false);
  });

  it("sends workflow events to a log group that a log resource policy opens to EventBridge", () => {
    const rule = byName(dev, "agents-workflow-events");
    assert.equal(rule.inputs.name, "agent-orchestration-dev-workflow-events");
    assert.deepEqual(JSON.parse(rule.inputs.eventPattern), {
      source: ["agent.orchestration"],
      "detail-type": ["WorkflowStarted", "WorkflowCompleted", "WorkflowFailed", "ApprovalRequested"],
    });
    const logs = byName(dev, "agents-events-logs");
    assert.equal(logs.inputs.name, "/aws/events/agent-orchestration-dev-workflow-events");
    const target = byName(dev, "agents-workflow-events-target");
    assert.equal(target.inputs.arn, logs.state.arn);
    const policy = byName(dev, "agents-events-logs-policy");
    const doc = JSON.parse(policy.inputs.policyDocument);
    assert.deepEqual(doc.Statement[0].Principal, {
      Service: ["events.amazonaws.com", "delivery.logs.amazonaws.com"],
    });
    assert.deepEqual(doc.Statement[0].Action, ["logs:CreateLogStream", "logs:PutLogEvents"]);
    assert.equal(doc.Statement[0].Resource, `${logs.state.arn}:*`);
    assert.deepEqual(doc.Statement[0].Condition, { ArnEquals: { "aws:SourceArn": rule.state.arn } });
    assert.ok(target.dependencies.includes(policy.urn), "the target waits for the policy");
  });

  it("keeps artifacts in a versioned, encrypted, private bucket with a filtered lifecycle; forceDestroy from config", () => {
    const bucket = byName(dev, "agents-artifacts");
    assert.equal(bucket.inputs.bucket, `agent-orchestration-dev-artifacts-${MOCK_ACCOUNT}`);
    assert.equal(bucket.inputs.forceDestroy, true);
    assert.equal(byName(prod, "agents-artifacts").inputs.forceDestroy, false);
    assert.equal(
      byName(dev, "agents-artifacts-versioning").inputs.versioningConfiguration.status,
      "Suspended",
    );
    assert.equal(
      byName(prod, "agents-artifacts-versioning").inputs.versioningConfiguration.status,
      "Enabled",
    );
    assert.equal(
      byName(dev, "agents-artifacts-sse").inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm,
      "AES256",
    );
    const pab = byName(dev, "agents-artifacts-public-access").inputs;
    assert.ok(
      pab.blockPublicAcls && pab.blockPublicPolicy && pab.ignorePublicAcls && pab.restrictPublicBuckets,
    );
    const [rule] = byName(prod, "agents-artifacts-lifecycle").inputs.rules;
    assert.deepEqual(rule.filter, { prefix: "" });
    assert.deepEqual(
      rule.transitions.map((t: { days: number }) => t.days),
      [90, 180],
    );
    assert.equal(rule.expiration.days, 360);
    assert.ok(byName(prod, "agents-artifacts").protect && !byName(dev, "agents-artifacts").protect);
  });

  it("keys the workflows table by workflow_id with the status GSI, TTL, SSE, and PITR in prod", () => {
    const t = byName(dev, "agents-workflows").inputs;
    assert.equal(t.name, "agent-orchestration-dev-workflows");
    assert.equal(t.hashKey, "workflow_id");
    assert.deepEqual(t.globalSecondaryIndexes, [
      { name: "status-created-index", hashKey: "status", rangeKey: "created_at", projectionType: "ALL" },
    ]);
    assert.deepEqual(t.ttl, { attributeName: "ttl", enabled: true });
    assert.deepEqual(t.serverSideEncryption, { enabled: true });
    assert.equal(t.pointInTimeRecovery.enabled, false);
    assert.equal(byName(prod, "agents-workflows").inputs.pointInTimeRecovery.enabled, true);
    assert.ok(byName(prod, "agents-workflows").protect);
  });

  it("exports the seed's useful outputs", () => {
    assert.equal(dev.outputs.agentsWorkflowTableName, "agent-orchestration-dev-workflows");
    assert.equal(dev.outputs.agentsArtifactBucketName, `agent-orchestration-dev-artifacts-${MOCK_ACCOUNT}`);
    assert.equal(dev.outputs.agentsControllerFunctionName, "agent-orchestration-dev-controller");
    assert.equal(dev.outputs.agentsControllerAliasArn, `${ARN}:live`);
    assert.equal(dev.outputs.agentsCallbackFunctionName, "agent-orchestration-dev-callback");
    assert.match(String(dev.outputs.agentsApiEndpoint), /^https:\/\/.*amazonaws\.com$/);
  });

  it("validates its arguments where they enter (normalizeArgs)", () => {
    const arns = { researcher: "a", analyst: "b", writer: "c" };
    assert.throws(
      () => normalizeArgs({ stack: "dev", agents: { arns }, approvalTimeoutHours: 0 }),
      /approvalTimeoutHours/,
    );
    assert.throws(
      () => normalizeArgs({ stack: "dev", agents: { arns }, artifactRetentionDays: 10 }),
      /artifactRetentionDays/,
    );
    const n = normalizeArgs({ stack: "prod", agents: { arns } });
    assert.equal(n.pointInTimeRecovery, true);
    assert.deepEqual(n.auth, { type: "iam" });
  });
});
