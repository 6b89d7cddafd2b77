import type { Tensor } from "../tensor/Tensor";
import type { ChainPayload } from "../protocol/chain";
import { ChainlabError } from "../errors";

/**
 * Where show.chain and show.contributions get their expansion: the symbolic engine's
 * expandChain (kernel/src/symbolic). Resolved at call time so the display layer builds and
 * loads without it; a missing engine is reported as a ChainlabError, not a crash.
 */

export interface ChainOptions {
  /** The element of x to instantiate with numbers, e.g. [0, 1] (default: the largest |grad|). */
  at?: number[];
  [key: string]: unknown;
}

type ExpandChain = (L: Tensor, x: Tensor, opts?: ChainOptions) => ChainPayload;

export function expandChainFor(op: string): ExpandChain {
  let mod: { expandChain?: ExpandChain } | undefined;
  // The engine lives in symbolic/expandChain.ts (symbolic/ has no index module).
  for (const path of ["../symbolic/expandChain", "../symbolic"]) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require(path) as { expandChain?: ExpandChain };
    } catch {
      mod = undefined;
    }
    if (mod && typeof mod.expandChain === "function") break;
  }
  if (!mod || typeof mod.expandChain !== "function") throw new ChainlabError(op, "the chain-rule engine (symbolic/expandChain) is not available in this build of chainlab");
  return mod.expandChain;
}
