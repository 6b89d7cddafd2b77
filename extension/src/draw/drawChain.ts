import type { ChainNumeric, ChainPath, ChainPayload, ChainStep, Rendered } from "../../../kernel/src/protocol";
import { formatNumber, indexText, shapeText } from "./format";
import { colorSummedIndices, INDEX_COLORS, IndexPalette } from "./indexColors";
import { drawMatrixTable } from "./matrixTable";
import { htmlEl } from "./svg";

/**
 * The stepwise chain rule as DOM: per path, per step a collapsible block (general rule, local
 * partial, index form, delta collapse, compact form, broadcast reduction), then the numeric
 * check. Maths goes into `.cl-math` elements as TeX *text* ("\[ ... \]") for the renderer's
 * latexTypesetter; each also keeps the plain-text form in `data-text`/title for copy and
 * for when no typesetter is available. Payloads arrive validated (protocol/validate.ts), so
 * nothing here re-checks their fields.
 */

export function mathBlock(
  doc: Document,
  r: Rendered | undefined,
  label: string,
  palette = new IndexPalette(),
): HTMLDivElement | null {
  if (!r) return null;
  const row = htmlEl(doc, "div", "cl-chain-row");
  row.appendChild(htmlEl(doc, "div", "cl-chain-label", label));
  const math = htmlEl(doc, "div", "cl-math", `\\[${colorSummedIndices(r.latex, palette)}\\]`);
  math.dataset.text = r.text;
  math.title = math.dataset.text;
  row.appendChild(math);
  row.appendChild(copyLatexButton(doc, r.latex));
  return row;
}

/** "copy LaTeX": the formula's TeX source (without the index colours) to the clipboard. */
function copyLatexButton(doc: Document, latex: string): HTMLButtonElement {
  const b = htmlEl(doc, "button", "cl-copy-latex", "copy LaTeX");
  b.type = "button";
  b.title = "Copy this formula's LaTeX";
  b.dataset.latex = latex;
  b.addEventListener("click", (ev) => {
    ev.preventDefault();
    ev.stopPropagation();
    const nav = doc.defaultView?.navigator;
    void nav?.clipboard?.writeText(latex).then(
      () => (b.textContent = "copied"),
      () => (b.textContent = "copy failed"),
    );
  });
  return b;
}

/**
 * The step that teaches: the first (from L down) whose sum runs over an intermediate with
 * more than one element; the trivial step out of L (every term "= 1") is not it.
 */
export function teachingStep(steps: readonly ChainStep[], output: string): number {
  const size = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
  const k = steps.findIndex((s) => s.to !== output && size(s.toShape) > 1);
  return k >= 0 ? k : Math.max(0, steps.length - 1);
}

function stepTitle(step: ChainStep, n: number): string {
  return `Step ${n}: through ${step.op}, from ∂L/∂${step.to} ${shapeText(step.toShape)} to ∂L/∂${step.from} ${shapeText(step.fromShape)}`;
}

export function drawStep(
  doc: Document,
  step: ChainStep,
  n: number,
  open: boolean,
  palette = new IndexPalette(),
): HTMLDetailsElement {
  const details = htmlEl(doc, "details", "cl-chain-step");
  details.open = open;
  details.appendChild(htmlEl(doc, "summary", undefined, stepTitle(step, n)));
  // Every symbol defined where it is used: the upstream gradient's name, meaning and shape.
  const upstream = step.upstream
    ? {
        latex: String.raw`${step.upstream.latex} \quad \text{(shape ${shapeText(step.toShape)})}`,
        text: `${step.upstream.text}  (shape ${shapeText(step.toShape)})`,
      }
    : undefined;
  // "deltas collapsed" only when a delta was collapsed (else it repeats the index form).
  const collapsedDiffers = step.renamed.length > 0 || step.collapsed.text !== step.indexForm.text;
  const rows: (HTMLElement | null)[] = [
    mathBlock(doc, upstream, "upstream gradient", palette),
    mathBlock(doc, step.general, "chain rule", palette),
    mathBlock(doc, step.local, `local partial of ${step.op}`, palette),
    mathBlock(doc, step.indexForm, "index form", palette),
    collapsedDiffers ? mathBlock(doc, step.collapsed, "deltas collapsed", palette) : null,
  ];
  if (step.renamed.length) rows.push(htmlEl(doc, "div", "cl-chain-note", `renamed: ${step.renamed.join(", ")}`));
  rows.push(mathBlock(doc, step.compact, "compact form", palette));
  if (step.einsum !== undefined) rows.push(htmlEl(doc, "div", "cl-chain-note cl-mono", `einsum: ${step.einsum}`));
  if (step.broadcast) {
    const b = htmlEl(doc, "div", "cl-chain-broadcast");
    b.appendChild(
      htmlEl(doc, "div", "cl-chain-label", `broadcast undone: sum over axes [${step.broadcast.axes.join(", ")}]`),
    );
    const m = mathBlock(doc, step.broadcast, "reduction", palette);
    if (m) b.appendChild(m);
    b.appendChild(htmlEl(doc, "div", "cl-chain-note", step.broadcast.why));
    rows.push(b);
  }
  for (const r of rows) if (r) details.appendChild(r);
  return details;
}

/** The summed index names of a term list, in first-seen order, so colours stay stable. */
export function summedIndices(numeric: ChainNumeric): string[] {
  const names: string[] = [];
  for (const t of numeric.terms) for (const k of Object.keys(t.indices)) if (!names.includes(k)) names.push(k);
  return names;
}

/** Terms sorted by |value|, largest first; zero (delta-killed) terms last. */
export function sortedTerms(numeric: ChainNumeric) {
  return [...numeric.terms].sort((a, b) => Number(a.zero) - Number(b.zero) || Math.abs(b.value) - Math.abs(a.value));
}

export function drawNumeric(doc: Document, numeric: ChainNumeric, paramName: string): HTMLDivElement {
  const box = htmlEl(doc, "div", "cl-chain-numeric");
  box.appendChild(htmlEl(doc, "div", "cl-chain-label", `Numbers for ∂L/∂${indexText(paramName, numeric.at)}`));
  const indices = summedIndices(numeric);
  const table = htmlEl(doc, "table", "cl-terms");
  const head = htmlEl(doc, "tr");
  indices.forEach((k, i) => head.appendChild(htmlEl(doc, "th", `cl-idx cl-idx-${i % INDEX_COLORS.length}`, k)));
  head.appendChild(htmlEl(doc, "th", undefined, "factors"));
  head.appendChild(htmlEl(doc, "th", undefined, "term"));
  table.appendChild(head);
  for (const t of sortedTerms(numeric)) {
    const tr = htmlEl(doc, "tr", t.zero ? "cl-term cl-term--zero" : "cl-term");
    indices.forEach((k, i) =>
      tr.appendChild(htmlEl(doc, "td", `cl-idx cl-idx-${i % INDEX_COLORS.length}`, String(t.indices[k] ?? ""))),
    );
    const factors = t.factors.map((f) => `${f.text} = ${formatNumber(f.value)}`).join(" · ");
    tr.appendChild(htmlEl(doc, "td", "cl-mono", factors));
    tr.appendChild(htmlEl(doc, "td", "cl-num", formatNumber(t.value)));
    table.appendChild(tr);
  }
  if (numeric.more && numeric.more.count > 0) {
    const tr = htmlEl(doc, "tr", "cl-term cl-term--more");
    tr.appendChild(htmlEl(doc, "td", undefined, `… ${numeric.more.count} more terms`)).colSpan = indices.length + 1;
    tr.appendChild(htmlEl(doc, "td", "cl-num", formatNumber(numeric.more.sum)));
    table.appendChild(tr);
  }
  box.appendChild(table);

  const check = htmlEl(doc, "table", "cl-check");
  const rows: [string, string][] = [
    ["sum of terms", formatNumber(numeric.total)],
    ["autodiff (.grad)", `${formatNumber(numeric.autodiff)}  (rel. err ${formatNumber(numeric.relErrAutodiff)})`],
    ["finite difference", fdText(numeric)],
  ];
  for (const [k, v] of rows) {
    const tr = htmlEl(doc, "tr");
    tr.appendChild(htmlEl(doc, "th", undefined, k));
    tr.appendChild(htmlEl(doc, "td", "cl-num", v));
    check.appendChild(tr);
  }
  box.appendChild(check);
  const [cls, msg] = verdictText(numeric);
  box.appendChild(htmlEl(doc, "div", cls, msg));
  return box;
}

function fdText(n: ChainNumeric): string {
  if (n.finiteDiffVerdict === "inconclusive" && n.finiteDiffError === undefined)
    return `${formatNumber(n.finiteDiff)}  (no error bound: not smooth within the step, or outside the domain)`;
  const bound = n.finiteDiffError !== undefined ? `, its error bound ±${formatNumber(n.finiteDiffError)}` : "";
  return `${formatNumber(n.finiteDiff)}  (rel. err ${formatNumber(n.relErrFiniteDiff)}${bound})`;
}

/** Nothing false on screen: a finite difference that cannot decide says so, in neither green nor red. */
export function verdictText(n: ChainNumeric): [string, string] {
  if (n.pass) return ["cl-pass", "✓ the sum, autodiff and finite differences agree"];
  const autodiffOk = n.relErrAutodiff <= 1e-4;
  if (n.finiteDiffVerdict === "inconclusive" && autodiffOk)
    return [
      "cl-inconclusive",
      "? the sum equals autodiff; finite differences are inconclusive here (their own error is too large to decide)",
    ];
  return ["cl-fail", "✗ the numbers disagree"];
}

function drawPath(
  doc: Document,
  payload: ChainPayload,
  path: ChainPath,
  index: number,
  palette: IndexPalette,
): HTMLDivElement {
  const box = htmlEl(doc, "div", "cl-chain-path");
  const route = path.nodes.join(" → ");
  box.appendChild(
    htmlEl(doc, "div", "cl-chain-path-title", payload.paths.length > 1 ? `Path ${index + 1}: ${route}` : route),
  );
  const steps = path.steps;
  const gap = path.stepsOmitted ?? null;
  // This path's own gradient first (the whole one is on top); then the steps, opened on the one that teaches.
  const many = payload.paths.length > 1;
  const closed =
    many || !payload.closed ? mathBlock(doc, path.compact, many ? "this path, composed" : "composed", palette) : null;
  if (closed) {
    closed.classList.add("cl-chain-closed");
    box.appendChild(closed);
  }
  const open = teachingStep(steps, payload.output.name);
  steps.forEach((s, i) => {
    if (gap && i === gap.after)
      box.appendChild(
        htmlEl(doc, "div", "cl-chain-note", `… ${gap.count} steps not written out (the numbers include them) …`),
      );
    box.appendChild(drawStep(doc, s, i + 1, i === open, palette));
  });
  if (gap && gap.after >= steps.length)
    box.appendChild(
      htmlEl(doc, "div", "cl-chain-note", `… ${gap.count} steps not written out (the numbers include them) …`),
    );
  if (path.folded !== undefined && path.folded > 0)
    box.appendChild(htmlEl(doc, "div", "cl-chain-note", `${path.folded} steps folded into the summary`));
  const sub = mathBlock(doc, path.substituted, "all steps substituted", palette);
  if (sub) box.appendChild(sub);
  const sc = path.substitutedCollapsed;
  if (sc && (!path.substituted || sc.text !== path.substituted.text)) {
    const col = mathBlock(doc, sc, "all steps substituted, deltas collapsed", palette);
    if (col) box.appendChild(col);
    if (sc.renamed.length) box.appendChild(htmlEl(doc, "div", "cl-chain-note", `renamed: ${sc.renamed.join(", ")}`));
  }
  if (path.numeric && payload.paths.length > 1) box.appendChild(drawNumeric(doc, path.numeric, payload.param.name));
  if (path.contributions) {
    const c = path.contributions;
    const rows = c.shape.length >= 2 ? c.shape[c.shape.length - 2] : 1;
    const cols = c.values.length / Math.max(1, rows);
    const matrix: (number | null)[][] = [];
    for (let r = 0; r < rows && Number.isInteger(cols); r++) matrix.push(c.values.slice(r * cols, (r + 1) * cols));
    if (matrix.length) {
      const hasKilled = c.values.some((v) => v === null);
      box.appendChild(
        drawMatrixTable(
          doc,
          matrix,
          `term per element of ${c.intermediate}${hasKilled ? " (— : removed by a delta)" : ""}`,
          "no-term",
        ),
      );
    }
  }
  return box;
}

/**
 * The closed formula of the whole gradient, each named subexpression defined under it ("where"),
 * and the identities that simplified it; or why there is none (the steps keep the index form).
 */
function drawClosed(doc: Document, payload: ChainPayload, palette: IndexPalette): HTMLDivElement {
  const box = htmlEl(doc, "div", "cl-chain-closed");
  const c = payload.closed;
  if (!c) {
    const why = payload.cannotClose ?? "the paths' gradients could not all be composed";
    // Several paths without a closed form: their composed forms added, if every path has one.
    const sum = payload.paths.length > 1 ? mathBlock(doc, payload.compact, "all paths added", palette) : null;
    if (sum) box.appendChild(sum);
    box.appendChild(htmlEl(doc, "div", "cl-chain-note cl-cannot-close", `No closed formula: ${why}.`));
    return box;
  }
  const f = mathBlock(
    doc,
    c.formula,
    payload.paths.length > 1 ? "closed formula, all paths added" : "closed formula",
    palette,
  );
  if (f) box.appendChild(f);
  c.where.forEach((w, i) => {
    const row = mathBlock(doc, w, i === 0 ? "where" : "", palette);
    if (row) box.appendChild(row);
  });
  if (c.rules.length)
    box.appendChild(htmlEl(doc, "div", "cl-chain-note cl-closed-rules", `simplified with: ${c.rules.join("; ")}`));
  return box;
}

/** What every tensor name in the steps stands for (v3 = X w), so no symbol is left undefined. */
function drawNames(doc: Document, payload: ChainPayload, palette: IndexPalette): HTMLDetailsElement | null {
  const names = payload.names ?? [];
  if (!names.length) return null;
  const box = htmlEl(doc, "details", "cl-chain-names");
  box.appendChild(htmlEl(doc, "summary", undefined, `The names in the steps (${names.length})`));
  for (const n of names) {
    const row = mathBlock(doc, n, "", palette);
    if (row) box.appendChild(row);
  }
  return box;
}

export function drawChain(doc: Document, payload: ChainPayload): HTMLDivElement {
  const root = htmlEl(doc, "div", "cl-chain");
  const title = htmlEl(doc, "div", "cl-chain-title");
  title.appendChild(htmlEl(doc, "strong", undefined, `∂${payload.output.name}/∂${payload.param.name}`));
  title.appendChild(
    doc.createTextNode(
      ` — ${payload.output.name} ${shapeText(payload.output.shape)}, ${payload.param.name} ${shapeText(payload.param.shape)}`,
    ),
  );
  root.appendChild(title);
  if (payload.paths.length > 1) {
    root.appendChild(
      htmlEl(
        doc,
        "div",
        "cl-chain-note",
        `${payload.param.name} reaches ${payload.output.name} along ${payload.paths.length} paths: their contributions add.`,
      ),
    );
  }
  // Summed indices get the same colour in every formula as in the term table.
  const palette = new IndexPalette(summedIndices(payload.numeric));
  // The whole gradient (all paths added) as one closed formula with its definitions, on top.
  root.appendChild(drawClosed(doc, payload, palette));
  const names = drawNames(doc, payload, palette);
  if (names) root.appendChild(names);
  payload.paths.forEach((p, i) => root.appendChild(drawPath(doc, payload, p, i, palette)));
  if (payload.pathsOmitted !== undefined && payload.pathsOmitted > 0)
    root.appendChild(
      htmlEl(
        doc,
        "div",
        "cl-chain-note",
        `${payload.pathsOmitted} more paths are not expanded; the numbers include them.`,
      ),
    );
  for (const t of payload.trimmed ?? []) root.appendChild(htmlEl(doc, "div", "cl-chain-note cl-trimmed", t));
  root.appendChild(drawNumeric(doc, payload.numeric, payload.param.name));
  if (payload.jacobian) {
    const jac = htmlEl(doc, "div", "cl-chain-jacobian");
    jac.appendChild(htmlEl(doc, "div", "cl-chain-label", `Jacobian ${shapeText(payload.jacobian.shape)}`));
    for (const b of payload.jacobian.blocks)
      jac.appendChild(
        drawMatrixTable(doc, b.values, `∂${indexText(payload.output.name, b.index)}/∂${payload.param.name}`),
      );
    root.appendChild(jac);
  }
  return root;
}
