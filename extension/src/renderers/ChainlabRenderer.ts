import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import type { Checked } from "../../../kernel/src/protocol";

/**
 * Shared behaviour of the four renderers (chain, graph, heatmap, plot): validate the untrusted payload, show a readable
 * message instead of throwing, and let a later render (update_display_data) supersede an
 * earlier one that is still waiting for a lazy import or a layout.
 */
export abstract class ChainlabRenderer<P> extends Widget implements IRenderMime.IRenderer {
  protected readonly mimeType: string;
  protected readonly options: IRenderMime.IRendererOptions;
  /** Incremented per renderModel call; async work checks it before touching the DOM. */
  private renderTicket = 0;

  constructor(options: IRenderMime.IRendererOptions, className: string) {
    super();
    this.options = options;
    this.mimeType = options.mimeType;
    this.addClass("cl-output");
    this.addClass(className);
  }

  protected abstract check(data: unknown): Checked<P>;
  /** Loads lazily imported libraries (elkjs, plotly) before the timed render. */
  protected async loadLibraries(): Promise<void> {}
  /** Draws the payload; `isCurrent()` turns false once a newer model arrived. */
  protected abstract renderPayload(payload: P, isCurrent: () => boolean): Promise<void>;

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const ticket = ++this.renderTicket;
    const isCurrent = () => ticket === this.renderTicket && !this.isDisposed;
    const checked = this.check(model.data[this.mimeType]);
    if (!checked.ok) {
      this.showError(checked.error);
      return;
    }
    try {
      await this.loadLibraries();
      if (!isCurrent()) return;
      const start = performance.now();
      await this.renderPayload(checked.payload, isCurrent);
      // Visible in the browser's performance timeline; bench/ reads these entries.
      if (isCurrent()) performance.measure(`chainlab:render:${this.mimeType}`, { start, end: performance.now() });
    } catch (err) {
      if (isCurrent())
        this.showError(`could not draw this payload: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  protected showError(message: string): void {
    this.clearContent();
    const box = document.createElement("div");
    box.className = "cl-error";
    box.textContent = `chainlab: ${message}`;
    this.node.appendChild(box);
  }

  /** Removes what a previous render drew; subclasses release library state first. */
  protected clearContent(): void {
    this.node.replaceChildren();
  }
}
