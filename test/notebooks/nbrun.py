"""
Helpers for test/notebooks: every notebook in notebooks/ executed top to bottom through the real chainlab
kernel (the kernelspec scripts/setup.d/20-kernel.sh installs into .venv) with nbclient, then
rendered to HTML with nbconvert. Each notebook is executed once per session and shared by the
tests that inspect it.
"""
import datetime
import os
import html
import json
import pathlib
import re
import time

import nbclient
import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "chainlab"
CELL_TIMEOUT = 60  # seconds per cell
NOTEBOOK_BUDGET = 60.0  # seconds of cell execution per notebook (issue 6: "under a minute")

# The MIME constants of kernel/src/protocol/mime.ts, read from the source so the two cannot drift.
_MIME_TS = (ROOT / "kernel/src/protocol/mime.ts").read_text()


def _mime(const):
    m = re.search(rf'export const {const} = "([^"]+)"', _MIME_TS)
    assert m, f"{const} not found in kernel/src/protocol/mime.ts"
    return m.group(1)


MIME_GRAPH = _mime("MIME_GRAPH")
MIME_HEATMAP = _mime("MIME_HEATMAP")
MIME_CHAIN = _mime("MIME_CHAIN")
MIME_PLOT = _mime("MIME_PLOT")
CHAINLAB_MIMES = {MIME_GRAPH: "graph", MIME_HEATMAP: "heatmap", MIME_CHAIN: "chain", MIME_PLOT: "plot"}


class Run:
    """One executed notebook: the notebook with outputs, per-cell timings and the first error."""

    def __init__(self, path, nb, seconds, cell_seconds, error, frames=()):
        self.path = path
        self.nb = nb
        self.seconds = seconds
        self.cell_seconds = cell_seconds
        self.error = error
        # (cell index, MIME bundle) of every update_display_data the kernel sent: live frames,
        # which the saved notebook does not keep (only the last replaces the output).
        self.frames = list(frames)

    @property
    def name(self):
        return str(self.path.relative_to(NOTEBOOKS))

    def code_cells(self):
        return [c for c in self.nb.cells if c.cell_type == "code"]

    def outputs(self):
        """(cell index, output) for every output of every code cell."""
        return [(i, o) for i, c in enumerate(self.nb.cells) if c.cell_type == "code" for o in c.get("outputs", [])]

    def bundles(self):
        """(cell index, MIME bundle, output) for every rich output."""
        return [(i, o["data"], o) for i, o in self.outputs() if o["output_type"] in ("display_data", "execute_result")]

    def of_kind(self, kind):
        """(cell index, payload, bundle, output) of every output carrying the chainlab type of `kind`."""
        mime = {v: k for k, v in CHAINLAB_MIMES.items()}[kind]
        return [(i, _json(b[mime]), b, o) for i, b, o in self.bundles() if mime in b]

    def errors(self):
        return [(i, o) for i, o in self.outputs() if o["output_type"] == "error"]

    def cell_source(self, i):
        return self.nb.cells[i].source


def _json(v):
    return json.loads(v) if isinstance(v, str) else v


def _duration(cell):
    ex = cell.get("metadata", {}).get("execution", {})
    start, end = ex.get("iopub.status.busy"), ex.get("iopub.status.idle")
    if not start or not end:
        return 0.0
    parse = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return (parse(end) - parse(start)).total_seconds()


class _FrameRecorder(nbclient.NotebookClient):
    """nbclient as is, also keeping every update_display_data bundle as it arrives."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.frames = []

    def process_message(self, msg, cell, cell_index):
        if msg["msg_type"] == "update_display_data":
            self.frames.append((cell_index, msg["content"].get("data", {})))
        return super().process_message(msg, cell, cell_index)


def execute(path, allow_errors=False):
    """Executes a notebook in its own directory through the chainlab kernel."""
    nb = nbformat.read(path, as_version=4)
    client = _FrameRecorder(
        nb,
        kernel_name=KERNEL,
        timeout=CELL_TIMEOUT,
        allow_errors=allow_errors,
        record_timing=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    error = None
    t0 = time.monotonic()
    try:
        # The kernel loads TypeScript at its first cell unless told to preload it; the budget is
        # for the notebook's own cells, so the load happens before them (as at kernel start).
        client.execute(env={**os.environ, "CHAINLAB_PRELOAD": "1"})
    except nbclient.exceptions.CellExecutionError as e:
        error = str(e)
    seconds = time.monotonic() - t0
    cell_seconds = [_duration(c) if c.cell_type == "code" else 0.0 for c in nb.cells]
    return Run(path, nb, seconds, cell_seconds, error, client.frames)




def render_html(nb):
    """The executed notebook as nbconvert's HTML (what a reader without the extension sees)."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nb)
    return body


def unescape(text):
    return html.unescape(text)
