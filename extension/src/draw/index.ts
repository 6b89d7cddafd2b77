/**
 * draw/: pure functions from validated payloads to DOM/SVG nodes or plot specs. They take the
 * Document to build in (so jsdom tests and the browser share them) and keep no state; no
 * widgets, no event wiring, no network or kernel access, and never HTML parsed from payloads.
 */

export * from "./drawChain";
export * from "./drawGraph";
export * from "./foldGraph";
export * from "./format";
export * from "./gradColor";
export * from "./graphLayout";
export * from "./heatmapFigure";
export * from "./indexColors";
export * from "./matrixTable";
export * from "./plotFigure";
export * from "./summaryCard";
export * from "./svg";
