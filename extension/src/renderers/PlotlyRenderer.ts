import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import type { Message } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import { ChainlabRenderer } from "./ChainlabRenderer";
import { loadPlotly, type PlotlyLike } from "./plotly";
import { watchTheme } from "./theme";

/**
 * What every plotly-backed renderer (heatmap, plot) shares: lazy plotly, redraw on theme
 * switches, resize with the output area, and purging plotly's state on clear and dispose.
 * Subclasses draw their payload in `draw()` and list the nodes plotly draws into.
 */
export abstract class PlotlyRenderer<P> extends ChainlabRenderer<P> {
  protected payload: P | null = null;
  protected plotly: PlotlyLike | null = null;
  private stopWatchingTheme: (() => void) | null;

  constructor(options: IRenderMime.IRendererOptions, className: string) {
    super(options, className);
    this.stopWatchingTheme = watchTheme(() => void this.draw());
  }

  /** The nodes plotly draws into; the first one follows the widget's size. */
  protected abstract plotNodes(): HTMLElement[];
  /** (Re)draws the current payload with the current theme. */
  protected abstract draw(): Promise<void>;

  protected override async loadLibraries(): Promise<void> {
    this.plotly = await loadPlotly();
  }

  protected override clearContent(): void {
    if (this.plotly) for (const n of this.plotNodes()) this.plotly.purge(n);
    super.clearContent();
  }

  private resizePlot(): void {
    const main = this.plotNodes()[0];
    if (this.plotly && main.isConnected) this.plotly.Plots.resize(main);
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.resizePlot();
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.resizePlot();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.stopWatchingTheme?.();
    this.stopWatchingTheme = null;
    if (this.plotly) for (const n of this.plotNodes()) this.plotly.purge(n);
    this.payload = null;
    super.dispose();
  }
}
