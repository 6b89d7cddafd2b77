import type { ElkLike } from "../draw/graphLayout";

/** elkjs is ~1.6 MB: loaded on the first graph, then shared by every graph renderer. */
let elkPromise: Promise<ElkLike> | null = null;

export function loadElk(): Promise<ElkLike> {
  if (!elkPromise) {
    elkPromise = import(/* webpackChunkName: "chainlab-elk" */ "elkjs/lib/elk.bundled.js").then((mod) => {
      const ELK = (mod as unknown as { default: new () => ElkLike }).default;
      return new ELK();
    });
  }
  return elkPromise;
}
