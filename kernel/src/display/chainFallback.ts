import type { ChainNumeric, ChainPayload, ChainStep } from "../protocol/chain";
import { fmtCell, fmtNum, fmtShape } from "./markup";

/**
 * The chain-rule expansion's fallbacks: Markdown with `$$` display math (GitHub, VS Code and
 * nbconvert typeset it), one `text/latex` block, and plain text. Every step is written the
 * same way: general rule, local partial, index form, collapsed form, compact form.
 */

function md(latex: string): string {
  return `$$${latex}$$`;
}

function stepMarkdown(s: ChainStep, k: number): string[] {
  const out = [`**Step ${k + 1}** (${s.op}): from $\\partial L/\\partial ${s.to}$ ${fmtShape(s.toShape)} to $\\partial L/\\partial ${s.from}$ ${fmtShape(s.fromShape)}`, ""];
  out.push("- chain rule, summing over every index of the intermediate:", "", md(s.general.latex), "");
  out.push("- local partial:", "", md(s.local.latex), "");
  out.push("- substituted:", "", md(s.indexForm.latex), "");
  out.push(`- Kronecker deltas collapse the sum${s.renamed.length ? ` (${s.renamed.join(", ")})` : ""}:`, "", md(s.collapsed.latex), "");
  out.push(`- ${s.einsum && !s.compact.latex ? "einsum" : "compact form"}:`, "", md(s.compact.latex), "");
  if (s.einsum) out.push(`  einsum: \`${s.einsum}\``, "");
  if (s.broadcast) out.push(`- broadcasting undone (sum over axes ${s.broadcast.axes.join(", ")}): ${s.broadcast.why}`, "", md(s.broadcast.latex), "");
  return out;
}

function numericMarkdown(n: ChainNumeric, param: string): string[] {
  const at = `[${n.at.join(",")}]`;
  const out = [`**Numbers at ${param}${at}:**`, ""];
  if (n.terms.length) {
    out.push("| term | factors | value |", "|---|---|---|");
    for (const t of n.terms) {
      const idx = Object.entries(t.indices).map(([k, v]) => `${k}=${v}`).join(", ") || "·";
      const factors = t.factors.map((f) => `${f.text} = ${fmtNum(f.value)}`).join(" × ");
      out.push(`| ${idx} | ${factors}${t.zero ? " (δ = 0)" : ""} | ${fmtNum(t.value)} |`);
    }
    if (n.more) out.push(`| ${n.more.count} more terms | | ${fmtNum(n.more.sum)} |`);
    out.push("");
  }
  out.push(
    `sum of terms = **${fmtNum(n.total)}**; autodiff = ${fmtNum(n.autodiff)} (rel. err ${fmtCell(n.relErrAutodiff)}); finite difference = ${fmtNum(n.finiteDiff)} (rel. err ${fmtCell(n.relErrFiniteDiff)}) ${n.pass ? "✅ agree" : "❌ DISAGREE"}`,
  );
  return out;
}

export function chainMarkdown(p: ChainPayload): string {
  const L = p.output.name;
  const x = p.param.name;
  const out: string[] = [`### Chain rule: $\\partial ${L}/\\partial ${x}$`, "", `${L} ${fmtShape(p.output.shape)}, ${x} ${fmtShape(p.param.shape)}.`, ""];
  if (p.paths.length > 1) out.push(`${x} reaches ${L} along ${p.paths.length} paths; their contributions add.`, "");
  p.paths.forEach((path, i) => {
    if (p.paths.length > 1) out.push(`#### Path ${i + 1}: ${path.nodes.join(" → ")}`, "");
    else out.push(`Path: ${path.nodes.join(" → ")}`, "");
    path.steps.forEach((s, k) => out.push(...stepMarkdown(s, k)));
    if (path.folded) out.push(`(${path.folded} further steps folded)`, "");
    if (path.substituted) out.push("All steps substituted at once:", "", md(path.substituted.latex), "");
    if (path.numeric && p.paths.length > 1) out.push(...numericMarkdown(path.numeric, x), "");
  });
  out.push(...numericMarkdown(p.numeric, x));
  if (p.jacobian) out.push("", `Jacobian shape ${fmtShape(p.jacobian.shape)} (${p.jacobian.blocks.length} blocks in the live view).`);
  return out.join("\n");
}

/** One aligned block: the compact result of every step, then the substituted form. */
export function chainLatex(p: ChainPayload): string {
  const rows: string[] = [];
  for (const path of p.paths) {
    for (const s of path.steps) rows.push(`&\\text{${s.op}:}\\quad ${s.compact.latex}`);
    if (path.substituted) rows.push(`&${path.substituted.latex}`);
  }
  return `$$\\begin{aligned}${rows.join(" \\\\ ")}\\end{aligned}$$`;
}

export function chainText(p: ChainPayload): string {
  const L = p.output.name;
  const x = p.param.name;
  const out = [`chain rule: d${L}/d${x}   (${L} ${fmtShape(p.output.shape)}, ${x} ${fmtShape(p.param.shape)})`];
  p.paths.forEach((path, i) => {
    out.push(`path ${i + 1}: ${path.nodes.join(" -> ")}`);
    path.steps.forEach((s, k) => {
      out.push(`  step ${k + 1} (${s.op}): dL/d${s.to} -> dL/d${s.from}`);
      out.push(`    general:   ${s.general.text}`, `    local:     ${s.local.text}`, `    index:     ${s.indexForm.text}`);
      out.push(`    collapsed: ${s.collapsed.text}${s.renamed.length ? `   (${s.renamed.join(", ")})` : ""}`, `    compact:   ${s.compact.text}`);
      if (s.broadcast) out.push(`    broadcast: ${s.broadcast.text}  (${s.broadcast.why})`);
    });
    if (path.substituted) out.push(`  substituted: ${path.substituted.text}`);
  });
  const n = p.numeric;
  out.push(`at ${x}[${n.at.join(",")}]: sum of terms ${fmtNum(n.total)}, autodiff ${fmtNum(n.autodiff)}, finite difference ${fmtNum(n.finiteDiff)} -> ${n.pass ? "agree" : "DISAGREE"}`);
  return out.join("\n");
}
