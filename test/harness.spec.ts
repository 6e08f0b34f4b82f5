import * as assert from "node:assert/strict";
import { awsProvider } from "../lib/aws";
import { FixtureSystem } from "./fixtures/system";
import { installMocks, promiseOf, recorder, settle } from "./harness/mocks";

describe("test harness", () => {
  it("records type, name, inputs, parent, provider and options of every registration", async () => {
    await installMocks("dev");
    const provider = awsProvider("playground", { project: "ai-platform", stack: "dev", region: "us-east-1" });
    const sys = new FixtureSystem("fx", { protect: true }, { providers: [provider] });
    assert.equal(await promiseOf(sys.bucket.arn), "arn:aws:s3:::fixture-fx");
    await settle();

    const component = recorder.byName("fx", "ai-platform:test:FixtureSystem");
    assert.equal(component.custom, false);
    const bucket = recorder.byName("fx-bucket", "aws:s3/bucket:Bucket");
    assert.equal(bucket.parent, component.urn);
    assert.equal(bucket.protect, true);
    assert.match(bucket.provider ?? "", /pulumi:providers:aws::aws-playground::/);
    assert.equal(bucket.inputs.bucket, "fixture-fx");

    const sse = recorder.byName("fx-bucket-sse");
    assert.deepEqual(sse.propertyDependencies.bucket, [bucket.urn]);
    const fn = recorder.byName("fx-fn", "aws:lambda/function:Function");
    assert.equal(fn.parent, component.urn);
    assert.equal(await promiseOf(sys.fnArn), "arn:aws:lambda:us-east-1:123456789012:function:fixture-fx-fn");
  });

  it("gives each run a fresh recorder, so specs never see each other's resources", async () => {
    await installMocks("dev");
    new FixtureSystem("one", {});
    await settle();
    const first = recorder.resources.length;
    await installMocks("prod");
    assert.equal(recorder.resources.length, 0);
    new FixtureSystem("two", {});
    await settle();
    assert.equal(recorder.resources.length, first);
    assert.ok(recorder.resources.every((r) => r.urn.startsWith("urn:pulumi:prod::ai-platform::")));
  });

  it("answers the invokes components use and fails loudly on unknown ones", async () => {
    await installMocks("dev");
    const aws = await import("@pulumi/aws");
    const id = await aws.getCallerIdentity();
    assert.equal(id.accountId, "123456789012");
    await assert.rejects(aws.ec2.getVpc({ default: true }));
    assert.deepEqual(
      recorder.calls.map((c) => c.token),
      ["aws:index/getCallerIdentity:getCallerIdentity", "aws:ec2/getVpc:getVpc"],
    );
  });
});
