from pathlib import Path

import pytest

from studio.script import generate_script, list_templates, load_template, parse_script_text, short_name
from studio.types import Product
from studio.util import StudioError

from .conftest import dev_listing

pytestmark = pytest.mark.unit


def zh_product(**kw) -> Product:
    base = dict(name="小熊保温杯", price=59.9, original_price=89.0, selling_points=["保温12小时", "316不锈钢", "轻巧"],
                category="保温杯", language="zh", images=[Path("a.jpg")])
    base.update(kw)
    return Product(**base)


def test_bundled_templates_cover_both_languages():
    langs = {t.language for t in list_templates()}
    assert {"zh", "en"} <= langs


def test_zh_script_has_the_scenes_and_facts():
    script = generate_script(zh_product(), load_template("zh_promo"))
    kinds = [s.kind for s in script.scenes]
    assert kinds[0] == "hook" and kinds[-1] == "cta" and "offer" in kinds and kinds.count("point") == 3
    assert "59.9元" in script.text and "89元" in script.text
    assert all(line.strip() for line in script.lines)
    assert script.template == "zh_promo" and len(script.template_hash) == 12


def test_en_script():
    p = Product(name="Canvas Tote", price=24.99, selling_points=["Heavy canvas", "Zip pocket"], language="en")
    script = generate_script(p, load_template("en_promo"))
    assert "$24.99" in script.text and "Canvas Tote" in script.text


def test_variants_are_reproducible_and_differ():
    t = load_template("zh_promo")
    p = zh_product()
    a = [generate_script(p, t, variant=v, seed=7).text for v in range(3)]
    b = [generate_script(p, t, variant=v, seed=7).text for v in range(3)]
    assert a == b
    assert len(set(a)) >= 2


def test_variants_start_their_photos_one_further_on_and_keep_a_templates_own_choice(tmp_path: Path):
    """Variants of one product look different too (platforms rank near-duplicates down): scenes without
    image= start one photo further on per variant, and the shots are chosen differently; image=2 stays."""
    from studio.render.style import VideoStyle
    from studio.render.timeline import build_timeline
    from studio.types import Captions, LineSpan, Voiceover

    t = load_template(_template(tmp_path, "[hook]\n你好\n[point]\n一\n[point image=2]\n二\n[cta]\n买\n"))
    p = zh_product(images=[Path("a.jpg"), Path("b.jpg"), Path("c.jpg")])
    images = [[s.image for s in generate_script(p, t, variant=v).scenes] for v in range(3)]
    assert images == [[0, 1, 1, 3], [1, 2, 1, 4], [2, 3, 1, 5]]
    layers = []
    for v in range(2):
        script = generate_script(p, t, variant=v)
        spans = [LineSpan(scene.lines[0], i * 1.0, i * 1.0 + 0.9, scene=i) for i, scene in enumerate(script.scenes)]
        voice = Voiceover(tmp_path / "v.wav", 24000, 4.0, spans, "x", True)
        timeline = build_timeline(p, script, voice, Captions([], "zh", "script-aligned"), VideoStyle())
        layers.append([(l.sources[0], l.label) for l in sorted(timeline.layers, key=lambda l: l.start)
                       if l.kind == "shot"])
    assert [s for s, _ in layers[0]] == ["a.jpg", "b.jpg", "b.jpg", "a.jpg"]
    assert [s for s, _ in layers[1]] == ["b.jpg", "c.jpg", "b.jpg", "b.jpg"]
    assert [m for _, m in layers[0]] != [m for _, m in layers[1]]


def test_short_name_from_marketplace_title():
    assert short_name("加拿大原装进口 爱肯拿Acana 无谷深海鱼配方全犬粮 6kg") == "爱肯拿Acana深海鱼配方全犬粮"
    assert short_name("Canvas Tote") == "Canvas Tote"


def _template(tmp_path: Path, body: str, lang: str = "zh") -> Path:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "template.yaml").write_text(f"name: t\nlanguage: {lang}\n", encoding="utf-8")
    (folder / "script.j2").write_text(body, encoding="utf-8")
    return folder


def test_undefined_variable_names_template_line_and_variable(tmp_path: Path):
    folder = _template(tmp_path, "[hook]\n你好\n[cta]\n{{ prise }}\n")
    with pytest.raises(StudioError) as err:
        generate_script(zh_product(), load_template(folder))
    msg = str(err.value)
    assert "'t'" in msg and "line 4" in msg and "prise" in msg


def test_syntax_error_names_line(tmp_path: Path):
    folder = _template(tmp_path, "[hook]\n{% if %}\n")
    with pytest.raises(StudioError, match="line 2"):
        generate_script(zh_product(), load_template(folder))


@pytest.mark.parametrize("payload", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ pick.__globals__['os'].system('echo pwned') }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ config.items() }}",
    "{{ points.append('x') }}",
])
def test_sandbox_blocks_injection(tmp_path: Path, payload: str):
    folder = _template(tmp_path, f"[hook]\n{payload}\n")
    with pytest.raises(StudioError):
        generate_script(zh_product(), load_template(folder))


def test_parse_script_text_and_unknown_scene():
    scenes = parse_script_text('[hook overlay="标题"]\n一句\n\n[point image=2]\n二句\n三句\n')
    assert [(s.kind, s.image, s.overlay, s.lines) for s in scenes] == [
        ("hook", 0, "标题", ["一句"]), ("point", 1, "", ["二句", "三句"])]
    with pytest.raises(StudioError, match="unknown scene"):
        parse_script_text("[intro]\nx\n")


def test_unknown_template_lists_available():
    with pytest.raises(StudioError, match="zh_promo"):
        load_template("no_such_template")


def test_variants_never_repeat_while_choices_remain():
    t = load_template("zh_promo")
    p = zh_product()
    texts = [generate_script(p, t, variant=v, seed=3).text for v in range(6)]
    assert len(set(texts)) == 6


def test_duration_estimate_tracks_text_length():
    from studio.script.generate import estimate_seconds

    short = estimate_seconds(["这款保温杯很好用。"], "zh")
    long = estimate_seconds(["这款保温杯很好用。"] * 4, "zh")
    assert 1.5 < short < 4 and long > 3 * short * 0.8
    assert estimate_seconds(["Meet the tote."], "en") < estimate_seconds(["Meet the tote."] * 3, "en")
    assert estimate_seconds(["这款保温杯很好用。"], "zh", speed=0.85) > short


# ---------------------------------------------------------------- broken templates are reported, not skipped
def test_list_templates_reports_broken_ones_with_file_line_and_variable(tmp_path: Path, monkeypatch):
    from studio.script.templates import TemplateList

    lib = tmp_path / "lib"
    for name, yaml_text, body in [
        ("good", "name: good\nlanguage: zh\n", "[hook]\n你好。\n"),
        ("typo", "name: typo\nlanguage: zh\n", "[hook]\n你好。\n[cta]\n{{ prise }}\n"),
        ("syntax", "name: syntax\nlanguage: zh\n", "[hook]\n{% if %}\n"),
        ("badyaml", "name: badyaml\nlanguage: [zh\n", "[hook]\n你好。\n"),
        ("badstyle", "name: badstyle\nlanguage: zh\nstyle:\n  colour: red\n", "[hook]\n你好。\n"),
    ]:
        (lib / name).mkdir(parents=True)
        (lib / name / "template.yaml").write_text(yaml_text, encoding="utf-8")
        (lib / name / "script.j2").write_text(body, encoding="utf-8")
    monkeypatch.setenv("STUDIO_TEMPLATES", str(lib))
    found = list_templates()
    assert isinstance(found, TemplateList) and isinstance(found, list)
    assert "good" in [t.name for t in found] and "zh_promo" in [t.name for t in found]
    broken = {b.name: b for b in found.broken}
    assert set(broken) == {"typo", "syntax", "badyaml", "badstyle"}
    assert broken["typo"].file.endswith("script.j2") and broken["typo"].line == 4 and broken["typo"].variable == "prise"
    assert "prise" in broken["typo"].error and "line 4" in broken["typo"].error
    assert broken["syntax"].line == 2 and broken["syntax"].file.endswith("script.j2")
    assert broken["badyaml"].file.endswith("template.yaml") and broken["badyaml"].line
    assert broken["badstyle"].line == 4 and "colour" in broken["badstyle"].error


def test_bundled_library_has_no_broken_templates():
    assert list_templates().broken == []


def test_a_variable_set_in_one_branch_is_not_reported(tmp_path: Path):
    folder = _template(tmp_path, "[hook]\n{% if points %}{% set k = 1 %}{{ k }}{% endif %}\n你好。\n")
    assert generate_script(zh_product(), load_template(folder)).lines


def test_templates_see_facts_and_sheet_material(tmp_path: Path):
    folder = _template(tmp_path, "[hook]\n{{ facts.brand }}，{{ facts.weight }}，{{ facts.origin }}。\n"
                                 "{% for d in details %}{{ d }}。\n{% endfor %}{{ usage|length }}{{ reviews|length }}件。\n")
    p = zh_product(name="加拿大原装进口 爱肯拿Acana 无谷深海鱼配方全犬粮 6kg",
                   extra={"详情": "冻干工艺。颗粒适中！", "评价": "狗狗爱吃"})
    lines = generate_script(p, load_template(folder)).lines
    assert lines == ["爱肯拿Acana，6kg，加拿大。", "冻干工艺。", "颗粒适中。", "01件。"]


# ---- real marketplace listings (tests/data/listings/, dev part) ----

def _en_listing_product(listing_id: str, **kw) -> Product:
    row = dev_listing(listing_id)
    base = dict(name=row["title"], price=float(row["price"]), selling_points=row["bullets"],
                category="|".join(row["category_path"]), language="en", images=[Path("a.jpg")])
    base.update(kw)
    return Product(**base)


def test_a_category_path_is_said_by_its_last_name():
    """数码/游戏本 was once read with its slash; a JD category path, an Amazon one, a plain one."""
    row = dev_listing("jd-laptop-10052913090268")
    for category, said in (("数码/游戏本", "游戏本"), ("电脑、办公>电脑整机>游戏本", "游戏本"), ("游戏本", "游戏本")):
        p = zh_product(name=row["title"], category=category, selling_points=["2.5K 165Hz电竞屏", "RTX3060 6G独显"])
        for variant in range(4):
            script = generate_script(p, load_template("zh_promo"), variant=variant)
            assert "/" not in script.text and ">" not in script.text
            if "好用的" in script.text:
                assert f"好用的{said}" in script.text
    en = _en_listing_product("amzin-B07JW9H4J1")  # Computers&Accessories|...|Cables|USBCables
    text = " ".join(generate_script(en, load_template("en_promo"), variant=v).text for v in range(6))
    assert "|" not in text and "&Accessories" not in text
    assert "USBCables" not in text


def test_emoji_never_reach_the_voice_or_the_screen():
    """amzin-B0BBVKRP7B: bullets open with ✅; the script's lines (spoken and captioned) hold no
    pictograph, and nothing in lines or overlays is outside what the shipped font can draw."""
    from studio.marketplace import _PICTOGRAPH, font_codepoints
    from studio.util import cjk_font_path

    cmap = font_codepoints(str(cjk_font_path()))
    p = _en_listing_product("amzin-B0BBVKRP7B")
    assert any("✅" in b for b in p.selling_points)
    for variant in range(3):
        script = generate_script(p, load_template("en_promo"), variant=variant)
        for scene in script.scenes:
            assert not any(_PICTOGRAPH.search(line) for line in scene.lines)
            assert all(ord(ch) in cmap for ch in "".join(scene.lines) + scene.overlay if not ch.isspace())


def test_long_bullets_are_cut_at_a_clause_never_inside_a_word():
    """Amazon bullets of 30-70 words: each spoken point is the start of its bullet and ends at a
    sentence or clause boundary of it."""
    import re

    from studio.marketplace import speakable_point, strip_pictographs

    for listing_id in ("amzin-B07JW9H4J1", "amzin-B0BLV1GNLN", "amzin-B0B2DJDCPX", "amzin-B08VB57558"):
        for bullet in dev_listing(listing_id)["bullets"]:
            point = speakable_point(bullet, "en")
            source = re.sub(r"\s+", " ", strip_pictographs(bullet))
            source = re.sub(r"^\s*[【\[]\s*([^】\]]{1,40}?)\s*[】\]]\s*[-:：–—]*\s*", r"\1: ", source)
            assert source.startswith(point), (point, source)
            rest = source[len(point):]
            assert not rest or re.match(r"[\s.,;:!?–—-]", rest), (point, rest[:20])
    assert speakable_point("【保温】12小时长效保温，316不锈钢内胆，轻巧便携不占地方，适合上班族学生党日常通勤出行使用还能装热汤", "zh") == \
        "保温：12小时长效保温，316不锈钢内胆，轻巧便携不占地方"


def test_a_point_repeated_on_the_sheet_is_said_once():
    """amzin-B08VB57558 lists its bullets twice; 'Sturdy and Durable' style near-repeats also go."""
    p = _en_listing_product("amzin-B08VB57558")
    script = generate_script(p, load_template("en_promo"), target_seconds=60)
    points = [s.overlay for s in script.scenes if s.kind == "point"]
    assert points and len(points) == len(set(points))
    zh = zh_product(selling_points=["保温12小时", "保温12小时！", "316不锈钢", "轻巧", "轻巧便携"])
    points = [s.overlay for s in generate_script(zh, load_template("zh_promo")).scenes if s.kind == "point"]
    assert points == ["保温12小时", "316不锈钢", "轻巧便携"]


def test_text_the_font_cannot_draw_is_dropped_with_a_note(caplog):
    from studio.marketplace import drawable

    with caplog.at_level("WARNING"):
        assert drawable("好用👾✅ 保温 ✓") == "好用 保温 ✓"  # ✓ is in Noto Sans SC, the emoji are not
    assert any("U+1F47E" in r.getMessage() for r in caplog.records)
