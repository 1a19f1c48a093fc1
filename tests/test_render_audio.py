"""The streaming audio mix: same loudness as pyloudnorm, chunk size does not change the result."""
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest

from studio.render.audio import LoudnessMeter, mix, read_wav_mono
from studio.script import load_template

from .test_render import _tone_wav


@pytest.mark.unit
def test_streaming_meter_matches_pyloudnorm():
    rng = np.random.default_rng(1)
    rate = 48000
    t = np.arange(int(3.37 * rate)) / rate
    x = np.stack([0.3 * np.sin(2 * np.pi * 440 * t) * (t > 1), 0.05 * rng.standard_normal(len(t))], axis=1)
    expected = pyloudnorm.Meter(rate).integrated_loudness(x)
    meter = LoudnessMeter(rate, 2)
    for i in range(0, len(x), 7777):  # odd chunks: the filter state and 100 ms blocks carry over
        meter.add(x[i : i + 7777].astype(np.float32))
    assert abs(meter.integrated() - expected) < 0.01


@pytest.mark.ffmpeg
def test_mix_is_the_same_in_small_chunks(tmp_path: Path):
    voice = _tone_wav(tmp_path / "v.wav", 3.0)
    music = load_template("zh_promo").resolve_asset("assets/music/upbeat_loop.m4a")
    big = mix(voice, music, -20, 3.5, tmp_path / "big.wav")
    small = mix(voice, music, -20, 3.5, tmp_path / "small.wav", chunk=4800)
    a, _ = read_wav_mono(tmp_path / "big.wav")
    b, _ = read_wav_mono(tmp_path / "small.wav")
    assert len(a) == len(b) == int(3.5 * 48000)
    assert np.abs(a - b).max() < 2e-4
    assert abs(big.integrated_lufs - small.integrated_lufs) < 0.01
    assert abs(big.true_peak_dbtp - small.true_peak_dbtp) < 0.01
