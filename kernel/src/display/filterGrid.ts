import type { Tensor } from "../tensor/Tensor";
import type { HeatmapPayload } from "../protocol/heatmap";
import { PROTOCOL_VERSION } from "../protocol/mime";
import { ChainlabError } from "../errors";
import { blockMeans, type HeatmapOptions } from "./heatmapPayload";

/**
 * Rank-4 tensors as one tiled matrix: a conv weight [out, in, kh, kw] as a grid of its filters
 * (row = out channel, column = in channel), or activations [N, C, H, W] of one sample as a row
 * of channel maps. Tiles are separated by one empty (null) row/column; the gradient, when
 * computed, is tiled the same way and shown beside the values. Tiles beyond 64 x 64 cells are
 * left out and the title says how many are shown.
 */
const MAX_CELLS_PER_AXIS = 64;

function tile(
  src: ArrayLike<number>,
  offset: number,
  A: number,
  B: number,
  h: number,
  w: number,
  strideA: number,
  a0: number,
  b0: number,
): number[] {
  const rows = A * (h + 1) - 1,
    cols = B * (w + 1) - 1;
  const out = new Array<number>(rows * cols).fill(NaN);
  for (let a = 0; a < A; a++)
    for (let b = 0; b < B; b++)
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++)
          out[(a * (h + 1) + i) * cols + b * (w + 1) + j] =
            src[offset + (a0 + a) * strideA + ((b0 + b) * h + i) * w + j];
  return out;
}

export interface GridOptions extends HeatmapOptions {
  /** For activations: which sample of the batch (default 0). */
  sample?: number;
}

function gridPayload(op: string, t: Tensor, kind: "filters" | "activations", opts: GridOptions): HeatmapPayload {
  if (t.rank !== 4)
    throw new ChainlabError(
      op,
      `expects a rank-4 tensor (${kind === "filters" ? "[out, in, kh, kw]" : "[N, C, H, W]"}), got shape [${t.shape.join(",")}]`,
    );
  const [d0, d1, h, w] = t.shape;
  const sample = opts.sample ?? 0;
  if (kind === "activations" && (!Number.isInteger(sample) || sample < 0 || sample >= d0))
    throw new ChainlabError(op, `sample ${sample} is not in [0, ${d0})`);
  // filters: A = out (rows of tiles), B = in; activations: one row of C channel maps.
  const A = kind === "filters" ? d0 : 1,
    B = kind === "filters" ? d1 : d1;
  const maxA = Math.max(1, Math.floor((MAX_CELLS_PER_AXIS + 1) / (h + 1))),
    maxB = Math.max(1, Math.floor((MAX_CELLS_PER_AXIS + 1) / (w + 1)));
  const shownA = Math.min(A, maxA),
    shownB = Math.min(B, maxB);
  const offset = kind === "activations" ? sample * d1 * h * w : 0;
  const strideA = d1 * h * w;
  const rows = shownA * (h + 1) - 1,
    cols = shownB * (w + 1) - 1;
  const gradState = t.gradState;
  const grad = gradState === "computed" ? t.grad : null;
  const show = opts.show ?? (grad ? "both" : "value");
  const value = blockMeans(tile(t.data, offset, shownA, shownB, h, w, strideA, 0, 0), 0, rows, cols, 1, 1);
  const gradM =
    grad && show !== "value"
      ? blockMeans(tile(grad.data, offset, shownA, shownB, h, w, strideA, 0, 0), 0, rows, cols, 1, 1)
      : null;
  const name = opts.name ?? t.name ?? "tensor";
  const cut = shownA < A || shownB < B ? ` (first ${shownA} x ${shownB} of ${A} x ${B})` : "";
  const title =
    opts.title ??
    (kind === "filters"
      ? `${name} [${t.shape.join(",")}]: ${h}x${w} filters, row = out channel, column = in channel${cut}`
      : `${name} [${t.shape.join(",")}]: sample ${sample}, one ${h}x${w} map per channel${cut}`);
  return {
    version: PROTOCOL_VERSION,
    kind: "heatmap",
    name,
    shape: [...t.shape],
    show,
    gradState,
    slices: [{ index: [], value, grad: gradM }],
    title,
  };
}

export const filterGridPayload = (t: Tensor, opts: GridOptions = {}): HeatmapPayload =>
  gridPayload("show.filters", t, "filters", opts);
export const activationMapsPayload = (t: Tensor, opts: GridOptions = {}): HeatmapPayload =>
  gridPayload("show.activations", t, "activations", opts);
