/**
 * Recording switches (noGrad, enableGrad, scopes). They live in ops/ because `apply` consults
 * them each time an op runs; autodiff/ and nn/ sit above and use them.
 */
let gradEnabled = true;
const scopeStack: string[] = [];
let scopeCounter = 0;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording the graph (as torch.no_grad); restores the mode even on throw. */
export function noGrad<R>(fn: () => R): R {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Runs `fn` with recording forced on (used by backward when building higher-order graphs). */
export function enableGrad<R>(fn: () => R, on = true): R {
  const prev = gradEnabled;
  gradEnabled = on;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Tags every op recorded inside `fn` with a scope name (composite ops, nn modules), so graph
 * views can fold them into one box. Names get a counter: "Linear#3".
 */
export function withScope<R>(name: string, fn: () => R): R {
  scopeStack.push(`${name}#${++scopeCounter}`);
  try {
    return fn();
  } finally {
    scopeStack.pop();
  }
}

export function currentScope(): readonly string[] {
  return scopeStack.length === 0 ? EMPTY : scopeStack.slice();
}
const EMPTY: readonly string[] = Object.freeze([]);
