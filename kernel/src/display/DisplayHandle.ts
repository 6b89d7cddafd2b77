import { kernelTransport, type MimeBundle } from "./kernelTransport";
import { INSPECT_CUSTOM, randomHexId } from "./platform";
import { JUPYTER_DISPLAY } from "./displayHook";

/**
 * One display in the notebook that can be redrawn in place: the first show sends display_data
 * with a display id, every update() re-renders and sends update_display_data with the same id
 * (in a training loop the output animates). Updates are throttled to `maxFps`; the last one is
 * always delivered when the cell ends. Outside a kernel the text/plain form is printed.
 */

export interface LiveOptions {
  /** Return a handle whose update() redraws this output in place. */
  live?: boolean;
  /** At most this many redraws per second (default 10); the last update always gets through. */
  maxFps?: number;
}

/** Renders what is shown (`subject`) at frame `frame` (0 for the first display) as a full MIME bundle. */
export type RenderBundle<T> = (subject: T, frame: number) => MimeBundle;

export class DisplayHandle<T = unknown> {
  readonly displayId: string;
  /** How many updates were rendered (0 = only the first display). */
  frame = 0;
  private lastSent = 0;
  private pending = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly minIntervalMs: number;

  constructor(
    private subject: T,
    private readonly render: RenderBundle<T>,
    opts: { maxFps?: number } = {},
  ) {
    this.displayId = randomHexId();
    const fps = opts.maxFps ?? 10;
    this.minIntervalMs = fps > 0 && Number.isFinite(fps) ? 1000 / fps : 0;
  }

  /** Sends the first display. */
  show(): this {
    this.send(false);
    return this;
  }

  /** Redraws this output from the current state of what it shows, or from `next` if given. */
  update(next?: T): void {
    if (next !== undefined) this.subject = next;
    this.frame++;
    const wait = this.lastSent + this.minIntervalMs - Date.now();
    if (wait <= 0) {
      this.send(true);
      return;
    }
    if (this.pending) return;
    this.pending = true;
    const flush = () => {
      if (this.pending) this.send(true);
    };
    this.timer = setTimeout(flush, wait);
    kernelTransport()?.atCellEnd(flush);
  }

  private send(update: boolean): void {
    this.pending = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastSent = Date.now();
    const bundle = this.render(this.subject, this.frame);
    const kernel = kernelTransport();
    if (kernel) kernel.display(bundle, { displayId: this.displayId, update });
    else console.log(String(bundle["text/plain"] ?? ""));
  }
}

// A handle that ends a cell (`show.graph(L)` as the last line) must not print itself: the
// display was already sent. The kernel shows nothing for a null bundle.
Object.defineProperty(DisplayHandle.prototype, JUPYTER_DISPLAY, { value: () => null, enumerable: false });
Object.defineProperty(DisplayHandle.prototype, INSPECT_CUSTOM, {
  value(this: DisplayHandle) {
    return `DisplayHandle(${this.displayId}, frame ${this.frame})`;
  },
  enumerable: false,
});
