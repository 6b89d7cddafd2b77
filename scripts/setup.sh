#!/usr/bin/env bash
# One-shot, idempotent set-up used by `npm start` and `npm test` on a fresh clone:
# npm packages, the built kernel library, a project-local Python virtual environment with
# JupyterLab and the test clients, the chainlab kernelspec and the built JupyterLab extension.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
log() { printf '\n== setup: %s\n' "$*"; }

# 1. npm packages (npm ci on a fresh clone or when the lockfile changed).
stamp=node_modules/.chainlab-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  log "npm ci"
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi
# zeromq ships prebuilt binaries; npm 11 skips its install script, so check that it loads.
node -e "require('zeromq')" || { echo "zeromq does not load" >&2; exit 1; }

# 2. The chainlab library (kernel/lib), imported by notebooks through node_modules/chainlab.
log "build kernel library"
npm run build --workspace kernel --silent

# 3. Python virtual environment with JupyterLab and the test clients.
if [ ! -x .venv/bin/python ] || ! cmp -s requirements-dev.txt .venv/.chainlab-req-stamp; then
  log "python venv"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  cp requirements-dev.txt .venv/.chainlab-req-stamp
fi

# 4. Kernelspec and extension (scripts owned by the kernel and extension parts).
for part in scripts/setup.d/*.sh; do
  [ -e "$part" ] || continue
  log "$(basename "$part")"
  bash "$part"
done
log "done"
