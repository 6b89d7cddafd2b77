"""W1 in NumPy float64 on one thread (OPENBLAS_NUM_THREADS=1 is set by the caller):
C = A B, dA = dY B^T, dB = A^T dY. Prints JSON with the per-call wall and CPU-time samples in ms."""
import json, sys, time
import numpy as np

n = 256
rng = np.random.default_rng(0)
a, b, dy = (rng.uniform(-1, 1, (n, n)) for _ in range(3))
samples, cpu = [], []
for i in range(int(sys.argv[1]) if len(sys.argv) > 1 else 200):
    c0 = time.process_time()
    t0 = time.perf_counter()
    c = a @ b
    da = dy @ b.T
    db = a.T @ dy
    samples.append((time.perf_counter() - t0) * 1e3)
    cpu.append((time.process_time() - c0) * 1e3)
print(json.dumps({"numpy": np.__version__, "samples": samples[20:], "cpu": cpu[20:]}))
