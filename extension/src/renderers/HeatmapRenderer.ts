import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { checkHeatmapPayload, type Checked, type HeatmapPayload } from "../../../kernel/src/protocol";
import { contributionFigure, contributionFor, heatmapFigure, heatmapNotes, clickedIndex } from "../draw/heatmapFigure";
import { PlotlyRenderer } from "./PlotlyRenderer";
import { loadPlotly } from "./plotly";
import { themeColors } from "./theme";

/**
 * Heatmap widget: one plot node kept across update_display_data (Plotly.react redraws it in
 * place, so a training loop animates instead of flickering), a slice selector for rank 3+,
 * and the contribution map of a clicked element when the payload carries it.
 */
interface PlotlyEventNode extends HTMLDivElement {
  on?(event: string, handler: (ev: { points?: { x: number; y: number; data?: { name?: string } }[] }) => void): void;
}

export class HeatmapRenderer extends PlotlyRenderer<HeatmapPayload> {
  private sliceIndex = 0;
  private readonly controls = document.createElement("div");
  private readonly select = document.createElement("select");
  private readonly plot: PlotlyEventNode = document.createElement("div");
  private readonly notes = document.createElement("div");
  private readonly contribution = document.createElement("div");
  private contributionAt: number[] | null = null;
  private plotWired = false;

  constructor(options: IRenderMime.IRendererOptions) {
    super(options, "cl-heatmap");
    this.controls.className = "cl-heatmap-controls";
    this.plot.className = "cl-heatmap-plot";
    this.notes.className = "cl-heatmap-notes";
    this.contribution.className = "cl-heatmap-contribution";
    this.select.className = "cl-select";
    this.select.addEventListener("change", () => {
      this.sliceIndex = Number(this.select.value) || 0;
      void this.draw();
    });
  }

  protected plotNodes(): HTMLElement[] {
    return [this.plot, this.contribution];
  }

  protected check(data: unknown): Checked<HeatmapPayload> {
    return checkHeatmapPayload(data);
  }

  protected async renderPayload(payload: HeatmapPayload, isCurrent: () => boolean): Promise<void> {
    if (payload.slices.length === 0) throw new Error("heatmap payload has no slices");
    const plotly = this.plotly ?? (await loadPlotly());
    if (!isCurrent()) return;
    this.plotly = plotly;
    this.payload = payload;
    if (this.sliceIndex >= payload.slices.length) this.sliceIndex = 0;
    if (!this.plot.isConnected || this.plot.parentNode !== this.node) {
      // First render, or the previous render showed an error: (re)build the fixed skeleton.
      this.clearContent();
      this.node.append(this.controls, this.plot, this.notes, this.contribution);
    }
    await this.draw();
  }

  protected async draw(): Promise<void> {
    const { payload, plotly } = this;
    if (!payload || !plotly || this.isDisposed) return;
    this.updateSliceSelector(payload);
    const notes = heatmapNotes(payload);
    this.notes.replaceChildren(...notes.map((n) => Object.assign(document.createElement("span"), { textContent: n })));
    const fig = heatmapFigure(payload, this.sliceIndex, themeColors());
    await plotly.react(this.plot, fig.data, fig.layout, fig.config);
    this.plot.dataset.frame = String(payload.frame ?? 0);
    if (!this.plotWired && this.plot.on) {
      this.plotWired = true;
      this.plot.on("plotly_click", (ev) => this.onCellClick(ev));
    }
    // show.contributions sends the map of its chosen element: show it without a click.
    if (!this.contributionAt && payload.contributions?.length)
      this.contributionAt = payload.contributions[0].at.slice();
    await this.drawContribution();
  }

  private updateSliceSelector(payload: HeatmapPayload): void {
    if (payload.slices.length <= 1) {
      this.controls.replaceChildren();
      return;
    }
    const labels = payload.slices.map((s) => `${payload.name}[${[...s.index, ":", ":"].join(", ")}]`);
    const current = [...this.select.options].map((o) => o.textContent);
    if (current.join("\n") !== labels.join("\n")) {
      this.select.replaceChildren(
        ...labels.map((text, i) =>
          Object.assign(document.createElement("option"), { value: String(i), textContent: text }),
        ),
      );
    }
    this.select.value = String(this.sliceIndex);
    const label = Object.assign(document.createElement("label"), { textContent: "slice " });
    label.appendChild(this.select);
    this.controls.replaceChildren(label);
  }

  private onCellClick(ev: { points?: { x: number; y: number }[] }): void {
    const p = ev.points?.[0];
    const payload = this.payload;
    if (!p || !payload?.contributions?.length) return;
    const slice = payload.slices[this.sliceIndex];
    this.contributionAt = clickedIndex(payload, slice, Number(p.x), Number(p.y));
    void this.drawContribution();
  }

  private async drawContribution(): Promise<void> {
    const { payload, plotly, contributionAt } = this;
    if (!payload || !plotly) return;
    const c = contributionAt ? contributionFor(payload, contributionAt) : undefined;
    if (!c) {
      if (this.contribution.childElementCount || this.contribution.textContent) plotly.purge(this.contribution);
      this.contribution.replaceChildren();
      if (contributionAt) this.contribution.textContent = "No contribution map for this element in the payload.";
      return;
    }
    const fig = contributionFigure(payload, c, themeColors());
    // Clear a text message, but never plotly's own DOM: Plotly.react on a node whose children
    // were removed behind its back redraws nothing (the map vanished on a second draw).
    if (!this.contribution.querySelector(".main-svg")) this.contribution.replaceChildren();
    await plotly.react(this.contribution, fig.data, fig.layout, fig.config);
  }
}
