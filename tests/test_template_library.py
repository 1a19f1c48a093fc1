"""The bundled template library: every template loads, renders for full and sparse product sheets,
varies between variants, stays within caption and duration limits, passes the compliance lexicon,
and ships a preview; the library covers the categories, styles and languages it promises."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from PIL import Image

from studio.compliance import blocking, check_script
from studio.script import generate_script, load_template
from studio.script.generate import estimate_seconds, parse_script_text, render_template_text, short_name
from studio.script.templates import STYLE_DEFAULTS
from studio.types import Product
from studio.util import TEMPLATES_DIR

pytestmark = pytest.mark.unit

CATEGORIES = {"beauty", "apparel", "food", "appliance", "baby", "digital", "pets", "local", "general"}
STYLES = {"pain-point", "unboxing", "comparison", "story", "flash-sale", "tutorial", "promo"}
REQUIRED_STYLES = STYLES - {"promo"}
MAX_ZH_CHARS = 30  # per narrated line, as a reader counts them (CJK characters, Latin words' letters, digits)
MAX_EN_WORDS = 16
SHEET_TEXT_CAP = {"zh": 12, "en": 6}  # a merchant's long point/offer is said on its own; count it as this long

FOLDERS = sorted(p for p in TEMPLATES_DIR.iterdir() if (p / "template.yaml").exists())
NAMES = [p.name for p in FOLDERS]

# a typical product per language: three points, prices, an offer, category and audience
TYPICAL = {
    "zh": dict(name="小熊不锈钢保温杯 500ml", price=59.9, original_price=89.0, offer="前100名下单送杯套",
               selling_points=["316不锈钢内胆", "保温12小时", "一键开盖单手喝"], category="保温杯", audience="上班族",
               brand="小熊"),
    "en": dict(name="Everyday Canvas Tote", price=24.99, original_price=34.99, offer="Free shipping over $30",
               selling_points=["Heavy cotton canvas that lasts for years", "Inner zip pocket for your keys",
                               "Fits a 15-inch laptop"], category="tote bag", audience="commuters", brand="Canvas Co"),
}
LONG_POINT = {
    "zh": "杯身采用食品级316不锈钢内胆并且经过多道电解抛光工艺处理更好清洗",
    "en": "Made from heavy twelve ounce cotton canvas that keeps its shape after years of daily use",
}


def product(language: str, **kw) -> Product:
    base = dict(TYPICAL[language], language=language, images=[Path("a.jpg"), Path("b.jpg")])
    base.update(kw)
    return Product(**base)


def minimal(language: str, **kw) -> Product:
    """Name and one selling point; no price, original price, offer, category, audience or brand."""
    base = dict(name=TYPICAL[language]["name"], selling_points=TYPICAL[language]["selling_points"][:1],
                language=language, images=[Path("a.jpg")])
    base.update(kw)
    return Product(**base)


@pytest.fixture(scope="module", params=NAMES)
def template(request):
    return load_template(TEMPLATES_DIR / request.param)


# ---------------------------------------------------------------- metadata and files
def test_metadata_follows_the_schema(template):
    meta = yaml.safe_load((template.folder / "template.yaml").read_text(encoding="utf-8"))
    assert meta["name"] == template.folder.name
    assert template.language in ("zh", "en")
    assert template.category in CATEGORIES
    assert meta.get("style_name") in STYLES
    assert meta.get("title") and meta.get("description")
    assert 10 <= template.target_seconds <= 90
    assert set(meta.get("style") or {}) <= set(STYLE_DEFAULTS)
    assert template.resolve_asset(template.style["music"]) is not None, "music track missing"
    for key in ("accent_color", "text_color", "caption_highlight"):
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", str(template.style[key])), key


def test_has_a_preview_image(template):
    assert template.preview_image is not None, "run scripts/make_previews.py"
    assert template.preview_image.stat().st_size < 150_000
    with Image.open(template.preview_image) as im:
        assert im.size == (360, 640)


# ---------------------------------------------------------------- rendering
def _sheet_text_capped(line: str, p: Product) -> str:
    """The line with the merchant's own text (points, offer, address) cut to a typical length: a
    template cannot shorten what the sheet says, only avoid wrapping long sheet text in more words."""
    cap = SHEET_TEXT_CAP[p.language]
    for text in sorted([*p.selling_points, p.offer, *p.extra.values()], key=len, reverse=True):
        text = text.strip().rstrip("。.！!；;，,、 ")
        if not text:
            continue
        short = text[:cap] if p.language == "zh" else " ".join(text.split()[:cap])
        line = re.sub(re.escape(text), short, line, flags=re.IGNORECASE)
    return line


def _check_lengths(script, p: Product) -> None:
    for line in script.lines:
        capped = _sheet_text_capped(line, p)
        if script.language == "zh":
            n = len(re.sub(r"[^\w]", "", capped))
            assert n <= MAX_ZH_CHARS, f"{script.template}: line too long ({n} characters): {line}"
        else:
            n = len(capped.split())
            assert n <= MAX_EN_WORDS, f"{script.template}: line too long ({n} words): {line}"


def _check_overlays(script, p: Product) -> None:
    name = short_name(p.name)
    for scene in script.scenes:
        if scene.kind == "point" or not scene.overlay or scene.overlay == name:
            continue
        limit = 12 if script.language == "zh" else 24
        assert len(scene.overlay) <= limit, f"{script.template}: overlay too long: {scene.overlay}"


@pytest.mark.parametrize("variant", [0, 1, 2])
def test_full_product(template, variant):
    p = product(template.language)
    script = generate_script(p, template, variant=variant, seed=5)
    kinds = [s.kind for s in script.scenes]
    assert kinds[0] == "hook" and kinds[-1] == "cta"
    assert "offer" in kinds
    assert 1 <= kinds.count("point") <= 4
    assert not script.warnings
    offer_text = " ".join(s for sc in script.scenes if sc.kind == "offer" for s in sc.lines)
    assert p.offer.lower()[:8] in offer_text.lower() or p.offer.lower()[:8] in script.text.lower()
    _check_lengths(script, p)
    _check_overlays(script, p)
    assert not blocking(check_script(script, p)), [str(f.text) for f in check_script(script, p)]


def test_minimal_product(template):
    p = minimal(template.language)
    script = generate_script(p, template)
    kinds = [s.kind for s in script.scenes]
    assert kinds[0] == "hook" and kinds[-1] == "cta"
    assert "offer" not in kinds and kinds.count("point") == 1
    assert "None" not in script.text
    _check_lengths(script, p)
    assert not blocking(check_script(script, p))


@pytest.mark.parametrize("case", ["no_points", "long_point", "price_no_original", "odd_currency", "quote_in_point"])
def test_sparse_and_awkward_sheets(template, case):
    lang = template.language
    p = {
        "no_points": lambda: minimal(lang, selling_points=[]),
        "long_point": lambda: product(lang, selling_points=[LONG_POINT[lang], TYPICAL[lang]["selling_points"][1]],
                                      offer=""),
        "price_no_original": lambda: product(lang, original_price=None, offer="", category="", audience=""),
        "odd_currency": lambda: product(lang, currency="HKD"),
        "quote_in_point": lambda: minimal(lang, selling_points=['Says "hi" 说“你好”。']),
    }[case]()
    script = generate_script(p, template)
    assert script.lines and all(line.strip() for line in script.lines)
    if case == "long_point":
        _check_lengths(script, p)
        assert not any("..." in line for line in script.lines)
    if case == "price_no_original":
        assert TYPICAL[lang]["original_price"] is not None
        assert f"{TYPICAL[lang]['original_price']:g}" not in script.text
    if case == "odd_currency":
        assert "HK$" in script.text or "HK$" in " ".join(s.overlay for s in script.scenes)


# ---------------------------------------------------------------- variants
def test_variants_differ_in_hook_and_call_to_action(template):
    p = product(template.language)
    texts = {generate_script(p, template, variant=v, seed=3).text for v in range(5)}
    assert len(texts) >= 3
    hooks, ctas = set(), set()
    for v in range(12):
        scenes = parse_script_text(render_template_text(template, p, variant=v, seed=11), template.name)
        hooks.add(" ".join(scenes[0].lines))
        ctas.add(" ".join(scenes[-1].lines))
    assert len(hooks) >= 3, f"{template.name}: fewer than 3 hooks"
    assert len(ctas) >= 3, f"{template.name}: fewer than 3 calls to action"


# ---------------------------------------------------------------- duration
def test_narration_fits_the_target_duration(template):
    """A typical sheet (three points, no detail columns) lands within the template's tolerance at its own
    target (tests/test_fit.py covers 15/30/60 s and thin sheets)."""
    p = product(template.language)
    speed = float(template.style.get("speed") or 1.0)
    tol = template.fit.tolerance
    for v in range(3):
        script = generate_script(p, template, variant=v, seed=1)
        est = estimate_seconds(script.lines, template.language, speed, rate=template.fit.rate, pause=template.fit.pause)
        assert (1 - tol) * template.target_seconds <= est <= (1 + tol) * template.target_seconds, (
            f"{template.name}: about {est:.0f} s of narration for a {template.target_seconds:g} s template")
        assert script.fit["status"] == "ok" and script.fit["estimated_s"] == est


# ---------------------------------------------------------------- the library as a whole
def test_library_coverage():
    templates = [load_template(f) for f in FOLDERS]
    assert len(templates) >= 12
    metas = [t.meta for t in templates]
    assert len({t.category for t in templates}) >= 8
    assert REQUIRED_STYLES <= {m.get("style_name") for m in metas}
    assert {t.language for t in templates} == {"zh", "en"}
    assert sum(t.language == "zh" for t in templates) >= 6 and sum(t.language == "en" for t in templates) >= 4
    assert len({t.name for t in templates}) == len(templates)
    accents = [str(t.style["accent_color"]).lower() for t in templates]
    assert len(set(accents)) == len(accents), "each template has its own accent colour"


def test_elder_friendly_tutorials_are_slow_big_and_short():
    tutorials = [t for t in (load_template(f) for f in FOLDERS) if t.meta.get("style_name") == "tutorial"]
    assert tutorials
    for t in tutorials:
        assert float(t.style["speed"]) <= 0.9
        from studio.render import VideoStyle

        drawn = VideoStyle.from_template(t.style)
        assert drawn.caption_kind == "elder" and drawn.caption_px >= 86
        assert drawn.caption_style().box and not drawn.caption_style().karaoke
        script = generate_script(product(t.language), t)
        short = [line for line in script.lines if (len(line) <= 16 if t.language == "zh" else len(line.split()) <= 8)]
        assert len(short) >= 0.6 * len(script.lines), "mostly short sentences"
