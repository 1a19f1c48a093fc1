"""Core API pieces: settings, the stage cache, options."""
from pathlib import Path

from studio import cache
from studio.pipeline import RenderOptions, output_stem
from studio.settings import Settings
from studio.types import LineSpan, Product, Transcript, Voiceover, Word


def test_settings_round_trip_and_seed_options(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("STUDIO_HOME", str(tmp_path))
    st = Settings(producer_name="小熊杯具店", producer_id="91330100MA", gpu="off", output_dir=str(tmp_path / "videos"))
    st.save()
    assert Settings.load() == st
    opts = RenderOptions.from_settings(quality="draft")
    assert opts.aigc_producer == "小熊杯具店 (91330100MA)"
    assert opts.encoder == "libx264" and opts.out_dir == tmp_path / "videos" and opts.quality == "draft"


def test_stage_cache_round_trip(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("STUDIO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STUDIO_CACHE", "on")
    wav = tmp_path / "v.wav"
    wav.write_bytes(b"RIFF-not-really")
    vo = Voiceover(wav, 24000, 1.5, [LineSpan("你好", 0.1, 1.0, 0)], "zh-baker")
    key = cache.voice_key(["你好"], "zh", None, 1.0, [0])
    assert cache.load_voice(key, tmp_path / "x.wav") is None
    cache.store_voice(key, vo)
    again = cache.load_voice(key, tmp_path / "x.wav")
    assert again.lines == vo.lines and (tmp_path / "x.wav").read_bytes() == wav.read_bytes()
    assert cache.voice_key(["你好!"], "zh", None, 1.0, [0]) != key  # a text edit re-voices
    tr = Transcript([Word("你", 0.1, 0.3)], "你好", "zh", "faster-whisper", "base")
    tkey = cache.transcript_key(wav, "zh", "faster-whisper", None)
    cache.store_transcript(tkey, tr)
    assert cache.load_transcript(tkey) == tr


def test_cache_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("STUDIO_CACHE", "off")
    assert cache.cache_dir() is None


def test_output_names_are_safe_and_per_variant():
    p = Product(name='a/b:c*"d', source_row=2)
    assert output_stem(p, 0) == "a_b_c_d" and output_stem(p, 2) == "a_b_c_d_v3"
    assert output_stem(Product(name="///", source_row=7), 0) == "row7"
