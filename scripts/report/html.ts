/**
 * The plan as one self-contained HTML page (pure string building): the component → resource graph drawn as
 * inline SVG with the declared dependency edges, the settings that matter per resource, policy findings in
 * place, the secrets to set, and the cost with the sources of its prices. Nothing is fetched at view time.
 * No input value is printed beyond plan-format's summary fields, so no secret (stand-in or real) reaches the page.
 */
import { isBlocking } from "../../policy/evaluate";
import { summarize } from "../plan-format";
import { CostEstimate, usd } from "./cost";
import { CSS, SCRIPT } from "./html-assets";
import { GEOMETRY, layoutPlan } from "./layout";
import { PlanModel, ReportResource, systemOf } from "./model";
import { Prices } from "./prices";

export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

const short = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + "…" : s);

function graphSvg(model: PlanModel, est: CostEstimate | undefined, findingUrns: Set<string>): string {
  const layout = layoutPlan(model.resources);
  const g = GEOMETRY;
  const pos = new Map(layout.nodes.map((n) => [n.urn, n]));
  const byUrn = new Map(model.resources.map((r) => [r.urn, r]));
  const parts: string[] = [];
  parts.push(
    `<svg id="graph" xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" role="img" aria-label="component and resource graph">`,
  );
  for (const c of layout.columns) {
    parts.push(`<text class="col-title" x="${c.x}" y="${g.top - 14}">${esc(c.title)}</text>`);
  }
  const mid = (n: { y: number }) => n.y + g.nodeHeight / 2;
  for (const e of layout.edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    let d: string;
    if (e.kind === "parent") {
      const x = a.x + 6;
      d = `M${x},${a.y + g.nodeHeight} V${mid(b)} H${b.x}`;
    } else {
      const ax = a.x + a.width;
      const bx = b.x + b.width;
      const bulge = a.column === b.column ? 24 + Math.min(Math.abs(a.row - b.row), 30) * 1.2 : 40;
      d = `M${ax},${mid(a)} C${ax + bulge},${mid(a)} ${bx + bulge},${mid(b)} ${bx},${mid(b)}`;
    }
    const title =
      e.kind === "property"
        ? `${e.to.split("::").pop()} ← ${e.from.split("::").pop()} via ${e.via?.join(", ")}`
        : "";
    parts.push(
      `<path class="edge ${e.kind}" data-from="${esc(e.from)}" data-to="${esc(e.to)}" d="${d}">${title ? `<title>${esc(title)}</title>` : ""}</path>`,
    );
  }
  for (const n of layout.nodes) {
    const r = byUrn.get(n.urn)!;
    const cls = est?.perResource.get(r.urn)?.class ?? "unpriced";
    const typeShort = r.type.split(":").pop()!.split("/").pop()!;
    const chars = Math.floor((n.width - 12) / 7.2);
    const text = short(`${r.name}  ${typeShort}`, chars);
    const flagged = findingUrns.has(r.urn);
    parts.push(
      `<g class="node c-${cls}${flagged ? " finding" : ""}" data-urn="${esc(r.urn)}" data-name="${esc(r.name)}" transform="translate(${n.x},${n.y})">` +
        `<title>${esc(`${r.type} ${r.name}\n${summarize(r)}`)}</title>` +
        `<rect width="${n.width}" height="${g.nodeHeight}"></rect>` +
        (flagged
          ? `<circle class="badge" cx="${n.width - 8}" cy="${g.nodeHeight / 2}" r="5"></circle>`
          : "") +
        `<text x="5" y="${g.nodeHeight - 5}">${esc(text)}</text></g>`,
    );
  }
  parts.push("</svg>");
  return parts.join("\n");
}

function costSection(est: CostEstimate | undefined, prices: Prices | undefined): string {
  if (!est || !prices) return `<p>No price table for this region: the cost is left out.</p>`;
  const out: string[] = [];
  out.push(
    `<p>Region ${esc(est.region)}, ${est.hoursPerMonth} hours a month, USD, free tiers not deducted. ` +
      `Fixed part <b id="cost-fixed">${usd(est.fixedUsd)}</b>/month; with the reference month's usage ` +
      `<b id="cost-total">${usd(est.monthlyUsd)}</b>/month.</p>`,
  );
  out.push(
    `<h3>Fixed part (always on)</h3><table id="cost-fixed-table"><tr><th>system</th><th>item</th><th>quantity</th><th>unit price</th><th>monthly</th></tr>`,
  );
  for (const l of est.fixed) {
    out.push(
      `<tr><td>${esc(l.system)}</td><td>${esc(l.item)}</td><td class="num">${esc(+l.quantity.toFixed(4))} ${esc(l.unit)}</td>` +
        `<td class="num">$${esc(l.unitUsd)} <span class="muted">(${esc(l.priceKey)})</span></td><td class="num">${usd(l.monthlyUsd)}</td></tr>`,
    );
  }
  out.push(`<tr><th colspan="4">total</th><th class="num">${usd(est.fixedUsd)}</th></tr></table>`);
  out.push(`<h3>Usage-driven rates</h3>`);
  for (const r of est.rates) {
    out.push(
      `<table class="rate"><tr><th colspan="4">${esc(r.label)}: ${usd(r.usd, 4)} per ${esc(r.unit)}</th></tr>`,
    );
    for (const p of r.parts) {
      out.push(
        `<tr><td>${esc(p.item)}</td><td class="num">${esc(+p.quantity.toPrecision(4))} ${esc(p.unit)}</td><td class="num">$${esc(p.unitUsd)}</td><td class="num">${usd(p.usd, 6)}</td></tr>`,
      );
    }
    out.push(`<tr><td colspan="4" class="muted">${r.assumptions.map(esc).join("<br>")}</td></tr></table>`);
  }
  out.push(
    `<h3>Reference month</h3><table><tr><th>system</th><th>volume</th><th>rate</th><th>monthly</th></tr>`,
  );
  for (const l of est.reference) {
    out.push(
      `<tr><td>${esc(l.system)}</td><td class="num">${l.volume} × ${esc(l.unit)}</td><td class="num">${usd(l.rateUsd, 4)}</td><td class="num">${usd(l.monthlyUsd)}</td></tr>`,
    );
  }
  out.push(`<tr><td>fixed part</td><td></td><td></td><td class="num">${usd(est.fixedUsd)}</td></tr>`);
  out.push(`<tr><th colspan="3">total</th><th class="num">${usd(est.monthlyUsd)}</th></tr></table>`);
  if (est.seed.length) {
    out.push(
      `<h3>Compared with the seed Terraform</h3><table><tr><th>system</th><th>aspect</th><th>program</th><th>seed</th><th>program $</th><th>seed $</th></tr>`,
    );
    for (const s of est.seed) {
      const m = (v?: number) => (v === undefined ? "" : `${usd(v, 4)}${s.per ? ` / ${esc(s.per)}` : ""}`);
      out.push(
        `<tr><td>${esc(s.system)}</td><td>${esc(s.aspect)}</td><td>${esc(s.program)}</td><td>${esc(s.seed)}</td><td class="num">${m(s.programUsd)}</td><td class="num">${m(s.seedUsd)}</td></tr>`,
      );
    }
    out.push(`</table>`);
  }
  out.push(`<h3 id="unpriced">Not priced (${est.unpriced.length})</h3><ul>`);
  for (const u of est.unpriced) {
    out.push(
      `<li>${u.urn ? `<a href="#" data-select="${esc(u.urn)}">${esc(u.what)}</a>` : esc(u.what)}: ${esc(u.reason)}</li>`,
    );
  }
  out.push(
    `</ul><h3>Price sources</h3><table><tr><th>figure</th><th>USD</th><th>unit</th><th>as of</th><th>source</th><th>how obtained</th></tr>`,
  );
  for (const k of est.priceKeys) {
    const e = prices.entry(k);
    out.push(
      `<tr><td><code>${esc(k)}</code></td><td class="num">${esc(e.usd)}</td><td>${esc(e.unit)}</td><td>${esc(e.asOf)}</td>` +
        `<td>${esc(e.page)}${e.offerCode ? `<br><span class="muted">offer ${esc(e.offerCode)}, usage type ${esc(e.usageType ?? "")}</span>` : ""}</td><td class="muted">${esc(e.obtained)}</td></tr>`,
    );
  }
  out.push(`</table>`);
  return out.join("\n");
}

export function renderHtml(
  model: PlanModel,
  est: CostEstimate | undefined,
  prices: Prices | undefined,
): string {
  const byUrn = new Map(model.resources.map((r) => [r.urn, r]));
  const findingsByUrn = new Map<string, typeof model.findings>();
  for (const f of model.findings) {
    const key = f.urn ?? "";
    findingsByUrn.set(key, [...(findingsByUrn.get(key) ?? []), f]);
  }
  const dependents = new Map<string, string[]>();
  const depsOf = (r: ReportResource) => {
    const via = new Map<string, string[]>();
    for (const [p, urns] of Object.entries(r.propertyDependencies ?? {})) {
      for (const u of urns) if (byUrn.has(u) && u !== r.urn) via.set(u, [...(via.get(u) ?? []), p]);
    }
    for (const u of r.dependencies ?? []) if (byUrn.has(u) && !via.has(u)) via.set(u, []);
    return [...via].map(([urn, props]) => ({ urn, via: props.length ? props : undefined }));
  };
  for (const r of model.resources) {
    for (const d of depsOf(r)) dependents.set(d.urn, [...(dependents.get(d.urn) ?? []), r.urn]);
  }
  const data = {
    stack: model.stack,
    nodes: model.resources.map((r) => ({
      urn: r.urn,
      name: r.name,
      type: r.type,
      summary: summarize(r),
      cls: est?.perResource.get(r.urn)?.class ?? "unpriced",
      cost: est?.perResource.get(r.urn)?.note ?? "not priced (no price table)",
      findings: (findingsByUrn.get(r.urn) ?? []).map((f) => ({
        policy: f.policy,
        level: f.enforcementLevel,
        message: f.message,
      })),
      dependsOn: depsOf(r),
      dependents: dependents.get(r.urn) ?? [],
    })),
  };
  const blocking = model.findings.filter(isBlocking).length;
  const secrets = model.standIns;
  const counts = new Map<string, number>();
  for (const r of model.resources) if (r.custom) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);

  const rows = model.resources.map((r) => {
    const c = est?.perResource.get(r.urn);
    const fs = findingsByUrn.get(r.urn) ?? [];
    return (
      `<tr data-urn="${esc(r.urn)}"><td>${esc(systemOf(r, byUrn) ?? "stack")}</td><td><a href="#" data-select="${esc(r.urn)}">${esc(r.name)}</a></td>` +
      `<td><code>${esc(r.type)}</code></td><td>${esc(summarize(r))}</td><td>${esc(c?.class ?? "")}: ${esc(c?.note ?? "")}</td>` +
      `<td class="finding-item">${fs.map((f) => esc(`[${f.enforcementLevel}] ${f.policy}: ${f.message}`)).join("<br>")}</td></tr>`
    );
  });

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ai-platform ${esc(model.stack)}: what the stack builds and what it costs</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>ai-platform · stack <span id="stack-name">${esc(model.stack)}</span></h1>
<div class="facts">
<span><b>${model.resources.length}</b> registrations (${model.resources.filter((r) => r.custom).length} resources, ${model.resources.filter((r) => !r.custom).length} components)</span>
<span>region <b>${esc(model.region)}</b></span>
<span><b>${model.findings.length}</b> policy finding(s)${blocking ? `, <b>${blocking}</b> blocking` : ""}</span>
<span><b>${secrets.length}</b> setting(s) to set before <code>pulumi up</code></span>
${est ? `<span>fixed <b>${usd(est.fixedUsd)}</b>/month · reference month <b>${usd(est.monthlyUsd)}</b>/month</span>` : ""}
</div>
<div class="muted">Offline plan: evaluated under mocks, computed values are placeholders, secrets are stand-ins. Generated by <code>npm run plan -- ${esc(model.stack)} --html</code>.</div>
</header>
<nav><a href="#graph-section">Graph</a><a href="#secrets">Secrets to set</a><a href="#findings">Policy findings</a><a href="#cost">Cost</a><a href="#resources">Resources</a></nav>
<section id="graph-section">
<h2>Components and resources</h2>
<div class="legend"><span><i style="background:#e5e7eb;border:1px solid #111827"></i>component</span><span><i style="background:#fff7ed;border:1px solid #c2410c"></i>fixed cost</span><span><i style="background:#eff6ff;border:1px solid #1d4ed8"></i>usage cost</span><span><i style="background:#f9fafb;border:1px solid #6b7280"></i>free</span><span><i style="background:#fef2f2;border:1px dashed #b91c1c"></i>not priced</span><span><i style="background:#fff;border:2px solid #dc2626"></i>policy finding</span>
<span>edges: <b style="color:#9ca3af">—</b> parent, <b style="color:#2563eb">—</b> property dependency, <b style="color:#7c3aed">- -</b> dependsOn (click a node to highlight its edges)</span></div>
<p><input id="filter" type="search" placeholder="filter by name, type or setting" size="40"></p>
<div id="graph-wrap"><div id="graph-scroll">${graphSvg(model, est, new Set(findingsByUrn.keys()))}</div><aside id="details"><p class="muted">Click a node.</p></aside></div>
</section>
<section id="secrets">
<h2>Secrets and settings to set (${secrets.length})</h2>
${
  secrets.length
    ? `<table><tr><th>key</th><th>kind</th><th>command before <code>pulumi up -s ${esc(model.stack)}</code></th></tr>${secrets
        .map((s) => {
          const name = s.key.startsWith("ai-platform:") ? s.key.slice("ai-platform:".length) : s.key;
          return `<tr><td><code>${esc(s.key)}</code></td><td>${s.secret ? "secret" : "setting"}</td><td><code>pulumi config set${s.secret ? " --secret" : ""} ${esc(name)} &lt;value&gt;</code></td></tr>`;
        })
        .join("")}</table>`
    : `<p>None: Pulumi.${esc(model.stack)}.yaml sets everything the program reads.</p>`
}
</section>
<section id="findings">
<h2>Policy findings (${model.findings.length})</h2>
${
  model.findings.length
    ? `<ul>${model.findings
        .map((f) => {
          const r = f.urn ? byUrn.get(f.urn) : undefined;
          return `<li class="finding-item"><span class="sev-${esc(f.enforcementLevel)}">[${esc(f.enforcementLevel)}]</span> ${esc(f.policy)}: ${r ? `<a href="#" data-select="${esc(r.urn)}">${esc(r.name)}</a>` : "stack"}: ${esc(f.message)}</li>`;
        })
        .join("")}</ul>`
    : "<p>None: every policy rule passes.</p>"
}
</section>
<section id="cost">
<h2>Cost</h2>
${costSection(est, prices)}
</section>
<section id="resources">
<h2>Resources (${model.resources.length})</h2>
<p class="muted">${[...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([t, n]) => `${n} ${esc(t)}`)
    .join(" · ")}</p>
<table id="resource-table"><tr><th>system</th><th>name</th><th>type</th><th>settings that matter</th><th>cost</th><th>findings</th></tr>
${rows.join("\n")}
</table>
</section>
<script type="application/json" id="plan-data">${scriptJson(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
