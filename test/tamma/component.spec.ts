import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { GPU_AMI_PARAMETER, ECS_INSTANCE_POLICY_ARN, gpuUserData } from "../../components/tamma/gpu";
import { TammaPipeline, normalizeTammaArgs } from "../../components/tamma";
import { awsProvider } from "../../lib/aws";
import { evaluatePolicies } from "../../policy/evaluate";
import { allRules } from "../../policy/rules";
import { MOCK_ACCOUNT, RecordedResource, installMocks, promiseOf, recorder, settle } from "../harness/mocks";
import { ProgramRun, onlySystem, runProgram } from "../harness/program";

const R = "us-east-1";
const A = MOCK_ACCOUNT;
/** Pulumi's marker of a secret value in serialized properties. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

interface Expect {
  queueType: "fifo" | "standard";
  nat: "Single" | "OnePerAz";
  endpoints: boolean;
  strategy: { capacityProvider: string; weight: number; base: number }[];
  cpu: string;
  memory: string;
  batchSize: number;
  window?: number;
  timeout: number;
  gpuMax?: number;
  origins: string[];
  retention: number;
}

const STACKS: Record<string, Expect> = {
  dev: {
    queueType: "standard",
    nat: "Single",
    endpoints: false,
    strategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1, base: 0 }],
    cpu: "1024",
    memory: "2048",
    batchSize: 10,
    window: 5,
    timeout: 30,
    origins: ["http://localhost:3000"],
    retention: 7,
  },
  stage: {
    queueType: "fifo",
    nat: "Single",
    endpoints: true,
    strategy: [
      { capacityProvider: "FARGATE", weight: 1, base: 1 },
      { capacityProvider: "FARGATE_SPOT", weight: 3, base: 0 },
    ],
    cpu: "1024",
    memory: "2048",
    batchSize: 5,
    timeout: 30,
    gpuMax: 1,
    origins: ["https://tamma.infuseailabs.com", "http://localhost:3000"],
    retention: 14,
  },
  prod: {
    queueType: "fifo",
    nat: "OnePerAz",
    endpoints: true,
    strategy: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }],
    cpu: "2048",
    memory: "4096",
    batchSize: 10,
    timeout: 60,
    gpuMax: 4,
    origins: ["https://tamma.infuseailabs.com"],
    retention: 90,
  },
};

const doc = (r: RecordedResource, field = "policy") => JSON.parse(r.inputs[field]);

for (const [stack, want] of Object.entries(STACKS)) {
  describe(`TammaPipeline in stack ${stack} (under mocks)`, () => {
    let run: ProgramRun;
    const one = (type: string) => {
      const found = run.resources.filter((r) => r.type === type);
      assert.equal(found.length, 1, `exactly one ${type}, found ${found.length}`);
      return found[0];
    };
    const byName = (name: string) => {
      const found = run.resources.filter((r) => r.name === name);
      assert.equal(found.length, 1, `one resource named ${name}`);
      return found[0];
    };
    const fifo = want.queueType === "fifo" ? ".fifo" : "";

    before(async function () {
      this.timeout(60_000);
      run = onlySystem(await runProgram(stack), "tamma");
    });

    it("registers one component with the type token, every child under it through the tagged provider", () => {
      const component = one("ai-platform:tamma:TammaPipeline");
      const children = run.resources.filter((r) => r.parent === component.urn);
      assert.ok(children.length > 30);
      for (const r of run.resources.filter((x) => x.type.startsWith("aws:")))
        assert.match(r.provider ?? "", /::aws-tamma::/, `${r.name} uses the tamma provider`);
      for (const r of children) assert.match(r.name, /^tamma-/);
    });

    it("names every resource after the seed (tamma-<stack>-...)", () => {
      assert.equal(byName("tamma-raw").inputs.bucket, `tamma-${stack}-raw`);
      assert.equal(byName("tamma-derived").inputs.bucket, `tamma-${stack}-derived`);
      assert.equal(byName("tamma-jobs").inputs.name, `tamma-${stack}-jobs${fifo}`);
      assert.equal(byName("tamma-jobs-dlq").inputs.name, `tamma-${stack}-jobs-dlq${fifo}`);
      assert.equal(one("aws:ecs/cluster:Cluster").inputs.name, `tamma-${stack}-cluster`);
      assert.equal(one("aws:ecr/repository:Repository").inputs.name, `tamma-${stack}-audio-clean`);
      assert.equal(byName("tamma-task").inputs.family, `tamma-${stack}-audio-clean`);
      assert.equal(one("aws:lambda/function:Function").inputs.name, `tamma-${stack}-trigger-clean`);
      assert.equal(byName("tamma-execution-role").inputs.name, `tamma-${stack}-ecs-task-execution-role`);
      assert.equal(byName("tamma-task-role").inputs.name, `tamma-${stack}-ecs-task-role`);
      assert.equal(one("aws:iam/user:User").inputs.name, `tamma-${stack}-presign`);
      assert.deepEqual(
        run.resources
          .filter((r) => r.type === "aws:ssm/parameter:Parameter")
          .map((r) => [r.inputs.name, r.inputs.type]),
        [
          [`/tamma/${stack}/supabase_url`, "String"],
          [`/tamma/${stack}/supabase_service_key`, "SecureString"],
        ],
      );
      assert.deepEqual(byName("tamma-worker-logs").inputs, {
        name: `/ecs/tamma-${stack}-audio-clean`,
        retentionInDays: want.retention,
      });
    });

    it(`builds the VPC through awsx with the seed's CIDRs and ${want.nat} NAT`, () => {
      const vpc = one("awsx:ec2:Vpc");
      assert.equal(vpc.inputs.cidrBlock, "10.0.0.0/16");
      assert.equal(vpc.inputs.numberOfAvailabilityZones, 3);
      assert.deepEqual(vpc.inputs.natGateways, { strategy: want.nat });
      assert.deepEqual(vpc.inputs.subnetSpecs, [
        { type: "Private", name: "private", cidrBlocks: ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"] },
        { type: "Public", name: "public", cidrBlocks: ["10.0.100.0/24", "10.0.101.0/24", "10.0.102.0/24"] },
      ]);
      assert.equal(vpc.inputs.enableDnsHostnames, true);
      const endpoints = run.resources.filter((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint");
      const s3 = endpoints.find((e) => e.inputs.vpcEndpointType === "Gateway")!;
      assert.equal(s3.inputs.serviceName, `com.amazonaws.${R}.s3`);
      assert.equal(s3.inputs.routeTableIds.length, 6);
      const iface = endpoints.filter((e) => e.inputs.vpcEndpointType === "Interface");
      assert.deepEqual(
        iface.map((e) => e.inputs.serviceName),
        want.endpoints ? ["ecr.api", "ecr.dkr", "logs"].map((s) => `com.amazonaws.${R}.${s}`) : [],
      );
      for (const e of iface) {
        assert.deepEqual(e.inputs.subnetIds, ["subnet-priv-a", "subnet-priv-b", "subnet-priv-c"]);
        assert.equal(e.inputs.privateDnsEnabled, true);
      }
    });

    it("encrypts both buckets, blocks public access, expires raw after 30 days, allows the stack's origins", () => {
      for (const role of ["raw", "derived"]) {
        assert.equal(
          byName(`tamma-${role}-sse`).inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm,
          "AES256",
        );
        const pab = byName(`tamma-${role}-pab`).inputs;
        assert.ok(
          pab.blockPublicAcls && pab.blockPublicPolicy && pab.ignorePublicAcls && pab.restrictPublicBuckets,
        );
        const cors = byName(`tamma-${role}-cors`).inputs.corsRules[0];
        assert.deepEqual(cors.allowedOrigins, want.origins);
        assert.deepEqual(cors.allowedMethods, role === "raw" ? ["PUT"] : ["GET", "HEAD"]);
      }
      const rule = byName("tamma-raw-lifecycle").inputs.rules[0];
      assert.equal(rule.expiration.days, 30);
      assert.equal(rule.status, "Enabled");
    });

    it(`makes ${want.queueType} queues: visibility 900 s, 5 receives, 14-day DLQ, SSE, DLQ alarm`, () => {
      const jobs = byName("tamma-jobs").inputs;
      const dlq = byName("tamma-jobs-dlq").inputs;
      assert.equal(jobs.visibilityTimeoutSeconds, 900);
      assert.deepEqual(JSON.parse(jobs.redrivePolicy), {
        deadLetterTargetArn: `arn:aws:sqs:${R}:${A}:tamma-${stack}-jobs-dlq${fifo}`,
        maxReceiveCount: 5,
      });
      assert.equal(dlq.messageRetentionSeconds, 14 * 86400);
      assert.equal(jobs.sqsManagedSseEnabled, true);
      assert.equal(dlq.sqsManagedSseEnabled, true);
      for (const q of [jobs, dlq]) {
        assert.equal(q.fifoQueue, want.queueType === "fifo" ? true : undefined);
        assert.equal(q.contentBasedDeduplication, want.queueType === "fifo" ? true : undefined);
      }
      const alarm = one("aws:cloudwatch/metricAlarm:MetricAlarm").inputs;
      assert.deepEqual(
        [alarm.namespace, alarm.metricName, alarm.dimensions, alarm.threshold, alarm.comparisonOperator],
        [
          "AWS/SQS",
          "ApproximateNumberOfMessagesVisible",
          { QueueName: `tamma-${stack}-jobs-dlq${fifo}` },
          0,
          "GreaterThanThreshold",
        ],
      );
      // No topic configured: the stack's own topic, so the alarm always has an action.
      const topic = byName("tamma-alarms");
      assert.equal(topic.inputs.name, `tamma-${stack}-alarms`);
      assert.match(String(topic.state.arn), /^arn:aws:sns:/);
      assert.deepEqual(alarm.alarmActions, [topic.state.arn]);
      assert.deepEqual(alarm.okActions, alarm.alarmActions);
      const policy = JSON.parse(byName("tamma-alarms-policy").inputs.policy);
      assert.deepEqual(policy.Statement[0].Principal, { Service: "cloudwatch.amazonaws.com" });
      assert.deepEqual(policy.Statement[0].Condition, { StringEquals: { "aws:SourceAccount": A } });
    });

    it("attaches capacity providers once: FARGATE, FARGATE_SPOT and the GPU provider when enabled", () => {
      const cap = one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").inputs;
      assert.equal(cap.clusterName, `tamma-${stack}-cluster`);
      assert.deepEqual(
        cap.capacityProviders,
        want.gpuMax ? ["FARGATE", "FARGATE_SPOT", `tamma-${stack}-gpu-cp`] : ["FARGATE", "FARGATE_SPOT"],
      );
      assert.deepEqual(cap.defaultCapacityProviderStrategies, want.strategy);
      assert.deepEqual(one("aws:ecs/cluster:Cluster").inputs.settings, [
        { name: "containerInsights", value: "enabled" },
      ]);
    });

    if (want.gpuMax) {
      it("makes a GPU group that joins the cluster: SSM GPU AMI, ECS_CLUSTER user data, ECS instance policy", () => {
        const call = recorder.calls.find((c) => c.token === "aws:ssm/getParameter:getParameter");
        assert.equal(call?.inputs.name, GPU_AMI_PARAMETER);
        const lt = one("aws:ec2/launchTemplate:LaunchTemplate").inputs;
        assert.equal(lt.imageId, "ami-0mockgpu0000000");
        assert.equal(lt.instanceType, "g5.xlarge");
        assert.equal(Buffer.from(lt.userData, "base64").toString(), gpuUserData(`tamma-${stack}-cluster`));
        assert.equal(
          lt.iamInstanceProfile.arn,
          `arn:aws:iam::${A}:instance-profile/tamma-${stack}-gpu-profile`,
        );
        const asg = one("aws:autoscaling/group:Group").inputs;
        assert.deepEqual([asg.minSize, asg.desiredCapacity, asg.maxSize], [0, 0, want.gpuMax]);
        assert.deepEqual(asg.vpcZoneIdentifiers, ["subnet-priv-a", "subnet-priv-b", "subnet-priv-c"]);
        assert.equal(
          one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs.policyArn,
          ECS_INSTANCE_POLICY_ARN,
        );
        assert.equal(
          JSON.parse(byName("tamma-gpu-role").inputs.assumeRolePolicy).Statement[0].Principal.Service,
          "ec2.amazonaws.com",
        );
        const cp = one("aws:ecs/capacityProvider:CapacityProvider").inputs.autoScalingGroupProvider;
        assert.equal(cp.managedScaling.status, "ENABLED");
        assert.equal(cp.managedScaling.targetCapacity, 90);
        // Tasks on the GPU instances cannot reach the instance metadata (nor the instance role).
        assert.deepEqual(lt.metadataOptions, {
          httpTokens: "required",
          httpEndpoint: "enabled",
          httpPutResponseHopLimit: 1,
        });
        assert.match(gpuUserData("c"), /^ECS_AWSVPC_BLOCK_IMDS=true$/m);
      });

      it("has a task definition the GPU provider can place, and the trigger runs it for GPU jobs", () => {
        const gpu = byName("tamma-gpu-task").inputs;
        const fargate = byName("tamma-task").inputs;
        assert.equal(gpu.family, `tamma-${stack}-audio-clean-gpu`);
        assert.deepEqual(gpu.requiresCompatibilities, ["EC2"]);
        assert.equal(gpu.networkMode, "awsvpc");
        assert.deepEqual([gpu.cpu, gpu.memory], [fargate.cpu, fargate.memory]);
        const [c] = JSON.parse(gpu.containerDefinitions);
        assert.deepEqual(c.resourceRequirements, [{ type: "GPU", value: "1" }]);
        const [f] = JSON.parse(fargate.containerDefinitions);
        assert.deepEqual(
          { ...c, resourceRequirements: undefined },
          { ...f, resourceRequirements: undefined },
        );
        const env = one("aws:lambda/function:Function").inputs.environment.variables;
        assert.equal(
          env.GPU_TASK_DEFINITION,
          `arn:aws:ecs:${R}:${A}:task-definition/tamma-${stack}-audio-clean-gpu:1`,
        );
        assert.equal(env.GPU_CAPACITY_PROVIDER, `tamma-${stack}-gpu-cp`);
      });
    } else {
      it("creates no GPU resources when the GPU group is off", () => {
        for (const t of [
          "aws:autoscaling/group:Group",
          "aws:ec2/launchTemplate:LaunchTemplate",
          "aws:ecs/capacityProvider:CapacityProvider",
        ])
          assert.equal(run.resources.filter((r) => r.type === t).length, 0, t);
      });
    }

    it("runs the worker image by digest, with the Supabase values only as ECS secrets from SSM", () => {
      const td = byName("tamma-task").inputs;
      assert.deepEqual(
        [td.cpu, td.memory, td.networkMode, td.requiresCompatibilities],
        [want.cpu, want.memory, "awsvpc", ["FARGATE"]],
      );
      assert.equal(td.executionRoleArn, `arn:aws:iam::${A}:role/tamma-${stack}-ecs-task-execution-role`);
      assert.equal(td.taskRoleArn, `arn:aws:iam::${A}:role/tamma-${stack}-ecs-task-role`);
      const [c] = JSON.parse(td.containerDefinitions);
      assert.equal(c.name, "audio-clean");
      assert.match(
        c.image,
        new RegExp(
          `^${A}\\.dkr\\.ecr\\.${R}\\.amazonaws\\.com/tamma-${stack}-audio-clean@sha256:[0-9a-f]{64}$`,
        ),
      );
      assert.deepEqual(c.secrets, [
        { name: "SUPABASE_URL", valueFrom: `arn:aws:ssm:${R}:${A}:parameter/tamma/${stack}/supabase_url` },
        {
          name: "SUPABASE_SERVICE_KEY",
          valueFrom: `arn:aws:ssm:${R}:${A}:parameter/tamma/${stack}/supabase_service_key`,
        },
      ]);
      assert.deepEqual(
        c.environment.map((e: { name: string }) => e.name),
        ["RAW_BUCKET", "DERIVED_BUCKET", "LOG_LEVEL", "AWS_REGION"],
      );
      assert.equal(c.logConfiguration.options["awslogs-group"], `/ecs/tamma-${stack}-audio-clean`);
      const text = JSON.stringify(
        run.resources.filter((r) => r.type !== "aws:ssm/parameter:Parameter").map((r) => r.inputs),
      );
      assert.ok(
        !text.includes("test-secret-ai-platform-tammaSupabaseServiceKey"),
        "the key appears only in its SSM parameter",
      );
    });

    it("builds the image with docker-build from functions/tamma-worker and pushes it to the repository", () => {
      const image = one("docker-build:index:Image").inputs;
      assert.equal(image.push, true);
      assert.deepEqual(image.platforms, ["linux/amd64"]);
      assert.ok(image.dockerfile.location.endsWith(path.join("functions", "tamma-worker", "Dockerfile")));
      assert.ok(
        fs.existsSync(path.join(image.context.location, "index.js")),
        "the build step filled the context",
      );
      assert.match(image.tags[0], new RegExp(`/tamma-${stack}-audio-clean:worker-[0-9a-f]{16}$`));
      // The ECR password is secret, so the whole registries input arrives as a secret value.
      assert.ok(SECRET_SIG in image.registries, "registry credentials are secret");
      assert.equal(image.registries.value[0].username, "AWS");
      assert.equal(
        image.registries.value[0].address,
        `${A}.dkr.ecr.${R}.amazonaws.com/tamma-${stack}-audio-clean`,
      );
      const repo = one("aws:ecr/repository:Repository").inputs;
      assert.equal(repo.imageScanningConfiguration.scanOnPush, true);
      assert.equal(
        JSON.parse(one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.policy).rules[0].selection
          .countNumber,
        10,
      );
    });

    it("triggers from the queue with partial batch responses and the exact least-privilege policy", () => {
      const fn = one("aws:lambda/function:Function").inputs;
      assert.equal(fn.timeout, want.timeout);
      assert.deepEqual(fn.architectures, ["arm64"]);
      assert.equal(fn.runtime, "nodejs22.x");
      const env = fn.environment.variables;
      assert.equal(env.SUBNET_IDS, "subnet-priv-a,subnet-priv-b,subnet-priv-c");
      assert.equal(env.CLUSTER_NAME, `tamma-${stack}-cluster`);
      assert.equal(env.TASK_DEFINITION, `arn:aws:ecs:${R}:${A}:task-definition/tamma-${stack}-audio-clean:1`);
      assert.equal(env.CONTAINER_NAME, "audio-clean");
      assert.equal(env.CAPACITY_PROVIDER_STRATEGY, undefined, "the cluster default strategy applies");
      assert.ok(!Object.keys(env).some((k) => k.startsWith("SUPABASE")));
      const esm = one("aws:lambda/eventSourceMapping:EventSourceMapping").inputs;
      assert.deepEqual(esm.functionResponseTypes, ["ReportBatchItemFailures"]);
      assert.equal(esm.batchSize, want.batchSize);
      assert.equal(esm.maximumBatchingWindowInSeconds, want.window);
      assert.equal(esm.eventSourceArn, `arn:aws:sqs:${R}:${A}:tamma-${stack}-jobs${fifo}`);

      const statements = doc(byName("tamma-trigger-policy")).Statement;
      assert.deepEqual(statements.slice(1), [
        {
          Sid: "ConsumeJobs",
          Effect: "Allow",
          Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
          Resource: `arn:aws:sqs:${R}:${A}:tamma-${stack}-jobs${fifo}`,
        },
        {
          Sid: "RunWorkerTask",
          Effect: "Allow",
          Action: ["ecs:RunTask"],
          Resource: `arn:aws:ecs:${R}:${A}:task-definition/tamma-${stack}-audio-clean:*`,
          Condition: { ArnEquals: { "ecs:cluster": `arn:aws:ecs:${R}:${A}:cluster/tamma-${stack}-cluster` } },
        },
        ...(want.gpuMax
          ? [
              {
                Sid: "RunGpuWorkerTask",
                Effect: "Allow",
                Action: ["ecs:RunTask"],
                Resource: `arn:aws:ecs:${R}:${A}:task-definition/tamma-${stack}-audio-clean-gpu:*`,
                Condition: {
                  ArnEquals: { "ecs:cluster": `arn:aws:ecs:${R}:${A}:cluster/tamma-${stack}-cluster` },
                },
              },
            ]
          : []),
        {
          Sid: "PassWorkerRoles",
          Effect: "Allow",
          Action: ["iam:PassRole"],
          Resource: [
            `arn:aws:iam::${A}:role/tamma-${stack}-ecs-task-execution-role`,
            `arn:aws:iam::${A}:role/tamma-${stack}-ecs-task-role`,
          ],
          Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        },
      ]);
      assert.deepEqual(statements[0].Action, ["logs:CreateLogStream", "logs:PutLogEvents"]);
    });

    it("gives the execution role and the task role exactly their statements", () => {
      assert.deepEqual(doc(byName("tamma-execution-policy")).Statement, [
        { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
        {
          Sid: "PullWorkerImage",
          Effect: "Allow",
          Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
          Resource: `arn:aws:ecr:${R}:${A}:repository/tamma-${stack}-audio-clean`,
        },
        {
          Sid: "WriteWorkerLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `arn:aws:logs:${R}:${A}:log-group:/ecs/tamma-${stack}-audio-clean:*`,
        },
        {
          Sid: "ReadSupabaseParameters",
          Effect: "Allow",
          Action: ["ssm:GetParameters"],
          Resource: [
            `arn:aws:ssm:${R}:${A}:parameter/tamma/${stack}/supabase_url`,
            `arn:aws:ssm:${R}:${A}:parameter/tamma/${stack}/supabase_service_key`,
          ],
        },
      ]);
      assert.deepEqual(doc(byName("tamma-task-policy")).Statement, [
        {
          Sid: "ReadUploads",
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: [`arn:aws:s3:::tamma-${stack}-raw/audio/*`, `arn:aws:s3:::tamma-${stack}-raw/video/*`],
        },
        {
          Sid: "WriteCleanedAudio",
          Effect: "Allow",
          Action: ["s3:PutObject"],
          Resource: `arn:aws:s3:::tamma-${stack}-derived/audio/*`,
        },
      ]);
      for (const role of ["tamma-execution-role", "tamma-task-role"])
        assert.equal(
          JSON.parse(byName(role).inputs.assumeRolePolicy).Statement[0].Principal.Service,
          "ecs-tasks.amazonaws.com",
        );
      const attachments = run.resources.filter(
        (r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      );
      assert.deepEqual(
        attachments.map((r) => r.inputs.policyArn),
        want.gpuMax ? [ECS_INSTANCE_POLICY_ARN] : [],
        "no managed policy beyond the GPU instance role's",
      );
    });

    it("gives the presign user exactly PutObject on the upload prefixes, GetObject on cleaned audio, SendMessage", () => {
      assert.deepEqual(doc(one("aws:iam/userPolicy:UserPolicy")).Statement, [
        {
          Sid: "PresignUpload",
          Effect: "Allow",
          Action: ["s3:PutObject"],
          Resource: [`arn:aws:s3:::tamma-${stack}-raw/audio/*`, `arn:aws:s3:::tamma-${stack}-raw/video/*`],
        },
        {
          Sid: "PresignDownload",
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: [`arn:aws:s3:::tamma-${stack}-derived/audio/*`],
        },
        {
          Sid: "NotifyJob",
          Effect: "Allow",
          Action: ["sqs:SendMessage"],
          Resource: `arn:aws:sqs:${R}:${A}:tamma-${stack}-jobs${fifo}`,
        },
      ]);
      assert.ok(one("aws:iam/accessKey:AccessKey").additionalSecretOutputs.includes("secret"));
    });

    it("exports the cluster, queue, buckets and presign key id", () => {
      assert.equal(run.outputs.tammaClusterName, `tamma-${stack}-cluster`);
      assert.equal(
        run.outputs.tammaJobsQueueUrl,
        `https://sqs.${R}.amazonaws.com/${A}/tamma-${stack}-jobs${fifo}`,
      );
      assert.equal(run.outputs.tammaRawBucket, `tamma-${stack}-raw`);
      assert.equal(run.outputs.tammaDerivedBucket, `tamma-${stack}-derived`);
      assert.equal(run.outputs.tammaPresignAccessKeyId, "AKIAMOCKMOCKMOCKMOCK");
    });

    it("passes every policy rule", () => {
      assert.deepEqual(evaluatePolicies(run.resources, allRules), []);
    });
  });
}

const TOPIC = `arn:aws:sns:${R}:${A}:tamma-alerts`;

describe("TammaPipeline used directly", () => {
  it("hands the presign secret key out as a secret and protects stateful resources when asked", async () => {
    await installMocks("prod");
    const provider = awsProvider("tamma", { project: "ai-platform", stack: "prod", region: R });
    const p = new TammaPipeline(
      "t",
      {
        stack: "prod",
        region: R,
        corsOrigins: ["https://tamma.infuseailabs.com"],
        supabaseUrl: "https://abc.supabase.co",
        supabaseServiceKey: pulumi.secret("service-key-0123456789abcdef"),
        protect: true,
        alarmTopicArn: TOPIC,
      },
      { providers: [provider] },
    );
    assert.equal(await pulumi.isSecret(p.presignSecretAccessKey), true);
    assert.equal(await promiseOf(p.presignSecretAccessKey), "mock-secret-access-key");
    await settle();
    for (const name of ["t-raw", "t-derived", "t-jobs", "t-jobs-dlq", "t-repo"])
      assert.equal(recorder.byName(name).protect, true, `${name} is protected`);
    assert.equal(recorder.byName("t-raw").inputs.forceDestroy, false);
    assert.equal(recorder.byName("t-jobs").inputs.name, "tamma-prod-jobs.fifo", "FIFO by default");
    assert.deepEqual(recorder.byName("t-dlq-alarm").inputs.alarmActions, [TOPIC]);
    assert.deepEqual(recorder.byName("t-dlq-alarm").inputs.okActions, [TOPIC]);
    assert.equal(recorder.ofType("aws:sns/topic:Topic").length, 0, "a given topic: none of ours");
  });

  it("subscribes tammaAlarmEmail to the topic it creates", async () => {
    await installMocks("dev");
    const provider = awsProvider("tamma", { project: "ai-platform", stack: "dev", region: R });
    new TammaPipeline(
      "t",
      {
        stack: "dev",
        region: R,
        corsOrigins: [],
        supabaseUrl: "https://abc.supabase.co",
        supabaseServiceKey: pulumi.secret("service-key-0123456789abcdef"),
        alarmEmail: "oncall@example.com",
      },
      { providers: [provider] },
    );
    await settle();
    const sub = recorder.byName("t-alarms-email", "aws:sns/topicSubscription:TopicSubscription").inputs;
    assert.deepEqual([sub.protocol, sub.endpoint], ["email", "oncall@example.com"]);
    assert.equal(sub.topic, recorder.byName("t-alarms").state.arn);
  });

  it("rejects bad sizes and timings with the rule", () => {
    const base = {
      stack: "dev",
      region: R,
      corsOrigins: [],
      supabaseUrl: "https://x",
      supabaseServiceKey: "k",
    };
    assert.throws(
      () => normalizeTammaArgs({ ...base, workerCpu: 512, workerMemory: 512 }),
      /with cpu 512, memory must be/,
    );
    assert.throws(
      () => normalizeTammaArgs({ ...base, triggerTimeoutSeconds: 600 }),
      /must not exceed the queue's visibility timeout/,
    );
    assert.throws(
      () => normalizeTammaArgs({ ...base, triggerBatchWindowSeconds: 3 }),
      /FIFO queue's event source cannot use a batching window/,
    );
  });
});
