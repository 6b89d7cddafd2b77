/**
 * Display names of a traced graph's tensors, one function for every view: the user's name,
 * else v1, v2, ... for computed tensors and parameters and c1, c2, ... for constants, numbered
 * in the trace's topological order. The graph's nodes and the chain-rule steps call the same
 * tensor by the same name because both number it here. Unnamed one-element constants get no
 * name (views print their value).
 */
import type { Tensor } from "../tensor/Tensor";

/** An unnamed constant with one element prints as its value (the 0.5 of 0.5 * s). */
export function isLiteral(t: Tensor): boolean {
  return t.node === null && !t.requiresGrad && t.size === 1 && !t.name;
}

/** Names for the tensors of `order` (a trace, inputs first), keyed by tensor id. */
export function displayNames(order: readonly Tensor[]): Map<number, string> {
  const used = new Set<string>();
  for (const t of order) if (t.name) used.add(t.name);
  const names = new Map<number, string>();
  const counters = { v: 0, c: 0 };
  for (const t of order) {
    if (names.has(t.id) || isLiteral(t)) continue;
    if (t.name) {
      names.set(t.id, t.name);
      continue;
    }
    const prefix = t.node || t.requiresGrad ? "v" : "c";
    let n: string;
    do n = `${prefix}${++counters[prefix]}`;
    while (used.has(n));
    used.add(n);
    names.set(t.id, n);
  }
  return names;
}
