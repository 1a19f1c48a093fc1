"""Voice stage with the real offline voices."""
from pathlib import Path

import numpy as np
import pytest

from studio.render.audio import read_wav_mono
from studio.voice import available_voices, normalize_en, synthesize
from studio.voice.zh_normalize import normalize_zh
from studio.util import StudioError


def _check(v, lines):
    data, sr = read_wav_mono(v.audio_path)
    assert sr == v.sample_rate and abs(len(data) / sr - v.duration) < 0.01
    assert [s.text for s in v.lines] == lines
    previous_end = 0.0
    for span in v.lines:
        assert previous_end <= span.start < span.end <= v.duration
        previous_end = span.end
        chunk = data[int(span.start * sr): int(span.end * sr)]
        assert np.sqrt(np.mean(chunk ** 2)) > 0.02, span  # speech, not silence


@pytest.mark.parametrize("language,lines", [
    ("zh", ["还在找好用的保温杯吗？", "现在只要59.9元。"]),
    ("en", ["Looking for a bag that lasts?", "It is only $24.99."]),
])
def test_synthesis_spans_match_audio(tmp_path: Path, language, lines):
    v = synthesize(lines, language, tmp_path / "v.wav", scenes=[0, 1])
    _check(v, lines)
    assert [s.scene for s in v.lines] == [0, 1]
    assert v.synthetic and v.voice in available_voices(language)


def test_speed_changes_length(tmp_path: Path):
    slow = synthesize(["这款保温杯保温十二小时。"], "zh", tmp_path / "a.wav", speed=0.8)
    fast = synthesize(["这款保温杯保温十二小时。"], "zh", tmp_path / "b.wav", speed=1.3)
    assert fast.duration < slow.duration * 0.8


def test_same_text_same_audio(tmp_path: Path):
    a = synthesize(["今天推荐一款好物。"], "zh", tmp_path / "a.wav")
    b = synthesize(["今天推荐一款好物。"], "zh", tmp_path / "b.wav")
    assert a.audio_path.read_bytes() == b.audio_path.read_bytes()


def test_bad_input_is_explained(tmp_path: Path):
    with pytest.raises(StudioError, match="no text"):
        synthesize(["", "  "], "zh", tmp_path / "v.wav")
    with pytest.raises(StudioError, match="unknown voice"):
        synthesize(["hi"], "en", tmp_path / "v.wav", voice="nobody")
    with pytest.raises(StudioError, match="speaks en"):
        synthesize(["你好"], "zh", tmp_path / "v.wav", voice="en-joe")
    with pytest.raises(StudioError, match="Chinese characters"):
        synthesize(["!!!"], "zh", tmp_path / "v.wav")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("text,expected", [
    ("¥59.9到手", "59.9元到手"),
    ("500ml大容量", "500毫升大容量"),
    ("5kg装", "5千克装"),
    ("ABC品牌", "诶必西品牌"),
    ("客服电话13800138000", "客服电话一三八零零一三八零零零"),
    ("Acana狗粮", "狗粮"),
])
def test_normalize_zh(text, expected):
    assert normalize_zh(text) == expected


def test_normalize_en_prices():
    assert normalize_en("only $24.99 today") == "only 24 dollars 99 today"
    assert normalize_en("just $5!") == "just 5 dollars!"
