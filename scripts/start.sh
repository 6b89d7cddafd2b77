#!/usr/bin/env bash
# The main job: JupyterLab with the chainlab kernel and extension, opened on notebooks/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/jupyter lab --notebook-dir="$PWD/notebooks" "$@"
