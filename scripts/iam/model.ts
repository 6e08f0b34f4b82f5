/**
 * The IAM side of a stack, read from the program evaluated under the suite's mocks: every role (and user) with
 * its policies exactly as registered (inline `RolePolicy`, the role's own inline and managed policies, attached
 * policies, permissions boundary), what runs as it (a Lambda bundle's code folder, an ECS task, an AgentCore
 * runtime), the environment that code gets, and the resource policies that authorise service principals
 * (Lambda invoke permissions, CloudWatch Logs resource policies).
 */
import { boundaryArn, boundaryName, boundaryPolicy } from "../../lib/boundary";
import type { RecordedResource } from "../../test/harness/mocks";

/* eslint-disable @typescript-eslint/no-explicit-any -- registered inputs and state are untyped */

export interface PolicyDoc {
  Version?: string;
  Statement: PolicyStatement[];
}
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface NamedPolicy {
  name: string;
  policy: PolicyDoc;
}

/** What runs as a principal. */
export type PrincipalKind =
  | "lambda"
  | "ecs-task"
  | "ecs-execution"
  | "agentcore-runtime"
  | "ec2"
  | "user"
  /** A resource policy checked for the service principals that call into the stack. */
  | "resource-policy";

export interface Principal {
  /** Role (or user) name in the stack. */
  name: string;
  arn: string;
  kind: PrincipalKind;
  /** Code folders whose recorded calls run as this principal (`functions/...`). */
  code: string[];
  /** The environment that code gets in the stack (name → value). */
  env: Record<string, string>;
  policies: NamedPolicy[];
  boundary?: NamedPolicy;
  /** Managed policies the program attaches that are not in the stack (AWS managed): not evaluated. */
  externalManaged: string[];
  /** The resource that runs as this principal (function, task definition, runtime, instance profile...). */
  runs?: RecordedResource;
}

export interface StackModel {
  stack: string;
  account: string;
  region: string;
  principals: Principal[];
  resources: RecordedResource[];
}

const parse = (v: unknown): any => (typeof v === "string" ? JSON.parse(v) : v);

/** Code folders bundled into a Lambda: the `functions/<...>/index.ts` entries of its source map. */
export async function bundledFolders(code: any): Promise<string[]> {
  const assets = await code?.assets;
  const map = await assets?.["index.js.map"]?.text;
  if (typeof map !== "string") return [];
  const sources = (JSON.parse(map).sources ?? []) as string[];
  const folders = new Set<string>();
  for (const s of sources) {
    const m = /functions\/((?:agents\/)?[a-z0-9-]+)\/index\.ts$/.exec(s);
    if (m && !m[1].endsWith("/shared")) folders.add(`functions/${m[1]}`);
  }
  return [...folders];
}

/** Builds the model from a program run (`runProgram(stack)`). */
export async function stackModel(
  stack: string,
  resources: RecordedResource[],
  account: string,
  region: string,
): Promise<StackModel> {
  const of = (type: string) => resources.filter((r) => r.type === type);
  const val = (r: RecordedResource, k: string) => r.state[k] ?? r.inputs[k];
  const policiesByArn = new Map(of("aws:iam/policy:Policy").map((p) => [String(val(p, "arn")), p]));
  const principals: Principal[] = [];

  const managed = (arn: string, into: Principal) => {
    const p = policiesByArn.get(arn);
    if (p) into.policies.push({ name: String(val(p, "name")), policy: parse(val(p, "policy")) });
    else into.externalManaged.push(arn);
  };

  for (const role of of("aws:iam/role:Role")) {
    const name = String(val(role, "name"));
    const p: Principal = {
      name,
      arn: String(val(role, "arn")),
      kind: "ec2",
      code: [],
      env: {},
      policies: [],
      externalManaged: [],
    };
    for (const inline of (val(role, "inlinePolicies") ?? []) as { name?: string; policy?: string }[]) {
      if (inline.policy) p.policies.push({ name: inline.name ?? "inline", policy: parse(inline.policy) });
    }
    for (const arn of (val(role, "managedPolicyArns") ?? []) as string[]) managed(arn, p);
    const boundary = val(role, "permissionsBoundary");
    if (boundary) {
      const b = policiesByArn.get(String(boundary));
      // The stack's boundary is made by the deploy project, so its document comes from lib/boundary.ts.
      p.boundary = b
        ? { name: String(val(b, "name")), policy: parse(val(b, "policy")) }
        : String(boundary) === boundaryArn(stack, account)
          ? { name: boundaryName(stack), policy: boundaryPolicy(stack, account) as never }
          : { name: String(boundary), policy: { Statement: [] } };
    }
    principals.push(p);
  }
  const roleBy = (ref: string) => principals.find((p) => p.name === ref || p.arn === ref);
  for (const rp of of("aws:iam/rolePolicy:RolePolicy")) {
    const p = roleBy(String(val(rp, "role")));
    if (p) p.policies.push({ name: String(val(rp, "name") ?? rp.name), policy: parse(val(rp, "policy")) });
  }
  for (const at of of("aws:iam/rolePolicyAttachment:RolePolicyAttachment")) {
    const p = roleBy(String(val(at, "role")));
    if (p) managed(String(val(at, "policyArn")), p);
  }

  for (const fn of of("aws:lambda/function:Function")) {
    const p = roleBy(String(val(fn, "role")));
    if (!p) continue;
    p.kind = "lambda";
    p.runs = fn;
    p.code.push(...(await bundledFolders(fn.inputs.code)));
    Object.assign(p.env, val(fn, "environment")?.variables ?? {});
  }
  for (const td of of("aws:ecs/taskDefinition:TaskDefinition")) {
    const containers = parse(val(td, "containerDefinitions")) as any[];
    const env: Record<string, string> = {};
    for (const c of containers) for (const e of c.environment ?? []) env[e.name] = String(e.value);
    const task = roleBy(String(val(td, "taskRoleArn")));
    if (task) {
      task.kind = "ecs-task";
      task.runs = td;
      // The one container image of this repo's task definitions is the Tamma worker.
      task.code.push("functions/tamma-worker");
      Object.assign(task.env, env);
    }
    const exec = roleBy(String(val(td, "executionRoleArn")));
    if (exec) {
      exec.kind = "ecs-execution";
      exec.runs = td;
    }
  }
  for (const rt of of("aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime")) {
    const p = roleBy(String(val(rt, "roleArn")));
    if (!p) continue;
    p.kind = "agentcore-runtime";
    p.runs = rt;
    // Every agent image runs the shared runtime plus its own folder.
    const agent = /_(researcher|analyst|writer)(?:_|$)/.exec(String(val(rt, "agentRuntimeName")))?.[1];
    p.code.push("functions/agents/runtime", ...(agent ? [`functions/agents/${agent}`] : []));
    Object.assign(p.env, val(rt, "environmentVariables") ?? {});
  }
  for (const user of of("aws:iam/user:User")) {
    const name = String(val(user, "name"));
    const p: Principal = {
      name,
      arn: String(val(user, "arn")),
      kind: "user",
      code: [],
      env: {},
      policies: [],
      externalManaged: [],
      runs: user,
    };
    for (const up of of("aws:iam/userPolicy:UserPolicy").filter((u) => val(u, "user") === name)) {
      p.policies.push({ name: String(val(up, "name") ?? up.name), policy: parse(val(up, "policy")) });
    }
    principals.push(p);
  }
  return { stack, account, region, principals, resources };
}
