"""The timeline as a MoviePy v2 composition: its frames match the renderer's; effects in MoviePy's
style; a creator's own clip placed from a local plug-in folder, never from a template."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.render import AudioTrack, FrameRenderer, Headline, PriceTag, Shot, Sticker, Timeline, Title, Transition, VideoStyle
from studio.render.layers import PluginClip, layer_from_dict
from studio.util import StudioError

from .conftest import make_photo

pytestmark = pytest.mark.unit

W, H, FPS = 180, 320, 15
# mean absolute difference (0-255) allowed between MoviePy's composite frame and FrameRenderer.frame:
# MoviePy blends each overlay through a float mask recovered from the renderer's own blend (rounding)
MAD_MOVIEPY = 1.5


@pytest.fixture
def timeline(tmp_path: Path) -> Timeline:
    a = str(make_photo(tmp_path / "a.png", size=(600, 600)))
    b = str(make_photo(tmp_path / "b.png", size=(540, 960), color=(200, 50, 50)))
    layers = [
        Shot(start=0, end=24, sources=(a,), view_from=(0.5, 0.5, 1.0), view_to=(0.5, 0.5, 1.4)),
        Shot(start=18, end=45, sources=(b,), layout="card", view_from=(0.5, 0.52, 1.3), view_to=(0.5, 0.52, 1.0)),
        Transition(start=18, end=24, style="push", direction="right"),
        Shot(start=45, end=60, sources=(a, b), layout="grid"),
        Title(start=0, end=30, z=2, text="保温杯", enter="pop", enter_frames=8, exit="fade", exit_frames=4),
        Headline(start=30, end=60, z=2, text="保温12小时", enter="stagger", enter_frames=8, emphasis=("12小时",)),
        Sticker(start=34, end=60, z=3, icon="clock", enter="pop", enter_frames=5),
        PriceTag(start=45, end=60, z=2, text="¥59.9", enter="count", enter_frames=8),
    ]
    style = VideoStyle.from_template({}, width=W, height=H)
    return Timeline(FPS, W, H, 60, layers, [AudioTrack("voice", "v.wav")], style, "zh")


def _mad(a, b) -> float:
    return float(np.abs(np.asarray(a, np.int16) - np.asarray(b, np.int16)).mean())


def test_the_composite_clip_shows_the_renderers_frames(timeline: Timeline):
    from moviepy import CompositeVideoClip

    from studio.render.moviepy_model import to_moviepy

    clip = to_moviepy(timeline)
    assert isinstance(clip, CompositeVideoClip) and clip.size == (W, H) and abs(clip.duration - 4.0) < 1e-6
    ref = FrameRenderer(timeline)
    for n in (0, 3, 10, 19, 21, 29, 33, 36, 40, 47, 52, 59):  # pop, push, stagger, sticker, count, grid
        got = clip.get_frame(n / FPS)
        mad = _mad(got, ref.frame(n))
        assert mad < MAD_MOVIEPY, f"frame {n}: mean abs difference {mad:.2f}"


def test_effects_are_dataclasses_in_moviepys_style(tmp_path):
    from moviepy import ColorClip, Effect, ImageClip

    from studio.render.moviepy_model import CameraMove, TextMotion, TransitionMix

    photo = make_photo(tmp_path / "p.png", size=(W, H))
    base = ImageClip(str(photo)).with_duration(1.0)
    assert isinstance(CameraMove(), Effect) and isinstance(TextMotion(), Effect)
    moved = base.with_effects([CameraMove((0.5, 0.5, 1.0), (0.5, 0.5, 2.0))])
    assert _mad(moved.get_frame(0), base.get_frame(0)) < 1 and _mad(moved.get_frame(0.99), base.get_frame(0)) > 5
    text = ImageClip(np.full((20, 60, 3), 255, np.uint8)).with_duration(1.0).with_mask()
    text = text.with_position((60, 150)).with_effects([TextMotion(enter="slide_up", enter_s=0.5)])
    assert text.pos(0.0)[1] > text.pos(0.6)[1] == 150  # rises into place, then stays
    red, blue = ColorClip((W, H), (255, 0, 0)).with_duration(1.0), ColorClip((W, H), (0, 0, 255)).with_duration(1.0)
    both = TransitionMix("wipe", "left", 0.4).apply(red, blue)
    assert abs(both.duration - 1.6) < 1e-6
    mid = both.get_frame(0.8)
    assert mid[:, :10, 2].mean() > 200 and mid[:, -10:, 0].mean() > 200  # the blue comes in from the left


PLUGIN = '''
from moviepy import ColorClip
from studio.render.plugins import clip_plugin

@clip_plugin("test-flash")
def flash(params, duration, size):
    w, h = size
    clip = ColorClip((w, h // 4), color=tuple(params["color"])).with_duration(duration)
    return clip
'''


def test_a_creators_clip_is_placed_from_the_plugin_folder(timeline: Timeline, tmp_path, monkeypatch):
    from studio.render import plugins
    from studio.render.moviepy_model import to_moviepy

    folder = tmp_path / "my_plugins"
    folder.mkdir()
    (folder / "flash.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.setenv("STUDIO_PLUGINS", str(folder))
    layer = PluginClip(start=10, end=20, z=5, name="test-flash", params={"color": [0, 255, 0]}, x=0, y=40)
    assert layer_from_dict(layer.to_dict()) == layer
    timeline.layers.append(layer)
    ref = FrameRenderer(timeline)
    frame = ref.frame(12)
    assert frame[40:120, :, 1].mean() > 240 and frame[40:120, :, 0].mean() < 15  # the green band
    from studio.render.compositor import YuvFrame

    yuv = YuvFrame(W, H)
    for n, view in enumerate(FrameRenderer(timeline).yuv_frames(12, 13)):
        yuv.data[:] = view
    assert _mad(yuv.to_rgb(), frame) < 2.0
    assert _mad(to_moviepy(timeline).get_frame(12 / FPS), frame) < MAD_MOVIEPY
    with pytest.raises(StudioError, match="no clip plug-in named 'nope'"):
        plugins.plugin_clip("nope", {}, 1.0, (W, H))


def test_plugins_are_never_read_from_a_templates_folder(tmp_path, monkeypatch):
    from studio.render import plugins

    inside = tmp_path / "templates_home" / "plugins"
    inside.mkdir(parents=True)
    monkeypatch.setenv("STUDIO_TEMPLATES", str(tmp_path / "templates_home"))
    monkeypatch.setenv("STUDIO_PLUGINS", str(inside))
    with pytest.raises(StudioError, match="inside a templates folder"):
        plugins.load_plugins()
