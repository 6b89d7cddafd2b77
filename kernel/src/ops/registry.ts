/**
 * The one list of ops. Adding an op = write its OpDef in its family's file, add it here, run
 * the tests: the registry-wide suites gradient-check and index-check every entry.
 */
import type { OpDef } from "./OpDef";
import { unaryOps } from "./unary";
import { binaryOps } from "./binary";
import { reduceOps } from "./reduce";
import { softmaxOps } from "./softmax";
import { linalgOps } from "./linalg";
import { shapeOps } from "./shape";
import { indexingOps } from "./indexing";
import { convOps } from "./conv";
import { poolOps } from "./pool";

export const registry: readonly OpDef[] = [
  ...unaryOps,
  ...binaryOps,
  ...reduceOps,
  ...softmaxOps,
  ...linalgOps,
  ...shapeOps,
  ...indexingOps,
  ...convOps,
  ...poolOps,
];

const byName = new Map(registry.map((op) => [op.name, op]));

export function getOp(name: string): OpDef {
  const op = byName.get(name);
  if (!op) throw new Error(`unknown op ${name}`);
  return op;
}
