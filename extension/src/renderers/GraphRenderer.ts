import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { checkGraphPayload, type Checked, type GraphPayload } from "../../../kernel/src/protocol";
import { allScopePaths, foldGraph, type VisibleGraph, type VisibleNode } from "../draw/foldGraph";
import { drawGraphLegend, drawGraphSvg, drawMinimap, type Minimap } from "../draw/drawGraph";
import { gradScale } from "../draw/gradColor";
import { layoutGraph, type GraphLayout } from "../draw/graphLayout";
import { drawNodeRule, drawSummaryCard } from "../draw/summaryCard";
import { ChainlabRenderer } from "./ChainlabRenderer";
import { loadElk } from "./elk";

/** Graph widget: folding state, pan/zoom, hover card and the click-to-inspect panel. */
let instanceCount = 0;
const MAX_HEIGHT = 560;
/** Below this zoom node labels (12 px) are too small to read; the first view never goes below. */
const LEGIBLE_ZOOM = 0.75;
const MIN_ZOOM = 0.02;
/** Zoom factors of a button click and of one Ctrl+wheel notch: overview to legible in a few steps. */
const ZOOM_STEP = 1.6;
const WHEEL_STEP = 1.35;

export class GraphRenderer extends ChainlabRenderer<GraphPayload> {
  private readonly idPrefix = `cl-graph-${++instanceCount}`;
  private payload: GraphPayload | null = null;
  private readonly expanded = new Set<string>();
  private selected: string | null = null;
  private visible: VisibleGraph | null = null;
  private graphLayout: GraphLayout | null = null;
  /** Layout is reused while the drawn structure stays the same (live updates recolour only). */
  private layoutKey = "";
  private zoom = { k: 1, x: 0, y: 0 };
  private viewport: SVGGElement | null = null;
  private hoverCard: HTMLDivElement | null = null;
  private detail: HTMLDivElement | null = null;
  private minimap: Minimap | null = null;
  /** What was just opened (a scope path or partKey): the next layout centres on what it shows. */
  private opened: string | null = null;

  constructor(options: IRenderMime.IRendererOptions) {
    super(options, "cl-graph");
  }

  protected override async loadLibraries(): Promise<void> {
    await loadElk();
  }

  protected check(data: unknown): Checked<GraphPayload> {
    return checkGraphPayload(data);
  }

  protected async renderPayload(payload: GraphPayload, isCurrent: () => boolean): Promise<void> {
    const first = this.payload === null;
    this.payload = payload;
    if (this.selected && !payload.nodes.some((n) => n.id === this.selected)) this.selected = null;
    await this.redraw(isCurrent, first);
  }

  private async redraw(isCurrent: () => boolean, fit: boolean): Promise<void> {
    const payload = this.payload;
    if (!payload) return;
    const visible = foldGraph(payload, this.expanded);
    const key = JSON.stringify([
      visible.nodes.map((n) => [n.id, n.title, n.subtitle]),
      visible.edges.map((e) => [e.from, e.to]),
    ]);
    let layout = this.graphLayout;
    if (!layout || key !== this.layoutKey) {
      const elk = await loadElk();
      const start = performance.now();
      layout = await layoutGraph(elk, visible);
      performance.measure("chainlab:layout:graph", { start, end: performance.now() });
      if (!isCurrent()) return;
      fit = fit || key !== this.layoutKey;
    }
    this.visible = visible;
    this.graphLayout = layout;
    this.layoutKey = key;
    const start = performance.now();
    this.draw(payload, visible, layout, fit);
    performance.measure("chainlab:draw:graph", { start, end: performance.now() });
  }

  private draw(payload: GraphPayload, visible: VisibleGraph, layout: GraphLayout, fit: boolean): void {
    this.clearContent();
    const doc = document;
    const scale = gradScale(payload.nodes);
    const toolbar = doc.createElement("div");
    toolbar.className = "cl-graph-toolbar";
    const button = (label: string, title: string, action: () => void) => {
      const b = doc.createElement("button");
      b.className = "cl-button";
      b.type = "button";
      b.textContent = label;
      b.title = title;
      b.addEventListener("click", action);
      toolbar.appendChild(b);
    };
    button("+", "zoom in", () => this.zoomBy(ZOOM_STEP));
    button("−", "zoom out", () => this.zoomBy(1 / ZOOM_STEP));
    button("fit", "fit the whole graph into the view", () => this.fitView(true));
    button("output", "legible size, centred on the output", () => this.focusOutput());
    const scopes = allScopePaths(payload);
    if (scopes.length) {
      button("expand all", "show every op inside composite ops", () => {
        scopes.forEach((s) => this.expanded.add(s));
        void this.redrawNow();
      });
      button("fold all", "fold composite ops into one box each", () => {
        this.expanded.clear();
        void this.redrawNow();
      });
    }
    const hint = doc.createElement("span");
    hint.className = "cl-hint";
    hint.textContent = "drag to pan · Ctrl+wheel to zoom · click a node for details";
    toolbar.appendChild(hint);
    this.node.appendChild(toolbar);
    this.node.appendChild(drawGraphLegend(doc, payload, scale, this.idPrefix));

    const { svg, viewport } = drawGraphSvg(doc, visible, layout, scale, this.idPrefix);
    const frame = doc.createElement("div");
    frame.className = "cl-graph-frame";
    svg.setAttribute("width", "100%");
    svg.removeAttribute("viewBox");
    frame.appendChild(svg);
    this.hoverCard = doc.createElement("div");
    this.hoverCard.className = "cl-hover";
    this.hoverCard.hidden = true;
    frame.appendChild(this.hoverCard);
    this.minimap = drawMinimap(doc, layout, visible, (x, y) => this.centreOn(x, y));
    frame.appendChild(this.minimap.root);
    this.node.appendChild(frame);
    this.viewport = viewport;
    this.detail = doc.createElement("div");
    this.detail.className = "cl-graph-detail";
    this.node.appendChild(this.detail);

    const opened = this.opened;
    this.opened = null;
    if (fit && opened) this.showOpened(opened);
    else if (fit) this.fitView();
    else this.applyZoom();
    this.wire(svg, visible);
    this.showDetail();
  }

  private async redrawNow(): Promise<void> {
    const ticket = {};
    this.pendingRedraw = ticket;
    await this.redraw(() => this.pendingRedraw === ticket && !this.isDisposed, false);
  }
  private pendingRedraw: object | null = null;

  private svgHeight(): number {
    const h = this.graphLayout ? this.graphLayout.height * this.zoom.k : 200;
    return Math.max(120, Math.min(MAX_HEIGHT, Math.ceil(h)));
  }

  /**
   * The first view: the whole graph when that is legible, else legible nodes with the output in
   * view (a thin line of dots at "fit" tells nothing); `whole` forces the overview.
   */
  private fitView(whole = false): void {
    if (!this.graphLayout) return;
    const available = this.node.clientWidth || 800;
    const k = Math.min(
      1,
      (available - 8) / Math.max(1, this.graphLayout.width),
      MAX_HEIGHT / Math.max(1, this.graphLayout.height),
    );
    if (!whole && k < LEGIBLE_ZOOM) {
      this.focusOutput();
      return;
    }
    this.zoom = { k: Math.max(MIN_ZOOM, k), x: 0, y: 0 };
    this.zoom.x = Math.max(0, (available - this.graphLayout.width * this.zoom.k) / 2);
    this.applyZoom();
  }

  /**
   * After a click opened a scope or a cut part: the whole graph when it fits legibly, else
   * legible nodes centred on what opened (its exit, the last node, when it is taller than the frame).
   */
  private showOpened(key: string): void {
    const layout = this.graphLayout;
    const available = this.node.clientWidth || 800;
    if (!layout || !this.visible) return;
    const whole = Math.min((available - 8) / Math.max(1, layout.width), MAX_HEIGHT / Math.max(1, layout.height));
    const boxes = this.visible.nodes
      .filter((n) => n.part === key || n.scopePath === key || n.scopePath?.startsWith(key + "/"))
      .map((n) => layout.nodes.get(n.id))
      .filter((b): b is NonNullable<typeof b> => b !== undefined);
    if (whole >= LEGIBLE_ZOOM || !boxes.length) return this.fitView();
    this.zoom.k = Math.max(LEGIBLE_ZOOM, Math.min(1, this.zoom.k));
    const top = Math.min(...boxes.map((b) => b.y));
    const bottom = Math.max(...boxes.map((b) => b.y + b.height));
    const last = boxes[boxes.length - 1];
    const y = (bottom - top) * this.zoom.k <= MAX_HEIGHT - 40 ? (top + bottom) / 2 : last.y + last.height / 2;
    this.centreOn(last.x + last.width / 2, y);
  }

  /** Legible zoom, the output node at the bottom centre of the frame. */
  private focusOutput(): void {
    const layout = this.graphLayout;
    if (!layout || !this.visible) return;
    const out =
      this.visible.nodes.find((n) => n.kind === "output") ?? this.visible.nodes[this.visible.nodes.length - 1];
    const box = out ? layout.nodes.get(out.id) : undefined;
    this.zoom.k = Math.max(LEGIBLE_ZOOM, Math.min(1, this.zoom.k));
    if (!box) return this.applyZoom();
    this.centreOn(box.x + box.width / 2, box.y + box.height - MAX_HEIGHT / (2 * this.zoom.k) + 40 / this.zoom.k);
  }

  /**
   * Pans so that layout point (x, y) is at the centre of the frame, but never past the drawing's edge:
   * centring a node near the bottom of a tall graph would otherwise leave the frame's lower half empty.
   */
  private centreOn(x: number, y: number): void {
    const w = this.node.clientWidth || 800;
    const h = this.svgHeight();
    const { k } = this.zoom;
    const span = this.graphLayout ? { w: this.graphLayout.width * k, h: this.graphLayout.height * k } : null;
    this.zoom.x = clampPan(w / 2 - x * k, w, span?.w);
    this.zoom.y = clampPan(h / 2 - y * k, h, span?.h);
    this.applyZoom();
  }

  private zoomBy(f: number, cx?: number, cy?: number): void {
    const k = Math.max(MIN_ZOOM, Math.min(8, this.zoom.k * f));
    const px = cx ?? (this.node.clientWidth || 800) / 2;
    const py = cy ?? this.svgHeight() / 2;
    // Keep the point under the cursor fixed while scaling.
    this.zoom.x = px - ((px - this.zoom.x) * k) / this.zoom.k;
    this.zoom.y = py - ((py - this.zoom.y) * k) / this.zoom.k;
    this.zoom.k = k;
    this.applyZoom();
  }

  private applyZoom(): void {
    if (!this.viewport) return;
    const { k, x, y } = this.zoom;
    this.viewport.setAttribute("transform", `translate(${x.toFixed(1)},${y.toFixed(1)}) scale(${k.toFixed(4)})`);
    const svg = this.viewport.ownerSVGElement;
    if (svg) svg.setAttribute("height", String(this.svgHeight()));
    this.node.dataset.zoom = k.toFixed(3);
    if (this.minimap && this.graphLayout) {
      // The overview shows while the graph does not fit in the frame.
      const w = this.node.clientWidth || 800;
      const h = this.svgHeight();
      const bigger = this.graphLayout.width * k > w + 1 || this.graphLayout.height * k > h + 1;
      this.minimap.root.hidden = !bigger;
      this.minimap.show(-x / k, -y / k, w / k, h / k);
    }
  }

  private wire(svg: SVGSVGElement, visible: VisibleGraph): void {
    const byId = new Map(visible.nodes.map((n) => [n.id, n]));
    const nodeAt = (target: EventTarget | null): VisibleNode | null => {
      const el = target instanceof Element ? target.closest("[data-node-id]") : null;
      return el ? (byId.get(el.getAttribute("data-node-id") ?? "") ?? null) : null;
    };
    let drag: { x: number; y: number; moved: boolean } | null = null;
    svg.addEventListener("pointerdown", (ev) => {
      drag = { x: ev.clientX, y: ev.clientY, moved: false };
    });
    svg.addEventListener("pointermove", (ev) => {
      if (drag && (ev.buttons & 1) === 1) {
        const dx = ev.clientX - drag.x;
        const dy = ev.clientY - drag.y;
        if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
        if (drag.moved) {
          this.zoom.x += dx;
          this.zoom.y += dy;
          drag.x = ev.clientX;
          drag.y = ev.clientY;
          this.applyZoom();
          return;
        }
      }
      const vnode = nodeAt(ev.target);
      this.showHover(vnode, ev, svg);
    });
    svg.addEventListener("pointerleave", () => {
      drag = null;
      this.showHover(null);
    });
    svg.addEventListener("click", (ev) => {
      const wasDrag = drag?.moved;
      drag = null;
      if (wasDrag) return;
      const vnode = nodeAt(ev.target);
      if (vnode) this.openNode(vnode);
    });
    svg.addEventListener("keydown", (ev) => {
      if (ev.key !== "Enter" && ev.key !== " ") return;
      const vnode = nodeAt(ev.target);
      if (vnode) {
        ev.preventDefault();
        this.openNode(vnode);
      }
    });
    svg.addEventListener(
      "wheel",
      (ev) => {
        if (!ev.ctrlKey && !ev.metaKey) return; // plain wheel keeps scrolling the notebook
        ev.preventDefault();
        const r = svg.getBoundingClientRect();
        this.zoomBy(ev.deltaY < 0 ? WHEEL_STEP : 1 / WHEEL_STEP, ev.clientX - r.left, ev.clientY - r.top);
      },
      { passive: false },
    );
  }

  private openNode(vnode: VisibleNode): void {
    if (vnode.folded) {
      this.expanded.add(vnode.folded.scopePath);
      this.opened = vnode.folded.scopePath;
      void this.redrawNow();
      return;
    }
    this.selected = this.selected === vnode.id ? null : vnode.id;
    this.showDetail();
  }

  private showHover(vnode: VisibleNode | null, ev?: PointerEvent, svg?: SVGSVGElement): void {
    const card = this.hoverCard;
    if (!card) return;
    if (!vnode || !ev || !svg) {
      card.hidden = true;
      card.dataset.nodeId = "";
      return;
    }
    if (card.dataset.nodeId !== vnode.id) {
      card.replaceChildren(drawSummaryCard(document, vnode, false));
      card.dataset.nodeId = vnode.id;
    }
    const r = svg.getBoundingClientRect();
    card.hidden = false;
    // Inside the frame whatever the pointer's position: beside the pointer, flipped to the other
    // side near the right or bottom edge, and never taller than the frame.
    card.style.maxHeight = `${Math.max(80, r.height - 8)}px`;
    const cw = card.offsetWidth || 280;
    const ch = card.offsetHeight || 160;
    const px = ev.clientX - r.left;
    const py = ev.clientY - r.top;
    const left = px + 14 + cw <= r.width ? px + 14 : px - 14 - cw;
    const top = py + 14 + ch <= r.height ? py + 14 : py - 14 - ch;
    card.style.left = `${Math.max(0, Math.min(left, r.width - cw))}px`;
    card.style.top = `${Math.max(0, Math.min(top, r.height - ch))}px`;
  }

  private showDetail(): void {
    const detail = this.detail;
    if (!detail || !this.visible) return;
    detail.replaceChildren();
    this.viewport?.querySelectorAll(".cl-node--selected").forEach((el) => el.classList.remove("cl-node--selected"));
    const vnode = this.visible.nodes.find((n) => n.id === this.selected);
    if (!vnode) return;
    this.viewport?.querySelectorAll("[data-node-id]").forEach((el) => {
      if (el.getAttribute("data-node-id") === vnode.id) el.classList.add("cl-node--selected");
    });
    detail.appendChild(drawSummaryCard(document, vnode, true));
    const rule = drawNodeRule(document, vnode.node);
    if (rule) {
      detail.appendChild(rule);
      const typesetter = this.options.latexTypesetter;
      if (typesetter) void typesetter.typeset(rule);
      else rule.querySelectorAll<HTMLElement>(".cl-math").forEach((m) => (m.textContent = m.dataset.text ?? ""));
    }
    if (vnode.scopePath) {
      const path = vnode.scopePath;
      const fold = document.createElement("button");
      fold.className = "cl-button";
      fold.type = "button";
      fold.textContent = `fold ${path.split("/").pop()}`;
      fold.addEventListener("click", () => {
        // Folding a scope also folds everything nested inside it.
        for (const s of [...this.expanded]) if (s === path || s.startsWith(path + "/")) this.expanded.delete(s);
        this.selected = null;
        void this.redrawNow();
      });
      detail.appendChild(fold);
    }
    if (vnode.part) {
      const part = vnode.part;
      const close = document.createElement("button");
      close.className = "cl-button";
      close.type = "button";
      close.textContent = "close this cut part";
      close.addEventListener("click", () => {
        this.expanded.delete(part);
        this.selected = null;
        void this.redrawNow();
      });
      detail.appendChild(close);
    }
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.payload = null;
    this.viewport = null;
    this.hoverCard = null;
    this.detail = null;
    this.minimap = null;
    super.dispose();
  }
}

/** Keeps a drawing longer than its frame covering the frame (a small margin at either end); shorter ones pan freely. */
function clampPan(offset: number, frame: number, drawing: number | undefined): number {
  const margin = 16;
  if (drawing === undefined || drawing <= frame - 2 * margin) return offset;
  return Math.min(margin, Math.max(frame - drawing - margin, offset));
}
