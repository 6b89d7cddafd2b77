/**
 * What JupyterLab hands a chainlab renderer: an output's MIME model (untrusted, as a saved
 * notebook's outputs are) and the renderer options, with a sanitizer that changes nothing so a
 * test sees exactly what the renderer itself lets through.
 */
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";

export function model(mime: string, data: unknown): IRenderMime.IMimeModel {
  return { trusted: false, data: { [mime]: data as never }, metadata: {}, setData: () => undefined };
}

export function options(mimeType: string): IRenderMime.IRendererOptions {
  return {
    mimeType,
    sanitizer: { sanitize: (s: string) => s },
    resolver: null,
    linkHandler: null,
    latexTypesetter: null,
  } as never;
}
