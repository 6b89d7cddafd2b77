/** plotly.js (cartesian partial bundle, ~1.5 MB) is loaded on the first heatmap only. */
export interface PlotlyLike {
  react(el: HTMLElement, data: unknown[], layout: unknown, config?: unknown): Promise<unknown>;
  purge(el: HTMLElement): void;
  Plots: { resize(el: HTMLElement): void };
}

let plotlyPromise: Promise<PlotlyLike> | null = null;

export function loadPlotly(): Promise<PlotlyLike> {
  if (!plotlyPromise) {
    plotlyPromise = import(/* webpackChunkName: "chainlab-plotly" */ "plotly.js-cartesian-dist-min").then(
      (mod) => (mod as { default?: PlotlyLike }).default ?? (mod as unknown as PlotlyLike),
    );
  }
  return plotlyPromise;
}
