import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { checkPlotPayload, type Checked, type PlotPayload } from "../../../kernel/src/protocol";
import { plotFigure } from "../draw/plotFigure";
import { PlotlyRenderer } from "./PlotlyRenderer";
import { loadPlotly } from "./plotly";
import { themeColors } from "./theme";

/** Bar/line chart widget (gradient norms, loss curves); live updates go through Plotly.react. */
export class PlotRenderer extends PlotlyRenderer<PlotPayload> {
  private readonly plot = document.createElement("div");
  private readonly notes = document.createElement("div");

  constructor(options: IRenderMime.IRendererOptions) {
    super(options, "cl-plot");
    this.plot.className = "cl-plot-area";
    this.notes.className = "cl-heatmap-notes";
  }

  protected plotNodes(): HTMLElement[] {
    return [this.plot];
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

  protected async draw(): Promise<void> {
    const { payload, plotly } = this;
    if (!payload || !plotly || this.isDisposed) return;
    const fig = plotFigure(payload, themeColors());
    await plotly.react(this.plot, fig.data, fig.layout, fig.config);
    this.notes.replaceChildren(
      ...(payload.notes ?? []).map((n) => Object.assign(document.createElement("span"), { textContent: String(n) })),
    );
  }
}
