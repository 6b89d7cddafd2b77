import { indexOf } from "../tensor/shape";
import type { Tensor } from "../tensor/Tensor";
import type { HeatmapPayload, HeatmapSlice } from "../protocol/heatmap";
import { PROTOCOL_VERSION } from "../protocol/mime";
import { ChainlabError } from "../errors";
import { finiteOrNull } from "./markup";

/**
 * A tensor's values and/or gradient as matrices: rank 0/1 as one row, rank 2 as is, rank 3+
 * as 2-D slices over the last two axes. Large matrices are averaged in blocks and extra slices
 * left out, so a payload holds at most 16384 cells per matrix kind; `downsampled` says so.
 */

export interface HeatmapOptions {
  /** Default: "both" once the gradient is computed, else "value". */
  show?: "value" | "grad" | "both";
  /** Shown above the matrix; default the tensor's name or "tensor". */
  name?: string;
  title?: string;
  /** Bounds of one matrix after downsampling (default 64 x 64) and of the slice count (16). */
  maxRows?: number;
  maxCols?: number;
  maxSlices?: number;
}

export const HEATMAP_MAX_ROWS = 64;
export const HEATMAP_MAX_COLS = 64;
export const HEATMAP_MAX_SLICES = 16;
/** All slices together hold at most this many cells (per matrix kind), e.g. 4 slices of 64 x 64. */
export const HEATMAP_MAX_CELLS = 16384;

/** Display values keep 6 significant digits: enough for colours and hover, a third of the JSON. */
function displayNumber(v: number): number | null {
  return finiteOrNull(Number(v.toPrecision(6)));
}

/** The matrix view of a shape: leading (slice) axes, rows, cols. */
export function matrixView(shape: readonly number[]): { lead: number[]; rows: number; cols: number } {
  if (shape.length === 0) return { lead: [], rows: 1, cols: 1 };
  if (shape.length === 1) return { lead: [], rows: 1, cols: shape[0] };
  return { lead: shape.slice(0, -2), rows: shape[shape.length - 2], cols: shape[shape.length - 1] };
}

/** Block means of one rows x cols matrix at `offset`; a block containing NaN/Inf is null. */
export function blockMeans(
  data: ArrayLike<number>,
  offset: number,
  rows: number,
  cols: number,
  rs: number,
  cs: number,
): (number | null)[][] {
  const out: (number | null)[][] = [];
  for (let r0 = 0; r0 < rows; r0 += rs) {
    const row: (number | null)[] = [];
    for (let c0 = 0; c0 < cols; c0 += cs) {
      let sum = 0;
      let n = 0;
      let bad = false;
      for (let r = r0; r < Math.min(rows, r0 + rs); r++) {
        for (let c = c0; c < Math.min(cols, c0 + cs); c++) {
          const v = data[offset + r * cols + c];
          if (!Number.isFinite(v)) bad = true;
          sum += v;
          n++;
        }
      }
      row.push(bad ? null : displayNumber(sum / n));
    }
    out.push(row);
  }
  return out;
}

export function buildHeatmapPayload(t: Tensor, opts: HeatmapOptions = {}, frame?: number): HeatmapPayload {
  const gradState = t.gradState;
  const show = opts.show ?? (gradState === "computed" ? "both" : "value");
  if (show !== "value" && show !== "grad" && show !== "both")
    throw new ChainlabError("show.heatmap", `show must be "value", "grad" or "both", got ${JSON.stringify(show)}`);
  const maxRows = Math.max(1, Math.floor(opts.maxRows ?? HEATMAP_MAX_ROWS));
  const maxCols = Math.max(1, Math.floor(opts.maxCols ?? HEATMAP_MAX_COLS));
  const maxSlices = Math.max(1, Math.floor(opts.maxSlices ?? HEATMAP_MAX_SLICES));
  const { lead, rows, cols } = matrixView(t.shape);
  const sliceCount = lead.reduce((a, b) => a * b, 1);
  const rowStride = Math.max(1, Math.ceil(rows / maxRows));
  const colStride = Math.max(1, Math.ceil(cols / maxCols));
  const cellsPerSlice = Math.ceil(rows / rowStride) * Math.ceil(cols / colStride);
  const shownSlices = Math.max(
    1,
    Math.min(sliceCount, maxSlices, Math.floor(HEATMAP_MAX_CELLS / Math.max(1, cellsPerSlice))),
  );
  // Read .grad only when computed: reading an unretained intermediate's grad warns the user.
  const grad = gradState === "computed" ? t.grad : null;
  const slices: HeatmapSlice[] = [];
  for (let k = 0; k < shownSlices; k++) {
    const offset = k * rows * cols;
    slices.push({
      index: indexOf(k, lead),
      value: blockMeans(t.data, offset, rows, cols, rowStride, colStride),
      grad: show !== "value" && grad ? blockMeans(grad.data, offset, rows, cols, rowStride, colStride) : null,
    });
  }
  const payload: HeatmapPayload = {
    version: PROTOCOL_VERSION,
    kind: "heatmap",
    name: opts.name ?? t.name ?? "tensor",
    shape: [...t.shape],
    show,
    gradState,
    slices,
  };
  if (shownSlices < sliceCount || rowStride > 1 || colStride > 1)
    payload.downsampled = { sliceCount, shownSlices, rowStride, colStride };
  if (opts.title) payload.title = opts.title;
  if (frame !== undefined) payload.frame = frame;
  return payload;
}
