#!/usr/bin/env bash
# Installs everything, then renders the bundled example sheet into out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python main.py render examples/products.csv --out out "$@"
