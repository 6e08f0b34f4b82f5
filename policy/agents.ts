/**
 * Policy rules from the durable agent orchestration system (appended to `allRules`):
 *
 * - `lambda-durable-invoked-by-alias`: a durable function (durableConfig) publishes versions and has an alias,
 *   because a durable execution can only be started through a qualified ARN.
 * - `events-logs-resource-policy`: an EventBridge target that is a CloudWatch log group is covered by a log
 *   resource policy that lets events.amazonaws.com write to it (without one, nothing is ever delivered).
 */
import * as aws from "@pulumi/aws";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Props = Record<string, any>;

/** Parses a policy document given as JSON text or an object (no import from rules.ts: it imports this file). */
function parseDocument(doc: unknown): { Statement?: any } | undefined {
  if (typeof doc === "string") {
    try {
      return JSON.parse(doc);
    } catch {
      return undefined;
    }
  }
  return typeof doc === "object" && doc !== null ? (doc as { Statement?: any }) : undefined;
}

/** Pure: problems of a durable function given the aliases in the stack (empty when fine). */
export function durableFunctionProblems(fn: Props, aliases: Props[]): string[] {
  if (!fn.durableConfig) return [];
  const problems: string[] = [];
  if (fn.publish !== true) problems.push("does not publish versions (publish: true)");
  if (fn.name !== undefined && !aliases.some((a) => a.functionName === fn.name))
    problems.push("has no alias to start executions through");
  return problems;
}

/** Pure: the log group name of a `arn:aws:logs:<r>:<a>:log-group:<name>[:*]` ARN, else undefined. */
export function logGroupOfArn(arn: unknown): string | undefined {
  if (typeof arn !== "string") return undefined;
  const m = /^arn:aws[a-z-]*:logs:[^:]*:\d*:log-group:([^:]+)(:\*)?$/.exec(arn);
  return m?.[1];
}

/** Pure: whether a log resource policy document lets EventBridge write to the named log group. */
export function allowsEventsToWrite(policyDocument: unknown, logGroup: string): boolean {
  const doc = parseDocument(policyDocument);
  const statements = doc?.Statement ? (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) : [];
  return statements.some((s: Props) => {
    if (s?.Effect !== "Allow") return false;
    const services = [s.Principal?.Service ?? []].flat();
    const actions = [s.Action ?? []].flat();
    const resources = [s.Resource ?? []].flat();
    return (
      services.includes("events.amazonaws.com") &&
      actions.includes("logs:PutLogEvents") &&
      actions.includes("logs:CreateLogStream") &&
      resources.some((r: unknown) => typeof r === "string" && (logGroupOfArn(r) === logGroup || r === "*"))
    );
  });
}

export const durableInvokedByAlias: StackValidationPolicy = {
  name: "lambda-durable-invoked-by-alias",
  description:
    "A durable Lambda function publishes versions and has an alias (durable executions need a qualified ARN).",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const aliases = args.resources.filter((r) => r.isType(aws.lambda.Alias)).map((r) => r.props);
    for (const fn of args.resources.filter((r) => r.isType(aws.lambda.Function))) {
      const problems = durableFunctionProblems(fn.props, aliases);
      if (problems.length) report(`Durable Lambda "${fn.name}" ${problems.join(" and ")}.`, fn.urn);
    }
  },
};

export const eventsLogsResourcePolicy: StackValidationPolicy = {
  name: "events-logs-resource-policy",
  description:
    "An EventBridge target that is a log group has a log resource policy letting EventBridge write to it.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const policies: PolicyResource[] = args.resources.filter((r) =>
      r.isType(aws.cloudwatch.LogResourcePolicy),
    );
    for (const target of args.resources.filter((r) => r.isType(aws.cloudwatch.EventTarget))) {
      const group = logGroupOfArn(target.props.arn);
      if (!group) continue; // not a log group, or unknown during preview
      if (!policies.some((p) => allowsEventsToWrite(p.props.policyDocument, group)))
        report(
          `EventBridge target "${target.name}" writes to log group ${group}, but no log resource policy lets events.amazonaws.com write there.`,
          target.urn,
        );
    }
  },
};

export const agentsRules = [durableInvokedByAlias, eventsLogsResourcePolicy];
