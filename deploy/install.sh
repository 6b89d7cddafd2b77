#!/usr/bin/env bash
# THE install steps of a chainlab classroom (the Kubernetes image runs this, a one-host hub runs it,
# test/deploy runs it in a clean prefix): Python side into one environment, chainlab into a shared
# node_modules that every home folder below NODE_ROOT resolves, kernelspec, then `chainlab doctor`.
#
#   deploy/install.sh --python /opt/conda/bin/python --node-root /home \
#       [--npm-package chainlab@0.1.0 | ./chainlab-0.1.0.tgz] [--wheel chainlab-jupyterlab | ./x.whl] [--hub]
#
# --hub also installs JupyterHub and configurable-http-proxy (one-host hubs; the Kubernetes image
# needs only the single-user side). Versions are pinned here and nowhere else.
set -euo pipefail

PYTHON=python3
NODE_ROOT=/home
NPM_PACKAGE=chainlab@0.1.0
WHEEL=chainlab-jupyterlab==0.1.0
HUB=0
while [ $# -gt 0 ]; do
  case "$1" in
    --python) PYTHON=$2; shift 2 ;;
    --node-root) NODE_ROOT=$2; shift 2 ;;
    --npm-package) NPM_PACKAGE=$2; shift 2 ;;
    --wheel) WHEEL=$2; shift 2 ;;
    --hub) HUB=1; shift ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

JUPYTERLAB=jupyterlab==4.6.6
NBGRADER=nbgrader==0.9.6
JUPYTERHUB=jupyterhub==6.1.1
IDLE_CULLER=jupyterhub-idle-culler==2.0.0
CHP=configurable-http-proxy@5.3.0

log() { printf '== install: %s\n' "$*"; }
command -v node >/dev/null || { echo "install.sh: Node.js 20+ is needed (node not on PATH)" >&2; exit 1; }
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' \
  || { echo "install.sh: Node.js 20+ is needed (found $(node --version))" >&2; exit 1; }

PREFIX=$("$PYTHON" -c 'import sys; print(sys.prefix)')
BIN=$(dirname "$("$PYTHON" -c 'import sys; print(sys.executable)')")

log "Python packages into $PREFIX"
pkgs=("$JUPYTERLAB" "$NBGRADER" "$WHEEL")
[ "$HUB" = 1 ] && pkgs+=("$JUPYTERHUB" "$IDLE_CULLER")
"$PYTHON" -m pip install --quiet --disable-pip-version-check --no-warn-script-location "${pkgs[@]}"

log "chainlab ($NPM_PACKAGE) into $NODE_ROOT/node_modules"
mkdir -p "$NODE_ROOT"
[ -f "$NODE_ROOT/package.json" ] || echo '{ "private": true }' > "$NODE_ROOT/package.json"
# A relative tarball path is taken from the caller's folder, not NODE_ROOT.
case "$NPM_PACKAGE" in ./*|../*) NPM_PACKAGE=$(cd "$(dirname "$NPM_PACKAGE")" && pwd)/$(basename "$NPM_PACKAGE") ;; esac
npm install --prefix "$NODE_ROOT" --no-audit --no-fund --omit=dev --loglevel=error "$NPM_PACKAGE"

if [ "$HUB" = 1 ]; then
  log "$CHP into $PREFIX/bin"
  npm install --global --prefix "$PREFIX" --no-audit --no-fund --loglevel=error "$CHP"
fi

log "kernelspec into $PREFIX/share/jupyter/kernels"
node "$NODE_ROOT/node_modules/chainlab/bin/chainlab.js" kernel install --prefix "$PREFIX"

log "chainlab doctor (module resolution, kernelspec, extension, a notebook run)"
node "$NODE_ROOT/node_modules/chainlab/bin/chainlab.js" doctor --folder "$NODE_ROOT" --jupyter "$BIN/jupyter"
