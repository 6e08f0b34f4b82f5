/**
 * The exact IAM statements of the three functions (pure, so tests can compare them action by action).
 * Each function gets only the actions its code calls, on the narrowest resources they touch.
 */
import * as pulumi from "@pulumi/pulumi";
import { Statement } from "../../lib/aws";

export interface IamTargets {
  tableArn: pulumi.Input<string>;
  bucketArn: pulumi.Input<string>;
  /** `arn:aws:lambda:<region>:<account>:function:<controller>` (unqualified). */
  controllerArn: pulumi.Input<string>;
  /** The alias the API starts executions through. */
  controllerAliasArn: pulumi.Input<string>;
  agentRuntimeArns: pulumi.Input<string>[];
  /** `arn:aws:events:<region>:<account>:event-bus/default`. */
  eventBusArn: pulumi.Input<string>;
}

/** Durable executions are sub-resources of a function version: `function:<name>:<version>/durable-execution/...`. */
const executions = (controllerArn: pulumi.Input<string>) => pulumi.interpolate`${controllerArn}:*`;

/** The durable controller: checkpoints, the workflow item, artifacts in and the report out, events, agents. */
export function controllerStatements(t: IamTargets): Statement[] {
  return [
    {
      Sid: "DurableExecution",
      Effect: "Allow",
      Action: ["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"],
      Resource: executions(t.controllerArn),
    },
    {
      Sid: "AgentCoreInvocation",
      Effect: "Allow",
      Action: ["bedrock-agentcore:InvokeAgentRuntime"],
      Resource: t.agentRuntimeArns.flatMap((arn) => [arn, pulumi.interpolate`${arn}/*`]),
    },
    {
      // Conditional updates only: the controller's state is its checkpoints, it never reads the item back.
      Sid: "WorkflowItem",
      Effect: "Allow",
      Action: ["dynamodb:UpdateItem"],
      Resource: t.tableArn,
    },
    {
      // CopyObject of a large report delivered by reference reads its source here.
      Sid: "ReadArtifacts",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: pulumi.interpolate`${t.bucketArn}/artifacts/*`,
    },
    {
      Sid: "WriteReports",
      Effect: "Allow",
      Action: ["s3:PutObject"],
      Resource: pulumi.interpolate`${t.bucketArn}/reports/*`,
    },
    { Sid: "WorkflowEvents", Effect: "Allow", Action: ["events:PutEvents"], Resource: t.eventBusArn },
  ];
}

/** The API: create/read/list items, start executions through the alias, complete the approval, presign reports. */
export function apiStatements(t: IamTargets): Statement[] {
  return [
    {
      Sid: "WorkflowItems",
      Effect: "Allow",
      Action: ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem"],
      Resource: t.tableArn,
    },
    {
      Sid: "ListByStatus",
      Effect: "Allow",
      Action: ["dynamodb:Query"],
      Resource: pulumi.interpolate`${t.tableArn}/index/status-created-index`,
    },
    {
      Sid: "StartWorkflow",
      Effect: "Allow",
      Action: ["lambda:InvokeFunction"],
      Resource: t.controllerAliasArn,
    },
    {
      // The API only ever completes the approval callback with a decision (approved or not): never a failure.
      Sid: "CompleteApproval",
      Effect: "Allow",
      Action: ["lambda:SendDurableExecutionCallbackSuccess"],
      Resource: executions(t.controllerArn),
    },
    {
      Sid: "PresignReports",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: pulumi.interpolate`${t.bucketArn}/reports/*`,
    },
  ];
}

/** The callback: read the item and mark callbacks accepted, store large results, complete agent callbacks. */
export function callbackStatements(t: IamTargets): Statement[] {
  return [
    {
      Sid: "WorkflowItem",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      Resource: t.tableArn,
    },
    {
      Sid: "StoreLargeResults",
      Effect: "Allow",
      Action: ["s3:PutObject"],
      Resource: pulumi.interpolate`${t.bucketArn}/artifacts/*`,
    },
    {
      Sid: "CompleteAgentCallbacks",
      Effect: "Allow",
      Action: ["lambda:SendDurableExecutionCallbackSuccess", "lambda:SendDurableExecutionCallbackFailure"],
      Resource: executions(t.controllerArn),
    },
  ];
}

/** Pure: the durable execution timeout covering every phase at its limit plus an hour of slack, in seconds. */
export function executionTimeoutSeconds(approvalTimeoutHours: number): number {
  return (4 + 2 + approvalTimeoutHours + 1 + 1) * 3600;
}
