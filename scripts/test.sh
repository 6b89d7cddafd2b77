#!/usr/bin/env bash
# The whole test suite, from a fresh clone: set-up, lint, library unit tests (vitest), kernel
# protocol tests and notebook runs (pytest through a real Jupyter client), browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== lint (layers, no import cycle)"
npm run lint --silent
echo "== vitest"
npx vitest run
for part in scripts/test.d/*.sh; do
  [ -e "$part" ] || continue
  echo "== $(basename "$part")"
  bash "$part"
done
