/**
 * The AWS regions this program supports, from checked-in evidence:
 * - a region code the pinned AWS provider knows (`@pulumi/aws`'s `Region` enum);
 * - with `agents` enabled, a region where Amazon Bedrock AgentCore Runtime is offered (the stack creates
 *   AgentCore runtimes).
 * A region without a checked-in price table is allowed: only `npm run plan -- <stack> --cost` needs one, and it
 * says so (docs/cost.md).
 */
import { Region } from "@pulumi/aws/types/enums";
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
export function supportedRegions(systems: readonly SystemName[]): string[] {
  return AWS_REGIONS.filter((r) => !systems.includes("agents") || AGENTCORE_RUNTIME_REGIONS.includes(r));
}

/** Pure: the issue of a region the program does not support (region codes are not secret: the value is shown). */
export function regionIssues(region: string, systems: readonly SystemName[]): ConfigIssue[] {
  if (!AWS_REGIONS.includes(region) || supportedRegions(systems).includes(region)) return []; // unknown codes: the schema's rule
  return [
    {
      key: "aws:region",
      problem: `"${region}" is not a region this program supports: agents is enabled and AgentCore Runtime is not offered there`,
      rule:
        `one of ${AGENTCORE_RUNTIME_REGIONS.join(", ")} while agents is enabled. Pick one with ` +
        '"pulumi config set aws:region <region>", or leave agents out of ai-platform:systems in this stack',
    },
  ];
}
