// ESLint over the kernel, extension, tests and benchmarks: typescript-eslint's recommended
// rules plus the ones that would have caught real bugs here (a `\t` in a LaTeX template that
// no-useless-escape flags; 160+ character lines). Layout is Prettier's job (`npm run format`,
// checked by `npm run lint:format`); max-len here catches long comments and code Prettier leaves alone,
// and skips strings and templates, whose wording is a message a user reads whole.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const node = { process: "readonly", console: "readonly", performance: "readonly", setImmediate: "readonly", global: "readonly", Buffer: "readonly" };

export default tseslint.config(
  { ignores: ["**/lib/**", "**/dist/**", "**/node_modules/**", "chainlab_jupyterlab/**", "lite/_output/**", "lite/labextension/**", ".venv/**", "test-results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "no-useless-escape": "error",
      "max-len": ["error", { code: 160, ignoreUrls: true, ignoreRegExpLiterals: true, ignoreTemplateLiterals: true, ignoreStrings: true }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    // Node scripts: the kernel's bin entry (CommonJS) and the benchmark drivers.
    files: ["kernel/bin/**/*.js", "kernel/scripts/**/*.mjs", "lite/*.mjs", "bench/**/*.mjs", "**/*.cjs"],
    languageOptions: { globals: { ...node, require: "readonly", module: "writable", __dirname: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Code run inside Chromium by page.evaluate reaches JupyterLab's untyped `window.jupyterapp`.
    files: ["test/e2e/**/*.ts", "bench/**/*.bench.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
