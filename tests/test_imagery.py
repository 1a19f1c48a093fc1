"""AI backgrounds from a local diffusers model: a tiny random Stable Diffusion pipeline is built in code,
saved, and loaded through the same path a merchant's model folder takes (no model hub)."""
import dataclasses
import json
from pathlib import Path

import pytest

from studio.imagery import background_prompt, generate_backgrounds, load_pipeline
from studio.imagery_testing import build_tiny_pipeline
from studio.types import Product
from studio.util import Cancelled, CancelToken, StudioError

from .conftest import make_photo, write_csv

SMALL = dict(steps=2, size=(64, 112), frame=(108, 192))


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    return build_tiny_pipeline(tmp_path_factory.mktemp("sd"))


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    import studio.cache

    monkeypatch.setattr(studio.cache, "cache_dir", lambda: tmp_path / "cache")
    return tmp_path / "cache"


@pytest.mark.unit
def test_prompts_suit_the_product_and_a_template_can_say_its_own():
    assert "marble bathroom" in background_prompt(Product("面霜", 99, category="护肤"))
    assert "kitchen table" in background_prompt(Product("橙子", 9, category="水果"))
    assert "desk" in background_prompt(Product("耳机", 99, category="数码"))
    assert "studio backdrop" in background_prompt(Product("礼品", 9))
    assert background_prompt(Product("x", 1), 0) != background_prompt(Product("x", 1), 1)  # each one framed anew
    assert background_prompt(Product("x", 1), 0, "a snowy mountain cabin").startswith("a snowy mountain cabin, ")


@pytest.mark.models
def test_backgrounds_are_painted_at_frame_size_cached_and_reproducible(tiny_model, tmp_path, cache):
    from PIL import Image

    product = Product("面霜", 99, category="beauty")
    first = generate_backgrounds(product, tiny_model, 2, tmp_path / "a", seed=7, **SMALL)
    assert [p.name for p in first.paths] == ["background_1.png", "background_2.png"] and first.cached == 0
    assert all(Image.open(p).size == (108, 192) for p in first.paths) and first.device == "cpu"
    assert first.paths[0].read_bytes() != first.paths[1].read_bytes()
    again = generate_backgrounds(product, tiny_model, 2, tmp_path / "b", seed=7, **SMALL)
    assert again.cached == 2 and [p.read_bytes() for p in again.paths] == [p.read_bytes() for p in first.paths]
    fresh = generate_backgrounds(product, tiny_model, 1, tmp_path / "c", seed=7, **SMALL)
    assert fresh.cached == 1
    import studio.cache

    studio.cache.cache_dir = lambda: None  # caching off: painted again, the same picture
    painted = generate_backgrounds(product, tiny_model, 1, tmp_path / "d", seed=7, **SMALL)
    assert painted.cached == 0 and painted.paths[0].read_bytes() == first.paths[0].read_bytes()
    other = generate_backgrounds(product, tiny_model, 1, tmp_path / "e", seed=8, **SMALL)
    assert other.paths[0].read_bytes() != first.paths[0].read_bytes()
    assert json.dumps(first.to_dict())


@pytest.mark.models
def test_progress_and_cancel_between_steps(tiny_model, tmp_path, cache):
    seen = []
    generate_backgrounds(Product("x", 1), tiny_model, 2, tmp_path / "p", on_progress=seen.append, **SMALL)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 4
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        generate_backgrounds(Product("x", 1), tiny_model, 1, tmp_path / "q", seed=99, cancel=token, **SMALL)
    assert not (tmp_path / "q" / "background_1.png").exists()


@pytest.mark.unit
def test_timeline_shows_backdrops_with_the_product_card_and_the_real_photo_with_the_price(tmp_path):
    from studio.render.style import VideoStyle
    from studio.render.timeline import build_timeline
    from studio.types import Captions, LineSpan, Scene, Script, Voiceover

    product = Product("保温杯", 59.9, images=[tmp_path / "cup.png"])
    kinds = ["hook", "point", "point", "offer", "cta"]
    script = Script([Scene(kind=k, lines=[k], image=i) for i, k in enumerate(kinds)], "zh", "t", "h")
    spans = [LineSpan(k, i * 1.0, i * 1.0 + 0.9, scene=i) for i, k in enumerate(kinds)]
    voice = Voiceover(tmp_path / "v.wav", 24000, 5.0, spans, "x", synthetic=False)
    backdrops = [tmp_path / "background_1.png", tmp_path / "background_2.png"]
    timeline = build_timeline(product, script, voice, Captions([], "zh", "transcript"), VideoStyle(),
                              backgrounds=backdrops)
    base = [Path(l.sources[0]).name for l in sorted(timeline.layers, key=lambda l: l.start) if l.kind == "shot"]
    assert base == ["cup.png", "background_1.png", "background_2.png", "cup.png", "background_1.png"]
    cards = [(l.start, Path(l.source).name) for l in timeline.layers if l.kind == "inset"]
    assert [name for _, name in cards] == ["cup.png"] * 3  # over each backdrop, never over the price scene
    assert all(l.hero for l in timeline.layers if l.kind == "inset")
    assert any(l.kind == "label" for l in timeline.layers)  # painted pictures: the AI label shows
    plain = build_timeline(product, script, voice, Captions([], "zh", "transcript"), VideoStyle())
    assert not any(l.kind in ("label", "inset") for l in plain.layers)

    # drawn: the product large in the middle of the painted scene, the backdrop around it
    from PIL import Image

    from studio.render.compositor import FrameRenderer, inset_card

    make_photo(tmp_path / "cup.png", color=(200, 30, 30))
    for path in backdrops:
        Image.new("RGB", (1080, 1920), (20, 160, 60)).save(path)
    small = VideoStyle.from_template({}, width=270, height=480)
    timeline = build_timeline(product, script, voice, Captions([], "zh", "transcript"), small, fps=10,
                              backgrounds=backdrops)
    frame = FrameRenderer(timeline).frame(17)  # scene 2 (a backdrop), the card faded in
    card, x, y = inset_card(str(tmp_path / "cup.png"), small, hero=True)
    assert card.width >= small.width * 0.5 and abs(x + card.width / 2 - small.width / 2) <= 1
    r, g, b = frame[y + card.height // 2, x + card.width // 2].astype(int)
    assert r > 150 and g < 90, (r, g, b)  # the red product
    r, g, b = frame[small.height - 20, 10].astype(int)
    assert g > 120 and r < 90, (r, g, b)  # the green backdrop


@pytest.mark.models
def test_a_wrong_model_folder_says_what_to_do(tmp_path):
    with pytest.raises(StudioError, match="has no model_index.json.*save_pretrained"):
        load_pipeline(tmp_path)
    (tmp_path / "model_index.json").write_text('{"_class_name": "StableDiffusionPipeline", "unet": ["diffusers", '
                                               '"UNet2DConditionModel"]}', encoding="utf-8")
    with pytest.raises(StudioError, match="could not load the diffusers model"):
        load_pipeline(tmp_path)
    with pytest.raises(StudioError, match="multiples of 8"):
        generate_backgrounds(Product("x", 1), tmp_path, 1, tmp_path / "o", size=(100, 100))


@pytest.mark.e2e
@pytest.mark.slow
def test_a_video_with_ai_backgrounds(tiny_model, tmp_path, cache, monkeypatch):
    """One photo, two painted backdrops: scenes cycle photo -> backdrop with the product card -> …,
    the priced offer scene shows the real photo, the AI label is on, the manifest says what was painted."""
    from studio.pipeline import RenderOptions, render_product
    from studio.sheet import load_sheet

    make_photo(tmp_path / "cup.png")
    sheet = write_csv(tmp_path / "s.csv", ["商品名称", "价格", "卖点", "图片", "类目"],
                      [["保温杯", "59.9", "保温12小时；316不锈钢", "cup.png", "家居"]])
    product = load_sheet(sheet).products[0]
    options = RenderOptions(out_dir=tmp_path / "out", quality="draft", ai_backgrounds=2, diffusers_model=str(tiny_model),
                            ai_background_steps=2, ai_background_size=(64, 112), target_seconds=12)
    stages = []
    result = render_product(product, options, on_progress=lambda p: stages.append(p.stage))
    assert result.ok, result.error
    assert "imagery" in stages and stages.index("imagery") < stages.index("voice")
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert manifest["imagery"]["images"] == 2 and manifest["imagery"]["device"] == "cpu"
    assert "modern home interior" in manifest["imagery"]["prompts"][0]
    assert manifest["timings_s"]["imagery"] > 0
    # the live preview shows what the render painted (it paints nothing itself)
    from studio.preview import Preview

    preview = Preview(product, options, width=270)
    try:
        assert len(preview.backgrounds) == 2
        assert sum(1 for l in preview.timeline.layers if l.kind == "inset" and l.hero) >= 1
    finally:
        preview.close()
    other = Preview(product, dataclasses.replace(options, seed=5), width=270)  # not painted for this seed yet
    assert other.backgrounds == []
    other.close()
    options.ai_backgrounds = 1
    options.diffusers_model = None
    failed = render_product(product, options)
    assert not failed.ok and "diffusers model folder" in failed.error


@pytest.mark.e2e
@pytest.mark.slow
def test_command_line_paints_backgrounds(tiny_model, tmp_path, cache, capsys, monkeypatch):
    from studio.cli import main as cli

    monkeypatch.setenv("STUDIO_SETTINGS", str(tmp_path / "settings.json"))  # no model in the settings

    make_photo(tmp_path / "cup.png")
    sheet = write_csv(tmp_path / "s.csv", ["商品名称", "价格", "卖点", "图片"], [["水杯", "19.9", "轻巧", "cup.png"]])
    out = tmp_path / "out"
    args = ["render", str(sheet), "--out", str(out), "--quality", "draft", "--target", "8", "--ai-backgrounds", "1",
            "--ai-steps", "2", "--ai-size", "64x112"]
    assert cli(args) == 1 and "diffusers model folder" in capsys.readouterr().err  # no model set anywhere
    assert cli(args + ["--diffusers-model", str(tiny_model)]) == 0
    imagery = json.loads((out / "水杯.json").read_text(encoding="utf-8"))["imagery"]
    assert (imagery["images"], imagery["steps"], imagery["size"]) == (1, 2, [64, 112])


@pytest.mark.models
def test_a_picture_the_models_safety_checker_blacks_out_is_painted_again(tiny_model):
    """A real model folder may hold a safety checker that blacks a picture out (nsfw flag): that
    picture is painted again from another seed, and three refusals in a row stop with what to do."""
    from studio.imagery import _paint

    pipe, device = load_pipeline(tiny_model)
    calls = []

    class Checked:  # the tiny pipeline with a checker that flags its first `refusals` pictures
        def __init__(self, refusals):
            self.refusals = refusals

        def __call__(self, prompt, num_inference_steps, width, height, generator, negative_prompt=None,
                     callback_on_step_end=None):
            result = pipe(prompt, num_inference_steps=num_inference_steps, width=width, height=height,
                          generator=generator, negative_prompt=negative_prompt)
            calls.append(generator.initial_seed())
            result.nsfw_content_detected = [len(calls) <= self.refusals]
            return result

    image = _paint(Checked(1), device, "a kitchen", 5, 2, (64, 64), None, None)
    assert image.size == (64, 64) and calls == [5, 5 + 7919]
    with pytest.raises(StudioError, match="safety checker rejected"):
        _paint(Checked(9), device, "a kitchen", 5, 2, (64, 64), None, None)
