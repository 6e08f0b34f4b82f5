/**
 * Usage-driven rates: what one unit of each system's work costs with the stack's settings (Lambda memory and
 * architecture, read consistency, Fargate size and capacity strategy, queue type, log level and retention,
 * tracing), from the measured calls per unit and the stated assumptions in workload.ts.
 */
import { PlanModel, ReportResource, numberAt, stringAt, systemOf } from "./model";
import { PriceKey, Prices } from "./prices";
import { AGENTS, PLAYGROUND, TAMMA } from "./workload";

export interface RatePart {
  item: string;
  /** Quantity in the price's unit (millions of requests, GB-seconds, hours...). */
  quantity: number;
  unit: string;
  priceKey: PriceKey;
  unitUsd: number;
  usd: number;
}

export interface Rate {
  system: string;
  label: string;
  /** The unit of work, e.g. "million requests". */
  unit: string;
  parts: RatePart[];
  usd: number;
  assumptions: string[];
  /** Counted in the reference month (one rate per system). */
  inTotal: boolean;
}

export interface NotPriced {
  what: string;
  reason: string;
}

const DAYS_PER_MONTH = 365 / 12;
const GB = 1e9;

function rate(
  prices: Prices,
  system: string,
  label: string,
  unit: string,
  items: [string, number, string, PriceKey][],
  assumptions: string[],
  inTotal: boolean,
): Rate {
  const parts = items
    .filter(([, q]) => q > 0)
    .map(([item, quantity, u, priceKey]) => {
      const unitUsd = prices.usd(priceKey);
      return { item, quantity, unit: u, priceKey, unitUsd, usd: quantity * unitUsd };
    });
  return { system, label, unit, parts, usd: parts.reduce((s, p) => s + p.usd, 0), assumptions, inTotal };
}

function lambdaKey(fn: ReportResource): PriceKey {
  const arch = fn.inputs.architectures;
  return Array.isArray(arch) && arch.includes("arm64") ? "lambdaGbSecondArm" : "lambdaGbSecondX86";
}

const memGb = (fn: ReportResource | undefined, fallbackMb = 128) =>
  (fn ? (numberAt(fn, "memorySize") ?? fallbackMb) : fallbackMb) / 1024;

function envOf(fn: ReportResource | undefined, name: string): string | undefined {
  return fn ? stringAt(fn, `environment.variables.${name}`) : undefined;
}

/** Log ingestion plus the steady-state storage at a retention (GB held = monthly GB × retention / month). */
function logItems(
  gbPerUnit: number,
  retentionDays: number | undefined,
): [string, number, string, PriceKey][] {
  const held = retentionDays ? (gbPerUnit * retentionDays) / DAYS_PER_MONTH : gbPerUnit * 12;
  return [
    ["log ingestion", gbPerUnit, "GB", "logsIngestGb"],
    [
      retentionDays
        ? `log storage at ${retentionDays}-day retention (steady state)`
        : "log storage, never expiring (one year's growth shown)",
      held,
      "GB-month",
      "logsStorageGbMonth",
    ],
  ];
}

function members(model: PlanModel, system: string): ReportResource[] {
  const byUrn = new Map(model.resources.map((r) => [r.urn, r]));
  return model.resources.filter((r) => systemOf(r, byUrn) === system);
}

const ofType = (rs: ReportResource[], type: string) => rs.filter((r) => r.type === type);

function maxRetention(rs: ReportResource[]): number | undefined {
  const days = ofType(rs, "aws:cloudwatch/logGroup:LogGroup")
    .map((g) => numberAt(g, "retentionInDays"))
    .filter((d): d is number => d !== undefined && d > 0);
  return days.length ? Math.max(...days) : undefined;
}

function playgroundRates(model: PlanModel, prices: Prices): Rate[] {
  const rs = members(model, "playground");
  const fn = ofType(rs, "aws:lambda/function:Function")[0];
  if (!fn) return [];
  const strong = envOf(fn, "SAFE_CONCURRENCY") !== "false";
  const level = envOf(fn, "LOG_LEVEL") ?? model.config["ai-platform:logLevel"] ?? "INFO";
  const m = 1e6;
  let rru = 0;
  let wru = 0;
  for (const r of PLAYGROUND.routes) {
    rru += r.share * (r.getItem * (strong ? 1 : 0.5) + r.query * PLAYGROUND.queryRru);
    wru += r.share * r.wru;
  }
  const logGb = (m * (PLAYGROUND.logBytesPerRequest[level] ?? 1100)) / GB;
  return [
    rate(
      prices,
      "playground",
      "Playground API",
      "million requests",
      [
        ["HTTP API requests", 1, "million", "httpApiRequestsMillion"],
        ["Lambda requests", 1, "million", "lambdaRequestsMillion"],
        [
          `Lambda duration (${numberAt(fn, "memorySize") ?? 128} MB, ${lambdaKey(fn).endsWith("Arm") ? "arm64" : "x86_64"}, ${PLAYGROUND.lambdaMs} ms)`,
          (m * PLAYGROUND.lambdaMs * memGb(fn)) / 1000,
          "GB-s",
          lambdaKey(fn),
        ],
        [
          `DynamoDB reads (${strong ? "strongly consistent" : "eventually consistent"} GetItem, GSI pages)`,
          rru,
          "million RRU",
          "dynamoReadRequestMillion",
        ],
        ["DynamoDB writes (item + GSI updates)", wru, "million WRU", "dynamoWriteRequestMillion"],
        ...logItems(logGb, maxRetention(rs)),
      ],
      [
        PLAYGROUND.source,
        PLAYGROUND.mixAssumption,
        PLAYGROUND.queryRruNote,
        PLAYGROUND.lambdaMsNote,
        PLAYGROUND.logNote,
      ],
      true,
    ),
  ];
}

/** Billed task-hours per audio hour, for a worker taking this many seconds per audio minute (default: ours). */
export function tammaTaskHoursPerAudioHour(
  secondsPerAudioMinute: number = TAMMA.workerSecondsPerAudioMinute,
): { jobs: number; taskHours: number } {
  const jobs = 60 / TAMMA.jobAudioMinutes;
  const perTask = Math.max(
    TAMMA.fargateMinimumSeconds,
    TAMMA.taskStartSeconds + secondsPerAudioMinute * TAMMA.jobAudioMinutes,
  );
  return { jobs, taskHours: (jobs * perTask) / 3600 };
}

/** Share of tasks on Fargate Spot under a default capacity-provider strategy (at volume; the base is ignored). */
export function spotShare(strategy: unknown): number {
  if (!Array.isArray(strategy) || strategy.length === 0) return 0;
  const items = strategy as { capacityProvider?: string; weight?: number }[];
  const total = items.reduce((s, i) => s + (i.weight ?? 0), 0);
  const spot = items
    .filter((i) => i.capacityProvider === "FARGATE_SPOT")
    .reduce((s, i) => s + (i.weight ?? 0), 0);
  return total ? spot / total : 0;
}

function tammaRates(model: PlanModel, prices: Prices): Rate[] {
  const rs = members(model, "tamma");
  const task = ofType(rs, "aws:ecs/taskDefinition:TaskDefinition")[0];
  if (!task) return [];
  const vcpu = (numberAt(task, "cpu") ?? 1024) / 1024;
  const gb = (numberAt(task, "memory") ?? 2048) / 1024;
  const trigger = ofType(rs, "aws:lambda/function:Function")[0];
  const jobsQueue = ofType(rs, "aws:sqs/queue:Queue").find((q) => !/dlq/.test(q.name));
  const fifo = jobsQueue ? inputTrue(jobsQueue, "fifoQueue") : false;
  const capacity = ofType(rs, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")[0];
  const spot = spotShare(capacity?.inputs.defaultCapacityProviderStrategies);
  const { jobs, taskHours } = tammaTaskHoursPerAudioHour();
  const rawGb = (TAMMA.rawMiBPerAudioMinute * 60 * 1_048_576) / GB;
  const derivedGb = (TAMMA.derivedMiBPerAudioMinute * 60 * 1_048_576) / GB;
  const common: [string, number, string, PriceKey][] = [
    [
      "trigger Lambda requests (one invocation per job, upper bound)",
      jobs / 1e6,
      "million",
      "lambdaRequestsMillion",
    ],
    [
      `trigger Lambda duration (${trigger ? (numberAt(trigger, "memorySize") ?? 128) : 128} MB, ${TAMMA.triggerMsPerRecord} ms per job)`,
      (jobs * TAMMA.triggerMsPerRecord * memGb(trigger)) / 1000,
      "GB-s",
      trigger ? lambdaKey(trigger) : "lambdaGbSecondX86",
    ],
    [
      `SQS requests (${fifo ? "FIFO" : "standard"})`,
      (jobs * TAMMA.sqsRequestsPerJob) / 1e6,
      "million",
      fifo ? "sqsFifoMillion" : "sqsStandardMillion",
    ],
    ["S3 PUT (upload, cleaned output)", (jobs * TAMMA.s3PutsPerJob) / 1000, "thousand", "s3PutThousand"],
    ["S3 GET (worker input, user download)", (jobs * TAMMA.s3GetsPerJob) / 1000, "thousand", "s3GetThousand"],
    [
      `S3 raw WAV kept ${TAMMA.rawDaysKept} days`,
      (rawGb * TAMMA.rawDaysKept) / DAYS_PER_MONTH,
      "GB-month",
      "s3StandardGbMonth",
    ],
    ["S3 cleaned AAC, first month", derivedGb, "GB-month", "s3StandardGbMonth"],
    ...logItems((jobs * TAMMA.logBytesPerJob) / GB, maxRetention(rs)),
  ];
  const fargate = (label: string, spotTask: boolean): [string, number, string, PriceKey][] => [
    [
      `${label} vCPU (${vcpu} vCPU)`,
      taskHours * vcpu,
      "vCPU-hours",
      spotTask ? "fargateSpotVcpuHour" : "fargateVcpuHour",
    ],
    [
      `${label} memory (${gb} GB)`,
      taskHours * gb,
      "GB-hours",
      spotTask ? "fargateSpotGbHour" : "fargateGbHour",
    ],
  ];
  const assumptions = [TAMMA.source, TAMMA.assumptions, TAMMA.triggerNote, TAMMA.logNote];
  const strategyLabel =
    spot === 0
      ? "FARGATE"
      : spot === 1
        ? "FARGATE_SPOT"
        : `MIXED (${Math.round(spot * 100)}% Spot at volume)`;
  const blended: [string, number, string, PriceKey][] = [
    ...fargate("Fargate", false).map(
      ([i, q, u, k]) => [i, q * (1 - spot), u, k] as [string, number, string, PriceKey],
    ),
    ...fargate("Fargate Spot", true).map(
      ([i, q, u, k]) => [i, q * spot, u, k] as [string, number, string, PriceKey],
    ),
  ];
  return [
    rate(
      prices,
      "tamma",
      `Tamma audio clean, configured strategy ${strategyLabel}`,
      "audio hour",
      [...blended, ...common],
      assumptions,
      true,
    ),
    rate(
      prices,
      "tamma",
      "Tamma audio clean, all tasks on Fargate",
      "audio hour",
      [...fargate("Fargate", false), ...common],
      assumptions,
      false,
    ),
    rate(
      prices,
      "tamma",
      "Tamma audio clean, all tasks on Fargate Spot",
      "audio hour",
      [...fargate("Fargate Spot", true), ...common],
      assumptions,
      false,
    ),
  ];
}

function inputTrue(r: ReportResource, key: string): boolean {
  const v = r.inputs[key];
  return v === true || v === "true";
}

function agentsRates(model: PlanModel, prices: Prices): Rate[] {
  const rs = members(model, "agents");
  const fns = ofType(rs, "aws:lambda/function:Function");
  const fn = (part: string) => fns.find((f) => (stringAt(f, "name") ?? f.name).endsWith(`-${part}`));
  const controller = fn("controller");
  const api = fn("api");
  const callback = fn("callback");
  if (!controller) return [];
  const tracing = fns.some((f) => stringAt(f, "tracingConfig.mode") === "Active");
  const runtimes = ofType(rs, "aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime").length;
  const invocations = AGENTS.controllerInvocations + AGENTS.apiFnInvocations + AGENTS.callbackFnInvocations;
  const gbs =
    (AGENTS.controllerInvocations * AGENTS.controllerMs * memGb(controller) +
      AGENTS.apiFnInvocations * AGENTS.apiMs * memGb(api) +
      AGENTS.callbackFnInvocations * AGENTS.callbackMs * memGb(callback)) /
    1000;
  const writes = AGENTS.dynamoPutItem + AGENTS.dynamoUpdateItem;
  const dispatches = runtimes ? AGENTS.agentDispatches : 0;
  return [
    rate(
      prices,
      "agents",
      "Agent workflow (3 agents, one approval)",
      "workflow",
      [
        ["HTTP API requests", AGENTS.apiRequests / 1e6, "million", "httpApiRequestsMillion"],
        ["Lambda requests", invocations / 1e6, "million", "lambdaRequestsMillion"],
        [
          `Lambda duration (controller ${numberAt(controller, "memorySize") ?? 128} MB)`,
          gbs,
          "GB-s",
          lambdaKey(controller),
        ],
        [
          `DynamoDB writes (${writes} writes × ${AGENTS.wruPerWrite} WRU)`,
          (writes * AGENTS.wruPerWrite) / 1e6,
          "million WRU",
          "dynamoWriteRequestMillion",
        ],
        [
          `DynamoDB reads (${AGENTS.dynamoGetItem} GetItem)`,
          (AGENTS.dynamoGetItem * AGENTS.rruPerRead) / 1e6,
          "million RRU",
          "dynamoReadRequestMillion",
        ],
        ["EventBridge custom events", AGENTS.eventsPutEvents / 1e6, "million", "eventsCustomMillion"],
        ["S3 PUT (report)", AGENTS.s3Puts / 1000, "thousand", "s3PutThousand"],
        ["S3 GET (report download)", AGENTS.s3Gets / 1000, "thousand", "s3GetThousand"],
        [
          `X-Ray traces (${tracing ? "tracing Active" : "tracing off"})`,
          tracing ? invocations / 1e6 : 0,
          "million",
          "xrayTracesMillion",
        ],
        [
          "AgentCore active vCPU",
          (dispatches * AGENTS.agentActiveCpuSeconds) / 3600,
          "vCPU-hours",
          "agentCoreVcpuHour",
        ],
        [
          "AgentCore memory",
          (dispatches * AGENTS.agentSessionSeconds * AGENTS.agentMemoryGb) / 3600,
          "GB-hours",
          "agentCoreGbHour",
        ],
        ...logItems(AGENTS.logBytesPerWorkflow / GB, maxRetention(rs)),
      ],
      [AGENTS.source, AGENTS.durationNote, AGENTS.itemNote, AGENTS.agentNote, AGENTS.logNote],
      true,
    ),
  ];
}

/** Every system's rates plus what the rates leave out. */
export function systemRates(model: PlanModel, prices: Prices): { rates: Rate[]; notPriced: NotPriced[] } {
  const rates = [
    ...playgroundRates(model, prices),
    ...tammaRates(model, prices),
    ...agentsRates(model, prices),
  ];
  const notPriced: NotPriced[] = [];
  const systems = new Set(rates.map((r) => r.system));
  if (systems.has("tamma")) {
    notPriced.push({
      what: "Tamma NAT data processing",
      reason: `$${prices.usd("natGatewayGb")}/GB of traffic through the NAT (Supabase calls, ECR API without interface endpoints); S3 goes through the free gateway endpoint; volume not known offline`,
    });
  }
  if (systems.has("agents")) {
    const model_ = model.config["ai-platform:agentsModelId"] ?? "anthropic.claude-3-5-sonnet-20241022-v2:0";
    const known = model_ === "anthropic.claude-3-5-sonnet-20241022-v2:0";
    notPriced.push({
      what: "Bedrock model tokens of the agents",
      reason: known
        ? `${model_}: $${prices.usd("bedrockClaude35SonnetInputMillion")} per million input and $${prices.usd("bedrockClaude35SonnetOutputMillion")} per million output tokens; tokens per workflow are not measured offline (the benches use stand-in models). Likely the largest per-workflow cost`
        : `${model_} is not in the price table; tokens per workflow are not measured offline`,
    });
    notPriced.push({
      what: "Lambda durable execution of the controller",
      reason:
        "durable operations and retained execution history are billed by Lambda; their price is not in the table (not known to the table's author with a source)",
    });
  }
  return { rates, notPriced };
}
