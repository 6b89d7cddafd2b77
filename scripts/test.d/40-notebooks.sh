#!/usr/bin/env bash
# Notebook runs: every notebook in notebooks/ executed top to bottom through the real chainlab
# kernel (nbclient), its show.* outputs checked for the chainlab MIME types and their static
# fallbacks, rendered to HTML with nbconvert; the assignment's student version must fail gradcheck.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python -m pytest test/notebooks -q "$@"
