#!/usr/bin/env python3
"""
Kernel memory and start-up for a classroom (issue 14): per variant of the kernelspec, the time
until kernel_info answers, resident memory (RSS) idle, after the first cell, after N cells of
small training (20 SGD steps of a small MLP each) right away and after 5 s idle, and a
large-graph cell (a 6,000-op chain, backward, show.graph) that must not run out of heap under
the heap flags. Variants (temporary kernelspecs, run in turn):
  plain     no V8 flags, no idle GC (the kernel as it was, minus lazy TypeScript)
  shipped   the installed kernelspec's argv and env (kernelspec.ts)
  preload   shipped + CHAINLAB_PRELOAD=1 (TypeScript loaded at start)
Then the notebooks with the largest graphs (--notebooks, default 06, 08, 10) run top to bottom
under plain and shipped: each must complete under the heap flags; peak RSS side by side.
Targets: idle <= 120 MB, <= 250 MB after 300 cells (shipped).

Usage: .venv/bin/python bench/kernel-memory.py [--cells 300] [--only shipped,plain]
Writes .bench/kernel-memory.json. Not part of the tests.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]

SETUP = 'import { tensor, randn, nn, optim, crossEntropy, show } from "chainlab";'
TRAIN = '''(() => {
  const X = randn([32, 4], { seed: SEED });
  const y = tensor(Array.from({ length: 32 }, (_, i) => i % 3));
  const net = new nn.MLP([4, 16, 3], { seed: SEED });
  const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
  let L = crossEntropy(net.call(X), y);
  for (let s = 0; s < 20; s++) { opt.zeroGrad(); L = crossEntropy(net.call(X), y); L.backward(); opt.step(); }
  return L.item() > 0;
})()'''
LARGE_GRAPH = '''
const big0 = randn([16, 16], { seed: 1, requiresGrad: true, name: "big0" });
let big = big0;
for (let i = 0; i < 2000; i++) big = big.mul(0.999).add(big0.mul(0.001)).tanh();
const bigL = big.sum().named("bigL");
bigL.backward();
show.graph(bigL);
big0.grad!.shape.join("x")
'''


def rss_mb(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def run(kc, code, timeout=300):
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=lambda m: None)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"cell failed: {reply['content'].get('evalue')}: {code[:60]!r}")


def write_variants(tmp):
    subprocess.run(["node", str(ROOT / "kernel/bin/chainlab.js"), "kernel", "install", "--prefix", str(tmp), "--name", "shipped"],
                   check=True, stdout=subprocess.DEVNULL)
    kernels = tmp / "share" / "jupyter" / "kernels"
    shipped = json.loads((kernels / "shipped" / "kernel.json").read_text())
    bin_at = next(i for i, a in enumerate(shipped["argv"]) if a.endswith("chainlab.js"))
    plain = {**shipped, "argv": [shipped["argv"][0]] + shipped["argv"][bin_at:], "env": {**shipped["env"], "CHAINLAB_IDLE_GC": "0"}}
    preload = {**shipped, "env": {**shipped["env"], "CHAINLAB_PRELOAD": "1"}}
    for name, spec in (("plain", plain), ("preload", preload)):
        (kernels / name).mkdir(parents=True, exist_ok=True)
        (kernels / name / "kernel.json").write_text(json.dumps(spec))
    os.environ["JUPYTER_PATH"] = str(tmp / "share" / "jupyter")
    return {"shipped": shipped["argv"][1:bin_at], "plain": [], "preload": shipped["argv"][1:bin_at]}


def measure(name, cells):
    from jupyter_client.manager import start_new_kernel
    t = time.perf_counter()
    km, kc = start_new_kernel(kernel_name=name, startup_timeout=300, cwd=str(ROOT / "notebooks"))
    r = {"ready_s": round(time.perf_counter() - t, 2)}
    try:
        pid = km.provisioner.process.pid
        time.sleep(3)
        r["idle_mb"] = rss_mb(pid)
        t = time.perf_counter()
        run(kc, SETUP)
        r["first_cell_s"] = round(time.perf_counter() - t, 2)
        r["after_first_cell_mb"] = rss_mb(pid)
        peak = 0
        t = time.perf_counter()
        for i in range(cells):
            run(kc, TRAIN.replace("SEED", str(i)))
            peak = max(peak, rss_mb(pid))
        r["cells_s"] = round(time.perf_counter() - t, 1)
        r[f"after_{cells}_cells_mb"] = rss_mb(pid)
        r[f"peak_during_{cells}_cells_mb"] = peak
        time.sleep(5)
        r[f"after_{cells}_cells_idle_5s_mb"] = rss_mb(pid)
        t = time.perf_counter()
        run(kc, LARGE_GRAPH)
        r["large_graph_s"] = round(time.perf_counter() - t, 1)
        r["after_large_graph_mb"] = rss_mb(pid)
        r["alive_after_large_graph"] = km.is_alive()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return r


def run_notebook(name, notebook):
    """The repository's notebook top to bottom (nbclient) under this kernelspec: whether it completes
    and the kernel's peak RSS, sampled every 0.2 s. The heap flags must leave room for these graphs."""
    import threading

    import nbclient
    import nbformat
    from jupyter_client.manager import KernelManager

    nb = nbformat.read(notebook, as_version=4)
    km = KernelManager(kernel_name=name)
    peak, done = [0.0], threading.Event()

    def sample():
        while not done.is_set():
            if km.has_kernel:
                try:
                    peak[0] = max(peak[0], rss_mb(km.provisioner.process.pid) or 0)
                except (OSError, AttributeError):
                    pass
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t = time.perf_counter()
    error = None
    try:
        nbclient.NotebookClient(nb, km=km, timeout=900, startup_timeout=300,
                                resources={"metadata": {"path": str(notebook.parent)}}).execute()
    except Exception as e:  # a cell error or a dead kernel: reported, not raised (the table shows it)
        error = f"{type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else ''}"
    finally:
        done.set()
        sampler.join()
    return {"peak_mb": peak[0], "s": round(time.perf_counter() - t, 1), "completed": error is None,
            **({"error": error} if error else {})}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=300)
    ap.add_argument("--only", default="plain,shipped,preload")
    ap.add_argument("--notebooks", default="06,08,10",
                    help="numbers of notebooks/NN-*.ipynb run under plain and shipped (large graphs); '' for none")
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        flags = write_variants(pathlib.Path(tmp))
        for name in args.only.split(","):
            print(f"== {name}: node flags {' '.join(flags[name]) or '(none)'}", flush=True)
            results[name] = {"node_flags": flags[name], **measure(name, args.cells)}
            for k, v in results[name].items():
                print(f"  {k:32} {v}", flush=True)
        # Heap flags against the notebooks with the largest graphs, plain and shipped interleaved.
        for number in [n for n in args.notebooks.split(",") if n]:
            notebook = next((ROOT / "notebooks").glob(f"{number}-*.ipynb"))
            for name in ("plain", "shipped"):
                r = run_notebook(name, notebook)
                results.setdefault("notebooks", {}).setdefault(notebook.name, {})[name] = r
                print(f"== notebook {notebook.name} under {name}: {r}  ({os.getloadavg()[0]:.1f} load)", flush=True)
    out = ROOT / ".bench" / "kernel-memory.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"written {out.relative_to(ROOT)}")
    if "shipped" in results:
        s = results["shipped"]
        print(f"shipped: idle {s['idle_mb']} MB (target <= 120), after {args.cells} cells {s[f'after_{args.cells}_cells_mb']} MB (target <= 250)")


if __name__ == "__main__":
    sys.exit(main())
