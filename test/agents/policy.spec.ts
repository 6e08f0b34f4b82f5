/** The agents system's policy rules, each with a passing and a failing fixture. */
import * as assert from "node:assert/strict";
import { ResourceLike, evaluatePolicies } from "../../policy/evaluate";
import {
  allowsEventsToWrite,
  durableFunctionProblems,
  durableInvokedByAlias,
  eventsLogsResourcePolicy,
  logGroupOfArn,
} from "../../policy/agents";
import { allRules } from "../../policy/rules";

const res = (type: string, name: string, inputs: Record<string, unknown>): ResourceLike => ({
  urn: `urn:pulumi:dev::ai-platform::${type}::${name}`,
  type,
  name,
  inputs,
});

const durable = (inputs: Record<string, unknown> = {}) =>
  res("aws:lambda/function:Function", "ctl", {
    name: "ctl",
    durableConfig: { executionTimeout: 3600, retentionPeriod: 7 },
    publish: true,
    ...inputs,
  });
const alias = res("aws:lambda/alias:Alias", "ctl-live", {
  name: "live",
  functionName: "ctl",
  functionVersion: "1",
});

const GROUP_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/x";
const target = res("aws:cloudwatch/eventTarget:EventTarget", "t", { rule: "r", arn: GROUP_ARN });
const logPolicy = (principal: string, resource = `${GROUP_ARN}:*`) =>
  res("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "p", {
    policyName: "p",
    policyDocument: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: [principal] },
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: resource,
        },
      ],
    }),
  });

describe("agents: policy rules", () => {
  it("are part of allRules", () => {
    assert.ok(allRules.includes(durableInvokedByAlias));
    assert.ok(allRules.includes(eventsLogsResourcePolicy));
  });

  it("lambda-durable-invoked-by-alias passes a published, aliased durable function", () => {
    assert.deepEqual(evaluatePolicies([durable(), alias], [durableInvokedByAlias]), []);
    assert.deepEqual(
      durableFunctionProblems({ name: "plain" }, []),
      [],
      "non-durable functions are not concerned",
    );
  });

  it("lambda-durable-invoked-by-alias fails an unpublished or unaliased durable function", () => {
    const f = evaluatePolicies([durable({ publish: false })], [durableInvokedByAlias]);
    assert.equal(f.length, 1);
    assert.match(
      f[0].message,
      /Durable Lambda "ctl" does not publish versions \(publish: true\) and has no alias/,
    );
  });

  it("events-logs-resource-policy passes a log target covered by a policy for events.amazonaws.com", () => {
    assert.deepEqual(
      evaluatePolicies([target, logPolicy("events.amazonaws.com")], [eventsLogsResourcePolicy]),
      [],
    );
  });

  it("events-logs-resource-policy fails a log target without such a policy (the seed's bug)", () => {
    for (const resources of [
      [target],
      [target, logPolicy("lambda.amazonaws.com")],
      [target, logPolicy("events.amazonaws.com", "arn:aws:logs:us-east-1:1:log-group:/other:*")],
    ]) {
      const f = evaluatePolicies(resources, [eventsLogsResourcePolicy]);
      assert.equal(f.length, 1);
      assert.match(f[0].message, /log group \/aws\/events\/x, but no log resource policy/);
    }
  });

  it("predicates: log group ARNs and policy documents", () => {
    assert.equal(logGroupOfArn(GROUP_ARN), "/aws/events/x");
    assert.equal(logGroupOfArn(`${GROUP_ARN}:*`), "/aws/events/x");
    assert.equal(logGroupOfArn("arn:aws:sqs:us-east-1:1:q"), undefined);
    assert.equal(logGroupOfArn(undefined), undefined);
    assert.ok(!allowsEventsToWrite("not json", "/aws/events/x"));
  });
});
