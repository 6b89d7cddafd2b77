#!/usr/bin/env bash
# Browser tests of the JupyterLab extension: a real JupyterLab from .venv with the chainlab
# kernel, driven through Debian's Chromium by playwright-core (never a browser download).
# Screenshots land in test-results/ (gitignored); look at them.
set -euo pipefail
cd "$(dirname "$0")/../.."
CHROMIUM=${CHAINLAB_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "e2e needs Chromium at $CHROMIUM (Debian: apt-get install chromium)" >&2; exit 1; }
mkdir -p test-results
exec npx vitest run --config test/e2e/vitest.config.mts
