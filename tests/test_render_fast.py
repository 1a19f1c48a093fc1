"""The fast render path draws the same pictures as the reference RGB compositor.

FrameRenderer.frame(n) (RGB, the simple composition: every layer drawn, overlays blended) is the
reference; the encoder gets FrameRenderer.yuv_frames() (clips decoded straight to yuv420p, photos
zoomed per plane, overlays blended in YUV, unchanged frames not recomposed).
"""
import dataclasses
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


@pytest.fixture
def motion_timeline(tmp_path: Path) -> Timeline:
    """Every shot layout, every transition style and every text entrance and exit, one after another."""
    from studio.render import Shot, Sticker, Transition

    wide = str(make_photo(tmp_path / "wide.png", size=(640, 480), color=(30, 160, 90)))
    tall = str(make_photo(tmp_path / "tall.png", size=(540, 960), color=(200, 60, 60)))
    sq = str(make_photo(tmp_path / "sq.png", size=(600, 600), color=(60, 60, 200)))
    style = VideoStyle.from_template({}, width=W, height=H)
    shots = [
        dict(sources=(tall,), layout="full", view_from=(0.5, 0.5, 1.0), view_to=(0.5, 0.4, 1.4)),
        dict(sources=(sq,), layout="full", view_from=(0.3, 0.5, 2.2), view_to=(0.6, 0.5, 2.4)),
        dict(sources=(wide,), layout="card", view_from=(0.5, 0.52, 1.2), view_to=(0.5, 0.52, 1.0)),
        dict(sources=(wide, sq, tall), layout="grid", regions=((0, 0, 1, 1), (0.2, 0.2, 0.8, 0.8), (0, 0, 1, 0.5))),
        dict(sources=(sq, wide), layout="split", view_to=(0.5, 0.5, 1.1)),
        dict(sources=(tall,), layout="full", view_from=(0.5, 0.3, 1.6), view_to=(0.5, 0.7, 1.6)),
        dict(sources=(sq,), layout="card"),
    ]
    styles = ["crossfade", "push", "slide", "zoom", "whip", "wipe"]
    sides = ["left", "right", "up", "down", "left", "up"]
    layers, per = [], 12
    for k, spec in enumerate(shots):
        a = k * per - (3 if k else 0)
        b = (k + 1) * per + (3 if k + 1 < len(shots) else 0)
        layers.append(Shot(start=a, end=b, **spec))
        if k:
            layers.append(Transition(start=k * per - 3, end=k * per + 3, style=styles[k - 1], direction=sides[k - 1]))
    frames = per * len(shots)
    clip = tmp_path / "land.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=480x270:rate=15:duration=1",
                    "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", str(clip)], check=True)
    layers += [Clip(start=frames, end=frames + 12, source=str(clip), window=(0.4, 0.27, 0.86, 0.615), backdrop=sq),
               Transition(start=frames - 3, end=frames + 3, style="crossfade")]
    last = 2 * len(shots) - 3  # the last shot runs on under the crossfade into the clip
    assert layers[last].kind == "shot"
    layers[last] = dataclasses.replace(layers[last], end=frames + 3)
    frames += 12
    layers += [
        Title(start=0, end=24, z=2, text="保温杯 316不锈钢", enter="pop", enter_frames=8, exit="slide_up", exit_frames=5,
              emphasis=("316",)),
        Headline(start=24, end=48, z=2, text="保温12小时", enter="stagger", enter_frames=10, exit="pop", exit_frames=4),
        Sticker(start=28, end=48, z=3, icon="clock", enter="pop", enter_frames=5),
        Headline(start=48, end=60, z=2, text="一键开盖", enter="slide_left", enter_frames=6, exit="fade", exit_frames=3),
        PriceTag(start=60, end=frames, z=2, text="¥59.9", was="¥89", enter="count", enter_frames=12),
        Title(start=60, end=72, z=4, text="限量", enter="stamp", enter_frames=6, exit="slide_down", exit_frames=4),
        AiLabel(start=0, end=30, z=9, text="AI生成"),
    ]
    voice = _tone_wav(tmp_path / "v.wav", frames / FPS)
    return Timeline(FPS, W, H, frames, layers, [AudioTrack("voice", str(voice))], style, "zh")


def test_motion_frames_match_the_reference(motion_timeline: Timeline):
    """Shots, transitions and text in motion: the fast yuv420p frames stay within the same bound of
    the RGB reference as still layers do, on every frame."""
    ref = FrameRenderer(motion_timeline)
    frame = compositor.YuvFrame(W, H)
    worst = 0.0
    for n, view in enumerate(FrameRenderer(motion_timeline).yuv_frames()):
        frame.data[:] = view
        mad = _mad(frame.to_rgb(), ref.frame(n))
        worst = max(worst, mad)
        assert mad < MAD_YUV, f"frame {n}: mean abs difference {mad:.2f}"
    assert n + 1 == motion_timeline.frames and worst > 0


def test_motion_video_matches_the_reference(motion_timeline: Timeline, tmp_path: Path):
    out = tmp_path / "m.mp4"
    render_video(motion_timeline, out, tmp_path / "work", quality="draft", encoder="libx264")
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(out), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    decoded = np.frombuffer(raw, np.uint8).reshape(-1, H, W, 3)
    ref = FrameRenderer(motion_timeline)
    for n in (2, 10, 12, 25, 36, 47, 50, 60, 63, 70, 80, 86, 92):  # transitions, text entering and leaving, the PiP clip
        mad = _mad(decoded[n], ref.frame(n))
        assert mad < MAD_MP4, f"frame {n}: mean abs difference {mad:.2f}"


def test_torch_composition_of_shots_matches_the_reference(motion_timeline: Timeline):
    """The GPU path's code for shots (canvas planes through torch grid_sample), run on the CPU."""
    pytest.importorskip("torch")
    reference = [bytes(f) for f in FrameRenderer(motion_timeline).yuv_frames()]
    worst = 0.0
    for n, frame in enumerate(FrameRenderer(motion_timeline, device="cpu").yuv_frames()):
        a = np.frombuffer(frame, np.uint8)
        b = np.frombuffer(reference[n], np.uint8)
        worst = max(worst, float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean()))
    assert n + 1 == len(reference) and worst < 1.5, worst
