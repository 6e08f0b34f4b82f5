/**
 * AgentOrchestration: the durable agent orchestration system of one stack.
 *
 * An HTTP API (workflow routes protected by IAM or a JWT authorizer; the agents' callback route checked by
 * per-phase tokens) in front of two small functions, a durable controller (Lambda durable functions,
 * invoked through a published version's alias), the workflows table, the artifacts bucket, and an
 * EventBridge rule that copies the workflow events to a log group, with the log resource policy that lets
 * EventBridge write there. Physical names are the seed Terraform's (`agent-orchestration-<stack>-...`).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NodeFunction, nodeFunction } from "../../lib/aws";
import { accessLogBucket, secureBucket } from "../../lib/buckets";
import { Names } from "../../lib/naming";
import { apiStatements, callbackStatements, controllerStatements, executionTimeoutSeconds } from "./iam";
import { AgentRuntimes, AgentRuntimesArgs } from "./runtimes";

export { executionTimeoutSeconds } from "./iam";

/** The routes served by the API function (functions/agents/api). */
export const WORKFLOW_ROUTES = [
  "POST /workflows",
  "GET /workflows",
  "GET /workflows/{workflow_id}",
  "POST /workflows/{workflow_id}/approval",
  "POST /approve/{workflow_id}",
] as const;
/** The agents' callback route (functions/agents/callback): authenticated by the phase token in the body. */
export const CALLBACK_ROUTE = "POST /callbacks/{workflow_id}";

/** The CORS headers the seed allowed. */
const CORS_HEADERS = ["Content-Type", "Authorization", "X-Amz-Date", "X-Api-Key", "X-Amz-Security-Token"];

/** The phase timeouts the controller enforces, in seconds (research 4 h, analysis 2 h, writing 1 h). */
export const PHASE_TIMEOUT_SECONDS = { research: 4 * 3600, analysis: 2 * 3600, writing: 3600 };

export type ApiAuth =
  { type: "iam" } | { type: "jwt"; issuer: pulumi.Input<string>; audience: pulumi.Input<string[]> };

export interface AgentOrchestrationArgs {
  /** Stack name: part of every physical name (`agent-orchestration-<stack>-...`). */
  stack: string;
  /**
   * The agents: built from `functions/agents/<agent>` and deployed as AgentCore runtimes by this component
   * (`AgentRuntimes`, the default), or, for runtimes managed elsewhere, their three ARNs. Exactly one of the two.
   * @example { build: { modelId: "anthropic.claude-3-5-sonnet-20241022-v2:0" } }
   * @example { arns: { researcher: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/researcher-AbCdE12345", ... } }
   */
  agents:
    | {
        build: Pick<AgentRuntimesArgs, "modelId" | "inference" | "buildOnPreview" | "environment">;
        arns?: never;
      }
    | {
        arns: {
          researcher: pulumi.Input<string>;
          analyst: pulumi.Input<string>;
          writer: pulumi.Input<string>;
        };
        build?: never;
      };
  /** Hours the approval waits (1-168); also sizes the durable execution timeout. @default 24 */
  approvalTimeoutHours?: number;
  /** Days a workflow item lives after its last change (DynamoDB TTL). @default 14 */
  workflowRetentionDays?: pulumi.Input<number>;
  /** Days Lambda keeps a finished execution's history (1-90). Changing it replaces nothing. @default 14 */
  durableRetentionDays?: pulumi.Input<number>;
  /** Days before artifacts move to STANDARD_IA (GLACIER at 2×, expiry at 4×). @default 90 */
  artifactRetentionDays?: number;
  /** @default true */
  artifactVersioning?: pulumi.Input<boolean>;
  /** Delete the bucket with its objects on destroy. @default false */
  forceDestroy?: pulumi.Input<boolean>;
  /** Point-in-time recovery of the workflows table. @default true for the prod stack, else false */
  pointInTimeRecovery?: pulumi.Input<boolean>;
  /** @default 1024 */
  controllerMemory?: number;
  /** Seconds per controller invocation. @default 900 */
  controllerTimeout?: number;
  /** @default true */
  tracing?: boolean;
  /** @default ["*"] */
  corsOrigins?: pulumi.Input<pulumi.Input<string>[]>;
  /** Protection of the workflow routes. @default { type: "iam" } */
  auth?: ApiAuth;
  /** @default "INFO" */
  logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
  /** @default 14 */
  logRetentionDays?: number;
  /** Protect the table and bucket from deletion. @default false */
  protect?: boolean;
}

type Resolved = Required<Omit<AgentOrchestrationArgs, "agents">> & Pick<AgentOrchestrationArgs, "agents">;

/** Applies the documented defaults in one place. */
export function normalizeArgs(args: AgentOrchestrationArgs): Resolved {
  const hours = args.approvalTimeoutHours ?? 24;
  if (!Number.isInteger(hours) || hours < 1 || hours > 168)
    throw new Error(
      `AgentOrchestration: approvalTimeoutHours must be a whole number from 1 to 168, got ${hours}`,
    );
  const artifactDays = args.artifactRetentionDays ?? 90;
  if (!Number.isInteger(artifactDays) || artifactDays < 30)
    throw new Error(
      `AgentOrchestration: artifactRetentionDays must be a whole number of at least 30, got ${artifactDays}`,
    );
  return {
    stack: args.stack,
    agents: args.agents,
    approvalTimeoutHours: hours,
    workflowRetentionDays: args.workflowRetentionDays ?? 14,
    durableRetentionDays: args.durableRetentionDays ?? 14,
    artifactRetentionDays: artifactDays,
    artifactVersioning: args.artifactVersioning ?? true,
    forceDestroy: args.forceDestroy ?? false,
    pointInTimeRecovery: args.pointInTimeRecovery ?? args.stack === "prod",
    controllerMemory: args.controllerMemory ?? 1024,
    controllerTimeout: args.controllerTimeout ?? 900,
    tracing: args.tracing ?? true,
    corsOrigins: args.corsOrigins ?? ["*"],
    auth: args.auth ?? { type: "iam" },
    logLevel: args.logLevel ?? "INFO",
    logRetentionDays: args.logRetentionDays ?? 14,
    protect: args.protect ?? false,
  };
}

export class AgentOrchestration extends pulumi.ComponentResource {
  /** API base URL, without a trailing slash. */
  declare readonly apiEndpoint: pulumi.Output<string>;
  declare readonly apiId: pulumi.Output<string>;
  declare readonly tableName: pulumi.Output<string>;
  declare readonly tableArn: pulumi.Output<string>;
  declare readonly bucketName: pulumi.Output<string>;
  declare readonly bucketArn: pulumi.Output<string>;
  declare readonly controllerFunctionName: pulumi.Output<string>;
  /** The alias executions are started through (a durable function needs a qualified ARN). */
  declare readonly controllerAliasArn: pulumi.Output<string>;
  declare readonly apiFunctionName: pulumi.Output<string>;
  declare readonly callbackFunctionName: pulumi.Output<string>;
  declare readonly eventsLogGroupName: pulumi.Output<string>;
  /** Raw children, for tests and transforms. */
  readonly nodes: {
    bucket: aws.s3.Bucket;
    table: aws.dynamodb.Table;
    controller: NodeFunction;
    controllerAlias: aws.lambda.Alias;
    api: NodeFunction;
    callback: NodeFunction;
    httpApi: aws.apigatewayv2.Api;
    stage: aws.apigatewayv2.Stage;
    routes: aws.apigatewayv2.Route[];
    eventRule: aws.cloudwatch.EventRule;
    eventsLogPolicy: aws.cloudwatch.LogResourcePolicy;
    /** The agents' runtimes, when this component builds them. */
    runtimes?: AgentRuntimes;
  };

  constructor(name: string, args: AgentOrchestrationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:agents:AgentOrchestration", name, {}, opts);
    const a = normalizeArgs(args);
    const names = new Names("agents", a.stack);
    const parent = { parent: this };
    const identity = aws.getCallerIdentityOutput({}, parent);
    const region = aws.getRegionOutput({}, parent);
    const account = identity.accountId;

    // ---- storage ----
    const bucket = this.createBucket(name, names, a, account);
    const table = this.createTable(name, names, a);

    // ---- API (created first: the controller hands agents its callback URL) ----
    const httpApi = new aws.apigatewayv2.Api(
      `${name}-api`,
      {
        name: names.name("httpApi", "api"),
        protocolType: "HTTP",
        description: "Durable agent orchestration: workflows, approvals and agent callbacks",
        corsConfiguration: {
          allowOrigins: a.corsOrigins,
          allowMethods: ["GET", "POST", "OPTIONS"],
          allowHeaders: CORS_HEADERS,
          maxAge: 300,
        },
      },
      parent,
    );
    const apiEndpoint = httpApi.apiEndpoint.apply((u) => u.replace(/\/+$/, ""));

    // ---- agents: AgentCore runtimes built here (part 2), or ARNs of runtimes managed elsewhere ----
    let runtimes: AgentRuntimes | undefined;
    let runtimeArns: {
      researcher: pulumi.Input<string>;
      analyst: pulumi.Input<string>;
      writer: pulumi.Input<string>;
    };
    if (a.agents.build) {
      runtimes = new AgentRuntimes(
        `${name}-runtimes`,
        {
          ...a.agents.build,
          stack: a.stack,
          artifactsBucketName: bucket.bucket,
          artifactsBucketArn: bucket.arn,
          // Images go with the stack only where its stateful data may (agentsForceDestroy; false in prod).
          forceDeleteImages: a.forceDestroy,
          callbackUrlPrefixes: [pulumi.interpolate`${apiEndpoint}/callbacks/`],
          logRetentionDays: a.logRetentionDays,
          logLevel: a.logLevel,
        },
        parent,
      );
      const all = runtimes.runtimeArns;
      runtimeArns = {
        researcher: all.apply((r) => r.researcher),
        analyst: all.apply((r) => r.analyst),
        writer: all.apply((r) => r.writer),
      };
    } else {
      runtimeArns = a.agents.arns!;
    }

    // ---- functions ----
    const controllerName = names.name("lambda", "controller");
    const controllerArn = pulumi.interpolate`arn:aws:lambda:${region.region}:${account}:function:${controllerName}`;
    const aliasName = "live";
    const controllerAliasArn = pulumi.interpolate`${controllerArn}:${aliasName}`;
    const targets = {
      tableArn: table.arn,
      bucketArn: bucket.arn,
      controllerArn,
      controllerAliasArn,
      agentRuntimeArns: [runtimeArns.researcher, runtimeArns.analyst, runtimeArns.writer],
      eventBusArn: pulumi.interpolate`arn:aws:events:${region.region}:${account}:event-bus/default`,
    };
    const common = {
      WORKFLOW_TABLE: table.name,
      ARTIFACT_BUCKET: bucket.bucket,
      WORKFLOW_RETENTION_DAYS: pulumi.output(a.workflowRetentionDays).apply(String),
      ENVIRONMENT: a.stack,
      LOG_LEVEL: a.logLevel,
    };
    const fnCommon = { logLevel: a.logLevel, logRetentionDays: a.logRetentionDays, tracing: a.tracing };

    const controller = nodeFunction(
      `${name}-controller`,
      {
        functionName: controllerName,
        source: "agents/controller",
        statements: controllerStatements(targets),
        memorySize: a.controllerMemory,
        timeout: a.controllerTimeout,
        environment: {
          ...common,
          RESEARCHER_AGENT_ARN: runtimeArns.researcher,
          ANALYST_AGENT_ARN: runtimeArns.analyst,
          WRITER_AGENT_ARN: runtimeArns.writer,
          CALLBACK_API_URL: apiEndpoint,
          APPROVAL_TIMEOUT_HOURS: String(a.approvalTimeoutHours),
          RESEARCH_TIMEOUT_SECONDS: String(PHASE_TIMEOUT_SECONDS.research),
          ANALYSIS_TIMEOUT_SECONDS: String(PHASE_TIMEOUT_SECONDS.analysis),
          WRITING_TIMEOUT_SECONDS: String(PHASE_TIMEOUT_SECONDS.writing),
        },
        ...fnCommon,
        extra: {
          // Durable execution can only be enabled when the function is created.
          durableConfig: {
            executionTimeout: executionTimeoutSeconds(a.approvalTimeoutHours),
            retentionPeriod: a.durableRetentionDays,
          },
          publish: true,
        },
      },
      this,
    );
    const controllerAlias = new aws.lambda.Alias(
      `${name}-controller-live`,
      {
        name: aliasName,
        functionName: controller.fn.name,
        functionVersion: controller.fn.version,
        description: "The published version new workflows start on",
      },
      parent,
    );

    const api = nodeFunction(
      `${name}-api-fn`,
      {
        functionName: names.name("lambda", "api"),
        source: "agents/api",
        statements: apiStatements(targets),
        memorySize: 256,
        timeout: 10,
        environment: { ...common, CONTROLLER_FUNCTION_NAME: controllerAlias.arn, REPORT_URL_SECONDS: "3600" },
        ...fnCommon,
      },
      this,
    );
    const callback = nodeFunction(
      `${name}-callback`,
      {
        functionName: names.name("lambda", "callback"),
        source: "agents/callback",
        statements: callbackStatements(targets),
        memorySize: 256,
        timeout: 30,
        environment: { ...common, CONTROLLER_FUNCTION_NAME: controllerAlias.arn },
        ...fnCommon,
      },
      this,
    );

    // ---- routes ----
    const { stage, routes } = this.createRoutes(name, names, a, httpApi, api, callback);

    // ---- events ----
    const { rule, policy } = this.createEvents(name, names, a);

    this.apiEndpoint = apiEndpoint;
    this.apiId = httpApi.id;
    this.tableName = table.name;
    this.tableArn = table.arn;
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.controllerFunctionName = controller.fn.name;
    this.controllerAliasArn = controllerAlias.arn;
    this.apiFunctionName = api.fn.name;
    this.callbackFunctionName = callback.fn.name;
    this.eventsLogGroupName = pulumi.output(`/aws/events/${names.prefix}-workflow-events`);
    this.nodes = {
      bucket,
      table,
      controller,
      controllerAlias,
      api,
      callback,
      httpApi,
      stage,
      routes,
      eventRule: rule,
      eventsLogPolicy: policy,
      runtimes,
    };
    this.registerOutputs({
      apiEndpoint: this.apiEndpoint,
      tableName: this.tableName,
      bucketName: this.bucketName,
      controllerFunctionName: this.controllerFunctionName,
      controllerAliasArn: this.controllerAliasArn,
      apiFunctionName: this.apiFunctionName,
      callbackFunctionName: this.callbackFunctionName,
    });
  }

  private createBucket(
    name: string,
    names: Names,
    a: Resolved,
    account: pulumi.Output<string>,
  ): aws.s3.Bucket {
    const parent = { parent: this };
    const bucket = new aws.s3.Bucket(
      `${name}-artifacts`,
      {
        bucket: account.apply((acct) => names.name("s3Bucket", "artifacts", acct)),
        forceDestroy: a.forceDestroy,
      },
      { parent: this, protect: a.protect },
    );
    new aws.s3.BucketVersioning(
      `${name}-artifacts-versioning`,
      {
        bucket: bucket.id,
        versioningConfiguration: {
          status: pulumi.output(a.artifactVersioning).apply((on) => (on ? "Enabled" : "Suspended")),
        },
      },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-artifacts-sse`,
      { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
      parent,
    );
    new aws.s3.BucketPublicAccessBlock(
      `${name}-artifacts-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    // TLS only, and server access logs to the stack's locked-down log bucket.
    const accessLogs = accessLogBucket(
      `${name}-access-logs`,
      {
        bucketName: account.apply((acct) => names.name("s3Bucket", "access-logs", acct)),
        accountId: account,
        sourceBucketArns: [bucket.arn],
        forceDestroy: a.forceDestroy,
        protect: a.protect,
      },
      this,
    );
    secureBucket(`${name}-artifacts`, bucket, accessLogs, this);
    const days = a.artifactRetentionDays;
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-artifacts-lifecycle`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "transition-old-artifacts",
            status: "Enabled",
            filter: { prefix: "" },
            transitions: [
              { days, storageClass: "STANDARD_IA" },
              { days: days * 2, storageClass: "GLACIER" },
            ],
            expiration: { days: days * 4 },
            noncurrentVersionTransitions: [{ noncurrentDays: 30, storageClass: "GLACIER" }],
            noncurrentVersionExpiration: { noncurrentDays: 90 },
          },
        ],
      },
      parent,
    );
    return bucket;
  }

  private createTable(name: string, names: Names, a: Resolved): aws.dynamodb.Table {
    return new aws.dynamodb.Table(
      `${name}-workflows`,
      {
        name: names.name("dynamodbTable", "workflows"),
        billingMode: "PAY_PER_REQUEST",
        hashKey: "workflow_id",
        attributes: [
          { name: "workflow_id", type: "S" },
          { name: "status", type: "S" },
          { name: "created_at", type: "S" },
        ],
        globalSecondaryIndexes: [
          { name: "status-created-index", hashKey: "status", rangeKey: "created_at", projectionType: "ALL" },
        ],
        ttl: { attributeName: "ttl", enabled: true },
        pointInTimeRecovery: { enabled: a.pointInTimeRecovery },
        serverSideEncryption: { enabled: true },
      },
      { parent: this, protect: a.protect },
    );
  }

  private createRoutes(
    name: string,
    names: Names,
    a: Resolved,
    httpApi: aws.apigatewayv2.Api,
    api: NodeFunction,
    callback: NodeFunction,
  ): { stage: aws.apigatewayv2.Stage; routes: aws.apigatewayv2.Route[] } {
    const parent = { parent: this };
    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-api-logs`,
      { name: `/aws/apigateway/${names.prefix}-api`, retentionInDays: a.logRetentionDays },
      parent,
    );
    const stage = new aws.apigatewayv2.Stage(
      `${name}-stage`,
      {
        apiId: httpApi.id,
        name: "$default",
        autoDeploy: true,
        // The callback route is open to the internet (tokens authenticate agents): cap what anyone can send.
        defaultRouteSettings: { throttlingBurstLimit: 100, throttlingRateLimit: 50 },
        accessLogSettings: {
          destinationArn: accessLogs.arn,
          format: JSON.stringify({
            requestId: "$context.requestId",
            ip: "$context.identity.sourceIp",
            requestTime: "$context.requestTime",
            httpMethod: "$context.httpMethod",
            routeKey: "$context.routeKey",
            status: "$context.status",
            protocol: "$context.protocol",
            responseLength: "$context.responseLength",
            errorMessage: "$context.error.message",
            integrationError: "$context.integrationErrorMessage",
          }),
        },
      },
      parent,
    );
    let authorizer: aws.apigatewayv2.Authorizer | undefined;
    if (a.auth.type === "jwt") {
      authorizer = new aws.apigatewayv2.Authorizer(
        `${name}-jwt`,
        {
          apiId: httpApi.id,
          name: names.name("httpApi", "jwt"),
          authorizerType: "JWT",
          identitySources: ["$request.header.Authorization"],
          jwtConfiguration: { issuer: a.auth.issuer, audiences: a.auth.audience },
        },
        parent,
      );
    }
    const integration = (role: string, fn: NodeFunction) =>
      new aws.apigatewayv2.Integration(
        `${name}-${role}-integration`,
        {
          apiId: httpApi.id,
          integrationType: "AWS_PROXY",
          integrationMethod: "POST",
          integrationUri: fn.fn.invokeArn,
          payloadFormatVersion: "2.0",
        },
        parent,
      );
    const apiIntegration = integration("api", api);
    const callbackIntegration = integration("callback", callback);
    const routeName = (key: string) =>
      key
        .toLowerCase()
        .replace(/[{}]/g, "")
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/-+$/, "");
    const routes: aws.apigatewayv2.Route[] = WORKFLOW_ROUTES.map(
      (key) =>
        new aws.apigatewayv2.Route(
          `${name}-route-${routeName(key)}`,
          {
            apiId: httpApi.id,
            routeKey: key,
            target: pulumi.interpolate`integrations/${apiIntegration.id}`,
            authorizationType: authorizer ? "JWT" : "AWS_IAM",
            authorizerId: authorizer?.id,
          },
          parent,
        ),
    );
    routes.push(
      new aws.apigatewayv2.Route(
        `${name}-route-${routeName(CALLBACK_ROUTE)}`,
        {
          apiId: httpApi.id,
          routeKey: CALLBACK_ROUTE,
          target: pulumi.interpolate`integrations/${callbackIntegration.id}`,
          // Agents hold no AWS identity of this account: the per-phase token in the body authenticates them.
          authorizationType: "NONE",
        },
        parent,
      ),
    );
    new aws.lambda.Permission(
      `${name}-api-invoke`,
      {
        action: "lambda:InvokeFunction",
        function: api.fn.name,
        principal: "apigateway.amazonaws.com",
        sourceArn: pulumi.interpolate`${httpApi.executionArn}/*/*`,
      },
      parent,
    );
    new aws.lambda.Permission(
      `${name}-callback-invoke`,
      {
        action: "lambda:InvokeFunction",
        function: callback.fn.name,
        principal: "apigateway.amazonaws.com",
        sourceArn: pulumi.interpolate`${httpApi.executionArn}/*/POST/callbacks/*`,
      },
      parent,
    );
    return { stage, routes };
  }

  private createEvents(
    name: string,
    names: Names,
    a: Resolved,
  ): { rule: aws.cloudwatch.EventRule; policy: aws.cloudwatch.LogResourcePolicy } {
    const parent = { parent: this };
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-events-logs`,
      { name: `/aws/events/${names.prefix}-workflow-events`, retentionInDays: a.logRetentionDays },
      parent,
    );
    const rule = new aws.cloudwatch.EventRule(
      `${name}-workflow-events`,
      {
        name: names.name("eventRule", "workflow-events"),
        description: "Workflow lifecycle events of the agent orchestration",
        eventPattern: JSON.stringify({
          source: ["agent.orchestration"],
          "detail-type": ["WorkflowStarted", "WorkflowCompleted", "WorkflowFailed", "ApprovalRequested"],
        }),
      },
      parent,
    );
    // CloudWatch Logs targets are authorised by a log resource policy, not a role (the seed's events never arrived).
    const policy = new aws.cloudwatch.LogResourcePolicy(
      `${name}-events-logs-policy`,
      {
        policyName: names.name("iamPolicy", "events-to-logs"),
        policyDocument: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "EventBridgeToWorkflowEventLogs",
              Effect: "Allow",
              Principal: { Service: ["events.amazonaws.com", "delivery.logs.amazonaws.com"] },
              Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
              Resource: pulumi.interpolate`${logGroup.arn}:*`,
              Condition: { ArnEquals: { "aws:SourceArn": rule.arn } },
            },
          ],
        }),
      },
      parent,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-workflow-events-target`,
      { rule: rule.name, targetId: "SendToCloudWatchLogs", arn: logGroup.arn },
      { parent: this, dependsOn: [policy] },
    );
    return { rule, policy };
  }
}
