#!/usr/bin/env bash
# `npm run bench`: chainlab vs TensorFlow.js (cpu and wasm backends, one thread each) and NumPy,
# in one Node process with interleaved runs; see bench/run.mjs. Not part of `npm test`.
# Options pass through: --quick (fewer rounds), --only=w1,w2,w3,w4,pt,mem,conv (plus w5, lite for
# the parts below), --pt=mlp,matmul,tanh,chain,threads (groups of the PyTorch section).
set -euo pipefail
# With --only, the W5 and lite parts run only when named in it (they start kernels / Chromium).
only=""
for a in "$@"; do case "$a" in --only=*) only=",${a#--only=},";; esac; done
part() { [ -z "$only" ] || [[ "$only" == *",$1,"* ]]; }
cd "$(dirname "$0")/.."
for dep in @tensorflow/tfjs @tensorflow/tfjs-backend-wasm typescript; do
  [ -d "node_modules/$dep" ] || { echo "bench: node_modules/$dep is missing; run npm ci first" >&2; exit 1; }
done
echo "== build kernel library"
npm run build --workspace kernel --silent

# NumPy reference for W1 (one BLAS thread): the project .venv if it has numpy, else python3,
# else a small bench-only venv under .bench/ (gitignored; one wheel, a few seconds).
py=""
for cand in .venv/bin/python python3 .bench/venv/bin/python; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import numpy' >/dev/null 2>&1; then py=$cand; break; fi
done
if [ -z "$py" ] && command -v python3 >/dev/null 2>&1 && [ "${CHAINLAB_BENCH_NO_NUMPY:-}" != 1 ]; then
  echo "== bench venv with numpy (.bench/venv)"
  if python3 -m venv .bench/venv && .bench/venv/bin/pip install --quiet --disable-pip-version-check numpy; then py=.bench/venv/bin/python; fi
fi
export CHAINLAB_BENCH_PYTHON="$py"

# PyTorch reference for the issue-15 workloads (CPU, one thread): a bench-only venv under .bench/
# with torch 2.13.0 (the CPU wheel; on this machine kind pip takes it from a local file). If it
# cannot be installed the PyTorch columns are skipped with a message, the rest still runs.
tpy=""
mkdir -p .bench
if [ "${CHAINLAB_BENCH_NO_TORCH:-}" != 1 ]; then
  if ! { [ -x .bench/venv/bin/python ] && .bench/venv/bin/python -c 'import torch' >/dev/null 2>&1; }; then
    echo "== bench venv with PyTorch (.bench/venv; torch==2.13.0, CPU build)"
    { [ -x .bench/venv/bin/python ] || python3 -m venv .bench/venv; } &&
      .bench/venv/bin/pip install --quiet --disable-pip-version-check numpy 'torch==2.13.0' >.bench/pip-torch.log 2>&1 ||
      echo "bench: PyTorch could not be installed (see .bench/pip-torch.log); its columns are skipped"
  fi
  if .bench/venv/bin/python -c 'import torch' >/dev/null 2>&1; then tpy=.bench/venv/bin/python; fi
fi
export CHAINLAB_BENCH_TORCH_PYTHON="$tpy"

echo "== bench"
# Relaxed SIMD (fused multiply-add in the matmul kernels) is behind a flag in Node 20's V8; the
# kernel's launcher passes the same flag, and the library falls back to plain SIMD without it.
relaxed=""
if node --experimental-wasm-relaxed-simd -e 0 >/dev/null 2>&1; then relaxed=--experimental-wasm-relaxed-simd; fi
node --expose-gc $relaxed bench/run.mjs "$@"

# W5: kernel cell round trip vs plain tslab, and kernel memory/start-up for a classroom
# (bench/kernel-memory.py), written by the kernel part when present. They drive
# real kernels through jupyter_client, so it needs the project .venv (made by scripts/setup.sh,
# i.e. by `npm start` or `npm test`). Its failure does not fail the bench.
part w5 && for f in bench/kernel-latency.* bench/kernel-memory.*; do
  [ -e "$f" ] || { echo; echo "W5: bench/kernel-latency.* not available"; break; }
  echo; echo "== W5 $(basename "$f")"
  rc=0
  case "$f" in
    *.py)
      if [ -x .venv/bin/python ] && .venv/bin/python -c 'import jupyter_client' >/dev/null 2>&1; then
        .venv/bin/python "$f" || rc=$?
      else
        echo "W5: skipped, needs the project .venv with jupyter_client (run scripts/setup.sh once)"
      fi ;;
    *.sh) bash "$f" || rc=$? ;;
    *.mjs|*.js|*.cjs) node "$f" || rc=$? ;;
  esac
  [ "$rc" = 0 ] || echo "W5: $(basename "$f") failed (exit $rc)"
done

# lite: the JupyterLite site and browser kernel vs the tslab kernel (bench/lite.mjs): site size,
# time to the first executed cell, cell round trip, training step; and (bench/lite-transpile.mjs)
# stripping types with sucrase against ts.transpileModule. Needs .venv and Chromium.
part lite || exit 0
echo; echo "== lite (bench/lite.mjs)"
if [ -x .venv/bin/python ] && [ -x "${CHAINLAB_CHROMIUM:-/usr/bin/chromium}" ]; then
  node bench/lite.mjs || echo "lite: bench/lite.mjs failed (exit $?)"
  node bench/lite-transpile.mjs || echo "lite: bench/lite-transpile.mjs failed (exit $?)"
else
  echo "lite: skipped, needs the project .venv (scripts/setup.sh) and Chromium"
fi
