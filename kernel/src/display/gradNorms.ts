import type { Tensor } from "../tensor/Tensor";
import type { PlotPayload } from "../protocol/plot";
import { PROTOCOL_VERSION } from "../protocol/mime";
import { ChainlabError } from "../errors";
import { finiteOrNull, fmtShape } from "./markup";

/**
 * Per-parameter gradient norms as a bar chart, the usual first look at vanishing or exploding
 * gradients. Parameters come as a list, a name -> tensor record, or anything with
 * `parameters()` (nn modules); unnamed ones are labelled by position and shape.
 */

export type ParamSource = readonly Tensor[] | Record<string, Tensor> | { parameters(): Tensor[] };

function isTensorLike(v: unknown): v is Tensor {
  return typeof v === "object" && v !== null && "data" in v && "shape" in v && "gradState" in v;
}

export function namedParams(params: ParamSource): [string, Tensor][] {
  let list: [string | undefined, Tensor][];
  if (Array.isArray(params)) list = params.map((t) => [undefined, t]);
  else if (params && typeof (params as { parameters?: unknown }).parameters === "function")
    list = (params as { parameters(): Tensor[] }).parameters().map((t) => [undefined, t]);
  else if (params && typeof params === "object") list = Object.entries(params as Record<string, Tensor>);
  else
    throw new ChainlabError(
      "show.gradNorms",
      "expected a list of tensors, a { name: tensor } record or a module with parameters()",
    );
  return list.map(([name, t], i) => {
    if (!isTensorLike(t)) throw new ChainlabError("show.gradNorms", `parameter ${name ?? i} is not a Tensor`);
    return [name ?? t.name ?? `p${i} ${fmtShape(t.shape)}`, t];
  });
}

export function buildGradNormsPayload(
  params: ParamSource,
  opts: { title?: string; yScale?: "linear" | "log"; maxBars?: number } = {},
  frame?: number,
): PlotPayload {
  const all = namedParams(params);
  const allNorms = all.map(([, t]) => {
    if (t.gradState !== "computed" || !t.grad) return null;
    let s = 0;
    for (const v of t.grad.data) s += v * v;
    return finiteOrNull(Math.sqrt(s));
  });
  // Over maxBars (a bounded bundle): the largest norms, in the model's order.
  const maxBars = Math.max(1, Math.floor(opts.maxBars ?? Infinity));
  const shown =
    all.length <= maxBars
      ? all.map((_, i) => i)
      : all
          .map((_, i) => i)
          .sort((a, b) => (allNorms[b] ?? -1) - (allNorms[a] ?? -1))
          .slice(0, maxBars)
          .sort((a, b) => a - b);
  const named = shown.map((i) => all[i]);
  const norms = shown.map((i) => allNorms[i]);
  const missing = named.filter((_, i) => norms[i] === null).map(([n]) => n);
  const positive = norms.filter((v): v is number => v !== null && v > 0);
  // Norms spanning orders of magnitude are the interesting case: then use a log axis.
  const spread = positive.length ? Math.max(...positive) / Math.min(...positive) : 1;
  const payload: PlotPayload = {
    version: PROTOCOL_VERSION,
    kind: "plot",
    chart: "bar",
    title: opts.title ?? "gradient norm per parameter",
    x: named.map(([n]) => n),
    yLabel: "‖∂L/∂p‖₂",
    yScale: opts.yScale ?? (spread > 100 ? "log" : "linear"),
    series: [{ name: "grad norm", y: norms }],
  };
  const notes: string[] = [];
  if (shown.length < all.length) notes.push(`the ${shown.length} largest of ${all.length} gradient norms`);
  if (missing.length) notes.push(`no gradient (not computed or not required): ${missing.join(", ")}`);
  if (notes.length) payload.notes = notes;
  if (frame !== undefined) payload.frame = frame;
  return payload;
}
