#!/usr/bin/env bash
# The main job: JupyterLab with the chainlab kernel and extension, opened on notebooks/.
# Arguments go to `jupyter lab` (`npm start -- --no-browser --port 8890`). As root (containers,
# Codespaces) JupyterLab refuses to start without --allow-root, so it is added, with a notice.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
args=("$@")
if [ "$(id -u)" = 0 ] && [[ " ${args[*]-} " != *" --allow-root "* ]]; then
  echo "chainlab: running as root, so JupyterLab gets --allow-root (run as a normal user where you can)" >&2
  args+=(--allow-root)
fi
exec .venv/bin/jupyter lab --notebook-dir="$PWD/notebooks" "${args[@]}"
