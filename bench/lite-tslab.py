#!/usr/bin/env python3
"""
The tslab side of bench/lite.mjs: the chainlab kernel (tslab, Node) from .venv runs the same
cells as the browser kernel: a trivial cell N times, then the code cells of a notebook in order.
Prints one JSON object: {"trivial_ms": [...], "cells_ms": [...], "start_ms": t}.
Usage: .venv/bin/python bench/lite-tslab.py NOTEBOOK [ROUNDS]
"""
import json
import pathlib
import sys
import time

from jupyter_client.manager import start_new_kernel

nb_path = pathlib.Path(sys.argv[1]).resolve()
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
nb = json.loads(nb_path.read_text())
cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def run(kc, code):
    t0 = time.perf_counter()
    reply = kc.execute_interactive(code, timeout=600, output_hook=lambda msg: None)
    ms = (time.perf_counter() - t0) * 1000
    if reply["content"]["status"] != "ok":
        raise SystemExit(f"cell failed on the tslab kernel: {reply['content'].get('evalue')}")
    return ms


t0 = time.perf_counter()
km, kc = start_new_kernel(kernel_name="chainlab", cwd=str(nb_path.parent), startup_timeout=180)
start_ms = (time.perf_counter() - t0) * 1000
try:
    cells_ms = [run(kc, c) for c in cells]
    trivial = [run(kc, "1 + 1") for _ in range(rounds)]
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
print(json.dumps({"trivial_ms": trivial, "cells_ms": cells_ms, "start_ms": start_ms}))
