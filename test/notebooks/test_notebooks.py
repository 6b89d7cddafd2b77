"""
Every notebook runs top to bottom through the chainlab kernel, each show.* output carries the
chainlab MIME type and its static fallbacks, and the HTML a reader without the extension sees
(nbconvert) contains those fallbacks.
"""
import base64
import json
import re

import nbformat
import pytest

from nbrun import (
    CHAINLAB_MIMES,
    MIME_CHAIN,
    MIME_GRAPH,
    MIME_HEATMAP,
    MIME_PLOT,
    NOTEBOOK_BUDGET,
    NOTEBOOKS,
    ROOT,
    render_html,
    unescape,
)

# Reading order (the README lists them in this order).
READING_ORDER = [
    "01-vectors.ipynb",
    "02-matrix-param-vector.ipynb",
    "03-matrix-param-matrix.ipynb",
    "04-three-step-chain.ipynb",
    "05-broadcasting-and-batches.ipynb",
    "06-train-an-mlp.ipynb",
    "07-debugging-gradients.ipynb",
    "08-convolution.ipynb",
    "09-attention.ipynb",
    "10-real-size-models.ipynb",
    "assignments/backprop-assignment.ipynb",
    "assignments/cnn-assignment.ipynb",
]
RELEASES = ["assignments/release/backprop-assignment.ipynb", "assignments/release/cnn-assignment.ipynb"]

# What each notebook must show at least (count of outputs per chainlab payload kind).
EXPECTED = {
    "01-vectors.ipynb": {"graph": 1, "chain": 1},
    "02-matrix-param-vector.ipynb": {"graph": 1, "chain": 1, "heatmap": 2},
    "03-matrix-param-matrix.ipynb": {"graph": 1, "chain": 2, "heatmap": 3},
    "04-three-step-chain.ipynb": {"graph": 1, "chain": 2, "heatmap": 2},
    "05-broadcasting-and-batches.ipynb": {"graph": 1, "chain": 3, "heatmap": 2},
    "06-train-an-mlp.ipynb": {"graph": 1, "heatmap": 4, "plot": 1},
    "07-debugging-gradients.ipynb": {"graph": 3, "plot": 3},
    "08-convolution.ipynb": {"graph": 1, "chain": 1, "heatmap": 3, "plot": 1},
    "09-attention.ipynb": {"graph": 1, "chain": 1, "heatmap": 3},
    "10-real-size-models.ipynb": {"graph": 3, "chain": 2, "heatmap": 2, "plot": 2},
    "assignments/backprop-assignment.ipynb": {"heatmap": 0},
    "assignments/cnn-assignment.ipynb": {"graph": 1},
}

# Fallbacks each chainlab type must carry: every MIME in a tuple-of-alternatives group, one of them.
FALLBACKS = {
    MIME_GRAPH: [("image/svg+xml",), ("text/plain",)],
    MIME_HEATMAP: [("image/svg+xml", "text/html"), ("text/plain",)],
    MIME_CHAIN: [("text/markdown",), ("text/latex",), ("text/plain",)],
    MIME_PLOT: [("image/svg+xml", "text/html"), ("text/plain",)],
}


def test_inventory_matches_reading_order():
    found = sorted(str(p.relative_to(NOTEBOOKS)) for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    assert found == sorted(READING_ORDER + RELEASES), "a notebook was added or removed: update READING_ORDER (and the README)"
    assert set(EXPECTED) == set(READING_ORDER)


def test_readme_links_notebooks_in_reading_order():
    readme = (ROOT / "README.md").read_text()
    m = re.search(r"^## Notebooks\n(.*?)(?=^## |\Z)", readme, flags=re.M | re.S)
    assert m, "README.md has no '## Notebooks' section"
    links = re.findall(r"\]\((notebooks/[^)]+\.ipynb)\)", m.group(1))
    assert [l for l in links if l not in [f"notebooks/{r}" for r in RELEASES]] == [f"notebooks/{n}" for n in READING_ORDER]
    for link in links:
        assert (ROOT / link).is_file(), link


def _saved_outputs():
    """scripts/notebook_outputs.py: which notebooks keep outputs, and its normalized comparison."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("notebook_outputs", ROOT / "scripts" / "notebook_outputs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


SAVED = _saved_outputs()
WITH_OUTPUTS = [str(p.relative_to(NOTEBOOKS)) for p in SAVED.worked_notebooks()]


@pytest.mark.parametrize("name", READING_ORDER + RELEASES)
def test_committed_notebook_is_readable(name):
    path = NOTEBOOKS / name
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec["name"] == "chainlab"
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    if name in WITH_OUTPUTS:
        # Saved with outputs for GitHub and nbviewer readers, in one top-to-bottom run.
        assert [c.execution_count for c in code_cells] == list(range(1, len(code_cells) + 1)), f"{name}: not saved from one run"
        assert any(c.outputs for c in code_cells), f"{name}: saved without outputs; run `npm run notebooks:outputs`"
        assert path.stat().st_size < 3_000_000, f"{name} is {path.stat().st_size} bytes"
    else:
        # Assignments: nbgrader releases them without outputs.
        assert path.stat().st_size < 60_000, f"{name} is {path.stat().st_size} bytes; commit it without outputs"
        for cell in code_cells:
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: committed with outputs: {cell.source[:80]!r}"
    code = "\n".join(c.source for c in code_cells)
    assert re.search(r'from "chainlab"', code), f"{name} does not import chainlab"
    # Written for a reader: explanations between the code cells.
    assert sum(c.cell_type == "markdown" for c in nb.cells) >= 4


@pytest.mark.parametrize("name", WITH_OUTPUTS)
def test_saved_outputs_are_up_to_date(run_notebook, name):
    """The committed outputs are what a fresh run gives (normalized): regenerate with `npm run notebooks:outputs`."""
    run = run_notebook(name)
    assert run.error is None, f"{name} failed:\n{run.error}"
    diff = SAVED.differences((NOTEBOOKS / name).read_text(), run.nb, name)
    assert not diff, f"{name}: committed outputs are out of date; run `npm run notebooks:outputs`\n{diff}"


@pytest.mark.parametrize("name", READING_ORDER)
def test_runs_top_to_bottom(run_notebook, name):
    run = run_notebook(name)
    assert run.error is None, f"{name} failed:\n{run.error}"
    assert not run.errors()
    for cell in run.code_cells():
        assert cell.execution_count is not None, f"{name}: cell not executed: {cell.source[:80]!r}"
    busy = sum(run.cell_seconds)
    assert busy < NOTEBOOK_BUDGET, f"{name} took {busy:.1f}s of cell time (budget {NOTEBOOK_BUDGET}s): " + ", ".join(
        f"cell {i}: {s:.1f}s" for i, s in enumerate(run.cell_seconds) if s > 2
    )


@pytest.mark.parametrize("name", READING_ORDER)
def test_show_outputs_carry_mime_type_and_fallbacks(run_notebook, name):
    run = run_notebook(name)
    assert run.error is None, f"{name} failed:\n{run.error}"
    counts = {kind: 0 for kind in CHAINLAB_MIMES.values()}
    for i, bundle, _ in run.bundles():
        for mime, kind in CHAINLAB_MIMES.items():
            if mime not in bundle:
                continue
            counts[kind] += 1
            payload = bundle[mime] if not isinstance(bundle[mime], str) else json.loads(bundle[mime])
            assert payload["kind"] == kind and payload["version"] == 1, f"cell {i}: bad {kind} payload header"
            for group in FALLBACKS[mime]:
                assert any(m in bundle for m in group), f"{name} cell {i}: {kind} output lacks {' or '.join(group)} (has {sorted(bundle)})"
            assert bundle["text/plain"].strip(), f"cell {i}: empty text/plain"
            svg = bundle.get("image/svg+xml")
            if svg is not None:
                assert svg.lstrip().startswith("<svg") and svg.rstrip().endswith("</svg>"), f"cell {i}: {kind} SVG fallback is not an SVG document"
            if kind == "chain":
                assert "$$" in bundle["text/markdown"] and "\\partial" in bundle["text/markdown"]
                assert bundle["text/latex"].strip().startswith("$$") and "\\" in bundle["text/latex"]
    for kind, minimum in EXPECTED[name].items():
        assert counts[kind] >= minimum, f"{name}: expected at least {minimum} {kind} output(s), found {counts[kind]}"


@pytest.mark.parametrize("name", [n for n in READING_ORDER if EXPECTED[n].get("chain")])
def test_chain_expansions_are_complete_and_agree_with_autodiff(run_notebook, name):
    run = run_notebook(name)
    assert run.error is None, f"{name} failed:\n{run.error}"
    chains = run.of_kind("chain")
    assert chains
    for i, p, _, _ in chains:
        assert p["paths"], f"cell {i}: no path from the parameter to the output"
        for path in p["paths"]:
            assert path["steps"], f"cell {i}: empty path"
            for step in path["steps"]:
                # index form, delta collapse, compact form: each as LaTeX and text
                for part in ("general", "local", "indexForm", "collapsed", "compact"):
                    assert step[part]["latex"].strip() and step[part]["text"].strip(), f"cell {i}: step {step['op']} has no {part}"
        n = p["numeric"]
        assert n["terms"], f"cell {i}: no numeric terms"
        assert n["pass"], f"cell {i}: the chain-rule sum ({n['total']}) disagrees with autodiff ({n['autodiff']})"
        assert abs(n["total"] - n["autodiff"]) <= 1e-9 * max(1.0, abs(n["autodiff"])), f"cell {i}: sum {n['total']} vs autodiff {n['autodiff']}"


@pytest.mark.parametrize("name", READING_ORDER)
def test_html_render_shows_fallbacks(run_notebook, name):
    run = run_notebook(name)
    assert run.error is None, f"{name} failed:\n{run.error}"
    page = render_html(run.nb)
    text = unescape(page)
    shown_svgs = 0
    for kind in ("graph", "heatmap", "plot"):
        for i, _, b, _ in run.of_kind(kind):
            if kind != "graph" and "text/html" in b:
                # an HTML fallback (allowed for heatmaps and plots) is what nbconvert shows
                assert b["text/html"].strip() and b["text/html"].strip()[:200] in page, f"{name} cell {i}: the {kind} HTML fallback is missing from the HTML"
                shown_svgs += 1
                continue
            assert "text/markdown" not in b, f"{name} cell {i}: markdown would hide the {kind} SVG in nbconvert"
            svg = b.get("image/svg+xml")
            assert svg, f"{name} cell {i}: {kind} output has no SVG fallback"
            # nbconvert's lab template embeds SVG as a base64 data: URI (or inline); either way the same document
            encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
            assert encoded in page or svg in page, f"{name} cell {i}: the {kind} SVG fallback is missing from the HTML"
            shown_svgs += 1
    if sum(EXPECTED[name].get(k, 0) for k in ("graph", "heatmap", "plot")) > 0:
        assert shown_svgs > 0, f"{name}: no SVG fallback in the HTML"
    for i, p, b, _ in run.of_kind("chain"):
        # the LaTeX of every step is in the page for MathJax to typeset
        for path in p["paths"]:
            for step in path["steps"]:
                assert step["compact"]["latex"] in text, f"{name} cell {i}: compact form LaTeX missing from the HTML"
    # the chainlab JSON itself is not dumped into the page
    for mime in CHAINLAB_MIMES:
        assert mime not in page


# Notebook-specific stories: the outputs show what the text around them says.


def _stdout(run):
    return "".join(o.get("text", "") for _, o in run.outputs() if o["output_type"] == "stream")


def test_05_broadcast_and_einsum_steps(run_notebook):
    run = run_notebook("05-broadcasting-and-batches.ipynb")
    assert run.error is None, run.error
    chains = {p["param"]["name"]: p for _, p, _, _ in run.of_kind("chain")}
    steps_b = [s for path in chains["b"]["paths"] for s in path["steps"]]
    assert any(s.get("broadcast") and 0 in s["broadcast"]["axes"] for s in steps_b), "the bias step does not undo the broadcast over the batch axis"
    steps_v = [s for path in chains["V"]["paths"] for s in path["steps"]]
    matmul = [s for s in steps_v if s["op"] == "matmul"]
    assert matmul and any(s.get("einsum") for s in matmul), "the rank-3 matmul step has no einsum form"
    einsum = next(s["einsum"] for s in matmul if s.get("einsum"))
    m = re.search(r"([a-z]+),([a-z]+)->([a-z]+)", einsum)
    assert m, f"no einsum subscripts in {einsum!r}"
    a, g, out = m.groups()
    assert len(a) == 3 and len(g) == 3 and len(out) == 2 and a[:2] == g[:2], f"unexpected einsum {einsum!r}"
    jac = [p for _, p, _, _ in run.of_kind("heatmap") if p["shape"] == [2, 2, 3, 2]]
    assert jac and len(jac[0]["slices"]) == 4, "the rank-4 Jacobian is not shown as 4 slices"


def test_06_live_displays_updated_during_training(run_notebook):
    run = run_notebook("06-train-an-mlp.ipynb")
    assert run.error is None, run.error
    live = [p for _, p, _, _ in run.of_kind("heatmap") if p.get("show") == "grad" and p.get("frame", 0) > 0]
    assert len(live) >= 3, "expected one live gradient heatmap per weight matrix, updated during training"
    assert all(p["gradState"] == "computed" for p in live)
    lines = [p for _, p, _, _ in run.of_kind("plot") if p["chart"] == "line"]
    assert lines, "no loss curve"
    loss = lines[0]["series"][0]["y"]
    assert len(loss) >= 100 and lines[0].get("frame", 0) > 0, "the loss plot was not updated live"
    assert loss[-1] < loss[0] / 10, f"loss curve does not fall: {loss[0]} -> {loss[-1]}"


def test_07_anomaly_and_shape_error(run_notebook):
    run = run_notebook("07-debugging-gradients.ipynb")
    assert run.error is None, run.error
    marked = [n for _, p, _, _ in run.of_kind("graph") for n in p["nodes"] if n.get("anomaly")]
    assert marked and marked[0]["op"] == "log", f"the anomaly graph should mark the log op, marked: {marked}"
    out = _stdout(run)
    assert re.search(r"matmul\b.*\[5,\s*3\].*\[2,\s*3\]", out), "the shape error message does not name matmul and both shapes"
    bars = [p for _, p, _, _ in run.of_kind("plot") if p["chart"] == "bar"]
    assert len(bars) >= 3
    sig = bars[0]["series"][0]["y"]
    assert bars[0]["yScale"] == "log" and sig[0] < sig[-1] / 1000, "sigmoid net: gradient norms should vanish towards the input"


def test_08_conv_rule_by_hand_and_filters_live(run_notebook):
    run = run_notebook("08-convolution.ipynb")
    assert run.error is None, run.error
    out = _stdout(run)
    m = re.search(r"by hand (-?[0-9.]+), autodiff (-?[0-9.]+)", out)
    assert m and m.group(1) == m.group(2), out
    (chain,) = [p for _, p, _, _ in run.of_kind("chain")]
    assert chain["param"]["name"] == "W" and any(s["op"] == "conv2d" for path in chain["paths"] for s in path["steps"])
    grids = [p for _, p, _, _ in run.of_kind("heatmap") if "row = out channel" in (p.get("title") or "")]
    assert grids, "no filter grid"
    assert grids[-1]["show"] == "both" and grids[-1]["slices"][0]["grad"], "the filter grid has no gradient grid beside it"
    assert re.search(r"training accuracy (9[5-9]|100)", out), out


def test_09_softmax_jacobian_verified(run_notebook):
    run = run_notebook("09-attention.ipynb")
    assert run.error is None, run.error
    m = re.search(r"max \|J - \(diag\(s\) - s s\^T\)\| = ([0-9.e+-]+)", _stdout(run))
    assert m and float(m.group(1)) <= 1e-15
    titles = [p.get("title") or "" for _, p, _, _ in run.of_kind("heatmap")]
    assert any("row = query position, column = key position" in t for t in titles)

# Byte budgets of kernel/src/protocol/budget.ts, per full MIME bundle.
BUNDLE_BUDGET = {"heatmap": 100_000, "graph": 300_000, "chain": 300_000, "plot": 100_000}
BUDGET_TS = (ROOT / "kernel/src/protocol/budget.ts").read_text()


def test_10_real_size_outputs_stay_small(run_notebook):
    """Real-size models: every output within its view's budget, the saved notebook under 2 MB."""
    run = run_notebook("10-real-size-models.ipynb")
    assert run.error is None, run.error
    for kind, budget in BUNDLE_BUDGET.items():
        for i, _, bundle, _ in run.of_kind(kind):
            size = len(json.dumps(bundle, ensure_ascii=False).encode("utf-8"))
            assert size <= budget, f"cell {i}: {kind} bundle is {size} bytes (budget {budget})"
    saved = nbformat.writes(run.nb).encode("utf-8")
    assert len(saved) < 2_000_000, f"saved with outputs the notebook is {len(saved)} bytes"
    # Live frames (update_display_data during training) each within the live frame budget.
    live_budget = int(re.search(r"export const LIVE_FRAME_BUDGET = ([\d_]+);", BUDGET_TS).group(1).replace("_", ""))
    assert run.frames, "the live views sent no frame"
    for i, bundle in run.frames:
        size = len(json.dumps(bundle, ensure_ascii=False).encode("utf-8"))
        assert size <= live_budget, f"cell {i}: a live frame is {size} bytes (budget {live_budget})"
    graphs = [p for _, p, _, _ in run.of_kind("graph")]
    # The RNN and the 2,000-op loop fold: a loop summary node, the parameters kept with gradients.
    loops = [g for g in graphs if any(n.get("summary", {}).get("times") for n in g["nodes"])]
    assert len(loops) >= 2, "the RNN and the 2,000-op loop did not fold"
    for g in loops:
        params = [n for n in g["nodes"] if n["kind"] == "param"]
        assert params and all(n["gradState"] == "computed" for n in params)
        assert not any(n["op"] == "leaf" and n["kind"] == "input" and n["shape"] == [] for n in g["nodes"]), "a scalar constant is a node"
    chains = [p for _, p, _, _ in run.of_kind("chain")]
    long = [c for c in chains if any(path.get("stepsOmitted") for path in c["paths"])]
    assert long, "the 2,002-step path was written out in full"
    assert all(c["numeric"]["pass"] for c in chains)
    rnn = [c for c in chains if c.get("pathsOmitted")]
    # U enters all 60 steps; from step t the loss is reached through h_t .. h_60: 60 * 61 / 2 paths.
    assert rnn and rnn[0]["pathsOmitted"] + len(rnn[0]["paths"]) == 60 * 61 // 2
    heat = [p for _, p, _, _ in run.of_kind("heatmap") if p["shape"] == [512, 512]]
    assert heat and heat[0]["downsampled"]["rowStride"] > 1
