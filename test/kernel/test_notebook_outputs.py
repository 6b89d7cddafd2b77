"""
A notebook executed headless with nbclient (as nbgrader and CI do) keeps every display's full
bundle, applies live updates by display id, and exports to HTML that shows the fallbacks.
"""
import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter, MarkdownExporter

from conftest import MIME_CHAIN, MIME_GRAPH, MIME_HEATMAP, NOTEBOOKS, fixture_payload

import json


def run_notebook(cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "chainlab", "display_name": "TypeScript (chainlab)", "language": "typescript"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    NotebookClient(nb, kernel_name="chainlab", timeout=120, resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return nb


def test_saved_notebook_has_bundles_and_reads_without_the_extension():
    chain = fixture_payload("kernel-chain-example2.json")
    nb = run_notebook([
        'import { randn, tensor, show } from "chainlab";\n'
        'const W = randn([2, 3], { seed: 3, requiresGrad: true, name: "W" });\n'
        'const L = W.tanh().sum().named("L");\nL.backward();',
        "show.graph(L)",
        "const h = show.heatmap(W, { live: true, maxFps: 0 });\nW.grad = W.grad!.mul(10);\nh.update();",
        f"show.chain({json.dumps(chain)} as any)",
        "W",
    ])
    graph, heat, chain_out, value = (nb.cells[i].outputs for i in range(1, 5))
    assert set(graph[0]["data"]) == {MIME_GRAPH, "image/svg+xml", "text/plain"}
    # nbclient applied the update_display_data to the first output: frame 1 is what is saved.
    assert len(heat) == 1 and heat[0]["data"][MIME_HEATMAP]["frame"] == 1
    assert set(chain_out[0]["data"]) == {MIME_CHAIN, "text/markdown", "text/latex", "text/plain"}
    assert value[0]["output_type"] == "execute_result" and "text/html" in value[0]["data"]

    html, _ = HTMLExporter().from_notebook_node(nb)
    # The graph and heatmap fallbacks (nbconvert embeds SVG outputs as images).
    assert html.count("<svg") + html.count("data:image/svg+xml") >= 2
    # The chain rule's LaTeX reaches MathJax: the payload's closed formula (taken from the payload,
    # so renaming a symbol does not break this test).
    closed_rhs = chain["closed"]["formula"]["latex"].split(" = ", 1)[1]
    assert closed_rhs in html, closed_rhs
    markdown, _ = MarkdownExporter().from_notebook_node(nb)
    assert "$$" in markdown
