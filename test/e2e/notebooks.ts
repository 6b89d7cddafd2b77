import fs from "node:fs";
import path from "node:path";
import { MIME_CHAIN, MIME_GRAPH, MIME_HEATMAP } from "../../kernel/src/protocol";
import { REPO } from "./jupyterLab";

/**
 * Notebooks the browser tests open. `savedOutputsNotebook` carries display_data outputs built
 * from the payload fixtures, as a notebook saved with outputs and reopened from disk
 * (untrusted) would. Each bundle also carries an html fallback whose marker text must never
 * appear on screen: if it does, a fallback out-ranked our renderer.
 */
export const FALLBACK_MARKER = "CHAINLAB-FALLBACK-SHOWN";

const FIXTURES = path.join(REPO, "test/fixtures/payloads");

function payload(file: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, file), "utf8"));
}

function lines(text: string): string[] {
  return text.split(/(?<=\n)/);
}

let cellCount = 0;
/** nbformat 4.5 wants a unique id per cell. */
function cellId(): string {
  return `cell-${++cellCount}`;
}

function displayCell(source: string, mime: string, data: unknown) {
  return {
    id: cellId(),
    cell_type: "code",
    execution_count: null,
    metadata: {},
    source: lines(source),
    outputs: [
      {
        output_type: "display_data",
        metadata: {},
        data: {
          [mime]: data,
          "text/html": `<p>${FALLBACK_MARKER}</p>`,
          "text/plain": `${FALLBACK_MARKER} (text)`,
        },
      },
    ],
  };
}

function notebook(cells: unknown[]): string {
  return JSON.stringify(
    {
      cells,
      metadata: {
        kernelspec: { name: "chainlab", display_name: "TypeScript (chainlab)", language: "typescript" },
        language_info: { name: "typescript" },
      },
      nbformat: 4,
      nbformat_minor: 5,
    },
    null,
    1,
  );
}

export function savedOutputsNotebook(): string {
  return notebook([
    { id: cellId(), cell_type: "markdown", metadata: {}, source: ["# Saved chainlab outputs (reopened untrusted)"] },
    displayCell("show.graph(L)", MIME_GRAPH, payload("handmade-graph-mlp.json")),
    displayCell("show.heatmap(W)", MIME_HEATMAP, payload("handmade-heatmap-matrix.json")),
    displayCell("show.chain(L, W, [1, 1])", MIME_CHAIN, payload("handmade-chain-matmul.json")),
    displayCell("show.graph(y) // before backward()", MIME_GRAPH, payload("handmade-graph-anomaly.json")),
    displayCell("show.heatmap(T) // rank 3", MIME_HEATMAP, payload("handmade-heatmap-rank3.json")),
    displayCell("show.graph(bad)", MIME_GRAPH, { version: 99, kind: "graph", nodes: [], edges: [], output: "n0" }),
  ]);
}

function codeCell(source: string) {
  return { id: cellId(), cell_type: "code", execution_count: null, metadata: {}, source: lines(source), outputs: [] };
}

/** Cells run by the real chainlab kernel: each show.* call must reach our renderers. */
export const LIVE_FRAMES = 6;
export function liveNotebook(): string {
  return notebook([
    codeCell(
      [
        'import { tensor, matmul, add, relu, square, sum, show, optim } from "chainlab";',
        'const X = tensor([[1, 2, 3], [0.5, -1, 2]], { name: "X" });',
        'const W = tensor([[0.1, -0.2], [0.4, 0.3], [-0.5, 0.2]], { requiresGrad: true, name: "W" });',
        'const b = tensor([0.1, -0.1], { requiresGrad: true, name: "b" });',
        "const loss = () => sum(relu(add(matmul(X, W), b)));",
        "const L = loss();",
        "show.graph(L);",
      ].join("\n"),
    ),
    codeCell(["L.backward();", "show.graph(L);", "show.heatmap(W);"].join("\n")),
    codeCell(
      [
        "// A training loop redraws one heatmap in place (update_display_data). A squared loss keeps",
        "// gradients alive (minimising sum(relu(.)) would kill every ReLU within two steps).",
        "const squared = () => sum(square(add(matmul(X, W), b)));",
        "const opt = new optim.SGD([W, b], { lr: 0.01 });",
        "const live = show.heatmap(W, { live: true });",
        `for (let step = 1; step <= ${LIVE_FRAMES}; step++) {`,
        "  opt.zeroGrad();",
        "  squared().backward();",
        "  opt.step();",
        "  live.update();",
        "  await new Promise((ok) => setTimeout(ok, 150));",
        "}",
      ].join("\n"),
    ),
    codeCell("show.gradNorms([W, b]);"),
    codeCell(["const L2 = loss();", "L2.backward();", "show.chain(L2, W, { at: [1, 1] });"].join("\n")),
  ]);
}

/** The README's example, cell for cell as a reader would paste it (its first ```ts block). */
export function readmeNotebook(readme: string): string {
  const m = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error("README has no ```ts example");
  return notebook([codeCell(m[1].trimEnd())]);
}
