/**
 * AgentRuntimes under mocks: three repositories, images, roles and AgentCore runtimes, with exact IAM
 * statements, images built for linux/arm64 and run by digest. Plus the pure naming/IAM helpers and the
 * build contexts and Dockerfiles the images come from.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import { awsProvider } from "../../lib/aws";
import { NAME_RULES } from "../../lib/naming";
import { AgentRuntimes, type AgentRuntimesArgs } from "../../components/agents/runtimes";
import { stageAgentContext } from "../../components/agents/build-context";
import { AGENT_NAMES, agentRuntimeName, modelResources } from "../../components/agents/runtime-naming";
import { evaluatePolicies } from "../../policy/evaluate";
import { allRules } from "../../policy/rules";
import { installMocks, promiseOf, recorder, settle, MOCK_ACCOUNT } from "../harness/mocks";

const BUCKET_ARN = "arn:aws:s3:::agent-orchestration-dev-artifacts-123456789012";
const MODEL = "anthropic.claude-3-5-sonnet-20241022-v2:0";
const RUNTIME = "aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime";
const ROOT = path.join(__dirname, "../..");

async function build(overrides: Partial<AgentRuntimesArgs> = {}, stack = "dev"): Promise<AgentRuntimes> {
  await installMocks(stack);
  const provider = awsProvider("agents", { project: "ai-platform", stack, region: "us-east-1" });
  const c = new AgentRuntimes(
    "agents",
    {
      stack,
      modelId: MODEL,
      artifactsBucketName: "agent-orchestration-dev-artifacts-123456789012",
      artifactsBucketArn: BUCKET_ARN,
      ...overrides,
    },
    { providers: [provider] },
  );
  await promiseOf(c.runtimeArns);
  await settle();
  return c;
}

describe("agentcore runtimes (AgentRuntimes under mocks)", function () {
  this.timeout(60_000);

  it("registers one repository, lifecycle policy, image, role, policy, runtime and log group per agent", async () => {
    await build();
    const component = recorder.byName("agents", "ai-platform:agents:AgentRuntimes");
    for (const [type, count] of [
      ["aws:ecr/repository:Repository", 3],
      ["aws:ecr/lifecyclePolicy:LifecyclePolicy", 3],
      ["docker-build:index:Image", 3],
      ["aws:iam/role:Role", 3],
      ["aws:iam/rolePolicy:RolePolicy", 3],
      [RUNTIME, 3],
      ["aws:cloudwatch/logGroup:LogGroup", 3],
    ] as const) {
      const found = recorder.ofType(type);
      assert.equal(found.length, count, type);
      for (const r of found) {
        assert.equal(r.parent, component.urn, `${r.name} is a child of the component`);
        if (type.startsWith("aws:"))
          assert.match(r.provider ?? "", /aws-agents/, `${r.name} uses the agents provider`);
      }
    }
  });

  it("names repositories like the seed, scans on push and keeps the last 10 images", async () => {
    const c = await build();
    for (const agent of AGENT_NAMES) {
      const repo = recorder.byName(`agents-${agent}-repo`);
      assert.equal(repo.inputs.name, `agent-orchestration-dev-${agent}-agent`);
      assert.deepEqual(repo.inputs.imageScanningConfiguration, { scanOnPush: true });
      assert.deepEqual(repo.inputs.encryptionConfigurations, [{ encryptionType: "AES256" }]);
      assert.equal(repo.inputs.forceDelete, true);
      const lifecycle = recorder.byName(`agents-${agent}-lifecycle`);
      assert.deepEqual(JSON.parse(lifecycle.inputs.policy).rules, [
        {
          rulePriority: 1,
          description: "Keep last 10 images",
          selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 },
          action: { type: "expire" },
        },
      ]);
    }
    const urls = await promiseOf(c.repositoryUrls);
    assert.equal(
      urls.writer,
      `${MOCK_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/agent-orchestration-dev-writer-agent`,
    );
  });

  it("builds each image for linux/arm64 from the staged context and pushes it with ECR credentials", async () => {
    await build();
    for (const agent of AGENT_NAMES) {
      const image = recorder.byName(`agents-${agent}-image`);
      assert.deepEqual(image.inputs.platforms, ["linux/arm64"]);
      assert.equal(image.inputs.push, true);
      assert.equal(image.inputs.buildOnPreview, false);
      assert.deepEqual(image.inputs.context, { location: `.build/agents/${agent}` });
      assert.deepEqual(image.inputs.dockerfile, { location: `functions/agents/${agent}/Dockerfile` });
      const ctx = stageAgentContext(agent);
      assert.deepEqual(image.inputs.tags, [
        `${MOCK_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/agent-orchestration-dev-${agent}-agent:${ctx.sha256.slice(0, 16)}`,
      ]);
      // The registry credentials are a secret in state (the password makes the whole list secret).
      const SECRET_SIG = "4dabf18193072939515e22adb298388d";
      assert.equal(image.inputs.registries[SECRET_SIG], "1b47061264138c4ac30d75fd1eb44270");
      const [registry] = image.inputs.registries.value;
      assert.equal(registry.address, `${MOCK_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`);
      assert.equal(registry.username, "AWS");
      assert.equal(registry.password, "mock-ecr-password");
    }
    const tokenCalls = recorder.calls.filter(
      (c) => c.token === "aws:ecr/getAuthorizationToken:getAuthorizationToken",
    );
    assert.equal(tokenCalls.length, 3);
    assert.ok(tokenCalls.every((c) => c.inputs.registryId === MOCK_ACCOUNT));
  });

  it("runs each runtime from its image by digest, over HTTP, with the agent's settings", async () => {
    const c = await build({
      inference: { maxTokens: 8000, temperature: 0.1 },
      callbackUrlPrefixes: ["https://api.example.com/callbacks/"],
      environment: { BEDROCK_MAX_ATTEMPTS: "6", MODEL_ID: "cannot-override" },
    });
    const refs = await promiseOf(c.imageRefs);
    for (const agent of AGENT_NAMES) {
      const rt = recorder.byName(`agents-${agent}-runtime`, RUNTIME);
      const uri = rt.inputs.agentRuntimeArtifact.containerConfiguration.containerUri;
      assert.match(
        uri,
        /^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/agent-orchestration-dev-[a-z]+-agent@sha256:[0-9a-f]{64}$/,
      );
      assert.equal(uri, refs[agent]);
      assert.ok(!uri.includes(":latest"));
      assert.equal(rt.inputs.agentRuntimeName, `agent_orchestration_dev_${agent}`);
      assert.deepEqual(rt.inputs.networkConfiguration, { networkMode: "PUBLIC" });
      assert.deepEqual(rt.inputs.protocolConfiguration, { serverProtocol: "HTTP" });
      assert.deepEqual(rt.inputs.lifecycleConfigurations, [
        { idleRuntimeSessionTimeout: 900, maxLifetime: 28800 },
      ]);
      assert.equal(
        rt.inputs.roleArn,
        `arn:aws:iam::${MOCK_ACCOUNT}:role/agent-orchestration-dev-${agent}-runtime`,
      );
      assert.deepEqual(rt.inputs.environmentVariables, {
        ARTIFACT_BUCKET: "agent-orchestration-dev-artifacts-123456789012",
        MODEL_ID: MODEL,
        MODEL_MAX_TOKENS: "8000",
        MODEL_TEMPERATURE: "0.1",
        LOG_LEVEL: "INFO",
        POWERTOOLS_SERVICE_NAME: `${agent}-agent`,
        CALLBACK_URL_PREFIXES: "https://api.example.com/callbacks/",
        BEDROCK_MAX_ATTEMPTS: "6",
      });
      const policy = recorder.byName(`agents-${agent}-policy`);
      assert.ok(rt.dependencies.includes(policy.urn), "the runtime waits for its role's policy");
      const logs = recorder.byName(`agents-${agent}-logs`);
      assert.equal(
        logs.inputs.name,
        `/aws/bedrock-agentcore/runtimes/agent_orchestration_dev_${agent}-Mock${String(`agent_orchestration_dev_${agent}`.length).padStart(6, "0")}-DEFAULT`,
      );
      assert.equal(logs.inputs.retentionInDays, 7);
    }
  });

  it("exposes exactly the three runtime ARNs for the controller", async () => {
    const c = await build();
    const arns = await promiseOf(c.runtimeArns);
    assert.deepEqual(Object.keys(arns).sort(), ["analyst", "researcher", "writer"]);
    for (const agent of AGENT_NAMES) {
      assert.match(
        arns[agent],
        new RegExp(
          `^arn:aws:bedrock-agentcore:us-east-1:${MOCK_ACCOUNT}:runtime/agent_orchestration_dev_${agent}-`,
        ),
      );
    }
  });

  it("offers the controller a statement that invokes exactly these three runtimes", async () => {
    const c = await build();
    const st = c.invokeStatement();
    assert.deepEqual(st.Action, ["bedrock-agentcore:InvokeAgentRuntime"]);
    const resources = (await promiseOf(st.Resource)) as string[];
    const arns = await promiseOf(c.runtimeArns);
    assert.deepEqual(
      resources,
      AGENT_NAMES.flatMap((a) => [arns[a], `${arns[a]}/runtime-endpoint/*`]),
    );
    assert.ok(
      resources.every((r) =>
        r.startsWith(`arn:aws:bedrock-agentcore:us-east-1:${MOCK_ACCOUNT}:runtime/agent_orchestration_dev_`),
      ),
    );
  });

  it("gives each runtime a role only AgentCore of this account may assume", async () => {
    await build();
    const role = recorder.byName("agents-analyst-role");
    assert.equal(role.inputs.name, "agent-orchestration-dev-analyst-runtime");
    assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy), {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "bedrock-agentcore.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT },
            ArnLike: { "aws:SourceArn": `arn:aws:bedrock-agentcore:us-east-1:${MOCK_ACCOUNT}:*` },
          },
        },
      ],
    });
  });

  it("lets each runtime invoke the configured model only, use artifacts/ only, pull its own image and write its own logs", async () => {
    await build();
    for (const agent of AGENT_NAMES) {
      const policy = recorder.byName(`agents-${agent}-policy`);
      assert.equal(policy.inputs.name, `agent-orchestration-dev-${agent}-runtime-policy`);
      const logGroups = `arn:aws:logs:us-east-1:${MOCK_ACCOUNT}:log-group:/aws/bedrock-agentcore/runtimes/agent_orchestration_dev_${agent}-*`;
      assert.deepEqual(JSON.parse(policy.inputs.policy), {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "InvokeConfiguredModel",
            Effect: "Allow",
            Action: ["bedrock:InvokeModel"],
            Resource: [`arn:aws:bedrock:us-east-1::foundation-model/${MODEL}`],
          },
          {
            Sid: "ArtifactObjects",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject"],
            Resource: `${BUCKET_ARN}/artifacts/*`,
          },
          {
            Sid: "PullOwnImage",
            Effect: "Allow",
            Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            Resource: `arn:aws:ecr:us-east-1:${MOCK_ACCOUNT}:repository/agent-orchestration-dev-${agent}-agent`,
          },
          { Sid: "EcrAuthToken", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
          {
            Sid: "RuntimeLogGroup",
            Effect: "Allow",
            Action: ["logs:CreateLogGroup", "logs:DescribeLogStreams"],
            Resource: logGroups,
          },
          {
            Sid: "RuntimeLogStreams",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${logGroups}:log-stream:*`,
          },
          {
            Sid: "DescribeLogGroups",
            Effect: "Allow",
            Action: ["logs:DescribeLogGroups"],
            Resource: "*",
          },
        ],
      });
    }
  });

  it("scopes an inference-profile model to that profile and its foundation model", async () => {
    await build({ modelId: "us.anthropic.claude-sonnet-4-20250514-v1:0" });
    const statements = JSON.parse(recorder.byName("agents-writer-policy").inputs.policy).Statement;
    assert.deepEqual(statements[0].Resource, [
      `arn:aws:bedrock:us-east-1:${MOCK_ACCOUNT}:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0`,
      "arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0",
    ]);
  });

  it("passes the platform's policy rules", async () => {
    await build();
    assert.deepEqual(evaluatePolicies(recorder.resources, allRules), []);
  });

  it("rejects a bad model id or log retention before registering anything", async () => {
    await installMocks("dev");
    const args = {
      stack: "dev",
      modelId: MODEL,
      artifactsBucketName: "b",
      artifactsBucketArn: "arn:aws:s3:::b",
    };
    assert.throws(
      () => new AgentRuntimes("x", { ...args, modelId: "a b" }),
      /modelId "a b" must be a Bedrock model id/,
    );
    assert.throws(
      () => new AgentRuntimes("y", { ...args, logRetentionDays: 10 }),
      /logRetentionDays 10 must be one of CloudWatch's values/,
    );
    await settle();
    assert.equal(recorder.ofType(RUNTIME).length, 0);
  });

  it("keeps runtime names legal and distinct for long stack names", async () => {
    const c = await build({}, "perf-testing-long-01");
    for (const agent of AGENT_NAMES) {
      const name = c.runtimeNames[agent];
      assert.ok(name.length <= 48 && NAME_RULES.agentRuntime.pattern.test(name), name);
      assert.match(
        name,
        new RegExp(`^agent_orchestration_perf_testing_long_01_${agent}$|_${agent}_[0-9a-f]{6}$`),
      );
    }
    // 51 characters in full: shortened with a hash, the agent kept.
    assert.match(c.runtimeNames.researcher, /^agent_orchestration_perf_testi_researcher_[0-9a-f]{6}$/);
    assert.equal(new Set(Object.values(c.runtimeNames)).size, 3);
  });
});

describe("agentcore runtime naming and model IAM resources (pure)", () => {
  it("derives AgentCore runtime names from the seed prefix", () => {
    assert.equal(agentRuntimeName("dev", "researcher"), "agent_orchestration_dev_researcher");
    assert.equal(agentRuntimeName("stage", "writer"), "agent_orchestration_stage_writer");
    assert.equal(agentRuntimeName("eu-prod", "analyst"), "agent_orchestration_eu_prod_analyst");
  });

  it("never breaks the AgentCore pattern or the 48-character limit, and never collides (property)", () => {
    const stack = fc.stringMatching(/^[a-z][a-z0-9-]{0,19}$/);
    fc.assert(
      fc.property(
        stack,
        stack,
        fc.constantFrom(...AGENT_NAMES),
        fc.constantFrom(...AGENT_NAMES),
        (s1, s2, a1, a2) => {
          const n1 = agentRuntimeName(s1, a1);
          const n2 = agentRuntimeName(s2, a2);
          assert.ok(n1.length <= 48 && /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/.test(n1), n1);
          const same = s1.replace(/-/g, "_") === s2.replace(/-/g, "_") && a1 === a2;
          assert.equal(n1 === n2, same, `${n1} vs ${n2}`);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("maps each kind of model id to the IAM resources InvokeModel needs, no wider", () => {
    const table: Array<[string, string[]]> = [
      [MODEL, [`arn:aws:bedrock:eu-west-1::foundation-model/${MODEL}`]],
      [
        "eu.anthropic.claude-3-7-sonnet-20250219-v1:0",
        [
          "arn:aws:bedrock:eu-west-1:111122223333:inference-profile/eu.anthropic.claude-3-7-sonnet-20250219-v1:0",
          "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-7-sonnet-20250219-v1:0",
        ],
      ],
      [
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        [
          "arn:aws:bedrock:eu-west-1:111122223333:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0",
          "arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
          "arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
        ],
      ],
      [
        "arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-pro-v1:0",
        ["arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-pro-v1:0"],
      ],
      [
        "arn:aws:bedrock:eu-west-1:111122223333:application-inference-profile/abc123",
        ["arn:aws:bedrock:eu-west-1:111122223333:application-inference-profile/abc123"],
      ],
    ];
    for (const [id, expected] of table)
      assert.deepEqual(modelResources(id, "eu-west-1", "111122223333"), expected, id);
  });
});

describe("agentcore images: build contexts and Dockerfiles", () => {
  for (const agent of AGENT_NAMES) {
    it(`${agent}: the context holds the bundle and the prompts, deterministically`, () => {
      const a = stageAgentContext(agent);
      const b = stageAgentContext(agent);
      assert.equal(a.sha256, b.sha256);
      assert.deepEqual(Object.keys(a.files).sort(), [
        "index.js",
        "index.js.map",
        "prompts/repair.md",
        "prompts/system.md",
        "prompts/task.md",
      ]);
      for (const [file, bytes] of Object.entries(a.files)) {
        assert.equal(fs.statSync(path.join(ROOT, a.dir, file)).size, bytes, file);
      }
      assert.equal(a.files["index.js"], a.bundleBytes);
      const bundle = fs.readFileSync(path.join(ROOT, a.dir, "index.js"), "utf8");
      assert.ok(!bundle.includes("@pulumi/"), "no Pulumi code in the agent image");
    });

    it(`${agent}: the Dockerfile builds (no inline comments), copies only staged files and runs as non-root on 8080`, () => {
      const text = fs.readFileSync(path.join(ROOT, `functions/agents/${agent}/Dockerfile`), "utf8");
      const instructions = text
        .replace(/\\\n/g, " ")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith("#"));
      for (const line of instructions) {
        assert.ok(!/\s#/.test(line), `no inline comment (the seed's "Invalid containerPort: #"): ${line}`);
      }
      assert.match(instructions[0], /^FROM public\.ecr\.aws\/docker\/library\/node:22-[a-z]+-slim$/);
      assert.ok(instructions.includes("EXPOSE 8080"));
      assert.ok(instructions.includes("USER node"));
      assert.ok(instructions.includes('CMD ["node", "index.js"]'));
      assert.ok(!instructions.some((l) => l.startsWith("RUN ")), "no RUN: an arm64 build needs no emulation");
      const ctx = stageAgentContext(agent);
      for (const copy of instructions.filter((l) => l.startsWith("COPY "))) {
        const sources = copy.split(/\s+/).slice(1, -1);
        for (const src of sources)
          assert.ok(fs.existsSync(path.join(ROOT, ctx.dir, src)), `${src} is in the context`);
      }
    });
  }
});
