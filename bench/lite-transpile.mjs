/**
 * `npm run bench` (part "lite"): the browser kernel strips types with sucrase (lite/src/cellTransform.ts);
 * the issue asked to measure it against TypeScript's transpileModule. Both strip the types of every
 * code cell of the shipped notebooks, interleaved round by round (so machine load hits both alike);
 * prints the median per cell and the ratio. Node, not the browser: the same V8 either way.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { transform } from "sucrase";
import ts from "typescript";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ROUNDS = Number(process.env.CHAINLAB_BENCH_LITE_ROUNDS ?? 20);
const dir = path.join(ROOT, "notebooks");
const notebooks = [
  ...fs.readdirSync(dir).map((f) => path.join(dir, f)),
  ...fs.readdirSync(path.join(dir, "assignments")).map((f) => path.join(dir, "assignments", f)),
].filter((f) => f.endsWith(".ipynb"));
const cells = notebooks.flatMap((f) =>
  JSON.parse(fs.readFileSync(f, "utf8"))
    .cells.filter((c) => c.cell_type === "code")
    .map((c) => [c.source].flat().join("")),
);

const sucrase = (code) =>
  transform(code, { transforms: ["typescript"], disableESTransforms: true, keepUnusedImports: true }).code;
const transpile = (code) =>
  ts.transpileModule(code, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
    reportDiagnostics: false,
  }).outputText;

const time = (fn) => {
  const t0 = performance.now();
  for (const c of cells) fn(c);
  return (performance.now() - t0) / cells.length;
};
// warm-up
for (let i = 0; i < 3; i++) {
  time(sucrase);
  time(transpile);
}
const a = [];
const b = [];
for (let i = 0; i < ROUNDS; i++) {
  a.push(time(sucrase));
  b.push(time(transpile));
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const [ms, mt] = [median(a), median(b)];
console.log(`lite: strip types, ${cells.length} notebook cells, median of ${ROUNDS} interleaved rounds, ms per cell`);
console.log(
  `  sucrase ${ms.toFixed(3)} ms   ts.transpileModule ${mt.toFixed(3)} ms   transpileModule/sucrase ${(mt / ms).toFixed(1)}x`,
);
