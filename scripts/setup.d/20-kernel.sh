#!/usr/bin/env bash
# Registers the chainlab kernel ("TypeScript (chainlab)") in the project's virtual environment,
# i.e. .venv/share/jupyter/kernels/chainlab/kernel.json, as `--sys-prefix` would for that venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
node kernel/bin/chainlab.js kernel install --prefix "$PWD/.venv"
