import type { NestedNumbers, TensorSummary } from "../protocol/summary";
import { finiteOrNull } from "./markup";

/**
 * Statistics of a tensor's values for payloads and text fallbacks (min, max, mean, L2 norm,
 * counts of NaN/Inf), with all values included only for small tensors so payloads stay bounded.
 */

/** Tensors with at most this many entries carry all their values in a summary. */
export const SUMMARY_MAX_VALUES = 64;

export function summarize(data: ArrayLike<number>, shape: readonly number[]): TensorSummary {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSq = 0;
  let finite = 0;
  let nanCount = 0;
  let infCount = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isNaN(v)) nanCount++;
    else if (!Number.isFinite(v)) infCount++;
    else {
      finite++;
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      sumSq += v * v;
    }
  }
  const summary: TensorSummary = {
    shape: [...shape],
    size: data.length,
    min: finite ? min : null,
    max: finite ? max : null,
    mean: finite ? sum / finite : null,
    norm: finite ? finiteOrNull(Math.sqrt(sumSq)) : null,
    nanCount,
    infCount,
  };
  if (data.length <= SUMMARY_MAX_VALUES) summary.values = nestValues(data, shape);
  return summary;
}

function nestValues(data: ArrayLike<number>, shape: readonly number[]): NestedNumbers {
  if (shape.length === 0) return finiteOrNull(data[0]);
  let pos = 0;
  const build = (d: number): NestedNumbers[] => {
    const out: NestedNumbers[] = [];
    for (let i = 0; i < shape[d]; i++) out.push(d === shape.length - 1 ? finiteOrNull(data[pos++]) : build(d + 1));
    return out;
  };
  return build(0);
}
