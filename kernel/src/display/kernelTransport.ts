/**
 * The only link between the library's displays and a running Jupyter kernel: the kernel
 * launcher (src/jupyter) puts a transport on globalThis under a registered symbol, and show.*
 * looks it up at call time. A global symbol (not a module import) is used because the
 * notebook may load a different copy of chainlab than the one the kernel was started from.
 */

/** MIME type -> data: a string for text types, a JSON value for `+json` types. */
export type MimeBundle = Record<string, unknown>;

export interface DisplayOptions {
  /** Sent as transient.display_id so later updates replace this output in place. */
  displayId?: string;
  /** True: an update_display_data for `displayId` instead of a new display_data. */
  update?: boolean;
  metadata?: Record<string, unknown>;
}

/** What the kernel provides; plain Node has none. */
export interface KernelTransport {
  /** Sends one display_data (or update_display_data) message carrying the whole bundle. */
  display(bundle: MimeBundle, opts?: DisplayOptions): void;
  /** Sends clear_output (wait: clear when the next output arrives, which avoids flicker). */
  clearOutput(wait?: boolean): void;
  /**
   * Runs `fn` once when the current cell's code has finished, before its reply: live displays
   * flush their last throttled frame there (a synchronous loop gives timers no chance).
   */
  atCellEnd(fn: () => void): void;
}

export const KERNEL_TRANSPORT_KEY: symbol = Symbol.for("chainlab.kernel");

/** The transport of the kernel this code runs in, or null outside a chainlab kernel. */
export function kernelTransport(): KernelTransport | null {
  const t = (globalThis as Record<symbol, unknown>)[KERNEL_TRANSPORT_KEY] as KernelTransport | undefined;
  return t && typeof t.display === "function" ? t : null;
}
