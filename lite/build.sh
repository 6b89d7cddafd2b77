#!/usr/bin/env bash
# Builds the browser kernel as a prebuilt JupyterLite (federated) extension in lite/labextension:
# the plugin (tsc + JupyterLab's extension builder; @jupyterlite/services comes from the host
# app) and, next to its remoteEntry, the cell worker (esbuild: chainlab + cell rewriter, one file).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd .. && pwd)
VENV_PY=${CHAINLAB_VENV_PY:-$ROOT/.venv/bin/python}
CORE_PATH=$("$VENV_PY" -c 'import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), "staging"))')

"$ROOT/node_modules/.bin/tsc" -p tsconfig.json
"$ROOT/node_modules/.bin/tsc" -p tsconfig.worker.json  # type-checks the worker (esbuild only strips types)
log=$(mktemp)
node "$ROOT/node_modules/@jupyterlab/builder/lib/build-labextension.js" --core-path "$CORE_PATH" . >"$log" 2>&1 \
  || { cat "$log" >&2; rm -f "$log"; exit 1; }
rm -f "$log"
node build-worker.mjs labextension/static
echo "built lite/labextension ($(du -sh labextension/static | cut -f1) static)"
