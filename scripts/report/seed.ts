/**
 * The seed Terraform's equivalents, where the program differs in cost. The seed's shape comes from
 * /work/shared/specs/aws-seed-systems.md (B.1 Tamma, A.1 playground, C.1 agents) and is priced with the same
 * table and the same workload assumptions, so the differences are the settings' alone.
 */
import { PlanModel } from "./model";
import { FixedLine, Prices } from "./prices";
import { Rate, tammaTaskHoursPerAudioHour } from "./rates";
import { PLAYGROUND, TAMMA } from "./workload";

export interface SeedComparison {
  system: string;
  aspect: string;
  program: string;
  seed: string;
  /** USD per `per` for each side, when both can be priced. */
  programUsd?: number;
  seedUsd?: number;
  per?: string;
}

const DAYS_PER_MONTH = 365 / 12;

/** The seed's Tamma rate per audio hour: FARGATE launch type (on demand), 1 vCPU / 2 GB, its one-pass worker's time, a 128 MB x86 trigger per job, standard queue, 14-day logs. */
export function seedTammaRate(prices: Prices): number {
  // The seed's worker runs the one-pass command: its own measured time per audio minute.
  const { jobs, taskHours } = tammaTaskHoursPerAudioHour(TAMMA.seedWorkerSecondsPerAudioMinute);
  const fargate = taskHours * (1 * prices.usd("fargateVcpuHour") + 2 * prices.usd("fargateGbHour"));
  const trigger =
    (jobs / 1e6) * prices.usd("lambdaRequestsMillion") +
    ((jobs * TAMMA.triggerMsPerRecord * (128 / 1024)) / 1000) * prices.usd("lambdaGbSecondX86");
  const sqs = ((jobs * TAMMA.sqsRequestsPerJob) / 1e6) * prices.usd("sqsStandardMillion");
  const s3req =
    ((jobs * TAMMA.s3PutsPerJob) / 1000) * prices.usd("s3PutThousand") +
    ((jobs * TAMMA.s3GetsPerJob) / 1000) * prices.usd("s3GetThousand");
  const rawGb = (TAMMA.rawMiBPerAudioMinute * 60 * 1_048_576) / 1e9;
  const derivedGb = (TAMMA.derivedMiBPerAudioMinute * 60 * 1_048_576) / 1e9;
  const s3 = ((rawGb * 30) / DAYS_PER_MONTH + derivedGb) * prices.usd("s3StandardGbMonth");
  const logGb = (jobs * TAMMA.logBytesPerJob) / 1e9;
  const logs =
    logGb * prices.usd("logsIngestGb") + ((logGb * 14) / DAYS_PER_MONTH) * prices.usd("logsStorageGbMonth");
  return fargate + trigger + sqs + s3req + s3 + logs;
}

export function seedComparisons(
  model: PlanModel,
  prices: Prices,
  est: { fixed: FixedLine[]; rates: Rate[] },
): SeedComparison[] {
  const out: SeedComparison[] = [];
  const systems = new Set(est.rates.map((r) => r.system));
  const hours = prices.table.hoursPerMonth;
  const tammaFixed = est.fixed.filter((l) => l.system === "tamma");
  if (tammaFixed.length || systems.has("tamma")) {
    const nat =
      tammaFixed.filter((l) => l.priceKey === "natGatewayHour").reduce((s, l) => s + l.quantity, 0) / hours;
    const endpoints = tammaFixed.filter((l) => l.priceKey === "interfaceEndpointHour");
    const alarms = tammaFixed.filter((l) => l.priceKey === "alarmMonth").length;
    const seedFixed = hours * (prices.usd("natGatewayHour") + prices.usd("publicIpv4Hour"));
    out.push({
      system: "tamma",
      aspect: "fixed part (NAT gateways + EIPs, interface endpoints, alarms)",
      program: `${nat} NAT gateway(s), ${endpoints.length} interface endpoint(s) in ${endpoints.reduce((s, l) => s + l.quantity, 0) / hours} endpoint-AZs, ${alarms} alarm(s)`,
      seed: "1 NAT gateway (single_nat_gateway=true, 3 AZs), no interface endpoints, no alarm",
      programUsd: tammaFixed.reduce((s, l) => s + l.monthlyUsd, 0),
      seedUsd: seedFixed,
      per: "month",
    });
    const configured = est.rates.find((r) => r.system === "tamma" && r.inTotal);
    if (configured) {
      out.push({
        system: "tamma",
        aspect: "per audio hour",
        program: configured.label.replace(/^Tamma audio clean, /, ""),
        seed: "FARGATE launch type (on demand), 1 vCPU / 2 GB, 128 MB x86_64 trigger, standard queue, 14-day logs",
        programUsd: configured.usd,
        seedUsd: seedTammaRate(prices),
        per: "audio hour",
      });
    }
  }
  const pg = est.rates.find((r) => r.system === "playground");
  if (pg) {
    const duration = pg.parts.find((p) => p.item.startsWith("Lambda duration"));
    if (duration) {
      out.push({
        system: "playground",
        aspect: "Lambda duration per million requests",
        program: duration.item.replace(/^Lambda duration /, ""),
        seed: "(256 MB, x86_64, python3.11; same assumed duration)",
        programUsd: duration.usd,
        seedUsd: duration.quantity * prices.usd("lambdaGbSecondX86"),
        per: "million requests",
      });
    }
    const storage = pg.parts.find((p) => p.priceKey === "logsStorageGbMonth");
    const seedLogGb = (1e6 * ((PLAYGROUND.logBytesPerRequest.INFO ?? 1100) - 400)) / 1e9;
    out.push({
      system: "playground",
      aspect: "log storage per million requests a month (steady state)",
      program: storage?.item ?? "no log group",
      seed: "no log group in the Terraform: Lambda creates one that never expires, no access log (one year's growth shown)",
      programUsd: storage?.usd,
      seedUsd: seedLogGb * 12 * prices.usd("logsStorageGbMonth"),
      per: "month",
    });
    const calls = (f: (r: (typeof PLAYGROUND.routes)[number]) => number) =>
      PLAYGROUND.routes.reduce((s, r) => s + r.share * f(r), 0);
    out.push({
      system: "playground",
      aspect: "DynamoDB calls per request (assumed mix, measured counts)",
      program: calls(
        (r) => r.getItem + r.query + (r.wru ? (r.route === "PUT user, new" ? 2 : 1) : 0),
      ).toFixed(2),
      seed: `${calls((r) => r.seedCalls).toFixed(2)} (GET users page answered 500 at the seed, counted as 0)`,
    });
  }
  if (systems.has("agents")) {
    const retention = model.config["ai-platform:logRetentionDays"];
    out.push({
      system: "agents",
      aspect: "agents",
      program:
        "3 AgentCore runtimes: no charge while idle, active vCPU and memory per session (in the workflow rate)",
      seed: "no runtime (placeholder ARNs): the seed's workflows could not reach an agent, so no per-workflow seed cost",
    });
    out.push({
      system: "agents",
      aspect: "fixed part",
      program: `none always on; logs at ${retention ?? 14}-day retention`,
      seed: "none always on; logs at 7-day retention (log_retention_days default)",
      programUsd: est.fixed.filter((l) => l.system === "agents").reduce((s, l) => s + l.monthlyUsd, 0),
      seedUsd: 0,
      per: "month",
    });
  }
  return out;
}
