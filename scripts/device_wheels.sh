#!/usr/bin/env bash
# Fills .device-wheels/ (git-ignored) with what scripts/device_check.sh needs on the GPU machine:
# the exact cp312 manylinux wheels it lacks there (ffmpeg, diffusers, ...), LZMA-recompressed to fit
# the 64 MiB a device call carries, the reference narration and a subset of the CJK font.
# Run here, where pip reaches PyPI:   bash scripts/device_wheels.sh
# then carry ".device-wheels" in the device call and run:   bash scripts/device_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --dev >/dev/null   # the studio's own voice and fontTools make the narration and the font
exec .venv/bin/python scripts/device_wheels.py "$@"
