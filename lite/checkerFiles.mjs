/**
 * The files the browser kernel's type checker (src/typeCheck.ts) reads, as { path: text }: the
 * TypeScript lib files that lib.es2022.d.ts references (transitively) and chainlab's declarations
 * (kernel/lib/*.d.ts reachable from index.d.ts; built by `npm run build`). build-worker.mjs bundles
 * them into the checker worker; the Node tests give the checker the same files.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
export const LIB_DIR = "/lib/";
export const CHAINLAB_DIR = "/node_modules/chainlab/";

export function checkerFiles() {
  const files = {};
  const tsLib = path.join(ROOT, "node_modules", "typescript", "lib");
  const libs = ["es2022"];
  for (let i = 0; i < libs.length; i++) {
    const text = fs.readFileSync(path.join(tsLib, `lib.${libs[i]}.d.ts`), "utf8");
    files[`${LIB_DIR}lib.${libs[i]}.d.ts`] = text;
    for (const m of text.matchAll(/\/\/\/\s*<reference\s+lib="([^"]+)"/g)) if (!libs.includes(m[1])) libs.push(m[1]);
  }
  const kernelLib = path.join(ROOT, "kernel", "lib");
  if (!fs.existsSync(path.join(kernelLib, "index.d.ts")))
    throw new Error("kernel/lib/index.d.ts is missing: run `npm run build` (scripts/setup.sh does) first");
  const todo = ["index.d.ts"];
  for (let i = 0; i < todo.length; i++) {
    const text = fs.readFileSync(path.join(kernelLib, todo[i]), "utf8");
    files[`${CHAINLAB_DIR}lib/${todo[i]}`] = text;
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
      let rel = path.posix.normalize(path.posix.join(path.posix.dirname(todo[i]), m[1]));
      rel = fs.existsSync(path.join(kernelLib, `${rel}.d.ts`)) ? `${rel}.d.ts` : `${rel}/index.d.ts`;
      if (!todo.includes(rel)) todo.push(rel);
    }
  }
  files[`${CHAINLAB_DIR}index.d.ts`] = 'export * from "./lib/index";\n';
  return files;
}
