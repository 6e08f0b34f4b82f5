/**
 * From calls to IAM requests. A recorded SDK call (test names) becomes the requests IAM authorises in the stack
 * (stack names and ARNs), including the implicit ones (iam:PassRole for RunTask, ecs:TagResource when tags
 * propagate, both AgentCore resources of InvokeAgentRuntime, the index ARN of a GSI query...). The platform's
 * own calls on a role's behalf (log delivery, X-Ray, durable checkpoints, the SQS poller, image pulls, ECS
 * secrets) are added from the program, as the AWS documentation of each service lists them.
 */
import type { AwsCall } from "../../test/harness/aws-calls";
import type { Principal, StackModel } from "./model";

/* eslint-disable @typescript-eslint/no-explicit-any -- registered inputs and state are untyped */

export interface IamRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
  /** Where it comes from: `recorded GetItem`, `platform: Lambda log delivery`... */
  source: string;
  /** For a request checked against a resource policy only (a service principal calling). */
  principal?: string;
  resourcePolicy?: unknown;
}

/** A recorded call that cannot be mapped (an unknown operation, a name with no stack counterpart). */
export class UnmappedCall extends Error {}

const OPERATION_ACTIONS: Record<string, string> = {
  // DynamoDB
  "DynamoDB_20120810.GetItem": "dynamodb:GetItem",
  "DynamoDB_20120810.PutItem": "dynamodb:PutItem",
  "DynamoDB_20120810.UpdateItem": "dynamodb:UpdateItem",
  "DynamoDB_20120810.DeleteItem": "dynamodb:DeleteItem",
  "DynamoDB_20120810.Query": "dynamodb:Query",
  "DynamoDB_20120810.Scan": "dynamodb:Scan",
  "DynamoDB_20120810.DescribeTable": "dynamodb:DescribeTable",
  "DynamoDB_20120810.BatchGetItem": "dynamodb:BatchGetItem",
  "DynamoDB_20120810.BatchWriteItem": "dynamodb:BatchWriteItem",
  // Each item of a transaction is authorised as its own action (see TRANSACT_ACTIONS).
  "DynamoDB_20120810.TransactWriteItems": "dynamodb:PutItem",
  // S3 (HeadObject is authorised as GetObject)
  "AmazonS3.GetObject": "s3:GetObject",
  "AmazonS3.HeadObject": "s3:GetObject",
  "AmazonS3.PutObject": "s3:PutObject",
  "AmazonS3.DeleteObject": "s3:DeleteObject",
  "AmazonS3.CopyObject": "s3:PutObject",
  // Lambda
  "AWSGirApiService.Invoke": "lambda:InvokeFunction",
  "AWSGirApiService.SendDurableExecutionCallbackSuccess": "lambda:SendDurableExecutionCallbackSuccess",
  "AWSGirApiService.SendDurableExecutionCallbackFailure": "lambda:SendDurableExecutionCallbackFailure",
  "AWSGirApiService.SendDurableExecutionCallbackHeartbeat": "lambda:SendDurableExecutionCallbackHeartbeat",
  "AWSGirApiService.CheckpointDurableExecution": "lambda:CheckpointDurableExecution",
  "AWSGirApiService.GetDurableExecutionState": "lambda:GetDurableExecutionState",
  // EventBridge
  "AWSEvents.PutEvents": "events:PutEvents",
  // ECS
  "AmazonEC2ContainerServiceV20141113.RunTask": "ecs:RunTask",
  // AgentCore, Bedrock (Converse is authorised as InvokeModel)
  "AmazonBedrockAgentCore.InvokeAgentRuntime": "bedrock-agentcore:InvokeAgentRuntime",
  "AmazonBedrockFrontendService.Converse": "bedrock:InvokeModel",
  "AmazonBedrockFrontendService.InvokeModel": "bedrock:InvokeModel",
  "AmazonBedrockFrontendService.ConverseStream": "bedrock:InvokeModelWithResponseStream",
  // SSM, SQS
  "AmazonSSM.GetParameter": "ssm:GetParameter",
  "AmazonSSM.GetParameters": "ssm:GetParameters",
  "AmazonSQS.SendMessage": "sqs:SendMessage",
};

/** TransactWriteItems: IAM checks each item's action on its table; there is no action of the transaction itself. */
const TRANSACT_ACTIONS: Record<string, string> = {
  Put: "dynamodb:PutItem",
  Update: "dynamodb:UpdateItem",
  Delete: "dynamodb:DeleteItem",
  ConditionCheck: "dynamodb:ConditionCheckItem",
};

/**
 * Replaces test names by the stack's: a value the code read from an environment variable (recorded in
 * `call.env`) becomes that variable's value in the stack. Values that no variable gave (S3 keys) stay.
 */
export function toStackValue(value: string, call: AwsCall, p: Principal): string {
  for (const [k, testValue] of Object.entries(call.env).sort((a, b) => b[1].length - a[1].length)) {
    if (!value.includes(testValue)) continue;
    const stackValue = p.env[k];
    if (stackValue === undefined) {
      throw new UnmappedCall(`${call.operation}: ${k} is set in the test but not in the stack's environment`);
    }
    return value.split(testValue).join(stackValue);
  }
  return value;
}

function must(v: unknown, what: string, call: AwsCall): string {
  if (typeof v !== "string" || v === "") throw new UnmappedCall(`${call.operation}: no ${what} in the call`);
  return v;
}

/** Resource names the code used that no environment variable gave must be the stack's own. */
function named(field: string, call: AwsCall, p: Principal): string {
  const raw = must(call.input[field], field, call);
  const mapped = toStackValue(raw, call, p);
  if (mapped === raw && !Object.values(call.env).some((v) => raw.includes(v))) {
    throw new UnmappedCall(
      `${call.operation}: ${field} "${raw}" came from no environment variable, so it has no stack value`,
    );
  }
  return mapped;
}

const lambdaArn = (m: StackModel, nameOrArn: string) =>
  nameOrArn.startsWith("arn:") ? nameOrArn : `arn:aws:lambda:${m.region}:${m.account}:function:${nameOrArn}`;

/** The durable functions of the stack: `function:<name>` ARN and published version. */
function durableFunctions(m: StackModel): { arn: string; version: string }[] {
  return m.resources
    .filter((r) => r.type === "aws:lambda/function:Function" && r.inputs.durableConfig)
    .map((r) => ({ arn: String(r.state.arn), version: String(r.state.version ?? "1") }));
}

const durableExecutionArn = (fn: { arn: string; version: string }) =>
  `${fn.arn}:${fn.version}/durable-execution/workflow-id/0123456789abcdef`;

/** The IAM requests of one recorded call made by code running as `p`. */
export function requestsForCall(call: AwsCall, p: Principal, m: StackModel): IamRequest[] {
  const key = `${call.service}.${call.operation}`;
  const action = OPERATION_ACTIONS[key];
  if (!action) throw new UnmappedCall(`no IAM mapping for ${key}; add it to scripts/iam/requests.ts`);
  const source = `recorded ${call.operation}`;
  const r = (resource: string, context: IamRequest["context"] = {}, act = action): IamRequest => ({
    action: act,
    resource,
    context,
    source,
  });
  const { region, account } = m;
  switch (call.service) {
    case "DynamoDB_20120810": {
      const tableArn = (name: string) => `arn:aws:dynamodb:${region}:${account}:table/${name}`;
      if (call.operation === "TransactWriteItems") {
        const items = call.input.TransactItems;
        if (!Array.isArray(items) || items.length === 0)
          throw new UnmappedCall("TransactWriteItems: no TransactItems");
        return items.map((item: { op?: string; TableName?: string }) => {
          const act = TRANSACT_ACTIONS[item.op ?? ""];
          if (!act) throw new UnmappedCall(`TransactWriteItems: unknown item operation "${item.op}"`);
          const name = must(item.TableName, "TableName", call);
          return r(tableArn(toStackValue(name, call, p)), {}, act);
        });
      }
      if (Array.isArray(call.input.RequestTables)) {
        return call.input.RequestTables.map((name: string) => r(tableArn(toStackValue(name, call, p))));
      }
      const table = `arn:aws:dynamodb:${region}:${account}:table/${named("TableName", call, p)}`;
      const index = call.input.IndexName;
      return [r(typeof index === "string" ? `${table}/index/${index}` : table)];
    }
    case "AmazonS3": {
      if (call.operation === "CopyObject") {
        // CopyObject reads the source (GetObject) and writes the destination (PutObject).
        const src = toStackValue(
          decodeURIComponent(must(call.input.CopySource, "CopySource", call)),
          call,
          p,
        );
        const dest = `arn:aws:s3:::${named("Bucket", call, p)}/${must(call.input.Key, "Key", call)}`;
        return [r(`arn:aws:s3:::${src.replace(/^\//, "")}`, {}, "s3:GetObject"), r(dest, {}, "s3:PutObject")];
      }
      const bucket = named("Bucket", call, p);
      const key = must(call.input.Key, "Key", call);
      return [r(`arn:aws:s3:::${bucket}/${key}`)];
    }
    case "AWSGirApiService": {
      if (call.operation === "Invoke") return [r(lambdaArn(m, named("FunctionName", call, p)))];
      const durable = durableFunctions(m);
      if (durable.length === 0)
        throw new UnmappedCall(`${call.operation}: the stack has no durable function`);
      return durable.map((fn) => r(durableExecutionArn(fn)));
    }
    case "AWSEvents": {
      const entries = (call.input.Entries ?? [{}]) as { EventBusName?: string; Source?: string }[];
      return entries.map((e) => {
        const bus = e.EventBusName ? toStackValue(e.EventBusName, call, p) : "default";
        const arn = bus.startsWith("arn:") ? bus : `arn:aws:events:${region}:${account}:event-bus/${bus}`;
        return r(arn, e.Source ? { "events:source": e.Source } : {});
      });
    }
    case "AmazonEC2ContainerServiceV20141113":
      return runTaskRequests(call, p, m, source);
    case "AmazonBedrockAgentCore": {
      const runtime = named("agentRuntimeArn", call, p);
      const endpoint = `${runtime}/runtime-endpoint/${String(call.input.qualifier ?? "DEFAULT")}`;
      return [r(runtime), r(endpoint)];
    }
    case "AmazonBedrockFrontendService":
      return modelArns(named("modelId", call, p), region, account).map((arn) => r(arn));
    default:
      throw new UnmappedCall(`no resource mapping for ${key}; add it to scripts/iam/requests.ts`);
  }
}

/** The resources InvokeModel checks for a model id: a foundation model, or a profile and its model. */
export function modelArns(modelId: string, region: string, account: string): string[] {
  if (modelId.startsWith("arn:")) return [modelId];
  const profile = /^(us|eu|apac|us-gov|jp|au|ca|global)\.(.+)$/.exec(modelId);
  if (!profile) return [`arn:aws:bedrock:${region}::foundation-model/${modelId}`];
  return [
    `arn:aws:bedrock:${region}:${account}:inference-profile/${modelId}`,
    `arn:aws:bedrock:${region}::foundation-model/${profile[2]}`,
  ];
}

/** RunTask: the task definition (with the cluster), PassRole of both roles, TagResource when tags are set. */
function runTaskRequests(call: AwsCall, p: Principal, m: StackModel, source: string): IamRequest[] {
  const { region, account } = m;
  const clusterName = named("cluster", call, p);
  const cluster = clusterName.startsWith("arn:")
    ? clusterName
    : `arn:aws:ecs:${region}:${account}:cluster/${clusterName}`;
  const taskDef = named("taskDefinition", call, p);
  const tdArn = taskDef.startsWith("arn:")
    ? taskDef
    : `arn:aws:ecs:${region}:${account}:task-definition/${taskDef}`;
  const registered = m.resources.find(
    (r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.state.arn === tdArn,
  );
  if (!registered) throw new UnmappedCall(`RunTask: task definition ${tdArn} is not in the stack`);
  const out: IamRequest[] = [
    { action: "ecs:RunTask", resource: tdArn, context: { "ecs:cluster": cluster }, source },
  ];
  const roles = [
    call.input.overrideTaskRoleArn ?? registered.state.taskRoleArn,
    call.input.overrideExecutionRoleArn ?? registered.state.executionRoleArn,
  ].filter((x): x is string => typeof x === "string");
  for (const role of roles) {
    out.push({
      action: "iam:PassRole",
      resource: role,
      context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
      source: `${source} (passes the task's roles)`,
    });
  }
  const tagKeys = (call.input.tagKeys ?? []) as string[];
  if (call.input.propagateTags || tagKeys.length > 0 || call.input.enableECSManagedTags) {
    out.push({
      action: "ecs:TagResource",
      resource: `arn:aws:ecs:${region}:${account}:task/${cluster.split("/").pop()}/0123456789abcdef`,
      context: { "ecs:CreateAction": "RunTask", ...(tagKeys.length ? { "aws:TagKeys": tagKeys } : {}) },
      source: `${source} (tags the task)`,
    });
  }
  return out;
}

const logStreams = (groupArn: string, stream: string) =>
  `${groupArn.replace(/:\*$/, "")}:log-stream:${stream}`;
const groupArn = (m: StackModel, name: string) => `arn:aws:logs:${m.region}:${m.account}:log-group:${name}`;
const repoArnOf = (m: StackModel, image: string) => {
  const repo = /^\d+\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/([^@:]+)/.exec(image)?.[1];
  return repo ? `arn:aws:ecr:${m.region}:${m.account}:repository/${repo}` : undefined;
};

/** Calls AWS services make with the role on the code's behalf (not visible to an SDK recorder). */
export function platformRequests(p: Principal, m: StackModel): IamRequest[] {
  const out: IamRequest[] = [];
  const add = (source: string, action: string, resource: string, context: IamRequest["context"] = {}) =>
    out.push({ action, resource, context, source: `platform: ${source}` });
  const runs = p.runs;
  if (!runs) return out;
  const s = runs.state as any;
  if (p.kind === "lambda") {
    const group = s.loggingConfig?.logGroup ?? `/aws/lambda/${s.name}`;
    for (const a of ["logs:CreateLogStream", "logs:PutLogEvents"]) {
      add("Lambda log delivery", a, logStreams(groupArn(m, group), "2026/01/01/[$LATEST]0123456789abcdef"));
    }
    if (s.tracingConfig?.mode === "Active") {
      for (const a of ["xray:PutTraceSegments", "xray:PutTelemetryRecords"])
        add("Lambda active tracing", a, "*");
    }
    if (s.durableConfig) {
      for (const a of ["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"]) {
        add(
          "durable execution SDK checkpoints",
          a,
          durableExecutionArn({ arn: s.arn, version: String(s.version ?? "1") }),
        );
      }
    }
    for (const esm of m.resources.filter(
      (r) => r.type === "aws:lambda/eventSourceMapping:EventSourceMapping" && r.state.functionName === s.arn,
    )) {
      const source = String(esm.state.eventSourceArn);
      if (source.startsWith("arn:aws:sqs:")) {
        for (const a of ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]) {
          add("Lambda SQS event source mapping", a, source);
        }
      }
    }
  }
  if (p.kind === "ecs-execution") {
    const containers = JSON.parse(String(s.containerDefinitions)) as any[];
    add("ECS image pull", "ecr:GetAuthorizationToken", "*");
    for (const c of containers) {
      const repo = repoArnOf(m, String(c.image));
      if (repo) {
        for (const a of ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]) add("ECS image pull", a, repo);
      }
      const group = c.logConfiguration?.options?.["awslogs-group"];
      if (group) {
        for (const a of ["logs:CreateLogStream", "logs:PutLogEvents"]) {
          add("ECS awslogs driver", a, logStreams(groupArn(m, group), `ecs/${c.name}/0123456789abcdef`));
        }
      }
      for (const secret of c.secrets ?? []) {
        add("ECS container secrets", "ssm:GetParameters", String(secret.valueFrom));
        const param = m.resources.find(
          (r) => r.type === "aws:ssm/parameter:Parameter" && r.state.arn === secret.valueFrom,
        );
        const keyId = param?.state.keyId;
        // The AWS managed key (alias/aws/ssm) needs no kms grant; a customer key does.
        if (param?.state.type === "SecureString" && keyId && keyId !== "alias/aws/ssm") {
          add("ECS container secrets (SecureString, customer key)", "kms:Decrypt", String(keyId));
        }
      }
    }
  }
  if (p.kind === "agentcore-runtime") {
    const image = s.agentRuntimeArtifact?.containerConfiguration?.containerUri;
    const repo = image ? repoArnOf(m, String(image)) : undefined;
    add("AgentCore image pull", "ecr:GetAuthorizationToken", "*");
    if (repo)
      for (const a of ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"])
        add("AgentCore image pull", a, repo);
    const group = groupArn(m, `/aws/bedrock-agentcore/runtimes/${s.agentRuntimeId}-DEFAULT`);
    for (const a of ["logs:CreateLogGroup", "logs:DescribeLogStreams"])
      add("AgentCore runtime logs", a, group);
    for (const a of ["logs:CreateLogStream", "logs:PutLogEvents"]) {
      add("AgentCore runtime logs", a, logStreams(group, "2026/01/01/[runtime-logs]0123456789abcdef"));
    }
    // DescribeLogGroups has no resource type in IAM's data: the request's resource is "*".
    add("AgentCore runtime logs", "logs:DescribeLogGroups", "*");
  }
  return out;
}

/**
 * Service principals that call into the stack through resource policies: API Gateway invoking a function
 * (its `aws.lambda.Permission`s, for every route that integrates it) and EventBridge writing to a log group
 * (the account's log resource policies, for every rule that targets the group).
 */
export function resourcePolicyRequests(m: StackModel): { holder: string; requests: IamRequest[] }[] {
  const of = (type: string) => m.resources.filter((r) => r.type === type);
  const out: { holder: string; requests: IamRequest[] }[] = [];
  const permissions = of("aws:lambda/permission:Permission");
  const apis = of("aws:apigatewayv2/api:Api");
  const stages = of("aws:apigatewayv2/stage:Stage");
  for (const fn of of("aws:lambda/function:Function")) {
    const name = String(fn.state.name);
    const perms = permissions.filter((x) => x.state.function === name || x.state.function === fn.state.arn);
    const integrations = of("aws:apigatewayv2/integration:Integration").filter(
      (i) => i.state.integrationUri === fn.state.invokeArn || i.state.integrationUri === fn.state.arn,
    );
    if (integrations.length === 0) continue;
    const policy = {
      Version: "2012-10-17",
      Statement: perms.map((x, i) => ({
        Sid: x.name || `p${i}`,
        Effect: "Allow",
        Principal: { Service: x.state.principal },
        Action: x.state.action,
        Resource: fn.state.arn,
        ...(x.state.sourceArn ? { Condition: { ArnLike: { "AWS:SourceArn": x.state.sourceArn } } } : {}),
      })),
    };
    const requests: IamRequest[] = [];
    for (const integ of integrations) {
      const api = apis.find((a) => String(a.state.executionArn).endsWith(`:${String(integ.state.apiId)}`));
      const execArn = String(api?.state.executionArn ?? "");
      const stage = stages.find((st) => st.state.apiId === integ.state.apiId)?.state.name ?? "$default";
      // The mocks give an Integration the id `<logical name>-id`, which the routes' targets interpolate.
      const integId = integ.state.id ?? `${integ.name}-id`;
      for (const route of of("aws:apigatewayv2/route:Route").filter(
        (rt) => rt.state.target === `integrations/${integId}`,
      )) {
        const [method, routePath] = String(route.state.routeKey).split(" ");
        const pathPart = (routePath ?? "").replace(/\{[^}]+\}/g, "x").replace(/^\//, "");
        requests.push({
          action: "lambda:InvokeFunction",
          resource: String(fn.state.arn),
          context: {
            "aws:SourceArn": `${execArn}/${stage}/${method === "$default" ? "GET" : method}/${pathPart}`,
          },
          source: `API Gateway route ${route.state.routeKey}`,
          principal: "apigateway.amazonaws.com",
          resourcePolicy: policy,
        });
      }
    }
    out.push({ holder: `function ${name} (invoke permissions)`, requests });
  }
  const logPolicies = of("aws:cloudwatch/logResourcePolicy:LogResourcePolicy");
  for (const target of of("aws:cloudwatch/eventTarget:EventTarget")) {
    // The target's `arn` input (the mocks' generic computed `arn` would shadow it in the state).
    const arn = String(target.inputs.arn);
    if (!arn.startsWith("arn:aws:logs:")) continue;
    const rule = of("aws:cloudwatch/eventRule:EventRule").find((r) => r.state.name === target.state.rule);
    const statements = logPolicies.flatMap((lp) => JSON.parse(String(lp.state.policyDocument)).Statement);
    const requests = ["logs:CreateLogStream", "logs:PutLogEvents"].map((action) => ({
      action,
      resource: logStreams(arn, "0123456789abcdef"),
      context: { "aws:SourceArn": String(rule?.state.arn ?? ""), "aws:SourceAccount": m.account },
      source: `EventBridge rule ${String(target.state.rule)} → CloudWatch Logs`,
      principal: "events.amazonaws.com",
      resourcePolicy: { Version: "2012-10-17", Statement: statements },
    }));
    out.push({ holder: `log group ${arn.split(":log-group:")[1]} (log resource policy)`, requests });
  }
  return out;
}
