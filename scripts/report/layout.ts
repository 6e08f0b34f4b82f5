/**
 * Graph layout of a plan (pure): one column per system (its top component) and one for stack-level resources
 * (providers), each column the component → resource tree in program order, indented by depth; edges for the
 * parent relation and for the dependencies the program declared (dependsOn, property dependencies).
 */
import { ReportResource } from "./model";

export interface LayoutNode {
  urn: string;
  column: number;
  depth: number;
  row: number;
  x: number;
  y: number;
  width: number;
}

export interface LayoutEdge {
  from: string;
  to: string;
  kind: "parent" | "dependsOn" | "property";
  /** Property names, for property dependencies. */
  via?: string[];
}

export interface Layout {
  nodes: LayoutNode[];
  edges: LayoutEdge[];
  columns: { title: string; x: number }[];
  width: number;
  height: number;
}

export const GEOMETRY = {
  columnWidth: 340,
  gap: 60,
  rowHeight: 24,
  nodeHeight: 19,
  indent: 14,
  top: 36,
  left: 16,
};

export function layoutPlan(resources: ReportResource[]): Layout {
  const g = GEOMETRY;
  const urns = new Set(resources.map((r) => r.urn));
  const children = new Map<string | undefined, ReportResource[]>();
  for (const r of resources) {
    const p = r.parent && urns.has(r.parent) ? r.parent : undefined;
    children.set(p, [...(children.get(p) ?? []), r]);
  }
  const roots = children.get(undefined) ?? [];
  const columnsRoots: { title: string; members: ReportResource[] }[] = [];
  const stackLevel: ReportResource[] = [];
  for (const r of roots) {
    if (!r.custom) columnsRoots.push({ title: r.type.split(":").slice(1).join(":") || r.type, members: [r] });
    else stackLevel.push(r);
  }
  if (stackLevel.length) columnsRoots.push({ title: "stack-level (providers)", members: stackLevel });

  const nodes: LayoutNode[] = [];
  const columns: Layout["columns"] = [];
  let maxRows = 0;
  columnsRoots.forEach((col, ci) => {
    const x0 = g.left + ci * (g.columnWidth + g.gap);
    columns.push({ title: col.title, x: x0 });
    let row = 0;
    const walk = (r: ReportResource, depth: number) => {
      nodes.push({
        urn: r.urn,
        column: ci,
        depth,
        row,
        x: x0 + depth * g.indent,
        y: g.top + row * g.rowHeight,
        width: g.columnWidth - depth * g.indent,
      });
      row++;
      for (const c of children.get(r.urn) ?? []) walk(c, depth + 1);
    };
    for (const r of col.members) walk(r, 0);
    maxRows = Math.max(maxRows, row);
  });

  const edges: LayoutEdge[] = [];
  const seen = new Set<string>();
  for (const r of resources) {
    if (r.parent && urns.has(r.parent)) edges.push({ from: r.parent, to: r.urn, kind: "parent" });
    // Property dependencies first: the engine also lists them in `dependencies`, which otherwise holds dependsOn.
    const via = new Map<string, string[]>();
    for (const [prop, deps] of Object.entries(r.propertyDependencies ?? {})) {
      for (const d of deps) if (urns.has(d) && d !== r.urn) via.set(d, [...(via.get(d) ?? []), prop]);
    }
    for (const [d, props] of via) {
      if (seen.has(`${r.urn}|${d}`)) continue;
      seen.add(`${r.urn}|${d}`);
      edges.push({ from: d, to: r.urn, kind: "property", via: props });
    }
    for (const d of r.dependencies ?? []) {
      if (!urns.has(d) || d === r.parent || seen.has(`${r.urn}|${d}`)) continue;
      seen.add(`${r.urn}|${d}`);
      edges.push({ from: d, to: r.urn, kind: "dependsOn" });
    }
  }
  return {
    nodes,
    edges,
    columns,
    width: g.left * 2 + columnsRoots.length * (g.columnWidth + g.gap),
    height: g.top + maxRows * g.rowHeight + 20,
  };
}
