import type { MimeBundle } from "./kernelTransport";
import { esc, fmtShape } from "./markup";
import { formatNumber } from "../protocol/format";

/**
 * A gradcheck report (autodiff/gradcheck) as an HTML table with a text fallback: per input the
 * largest absolute and relative error between analytical and finite-difference gradients and
 * where it occurred, plus the adjoint (dot-product) test.
 */

/** The fields of gradcheck's report that are displayed (structural, so any copy of chainlab fits). */
export interface GradcheckReportLike {
  pass: boolean;
  maxAbsErr: number;
  maxRelErr: number;
  inputs: {
    shape: readonly number[];
    name?: string;
    maxAbsErr: number;
    maxRelErr: number;
    pass: boolean;
    worst: number[] | null;
  }[];
  adjoint?: { lhs: number; rhs: number; relErr: number; pass: boolean } | null;
}

const mark = (ok: boolean) => (ok ? "✅ pass" : "❌ FAIL");

export function gradcheckBundle(r: GradcheckReportLike): MimeBundle {
  const rows = r.inputs.map((inp, i) => ({
    name: inp.name ?? `input ${i}`,
    shape: fmtShape(inp.shape),
    abs: formatNumber(inp.maxAbsErr),
    rel: formatNumber(inp.maxRelErr),
    worst: inp.worst ? `[${inp.worst.join(",")}]` : "–",
    pass: mark(inp.pass),
  }));
  const head = `gradcheck ${mark(r.pass)}: max abs err ${formatNumber(r.maxAbsErr)}, max rel err ${formatNumber(r.maxRelErr)}`;
  const adj = r.adjoint
    ? `adjoint test <v, J u> = ${formatNumber(r.adjoint.lhs)} vs <Jᵀ v, u> = ${formatNumber(r.adjoint.rhs)}, rel err ${formatNumber(r.adjoint.relErr)} ${mark(r.adjoint.pass)}`
    : "";
  const text = [
    head,
    ...rows.map((x) => `  ${x.name} ${x.shape}: abs ${x.abs}, rel ${x.rel}, worst at ${x.worst} ${x.pass}`),
    adj,
  ]
    .filter(Boolean)
    .join("\n");
  const td = (s: string) => `<td style="padding:2px 10px;text-align:left">${esc(s)}</td>`;
  const th = (s: string) => `<th style="padding:2px 10px;text-align:left">${esc(s)}</th>`;
  const html = [
    `<div class="cl-gradcheck">`,
    `<p><b>${esc(head)}</b></p>`,
    `<table><thead><tr>${["input", "shape", "max abs err", "max rel err", "worst index", ""].map(th).join("")}</tr></thead><tbody>`,
    ...rows.map((x) => `<tr>${[x.name, x.shape, x.abs, x.rel, x.worst, x.pass].map(td).join("")}</tr>`),
    `</tbody></table>`,
    adj ? `<p>${esc(adj)}</p>` : "",
    `</div>`,
  ].join("");
  return { "text/html": html, "text/plain": text };
}
