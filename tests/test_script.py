from pathlib import Path

import pytest

from studio.script import generate_script, list_templates, load_template, parse_script_text, short_name
from studio.types import Product
from studio.util import StudioError


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


def test_short_name_from_marketplace_title():
    assert short_name("加拿大原装进口 爱肯拿Acana 无谷深海鱼配方全犬粮 6kg") == "无谷深海鱼配方全犬粮"
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
