"""Core API pieces: settings, the stage cache, options."""
from pathlib import Path

import pytest

from studio import cache
from studio.pipeline import RenderOptions, output_stem
from studio.settings import Settings
from studio.types import LineSpan, Product, Transcript, Voiceover, Word


@pytest.mark.unit
def test_settings_round_trip_and_seed_options(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("STUDIO_HOME", str(tmp_path))
    st = Settings(producer_name="小熊杯具店", producer_id="91330100MA", gpu="off", output_dir=str(tmp_path / "videos"))
    st.save()
    assert Settings.load() == st
    opts = RenderOptions.from_settings(quality="draft")
    assert opts.aigc_producer == "小熊杯具店 (91330100MA)"
    assert opts.encoder == "libx264" and opts.out_dir == tmp_path / "videos" and opts.quality == "draft"


@pytest.mark.unit
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


@pytest.mark.unit
def test_cache_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("STUDIO_CACHE", "off")
    assert cache.cache_dir() is None


@pytest.mark.unit
def test_output_names_are_safe_and_per_variant():
    p = Product(name='a/b:c*"d', source_row=2)
    assert output_stem(p, 0) == "a_b_c_d" and output_stem(p, 2) == "a_b_c_d_v3"
    assert output_stem(Product(name="///", source_row=7), 0) == "row7"


@pytest.mark.unit
def test_voice_check_follows_quality_unless_set():
    import pytest

    from studio.util import StudioError

    assert RenderOptions(quality="final").checks_voice() and not RenderOptions(quality="draft").checks_voice()
    assert RenderOptions(quality="draft", voice_check="on").checks_voice()
    assert not RenderOptions(quality="final", voice_check="off").checks_voice()
    with pytest.raises(StudioError, match="voice_check"):
        RenderOptions(voice_check="maybe").checks_voice()


@pytest.mark.unit
def test_delivery_preset_comes_from_the_options_or_a_known_platform():
    import pytest

    from studio.pipeline import delivery_preset
    from studio.util import StudioError

    assert delivery_preset(RenderOptions(), Product("a", platform="kuaishou")) == "kuaishou"
    assert delivery_preset(RenderOptions(), Product("a", platform="xiaohongshu")) == "xiaohongshu"
    assert delivery_preset(RenderOptions(), Product("a", platform="抖音")) == "douyin"  # as sheets write it
    assert delivery_preset(RenderOptions(), Product("a", platform="myspace")) is None  # unknown: quality caps only
    assert delivery_preset(RenderOptions(delivery="chat"), Product("a", platform="douyin")) == "chat"
    with pytest.raises(StudioError, match="delivery preset 'fax'"):
        delivery_preset(RenderOptions(delivery="fax"), Product("a"))


def tiny_mp4(path: Path, video: bool = True, audio: bool = True) -> Path:
    """A real 0.2 s MP4 made by ffmpeg, with or without its video and audio streams."""
    import subprocess

    from studio.util import ffmpeg_exe

    cmd = [ffmpeg_exe(), "-v", "error", "-y"]
    if video:
        cmd += ["-f", "lavfi", "-i", "color=c=red:s=64x64:d=0.2"]
    if audio:
        cmd += ["-f", "lavfi", "-i", "sine=d=0.2"]
    subprocess.run(cmd + ["-c:v", "libx264", "-c:a", "aac", "-shortest", str(path)], check=True)
    return path


def _finished(out: Path, fingerprint: str = "f1", **streams) -> None:
    import json

    video = tiny_mp4(out / "cup.mp4", **streams)
    (out / "cup.srt").write_text("1\n", encoding="utf-8")
    (out / "cup.jpg").write_bytes(b"jpg")
    (out / "cup.json").write_text(json.dumps({"product": {"name": "杯"}, "fingerprint": fingerprint, "outputs": {
        "video": "cup.mp4", "video_bytes": video.stat().st_size, "srt": "cup.srt", "vtt": "cup.vtt",
        "cover": "cup.jpg"}}))


@pytest.mark.ffmpeg
def test_finished_render_is_kept_only_when_complete_and_from_the_same_inputs(tmp_path: Path):
    from studio.pipeline import finished_render

    _finished(tmp_path, video=False)  # the right size, but no picture: it would not play
    assert finished_render(tmp_path, "cup", "f1") is None
    _finished(tmp_path)
    kept = finished_render(tmp_path, "cup", "f1")
    assert kept is not None and kept.reused and kept.ok and kept.video == tmp_path / "cup.mp4" and kept.product == "杯"
    assert finished_render(tmp_path, "cup", "f2") is None  # the inputs changed
    assert finished_render(tmp_path, "other", "f1") is None
    (tmp_path / "cup.mp4").write_bytes(b"x" * 10)  # damaged or replaced by hand
    assert finished_render(tmp_path, "cup", "f1") is None
    _finished(tmp_path)
    (tmp_path / "cup.jpg").unlink()
    assert finished_render(tmp_path, "cup", "f1") is None
    (tmp_path / "cup.json").write_text("{not json", encoding="utf-8")
    assert finished_render(tmp_path, "cup", "f1") is None


@pytest.mark.unit
def test_fingerprint_changes_with_what_makes_the_video(tmp_path: Path):
    import dataclasses
    import os

    from studio.pipeline import plan

    photo = tmp_path / "p.png"
    photo.write_bytes(b"png")
    product = Product("保温杯", price=59.9, selling_points=["保温十二小时"], images=[photo], source_row=2)
    options = RenderOptions(out_dir=tmp_path / "a", quality="draft")

    def fp(p=product, o=options, variant=0):
        return plan(p, o, variant, check_media=False).fingerprint

    base = fp()
    assert fp() == base
    # where the video goes, how many variants or threads, and the sheet row it came from do not matter
    assert fp(o=dataclasses.replace(options, out_dir=tmp_path / "b", variants=3, encoder_threads=1)) == base
    assert fp(p=dataclasses.replace(product, source_row=9)) == base
    assert fp(p=dataclasses.replace(product, price=49.9)) != base
    assert fp(o=dataclasses.replace(options, quality="final")) != base
    assert fp(o=dataclasses.replace(options, style={"caption_size": 70})) != base
    assert fp(variant=1) != base
    os.utime(photo, ns=(1, 1))  # the merchant replaced the photo with one of the same name
    assert fp() != base


@pytest.mark.unit
def test_progress_weights_follow_the_voice_check():
    from studio.pipeline import STEP_WEIGHTS, step_weights

    draft = step_weights(Product("a"), RenderOptions(quality="draft"))
    assert abs(sum(draft.values()) - 1.0) < 1e-9 and draft["subtitles"] < 0.05 < draft["render"] - STEP_WEIGHTS["render"]
    assert step_weights(Product("a"), RenderOptions(quality="final")) == STEP_WEIGHTS
    assert step_weights(Product("a", recording=Path("me.m4a")), RenderOptions(quality="draft")) == STEP_WEIGHTS
    painted = step_weights(Product("a"), RenderOptions(quality="final"), ai_backgrounds=2)
    assert abs(sum(painted.values()) - 1.0) < 1e-9 and painted["imagery"] > 0.3


@pytest.mark.unit
def test_a_batch_that_may_not_fit_on_the_disk_is_warned_about_first(tmp_path: Path, monkeypatch):
    import shutil
    from collections import namedtuple

    from studio.pipeline import disk_space_warning, plan

    photo = tmp_path / "p.png"
    photo.write_bytes(b"png")
    options = RenderOptions(out_dir=tmp_path / "not" / "yet" / "made", variants=2)
    plans = [plan(Product(f"杯{i}", price=9.9, selling_points=["轻巧"], images=[photo]), options, v)
             for i in range(3) for v in range(2)]
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**12, 0, 10**12))
    assert disk_space_warning(plans, options.out_dir) is None
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**12, 0, 5_000_000))
    warning = disk_space_warning(plans, options.out_dir)
    # sizes people can read: "5.0 MB free", never "0.0 GB free; may need up to 0.0 GB"
    assert warning and str(tmp_path) in warning and "5.0 MB free" in warning and "another output folder" in warning
    assert "0.0 GB" not in warning
