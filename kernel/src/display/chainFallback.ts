import type { ChainNumeric, ChainPayload, ChainStep } from "../protocol/chain";
import { fmtShape } from "./markup";
import { formatNumber } from "../protocol/format";

/**
 * The chain-rule expansion's fallbacks: Markdown with `$$` display math (GitHub, VS Code and
 * nbconvert typeset it), one `text/latex` block, and plain text. Every step is written the
 * same way: general rule, local partial, index form, collapsed form, compact form.
 */

function md(latex: string): string {
  return `$$${latex}$$`;
}

/** User-given names go into Markdown as text: escape what Markdown (or HTML) would interpret. */
function mdEsc(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+!|<>$&]/g, (c) =>
    c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === "&" ? "&amp;" : "\\" + c,
  );
}

/** Forms of a step, each shown once: trivial steps have the same local, index and collapsed form. */
function stepForms(s: ChainStep): { label: string; form: { latex: string; text: string } }[] {
  const forms: { label: string; form: { latex: string; text: string } }[] = [];
  if (s.upstream) forms.push({ label: "upstream gradient", form: s.upstream });
  forms.push({ label: "chain rule, summing over every index of the intermediate", form: s.general });
  forms.push({ label: "local partial", form: s.local });
  forms.push({ label: "substituted", form: s.indexForm });
  forms.push({
    label: `Kronecker deltas collapse the sum${s.renamed.length ? ` (${s.renamed.join(", ")})` : ""}`,
    form: s.collapsed,
  });
  forms.push({ label: s.einsum ? `compact form (einsum \`${s.einsum}\`)` : "compact form", form: s.compact });
  if (s.composed) forms.push({ label: "with the previous steps substituted", form: s.composed });
  if (s.broadcast)
    forms.push({
      label: `broadcasting undone (sum over axes ${s.broadcast.axes.join(", ")}): ${s.broadcast.why}`,
      form: s.broadcast,
    });
  const seen = new Set<string>();
  return forms.filter((f) => (seen.has(f.form.latex) ? false : (seen.add(f.form.latex), true)));
}

function stepMarkdown(s: ChainStep, k: number): string[] {
  const out = [
    `**Step ${k + 1}** (${mdEsc(s.op)}): from ∂L/∂${mdEsc(s.to)} ${fmtShape(s.toShape)} to ∂L/∂${mdEsc(s.from)} ${fmtShape(s.fromShape)}`,
    "",
  ];
  for (const f of stepForms(s)) out.push(`- ${f.label}:`, "", md(f.form.latex), "");
  if (s.numeric) {
    const n = s.numeric;
    out.push(
      `- at ${s.from}[${n.at.join(",")}]: ${n.terms.length + (n.more?.count ?? 0)} terms${n.killed ? ` (${n.killed} killed by deltas)` : ""}, sum ${formatNumber(n.total)}, reverse mode ${formatNumber(n.autodiff)} ${n.pass ? "✅" : "❌"}`,
      "",
    );
  }
  return out;
}

function numericMarkdown(n: ChainNumeric, param: string): string[] {
  const at = `[${n.at.join(",")}]`;
  const out = [`**Numbers at ${mdEsc(param)}${at}:**`, ""];
  if (n.terms.length) {
    out.push("| term | factors | value |", "|---|---|---|");
    for (const t of n.terms) {
      const idx =
        mdEsc(
          Object.entries(t.indices)
            .map(([k, v]) => `${k}=${v}`)
            .join(", "),
        ) || "·";
      const factors = t.factors.map((f) => `${mdEsc(f.text)} = ${formatNumber(f.value)}`).join(" × ");
      out.push(`| ${idx} | ${factors}${t.zero ? " (δ = 0)" : ""} | ${formatNumber(t.value)} |`);
    }
    if (n.more) out.push(`| ${n.more.count} more terms | | ${formatNumber(n.more.sum)} |`);
    out.push("");
  }
  out.push(
    `sum of terms = **${formatNumber(n.total)}**; autodiff = ${formatNumber(n.autodiff)} (rel. err ${formatNumber(n.relErrAutodiff)}); finite difference = ${formatNumber(n.finiteDiff)} (rel. err ${formatNumber(n.relErrFiniteDiff)}) ${verdictMark(n)}`,
  );
  return out;
}

/** The finite difference could not decide (its own error is too large), and the rest agrees. */
function inconclusive(n: ChainNumeric): boolean {
  return !n.pass && n.finiteDiffVerdict === "inconclusive" && n.relErrAutodiff <= 1e-4;
}

function verdictMark(n: ChainNumeric): string {
  if (n.pass) return "✅ agree";
  return inconclusive(n) ? "❔ sum = autodiff; finite differences inconclusive here" : "❌ DISAGREE";
}

/** The line that stands for the steps a long path does not write out. */
export function omittedSteps(count: number): string {
  return `… ${count} step${count === 1 ? "" : "s"} not written out (the numbers below include them) …`;
}

export function chainMarkdown(p: ChainPayload): string {
  const L = p.output.name;
  const x = p.param.name;
  const out: string[] = [
    `### Chain rule: ∂${mdEsc(L)}/∂${mdEsc(x)}`,
    "",
    `${mdEsc(L)} ${fmtShape(p.output.shape)}, ${mdEsc(x)} ${fmtShape(p.param.shape)}.`,
    "",
  ];
  if (p.paths.length > 1)
    out.push(`${mdEsc(x)} reaches ${mdEsc(L)} along ${p.paths.length} paths; their contributions add.`, "");
  // The whole gradient on top, each named subexpression defined under it.
  if (p.closed) {
    out.push("**Closed formula:**", "", md(p.closed.formula.latex), "");
    if (p.closed.where.length) out.push("where", "", ...p.closed.where.map((w) => md(w.latex)), "");
    if (p.closed.rules.length) out.push(`(simplified with: ${p.closed.rules.map(mdEsc).join("; ")})`, "");
  } else if (p.cannotClose) out.push(`No closed formula: ${mdEsc(p.cannotClose)}.`, "");
  if (p.names?.length) out.push("The names in the steps:", "", ...p.names.map((n) => md(n.latex)), "");
  p.paths.forEach((path, i) => {
    const nodes = path.nodes.map(mdEsc).join(" → ");
    if (p.paths.length > 1) out.push(`#### Path ${i + 1}: ${nodes}`, "");
    else out.push(`Path: ${nodes}`, "");
    path.steps.forEach((s, k) => {
      if (path.stepsOmitted && k === path.stepsOmitted.after) out.push(omittedSteps(path.stepsOmitted.count), "");
      out.push(...stepMarkdown(s, k));
    });
    if (path.folded) out.push(`(${path.folded} further steps folded)`, "");
    if (path.substituted) out.push("All steps substituted at once:", "", md(path.substituted.latex), "");
    if (path.substitutedCollapsed)
      out.push(
        `After the deltas collapse${path.substitutedCollapsed.renamed.length ? ` (${path.substitutedCollapsed.renamed.join(", ")})` : ""}:`,
        "",
        md(path.substitutedCollapsed.latex),
        "",
      );
    if (path.compact) out.push("The whole path in matrix form:", "", md(path.compact.latex), "");
    if (path.numeric && p.paths.length > 1) out.push(...numericMarkdown(path.numeric, x), "");
  });
  if (p.pathsOmitted) out.push(`(${p.pathsOmitted} more paths not expanded; the numbers include them)`, "");
  for (const t of p.trimmed ?? []) out.push(`(${mdEsc(t)})`, "");
  if (p.compact) out.push("**Result:**", "", md(p.compact.latex), "");
  out.push(...numericMarkdown(p.numeric, x));
  if (p.numeric.note) out.push("", p.numeric.note);
  if (p.jacobian)
    out.push("", `Jacobian shape ${fmtShape(p.jacobian.shape)} (${p.jacobian.blocks.length} blocks in the live view).`);
  return out.join("\n");
}

/** One aligned block: the compact result of every step, then the substituted form. */
export function chainLatex(p: ChainPayload): string {
  const rows: string[] = [];
  for (const path of p.paths) {
    for (const s of path.steps) rows.push(`&\\text{${s.op}:}\\quad ${(s.composed ?? s.compact).latex}`);
    if (path.substituted) rows.push(`&${path.substituted.latex}`);
  }
  if (p.closed) rows.push(`&${p.closed.formula.latex}`, ...p.closed.where.map((w) => `&${w.latex}`));
  else if (p.compact) rows.push(`&${p.compact.latex}`);
  return `$$\\begin{aligned}${rows.join(" \\\\ ")}\\end{aligned}$$`;
}

export function chainText(p: ChainPayload): string {
  const L = p.output.name;
  const x = p.param.name;
  const out = [`chain rule: d${L}/d${x}   (${L} ${fmtShape(p.output.shape)}, ${x} ${fmtShape(p.param.shape)})`];
  p.paths.forEach((path, i) => {
    out.push(`path ${i + 1}: ${path.nodes.join(" -> ")}`);
    path.steps.forEach((s, k) => {
      if (path.stepsOmitted && k === path.stepsOmitted.after) out.push(`  ${omittedSteps(path.stepsOmitted.count)}`);
      out.push(`  step ${k + 1} (${s.op}): dL/d${s.to} -> dL/d${s.from}`);
      out.push(
        `    general:   ${s.general.text}`,
        `    local:     ${s.local.text}`,
        `    index:     ${s.indexForm.text}`,
      );
      out.push(
        `    collapsed: ${s.collapsed.text}${s.renamed.length ? `   (${s.renamed.join(", ")})` : ""}`,
        `    compact:   ${s.compact.text}`,
      );
      if (s.composed) out.push(`    composed:  ${s.composed.text}`);
      if (s.broadcast) out.push(`    broadcast: ${s.broadcast.text}  (${s.broadcast.why})`);
    });
    if (path.substituted) out.push(`  substituted: ${path.substituted.text}`);
    if (path.compact) out.push(`  path: ${path.compact.text}`);
  });
  if (p.closed) out.push(`closed: ${p.closed.formula.text}`, ...p.closed.where.map((w) => `  where ${w.text}`));
  else {
    if (p.compact) out.push(`result: ${p.compact.text}`);
    if (p.cannotClose) out.push(`no closed formula: ${p.cannotClose}`);
  }
  const n = p.numeric;
  for (const t of p.trimmed ?? []) out.push(`(${t})`);
  out.push(
    `at ${x}[${n.at.join(",")}]: sum of terms ${formatNumber(n.total)}, autodiff ${formatNumber(n.autodiff)}, finite difference ${formatNumber(n.finiteDiff)} -> ${n.pass ? "agree" : inconclusive(n) ? "finite differences inconclusive" : "DISAGREE"}`,
  );
  return out.join("\n");
}
