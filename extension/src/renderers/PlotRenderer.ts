import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import type { Message } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import { checkPlotPayload, type Checked, type PlotPayload } from "../../../kernel/src/protocol";
import { plotFigure } from "../draw/plotFigure";
import { ChainlabRenderer } from "./ChainlabRenderer";
import { loadPlotly, type PlotlyLike } from "./plotly";
import { themeColors, watchTheme } from "./theme";

/** Bar/line chart widget (gradient norms, loss curves); live updates go through Plotly.react. */
export class PlotRenderer extends ChainlabRenderer<PlotPayload> {
  private payload: PlotPayload | null = null;
  private plotly: PlotlyLike | null = null;
  private readonly plot = document.createElement("div");
  private readonly notes = document.createElement("div");
  private stopWatchingTheme: (() => void) | null;

  constructor(options: IRenderMime.IRendererOptions) {
    super(options, "cl-plot");
    this.plot.className = "cl-plot-area";
    this.notes.className = "cl-heatmap-notes";
    this.stopWatchingTheme = watchTheme(() => void this.draw());
  }

  protected override async loadLibraries(): Promise<void> {
    this.plotly = await loadPlotly();
  }

  protected check(data: unknown): Checked<PlotPayload> {
    return checkPlotPayload(data);
  }

  protected async renderPayload(payload: PlotPayload, isCurrent: () => boolean): Promise<void> {
    const plotly = this.plotly ?? (await loadPlotly());
    if (!isCurrent()) return;
    this.plotly = plotly;
    this.payload = payload;
    if (this.plot.parentNode !== this.node) {
      this.clearContent();
      this.node.append(this.plot, this.notes);
    }
    await this.draw();
  }

  private async draw(): Promise<void> {
    const { payload, plotly } = this;
    if (!payload || !plotly || this.isDisposed) return;
    const fig = plotFigure(payload, themeColors());
    await plotly.react(this.plot, fig.data, fig.layout, fig.config);
    this.notes.replaceChildren(...(payload.notes ?? []).map((n) => Object.assign(document.createElement("span"), { textContent: String(n) })));
  }

  protected override clearContent(): void {
    this.plotly?.purge(this.plot);
    super.clearContent();
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    if (this.plotly && this.plot.isConnected) this.plotly.Plots.resize(this.plot);
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (this.plotly && this.plot.isConnected) this.plotly.Plots.resize(this.plot);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.stopWatchingTheme?.();
    this.stopWatchingTheme = null;
    this.plotly?.purge(this.plot);
    this.payload = null;
    super.dispose();
  }
}
