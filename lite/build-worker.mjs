/**
 * Bundles the browser kernel's two workers, each into one classic worker script in the given
 * folder (default lite/labextension/static):
 * - chainlab-lite-worker.js: lite/src/worker.ts (cell rewriter + chainlab from kernel/src, the same
 *   sources as kernel/dist/chainlab.browser.mjs). platform=browser: any Node built-in import fails.
 * - chainlab-lite-checker.js: lite/src/checkerWorker.ts (the TypeScript compiler, its lib files and
 *   chainlab's declarations, see checkerFiles.mjs), loaded by the kernel after the first cell.
 */
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkerFiles } from "./checkerFiles.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = process.argv[2] ?? join(here, "labextension", "static");
const common = {
  bundle: true,
  format: "iife",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "eof",
  logLevel: "warning",
};
await build({
  ...common,
  entryPoints: [join(here, "src", "worker.ts")],
  outfile: join(outdir, "chainlab-lite-worker.js"),
  alias: { chainlab: join(here, "..", "kernel", "src", "index.ts") },
});

const files = checkerFiles();
await build({
  ...common,
  entryPoints: [join(here, "src", "checkerWorker.ts")],
  outfile: join(outdir, "chainlab-lite-checker.js"),
  // typescript.js requires Node modules only when it runs under Node (its `sys`); never in a worker.
  external: ["fs", "path", "os", "crypto", "buffer", "inspector", "perf_hooks", "module", "source-map-support"],
  plugins: [
    {
      name: "checker-files",
      setup(b) {
        b.onResolve({ filter: /^chainlab-lite:checker-files$/ }, (a) => ({ path: a.path, namespace: "checker-files" }));
        b.onLoad({ filter: /.*/, namespace: "checker-files" }, () => ({
          contents: JSON.stringify(files),
          loader: "json",
        }));
      },
    },
  ],
});
