/**
 * Bundles lite/src/worker.ts (cell rewriter + chainlab from kernel/src, the same sources as
 * kernel/dist/chainlab.browser.mjs) into one classic worker script. platform=browser: any Node
 * built-in import fails the build.
 */
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outfile = process.argv[2] ?? join(here, "labextension", "static", "chainlab-lite-worker.js");
await build({
  entryPoints: [join(here, "src", "worker.ts")],
  outfile,
  bundle: true,
  format: "iife",
  platform: "browser",
  target: "es2022",
  minify: true,
  alias: { chainlab: join(here, "..", "kernel", "src", "index.ts") },
  legalComments: "eof",
  logLevel: "warning",
});
