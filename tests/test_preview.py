"""The live preview draws the renderer's own timeline, captions and safe zones, at a lower size."""
import numpy as np
import pytest

from studio.pipeline import RenderOptions, plan
from studio.preview import Preview
from studio.types import Product, Scene

from .conftest import make_photo


@pytest.fixture
def product(tmp_path) -> Product:
    return Product("保温杯", 59.9, ["保温十二小时", "一键开盖"], [make_photo(tmp_path / "a.png"),
                                                           make_photo(tmp_path / "b.png", color=(200, 40, 40))])


@pytest.mark.unit
def test_preview_uses_the_script_timeline_and_captions(product):
    pv = Preview(product, RenderOptions())
    try:
        script = plan(product, RenderOptions(), check_media=False).script
        assert pv.script.lines == script.lines
        assert (pv.timeline.width, pv.timeline.height) == (540, 960)
        # every spoken line is captioned with the script's own words, in order, with no gaps inside a line
        captioned = "".join("".join(p.lines) for p in pv.captions.pages)
        assert captioned.replace("，", "").replace("。", "") == "".join(script.lines).replace("，", "").replace("。", "")
        assert all(b.start >= a.end - 1e-6 for a, b in zip(pv.captions.pages, pv.captions.pages[1:]))
        kinds = {layer.kind for layer in pv.timeline.layers}
        assert {"shot", "title", "label", "price"} <= kinds  # the same layers a render gets
    finally:
        pv.close()


@pytest.mark.ffmpeg
def test_frames_have_captions_burned_by_libass(product):
    pv = Preview(product, RenderOptions())
    try:
        page = pv.captions.pages[0]
        t = (page.start + page.end) / 2
        with_caption = pv.frame_at(t)
        assert with_caption.caption == "\n".join(page.lines)
        bare = np.asarray(pv._frame_without_captions(t), dtype=float)
        burned = np.asarray(with_caption.image, dtype=float)
        bottom = slice(int(burned.shape[0] * 0.55), int(burned.shape[0] * 0.85))
        assert np.abs(burned[bottom] - bare[bottom]).mean() > 1.0  # text drawn in the lower third
        zones = np.asarray(pv.frame_at(t, safe_zones=True).image, dtype=float)
        assert np.abs(zones[:20] - burned[:20]).mean() > 5  # the top margin is tinted
    finally:
        pv.close()


@pytest.mark.ffmpeg
def test_edited_scenes_and_style_are_what_the_preview_shows(product):
    scenes = [Scene("hook", ["我自己写的开场"], overlay="夏日必备"), Scene("cta", ["点击下方链接"])]
    small = Preview(product, RenderOptions(), scenes)
    big = Preview(product, RenderOptions(style={"caption_size": 110}), scenes)
    try:
        assert small.script.lines == ["我自己写的开场", "点击下方链接"]
        assert any(getattr(layer, "text", None) == "夏日必备" for layer in small.timeline.layers)
        assert big.style.caption_size > small.style.caption_size
        t = small.captions.pages[0].start + 0.1
        assert np.abs(np.asarray(big.frame_at(t).image, float) - np.asarray(small.frame_at(t).image, float)).mean() > 0.5
    finally:
        small.close()
        big.close()


@pytest.mark.ffmpeg
def test_bilingual_captions_carry_the_scripts_translations(product):
    from studio.script.editing import text_to_scenes

    scenes = text_to_scenes("[hook]\n这个保温杯真好用 || This cup keeps drinks hot\n[cta]\n点击下方链接\n")
    assert scenes[0].lines == ["这个保温杯真好用"] and scenes[0].translations == ["This cup keeps drinks hot"]
    pv = Preview(product, RenderOptions(style={"caption_style": "bilingual"}), scenes)
    try:
        ass = pv.ass_path.read_text(encoding="utf-8")
        assert "This cup keeps drinks hot" in ass and pv.script.lines == ["这个保温杯真好用", "点击下方链接"]
        plain = Preview(product, RenderOptions(style={"caption_style": "karaoke"}), scenes)
        try:
            assert "This cup" not in plain.ass_path.read_text(encoding="utf-8")
            t = pv.captions.pages[0].start + 0.2
            assert np.abs(np.asarray(pv.frame_at(t).image, float) - np.asarray(plain.frame_at(t).image, float)).mean() > 0.3
        finally:
            plain.close()
    finally:
        pv.close()


def test_the_motion_style_switches_without_editing_files(product):
    from studio.project import ProjectStyle
    from studio.render.motion import motion_override

    lively = Preview(product, RenderOptions())
    still = Preview(product, RenderOptions(style=ProjectStyle(motion_style="still").template_overrides()))
    try:
        assert ProjectStyle(motion_style="calm").template_overrides() == motion_override("calm")
        shots = lambda pv: [l for l in pv.timeline.layers if l.kind == "shot"]
        assert len(shots(still)) == len(still.script.scenes) < len(shots(lively))
        assert {l.kind for l in lively.timeline.layers} >= {"transition", "sticker"}
        assert still.timeline.style.motion.name == "still" and lively.timeline.beats.times  # cut on the music
        # the preview draws the render's own frames: the same timeline through the same compositor
        from studio.render import FrameRenderer

        t = shots(lively)[3].start / lively.timeline.fps + 0.1
        n = int(round(t * lively.timeline.fps))
        assert np.array_equal(np.asarray(lively._frame_without_captions(t)), FrameRenderer(lively.timeline).frame(n))
    finally:
        lively.close()
        still.close()
