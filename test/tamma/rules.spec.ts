import * as assert from "node:assert/strict";
import fc from "fast-check";
import { capacityProviders, defaultStrategy } from "../../components/tamma/capacity";
import { FARGATE_CPU, checkFargateSize, fargateMemoryChoices } from "../../components/tamma/fargate";
import { GPU_AMI_PARAMETER, gpuUserData, gpuUserDataBase64 } from "../../components/tamma/gpu";
import {
  executionStatements,
  presignStatements,
  taskStatements,
  triggerStatements,
} from "../../components/tamma/iam";
import {
  SEED_CIDRS,
  cidrContains,
  cidrsOverlap,
  natGatewayCount,
  parseCidr,
  subnetSpecs,
} from "../../components/tamma/network";
import {
  VISIBILITY_TIMEOUT_SECONDS,
  checkBatching,
  checkVisibilityVsTimeout,
  fifoAttributes,
  queueNames,
} from "../../components/tamma/queue";
import { ConfigError, parseConfig } from "../../config";
import { Names } from "../../lib/naming";
import { clearBundleCache } from "../../lib/bundle";
import { prepareWorkerContext, workerImageTag } from "../../components/tamma/image";
import * as fs from "node:fs";
import * as path from "node:path";
import { wildcardActions } from "../../policy/rules";

describe("tamma network choices", () => {
  it("uses the seed's CIDRs: a /16, private 10.0.0-2.0/24, public 10.0.100-102.0/24", () => {
    assert.deepEqual(subnetSpecs(), [
      { type: "Private", name: "private", cidrBlocks: ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"] },
      { type: "Public", name: "public", cidrBlocks: ["10.0.100.0/24", "10.0.101.0/24", "10.0.102.0/24"] },
    ]);
    assert.equal(SEED_CIDRS.vpc, "10.0.0.0/16");
  });

  it("rejects subnets outside the VPC, overlapping, or not one per AZ", () => {
    const base = { vpc: "10.0.0.0/16", private: ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"] };
    assert.throws(
      () => subnetSpecs({ ...base, public: ["10.1.0.0/24", "10.0.101.0/24", "10.0.102.0/24"] }),
      /subnet 10.1.0.0\/24 is outside the VPC 10.0.0.0\/16/,
    );
    assert.throws(
      () => subnetSpecs({ ...base, public: ["10.0.0.0/23", "10.0.101.0/24", "10.0.102.0/24"] }),
      /overlap/,
    );
    assert.throws(() => subnetSpecs({ ...base, public: ["10.0.100.0/24"] }), /one per AZ/);
    assert.throws(() => parseCidr("10.0.0.1/24"), /host bits set/);
    assert.throws(() => parseCidr("10.0.0/24"), /not an IPv4 CIDR/);
  });

  it("overlap and containment agree (property)", () => {
    const cidr = fc
      .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 16, max: 28 }))
      .map(([third, bits]) => {
        const size = 2 ** (32 - bits);
        const start = ((10 << 24) >>> 0) + Math.floor((third * 256) / size) * size;
        return `10.${(start >>> 16) & 255}.${(start >>> 8) & 255}.${start & 255}/${bits}`;
      });
    fc.assert(
      fc.property(cidr, cidr, (a, b) => {
        if (cidrContains(a, b) || cidrContains(b, a)) assert.ok(cidrsOverlap(a, b));
        assert.equal(cidrsOverlap(a, b), cidrsOverlap(b, a));
      }),
    );
  });

  it("one NAT gateway in Single mode, one per AZ in OnePerAz", () => {
    assert.equal(natGatewayCount("Single"), 1);
    assert.equal(natGatewayCount("OnePerAz"), 3);
  });
});

describe("tamma queue rules", () => {
  const names = new Names("tamma", "prod");
  it("names FIFO queues with .fifo and standard ones as the old Terraform", () => {
    assert.deepEqual(queueNames(names, "fifo"), {
      jobs: "tamma-prod-jobs.fifo",
      dlq: "tamma-prod-jobs-dlq.fifo",
    });
    assert.deepEqual(queueNames(names, "standard"), { jobs: "tamma-prod-jobs", dlq: "tamma-prod-jobs-dlq" });
    assert.deepEqual(fifoAttributes("fifo"), { fifoQueue: true, contentBasedDeduplication: true });
    assert.deepEqual(fifoAttributes("standard"), {});
  });

  it("keeps 6 x the trigger timeout + the batch window within the 900 s visibility timeout", () => {
    assert.equal(VISIBILITY_TIMEOUT_SECONDS, 900);
    assert.equal(checkVisibilityVsTimeout(900, 150, 0), undefined);
    assert.equal(checkVisibilityVsTimeout(900, 30, 300), undefined);
    assert.equal(
      checkVisibilityVsTimeout(900, 150, 1),
      "6 x the trigger timeout + the batching window (6 x 150 + 1 = 901 s) must not exceed the queue's visibility timeout (900 s)",
    );
  });

  it("forbids a batching window on FIFO and big batches without a window", () => {
    assert.deepEqual(checkBatching("fifo", 10, 0), []);
    assert.deepEqual(checkBatching("standard", 10, 5), []);
    assert.deepEqual(checkBatching("fifo", 10, 5), [
      "a FIFO queue's event source cannot use a batching window: set it to 0",
    ]);
    assert.deepEqual(checkBatching("standard", 100, 0), [
      "a batch size above 10 needs a batching window of at least 1 s",
    ]);
  });
});

describe("tamma Fargate sizes", () => {
  it("accepts exactly the documented cpu/memory pairs", () => {
    assert.equal(checkFargateSize(1024, 2048), undefined);
    assert.equal(checkFargateSize(2048, 4096), undefined);
    assert.equal(checkFargateSize(256, 512), undefined);
    assert.equal(
      checkFargateSize(1024, 1024),
      "with cpu 1024, memory must be 2048 to 8192 in steps of 1024 (MiB)",
    );
    assert.equal(checkFargateSize(256, 4096), "with cpu 256, memory must be 512, 1024, 2048 (MiB)");
    assert.equal(
      checkFargateSize(1000, 2048),
      "cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384 (CPU units)",
    );
    assert.deepEqual(fargateMemoryChoices(8192).slice(0, 3), [16384, 20480, 24576]);
    for (const cpu of FARGATE_CPU) assert.ok(fargateMemoryChoices(cpu).length > 0);
  });

  it("the config loader reports a bad pair, a too-long trigger timeout and a FIFO window, by key", () => {
    const raw = {
      "aws:region": "us-east-1",
      "ai-platform:systems": '["tamma"]',
      "ai-platform:tammaCorsOrigins": '["http://localhost:3000"]',
      "ai-platform:tammaSupabaseUrl": "https://abc.supabase.co",
      "ai-platform:tammaSupabaseServiceKey": "x".repeat(40),
      "ai-platform:tammaWorkerCpu": "512",
      "ai-platform:tammaWorkerMemory": "8192",
      "ai-platform:tammaTriggerTimeoutSeconds": "200",
      "ai-platform:tammaTriggerBatchWindowSeconds": "5",
    };
    try {
      parseConfig(raw, {
        stack: "dev",
        implemented: ["tamma"],
        secretKeys: new Set(["ai-platform:tammaSupabaseServiceKey"]),
      });
      assert.fail("expected a ConfigError");
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      assert.deepEqual(
        e.issues.map((i) => i.key),
        [
          "ai-platform:tammaWorkerMemory",
          "ai-platform:tammaTriggerTimeoutSeconds",
          "ai-platform:tammaTriggerBatchWindowSeconds",
        ],
      );
      assert.match(e.issues[0].rule, /with cpu 512, memory must be 1024, 2048, 3072, 4096 \(MiB\)/);
      assert.match(e.issues[1].rule, /6 x 200 \+ 5 = 1205 s/);
      assert.match(e.issues[2].problem, /got 5 with a fifo queue/);
      assert.ok(!e.message.includes("x".repeat(40)));
    }
  });

  it("takes an alarm e-mail address, but not together with a topic of one's own", () => {
    const raw = {
      "aws:region": "us-east-1",
      "ai-platform:systems": '["tamma"]',
      "ai-platform:tammaCorsOrigins": '["http://localhost:3000"]',
      "ai-platform:tammaSupabaseUrl": "https://abc.supabase.co",
      "ai-platform:tammaSupabaseServiceKey": "x".repeat(40),
    };
    const o = {
      stack: "dev",
      implemented: ["tamma"] as const,
      secretKeys: new Set(["ai-platform:tammaSupabaseServiceKey"]),
    };
    const cfg = parseConfig({ ...raw, "ai-platform:tammaAlarmEmail": "oncall@example.com" }, o);
    assert.equal(cfg.tamma!.tammaAlarmEmail, "oncall@example.com");
    for (const [extra, key, rule] of [
      [
        { "ai-platform:tammaAlarmEmail": "not-an-address" },
        "ai-platform:tammaAlarmEmail",
        /an e-mail address/,
      ],
      [
        {
          "ai-platform:tammaAlarmEmail": "oncall@example.com",
          "ai-platform:tammaAlarmTopicArn": "arn:aws:sns:us-east-1:123456789012:mine",
        },
        "ai-platform:tammaAlarmEmail",
        /subscribe the address to your own topic/,
      ],
    ] as const) {
      try {
        parseConfig({ ...raw, ...extra }, o);
        assert.fail("expected a ConfigError");
      } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        assert.equal(e.issues[0].key, key);
        assert.match(e.issues[0].rule, rule);
      }
    }
  });

  it("requires the Supabase service key as a secret when tamma is enabled", () => {
    try {
      parseConfig(
        {
          "aws:region": "us-east-1",
          "ai-platform:systems": '["tamma"]',
          "ai-platform:tammaCorsOrigins": '["http://localhost:3000"]',
          "ai-platform:tammaSupabaseUrl": "https://abc.supabase.co",
        },
        { stack: "dev", implemented: ["tamma"], secretKeys: new Set() },
      );
      assert.fail("expected a ConfigError");
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.issues, [
        {
          key: "ai-platform:tammaSupabaseServiceKey",
          problem: "missing secret",
          rule: 'required: Supabase service-role key (stored as SSM SecureString /tamma/<stack>/supabase_service_key). Set it with "pulumi config set --secret tammaSupabaseServiceKey <value>"',
        },
      ]);
    }
  });
});

describe("tamma capacity and GPU", () => {
  it("one attachment lists FARGATE, FARGATE_SPOT and the GPU provider when there is one", () => {
    assert.deepEqual(capacityProviders(), ["FARGATE", "FARGATE_SPOT"]);
    assert.deepEqual(capacityProviders("tamma-prod-gpu-cp"), [
      "FARGATE",
      "FARGATE_SPOT",
      "tamma-prod-gpu-cp",
    ]);
  });

  it("default strategies use Fargate providers only (the worker's task definition is Fargate)", () => {
    assert.deepEqual(defaultStrategy("FARGATE"), [{ capacityProvider: "FARGATE", weight: 1, base: 0 }]);
    assert.deepEqual(defaultStrategy("FARGATE_SPOT"), [
      { capacityProvider: "FARGATE_SPOT", weight: 1, base: 0 },
    ]);
    assert.deepEqual(defaultStrategy("MIXED"), [
      { capacityProvider: "FARGATE", weight: 1, base: 1 },
      { capacityProvider: "FARGATE_SPOT", weight: 3, base: 0 },
    ]);
  });

  it("user data joins the named cluster with GPU support", () => {
    assert.equal(
      gpuUserData("tamma-prod-cluster"),
      [
        "#!/bin/bash",
        "set -euo pipefail",
        "cat >> /etc/ecs/ecs.config <<'ECSCONFIG'",
        "ECS_CLUSTER=tamma-prod-cluster",
        "ECS_ENABLE_GPU_SUPPORT=true",
        "ECS_ENABLE_CONTAINER_METADATA=true",
        "ECS_AWSVPC_BLOCK_IMDS=true",
        "ECSCONFIG",
        "",
      ].join("\n"),
    );
    assert.equal(Buffer.from(gpuUserDataBase64("c1"), "base64").toString(), gpuUserData("c1"));
    assert.throws(() => gpuUserData("bad name; rm -rf /"), /not an ECS cluster name/);
    assert.equal(GPU_AMI_PARAMETER, "/aws/service/ecs/optimized-ami/amazon-linux-2/gpu/recommended/image_id");
  });
});

describe("tamma IAM statements", () => {
  const arn = {
    jobs: "arn:aws:sqs:us-east-1:1:tamma-dev-jobs",
    cluster: "arn:aws:ecs:us-east-1:1:cluster/tamma-dev-cluster",
    family: "arn:aws:ecs:us-east-1:1:task-definition/tamma-dev-audio-clean",
    exec: "arn:aws:iam::1:role/tamma-dev-ecs-task-execution-role",
    task: "arn:aws:iam::1:role/tamma-dev-ecs-task-role",
    raw: "arn:aws:s3:::tamma-dev-raw",
    derived: "arn:aws:s3:::tamma-dev-derived",
  };

  it("trigger: RunTask only on this family in this cluster, PassRole only of the two roles", () => {
    assert.deepEqual(
      triggerStatements({
        jobsQueueArn: arn.jobs,
        clusterArn: arn.cluster,
        taskFamilyArn: arn.family,
        executionRoleArn: arn.exec,
        taskRoleArn: arn.task,
      }),
      [
        {
          Sid: "ConsumeJobs",
          Effect: "Allow",
          Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
          Resource: arn.jobs,
        },
        {
          Sid: "RunWorkerTask",
          Effect: "Allow",
          Action: ["ecs:RunTask"],
          Resource: `${arn.family}:*`,
          Condition: { ArnEquals: { "ecs:cluster": arn.cluster } },
        },
        {
          Sid: "PassWorkerRoles",
          Effect: "Allow",
          Action: ["iam:PassRole"],
          Resource: [arn.exec, arn.task],
          Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        },
      ],
    );
  });

  it("task role reads uploads and writes cleaned audio only; presign user exactly PutObject/GetObject/SendMessage", () => {
    assert.deepEqual(taskStatements({ rawBucketArn: arn.raw, derivedBucketArn: arn.derived }), [
      {
        Sid: "ReadUploads",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: [`${arn.raw}/audio/*`, `${arn.raw}/video/*`],
      },
      {
        Sid: "WriteCleanedAudio",
        Effect: "Allow",
        Action: ["s3:PutObject"],
        Resource: `${arn.derived}/audio/*`,
      },
    ]);
    assert.deepEqual(
      presignStatements({ rawBucketArn: arn.raw, derivedBucketArn: arn.derived, jobsQueueArn: arn.jobs }),
      [
        {
          Sid: "PresignUpload",
          Effect: "Allow",
          Action: ["s3:PutObject"],
          Resource: [`${arn.raw}/audio/*`, `${arn.raw}/video/*`],
        },
        {
          Sid: "PresignDownload",
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: [`${arn.derived}/audio/*`],
        },
        { Sid: "NotifyJob", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: arn.jobs },
      ],
    );
  });

  it("no statement grants a wildcard action; only ecr:GetAuthorizationToken has Resource *", () => {
    const all = [
      ...triggerStatements({
        jobsQueueArn: arn.jobs,
        clusterArn: arn.cluster,
        taskFamilyArn: arn.family,
        executionRoleArn: arn.exec,
        taskRoleArn: arn.task,
      }),
      ...executionStatements({
        repositoryArn: "r",
        logGroupArn: "l",
        supabaseUrlParameterArn: "u",
        supabaseKeyParameterArn: "k",
      }),
      ...taskStatements({ rawBucketArn: arn.raw, derivedBucketArn: arn.derived }),
      ...presignStatements({ rawBucketArn: arn.raw, derivedBucketArn: arn.derived, jobsQueueArn: arn.jobs }),
    ];
    assert.deepEqual(wildcardActions(JSON.stringify({ Statement: all })), []);
    assert.deepEqual(
      all.filter((s) => s.Resource === "*").map((s) => s.Action),
      [["ecr:GetAuthorizationToken"]],
    );
    const exec = executionStatements({
      repositoryArn: "r",
      logGroupArn: "l",
      supabaseUrlParameterArn: "u",
      supabaseKeyParameterArn: "k",
    });
    assert.deepEqual(
      exec.find((s) => s.Sid === "ReadSupabaseParameters"),
      {
        Sid: "ReadSupabaseParameters",
        Effect: "Allow",
        Action: ["ssm:GetParameters"],
        Resource: ["u", "k"],
      },
    );
  });
});

describe("tamma worker image build step", () => {
  it("fills the Docker context with the worker bundle, and the same source gives the same image tag", () => {
    const first = prepareWorkerContext();
    clearBundleCache();
    const second = prepareWorkerContext();
    assert.equal(first.sha256, second.sha256);
    assert.match(workerImageTag(first.sha256), /^worker-[0-9a-f]{16}$/);
    assert.ok(fs.statSync(path.join(first.context, "index.js")).size > 10_000);
    assert.ok(fs.existsSync(path.join(first.context, "index.js.map")));
    const dockerfile = fs.readFileSync(first.dockerfile, "utf8");
    assert.match(dockerfile, /^FROM node:22-bookworm-slim$/m);
    assert.match(dockerfile, /apt-get install -y --no-install-recommends ffmpeg/);
    assert.match(dockerfile, /^COPY index\.js index\.js\.map \.\/$/m);
    assert.match(dockerfile, /^USER node$/m);
  });
});
