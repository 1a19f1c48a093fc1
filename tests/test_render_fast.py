"""The fast render path draws the same pictures as the reference RGB compositor.

FrameRenderer.frame(n) (RGB, the simple composition: every layer drawn, overlays blended) is the
reference; the encoder gets FrameRenderer.yuv_frames() (clips decoded straight to yuv420p, photos
zoomed per plane, overlays blended in YUV, unchanged frames not recomposed).
"""
import subprocess
from pathlib import Path

import numpy as np
import pytest

from studio.render import (AiLabel, AudioTrack, Clip, FrameRenderer, Headline, Inset, Photo, PriceTag, Timeline, Title,
                           VideoStyle, render_video)
from studio.render import compositor
from studio.core.vocab import DELIVERIES
from studio.render.encode import _ffmpeg_command, choose_encoder, rate_limits
from studio.util import StudioError, ffmpeg_exe

from .conftest import make_photo
from .test_render import _tone_wav

W, H, FPS = 270, 480, 15
# Mean absolute difference (0-255, over all pixels and channels) allowed between the reference RGB
# frame and: the fast path's own yuv420p frame (colour rounding, 2x2 chroma), and the decoded MP4
# (the same plus H.264 at the draft CRF).
MAD_YUV = 2.0
MAD_MP4 = 4.0


@pytest.fixture
def mixed_timeline(tmp_path: Path) -> Timeline:
    wide = make_photo(tmp_path / "wide.png", size=(640, 480), color=(30, 160, 90))
    tall = make_photo(tmp_path / "tall.png", size=(540, 960), color=(200, 60, 60))
    still = make_photo(tmp_path / "still.png", size=(500, 900), color=(60, 60, 200))
    clip = tmp_path / "land.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=480x270:rate=15:duration=1",
                    "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", str(clip)], check=True)
    style = VideoStyle.from_template({}, width=W, height=H)
    layers = [
        Photo(start=0, end=20, source=str(wide), zoom=1.1, motion="in"),
        Title(start=0, end=20, z=2, text="保温杯 316不锈钢"),
        Photo(start=20, end=40, source=str(tall), zoom=1.08, motion="out"),
        PriceTag(start=20, end=40, z=2, text="¥59.9", was="¥89"),
        Clip(start=40, end=60, source=str(clip)),
        Headline(start=45, end=60, z=2, text="一键开盖"),
        Inset(start=40, end=60, z=1, source=str(still)),
        Photo(start=60, end=75, source=str(still), zoom=1.0),
        AiLabel(start=0, end=30, z=9, text="AI生成"),
    ]
    voice = _tone_wav(tmp_path / "v.wav", 75 / FPS)
    return Timeline(FPS, W, H, 75, layers, [AudioTrack("voice", str(voice))], style, "zh")


def _mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


@pytest.mark.ffmpeg
def test_yuv_frames_match_the_reference(mixed_timeline: Timeline):
    ref = FrameRenderer(mixed_timeline)
    fast = FrameRenderer(mixed_timeline)
    frame = compositor.YuvFrame(W, H)
    count = 0
    for n, view in enumerate(fast.yuv_frames()):
        count += 1
        frame.data[:] = view
        mad = _mad(frame.to_rgb(), ref.frame(n))
        assert mad < MAD_YUV, f"frame {n}: mean abs difference {mad:.2f}"
    assert count == mixed_timeline.frames
    ref.close()


@pytest.mark.ffmpeg
def test_encoded_video_matches_the_reference(mixed_timeline: Timeline, tmp_path: Path):
    out = tmp_path / "o.mp4"
    render_video(mixed_timeline, out, tmp_path / "work", quality="draft", encoder="libx264")
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(out), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    decoded = np.frombuffer(raw, np.uint8).reshape(-1, H, W, 3)
    assert len(decoded) == mixed_timeline.frames
    ref = FrameRenderer(mixed_timeline)
    for n in (0, 3, 10, 19, 25, 39, 42, 50, 59, 61, 74):  # every layer kind, fades, the clip
        mad = _mad(decoded[n], ref.frame(n))
        assert mad < MAD_MP4, f"frame {n} (t={n / FPS:.2f}s): mean abs difference {mad:.2f}"
    ref.close()


@pytest.mark.ffmpeg
def test_unchanged_frames_are_not_composed_again(mixed_timeline: Timeline, monkeypatch):
    drawn = []
    original = compositor.PhotoDrawer.draw_yuv

    def counting(self, frame, out):
        drawn.append(frame)
        return original(self, frame, out)

    monkeypatch.setattr(compositor.PhotoDrawer, "draw_yuv", counting)
    frames = list(FrameRenderer(mixed_timeline).yuv_frames(60, 75))
    assert len(frames) == 15
    assert drawn == [60]  # a still photo without zoom and no overlay: drawn once, sent 15 times


@pytest.mark.ffmpeg
def test_layers_are_dropped_after_their_last_frame(mixed_timeline: Timeline):
    r = FrameRenderer(mixed_timeline)
    it = r.yuv_frames()
    for _ in range(45):
        next(it)
    assert set(r._live) == {4}  # only the clip that is showing; the two photos are gone
    it.close()
    assert not r._live


@pytest.mark.unit
def test_rate_limits_follow_quality_platform_and_file_size():
    assert rate_limits("final", 30) == ("12000k", "16000k")
    assert rate_limits("draft", 30, "douyin") == ("8000k", "16000k")  # the lower cap wins
    maxrate, _ = rate_limits("final", 60, max_mb=20)  # 20 MB in 60 s: about 2.3 Mbit/s for the video
    assert 2_000 < int(maxrate[:-1]) < 2_500
    assert DELIVERIES["chat"].max_mb
    with pytest.raises(StudioError, match="delivery preset 'myspace'"):
        rate_limits("final", 30, "myspace")
    with pytest.raises(StudioError, match="too small"):
        rate_limits("final", 600, max_mb=5)


@pytest.mark.ffmpeg
def test_encoder_command_pins_threads_and_takes_yuv(mixed_timeline: Timeline, tmp_path: Path):
    cmd = _ffmpeg_command(mixed_timeline, tmp_path / "m.wav", None, tmp_path / "o.mp4", "libx264", "final",
                          {}, threads=1, delivery="chat")
    assert cmd[cmd.index("-threads") + 1] == "1"
    assert cmd[cmd.index("-pix_fmt") + 1] == "yuv420p"
    assert cmd[cmd.index("-maxrate") + 1] == "6000k"


@pytest.mark.ffmpeg
def test_hevc_nvenc_is_used_only_when_a_test_encode_works():
    enc, why = choose_encoder("hevc_nvenc")
    assert enc in ("hevc_nvenc", "libx264") and "hevc_nvenc" in why
    if enc == "libx264":
        assert "not usable" in why


@pytest.mark.unit
def test_fading_overlay_blends_halfway():
    # a white opaque overlay at half opacity on black gives mid grey (premultiplied values once
    # overflowed uint16 during the fade-in and flashed wrong colours)
    from PIL import Image

    sprite = compositor.Sprite.from_image(Image.new("RGBA", (8, 8), (255, 255, 255, 255)), 0, 0)
    frame = np.zeros((8, 8, 3), np.uint8)
    sprite.blend_onto(frame, 0.5)
    assert np.all(np.abs(frame.astype(int) - 128) <= 2)


@pytest.mark.ffmpeg
def test_torch_composition_matches_the_reference(mixed_timeline: Timeline):
    """The GPU path's code (photo zoom through torch grid_sample), run on the CPU: every frame within
    a small bound of the numpy reference frames."""
    pytest.importorskip("torch")
    reference = [bytes(f) for f in FrameRenderer(mixed_timeline).yuv_frames()]
    torch_path = FrameRenderer(mixed_timeline, device="cpu")
    worst = 0.0
    for n, frame in enumerate(torch_path.yuv_frames()):
        a = np.frombuffer(frame, np.uint8)
        b = np.frombuffer(reference[n], np.uint8)
        worst = max(worst, float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean()))
    assert n + 1 == len(reference) and worst < 1.5, worst
    cover = next(l for l in mixed_timeline.layers if l.kind == "photo" and "tall" in l.source)
    layer = compositor.PhotoDrawer(cover, mixed_timeline.style, device="cpu")
    layer.draw_yuv(cover.start + 3, compositor.YuvFrame(W, H))
    assert layer._torch is not None  # the frames above really came through torch


@pytest.mark.unit
def test_composition_device_is_chosen_and_explained():
    from studio.render.gpu import compose_device
    from studio.util import StudioError

    import torch

    gpu = torch.cuda.is_available()  # the machine decides which answer is right, not the test
    device, why = compose_device("auto")
    assert (device, "GPU" in why) == (("cuda", True) if gpu else (None, False)) and ("CPU" in why) != gpu
    assert compose_device("cpu")[0] is None and compose_device("torch-cpu")[0] == "cpu"
    device, why = compose_device("cuda")
    if gpu:
        assert device == "cuda"
    else:
        assert device is None and "cuda was asked for" in why and "composition on the CPU" in why
    with pytest.raises(StudioError, match="unknown composition device"):
        compose_device("tpu")
