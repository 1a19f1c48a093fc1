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


def decode_audio(path: Path, rate: int = MIX_RATE, channels: int = 2, writable: bool = True) -> np.ndarray:
    """Any audio file ffmpeg reads -> float32 array (samples, channels), resampled by ffmpeg."""
    cmd = [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "f32le", "-acodec", "pcm_f32le",
           "-ac", str(channels), "-ar", str(rate), "-"]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        raise StudioError(f"{path}: could not decode audio ({proc.stderr.decode(errors='replace').strip()[-300:]})")
    data = np.frombuffer(proc.stdout, dtype=np.float32).reshape(-1, channels)
    return data.copy() if writable else data


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


CHUNK = 4 * MIX_RATE  # samples per streaming step (a multiple of the 10 ms hop and the 100 ms block)
_LIMIT_CONTEXT = 8192  # samples either side a chunk needs for the limiter's look-ahead and release
_PEAK_CONTEXT = 64  # input samples either side for the 4x oversampling filter (its half length is 10)


def _decode_voice(path: Path, n: int) -> np.ndarray:
    """The first n samples of any audio file as 48 kHz mono int16, read straight into their array
    (no whole-file bytes object beside it); shorter files give fewer samples."""
    cmd = [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1",
           "-ar", str(MIX_RATE), "-"]
    out = np.zeros(n, np.int16)
    view, got = memoryview(out).cast("B"), 0
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        while got < len(view):
            k = proc.stdout.readinto(view[got:])
            if not k:
                break
            got += k
        if got < len(view):  # the whole file was read: did ffmpeg succeed?
            err = proc.stderr.read().decode(errors="replace").strip()
            if proc.wait() != 0:
                raise StudioError(f"{path}: could not decode audio ({err[-300:]})")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    return out[: got // 2]


class LoudnessMeter:
    """BS.1770-4 integrated loudness (pyloudnorm's algorithm and K-weighting filters), fed in
    chunks: memory is one number per 100 ms instead of copies of the whole signal."""

    def __init__(self, rate: int, channels: int) -> None:
        import pyloudnorm

        meter = pyloudnorm.Meter(rate)
        self.rate, self.channels = rate, channels
        self.stages = [(f.b, f.a, f.passband_gain) for f in meter._filters.values()]
        self.state = [[None] * len(self.stages) for _ in range(channels)]
        self.hop = int(round(0.1 * rate))
        self.sub: list[float] = []  # filtered energy per 100 ms sub-block, channels summed (gains all 1)
        self.pending = 0.0
        self.filled = 0
        self.samples = 0

    def add(self, x: np.ndarray) -> None:
        from scipy.signal import lfilter, lfilter_zi

        x = x.reshape(len(x), -1)
        energy = np.zeros(len(x), np.float64)
        for ch in range(self.channels):
            y = x[:, ch].astype(np.float64)
            for k, (b, a, g) in enumerate(self.stages):
                zi = self.state[ch][k]
                if zi is None:
                    zi = lfilter_zi(b, a) * 0.0
                y, self.state[ch][k] = lfilter(b, a, y, zi=zi)
                y = y * g if g != 1.0 else y
            energy += y * y
        self.samples += len(x)
        pos = 0
        while pos < len(energy):
            take = min(self.hop - self.filled, len(energy) - pos)
            self.pending += float(energy[pos : pos + take].sum())
            self.filled += take
            pos += take
            if self.filled == self.hop:
                self.sub.append(self.pending)
                self.pending, self.filled = 0.0, 0

    def integrated(self) -> float | None:
        if self.samples < int(0.5 * self.rate):
            return None
        sub = np.array(self.sub + ([self.pending] if self.filled else []) + [0.0] * 4)
        block = int(round(0.4 * self.rate))
        n_blocks = int(np.round((self.samples / self.rate - 0.4) / 0.1)) + 1
        z = np.array([sub[j : j + 4].sum() for j in range(n_blocks)]) / block
        with np.errstate(divide="ignore"):
            lj = -0.691 + 10 * np.log10(z)
        gated = z[lj >= -70.0]
        if gated.size == 0:
            return None
        rel = -0.691 + 10 * np.log10(gated.mean()) - 10.0
        gated = z[(lj > rel) & (lj > -70.0)]
        if gated.size == 0:
            return None
        value = -0.691 + 10 * np.log10(gated.mean())
        return float(value) if np.isfinite(value) else None


def _chunk_peak(x: np.ndarray, lo: int, hi: int) -> float:
    """True peak (linear) of x[lo:hi], oversampled 4x with enough context to match a whole-signal pass."""
    from scipy.signal import resample_poly

    a, b = max(0, lo - _PEAK_CONTEXT), min(len(x), hi + _PEAK_CONTEXT)
    over = resample_poly(x[a:b], 4, 1, axis=0)
    core = over[4 * (lo - a) : 4 * (hi - a)]
    return float(np.max(np.abs(core))) if core.size else 0.0


def _voice_envelope(voice: np.ndarray, gain: float, rate: int, attack_s: float = 0.05,
                    release_s: float = 0.35) -> np.ndarray:
    """0..1 speech activity per 10 ms hop (smooth attack and release), computed chunk by chunk."""
    hop = rate // 100
    n = len(voice) // hop + 1
    rms = np.empty(n, np.float32)
    for h0 in range(0, n, CHUNK // hop):
        h1 = min(n, h0 + CHUNK // hop)
        seg = voice[h0 * hop : h1 * hop].astype(np.float32) * gain
        seg = np.pad(seg, (0, (h1 - h0) * hop - len(seg)))
        rms[h0:h1] = np.sqrt(np.mean(seg.reshape(h1 - h0, hop) ** 2, axis=1))
    active = (rms > 10 ** (-45 / 20)).astype(np.float32)
    env = np.zeros(n, np.float32)
    a_up, a_down = 1 - np.exp(-1 / (attack_s * 100)), 1 - np.exp(-1 / (release_s * 100))
    level = 0.0
    for i, target in enumerate(active):
        level += (target - level) * (a_up if target > level else a_down)
        env[i] = level
    return env


def mix(voice_wav: Path, music: Path | None, music_gain_db: float, duration: float, out_wav: Path,
        target_lufs: float = TARGET_LUFS, chunk: int = CHUNK) -> MixReport:
    """Write the final 48 kHz stereo mix; returns the measured loudness.

    Streams in chunks of a few seconds: besides the 48 kHz mono voice (2 bytes a sample) and the
    music loop itself, memory does not grow with the video's length (the whole-array version held
    ~640 MB for a 120 s video, mostly 4x-oversampled float64 copies for the true-peak check)."""
    n = int(round(duration * MIX_RATE))
    voice = _decode_voice(voice_wav, n)  # int16: 2 bytes a sample is all that grows with the length
    # BS.1770 sums channel powers: measure the voice as it will play, on both channels
    meter = LoudnessMeter(MIX_RATE, 2)
    for i in range(0, len(voice), chunk):
        seg = voice[i : i + chunk].astype(np.float32) / 32768
        meter.add(np.repeat(seg[:, None], 2, axis=1))
    if n > len(voice):
        meter.add(np.zeros((n - len(voice), 2), np.float32))
    loud = meter.integrated()
    vgain = 10 ** ((target_lufs - loud) / 20) if loud is not None else 1.0

    track = env = None
    if music is not None and n > 0:
        track = decode_audio(music)
        if len(track) == 0:
            raise StudioError(f"{music}: the music file holds no audio")
        env = _voice_envelope(voice, vgain / 32768, MIX_RATE)
    hop = MIX_RATE // 100
    fade_in, fade_out = min(n, int(0.5 * MIX_RATE)), min(n, int(1.5 * MIX_RATE))
    mgain = 10 ** (music_gain_db / 20)

    def raw(lo: int, hi: int) -> np.ndarray:
        """The mix before the limiter, samples [lo, hi)."""
        out = np.zeros((hi - lo, 2), np.float32)
        v = voice[lo : min(hi, len(voice))]
        out[: len(v)] = (v.astype(np.float32) * np.float32(vgain / 32768))[:, None]
        if track is not None:
            idx = np.arange(lo, hi)
            e = env[np.minimum(idx // hop, len(env) - 1)]
            g = mgain * 10 ** (-DUCK_DB * e / 20)
            ramp = np.ones(hi - lo, np.float32)
            if lo < fade_in:
                k = idx[idx < fade_in]
                ramp[: len(k)] = np.linspace(0, 1, fade_in)[k]
            if hi > n - fade_out:
                m = idx >= n - fade_out
                ramp[m] = np.minimum(ramp[m], np.linspace(1, 0, fade_out)[idx[m] - (n - fade_out)])
            out += track[idx % len(track)] * (g * ramp)[:, None]
        return out

    def limited(lo: int, hi: int) -> np.ndarray:
        a, b = max(0, lo - _LIMIT_CONTEXT), min(n, hi + _LIMIT_CONTEXT)
        return limit_peaks(raw(a, b), MIX_RATE)[lo - a : hi - a]

    def write(scale: float) -> tuple[float, LoudnessMeter]:
        peak, meter = 0.0, LoudnessMeter(MIX_RATE, 2)
        tmp = out_wav.with_name(out_wav.name + ".part")
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(2)
            w.setsampwidth(2)
            w.setframerate(MIX_RATE)
            for lo in range(0, n, chunk):
                hi = min(n, lo + chunk)
                # the true-peak filter needs neighbours: compute a little either side, measure the middle
                a, b = max(0, lo - _PEAK_CONTEXT), min(n, hi + _PEAK_CONTEXT)
                ext = limited(a, b) * scale
                peak = max(peak, _chunk_peak(ext, lo - a, hi - a))
                out = ext[lo - a : hi - a]
                meter.add(out)
                w.writeframes((np.clip(out, -1, 1) * 32767).astype("<i2").tobytes())
        tmp.replace(out_wav)
        return peak, meter

    peak, meter = write(1.0)
    peak_db = float(20 * np.log10(max(peak, 1e-9)))
    if peak_db > TRUE_PEAK_DBTP:  # inter-sample peaks the limiter could not see: a second pass, lower
        scale = 10 ** ((TRUE_PEAK_DBTP - 0.1 - peak_db) / 20)
        peak, meter = write(scale)
        peak_db = float(20 * np.log10(max(peak, 1e-9)))
    return MixReport(meter.integrated(), peak_db, str(music) if music else None, DUCK_DB)
