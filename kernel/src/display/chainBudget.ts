import type { ChainPath, ChainPayload } from "../protocol/chain";
import { BUNDLE_BUDGET, jsonBytes } from "../protocol/budget";

/**
 * Keeps a chain-rule payload within its byte budget (protocol/budget.ts) before it is sent:
 * per-element term tables of big intermediates, extra paths, then middle steps of long paths
 * are left out, each cut said in `trimmed` so the view can show it. The numbers (total, reverse
 * mode, finite difference) always stay: they cover every path and step.
 */

/** A term table with more cells than this is not sent with the chain (show.contributions draws it). */
export const CHAIN_MAX_CONTRIBUTION_CELLS = 1024;

/** `measure` sizes the whole bundle (payload and fallbacks) made from a candidate payload. */
export function boundChain(
  p: ChainPayload,
  measure: (q: ChainPayload) => number = jsonBytes,
  budget: number = BUNDLE_BUDGET.chain,
): ChainPayload {
  const trimmed: string[] = [...(p.trimmed ?? [])];
  let q: ChainPayload = { ...p, paths: p.paths.map((path) => ({ ...path })) };
  for (const path of q.paths) {
    const c = path.contributions;
    if (c && c.values.length > CHAIN_MAX_CONTRIBUTION_CELLS) {
      delete path.contributions;
      trimmed.push(
        `the ${c.values.length.toLocaleString("en-US")} per-element terms over ${c.intermediate} are not listed here: show.contributions draws them as a heatmap`,
      );
    }
  }
  const done = () => (trimmed.length ? { ...q, trimmed } : q);
  if (measure(done()) <= budget) return done();
  // The list of names goes first (the steps still name every tensor they use).
  if (q.names) {
    q = { ...q };
    delete q.names;
    trimmed.push("the list of what each name stands for was left out to keep the output small");
    if (measure(done()) <= budget) return done();
  }
  // Fewer paths: the numbers already include every path.
  const allPaths = q.paths.length + (q.pathsOmitted ?? 0);
  while (q.paths.length > 1 && measure(done()) > budget) {
    q = { ...q, paths: q.paths.slice(0, -1), pathsOmitted: allPaths - q.paths.length + 1 };
    delete q.compact;
  }
  if (q.paths.length < p.paths.length)
    trimmed.push(
      `${p.paths.length - q.paths.length} of the ${p.paths.length} expanded paths were left out to keep the output small`,
    );
  if (q.jacobian && q.jacobian.blocks.length > 4 && measure(done()) > budget) {
    trimmed.push(`${q.jacobian.blocks.length - 4} Jacobian blocks left out`);
    q = { ...q, jacobian: { ...q.jacobian, blocks: q.jacobian.blocks.slice(0, 4) } };
  }
  // Fewer steps per path, from the middle outwards.
  let cut = 0;
  while (measure(done()) > budget && q.paths.some((path) => path.steps.length > 2)) {
    q = { ...q, paths: q.paths.map((path) => (path.steps.length > 2 ? dropMiddleStep(path) : path)) };
    cut++;
  }
  if (cut) trimmed.push("steps in the middle of the path were left out to keep the output small");
  if (measure(done()) > budget) {
    q = {
      ...q,
      paths: q.paths.map(({ nodes, steps, numeric, stepsOmitted }) => ({
        nodes,
        steps: [],
        numeric,
        stepsOmitted: { after: 0, count: steps.length + (stepsOmitted?.count ?? 0) },
      })),
    };
    trimmed.push("no steps are written out: even the shortest form is over the size budget");
  }
  return done();
}

/** One step fewer: the step next to the existing gap (or the middle one) joins `stepsOmitted`. */
function dropMiddleStep(path: ChainPath): ChainPath {
  const gap = path.stepsOmitted ?? { after: Math.floor(path.steps.length / 2), count: 0 };
  // Alternate sides of the gap, so both ends (near L, near x) keep about as many steps.
  let at = Math.min(Math.max(0, gap.after), path.steps.length - 1);
  const before = gap.count % 2 === 1 && at > 0;
  if (before) at--;
  const steps = path.steps.slice(0, at).concat(path.steps.slice(at + 1));
  return { ...path, steps, stepsOmitted: { after: at, count: gap.count + 1 } };
}
