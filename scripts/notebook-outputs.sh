#!/usr/bin/env bash
# `npm run notebooks:outputs [-- --check] [names]`: re-execute the worked notebooks and save their
# outputs normalized (see scripts/notebook_outputs.py); also what resets notebooks after local runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
exec .venv/bin/python scripts/notebook_outputs.py "$@"
