#!/usr/bin/env bash
# Kernel protocol tests: the chainlab kernel through real Jupyter clients (jupyter_kernel_test
# conformance, our jupyter_client protocol tests, nbclient/nbconvert notebook runs).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python -m pytest test/kernel -q -p no:cacheprovider "$@"
