#!/usr/bin/env bash
# Installs everything plus the test tools, then runs the whole test suite (end-to-end renders included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --dev
exec .venv/bin/python -m pytest "$@"
