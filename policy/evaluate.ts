/**
 * Runs the policy rules over resources recorded offline (under mocks), building the same argument objects
 * `pulumi preview --policy-pack` would hand them. Only inputs are visible, as in a preview.
 */
import { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { Rule } from "./rules";

/** What the evaluator needs of a registered resource. */
export interface ResourceLike {
  urn: string;
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  parent?: string;
  /** Provider reference `urn::id`. */
  provider?: string;
  protect?: boolean;
  propertyDependencies?: Record<string, string[]>;
  dependencies?: string[];
}

export interface Finding {
  policy: string;
  enforcementLevel: string;
  message: string;
  urn?: string;
}

class NotApplicable extends Error {}

type ResourceClass = { __pulumiType?: string };

function typeChecks(type: string, props: Record<string, unknown>) {
  return {
    isType: (cls: unknown) => (cls as ResourceClass).__pulumiType === type,
    asType: (cls: unknown) => ((cls as ResourceClass).__pulumiType === type ? props : undefined),
  };
}

export function evaluatePolicies(resources: ResourceLike[], rules: Rule[]): Finding[] {
  const byUrn = new Map<string, PolicyResource>();
  const opts = (r: ResourceLike) => ({
    protect: !!r.protect,
    ignoreChanges: [],
    aliases: [],
    additionalSecretOutputs: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  });
  for (const r of resources) {
    byUrn.set(r.urn, {
      type: r.type,
      props: r.inputs,
      urn: r.urn,
      name: r.name,
      opts: opts(r),
      dependencies: [],
      propertyDependencies: {},
      ...typeChecks(r.type, r.inputs),
    } as unknown as PolicyResource);
  }
  for (const r of resources) {
    const pr = byUrn.get(r.urn)! as {
      parent?: PolicyResource;
      provider?: unknown;
      dependencies: PolicyResource[];
      propertyDependencies: Record<string, PolicyResource[]>;
    };
    if (r.parent) pr.parent = byUrn.get(r.parent);
    const providerUrn = r.provider?.split("::").slice(0, -1).join("::");
    const provider = providerUrn ? byUrn.get(providerUrn) : undefined;
    if (provider)
      pr.provider = { type: provider.type, props: provider.props, urn: provider.urn, name: provider.name };
    pr.dependencies = (r.dependencies ?? []).map((u) => byUrn.get(u)).filter((x): x is PolicyResource => !!x);
    for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
      pr.propertyDependencies[k] = urns.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => !!x);
    }
  }

  const findings: Finding[] = [];
  const notApplicable = (): never => {
    throw new NotApplicable();
  };
  for (const rule of rules) {
    const level = rule.enforcementLevel ?? "advisory";
    if (level === "disabled") continue;
    if ("validateResource" in rule && rule.validateResource) {
      const validators = Array.isArray(rule.validateResource)
        ? rule.validateResource
        : [rule.validateResource];
      for (const pr of byUrn.values()) {
        const pra = pr as PolicyResource & { provider?: unknown };
        const args = {
          type: pr.type,
          props: pr.props,
          urn: pr.urn,
          name: pr.name,
          opts: pr.opts,
          provider: pra.provider,
          stackTags: new Map(),
          isType: pr.isType,
          asType: pr.asType,
          getConfig: () => ({}),
          notApplicable,
        } as unknown as ResourceValidationArgs;
        for (const validate of validators) {
          try {
            void validate(args, (message, urn) =>
              findings.push({ policy: rule.name, enforcementLevel: level, message, urn: urn ?? pr.urn }),
            );
          } catch (e) {
            if (!(e instanceof NotApplicable)) throw e;
          }
        }
      }
    }
    if ("validateStack" in rule && rule.validateStack) {
      const args = {
        resources: [...byUrn.values()],
        stackTags: new Map(),
        getConfig: () => ({}),
        notApplicable,
      } as unknown as StackValidationArgs;
      try {
        void rule.validateStack(args, (message, urn) =>
          findings.push({ policy: rule.name, enforcementLevel: level, message, urn }),
        );
      } catch (e) {
        if (!(e instanceof NotApplicable)) throw e;
      }
    }
  }
  return findings;
}

/** True when a finding blocks a deployment. */
export function isBlocking(f: Finding): boolean {
  return f.enforcementLevel === "mandatory" || f.enforcementLevel === "remediate";
}
