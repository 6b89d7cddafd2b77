/**
 * The layer rules of docs/design.md ("Round two"), checked by `npm run lint`:
 * protocol/ (imports nothing) <- tensor/ <- ops/ <- autodiff/ <- symbolic/ <- display/ <- jupyter/,
 * nn/ and optim/ above autodiff/, and the extension imports kernel/src/protocol/ alone.
 * Type-only imports count too: a type cycle is still a cycle for a reader.
 */
const K = "^kernel/src/";
// Each layer and the kernel folders it must not import (everything above it).
const above = {
  protocol: ["errors", "tensor", "ops", "autodiff", "nn", "optim", "symbolic", "display", "jupyter", "index"],
  errors: ["protocol", "tensor", "ops", "autodiff", "nn", "optim", "symbolic", "display", "jupyter", "index"],
  tensor: ["ops", "autodiff", "nn", "optim", "symbolic", "display", "jupyter", "index"],
  ops: ["autodiff", "nn", "optim", "symbolic", "display", "jupyter", "index"],
  autodiff: ["nn", "optim", "symbolic", "display", "jupyter", "index"],
  nn: ["optim", "symbolic", "display", "jupyter", "index"],
  optim: ["nn", "symbolic", "display", "jupyter", "index"],
  symbolic: ["nn", "optim", "display", "jupyter", "index"],
  display: ["nn", "optim", "jupyter", "index"],
  jupyter: ["nn", "optim", "index"],
};
const layerRules = Object.entries(above).map(([layer, banned]) => ({
  name: `layer-${layer}`,
  comment: `kernel/src/${layer} may import only the layers below it (docs/design.md)`,
  severity: "error",
  from: { path: `${K}${layer}(/|\\.ts$)` },
  to: { path: `${K}(${banned.join("|")})(/|\\.ts$)` },
}));

// Inside symbolic/: algebra/ (expression trees, their rewriting and printing) <- verify/ (numbers:
// vjp along a path, finite differences, term values) <- chain/ (the chain-rule expansion, which
// proves each step with verify/'s numbers). Each sub-folder names the ones it must not import.
const symbolicAbove = { algebra: ["verify", "chain"], verify: ["chain"] };
const symbolicRules = Object.entries(symbolicAbove).map(([part, banned]) => ({
  name: `symbolic-${part}`,
  comment: `symbolic/${part} may import only the symbolic/ parts below it (algebra <- verify <- chain)`,
  severity: "error",
  from: { path: `${K}symbolic/${part}/` },
  to: { path: `${K}symbolic/(${banned.join("|")})/` },
}));

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import cycle anywhere, type-only imports included",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    ...symbolicRules,
    {
      name: "extension-imports-protocol-only",
      comment: "The extension shares only kernel/src/protocol with the kernel",
      severity: "error",
      from: { path: "^extension/src/" },
      to: { path: K, pathNot: `${K}protocol/` },
    },
    {
      name: "protocol-imports-only-its-schema-library",
      comment:
        "protocol/ is compiled into the extension: it imports only itself, zod/mini (its schemas) and d3-scale-chromatic (its palettes)",
      severity: "error",
      from: { path: `${K}protocol/` },
      to: {
        pathNot: [`${K}protocol/`, "node_modules/zod/", "node_modules/(d3-scale-chromatic|d3-interpolate|d3-color)/"],
      },
    },
    {
      name: "browser-safe-below-jupyter",
      comment:
        "Everything below jupyter/ runs in a browser (npm run build:browser, the JupyterLite kernel): no Node built-ins",
      severity: "error",
      from: { path: K, pathNot: `${K}jupyter/` },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "no-unresolvable",
      comment: "An import that does not resolve would hide a dependency from these rules",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(lib|dist|node_modules)/" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: [".ts", ".js", ".json"] },
  },
};
