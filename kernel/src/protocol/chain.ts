/**
 * The chain-rule expansion of dL/dx (kernel/src/symbolic builds it). Each mathematical form is
 * given twice: LaTeX (typeset by the renderer through JupyterLab's typesetter) and plain text.
 */
export interface Rendered {
  latex: string;
  text: string;
}

export interface ChainTerm {
  /** Values of the summed indices for this term, e.g. { k: 2, l: 1 }. */
  indices: Record<string, number>;
  /** Symbolic factors with their values, e.g. [{ text: "G_21", value: 0.3 }, ...]. */
  factors: { text: string; latex: string; value: number }[];
  value: number;
  /** True when a Kronecker delta kills the term. */
  zero: boolean;
  /** Which use of the parameter the term belongs to, when it is used more than once. */
  via?: string;
}

/** The numbers of one step, at one element of the step's input (derive as you go). */
export interface ChainStepNumeric {
  /** The element of the step's input (`from`). */
  at: number[];
  terms: ChainTerm[];
  more?: { count: number; sum: number };
  /** How many terms a Kronecker delta kills. */
  killed: number;
  total: number;
  /** The gradient reverse mode computed for this element (along this path). */
  autodiff: number;
  relErrAutodiff: number;
  pass: boolean;
}

export interface ChainStep {
  /** The op of the edge this step walks back through. */
  op: string;
  /** Names of the tensors: the step goes from dL/d(to) to dL/d(from). */
  from: string;
  to: string;
  fromShape: number[];
  toShape: number[];
  /** The general rule with the sum over all indices of the intermediate. */
  general: Rendered;
  /** The op's local partial in index form with Kronecker deltas. */
  local: Rendered;
  /** The index form after substituting the local partial. */
  indexForm: Rendered;
  /** After collapsing the deltas; `renamed` lists the collapsed indices ("l := j"). */
  collapsed: Rendered;
  renamed: string[];
  /** Vector/matrix notation where it exists, else einsum. */
  compact: Rendered;
  einsum?: string;
  /** Present when the input was broadcast: the extra sum over expanded axes and why. */
  broadcast?: Rendered & { axes: number[]; why: string };
  /** What the upstream symbol stands for: "G := dL/dY = ...". */
  upstream?: Rendered;
  /** Derive as you go: the compact form with the previous step's result substituted. */
  composed?: Rendered;
  numeric?: ChainStepNumeric;
}

export interface ChainNumeric {
  /** The element of x that was instantiated. */
  at: number[];
  /** Largest terms (by |value|) of the fully substituted sum, or of the last step. */
  terms: ChainTerm[];
  /** Terms not listed and their sum. */
  more?: { count: number; sum: number };
  /** How many terms a Kronecker delta kills. */
  killed?: number;
  total: number;
  autodiff: number;
  finiteDiff: number;
  relErrAutodiff: number;
  relErrFiniteDiff: number;
  pass: boolean;
  /** Why some numbers could not be written out as terms (e.g. a user op without index rule). */
  note?: string;
}

export interface ChainPath {
  /** Tensor names from x to L along this path. */
  nodes: string[];
  steps: ChainStep[];
  /** All steps composed into one nested sum, for paths of up to about 6 steps. */
  substituted?: Rendered;
  /** The substituted form after collapsing its deltas, and which indices were renamed. */
  substitutedCollapsed?: Rendered & { renamed: string[] };
  /** The tensor the substituted form starts from (its gradient is written out elementwise). */
  head?: string;
  /** The whole path in compact (matrix) notation: dL/dx = ... */
  compact?: Rendered;
  /** For longer paths: how many steps were folded into the summary. */
  folded?: number;
  /**
   * Long paths list only the steps nearest L and nearest x: `count` steps between them are not
   * written out; they come after the first `after` entries of `steps` (which run from L to x).
   */
  stepsOmitted?: { after: number; count: number };
  numeric?: ChainNumeric;
  /** Per-term contributions for the chosen element, shaped like the intermediate next to x. */
  contributions?: { intermediate: string; shape: number[]; values: (number | null)[] };
}

export interface ChainPayload {
  version: number;
  kind: "chain";
  output: { name: string; shape: number[] };
  param: { name: string; shape: number[] };
  /** One entry per path; when more than one, the display says the paths add. */
  paths: ChainPath[];
  /** dL/dx in compact notation, the paths' gradients added (when every path has one). */
  compact?: Rendered;
  /** Paths beyond the limit that were not expanded (the numbers still include them). */
  pathsOmitted?: number;
  /** Jacobian mode: the output element L_K that the steps and numbers are for. */
  outputAt?: number[];
  /** The result for the chosen element over all paths. */
  numeric: ChainNumeric;
  /** Jacobian mode (non-scalar L): blocks of dL_K/dx_I, 2-D slices for rank 3+. */
  jacobian?: { shape: number[]; blocks: { index: number[]; values: (number | null)[][] }[] };
  /** What the kernel left out to keep the payload within its byte budget, as sentences to show. */
  trimmed?: string[];
}
