import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { checkChainPayload, type ChainPayload, type Checked } from "../../../kernel/src/protocol";
import { drawChain } from "../draw/drawChain";
import { ChainlabRenderer } from "./ChainlabRenderer";

/**
 * Chain-rule widget: draws the steps, then hands the TeX text nodes to JupyterLab's
 * latexTypesetter (MathJax). Without a typesetter the plain-text forms are shown instead.
 */
export class ChainRenderer extends ChainlabRenderer<ChainPayload> {
  /** Which steps the user opened/closed, kept across live updates by position. */
  private openSteps: boolean[] | null = null;

  constructor(options: IRenderMime.IRendererOptions) {
    super(options, "cl-chain-output");
  }

  protected check(data: unknown): Checked<ChainPayload> {
    return checkChainPayload(data);
  }

  protected async renderPayload(payload: ChainPayload, isCurrent: () => boolean): Promise<void> {
    const previous = [...this.node.querySelectorAll<HTMLDetailsElement>("details.cl-chain-step")].map((d) => d.open);
    if (previous.length) this.openSteps = previous;
    const root = drawChain(document, payload);
    const steps = root.querySelectorAll<HTMLDetailsElement>("details.cl-chain-step");
    if (this.openSteps && this.openSteps.length === steps.length)
      steps.forEach((d, i) => (d.open = this.openSteps![i]));
    const typesetter = this.options.latexTypesetter;
    if (!typesetter) {
      root.querySelectorAll<HTMLElement>(".cl-math").forEach((m) => {
        m.textContent = m.dataset.text ?? "";
        m.classList.add("cl-math--plain");
      });
    }
    this.clearContent();
    this.node.appendChild(root);
    if (typesetter) await typesetter.typeset(root);
    if (!isCurrent()) return;
  }
}
