import type { GraphPayload } from "../../../kernel/src/protocol";
import type { VisibleGraph, VisibleNode } from "./foldGraph";
import type { ElkPoint, GraphLayout } from "./graphLayout";
import { formatNumber, shapeText } from "./format";
import { GradScale, gradMagnitude, paletteColor, paletteStops, scalePosition, textColorOn } from "./gradColor";
import { htmlEl, svgEl } from "./svg";

/**
 * The computational graph as SVG: one <g class="cl-node"> per visible node (kind, gradient
 * state, anomaly and folding as classes; fill from the log gradient scale), edges with their
 * shapes, all inside one viewport group the renderer pans and zooms. Colours that follow the
 * theme live in style/base.css; only gradient fills are computed here.
 */
export interface DrawnGraph {
  svg: SVGSVGElement;
  viewport: SVGGElement;
}

function pathData(points: readonly ElkPoint[]): string {
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
}

/** The point halfway along a polyline, where the edge's shape label goes. */
export function polylineMidpoint(points: readonly ElkPoint[]): ElkPoint {
  let total = 0;
  for (let i = 1; i < points.length; i++)
    total += Math.hypot(points[i].x - points[i - 1].x, points[i].y - points[i - 1].y);
  let walked = 0;
  for (let i = 1; i < points.length; i++) {
    const len = Math.hypot(points[i].x - points[i - 1].x, points[i].y - points[i - 1].y);
    if (walked + len >= total / 2 && len > 0) {
      const f = (total / 2 - walked) / len;
      return {
        x: points[i - 1].x + f * (points[i].x - points[i - 1].x),
        y: points[i - 1].y + f * (points[i].y - points[i - 1].y),
      };
    }
    walked += len;
  }
  return points[0] ?? { x: 0, y: 0 };
}

export function nodeClasses(vnode: VisibleNode): string {
  const c = ["cl-node", `cl-node--${vnode.kind}`, `cl-grad--${vnode.node.gradState}`];
  if (vnode.folded) c.push("cl-node--folded");
  if (vnode.node.op === "summary") c.push("cl-node--summary");
  if (vnode.part) c.push("cl-node--detail");
  if (vnode.anomaly) c.push("cl-node--anomaly");
  return c.join(" ");
}

export function drawGraphSvg(
  doc: Document,
  graph: VisibleGraph,
  layout: GraphLayout,
  scale: GradScale | null,
  idPrefix: string,
): DrawnGraph {
  const svg = svgEl(doc, "svg", {
    class: "cl-graph-svg",
    width: Math.ceil(layout.width),
    height: Math.ceil(layout.height),
    viewBox: `0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}`,
    role: "img",
    "aria-label": `computational graph with ${graph.nodes.length} nodes`,
  });
  const defs = svgEl(doc, "defs");
  const marker = svgEl(doc, "marker", {
    id: `${idPrefix}-arrow`,
    viewBox: "0 0 10 10",
    refX: 9,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: "auto-start-reverse",
  });
  marker.appendChild(svgEl(doc, "path", { d: "M0,0 L10,5 L0,10 z", class: "cl-edge-arrow" }));
  defs.appendChild(marker);
  svg.appendChild(defs);

  const viewport = svgEl(doc, "g", { class: "cl-graph-viewport" });
  const edgeLayer = svgEl(doc, "g", { class: "cl-edges" });
  const shapeOf = new Map(graph.edges.map((e) => [e.id, e.shape]));
  for (const e of layout.edges) {
    const g = svgEl(doc, "g", { class: "cl-edge", "data-from": e.from, "data-to": e.to });
    g.appendChild(svgEl(doc, "path", { d: pathData(e.points), "marker-end": `url(#${idPrefix}-arrow)` }));
    const shape = shapeOf.get(e.id);
    if (shape) {
      const mid = polylineMidpoint(e.points);
      const label = svgEl(doc, "text", {
        class: "cl-edge-label",
        x: (mid.x + 4).toFixed(1),
        y: (mid.y + 3).toFixed(1),
      });
      label.textContent = shapeText(shape);
      g.appendChild(label);
    }
    edgeLayer.appendChild(g);
  }
  viewport.appendChild(edgeLayer);

  const nodeLayer = svgEl(doc, "g", { class: "cl-nodes" });
  for (const vnode of graph.nodes) {
    const box = layout.nodes.get(vnode.id);
    if (!box) continue;
    const g = svgEl(doc, "g", {
      class: nodeClasses(vnode),
      "data-node-id": vnode.id,
      transform: `translate(${box.x.toFixed(1)},${box.y.toFixed(1)})`,
      tabindex: 0,
      role: "button",
      "aria-label": `${vnode.title} ${vnode.subtitle}`,
    });
    const rect = svgEl(doc, "rect", {
      width: box.width,
      height: box.height,
      rx: vnode.kind === "input" ? box.height / 2 : vnode.kind === "param" ? 2 : 8,
    });
    const magnitude = gradMagnitude(vnode.node);
    let textFill: string | null = null;
    if (scale && magnitude !== null) {
      const fill = paletteColor(scalePosition(scale, magnitude));
      rect.style.fill = fill;
      textFill = textColorOn(fill);
      g.setAttribute("data-grad-norm", formatNumber(magnitude));
    }
    g.appendChild(rect);
    const title = svgEl(doc, "text", { class: "cl-node-title", x: box.width / 2, y: 17 });
    title.textContent = vnode.title;
    const subtitle = svgEl(doc, "text", { class: "cl-node-subtitle", x: box.width / 2, y: 33 });
    subtitle.textContent = vnode.subtitle;
    if (textFill) {
      title.style.fill = textFill;
      subtitle.style.fill = textFill;
    }
    g.appendChild(title);
    g.appendChild(subtitle);
    if (vnode.anomaly) {
      const badge = svgEl(doc, "text", { class: "cl-node-badge", x: box.width - 4, y: -4 });
      badge.textContent = "NaN/Inf";
      g.appendChild(badge);
    }
    nodeLayer.appendChild(g);
  }
  viewport.appendChild(nodeLayer);
  svg.appendChild(viewport);
  return { svg, viewport };
}

/** The legend: the log colour bar with its range, and what the outline styles mean. */
export function drawGraphLegend(
  doc: Document,
  payload: GraphPayload,
  scale: GradScale | null,
  idPrefix: string,
): HTMLDivElement {
  const legend = htmlEl(doc, "div", "cl-graph-legend");
  if (scale) {
    const w = 150;
    const svg = svgEl(doc, "svg", { width: w + 20, height: 40, class: "cl-legend-bar" });
    const defs = svgEl(doc, "defs");
    const grad = svgEl(doc, "linearGradient", { id: `${idPrefix}-legend`, x1: 0, x2: 1, y1: 0, y2: 0 });
    for (const s of paletteStops()) grad.appendChild(svgEl(doc, "stop", { offset: s.offset, "stop-color": s.color }));
    defs.appendChild(grad);
    svg.appendChild(defs);
    svg.appendChild(svgEl(doc, "rect", { x: 10, y: 4, width: w, height: 12, fill: `url(#${idPrefix}-legend)` }));
    const lo = svgEl(doc, "text", { x: 10, y: 32, class: "cl-legend-tick" });
    lo.textContent = formatNumber(Math.pow(10, scale.minLog));
    const hi = svgEl(doc, "text", { x: 10 + w, y: 32, class: "cl-legend-tick", "text-anchor": "end" });
    hi.textContent = formatNumber(Math.pow(10, scale.maxLog));
    svg.appendChild(lo);
    svg.appendChild(hi);
    legend.appendChild(htmlEl(doc, "span", "cl-legend-title", "‖grad‖ (log scale)"));
    legend.appendChild(svg);
  } else {
    legend.appendChild(htmlEl(doc, "span", "cl-legend-title", noScaleText(payload)));
  }
  const states = new Set(payload.nodes.map((n) => n.gradState));
  const keys: [string, string][] = [
    ["cl-legend-key cl-legend-key--param", "parameter"],
    ["cl-legend-key cl-legend-key--input", "input"],
    ["cl-legend-key cl-legend-key--output", "output"],
  ];
  if (states.has("not-computed")) keys.push(["cl-legend-key cl-legend-key--not-computed", "grad not computed yet"]);
  if (states.has("not-retained")) keys.push(["cl-legend-key cl-legend-key--not-retained", "grad not retained"]);
  if (payload.nodes.some((n) => n.anomaly)) keys.push(["cl-legend-key cl-legend-key--anomaly", "first NaN/Inf"]);
  for (const [cls, text] of keys) {
    const item = htmlEl(doc, "span", "cl-legend-item");
    item.appendChild(htmlEl(doc, "span", cls));
    item.appendChild(doc.createTextNode(text));
    legend.appendChild(item);
  }
  if (payload.truncated) {
    legend.appendChild(
      htmlEl(doc, "span", "cl-legend-note", `${payload.truncated.omitted} nodes omitted (graph truncated)`),
    );
  }
  return legend;
}

/**
 * Why there is no colour scale, in words that match the nodes: "no gradients yet" only when no
 * node has one (backward() not run); otherwise the gradients present are all zero, or they are
 * not kept for the nodes shown.
 */
export function noScaleText(payload: GraphPayload): string {
  const states = new Set(payload.nodes.map((n) => n.gradState));
  if (states.has("computed")) return "All gradients shown are 0: no colour scale.";
  if (states.has("not-computed")) return "No gradients yet: call backward() on the output to colour nodes by ‖grad‖.";
  if (states.has("not-retained"))
    return "No node shown keeps its gradient (intermediates need retainGrad() before backward()).";
  return "No node here requires a gradient.";
}

/** The overview in the frame's corner: every node as a dot-sized box and the visible region. */
export interface Minimap {
  root: HTMLDivElement;
  /** Marks the visible region, in layout coordinates. */
  show(x: number, y: number, w: number, h: number): void;
}

const MINIMAP_MAX = 150;

export function drawMinimap(
  doc: Document,
  layout: GraphLayout,
  graph: VisibleGraph,
  centreOn: (x: number, y: number) => void,
): Minimap {
  const s = MINIMAP_MAX / Math.max(1, layout.width, layout.height);
  const w = Math.max(20, Math.ceil(layout.width * s));
  const h = Math.max(20, Math.ceil(layout.height * s));
  const root = htmlEl(doc, "div", "cl-minimap");
  root.title = "overview: click to move there";
  const svg = svgEl(doc, "svg", { width: w, height: h, viewBox: `0 0 ${w} ${h}` });
  for (const vnode of graph.nodes) {
    const b = layout.nodes.get(vnode.id);
    if (!b) continue;
    svg.appendChild(
      svgEl(doc, "rect", {
        class: `cl-minimap-node cl-node--${vnode.kind}`,
        x: b.x * s,
        y: b.y * s,
        width: Math.max(1.5, b.width * s),
        height: Math.max(1.5, b.height * s),
      }),
    );
  }
  const view = svgEl(doc, "rect", { class: "cl-minimap-view", x: 0, y: 0, width: w, height: h });
  svg.appendChild(view);
  root.appendChild(svg);
  const go = (ev: PointerEvent) => {
    const r = svg.getBoundingClientRect();
    centreOn((ev.clientX - r.left) / s, (ev.clientY - r.top) / s);
  };
  svg.addEventListener("pointerdown", (ev) => {
    ev.stopPropagation();
    go(ev);
  });
  svg.addEventListener("pointermove", (ev) => {
    if ((ev.buttons & 1) === 1) go(ev);
  });
  return {
    root,
    show(x, y, vw, vh) {
      view.setAttribute("x", (x * s).toFixed(1));
      view.setAttribute("y", (y * s).toFixed(1));
      view.setAttribute("width", Math.max(2, vw * s).toFixed(1));
      view.setAttribute("height", Math.max(2, vh * s).toFixed(1));
    },
  };
}
