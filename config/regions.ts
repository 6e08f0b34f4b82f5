/**
 * The AWS regions this program supports, from checked-in evidence:
 * - a region code the pinned AWS provider knows (`@pulumi/aws`'s `Region` enum);
 * - a region with a checked-in price table (`scripts/report/prices/<region>.json`): the program's plan and
 *   cost report were made for these regions only, so adding a region is a deliberate step that starts with
 *   its table;
 * - with `agents` enabled, a region where Amazon Bedrock AgentCore Runtime is offered (the stack creates
 *   AgentCore runtimes).
 */
import { Region } from "@pulumi/aws/types/enums";
import { pricedRegions } from "../scripts/report/prices";
import type { SystemName } from "../lib/naming";
import type { ConfigIssue } from "./schema";

/** Every region code of the pinned @pulumi/aws. */
export const AWS_REGIONS: readonly string[] = Object.values(Region);

/**
 * Regions where AgentCore Runtime is offered, from the "Supported AWS Regions" page of the AgentCore developer
 * guide (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/agentcore-regions.html, English edition
 * as read for this program). Newer translated editions list more regions (eu-south-1, eu-south-2,
 * ap-southeast-5, ap-southeast-7, sa-east-1, us-gov-west-1); add them here once the English page does.
 */
export const AGENTCORE_RUNTIME_REGIONS: readonly string[] = [
  "us-east-1",
  "us-east-2",
  "us-west-2",
  "eu-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-north-1",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ca-central-1",
];

/** The regions a stack with these systems can use. */
export function supportedRegions(
  systems: readonly SystemName[],
  priced: readonly string[] = pricedRegions(),
): string[] {
  return priced.filter(
    (r) => AWS_REGIONS.includes(r) && (!systems.includes("agents") || AGENTCORE_RUNTIME_REGIONS.includes(r)),
  );
}

/** Pure: the issue of a region the program does not support (region codes are not secret: the value is shown). */
export function regionIssues(
  region: string,
  systems: readonly SystemName[],
  priced: readonly string[] = pricedRegions(),
): ConfigIssue[] {
  const supported = supportedRegions(systems, priced);
  if (supported.includes(region)) return [];
  const reasons: string[] = [];
  if (!priced.includes(region))
    reasons.push(`it has no price table (scripts/report/prices/${region}.json), so the plan cannot price it`);
  if (systems.includes("agents") && !AGENTCORE_RUNTIME_REGIONS.includes(region))
    reasons.push("agents is enabled and AgentCore Runtime is not offered there");
  return [
    {
      key: "aws:region",
      problem: `"${region}" is not a region this program supports: ${reasons.join("; ")}`,
      rule:
        `one of ${supported.join(", ") || "(none for these systems)"}. Pick one of them with ` +
        `"pulumi config set aws:region <region>", or add the region: write scripts/report/prices/${region}.json ` +
        `(copy a table, set its region and refresh it with "npm run prices:refresh -- ${region}") and check ` +
        "that each enabled system's AWS services are offered there (README, Supported regions)",
    },
  ];
}
