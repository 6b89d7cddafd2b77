#!/usr/bin/env python3
"""
W5: the chainlab kernel against plain tslab 1.0.22 (twice: A and B, for the noise floor) in the same run: kernel start time (until
kernel_info answers), cell round trip (execute_request sent -> idle status received, what a
frontend waits for) for a trivial cell, a TypeScript declaration and a small chainlab
computation, and resident memory per kernel. Runs are interleaved (A, B, A, B, ...) so machine
load hits both alike. Both kernelspecs are written to a temporary JUPYTER_PATH.

Plain tslab 1.0.22 stops answering after roughly 500 iopub messages in some tick patterns
(zeromq 6 EBUSY, fixed in chainlab's kernel), so keep --rounds at or below ~40.

Usage: .venv/bin/python bench/kernel-latency.py [--rounds N] [--starts N]
Writes .bench/kernel-latency.json. Not part of the tests. Target (issue 4): chainlab <= 1.1x.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]

CELLS = {
    "trivial (1 + 1)": "1 + 1",
    "declaration": "let v{i} = {i} * 2;",
    "chainlab op": "const t{i} = tensor([[1, 2], [3, 4]], {{ requiresGrad: true }}); t{i}.matmul(t{i}).sum().backward(); 0",
}
SETUP = 'import { tensor } from "chainlab";'


def write_specs(tmp: pathlib.Path):
    kernels = tmp / "share" / "jupyter" / "kernels"
    subprocess.run(["node", str(ROOT / "kernel/bin/chainlab.js"), "kernel", "install", "--prefix", str(tmp)], check=True, stdout=subprocess.DEVNULL)
    (kernels / "plain-tslab").mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [subprocess.check_output(["node", "-p", "process.execPath"], text=True).strip(),
                 str(ROOT / "node_modules/tslab/bin/tslab"), "kernel", "--config-path", "{connection_file}"],
        "display_name": "TypeScript (plain tslab)", "language": "typescript", "interrupt_mode": "signal",
    }
    (kernels / "plain-tslab" / "kernel.json").write_text(json.dumps(spec))
    # A second, identical plain tslab: the A/A ratio shows the noise floor of this machine.
    (kernels / "plain-tslab-b").mkdir(parents=True, exist_ok=True)
    (kernels / "plain-tslab-b" / "kernel.json").write_text(json.dumps({**spec, "display_name": "plain tslab (B)"}))
    os.environ["JUPYTER_PATH"] = str(tmp / "share" / "jupyter")


def run_cell(kc, code, timeout=60):
    start = time.perf_counter()
    msg_id = kc.execute(code)
    status = None
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    elapsed = time.perf_counter() - start
    while status is None:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            status = reply["content"]["status"]
    if status != "ok":
        raise RuntimeError(f"cell failed: {code!r}")
    return elapsed


def rss_mb(pid):
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def start(name):
    from jupyter_client.manager import start_new_kernel
    t = time.perf_counter()
    km, kc = start_new_kernel(kernel_name=name, startup_timeout=120, cwd=str(ROOT / "notebooks"))
    return km, kc, time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--starts", type=int, default=3)
    args = ap.parse_args()
    names = ["plain-tslab", "plain-tslab-b", "chainlab"]
    running = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            write_specs(pathlib.Path(tmp))
            starts = {n: [] for n in names}
            for _ in range(args.starts):
                for n in names:
                    km, kc, dt = start(n)
                    running.append((km, kc))
                    starts[n].append(dt)
                    kc.stop_channels()
                    km.shutdown_kernel(now=True)
                    running.remove((km, kc))
            kernels = {}
            for n in names:
                km, kc, _ = start(n)
                running.append((km, kc))
                kernels[n] = (km, kc)
            for n, (km, kc) in kernels.items():
                run_cell(kc, SETUP)
                for code in CELLS.values():  # warm-up: first compile of each kind of cell
                    run_cell(kc, code.format(i=99999))
            times = {n: {c: [] for c in CELLS} for n in names}
            for i in range(args.rounds):
                for c, code in CELLS.items():
                    order = names[i % len(names):] + names[: i % len(names)]
                    for n in order:
                        times[n][c].append(run_cell(kernels[n][1], code.format(i=i)))
            memory = {n: rss_mb(km.provisioner.process.pid) for n, (km, _) in kernels.items()}
    finally:
        # Plain tslab does not notice its parent dying: never leave kernels behind.
        for km, kc in running:
            kc.stop_channels()
            km.shutdown_kernel(now=True)

    result = {"rounds": args.rounds, "starts": args.starts, "start_s": {}, "cell_ms": {}, "ratio": {}, "noise_ratio": {}, "rss_mb": memory}
    print(f"kernel start (median of {args.starts}): " + ", ".join(f"{n} {statistics.median(v):.2f} s" for n, v in starts.items()))
    for n, v in starts.items():
        result["start_s"][n] = statistics.median(v)
    # Medians show the typical case; the 10th percentile is far less disturbed by other load on
    # a shared machine, so its ratio is the steadier comparison.
    result["cell_ms_p10"] = {}
    result["ratio_p10"] = {}
    print(f"{'cell round trip (ms)':26} {'tslab A':>9} {'tslab B':>9} {'chainlab':>9} {'chainlab/A':>11} {'B/A (noise)':>12}")
    for c in CELLS:
        a, b, k = (statistics.median(times[n][c]) * 1000 for n in names)
        pa, pb, pk = (statistics.quantiles(times[n][c], n=10)[0] * 1000 for n in names)
        result["cell_ms"][c] = {"plain-tslab": a, "plain-tslab-b": b, "chainlab": k}
        result["cell_ms_p10"][c] = {"plain-tslab": pa, "plain-tslab-b": pb, "chainlab": pk}
        result["ratio"][c] = k / a
        result["ratio_p10"][c] = pk / pa
        result["noise_ratio"][c] = b / a
        print(f"{c + ' median':26} {a:9.1f} {b:9.1f} {k:9.1f} {k / a:10.2f}x {b / a:11.2f}x")
        print(f"{c + ' p10':26} {pa:9.1f} {pb:9.1f} {pk:9.1f} {pk / pa:10.2f}x {pb / pa:11.2f}x")
    print("resident memory after the run: " + ", ".join(f"{n} {m:.0f} MB" for n, m in memory.items() if m))
    out = ROOT / ".bench" / "kernel-latency.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(f"written {out.relative_to(ROOT)}")
    print(f"worst ratio chainlab/tslab: median {max(result['ratio'].values()):.2f}x, p10 {max(result['ratio_p10'].values()):.2f}x (target <= 1.10x); A/A noise of medians up to {max(abs(r - 1) for r in result['noise_ratio'].values()) * 100:.0f}%")


if __name__ == "__main__":
    sys.exit(main())
