import * as assert from "node:assert/strict";
import fc from "fast-check";
import { NAME_RULES, NameKind, Names, SYSTEMS, checkStackName, defaultTags, fitName } from "../lib/naming";

describe("naming", () => {
  it("follows the seed systems' Terraform names per stack", () => {
    const cases: [string, string][] = [
      [new Names("playground", "dev").prefix, "aimodelshare-playground-dev"],
      [new Names("playground", "prod").name("lambda", "api"), "aimodelshare-playground-prod-api"],
      [
        new Names("playground", "stage").custom("dynamodbTable", "PlaygroundScores-stage"),
        "PlaygroundScores-stage",
      ],
      [new Names("tamma", "dev").name("s3Bucket", "raw"), "tamma-dev-raw"],
      [new Names("tamma", "dev").name("ecsCluster", "cluster"), "tamma-dev-cluster"],
      [new Names("tamma", "prod").queue("jobs", true), "tamma-prod-jobs.fifo"],
      [new Names("tamma", "prod").queue("jobs-dlq", false), "tamma-prod-jobs-dlq"],
      [new Names("agents", "dev").name("dynamodbTable", "workflows"), "agent-orchestration-dev-workflows"],
      [Names.lambdaLogGroup("tamma-dev-trigger-clean"), "/aws/lambda/tamma-dev-trigger-clean"],
    ];
    for (const [got, want] of cases) assert.equal(got, want);
  });

  it("rejects stack names that cannot be part of a physical name", () => {
    assert.throws(() => checkStackName("Prod"), /stack name "Prod" must be 1-20 characters of lowercase/);
    assert.throws(() => checkStackName("a".repeat(21)), /1-20 characters/);
    assert.throws(() => new Names("tamma", "my_stack"), /stack name "my_stack"/);
    assert.equal(checkStackName("review-42"), "review-42");
  });

  it("shortens long names with a hash, within the limit", () => {
    const long = new Names("agents", "review-pr-1234").name("lambda", "controller", "x".repeat(60));
    assert.equal(long.length, 64);
    assert.match(long, /^agent-orchestration-review-pr-1234-controller-x+-[0-9a-f]{8}$/);
    assert.throws(() => fitName("s3Bucket", "Upper-Case"), /not a valid s3Bucket name/);
  });

  it("never exceeds a limit and never maps two names to one (property)", () => {
    const kinds = Object.keys(NAME_RULES).filter((k) => k !== "agentRuntime") as NameKind[];
    const part = fc.stringMatching(/^[a-z0-9]{1,40}(-[a-z0-9]{1,40}){0,3}$/);
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.constantFrom(...SYSTEMS),
        part,
        part,
        (kind, system, a, b) => {
          const names = new Names(system, "dev");
          const na = names.name(kind, a);
          const nb = names.name(kind, b);
          assert.ok(na.length <= NAME_RULES[kind].max);
          assert.ok(NAME_RULES[kind].pattern.test(na));
          if (a !== b) assert.notEqual(na, nb);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("tags every resource with project, stack, system and managed-by", () => {
    assert.deepEqual(defaultTags("ai-platform", "dev", "tamma"), {
      project: "ai-platform",
      stack: "dev",
      system: "tamma",
      "managed-by": "pulumi",
    });
  });
});
