import { Tensor } from "../tensor/Tensor";
import { formatValues } from "../tensor/nested";
import type { GradState } from "../protocol/graph";
import type { MimeBundle } from "./kernelTransport";
import { esc, fmtShape } from "./markup";
import { formatNumber } from "../protocol/format";
import { summarize } from "./summarize";
import { JUPYTER_DISPLAY } from "./displayHook";

/**
 * How a Tensor looks as a cell's last value: an HTML summary (name, shape, dtype, how it was
 * made, gradient status including "not computed yet", values abbreviated as NumPy prints them)
 * and a text/plain fallback. Installed as Tensor's [Symbol.for("Jupyter.display")] method, the
 * convention the chainlab kernel (and Deno's) uses for rich values.
 */

const GRAD_STATUS: Record<GradState, string> = {
  computed: "computed",
  "not-computed": "not computed yet: call backward() on a scalar that depends on this tensor",
  "not-required": "not tracked (requiresGrad is false)",
  "not-retained": "not kept: backward() drops intermediate gradients; call retainGrad() before backward()",
};

function origin(t: Tensor): string {
  if (!t.node) return t.requiresGrad ? "leaf, requires grad" : "leaf";
  return `made by ${t.node.op.name}`;
}

function gradStatus(t: Tensor): string {
  const state = t.gradState;
  if (state !== "computed" || !t.grad) return `grad: ${GRAD_STATUS[state]}`;
  const s = summarize(t.grad.data, t.grad.shape);
  return `grad: computed, norm ${formatNumber(s.norm)}, min ${formatNumber(s.min)}, max ${formatNumber(s.max)}`;
}

function header(t: Tensor): string {
  return `tensor${t.name ? ` "${t.name}"` : ""} shape ${fmtShape(t.shape)} ${t.dtype}, ${origin(t)}`;
}

export function tensorBundle(t: Tensor): MimeBundle {
  const values = formatValues(t.data, t.shape);
  const s = summarize(t.data, t.shape);
  const stats =
    t.size > 1
      ? `min ${formatNumber(s.min)}, max ${formatNumber(s.max)}, mean ${formatNumber(s.mean)}${s.nanCount ? `, ${s.nanCount} NaN` : ""}${s.infCount ? `, ${s.infCount} Inf` : ""}`
      : "";
  const grad = t.requiresGrad || t.gradState === "computed" ? gradStatus(t) : "";
  const text = [header(t), values, stats, grad].filter(Boolean).join("\n");
  const gradColor = t.gradState === "computed" ? "#15803d" : "#a16207";
  const html = [
    `<div class="cl-tensor">`,
    `<div><b>tensor${t.name ? ` ${esc(JSON.stringify(t.name))}` : ""}</b> <code>${esc(fmtShape(t.shape))}</code> ${esc(t.dtype)} · ${esc(origin(t))}</div>`,
    `<pre style="margin:4px 0">${esc(values)}</pre>`,
    stats ? `<div style="opacity:0.8">${esc(stats)}</div>` : "",
    grad ? `<div style="color:${gradColor}">${esc(grad)}</div>` : "",
    `</div>`,
  ].join("");
  return { "text/html": html, "text/plain": text };
}

/** Node's util.inspect.custom, by its registered name: no `import "util"`, so browsers load this too. */
const INSPECT_CUSTOM = Symbol.for("nodejs.util.inspect.custom");

/**
 * Defined on the prototype at load time rather than declared in the class: a computed symbol
 * member would have to appear in the .d.ts, and the method is the kernel's business, not API.
 */
export function installTensorDisplay(): void {
  if (Object.prototype.hasOwnProperty.call(Tensor.prototype, JUPYTER_DISPLAY)) return;
  // console.log(t) prints the same few lines as the text/plain display (not ~60 lines of fields).
  Object.defineProperty(Tensor.prototype, INSPECT_CUSTOM, {
    value: function (this: Tensor): string {
      return tensorBundle(this)["text/plain"] as string;
    },
    enumerable: false,
    configurable: true,
    writable: true,
  });
  Object.defineProperty(Tensor.prototype, JUPYTER_DISPLAY, {
    value: function (this: Tensor): MimeBundle {
      return tensorBundle(this);
    },
    enumerable: false,
    configurable: true,
    writable: true,
  });
}
