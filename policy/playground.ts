/**
 * Policy rules the AI Model Share playground adds. They look only at resources inside a ModelSharePlayground
 * component (other systems keep their own rules). Each predicate is a pure function with its own tests;
 * values unknown during a real preview are skipped, never guessed.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped */
type Props = Record<string, any>;

export const PLAYGROUND_TYPE = "ai-platform:playground:ModelSharePlayground";

/** Problems of an HTTP API stage: access logging and throttling must be set. */
export function stageProblems(p: Props): string[] {
  const out: string[] = [];
  const logs = p.accessLogSettings;
  // destinationArn is a computed ARN, unknown during a real preview: only its presence as a key is checked.
  if (!logs || !("destinationArn" in logs) || !logs.format)
    out.push("has no access logging (accessLogSettings.destinationArn and format)");
  const r = p.defaultRouteSettings;
  if (!(Number(r?.throttlingBurstLimit) > 0) || !(Number(r?.throttlingRateLimit) > 0))
    out.push("has no throttling (defaultRouteSettings.throttlingBurstLimit and throttlingRateLimit)");
  if (p.autoDeploy !== true) out.push("does not auto-deploy");
  return out;
}

/** Problems of a policy document of the playground's function: no Scan, no DynamoDB action on "*". */
export function dynamodbGrantProblems(doc: unknown): string[] {
  let parsed: any = doc;
  if (typeof doc === "string") {
    try {
      parsed = JSON.parse(doc);
    } catch {
      return [];
    }
  }
  if (!parsed || typeof parsed !== "object" || !parsed.Statement) return [];
  const out: string[] = [];
  const statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  for (const s of statements) {
    if (s?.Effect !== "Allow") continue;
    const actions: unknown[] = Array.isArray(s.Action) ? s.Action : [s.Action];
    const resources: unknown[] = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
    const ddb = actions.filter(
      (a): a is string => typeof a === "string" && a.toLowerCase().startsWith("dynamodb:"),
    );
    if (ddb.some((a) => a.toLowerCase() === "dynamodb:scan"))
      out.push("grants dynamodb:Scan (the API never scans)");
    if (ddb.length && resources.some((r) => typeof r === "string" && !r.startsWith("arn:aws:dynamodb:")))
      out.push(`grants ${ddb.join(", ")} beyond DynamoDB table ARNs (${resources.join(", ")})`);
  }
  return out;
}

/** Problems of the playground table: deletion protection without point-in-time recovery. */
export function tableProblems(p: Props): string[] {
  if (p.deletionProtectionEnabled === true && p.pointInTimeRecovery?.enabled !== true)
    return ["has deletion protection but no point-in-time recovery: protected data must also be restorable"];
  return [];
}

/** Problems of a Lambda permission for API Gateway: it must be scoped to an execute-api ARN. */
export function permissionProblems(p: Props): string[] {
  if (p.principal !== "apigateway.amazonaws.com") return [];
  const arn = p.sourceArn;
  if (!("sourceArn" in p))
    return ["lets any API Gateway API in any account invoke the function (no sourceArn)"];
  if (arn === undefined) return []; // computed from the API's ARN: unknown during a real preview
  if (
    typeof arn !== "string" ||
    !/^arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:[A-Za-z0-9-]+\/[^*]/.test(arn)
  )
    return [`sourceArn ${String(arn)} is not scoped to one API's stage`];
  return [];
}

function underPlayground(r: PolicyResource): boolean {
  return (r as PolicyResource & { parent?: PolicyResource }).parent?.type === PLAYGROUND_TYPE;
}

function stackRule(
  name: string,
  description: string,
  type: string,
  check: (props: Props) => string[],
): StackValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      for (const r of args.resources) {
        if (r.type !== type || !underPlayground(r)) continue;
        for (const problem of check(r.props))
          report(`${type.split(":").pop()} "${r.name}" ${problem}.`, r.urn);
      }
    },
  };
}

export const playgroundStageLoggedAndThrottled = stackRule(
  "playground-stage-logged-and-throttled",
  "The playground's HTTP API stage auto-deploys, writes access logs and has throttling limits.",
  "aws:apigatewayv2/stage:Stage",
  stageProblems,
);

export const playgroundNoScanGrants = stackRule(
  "playground-least-privilege-dynamodb",
  "The playground function's policy grants no dynamodb:Scan and DynamoDB actions only on table ARNs.",
  "aws:iam/rolePolicy:RolePolicy",
  (p) => dynamodbGrantProblems(p.policy),
);

export const playgroundTableRestorable = stackRule(
  "playground-table-restorable",
  "A playground table with deletion protection also has point-in-time recovery.",
  "aws:dynamodb/table:Table",
  tableProblems,
);

export const playgroundInvokeScoped = stackRule(
  "playground-invoke-permission-scoped",
  "API Gateway may invoke the playground function only from the playground API's own stage.",
  "aws:lambda/permission:Permission",
  permissionProblems,
);

export const playgroundRules = [
  playgroundStageLoggedAndThrottled,
  playgroundNoScanGrants,
  playgroundTableRestorable,
  playgroundInvokeScoped,
];
