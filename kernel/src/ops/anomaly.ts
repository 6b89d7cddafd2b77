/**
 * Anomaly mode (as jax_debug_nans): NaN/Inf checks after every op. In ops/ because `apply`
 * checks each forward result; backward (autodiff/) checks each rule's result.
 */
import { ChainlabError, fmtShape } from "../errors";
import type { Tensor } from "../tensor/Tensor";

let anomalyMode = false;

export function isAnomalyMode(): boolean {
  return anomalyMode;
}

/** Thrown by anomaly mode at the first op whose result has a NaN or Inf. */
export class AnomalyError extends ChainlabError {
  /** The op's output (forward) or the gradient it produced (backward). */
  readonly tensor: Tensor | null;
  readonly phase: "forward" | "backward";
  constructor(op: string, phase: "forward" | "backward", message: string, tensor: Tensor | null) {
    super(op, message);
    this.name = "AnomalyError";
    this.phase = phase;
    this.tensor = tensor;
  }
}

/**
 * Runs `fn` checking every op's result, forward and backward, for NaN/Inf; the first op that
 * produces one throws an AnomalyError naming it and its inputs' shapes (as jax_debug_nans).
 */
export function detectAnomaly<R>(fn: () => R): R {
  const prev = anomalyMode;
  anomalyMode = true;
  try {
    return fn();
  } finally {
    anomalyMode = prev;
  }
}

/** Runs `fn` with forward checks off: backward checks each rule's result as a whole instead,
 * so a NaN made inside a derivative rule is blamed on the op whose rule it is. */
export function withoutAnomalyChecks<R>(fn: () => R): R {
  const prev = anomalyMode;
  anomalyMode = false;
  try {
    return fn();
  } finally {
    anomalyMode = prev;
  }
}

export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

export function checkAnomaly(
  op: string,
  phase: "forward" | "backward",
  data: ArrayLike<number>,
  inputs: readonly { shape: readonly number[]; name?: string; data: ArrayLike<number> }[],
  result: Tensor | null,
  detail = "",
): void {
  const bad = firstNonFinite(data);
  if (bad < 0) return;
  // An op that merely passes along a NaN it was given is not the origin.
  if (phase === "forward" && inputs.some((t) => firstNonFinite(t.data) >= 0)) return;
  const v = data[bad];
  const ins = inputs.map((t) => (t.name ? `${t.name}${fmtShape(t.shape)}` : fmtShape(t.shape))).join(", ");
  throw new AnomalyError(
    op,
    phase,
    `${phase === "forward" ? "produced" : "backward produced a gradient with"} ${Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity"} at flat index ${bad} (inputs: ${ins})${detail}`,
    result,
  );
}
