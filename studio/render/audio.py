"""Audio mix: voice normalised to a target loudness, music looped, ducked under speech and faded."""
from __future__ import annotations

import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..util import StudioError, ffmpeg_exe

MIX_RATE = 48000
TARGET_LUFS = -15.0
TRUE_PEAK_DBTP = -1.0
DUCK_DB = 10.0  # extra music reduction while the voice speaks


@dataclass
class MixReport:
    integrated_lufs: float | None
    true_peak_dbtp: float
    music: str | None
    duck_db: float

    def to_dict(self) -> dict:
        return {
            "integrated_lufs": None if self.integrated_lufs is None else round(self.integrated_lufs, 2),
            "true_peak_dbtp": round(self.true_peak_dbtp, 2),
            "music": self.music,
            "music_duck_db": self.duck_db,
        }


def read_wav_mono(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        sr, ch, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width != 2:
        raise StudioError(f"{path}: expected 16-bit PCM WAV")
    data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if ch > 1:
        data = data.reshape(-1, ch).mean(axis=1)
    return data, sr


def decode_audio(path: Path, rate: int = MIX_RATE, channels: int = 2) -> np.ndarray:
    """Any audio file ffmpeg reads -> float32 array (samples, channels)."""
    cmd = [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "f32le", "-acodec", "pcm_f32le",
           "-ac", str(channels), "-ar", str(rate), "-"]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        raise StudioError(f"{path}: could not decode audio ({proc.stderr.decode(errors='replace').strip()[-300:]})")
    return np.frombuffer(proc.stdout, dtype=np.float32).reshape(-1, channels).copy()


def _resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    if src == dst:
        return x
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(src, dst)
    return resample_poly(x, dst // g, src // g, axis=0).astype(np.float32)


def _loudness(x: np.ndarray, rate: int) -> float | None:
    import pyloudnorm

    if len(x) < int(0.5 * rate):
        return None
    value = pyloudnorm.Meter(rate).integrated_loudness(x)
    return None if not np.isfinite(value) else float(value)


def true_peak_dbtp(x: np.ndarray, rate: int) -> float:
    """True peak by 4x oversampling (ITU-R BS.1770 method)."""
    from scipy.signal import resample_poly

    over = resample_poly(x, 4, 1, axis=0)
    peak = float(np.max(np.abs(over))) if over.size else 0.0
    return float(20 * np.log10(max(peak, 1e-9)))


def limit_peaks(x: np.ndarray, rate: int, ceiling_db: float = TRUE_PEAK_DBTP - 0.5,
                lookahead_s: float = 0.005, release_s: float = 0.08) -> np.ndarray:
    """Look-ahead peak limiter: lowers only the few milliseconds around peaks above the ceiling,
    so the loudness target survives (a global gain would pull the whole mix down)."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = 10 ** (ceiling_db / 20)
    level = np.max(np.abs(x), axis=1) if x.ndim == 2 else np.abs(x)
    gain = np.minimum(1.0, ceiling / np.maximum(level, 1e-9))
    if gain.min() >= 1.0:
        return x
    look = max(1, int(lookahead_s * rate))
    gain = minimum_filter1d(gain, size=2 * look + 1)  # start reducing before the peak arrives
    gain = minimum_filter1d(gain, size=int(release_s * rate) + 1, origin=-(int(release_s * rate) // 2))
    gain = np.minimum(uniform_filter1d(gain, size=look), gain)  # smooth the edges, never above the need
    return x * (gain[:, None] if x.ndim == 2 else gain)


def _envelope(voice: np.ndarray, rate: int, attack_s: float = 0.05, release_s: float = 0.35) -> np.ndarray:
    """0..1 speech activity with smooth attack and release, per sample."""
    hop = rate // 100
    n = len(voice) // hop + 1
    padded = np.pad(voice, (0, n * hop - len(voice)))
    rms = np.sqrt(np.mean(padded.reshape(n, hop) ** 2, axis=1))
    active = (rms > 10 ** (-45 / 20)).astype(np.float32)
    env = np.zeros(n, np.float32)
    a_up, a_down = 1 - np.exp(-1 / (attack_s * 100)), 1 - np.exp(-1 / (release_s * 100))
    level = 0.0
    for i, target in enumerate(active):
        level += (target - level) * (a_up if target > level else a_down)
        env[i] = level
    return np.repeat(env, hop)[: len(voice)]


def mix(voice_wav: Path, music: Path | None, music_gain_db: float, duration: float, out_wav: Path,
        target_lufs: float = TARGET_LUFS) -> MixReport:
    """Write the final 48 kHz stereo mix; returns the measured loudness."""
    voice, sr = read_wav_mono(voice_wav)
    voice = _resample(voice, sr, MIX_RATE)
    n = int(round(duration * MIX_RATE))
    voice = np.pad(voice, (0, max(0, n - len(voice))))[:n]
    # BS.1770 sums channel powers: measure the voice as it will play, on both channels
    out = np.repeat(voice[:, None], 2, axis=1)
    loud = _loudness(out, MIX_RATE)
    if loud is not None:
        gain = 10 ** ((target_lufs - loud) / 20)
        voice, out = voice * gain, out * gain
    if music is not None and n > 0:
        track = decode_audio(music)
        if len(track) == 0:
            raise StudioError(f"{music}: the music file holds no audio")
        reps = int(np.ceil(n / len(track)))
        track = np.tile(track, (reps, 1))[:n]
        gain = 10 ** (music_gain_db / 20) * 10 ** (-DUCK_DB * _envelope(voice, MIX_RATE) / 20)
        fade_in, fade_out = min(n, int(0.5 * MIX_RATE)), min(n, int(1.5 * MIX_RATE))
        ramp = np.ones(n, np.float32)
        ramp[:fade_in] = np.linspace(0, 1, fade_in)
        ramp[n - fade_out :] = np.minimum(ramp[n - fade_out :], np.linspace(1, 0, fade_out))
        out = out + track * (gain * ramp)[:, None]
    out = limit_peaks(out, MIX_RATE)
    peak = true_peak_dbtp(out, MIX_RATE)
    if peak > TRUE_PEAK_DBTP:  # inter-sample peaks the limiter could not see
        out = out * 10 ** ((TRUE_PEAK_DBTP - 0.1 - peak) / 20)
        peak = true_peak_dbtp(out, MIX_RATE)
    pcm = (np.clip(out, -1, 1) * 32767).astype("<i2")
    tmp = out_wav.with_name(out_wav.name + ".part")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(MIX_RATE)
        w.writeframes(pcm.tobytes())
    tmp.replace(out_wav)
    return MixReport(_loudness(out, MIX_RATE), peak, str(music) if music else None, DUCK_DB)
