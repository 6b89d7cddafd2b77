/**
 * The notebooks the static JupyterLite site runs in the browser (test/e2e/lite.e2e.test.ts), and so
 * the ones whose every cell the browser kernel's type checker must accept (test/lite/typeCheck.test.ts).
 */
export const BROWSER_NOTEBOOKS = [
  "01-vectors.ipynb",
  "02-matrix-param-vector.ipynb",
  "03-matrix-param-matrix.ipynb",
  "04-three-step-chain.ipynb",
  "06-train-an-mlp.ipynb",
  "assignments/backprop-assignment.ipynb",
];
