/**
 * TammaPipeline: an upload becomes a job message, the job becomes one ECS task, the task writes a cleaned file
 * and marks the job done or failed. Nothing is silently lost: the trigger reports exactly the failed records,
 * failed jobs end in a dead-letter queue with an alarm, and the worker writes `failed` on any error.
 *
 * The constructor reads as a contents list: normalize the args, then network, storage, queues, secrets,
 * image, ECS, trigger, presign user, outputs. Pure decisions live in the sibling modules (network, queue,
 * fargate, capacity, gpu, iam, image), each with its own tests.
 */
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { assumeRolePolicy, keepLastImagesPolicy, nodeFunction, policyDocument } from "../../lib/aws";
import { accessLogBucket, secureBucket } from "../../lib/buckets";
import { Names } from "../../lib/naming";
import { CapacityMode, capacityProviders, defaultStrategy } from "./capacity";
import { checkFargateSize } from "./fargate";
import { alarmTopic } from "./alarms";
import {
  ECS_INSTANCE_POLICY_ARN,
  GPUS_PER_TASK,
  GPU_AMI_PARAMETER,
  GPU_METADATA_OPTIONS,
  gpuFamily,
  gpuUserDataBase64,
} from "./gpu";
import { executionStatements, presignStatements, taskStatements, triggerStatements } from "./iam";
import { WORKER_CACHE_TAG, prepareWorkerContext, workerImageTag } from "./image";
import {
  INTERFACE_ENDPOINT_SERVICES,
  NatMode,
  SEED_CIDRS,
  endpointServiceName,
  subnetSpecs,
} from "./network";
import {
  DLQ_RETENTION_SECONDS,
  JOBS_RETENTION_SECONDS,
  MAX_RECEIVE_COUNT,
  QueueType,
  VISIBILITY_TIMEOUT_SECONDS,
  checkBatching,
  checkVisibilityVsTimeout,
  fifoAttributes,
  queueNames,
} from "./queue";

/** The container name inside the task definition (the seed's; the trigger's overrides name it). */
export const CONTAINER_NAME = "audio-clean";

/**
 * Settings of the pipeline. Sizes, switches and modes are plain values, not Inputs: they decide which resources
 * exist and are checked before anything is created; names, URLs and the secret key may be Outputs.
 */
export interface TammaPipelineArgs {
  /** Stack name: part of every physical name (`tamma-<stack>-...`). */
  stack: string;
  /** AWS region (for endpoint service names and the awslogs driver). */
  region: string;
  /**
   * NAT gateways: `Single` (one for the VPC, cheapest) or `OnePerAz`. Changing it replaces NAT gateways.
   * @default "OnePerAz"
   */
  natGateways?: NatMode;
  /**
   * Interface endpoints for ECR (api, dkr) and CloudWatch Logs in the private subnets. The S3 gateway endpoint
   * is always created (it is free).
   * @default true
   */
  interfaceEndpoints?: boolean;
  /**
   * `fifo` (`tamma-<stack>-jobs.fifo`, content-based dedup) or `standard` (the old Terraform's queue).
   * Changing it replaces both queues: drain them first.
   * @default "fifo"
   */
  queueType?: QueueType;
  /** Origins allowed to use presigned URLs from a browser. @example ["https://tamma.infuseailabs.com"] */
  corsOrigins: pulumi.Input<pulumi.Input<string>[]>;
  /** @default 1024 */
  workerCpu?: number;
  /** MiB. @default 2048 */
  workerMemory?: number;
  /** @default "FARGATE" */
  capacityStrategy?: CapacityMode;
  /** @default 10 */
  triggerBatchSize?: number;
  /** @default 0 */
  triggerBatchWindowSeconds?: number;
  /** @default 30 */
  triggerTimeoutSeconds?: number;
  /** GPU Auto Scaling group and capacity provider (desired 0). @default { enabled: false } */
  gpu?: { enabled: boolean; maxSize?: number; instanceType?: string };
  /** SNS topic the DLQ alarm notifies. @default a topic created here, `tamma-<stack>-alarms` */
  alarmTopicArn?: pulumi.Input<string>;
  /** E-mail address subscribed to the created alarm topic (ignored with `alarmTopicArn`). */
  alarmEmail?: string;
  supabaseUrl: pulumi.Input<string>;
  /** A secret Output: stored only in the SecureString parameter. */
  supabaseServiceKey: pulumi.Input<string>;
  /** @default 14 */
  logRetentionDays?: number;
  /** @default "INFO" */
  logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
  /** Protect buckets, queues and the repository from deletion. @default false */
  protect?: boolean;
}

interface Normalized {
  names: Names;
  region: string;
  natGateways: NatMode;
  interfaceEndpoints: boolean;
  queueType: QueueType;
  corsOrigins: pulumi.Input<pulumi.Input<string>[]>;
  workerCpu: number;
  workerMemory: number;
  capacityStrategy: CapacityMode;
  batchSize: number;
  batchWindow: number;
  triggerTimeout: number;
  gpu: { enabled: boolean; maxSize: number; instanceType: string };
  logRetentionDays: number;
  logLevel: "DEBUG" | "INFO" | "WARN" | "ERROR";
  protect: boolean;
}

/** Defaults in one place, then the rules the config loader also checks (a direct caller gets them too). */
export function normalizeTammaArgs(args: TammaPipelineArgs): Normalized {
  const n: Normalized = {
    names: new Names("tamma", args.stack),
    region: args.region,
    natGateways: args.natGateways ?? "OnePerAz",
    interfaceEndpoints: args.interfaceEndpoints ?? true,
    queueType: args.queueType ?? "fifo",
    corsOrigins: args.corsOrigins,
    workerCpu: args.workerCpu ?? 1024,
    workerMemory: args.workerMemory ?? 2048,
    capacityStrategy: args.capacityStrategy ?? "FARGATE",
    batchSize: args.triggerBatchSize ?? 10,
    batchWindow: args.triggerBatchWindowSeconds ?? 0,
    triggerTimeout: args.triggerTimeoutSeconds ?? 30,
    gpu: {
      enabled: args.gpu?.enabled ?? false,
      maxSize: args.gpu?.maxSize ?? 2,
      instanceType: args.gpu?.instanceType ?? "g5.xlarge",
    },
    logRetentionDays: args.logRetentionDays ?? 14,
    logLevel: args.logLevel ?? "INFO",
    protect: args.protect ?? false,
  };
  const problems = [
    checkFargateSize(n.workerCpu, n.workerMemory),
    checkVisibilityVsTimeout(VISIBILITY_TIMEOUT_SECONDS, n.triggerTimeout, n.batchWindow),
    ...checkBatching(n.queueType, n.batchSize, n.batchWindow),
  ].filter((p): p is string => !!p);
  if (problems.length) throw new Error(`TammaPipeline: ${problems.join("; ")}`);
  return n;
}

export class TammaPipeline extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly jobsQueueUrl: pulumi.Output<string>;
  readonly jobsQueueArn: pulumi.Output<string>;
  readonly deadLetterQueueUrl: pulumi.Output<string>;
  readonly rawBucket: pulumi.Output<string>;
  readonly derivedBucket: pulumi.Output<string>;
  readonly imageRef: pulumi.Output<string>;
  readonly taskDefinitionArn: pulumi.Output<string>;
  /** The GPU task definition (EC2, one GPU), when the stack has a GPU group. */
  readonly gpuTaskDefinitionArn?: pulumi.Output<string>;
  readonly alarmTopicArn: pulumi.Output<string>;
  readonly triggerFunctionName: pulumi.Output<string>;
  readonly presignUserName: pulumi.Output<string>;
  readonly presignAccessKeyId: pulumi.Output<string>;
  /** Secret. */
  readonly presignSecretAccessKey: pulumi.Output<string>;

  constructor(name: string, args: TammaPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-platform:tamma:TammaPipeline", name, {}, opts);
    const n = normalizeTammaArgs(args);
    const stateful = { parent: this, protect: n.protect };

    // ---- Network ------------------------------------------------------------------------------------------
    const vpc = new awsx.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: SEED_CIDRS.vpc,
        numberOfAvailabilityZones: 3,
        subnetStrategy: "Auto",
        subnetSpecs: subnetSpecs(),
        natGateways: { strategy: n.natGateways },
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { Name: n.names.name("securityGroup", "vpc") },
      },
      { parent: this },
    );
    const privateSubnetIds = vpc.privateSubnetIds;

    // S3 gateway endpoint on every route table: downloads and uploads of the worker never cross the NAT.
    new aws.ec2.VpcEndpoint(
      `${name}-s3-endpoint`,
      {
        vpcId: vpc.vpcId,
        serviceName: endpointServiceName(n.region, "s3"),
        vpcEndpointType: "Gateway",
        routeTableIds: vpc.routeTables.apply((tables) =>
          pulumi.all((tables ?? []).map((t) => (t as unknown as { id: pulumi.Input<string> }).id)),
        ),
      },
      { parent: this },
    );

    const workerSg = new aws.ec2.SecurityGroup(
      `${name}-worker-sg`,
      {
        name: n.names.name("securityGroup", "worker-sg"),
        description: "Tamma audio-clean tasks: HTTPS out only (S3, ECR, logs, Supabase), nothing in",
        vpcId: vpc.vpcId,
        egress: [
          { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "HTTPS" },
        ],
      },
      { parent: this },
    );

    if (n.interfaceEndpoints) {
      const endpointSg = new aws.ec2.SecurityGroup(
        `${name}-endpoints-sg`,
        {
          name: n.names.name("securityGroup", "endpoints-sg"),
          description: "Tamma interface endpoints: HTTPS from inside the VPC",
          vpcId: vpc.vpcId,
          ingress: [
            {
              protocol: "tcp",
              fromPort: 443,
              toPort: 443,
              cidrBlocks: [SEED_CIDRS.vpc],
              description: "HTTPS",
            },
          ],
        },
        { parent: this },
      );
      for (const service of INTERFACE_ENDPOINT_SERVICES) {
        new aws.ec2.VpcEndpoint(
          `${name}-${service.replace(/\./g, "-")}-endpoint`,
          {
            vpcId: vpc.vpcId,
            serviceName: endpointServiceName(n.region, service),
            vpcEndpointType: "Interface",
            privateDnsEnabled: true,
            subnetIds: privateSubnetIds,
            securityGroupIds: [endpointSg.id],
          },
          { parent: this },
        );
      }
    }

    // ---- Storage --------------------------------------------------------------------------------------------
    // The browser only PUTs to raw (presigned) and GETs cleaned files from derived.
    const raw = this.bucket(name, "raw", n, ["PUT"], stateful);
    const derived = this.bucket(name, "derived", n, ["GET", "HEAD"], stateful);
    // Server access logs of both buckets go to the stack's locked-down log bucket; both are TLS-only.
    const accessLogs = accessLogBucket(
      `${name}-access-logs`,
      {
        bucketName: n.names.name("s3Bucket", "access-logs"),
        accountId: aws.getCallerIdentityOutput({}, { parent: this }).accountId,
        sourceBucketArns: [raw.arn, derived.arn],
        forceDestroy: !n.protect,
        protect: n.protect,
      },
      this,
    );
    for (const [role, bucket] of [
      ["raw", raw],
      ["derived", derived],
    ] as const)
      secureBucket(`${name}-${role}`, bucket, accessLogs, this);
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-raw-lifecycle`,
      {
        bucket: raw.id,
        rules: [
          {
            id: "expire-raw",
            status: "Enabled",
            filter: { prefix: "" },
            expiration: { days: 30 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      { parent: this },
    );

    // ---- Queues -------------------------------------------------------------------------------------------
    const qn = queueNames(n.names, n.queueType);
    const dlq = new aws.sqs.Queue(
      `${name}-jobs-dlq`,
      {
        name: qn.dlq,
        ...fifoAttributes(n.queueType),
        messageRetentionSeconds: DLQ_RETENTION_SECONDS,
        sqsManagedSseEnabled: true,
      },
      stateful,
    );
    const jobs = new aws.sqs.Queue(
      `${name}-jobs`,
      {
        name: qn.jobs,
        ...fifoAttributes(n.queueType),
        visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
        messageRetentionSeconds: JOBS_RETENTION_SECONDS,
        sqsManagedSseEnabled: true,
        redrivePolicy: pulumi.jsonStringify({
          deadLetterTargetArn: dlq.arn,
          maxReceiveCount: MAX_RECEIVE_COUNT,
        }),
      },
      stateful,
    );
    new aws.sqs.RedriveAllowPolicy(
      `${name}-jobs-dlq-redrive-allow`,
      {
        queueUrl: dlq.url,
        redriveAllowPolicy: pulumi.jsonStringify({
          redrivePermission: "byQueue",
          sourceQueueArns: [jobs.arn],
        }),
      },
      { parent: this },
    );
    // Always an action: the configured topic, else one of ours (with an e-mail subscription when configured).
    const alarmTopicArn = alarmTopic(
      name,
      n.names,
      { topicArn: args.alarmTopicArn, email: args.alarmEmail },
      this,
    );
    this.alarmTopicArn = alarmTopicArn;
    new aws.cloudwatch.MetricAlarm(
      `${name}-dlq-alarm`,
      {
        name: n.names.name("cloudwatchAlarm", "jobs-dlq-not-empty"),
        alarmDescription: `Tamma jobs reached the dead-letter queue ${qn.dlq}: inspect and redrive them.`,
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: dlq.name },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [alarmTopicArn],
        okActions: [alarmTopicArn],
      },
      { parent: this },
    );

    // ---- Supabase settings (SSM) --------------------------------------------------------------------------
    const supabaseUrl = new aws.ssm.Parameter(
      `${name}-supabase-url`,
      { name: `/tamma/${args.stack}/supabase_url`, type: "String", value: args.supabaseUrl },
      { parent: this },
    );
    const supabaseKey = new aws.ssm.Parameter(
      `${name}-supabase-service-key`,
      {
        name: `/tamma/${args.stack}/supabase_service_key`,
        type: "SecureString",
        value: pulumi.secret(args.supabaseServiceKey),
      },
      { parent: this },
    );

    // ---- Worker image -------------------------------------------------------------------------------------
    const repo = new aws.ecr.Repository(
      `${name}-repo`,
      {
        name: n.names.name("ecrRepository", "audio-clean"),
        imageScanningConfiguration: { scanOnPush: true },
        // Tasks run the image by digest; its tag never moves. Only the build cache tag does, by design.
        imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters: [{ filter: WORKER_CACHE_TAG, filterType: "WILDCARD" }],
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        forceDelete: !n.protect,
      },
      stateful,
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-repo-lifecycle`,
      {
        repository: repo.name,
        policy: keepLastImagesPolicy(10),
      },
      { parent: this },
    );
    const context = prepareWorkerContext();
    const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repo.registryId }, { parent: this });
    const image = new dockerBuild.Image(
      `${name}-worker-image`,
      {
        context: { location: context.context },
        dockerfile: { location: context.dockerfile },
        platforms: ["linux/amd64"],
        push: true,
        tags: [pulumi.interpolate`${repo.repositoryUrl}:${workerImageTag(context.sha256)}`],
        registries: [
          { address: repo.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) },
        ],
        cacheFrom: [{ registry: { ref: pulumi.interpolate`${repo.repositoryUrl}:${WORKER_CACHE_TAG}` } }],
        cacheTo: [
          {
            registry: {
              ref: pulumi.interpolate`${repo.repositoryUrl}:${WORKER_CACHE_TAG}`,
              imageManifest: true,
              ociMediaTypes: true,
            },
          },
        ],
      },
      { parent: this },
    );
    // By digest: a task definition changes only when the image does, and never runs an unexpected `latest`.
    this.imageRef = pulumi.interpolate`${repo.repositoryUrl}@${image.digest}`;

    // ---- ECS ----------------------------------------------------------------------------------------------
    const cluster = new aws.ecs.Cluster(
      `${name}-cluster`,
      {
        name: n.names.name("ecsCluster", "cluster"),
        settings: [{ name: "containerInsights", value: "enabled" }],
      },
      { parent: this },
    );
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-worker-logs`,
      { name: `/ecs/${n.names.prefix}-audio-clean`, retentionInDays: n.logRetentionDays },
      { parent: this },
    );
    const executionRole = new aws.iam.Role(
      `${name}-execution-role`,
      {
        name: n.names.name("iamRole", "ecs-task-execution-role"),
        assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com"),
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-execution-policy`,
      {
        role: executionRole.id,
        policy: policyDocument(
          executionStatements({
            repositoryArn: repo.arn,
            logGroupArn: logGroup.arn,
            supabaseUrlParameterArn: supabaseUrl.arn,
            supabaseKeyParameterArn: supabaseKey.arn,
          }),
        ),
      },
      { parent: this },
    );
    const taskRole = new aws.iam.Role(
      `${name}-task-role`,
      {
        name: n.names.name("iamRole", "ecs-task-role"),
        assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com"),
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-task-policy`,
      {
        role: taskRole.id,
        policy: policyDocument(taskStatements({ rawBucketArn: raw.arn, derivedBucketArn: derived.arn })),
      },
      { parent: this },
    );
    const family = n.names.name("ecsTaskFamily", "audio-clean");
    // One container definition for both task definitions; the GPU one adds a GPU reservation.
    const container = (gpu: boolean) =>
      pulumi.jsonStringify([
        {
          name: CONTAINER_NAME,
          image: this.imageRef,
          essential: true,
          environment: [
            { name: "RAW_BUCKET", value: raw.bucket },
            { name: "DERIVED_BUCKET", value: derived.bucket },
            { name: "LOG_LEVEL", value: n.logLevel },
            { name: "AWS_REGION", value: n.region },
          ],
          // Resolved by the ECS agent at start; never in the task definition, the Lambda or state as text.
          secrets: [
            { name: "SUPABASE_URL", valueFrom: supabaseUrl.arn },
            { name: "SUPABASE_SERVICE_KEY", valueFrom: supabaseKey.arn },
          ],
          logConfiguration: {
            logDriver: "awslogs",
            options: {
              "awslogs-group": logGroup.name,
              "awslogs-region": n.region,
              "awslogs-stream-prefix": "ecs",
            },
          },
          ...(gpu ? { resourceRequirements: [{ type: "GPU", value: String(GPUS_PER_TASK) }] } : {}),
        },
      ]);
    // What the Fargate and the GPU (EC2) task definitions share: awsvpc, the worker's size, platform and roles.
    const taskShape = {
      networkMode: "awsvpc",
      cpu: String(n.workerCpu),
      memory: String(n.workerMemory),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
    };
    const taskDefinition = new aws.ecs.TaskDefinition(
      `${name}-task`,
      { ...taskShape, family, requiresCompatibilities: ["FARGATE"], containerDefinitions: container(false) },
      { parent: this },
    );
    this.taskDefinitionArn = taskDefinition.arn;

    let gpuProviderName: pulumi.Output<string> | undefined;
    let gpuTaskDefinition: aws.ecs.TaskDefinition | undefined;
    if (n.gpu.enabled) {
      gpuProviderName = this.gpuCapacity(name, n, cluster.name, privateSubnetIds, vpc.vpcId);
      // What the GPU (EC2) provider can place: EC2-compatible, awsvpc like the Fargate one, one GPU reserved.
      gpuTaskDefinition = new aws.ecs.TaskDefinition(
        `${name}-gpu-task`,
        {
          ...taskShape,
          family: gpuFamily(family),
          requiresCompatibilities: ["EC2"],
          containerDefinitions: container(true),
        },
        { parent: this },
      );
      this.gpuTaskDefinitionArn = gpuTaskDefinition.arn;
    }
    new aws.ecs.ClusterCapacityProviders(
      `${name}-capacity`,
      {
        clusterName: cluster.name,
        capacityProviders: gpuProviderName
          ? gpuProviderName.apply((gpu) => capacityProviders(gpu))
          : capacityProviders(),
        defaultCapacityProviderStrategies: defaultStrategy(n.capacityStrategy),
      },
      { parent: this },
    );

    // ---- Trigger ------------------------------------------------------------------------------------------
    const trigger = nodeFunction(
      `${name}-trigger`,
      {
        functionName: n.names.name("lambda", "trigger-clean"),
        source: "tamma-trigger",
        statements: triggerStatements({
          jobsQueueArn: jobs.arn,
          clusterArn: cluster.arn,
          taskFamilyArn: taskDefinition.arnWithoutRevision,
          gpuTaskFamilyArn: gpuTaskDefinition?.arnWithoutRevision,
          executionRoleArn: executionRole.arn,
          taskRoleArn: taskRole.arn,
        }),
        environment: {
          CLUSTER_NAME: cluster.name,
          TASK_DEFINITION: taskDefinition.arn,
          // Jobs with `"gpu": true` run the GPU task definition on the GPU provider (functions/tamma-trigger).
          ...(gpuTaskDefinition && gpuProviderName
            ? { GPU_TASK_DEFINITION: gpuTaskDefinition.arn, GPU_CAPACITY_PROVIDER: gpuProviderName }
            : {}),
          SUBNET_IDS: privateSubnetIds.apply((ids) => ids.join(",")),
          SECURITY_GROUP_ID: workerSg.id,
          CONTAINER_NAME,
          RAW_BUCKET: raw.bucket,
          DERIVED_BUCKET: derived.bucket,
          POWERTOOLS_SERVICE_NAME: "tamma-trigger",
          POWERTOOLS_LOG_LEVEL: n.logLevel,
        },
        timeout: n.triggerTimeout,
        memorySize: 256,
        logRetentionDays: n.logRetentionDays,
        logLevel: n.logLevel,
      },
      this,
    );
    new aws.lambda.EventSourceMapping(
      `${name}-trigger-events`,
      {
        eventSourceArn: jobs.arn,
        functionName: trigger.fn.arn,
        batchSize: n.batchSize,
        maximumBatchingWindowInSeconds: n.queueType === "standard" ? n.batchWindow : undefined,
        functionResponseTypes: ["ReportBatchItemFailures"],
        enabled: true,
      },
      { parent: this, dependsOn: [trigger.fn] },
    );

    // ---- Presign user (front end) -------------------------------------------------------------------------
    const user = new aws.iam.User(
      `${name}-presign`,
      { name: n.names.name("iamUser", "presign") },
      { parent: this },
    );
    new aws.iam.UserPolicy(
      `${name}-presign-policy`,
      {
        user: user.name,
        policy: policyDocument(
          presignStatements({ rawBucketArn: raw.arn, derivedBucketArn: derived.arn, jobsQueueArn: jobs.arn }),
        ),
      },
      { parent: this },
    );
    // The AWS SDK marks `secret` (and the SES password) as additional secret outputs itself.
    const key = new aws.iam.AccessKey(`${name}-presign-key`, { user: user.name }, { parent: this });

    this.clusterName = cluster.name;
    this.jobsQueueUrl = jobs.url;
    this.jobsQueueArn = jobs.arn;
    this.deadLetterQueueUrl = dlq.url;
    this.rawBucket = raw.bucket;
    this.derivedBucket = derived.bucket;
    this.triggerFunctionName = trigger.fn.name;
    this.presignUserName = user.name;
    this.presignAccessKeyId = key.id;
    this.presignSecretAccessKey = pulumi.secret(key.secret);
    this.registerOutputs({
      clusterName: this.clusterName,
      jobsQueueUrl: this.jobsQueueUrl,
      deadLetterQueueUrl: this.deadLetterQueueUrl,
      rawBucket: this.rawBucket,
      derivedBucket: this.derivedBucket,
      imageRef: this.imageRef,
      taskDefinitionArn: this.taskDefinitionArn,
      triggerFunctionName: this.triggerFunctionName,
      presignUserName: this.presignUserName,
      presignAccessKeyId: this.presignAccessKeyId,
      presignSecretAccessKey: this.presignSecretAccessKey,
    });
  }

  /** A private, encrypted bucket with CORS for presigned browser requests from the configured origins. */
  private bucket(
    name: string,
    role: "raw" | "derived",
    n: Normalized,
    methods: string[],
    opts: pulumi.CustomResourceOptions,
  ): aws.s3.Bucket {
    const bucket = new aws.s3.Bucket(
      `${name}-${role}`,
      { bucket: n.names.name("s3Bucket", role), forceDestroy: !n.protect },
      opts,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-${role}-sse`,
      { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
      { parent: this },
    );
    new aws.s3.BucketPublicAccessBlock(
      `${name}-${role}-pab`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { parent: this },
    );
    new aws.s3.BucketCorsConfiguration(
      `${name}-${role}-cors`,
      {
        bucket: bucket.id,
        corsRules: [
          {
            id: "presigned-browser-access",
            allowedOrigins: n.corsOrigins,
            allowedMethods: methods,
            // A presigned PUT carries Content-Type (signed) and the SDK's checksum headers.
            allowedHeaders: ["*"],
            exposeHeaders: ["ETag"],
            maxAgeSeconds: 3000,
          },
        ],
      },
      { parent: this },
    );
    return bucket;
  }

  /**
   * The GPU group that really joins the cluster: ECS GPU AMI from the public parameter, user data naming the
   * cluster, an instance role with the container-instance policy; desired 0, scaled by the capacity provider.
   */
  private gpuCapacity(
    name: string,
    n: Normalized,
    clusterName: pulumi.Output<string>,
    subnetIds: pulumi.Output<string[]>,
    vpcId: pulumi.Output<string>,
  ): pulumi.Output<string> {
    const role = new aws.iam.Role(
      `${name}-gpu-role`,
      { name: n.names.name("iamRole", "gpu-role"), assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com") },
      { parent: this },
    );
    new aws.iam.RolePolicyAttachment(
      `${name}-gpu-ecs-policy`,
      { role: role.name, policyArn: ECS_INSTANCE_POLICY_ARN },
      { parent: this },
    );
    const profile = new aws.iam.InstanceProfile(
      `${name}-gpu-profile`,
      { name: n.names.name("iamRole", "gpu-profile"), role: role.name },
      { parent: this },
    );
    const sg = new aws.ec2.SecurityGroup(
      `${name}-gpu-sg`,
      {
        name: n.names.name("securityGroup", "gpu-sg"),
        description: "Tamma GPU container instances: HTTPS out only, nothing in",
        vpcId,
        egress: [
          { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "HTTPS" },
        ],
      },
      { parent: this },
    );
    const ami = aws.ssm.getParameterOutput({ name: GPU_AMI_PARAMETER }, { parent: this });
    // lib/naming has no launch-template or Auto Scaling kinds; both follow the 255-character security-group rule.
    const template = new aws.ec2.LaunchTemplate(
      `${name}-gpu-template`,
      {
        name: n.names.name("securityGroup", "gpu"),
        imageId: ami.value,
        instanceType: n.gpu.instanceType,
        iamInstanceProfile: { arn: profile.arn },
        vpcSecurityGroupIds: [sg.id],
        userData: clusterName.apply((c) => gpuUserDataBase64(c)),
        metadataOptions: GPU_METADATA_OPTIONS,
        monitoring: { enabled: true },
      },
      { parent: this },
    );
    const asg = new aws.autoscaling.Group(
      `${name}-gpu-asg`,
      {
        name: n.names.name("securityGroup", "gpu-asg"),
        minSize: 0,
        maxSize: n.gpu.maxSize,
        desiredCapacity: 0,
        vpcZoneIdentifiers: subnetIds,
        launchTemplate: { id: template.id, version: "$Latest" },
        // The capacity provider manages the group's size; ECS tags what it manages.
        tags: [{ key: "AmazonECSManaged", value: "true", propagateAtLaunch: true }],
      },
      { parent: this, ignoreChanges: ["desiredCapacity"] },
    );
    const provider = new aws.ecs.CapacityProvider(
      `${name}-gpu-cp`,
      {
        name: n.names.name("ecsCluster", "gpu-cp"),
        autoScalingGroupProvider: {
          autoScalingGroupArn: asg.arn,
          managedTerminationProtection: "DISABLED",
          managedScaling: {
            status: "ENABLED",
            targetCapacity: 90,
            minimumScalingStepSize: 1,
            maximumScalingStepSize: 2,
          },
        },
      },
      { parent: this },
    );
    return provider.name;
  }
}
