/**
 * The policy pack served to the Pulumi CLI:
 *   pulumi preview --policy-pack policy/pack
 * It serves the very rule objects the offline plan and the tests check (policy/rules.ts).
 * Never import this file in tests: constructing a PolicyPack starts a gRPC server.
 */
import { PolicyPack } from "@pulumi/policy";
import { allRules } from "../rules";

new PolicyPack("ai-platform", { policies: allRules });
