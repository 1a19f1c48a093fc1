#!/usr/bin/env bash
# The studio's GPU paths measured in one run on a machine with an NVIDIA GPU, printed as one table
# (scripts/device_check.py says what is measured). Runs on the device machine as it comes: its
# python3 with a CUDA torch, no ffmpeg, no network; what it lacks travels in .device-wheels/
# (made here by scripts/device_wheels.sh) and is installed from there, nothing fetched.
#   bash scripts/device_check.sh             # on the GPU machine (writes the table to $OUT too, if set)
#   bash scripts/device_check.sh --dry-run   # the same steps on this CPU at small sizes (also: DEVICE_CHECK_DRY_RUN=1)
set -uo pipefail
cd "$(dirname "$0")/.."
carried=.device-wheels
out_args=()
[ -n "${OUT:-}" ] && out_args=(--out-dir "$OUT")
if [ "${1:-}" = "--dry-run" ] || [ -n "${DEVICE_CHECK_DRY_RUN:-}" ]; then
  [ "${1:-}" = "--dry-run" ] && shift
  PY=${PYTHON:-.venv/bin/python}
  [ -x "$PY" ] || PY=python3
  exec "$PY" scripts/device_check.py --dry-run --carried "$carried" "${out_args[@]}" "$@"
fi
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
if ls "$carried"/wheels/*.whl >/dev/null 2>&1; then
  site=${DEVICE_CHECK_SITE:-/tmp/aigc-studio-site}
  t0=$(date +%s)
  # --no-deps: each wheel is named in device_wheels.sh; the rest is the machine's own (torch, numpy, ...)
  if "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" \
      "$carried"/wheels/*.whl; then
    echo "device_check: installed $(ls "$carried"/wheels/*.whl | wc -l) carried wheels in $(( $(date +%s) - t0 )) s"
  else
    echo "device_check: installing the carried wheels failed; measuring what runs without them" >&2
  fi
  export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
else
  echo "device_check: no wheels in $carried/wheels (run bash scripts/device_wheels.sh where pip works)" >&2
fi
# a subset of Noto Sans SC holding every character the reference video draws (the full font does not fit)
[ -f "$carried/font.otf" ] && export STUDIO_FONT="$PWD/$carried/font.otf"
exec "$PY" scripts/device_check.py --carried "$carried" "${out_args[@]}" "$@"
