// test/e2e/: browser tests: a real JupyterLab (no token, temporary root) from .venv, the real
// chainlab kernel and Debian's /usr/bin/chromium driven by playwright-core. Nothing here is
// mocked and no browser is ever downloaded. Run by scripts/test.d/30-e2e.sh, not by `vitest run`.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/e2e/**/*.e2e.test.ts"],
    environment: "node",
    testTimeout: 240_000,
    hookTimeout: 180_000,
    pool: "forks",
    fileParallelism: false,
  },
});
