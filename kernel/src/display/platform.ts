/**
 * The few things display/ needs from its host, without importing Node built-ins: everything below
 * jupyter/ also runs in a browser (the ESM bundle, the JupyterLite kernel). In Node the same calls
 * reach `util.inspect` through `process.getBuiltinModule`, so kernel output is unchanged there.
 */

/** The symbol Node's util.inspect looks up; a registered symbol, so no `util` import is needed. */
export const INSPECT_CUSTOM: symbol = Symbol.for("nodejs.util.inspect.custom");

type Inspect = (value: unknown) => string;
let nodeInspect: Inspect | null | undefined;

/** Node's util.inspect when running in Node (20.16+), else null; looked up once, at first use. */
function hostInspect(): Inspect | null {
  if (nodeInspect !== undefined) return nodeInspect;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const util =
    typeof proc?.getBuiltinModule === "function" ? (proc.getBuiltinModule("util") as { inspect?: Inspect }) : null;
  nodeInspect = typeof util?.inspect === "function" ? util.inspect : null;
  return nodeInspect;
}

/** A one-value text form like util.inspect's: Node's own in Node, a compact equivalent elsewhere. */
export function inspectValue(value: unknown): string {
  const inspect = hostInspect();
  return inspect ? inspect(value) : formatValue(value, 0, new Set());
}

const MAX_DEPTH = 2;
const MAX_ITEMS = 100;

/** The browser fallback: honours [INSPECT_CUSTOM], quotes strings inside containers, bounds depth. */
function formatValue(value: unknown, depth: number, seen: Set<unknown>): string {
  if (typeof value === "string") return depth === 0 ? value : JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol") return value.toString();
  if (typeof value === "function") return `[Function: ${value.name || "(anonymous)"}]`;
  if (value === null || typeof value !== "object") return String(value);
  const custom = (value as Record<symbol, unknown>)[INSPECT_CUSTOM];
  if (typeof custom === "function") {
    const out = custom.call(value, MAX_DEPTH - depth, {}, (v: unknown) => formatValue(v, depth + 1, seen));
    return typeof out === "string" ? out : formatValue(out, depth, seen);
  }
  if (seen.has(value)) return "[Circular]";
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof RegExp) return String(value);
  if (depth > MAX_DEPTH) return Array.isArray(value) ? "[Array]" : "[Object]";
  seen.add(value);
  try {
    if (Array.isArray(value) || ArrayBuffer.isView(value)) {
      const items = Array.from(value as ArrayLike<unknown>);
      const shown = items.slice(0, MAX_ITEMS).map((v) => formatValue(v, depth + 1, seen));
      if (items.length > MAX_ITEMS) shown.push(`... ${items.length - MAX_ITEMS} more items`);
      const prefix = Array.isArray(value) ? "" : `${value.constructor.name}(${items.length}) `;
      return `${prefix}[ ${shown.join(", ")} ]`.replace("[  ]", "[]");
    }
    if (value instanceof Map) {
      const entries = [...value].map(
        ([k, v]) => `${formatValue(k, depth + 1, seen)} => ${formatValue(v, depth + 1, seen)}`,
      );
      return `Map(${value.size}) { ${entries.join(", ")} }`;
    }
    if (value instanceof Set)
      return `Set(${value.size}) { ${[...value].map((v) => formatValue(v, depth + 1, seen)).join(", ")} }`;
    const keys = Object.keys(value);
    const name = value.constructor && value.constructor !== Object ? `${value.constructor.name} ` : "";
    if (keys.length === 0) return `${name}{}`;
    const props = keys.map(
      (k) =>
        `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${formatValue((value as Record<string, unknown>)[k], depth + 1, seen)}`,
    );
    return `${name}{ ${props.join(", ")} }`;
  } finally {
    seen.delete(value);
  }
}

interface WebCrypto {
  getRandomValues<T extends Uint8Array>(a: T): T;
}

/** 16 hex digits of randomness for display ids (Web Crypto, in browsers and Node 19+ alike). */
export function randomHexId(): string {
  const bytes = new Uint8Array(8);
  const crypto = (globalThis as { crypto?: WebCrypto }).crypto;
  if (crypto && typeof crypto.getRandomValues === "function") crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
