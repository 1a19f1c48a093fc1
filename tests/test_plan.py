"""The render plan: every check a render needs happens first, before the voice, Whisper or ffmpeg."""
from __future__ import annotations

from pathlib import Path

import pytest

from studio.pipeline import PlanError, RenderOptions, plan, render_product
from studio.types import Product
from studio.util import StudioError

from .conftest import make_photo

pytestmark = pytest.mark.unit


@pytest.fixture
def product(tmp_path: Path) -> Product:
    return Product("保温杯", price=59.9, selling_points=["保温十二小时", "316不锈钢内胆"],
                   images=[make_photo(tmp_path / "cup.png")], language="zh")


@pytest.fixture
def no_voice(monkeypatch):
    """Any attempt to voice, transcribe or encode fails the test: the plan must refuse first."""
    import studio.render.encode
    import studio.subtitles
    import studio.voice

    def forbidden(*a, **k):
        raise AssertionError("a render step ran although the plan should have refused")

    monkeypatch.setattr(studio.voice, "synthesize", forbidden)
    monkeypatch.setattr(studio.subtitles, "transcribe", forbidden)
    monkeypatch.setattr(studio.render.encode, "render_video", forbidden)


@pytest.mark.parametrize("options, words", [
    (dict(delivery="fax"), "delivery must be one of"),
    (dict(max_mb=0.2), "too small"),
    (dict(quality="best"), "quality must be one of draft, final, not 'best'"),
    (dict(encoder="vp9"), "encoder must be one of"),
    (dict(compose="gpu"), "compose must be one of"),
    (dict(variants=0), "variants must be from 1"),
    (dict(speed=5.0), "speed must be from 0.5 to 2"),
    (dict(platform="myspace"), "unknown platform 'myspace'"),
    (dict(ai_backgrounds=2), "need a local diffusers model folder"),
    (dict(ai_background_size=(500, 900)), "multiples of 8"),
    (dict(template="no_such_template"), "no_such_template"),
])
def test_bad_options_fail_in_the_plan_before_any_work(product, tmp_path, no_voice, options, words):
    opts = RenderOptions(out_dir=tmp_path / "out", **options)
    with pytest.raises(StudioError, match=words):
        plan(product, opts)
    result = render_product(product, opts)  # the render reports it without voicing anything
    assert not result.ok and words.split("'")[0].strip() in result.error
    assert not (tmp_path / "out" / ".work").exists()


def test_missing_or_wrong_media_is_refused_with_the_file_named(product, tmp_path, no_voice):
    gone = Product("杯", images=[tmp_path / "gone.png"])
    with pytest.raises(PlanError, match=r"photo not found: .*gone\.png"):
        plan(gone, RenderOptions())
    with pytest.raises(PlanError, match="no product photo"):
        plan(Product("杯"), RenderOptions())
    text = tmp_path / "notes.txt"
    text.write_text("x")
    with pytest.raises(PlanError, match="not a photo or video clip"):
        plan(Product("杯", images=[text]), RenderOptions())
    with pytest.raises(PlanError, match="recording not found"):
        plan(Product("杯", images=product.images, recording=tmp_path / "me.m4a"), RenderOptions())
    assert plan(Product("杯"), RenderOptions(), check_media=False).script.lines  # the preview still draws it


def test_the_script_is_fitted_at_the_voice_speed_the_render_uses(product):
    """Before, fitting used the template's speed while the voice used the merchant's: the estimate and
    the fit disagreed, and the video missed its target."""
    for speed in (0.8, 1.0, 1.4):
        p = plan(product, RenderOptions(speed=speed, target_seconds=30))
        assert p.voice.speed == speed
        assert p.script.fit["estimated_s"] == p.estimated_s
    slow, fast = (plan(product, RenderOptions(speed=s, target_seconds=30)) for s in (0.8, 1.4))
    assert len(slow.script.text) <= len(fast.script.text)  # a faster voice has room for more words


def test_the_plan_owns_a_copy_of_the_product(product, tmp_path):
    p = plan(product, RenderOptions())
    product.images.append(make_photo(tmp_path / "later.png"))
    product.selling_points[0] = "改过了"
    assert len(p.product.images) == 1 and p.product.selling_points[0] == "保温十二小时"


def test_blocking_findings_are_in_the_plan_and_stop_only_the_render(product, tmp_path, no_voice):
    flagged = Product("保温杯", price=59.9, selling_points=["全网最低价"], images=product.images)
    p = plan(flagged, RenderOptions(out_dir=tmp_path))
    assert p.blocked and "全网最低价" in p.blocked_message() and "--allow-flagged" in p.blocked_message()
    assert not plan(flagged, RenderOptions(allow_flagged=True)).blocked
    result = render_product(flagged, RenderOptions(out_dir=tmp_path))
    assert not result.ok and "全网最低价" in result.error


def test_platform_names_as_sheets_write_them_pick_their_safe_zones(product):
    kuaishou = plan(Product(**{**product.__dict__, "platform": "快手"}), RenderOptions())
    assert kuaishou.delivery == "kuaishou" and kuaishou.video_style.safe_bottom == 420
    assert plan(product, RenderOptions(platform="tiktok")).delivery == "tiktok"


def test_a_hand_edited_script_is_bounded_by_the_target_like_the_templates(product):
    from studio.types import Scene

    long = [Scene("point", [f"第{i}点，保温十二小时，三百一十六不锈钢内胆，真空隔热" for i in range(200)])]
    with pytest.raises(PlanError, match=r"edited script.*200 lines.*shorten it"):
        plan(product, RenderOptions(target_seconds=15), script=long)
    assert plan(product, RenderOptions(target_seconds=15), script=[Scene("hook", ["你好"])]).edited
