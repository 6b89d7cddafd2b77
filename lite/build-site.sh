#!/usr/bin/env bash
# `npm run build:lite`: the static JupyterLite site in lite/_output, with chainlab's renderers
# (the JupyterLab extension), the browser kernel (lite/labextension) and notebooks/ as content.
# Needs the project .venv (scripts/setup.sh); adds jupyterlite-core from lite/requirements.txt.
# Publish by copying lite/_output to any static web host (see lite/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=.venv/bin/python
[ -x "$PY" ] || { echo "build:lite needs the project .venv: run bash scripts/setup.sh first" >&2; exit 1; }
if ! cmp -s lite/requirements.txt .venv/.chainlab-lite-req-stamp; then
  echo "== build:lite: pip install -r lite/requirements.txt"
  "$PY" -m pip install --quiet --disable-pip-version-check -r lite/requirements.txt
  cp lite/requirements.txt .venv/.chainlab-lite-req-stamp
fi
echo "== build:lite: chainlab JupyterLab extension"
bash scripts/setup.d/30-extension.sh
echo "== build:lite: browser kernel"
bash lite/build.sh
echo "== build:lite: jupyter lite build"
rm -rf lite/_output
log=$(mktemp)
# Contents and extensions are listed in lite/site/jupyter_lite_config.json (paths relative to it).
(cd lite/site && "$ROOT/.venv/bin/jupyter" lite build --output-dir ../_output) >"$log" 2>&1 \
  || { cat "$log" >&2; rm -f "$log"; exit 1; }
rm -f "$log"
for ext in chainlab-jupyterlab chainlab-jupyterlite; do
  [ -f "lite/_output/extensions/$ext/package.json" ] || { echo "build:lite: $ext missing from the site" >&2; exit 1; }
done
echo "built lite/_output ($(du -sh lite/_output | cut -f1)); serve it with any static web server, e.g."
echo "  python3 -m http.server --directory lite/_output 8000   # then open http://127.0.0.1:8000/lab/"
