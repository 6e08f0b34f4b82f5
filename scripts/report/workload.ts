/**
 * What one unit of each system's work consumes, for the usage-driven rates of the cost report. Call counts are
 * the benches' measured numbers (docs/<system>.md); durations, sizes and mixes that no bench here can measure
 * (real DynamoDB, real ECS, real AgentCore) are stated assumptions, each with its reason. Change them here.
 */

/** One playground route: measured DynamoDB calls per request (`npm run bench -- playground`). */
export interface PlaygroundRoute {
  route: string;
  /** Share of requests in the assumed mix (sums to 1). */
  share: number;
  getItem: number;
  query: number;
  /** Write request units per request: 1 per item write plus 1 per GSI the item is in, 2 when a GSI key moves. */
  wru: number;
  /** The seed's DynamoDB calls for the same request (bench column "seed"). */
  seedCalls: number;
}

export const PLAYGROUND = {
  source: "docs/playground.md, Measured (npm run bench -- playground): DynamoDB calls per request, exact",
  routes: [
    // PUT rewrite: UpdateItem of the user item: table 1 + byUser 1 + leaderboard 2 (its rank key changes).
    { route: "PUT user, rewrite", share: 0.4, getItem: 1, query: 0, wru: 4, seedCalls: 3 },
    { route: "GET user", share: 0.2, getItem: 1, query: 0, wru: 0, seedCalls: 2 },
    { route: "GET users page (limit 50)", share: 0.2, getItem: 1, query: 1, wru: 0, seedCalls: 0 },
    { route: "GET /tables (limit 50)", share: 0.1, getItem: 0, query: 1, wru: 0, seedCalls: 1 },
    { route: "GET /tables/{tableId}", share: 0.05, getItem: 1, query: 0, wru: 0, seedCalls: 1 },
    // PUT new: user item (table 1 + byUser 1 + leaderboard 1) + metadata ADD (table 1 + byUser 1 + tablesByCreatedAt 1).
    { route: "PUT user, new", share: 0.03, getItem: 1, query: 0, wru: 6, seedCalls: 4 },
    // Metadata item: table 1 + byUser 1 + tablesByCreatedAt 1.
    { route: "POST /tables", share: 0.01, getItem: 0, query: 0, wru: 3, seedCalls: 2 },
    { route: "PATCH /tables/{tableId}", share: 0.01, getItem: 0, query: 0, wru: 3, seedCalls: 2 },
  ] satisfies PlaygroundRoute[],
  mixAssumption:
    "assumed mix of a leaderboard: 40% score rewrites, 20% user reads, 20% user pages, 10% table lists, 5% table reads, 3% new users, 1% new tables, 1% archive changes",
  /** Read units of a GSI page: 51 items of ~300 B = 15 KB = 4 blocks of 4 KB, always eventually consistent (0.5 each). */
  queryRru: 2,
  queryRruNote:
    "a page of 51 items of ~300 B (limit + 1) is 4 x 4 KB, read from a GSI (always eventually consistent: 0.5 RRU per 4 KB)",
  /** Billed Lambda duration per request; the bench measured 0.5-17.8 ms per request against dynalite. */
  lambdaMs: 25,
  lambdaMsNote:
    "assumed 25 ms billed per request (measured 0.5-17.8 ms against dynalite on loopback; real DynamoDB adds a few ms per call)",
  /** Log bytes per request: Lambda's START/END/REPORT lines (~400 B) + the handler's line + the access log line. */
  logBytesPerRequest: { DEBUG: 1800, INFO: 1100, WARN: 800, ERROR: 800 } as Record<string, number>,
  logNote:
    "assumed log bytes per request: Lambda platform lines ~400 B, the handler's request line ~300 B (more at DEBUG), the HTTP API access log line ~400 B",
} as const;

export const TAMMA = {
  source:
    "docs/tamma.md, Measured (npm run bench -- tamma, 10 min of speech-like audio, unloaded, 2026-12-05): the two-pass worker 1.96 s per audio minute, the seed's one-pass command 3.59 s on the same file (2 vCPUs, ffmpeg 5.1); trigger 1.00 RunTask call per record",
  /** The two-pass worker: 19.6 s end to end for 10 audio minutes (docs/tamma.md, Measured). */
  workerSecondsPerAudioMinute: 1.96,
  /** The seed's one-pass command (`afftdn,loudnorm` dynamic, AAC 192k) on the same input: 35.9 s for 10 audio minutes. */
  seedWorkerSecondsPerAudioMinute: 3.59,
  /** Assumed length of one uploaded file: one job, one task. */
  jobAudioMinutes: 10,
  /** Assumed seconds Fargate bills before the worker starts (image pull, ENI attach); Fargate bills at least 60 s. */
  taskStartSeconds: 40,
  fargateMinimumSeconds: 60,
  assumptions:
    "assumed: jobs of 10 audio minutes (6 tasks per audio hour); 40 s billed per task for image pull and start; 1.96 s per audio minute (measured on 2 vCPUs; the seed's one-pass command 3.59 s) whatever the task's CPU, since each ffmpeg pass runs its filter chain on one core",
  /** Raw WAV input measured at 5.0 MiB per audio minute; cleaned AAC at 192 kb/s. */
  rawMiBPerAudioMinute: 5.0,
  derivedMiBPerAudioMinute: ((192_000 / 8) * 60) / 1_048_576,
  /** Raw objects expire after 30 days (the raw bucket's lifecycle); derived ones are kept: one month counted. */
  rawDaysKept: 30,
  /** S3 requests per job: presigned PUT of the upload, the worker's GET and PUT, the user's presigned GET. */
  s3PutsPerJob: 2,
  s3GetsPerJob: 2,
  /** SQS requests per job: SendMessage, the event source's ReceiveMessage and DeleteMessage (upper bound: batches of one). */
  sqsRequestsPerJob: 3,
  /** Trigger: one RunTask per record (measured); billed ms per record assumed (a real RunTask round trip). */
  triggerMsPerRecord: 150,
  triggerNote:
    "assumed 150 ms billed per record (one RunTask round trip; 3.7 ms measured against a loopback ECS)",
  logBytesPerJob: 3000,
  logNote:
    "assumed 3 KB of logs per job (trigger platform lines and one line per record, the worker's JSON progress lines)",
} as const;

export const AGENTS = {
  source:
    "docs/agents.md, Measured (npm run bench -- agents): 33.0 AWS calls per workflow; docs/agents.md AgentCore bench: RSS ~110 MiB per agent",
  dynamoPutItem: 1,
  dynamoUpdateItem: 17,
  dynamoGetItem: 4,
  eventsPutEvents: 3,
  agentDispatches: 3,
  callbackSuccess: 4,
  controllerInvocations: 4.8,
  /** HTTP API requests: POST /workflows, 3 agent callbacks, 1 approval, and 5 status reads (assumed). */
  apiRequests: 10,
  apiFnInvocations: 7,
  callbackFnInvocations: 3,
  controllerMs: 300,
  apiMs: 60,
  callbackMs: 100,
  durationNote:
    "assumed billed ms per invocation: controller 300 (a replay with its DynamoDB calls), API 60, callback 100; 5 status reads per workflow",
  /** Workflow items carry 2-4 KB phase results: 4 WRU per write, doubled by the status GSI (projection ALL). */
  wruPerWrite: 8,
  rruPerRead: 1,
  itemNote:
    "assumed workflow items of ~4 KB (phase results of 2-4 KB inline): 4 WRU per write, 8 with the status-created-index GSI (projection ALL); 1 RRU per strongly consistent read",
  s3Puts: 1,
  s3Gets: 1,
  logBytesPerWorkflow: 40_000,
  logNote:
    "assumed 40 KB of logs per workflow (15 invocations' platform lines and handler lines, 3 events in the events log group, 10 access log lines)",
  agentSessionSeconds: 30,
  agentActiveCpuSeconds: 1,
  agentMemoryGb: 0.11,
  agentNote:
    "assumed per agent task: a 30 s session (mostly waiting on Bedrock, CPU not billed while waiting) with 1 s of active CPU at ~110 MiB (measured RSS)",
} as const;

/** The reference month the report totals at: fixed part plus these volumes at the stack's rates. */
export const REFERENCE_MONTH = {
  playgroundMillionRequests: 1,
  tammaAudioHours: 100,
  agentsWorkflows: 1000,
} as const;
