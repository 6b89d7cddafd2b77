#!/usr/bin/env bash
# The packages as a user installs them, from clean folders outside the repository: npm pack +
# npm install of the tarball + a notebook run by nbclient there, npm publish --dry-run, the
# kernel's install hint run literally, the Python wheel built and checked by twine.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python -m pytest test/deploy/test_packages.py -q -p no:cacheprovider "$@"
