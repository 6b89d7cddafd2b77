#!/usr/bin/env bash
# `npm run test:deploy`: a classroom on this machine (several minutes, so not part of `npm test`):
# deploy/install.sh into a clean prefix, a real JupyterHub with 5 users and a chainlab kernel
# each, isolation checks, nbgrader autograding three submissions. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p test-results
exec .venv/bin/python -m pytest test/deploy/test_hub.py -q -s -p no:cacheprovider "$@"
