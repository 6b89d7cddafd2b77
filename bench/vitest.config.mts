// Render benchmark runner (npm run bench:render); budgets are asserted, results go to .bench/.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["bench/**/*.bench.ts"],
    environment: "node",
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: "forks",
  },
});
