"""Per-stage cache keyed by a hash of the stage's inputs, so a re-render after a small edit
redoes only what changed (a new price re-voices only if the spoken text changed, etc.).

Entries are written atomically; a corrupt or partial entry is treated as a miss.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import asdict
from pathlib import Path

from .types import LineSpan, Transcript, Voiceover, Word
from .util import data_home, sha1_of

log = logging.getLogger(__name__)

CACHE_VERSION = "2"  # 2: voice-overs carry their word times; pitch in the voice key


def cache_dir() -> Path | None:
    """The cache folder, or None when disabled (STUDIO_CACHE=off)."""
    if os.environ.get("STUDIO_CACHE", "").lower() in ("0", "off", "no", "false"):
        return None
    return data_home() / "cache"


def voice_key(lines: list[str], language: str, voice: str | None, speed: float, scenes: list[int],
              pitch: float = 0.0) -> str:
    return sha1_of(CACHE_VERSION, "voice", language, str(voice), f"{speed:.3f}", f"{pitch:.2f}",
                   json.dumps(lines, ensure_ascii=False), json.dumps(scenes))


def transcript_key(audio: Path, language: str, engine: str, model: str | None) -> str:
    return sha1_of(CACHE_VERSION, "asr", audio.read_bytes(), language, engine, str(model))


def load_voice(key: str, dest_wav: Path) -> Voiceover | None:
    root = cache_dir()
    if root is None:
        return None
    entry = root / "voice" / key
    try:
        meta = json.loads((entry / "voice.json").read_text(encoding="utf-8"))
        shutil.copyfile(entry / "voice.wav", dest_wav)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        log.warning("cached voice-over %s is damaged; making it again", entry, exc_info=True)
        return None
    return Voiceover(
        audio_path=dest_wav, sample_rate=meta["sample_rate"], duration=meta["duration"],
        lines=[LineSpan(**l) for l in meta["lines"]], voice=meta["voice"], synthetic=meta["synthetic"],
    )


def store_voice(key: str, voiceover: Voiceover) -> None:
    root = cache_dir()
    if root is None:
        return
    meta = asdict(voiceover)
    meta.pop("audio_path")

    def fill(tmp: Path) -> None:
        shutil.copyfile(voiceover.audio_path, tmp / "voice.wav")
        (tmp / "voice.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    _store(root / "voice" / key, fill)


def load_transcript(key: str) -> Transcript | None:
    root = cache_dir()
    if root is None:
        return None
    try:
        d = json.loads((root / "asr" / key / "transcript.json").read_text(encoding="utf-8"))
        d["words"] = [Word(**w) for w in d["words"]]
        return Transcript(**d)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError):
        log.warning("cached transcript %s is damaged; transcribing again", key, exc_info=True)
        return None


def store_transcript(key: str, transcript: Transcript) -> None:
    root = cache_dir()
    if root is None:
        return

    def fill(tmp: Path) -> None:
        (tmp / "transcript.json").write_text(json.dumps(asdict(transcript), ensure_ascii=False), encoding="utf-8")

    _store(root / "asr" / key, fill)


def image_key(*parts: str) -> str:
    return sha1_of(CACHE_VERSION, "image", *parts)


def cached_image(key: str) -> Path | None:
    """The cached picture under `key` (a painted AI background), or None."""
    root = cache_dir()
    path = root / "image" / key / "image.png" if root else None
    return path if path is not None and path.is_file() else None


def store_image(key: str, png: Path) -> None:
    root = cache_dir()
    if root is None:
        return

    def fill(tmp: Path) -> None:
        shutil.copyfile(png, tmp / "image.png")

    _store(root / "image" / key, fill)


def _store(entry: Path, fill) -> None:
    if entry.exists():
        return
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        fill(tmp)
        os.replace(tmp, entry)
    except OSError:  # a full disk or a race with another process: the cache is only an optimisation
        log.warning("could not store %s in the cache", entry, exc_info=True)
        shutil.rmtree(tmp, ignore_errors=True)
