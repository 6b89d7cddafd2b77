/**
 * The one Jupyter.display hook (Deno's convention): an object with a
 * [Symbol.for("Jupyter.display")]() method displays as the MIME bundle it returns. display()
 * and the kernel's cell results both read it here, so a value shows the same either way.
 */
import { ChainlabError } from "../errors";
import type { MimeBundle } from "./kernelTransport";
import { inspectValue } from "./platform";

export const JUPYTER_DISPLAY: symbol = Symbol.for("Jupyter.display");

/**
 * The bundle `value`'s own display method returns, with text/plain added when it has none;
 * null when the method says there is nothing (more) to show (a display handle already shown);
 * undefined when the value has no such method. The method must answer synchronously: display
 * handles redraw synchronously on update(), and a cell's result must not wait on a promise that
 * may never settle (display(await thing) shows an asynchronous result).
 */
export function ownBundle(value: unknown): MimeBundle | null | undefined {
  const method =
    value !== null && (typeof value === "object" || typeof value === "function")
      ? (value as Record<symbol, unknown>)[JUPYTER_DISPLAY]
      : undefined;
  if (typeof method !== "function") return undefined;
  const b = method.call(value) as MimeBundle | null | undefined;
  if (b === null || b === undefined) return null;
  if (typeof b !== "object" || typeof (b as { then?: unknown }).then === "function")
    throw new ChainlabError(
      "display",
      '[Symbol.for("Jupyter.display")]() must return a MIME bundle object synchronously',
    );
  return typeof b["text/plain"] === "string" ? b : { ...b, "text/plain": inspectValue(value) };
}
