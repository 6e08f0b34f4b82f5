import { strict as assert } from "assert";
import { changedNames, diagnostics, nameOf, parseEvents, stepsByName, summaryOf, violations } from "./events";

const urn = (type: string, name: string) => `urn:pulumi:s::p::${type}::${name}`;
const step = (op: string, type: string, name: string) =>
  JSON.stringify({ resOutputsEvent: { metadata: { op, urn: urn(type, name), type } } });

describe("engine events (the CLI's --json lines)", () => {
  it("parses one event per line, skipping blank lines", () => {
    const events = parseEvents(`${step("create", "t:a:A", "a")}\n\n${step("same", "t:b:B", "b")}\n`);
    assert.equal(events.length, 2);
  });

  it("names the line that is not JSON", () => {
    assert.throws(
      () => parseEvents(`${step("create", "t:a:A", "a")}\nwarning: oops`),
      /line 2 .*not JSON: warning/,
    );
    assert.throws(() => parseEvents("[1]"), /line 1 .*not an event object/);
  });

  it("groups completed steps by resource name and keeps only the changed ones", () => {
    const events = parseEvents(
      [
        step("same", "pulumi:pulumi:Stack", "p-s"),
        step("create-replacement", "t:x:Source", "src"),
        step("replace", "t:x:Source", "src"),
        step("update", "t:x:Limit", "lim"),
        step("delete-replaced", "t:x:Source", "src"),
      ].join("\n"),
    );
    assert.deepEqual(stepsByName(events)["src"], ["create-replacement", "replace", "delete-replaced"]);
    assert.deepEqual(changedNames(events), {
      src: ["create-replacement", "replace", "delete-replaced"],
      lim: ["update"],
    });
  });

  it("reads the summary, diagnostics and policy violations", () => {
    const events = parseEvents(
      [
        JSON.stringify({ diagnosticEvent: { message: "boom\n", severity: "error" } }),
        JSON.stringify({ diagnosticEvent: { message: "fyi\n", severity: "info" } }),
        JSON.stringify({
          policyEvent: {
            resourceUrn: urn("aws:s3/bucket:Bucket", "b"),
            message: "m",
            policyName: "s3-bucket-encryption",
            policyPackName: "ai-platform",
            enforcementLevel: "mandatory",
          },
        }),
        JSON.stringify({ summaryEvent: { resourceChanges: { create: 2 }, result: "failed" } }),
      ].join("\n"),
    );
    assert.deepEqual(summaryOf(events), { changes: { create: 2 }, result: "failed" });
    assert.deepEqual(diagnostics(events, "error"), ["boom\n"]);
    assert.deepEqual(violations(events), ["s3-bucket-encryption b"]);
    assert.throws(() => summaryOf([]), /no summary event/);
    assert.equal(nameOf(urn("a:b:C", "n-1")), "n-1");
  });
});
