/**
 * The one set of Pulumi mocks for the whole suite (and the offline plan).
 *
 * `installMocks(stack)` is the only place that calls `pulumi.runtime.setMocks`, so no spec file can replace
 * another's mocks. Every registration is recorded with its type, name, inputs, parent, provider, options and
 * property dependencies; mocked outputs are realistic (ARNs with an account and region, URLs, ids), so
 * components that interpolate them produce the strings a real deployment would.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- mocks handle untyped resource properties */
import * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT = "123456789012";

/** One resource the program registered. */
export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  inputs: Record<string, any>;
  /** The outputs the mock returned (inputs plus computed values). */
  state: Record<string, any>;
  custom: boolean;
  parent?: string;
  /** Provider reference `urn::id`, when one was passed explicitly or inherited. */
  provider?: string;
  /** `import` option, when set. */
  importId?: string;
  protect: boolean;
  additionalSecretOutputs: string[];
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  /** True for `get`-style reads of existing resources. */
  read: boolean;
}

/** One invoke the program made. */
export interface RecordedCall {
  token: string;
  inputs: Record<string, any>;
}

export const recorder = {
  resources: [] as RecordedResource[],
  calls: [] as RecordedCall[],
  reset(): void {
    this.resources = [];
    this.calls = [];
  },
  /** Resources of one type token. */
  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  },
  /** The one resource with this logical name (throws when absent or ambiguous). */
  byName(name: string, type?: string): RecordedResource {
    const found = this.resources.filter((r) => r.name === name && (!type || r.type === type));
    if (found.length !== 1) {
      throw new Error(
        `expected one resource named "${name}"${type ? ` of ${type}` : ""}, found ${found.length}`,
      );
    }
    return found[0];
  },
};

function region(): string {
  return pulumi.runtime.getConfig("aws:region") ?? "us-east-1";
}

/** Realistic computed outputs per resource type. Components may rely on any field set here. */
function computedOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  const r = region();
  const acct = MOCK_ACCOUNT;
  const phys = inputs.name ?? name;
  switch (type) {
    case "aws:s3/bucket:Bucket": {
      const bucket = inputs.bucket ?? name;
      return {
        id: bucket,
        bucket,
        arn: `arn:aws:s3:::${bucket}`,
        bucketRegionalDomainName: `${bucket}.s3.${r}.amazonaws.com`,
      };
    }
    case "aws:dynamodb/table:Table":
      return {
        id: phys,
        arn: `arn:aws:dynamodb:${r}:${acct}:table/${phys}`,
        streamArn: `arn:aws:dynamodb:${r}:${acct}:table/${phys}/stream/2026-01-01T00:00:00.000`,
      };
    case "aws:lambda/function:Function":
      return {
        id: phys,
        arn: `arn:aws:lambda:${r}:${acct}:function:${phys}`,
        qualifiedArn: `arn:aws:lambda:${r}:${acct}:function:${phys}:1`,
        invokeArn: `arn:aws:apigateway:${r}:lambda:path/2015-03-31/functions/arn:aws:lambda:${r}:${acct}:function:${phys}/invocations`,
        version: "1",
      };
    case "aws:lambda/alias:Alias":
      return {
        id: `${inputs.functionName}:${phys}`,
        arn: `arn:aws:lambda:${r}:${acct}:function:${inputs.functionName}:${phys}`,
        invokeArn: `arn:aws:apigateway:${r}:lambda:path/2015-03-31/functions/arn:aws:lambda:${r}:${acct}:function:${inputs.functionName}:${phys}/invocations`,
      };
    case "aws:lambda/layerVersion:LayerVersion": {
      const layer = inputs.layerName ?? name;
      return {
        id: `arn:aws:lambda:${r}:${acct}:layer:${layer}:1`,
        arn: `arn:aws:lambda:${r}:${acct}:layer:${layer}:1`,
        layerArn: `arn:aws:lambda:${r}:${acct}:layer:${layer}`,
        version: "1",
      };
    }
    case "aws:iam/role:Role":
      return { id: phys, arn: `arn:aws:iam::${acct}:role/${phys}`, uniqueId: `AROA${name.length}MOCK` };
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
      const host = String(inputs.url ?? "").replace(/^https:\/\//, "");
      return {
        id: `arn:aws:iam::${acct}:oidc-provider/${host}`,
        arn: `arn:aws:iam::${acct}:oidc-provider/${host}`,
      };
    }
    case "aws:iam/user:User":
      return { id: phys, arn: `arn:aws:iam::${acct}:user/${phys}` };
    case "aws:iam/policy:Policy":
      return { id: `arn:aws:iam::${acct}:policy/${phys}`, arn: `arn:aws:iam::${acct}:policy/${phys}` };
    case "aws:iam/accessKey:AccessKey":
      return { id: "AKIAMOCKMOCKMOCKMOCK", secret: "mock-secret-access-key" };
    case "aws:sqs/queue:Queue":
      return {
        id: `https://sqs.${r}.amazonaws.com/${acct}/${phys}`,
        url: `https://sqs.${r}.amazonaws.com/${acct}/${phys}`,
        arn: `arn:aws:sqs:${r}:${acct}:${phys}`,
      };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { id: phys, arn: `arn:aws:logs:${r}:${acct}:log-group:${phys}` };
    case "aws:apigatewayv2/api:Api":
      return {
        id: `${name}-api-id`,
        apiEndpoint: `https://${name}-api-id.execute-api.${r}.amazonaws.com`,
        executionArn: `arn:aws:execute-api:${r}:${acct}:${name}-api-id`,
      };
    case "aws:apigatewayv2/stage:Stage":
      return {
        id: phys,
        invokeUrl: `https://api-id.execute-api.${r}.amazonaws.com/${phys}`,
        executionArn: `arn:aws:execute-api:${r}:${acct}:api-id/${phys}`,
      };
    case "aws:ecr/repository:Repository":
      return {
        id: phys,
        arn: `arn:aws:ecr:${r}:${acct}:repository/${phys}`,
        repositoryUrl: `${acct}.dkr.ecr.${r}.amazonaws.com/${phys}`,
        registryId: acct,
      };
    case "aws:ecs/cluster:Cluster":
      return {
        id: `arn:aws:ecs:${r}:${acct}:cluster/${phys}`,
        arn: `arn:aws:ecs:${r}:${acct}:cluster/${phys}`,
      };
    case "aws:ecs/taskDefinition:TaskDefinition": {
      const family = inputs.family ?? name;
      return {
        id: family,
        arn: `arn:aws:ecs:${r}:${acct}:task-definition/${family}:1`,
        arnWithoutRevision: `arn:aws:ecs:${r}:${acct}:task-definition/${family}`,
        revision: 1,
      };
    }
    case "aws:ssm/parameter:Parameter":
      return {
        id: phys,
        arn: `arn:aws:ssm:${r}:${acct}:parameter${String(phys).startsWith("/") ? "" : "/"}${phys}`,
      };
    case "aws:cloudwatch/eventRule:EventRule":
      return { id: phys, arn: `arn:aws:events:${r}:${acct}:rule/${phys}` };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { id: phys, arn: `arn:aws:cloudwatch:${r}:${acct}:alarm:${phys}` };
    case "aws:ec2/securityGroup:SecurityGroup":
      return { id: `sg-${name.length.toString(16).padStart(8, "0")}mock` };
    case "awsx:ec2:Vpc":
      return {
        vpcId: "vpc-0mock",
        privateSubnetIds: ["subnet-priv-a", "subnet-priv-b", "subnet-priv-c"],
        publicSubnetIds: ["subnet-pub-a", "subnet-pub-b", "subnet-pub-c"],
        isolatedSubnetIds: [],
        routeTables: [
          { id: "rtb-priv-a" },
          { id: "rtb-priv-b" },
          { id: "rtb-priv-c" },
          { id: "rtb-pub-a" },
          { id: "rtb-pub-b" },
          { id: "rtb-pub-c" },
        ],
      };
    case "aws:iam/instanceProfile:InstanceProfile":
      return { id: phys, arn: `arn:aws:iam::${acct}:instance-profile/${phys}` };
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { id: `lt-0${name.length.toString(16).padStart(8, "0")}mock`, latestVersion: 1 };
    case "aws:autoscaling/group:Group":
      return {
        id: phys,
        arn: `arn:aws:autoscaling:${r}:${acct}:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/${phys}`,
      };
    case "aws:ecs/capacityProvider:CapacityProvider":
      return { id: phys, arn: `arn:aws:ecs:${r}:${acct}:capacity-provider/${phys}` };
    case "aws:ec2/vpcEndpoint:VpcEndpoint":
      return {
        id: `vpce-${name.length.toString(16).padStart(8, "0")}mock`,
        arn: `arn:aws:ec2:${r}:${acct}:vpc-endpoint/vpce-mock`,
      };
    case "pulumi-nodejs:dynamic/e2e:FaasFunction":
      return {
        id: inputs.name,
        url: `https://${inputs.name}-mock00.serverless.e2enetworks.net/`,
        status: "running",
        projectId: "10000",
        location: "Delhi",
      };
    case "aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime": {
      // AgentCore ids are `<name>-<10 characters>`.
      const runtimeName = inputs.agentRuntimeName ?? name;
      const runtimeId = `${runtimeName}-Mock${String(runtimeName.length).padStart(6, "0")}`;
      return {
        id: runtimeId,
        agentRuntimeId: runtimeId,
        agentRuntimeArn: `arn:aws:bedrock-agentcore:${r}:${acct}:runtime/${runtimeId}`,
        agentRuntimeVersion: "1",
        workloadIdentityDetails: [
          {
            workloadIdentityArn: `arn:aws:bedrock-agentcore:${r}:${acct}:workload-identity-directory/default/workload-identity/${runtimeName}`,
          },
        ],
      };
    }
    case "docker-build:index:Image":
      return {
        digest: "sha256:" + "0".repeat(64),
        ref: `${inputs.tags?.[0]?.split(":")[0] ?? name}@sha256:${"0".repeat(64)}`,
      };
    case "pulumi-nodejs:dynamic/tama:Space":
    case "pulumi-nodejs:dynamic/tama:Source":
      return {
        slug: String(inputs.name ?? name)
          .trim()
          .toLowerCase()
          .replace(/\s+/g, "-"),
        provisionState: "active",
      };
    case "pulumi-nodejs:dynamic/tama:Model":
    case "pulumi-nodejs:dynamic/tama:Limit":
      return { provisionState: "active" };
    default: {
      if (!type.startsWith("aws:")) return {};
      const service = type.split(":")[1].split("/")[0];
      return { arn: `arn:aws:${service}:${r}:${acct}:${name}` };
    }
  }
}

const mocks: pulumi.runtime.Mocks = {
  newResource(args: pulumi.runtime.MockResourceArgs) {
    const computed = computedOutputs(args.type, args.name, args.inputs);
    const { id, ...rest } = computed;
    return { id: (args.id || id || `${args.name}-id`) as string, state: { ...args.inputs, ...rest } };
  },
  call(args: pulumi.runtime.MockCallArgs) {
    recorder.calls.push({ token: args.token, inputs: args.inputs });
    const r = region();
    switch (args.token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return {
          accountId: MOCK_ACCOUNT,
          arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/mock`,
          userId: "AIDAMOCK",
          id: MOCK_ACCOUNT,
        };
      case "aws:index/getRegion:getRegion":
        return { name: r, region: r, id: r, endpoint: `ec2.${r}.amazonaws.com`, description: r };
      case "aws:index/getPartition:getPartition":
        return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
      case "aws:index/getAvailabilityZones:getAvailabilityZones":
        return { names: [`${r}a`, `${r}b`, `${r}c`], zoneIds: ["use1-az1", "use1-az2", "use1-az3"], id: r };
      case "aws:ssm/getParameter:getParameter":
        return {
          name: args.inputs.name,
          value: /ami/.test(String(args.inputs.name)) ? "ami-0mockgpu0000000" : "mock-parameter-value",
          type: "String",
          arn: `arn:aws:ssm:${r}:${MOCK_ACCOUNT}:parameter${args.inputs.name}`,
          id: args.inputs.name,
        };
      case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
        return {
          userName: "AWS",
          password: "mock-ecr-password",
          proxyEndpoint: `https://${MOCK_ACCOUNT}.dkr.ecr.${r}.amazonaws.com`,
          authorizationToken: "bW9jaw==",
          id: MOCK_ACCOUNT,
        };
      default:
        // The SDK hides an invoke's error message, so say it here too.
        console.error(`mocks: no mocked answer for invoke ${args.token}`);
        throw new Error(`mocks: no mocked answer for invoke ${args.token}; add one in test/harness/mocks.ts`);
    }
  },
};

interface MonitorRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom?(): boolean;
  getProvider(): string;
  getImportid?(): string;
  getId?(): string;
  getProtect?(): boolean | undefined;
  getAdditionalsecretoutputsList?(): string[];
  getDependenciesList?(): string[];
  getPropertydependenciesMap?(): {
    forEach(cb: (value: { getUrnsList(): string[] }, key: string) => void): void;
  };
}
type Callback = (
  err: Error | null,
  resp?: { getUrn(): string; getObject?(): unknown; getProperties?(): unknown },
) => void;
interface Monitor {
  registerResource(req: MonitorRequest, cb: Callback): void;
  readResource(req: MonitorRequest, cb: Callback): void;
}

/** Wraps the mock monitor so every registration is recorded with what MockResourceArgs leaves out. */
function recordRegistrations(monitor: Monitor): void {
  const wrap = (method: "registerResource" | "readResource", read: boolean) => {
    const original = monitor[method].bind(monitor);
    monitor[method] = (req, cb) => {
      original(req, (err, resp) => {
        if (!err && resp) {
          const propertyDependencies: Record<string, string[]> = {};
          req.getPropertydependenciesMap?.().forEach((v, k) => (propertyDependencies[k] = v.getUrnsList()));
          const state = pulumi.runtime.deserializeProperties(
            (resp.getObject?.() ?? resp.getProperties?.()) as never,
          ) as Record<string, unknown>;
          const inputs = pulumi.runtime.deserializeProperties(
            ((req as unknown as { getObject?(): unknown; getProperties?(): unknown }).getObject?.() ??
              (req as unknown as { getProperties(): unknown }).getProperties()) as never,
          ) as Record<string, unknown>;
          recorder.resources.push({
            urn: resp.getUrn(),
            type: req.getType(),
            name: req.getName(),
            inputs,
            state,
            custom: read ? true : (req.getCustom?.() ?? true),
            parent: req.getParent() || undefined,
            provider: req.getProvider() || undefined,
            importId: (read ? req.getId?.() : req.getImportid?.()) || undefined,
            protect: req.getProtect?.() ?? false,
            additionalSecretOutputs: req.getAdditionalsecretoutputsList?.() ?? [],
            dependencies: req.getDependenciesList?.() ?? [],
            propertyDependencies,
            read,
          });
        }
        cb(err, resp);
      });
    };
  };
  wrap("registerResource", false);
  wrap("readResource", true);
}

/** Installs the suite's mocks for a stack (resetting the recorder). The only caller of `setMocks`. */
export async function installMocks(stack: string, opts: { preview?: boolean } = {}): Promise<void> {
  recorder.reset();
  await pulumi.runtime.setMocks(mocks, "ai-platform", stack, opts.preview ?? false);
  const monitor = (pulumi.runtime as unknown as { getMonitor(): Monitor }).getMonitor();
  recordRegistrations(monitor);
}

/** Awaits an Output's value (`undefined` if it is unknown). */
export function promiseOf<T>(output: pulumi.Input<T> | undefined): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** Waits until every registration the program started has been answered. */
export async function settle(): Promise<void> {
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}
