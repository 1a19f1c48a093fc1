"""Render stage on its own: timeline data, frames, audio mix and the ffmpeg encode."""
import json
import wave
from pathlib import Path

import numpy as np
import pytest

from studio.render import FrameRenderer, Timeline, VideoStyle, build_timeline, render_video
from studio.render.audio import mix, read_wav_mono
from studio.render.encode import choose_encoder
from studio.script import generate_script, load_template
from studio.types import Captions, LineSpan, Product, Voiceover
from studio.util import CancelToken, Cancelled, StudioError

from .conftest import make_photo, probe


def _tone_wav(path: Path, seconds: float, sr: int = 24000, speech_like: bool = True) -> Path:
    t = np.arange(int(seconds * sr)) / sr
    x = 0.2 * np.sin(2 * np.pi * 180 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t)) if speech_like else 0 * t
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes((x * 32767).astype("<i2").tobytes())
    return path


@pytest.fixture
def small_timeline(tmp_path: Path) -> Timeline:
    photo = make_photo(tmp_path / "p.png", size=(600, 600))
    tall = make_photo(tmp_path / "tall.png", size=(540, 960), color=(200, 60, 60))
    product = Product(name="保温杯", price=59.9, original_price=89, selling_points=["保温12小时", "轻巧"],
                      images=[photo, tall], language="zh")
    script = generate_script(product, load_template("zh_promo"))
    spans, t = [], 0.1
    scene_of = [i for i, s in enumerate(script.scenes) for _ in s.lines]
    for line, scene in zip(script.lines, scene_of):
        spans.append(LineSpan(line, t, t + 0.3, scene))
        t += 0.4
    voice = Voiceover(_tone_wav(tmp_path / "v.wav", t + 0.2), 24000, t + 0.2, spans, "test-tone")
    style = VideoStyle.from_template(load_template("zh_promo").style, width=270, height=480)
    music = load_template("zh_promo").resolve_asset("assets/music/upbeat_loop.m4a")
    return build_timeline(product, script, voice, Captions([], "zh", "test"), style, music=music, fps=15)


@pytest.mark.unit
def test_timeline_json_round_trip_and_print(small_timeline: Timeline):
    again = Timeline.from_json(small_timeline.to_json())
    assert again == small_timeline
    text = str(small_timeline)
    assert "shot" in text and "price" in text and "label" in text
    kinds = {l.kind for l in small_timeline.layers}
    assert {"shot", "title", "price", "label"} <= kinds
    # every frame has a shot under it
    for n in range(small_timeline.frames):
        assert any(l.kind == "shot" for l in small_timeline.layers_at(n))


@pytest.mark.unit
def test_ai_label_covers_the_opening_two_seconds(small_timeline: Timeline):
    label = next(l for l in small_timeline.layers if l.kind == "label")
    assert label.start == 0 and label.end >= min(small_timeline.frames, 2 * small_timeline.fps)


@pytest.mark.unit
def test_frames_have_size_and_change_over_time(small_timeline: Timeline):
    r = FrameRenderer(small_timeline)
    first, later = r.frame(0), r.frame(small_timeline.frames - 1)
    assert first.shape == (480, 270, 3) and first.dtype == np.uint8
    assert np.abs(first.astype(int) - later.astype(int)).mean() > 1


@pytest.mark.ffmpeg
def test_mix_hits_target_loudness_and_peak(tmp_path: Path):
    voice = _tone_wav(tmp_path / "v.wav", 4.0)
    music = load_template("zh_promo").resolve_asset("assets/music/upbeat_loop.m4a")
    report = mix(voice, music, -20, 4.0, tmp_path / "mix.wav")
    assert report.true_peak_dbtp <= -1.0
    assert report.integrated_lufs is not None and abs(report.integrated_lufs - (-15)) < 2
    data, sr = read_wav_mono(tmp_path / "mix.wav")
    assert sr == 48000 and abs(len(data) / sr - 4.0) < 0.01


@pytest.mark.ffmpeg
def test_encode_produces_faststart_h264_aac(small_timeline: Timeline, tmp_path: Path, ffprobe):
    out = tmp_path / "o.mp4"
    result = render_video(small_timeline, out, tmp_path / "work", quality="draft")
    assert out.exists() and not list(tmp_path.glob(".*part*"))
    info = probe(ffprobe, out)
    v = next(s for s in info["streams"] if s["codec_type"] == "video")
    a = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert (v["codec_name"], v["width"], v["height"], v["pix_fmt"]) == ("h264", 270, 480, "yuv420p")
    assert (a["codec_name"], a["sample_rate"]) == ("aac", "48000")
    assert abs(float(info["format"]["duration"]) - small_timeline.duration) < 0.15
    tags = info["format"]["tags"]
    assert json.loads(tags["AIGC"])["Label"] == "1"
    assert result.encoder in ("libx264", "h264_nvenc") and result.encoder_reason
    head = out.read_bytes()[:4096]
    assert head.find(b"moov") != -1 and head.find(b"moov") < max(head.find(b"mdat"), 4096)  # faststart


@pytest.mark.ffmpeg
def test_cancel_leaves_no_output(small_timeline: Timeline, tmp_path: Path):
    token = CancelToken()
    out = tmp_path / "o.mp4"

    def progress(fraction: float) -> None:
        token.cancel()

    with pytest.raises(Cancelled):
        render_video(small_timeline, out, tmp_path / "work", quality="draft", cancel=token, on_progress=progress)
    assert not out.exists() and not list(tmp_path.glob(".*.mp4"))


@pytest.mark.unit
def test_encoder_choice_is_explained():
    enc, why = choose_encoder("auto")
    assert enc in ("libx264", "h264_nvenc") and why
    assert choose_encoder("libx264")[0] == "libx264"
    with pytest.raises(StudioError):
        choose_encoder("vp9")


@pytest.mark.ffmpeg
def test_video_clips_fill_the_frame_and_play(tmp_path: Path):
    import subprocess

    from studio.render.compositor import ClipDrawer
    from studio.render.layers import Clip
    from studio.util import ffmpeg_exe

    clip = tmp_path / "land.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=15:duration=1",
                    "-c:v", "libx264", "-preset", "ultrafast", str(clip)], check=True)
    style = VideoStyle.from_template({}, width=180, height=320)
    layer = ClipDrawer(Clip(start=0, end=30, source=str(clip)), style, 15)
    frames = [layer.draw(n) for n in range(30)]  # 2 s from a 1 s clip: it loops
    assert frames[0].shape == (320, 180, 3)
    assert np.abs(frames[0].astype(int) - frames[7].astype(int)).mean() > 1
    layer.close()
    with pytest.raises(StudioError, match="not found"):
        ClipDrawer(Clip(start=0, end=5, source=str(tmp_path / "nope.mp4")), style, 15)


@pytest.mark.unit
def test_titles_wrap_into_balanced_lines_without_an_orphan():
    from studio.render.compositor import _font, wrap_text
    from studio.util import cjk_font_path

    font = _font(str(cjk_font_path()), 96)
    lines = wrap_text("声悦真无线蓝牙耳机", font, 780)
    assert "".join(lines) == "声悦真无线蓝牙耳机" and len(lines) == 2 and min(map(len, lines)) >= 4
    assert wrap_text("短标题", font, 780) == ["短标题"]
    assert all(font.getlength(line) <= 780 for line in wrap_text("Everyday Canvas Tote bag for the weekend market", font, 780))


@pytest.mark.ffmpeg
def test_clip_scenes_keep_the_product_photo_in_view(tmp_path: Path):
    """Over the merchant's video footage the product photo shows on a card (not in the price scene,
    where the price tag takes that place; not when the template turns it off)."""
    import subprocess

    from studio.types import Scene, Script
    from studio.util import ffmpeg_exe

    clip = tmp_path / "street.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x204060:size=320x180:rate=15:d=2",
                    "-c:v", "libx264", "-preset", "ultrafast", str(clip)], check=True)
    photo = make_photo(tmp_path / "cup.png", color=(220, 30, 30), size=(400, 400))
    product = Product(name="保温杯", price=59.9, images=[clip, photo], language="zh")
    scenes = [Scene("point", ["保温十二小时。"], image=0), Scene("offer", ["只要五十九块九。"], image=0)]
    script = Script(scenes, "zh", "t", "h")
    voice = Voiceover(_tone_wav(tmp_path / "v.wav", 2.0), 24000, 2.0,
                      [LineSpan(scenes[0].lines[0], 0.0, 0.9, 0), LineSpan(scenes[1].lines[0], 1.0, 1.9, 1)], "t")
    style = VideoStyle.from_template({}, width=270, height=480)
    timeline = build_timeline(product, script, voice, Captions([], "zh", "test"), style, fps=15)
    insets = [l for l in timeline.layers if l.kind == "inset"]
    assert [(l.source, l.start) for l in insets] == [(str(photo), 0)]
    assert not any(l.start >= 15 for l in insets) and any(l.kind == "price" for l in timeline.layers)

    frame = FrameRenderer(timeline).frame(10)  # faded in by now
    from studio.render.compositor import inset_card

    card, x, y = inset_card(str(photo), style)
    cx, cy = x + card.width // 2, y + card.height // 2
    r, g, b = frame[cy, cx].astype(int)
    assert r > 150 and g < 90 and b < 90, frame[cy, cx]  # the red product, over the blue-grey footage
    assert x + card.width <= style.width - style.safe_right and y >= style.safe_top

    off = VideoStyle.from_template({"product_inset": False}, width=270, height=480)
    assert not [l for l in build_timeline(product, script, voice, Captions([], "zh", "test"), off, fps=15).layers
                if l.kind == "inset"]
