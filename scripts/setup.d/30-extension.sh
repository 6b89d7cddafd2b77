#!/usr/bin/env bash
# Builds chainlab's JupyterLab extension (extension/ + style/ + kernel/src/protocol) into the
# prebuilt labextension chainlab_jupyterlab/labextension and links it into .venv, the way
# `jupyter labextension develop` does. Skips the ~1 min webpack build when inputs are unchanged.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=chainlab_jupyterlab/labextension
VENV_PY=.venv/bin/python

# The core manifest (shared singletons and their versions) of the JupyterLab we run against.
CORE_PATH=$("$VENV_PY" -c 'import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), "staging"))')
[ -f "$CORE_PATH/package.json" ] || { echo "no JupyterLab staging manifest at $CORE_PATH" >&2; exit 1; }

# Only the package.json fields the labextension build reads count (not scripts or devDependencies).
inputs_hash() {
  { find extension/src kernel/src/protocol style -type f | sort | xargs sha256sum
    node -e 'const p = require("./package.json"); console.log(JSON.stringify([p.name, p.version, p.main, p.style, p.styleModule, p.jupyterlab, p.dependencies]))'
    sha256sum extension/tsconfig.json "$CORE_PATH/package.json"; } | sha256sum | cut -d' ' -f1
}
stamp=$OUT/.chainlab-build-stamp
hash=$(inputs_hash)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ] && [ -f "$OUT/package.json" ]; then
  echo "extension up to date"
else
  npx tsc -b extension/tsconfig.json
  # Legacy builder driven directly (no `jupyter labextension build`, whose version check wants
  # a @jupyterlab/builder matching the server's minor); the core path supplies the singletons.
  log=$(mktemp)
  node node_modules/@jupyterlab/builder/lib/build-labextension.js --core-path "$CORE_PATH" . >"$log" 2>&1 \
    || { cat "$log" >&2; rm -f "$log"; exit 1; }
  rm -f "$log"
  cp install.json "$OUT/install.json"
  echo "$hash" > "$stamp"
  echo "built $OUT ($(du -sh "$OUT/static" | cut -f1) static)"
fi

# Install into the venv as a development link (what pip's shared-data would copy there).
DEST=$("$VENV_PY" -c 'import sys, os; print(os.path.join(sys.prefix, "share", "jupyter", "labextensions"))')/chainlab-jupyterlab
mkdir -p "$(dirname "$DEST")"
if [ "$(readlink -f "$DEST" 2>/dev/null)" != "$ROOT/$OUT" ]; then
  rm -rf "$DEST"
  ln -s "$ROOT/$OUT" "$DEST"
fi
.venv/bin/jupyter labextension list 2>&1 | grep -q "chainlab-jupyterlab.*enabled.*OK" \
  || { .venv/bin/jupyter labextension list >&2; echo "chainlab-jupyterlab is not enabled in .venv" >&2; exit 1; }
echo "chainlab-jupyterlab enabled in .venv"
