"""PyTorch (CPU, eager) side of the issue-15 workloads, driven by bench/pytorch.mjs.

Reads one JSON request per line on stdin, {"w": workload, "dtype": ..., "n": ..., "reps": ...,
"warm": ..., "threads": ...}, runs `warm` untimed and `reps` timed calls and answers one JSON
line with wall-clock and CPU-time samples in ms. Node calls it between its own rounds, so both
sides are measured at the same moments of a shared machine. Workloads match bench/chainlab.mjs:
mlp (784-256-10, batch 64, forward + backward + SGD step), matmul (C = A B, backward with a given
dY), tanh (tanh(x*y).sum(), forward + backward), chain (2,000 elementwise ops on [4]).
"""
import json
import sys
import time

import torch

torch.set_num_threads(1)
made = {}


def build(w, dtype, n):
    dt = torch.float64 if dtype == "float64" else torch.float32
    g = torch.Generator().manual_seed(0)

    def u(*shape, lo=-1.0, hi=1.0, grad=False):
        t = (torch.rand(*shape, generator=g, dtype=dt) * (hi - lo) + lo)
        return t.requires_grad_(grad)

    if w == "mlp":
        X = u(64, 784, lo=0.0, hi=1.0)
        y = torch.randint(0, 10, (64,), generator=g)
        W1, b1 = u(784, 256, lo=-0.05, hi=0.05, grad=True), u(256, lo=-0.1, hi=0.1, grad=True)
        W2, b2 = u(256, 10, lo=-0.1, hi=0.1, grad=True), u(10, lo=-0.1, hi=0.1, grad=True)
        opt = torch.optim.SGD([W1, b1, W2, b2], lr=1e-3)

        def step():
            opt.zero_grad()
            h = torch.relu(X @ W1 + b1)
            z = h @ W2 + b2
            loss = torch.nn.functional.cross_entropy(z, y)
            loss.backward()
            opt.step()

        return step
    if w == "matmul":
        a, b, dy = u(n, n, grad=True), u(n, n, grad=True), u(n, n)

        def step():
            a.grad = None
            b.grad = None
            (a @ b).backward(dy)

        return step
    if w == "tanh":
        x, y = u(n, grad=True), u(n, grad=True)

        def step():
            x.grad = None
            y.grad = None
            torch.tanh(x * y).sum().backward()

        return step
    if w == "chain":
        x = torch.tensor([0.1, -0.2, 0.3, 0.4], dtype=dt, requires_grad=True)
        c1 = torch.tensor([0.999, 1.001, 0.998, 1.002], dtype=dt)
        c2 = torch.tensor([0.001, -0.001, 0.002, -0.002], dtype=dt)
        dy = torch.ones(4, dtype=dt)

        def step():
            x.grad = None
            t = x
            for i in range(n):
                k = i & 3
                if k == 0:
                    t = t * c1
                elif k == 1:
                    t = t + c2
                elif k == 2:
                    t = torch.tanh(t)
                else:
                    t = t - c2
            t.backward(dy)

        return step
    raise ValueError(f"unknown workload {w}")


def main():
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        torch.set_num_threads(int(req.get("threads", 1)))
        key = (req["w"], req.get("dtype", "float64"), req.get("n", 0))
        if key not in made:
            made[key] = build(*key)
        f = made[key]
        for _ in range(int(req.get("warm", 0))):
            f()
        wall, cpu = [], []
        for _ in range(int(req["reps"])):
            c0 = time.process_time()
            t0 = time.perf_counter()
            f()
            wall.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.process_time() - c0) * 1e3)
        print(json.dumps({"wall": wall, "cpu": cpu}), flush=True)


main()
