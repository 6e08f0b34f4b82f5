/**
 * The report page's stylesheet and script, inlined into every page (no network at view time). The script only
 * adds interaction: everything it shows is already in the page as markup or in the embedded JSON.
 */

export const CSS = `
:root { --fixed:#c2410c; --usage:#1d4ed8; --free:#6b7280; --unpriced:#b91c1c; --component:#111827; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0; color: #111827; background: #f9fafb; }
header { padding: 16px 24px; background: #111827; color: #f9fafb; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header .facts { display: flex; flex-wrap: wrap; gap: 8px 24px; font-size: 14px; }
header .facts b { font-size: 18px; }
nav { padding: 6px 24px; background: #e5e7eb; position: sticky; top: 0; z-index: 3; }
nav a { margin-right: 16px; color: #1f2937; }
section { padding: 12px 24px; }
h2 { font-size: 18px; margin: 16px 0 8px; }
h3 { font-size: 15px; margin: 14px 0 6px; }
table { border-collapse: collapse; background: #fff; margin-bottom: 8px; }
th, td { border: 1px solid #d1d5db; padding: 3px 8px; text-align: left; vertical-align: top; font-size: 13px; }
th { background: #f3f4f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
.legend span { display: inline-block; margin-right: 14px; font-size: 13px; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
#graph-wrap { display: flex; gap: 12px; align-items: flex-start; }
#graph-scroll { overflow: auto; max-height: 80vh; border: 1px solid #d1d5db; background: #fff; flex: 1; }
#details { width: 380px; min-height: 200px; max-height: 80vh; overflow: auto; background: #fff; border: 1px solid #d1d5db; padding: 10px; font-size: 13px; position: sticky; top: 40px; }
#details h3 { margin-top: 0; word-break: break-all; }
#details ul { padding-left: 18px; margin: 4px 0; }
svg text { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; pointer-events: none; }
svg .col-title { font: bold 13px system-ui, sans-serif; fill: #374151; }
.node rect { stroke-width: 1.2; rx: 3; fill: #fff; }
.node { cursor: pointer; }
.node.c-fixed rect { stroke: var(--fixed); fill: #fff7ed; }
.node.c-usage rect { stroke: var(--usage); fill: #eff6ff; }
.node.c-free rect { stroke: var(--free); fill: #f9fafb; }
.node.c-unpriced rect { stroke: var(--unpriced); stroke-dasharray: 4 2; fill: #fef2f2; }
.node.c-component rect { stroke: var(--component); fill: #e5e7eb; stroke-width: 1.6; }
.node.finding rect { stroke: #dc2626; stroke-width: 2.5; }
.node .badge { fill: #dc2626; }
.node.selected rect { stroke: #f59e0b; stroke-width: 3; }
.node.dim { opacity: 0.25; }
.edge { fill: none; stroke-width: 1; }
.edge.parent { stroke: #9ca3af; }
.edge.property { stroke: #2563eb; opacity: 0.13; }
.edge.dependsOn { stroke: #7c3aed; opacity: 0.25; stroke-dasharray: 5 3; }
.edge.hot { opacity: 1; stroke-width: 2; }
.finding-item { color: #991b1b; }
.muted { color: #6b7280; }
.sev-mandatory { color: #b91c1c; font-weight: bold; }
`;

/** Client script: select a node to see its settings, cost and edges; filter by text. */
export const SCRIPT = `
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("plan-data").textContent);
  var byUrn = {};
  data.nodes.forEach(function (n) { byUrn[n.urn] = n; });
  var details = document.getElementById("details");
  var nodes = document.querySelectorAll("g.node");
  var edges = document.querySelectorAll("path.edge");
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
  function list(title, items) {
    var frag = document.createDocumentFragment();
    frag.appendChild(el("b", title + " (" + items.length + ")"));
    var ul = el("ul");
    items.forEach(function (t) { ul.appendChild(el("li", t)); });
    if (!items.length) ul.appendChild(el("li", "none", "muted"));
    frag.appendChild(ul);
    return frag;
  }
  function label(urn) { var n = byUrn[urn]; return n ? n.name + " (" + n.type + ")" : urn; }
  function show(urn) {
    var n = byUrn[urn];
    if (!n) return;
    details.textContent = "";
    details.appendChild(el("h3", n.name));
    details.appendChild(el("div", n.type, "muted"));
    details.appendChild(el("p", n.summary || "(no settings shown for this type)"));
    details.appendChild(el("p", "Cost: " + n.cost));
    n.findings.forEach(function (f) { details.appendChild(el("p", "[" + f.level + "] " + f.policy + ": " + f.message, "finding-item")); });
    details.appendChild(list("Depends on", n.dependsOn.map(function (d) { return label(d.urn) + (d.via ? " via " + d.via.join(", ") : ""); })));
    details.appendChild(list("Needed by", n.dependents.map(label)));
    details.appendChild(el("code", n.urn));
    nodes.forEach(function (g) { g.classList.toggle("selected", g.getAttribute("data-urn") === urn); });
    edges.forEach(function (p) {
      p.classList.toggle("hot", p.getAttribute("data-from") === urn || p.getAttribute("data-to") === urn);
    });
  }
  nodes.forEach(function (g) {
    g.addEventListener("click", function () { show(g.getAttribute("data-urn")); });
  });
  document.querySelectorAll("[data-select]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      var urn = a.getAttribute("data-select");
      show(urn);
      var g = document.querySelector('g.node[data-urn="' + CSS.escape(urn) + '"]');
      if (g) g.scrollIntoView({ block: "center", inline: "center" });
    });
  });
  var filter = document.getElementById("filter");
  filter.addEventListener("input", function () {
    var q = filter.value.trim().toLowerCase();
    nodes.forEach(function (g) {
      var n = byUrn[g.getAttribute("data-urn")];
      var hit = !q || (n.name + " " + n.type + " " + n.summary).toLowerCase().indexOf(q) >= 0;
      g.classList.toggle("dim", !hit);
    });
  });
  // Start on a finding if there is one, else on the first resource with a fixed cost.
  var first = data.nodes.filter(function (n) { return n.findings.length; })[0] ||
    data.nodes.filter(function (n) { return n.cls === "fixed"; })[0] || data.nodes[0];
  if (first) show(first.urn);
})();
`;
