/**
 * `npm run build:browser`: the library (kernel/src minus jupyter/) as one ES module for browsers,
 * kernel/dist/chainlab.browser.mjs, used by the JupyterLite kernel and by anyone loading chainlab
 * from a static page. platform=browser makes esbuild fail on any Node built-in import, and the
 * check below fails if a Node-only jupyter/ module slipped into the bundle.
 */
import { build } from "esbuild";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const kernelDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(kernelDir, "dist", "chainlab.browser.mjs");

const result = await build({
  entryPoints: [join(kernelDir, "src", "index.ts")],
  outfile,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  sourcemap: true,
  minify: process.argv.includes("--minify"),
  metafile: true,
  legalComments: "eof",
  logLevel: "warning",
});

const inputs = Object.keys(result.metafile.inputs);
const nodeOnly = inputs.filter((p) => p.includes("src/jupyter/"));
if (nodeOnly.length > 0) {
  console.error(`build:browser: Node-only modules reached the browser bundle:\n  ${nodeOnly.join("\n  ")}`);
  process.exit(1);
}
const bytes = result.metafile.outputs[relative(process.cwd(), outfile)]?.bytes;
console.log(
  `build:browser: ${relative(process.cwd(), outfile)} (${inputs.length} modules${bytes ? `, ${(bytes / 1024).toFixed(0)} KiB` : ""})`,
);
