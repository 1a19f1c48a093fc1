"""Templates shared as one .zip: export, import, and the refusals that keep a stranger's package safe."""
import wave
import zipfile
from pathlib import Path

import pytest

from studio.cli import main as cli
from studio.script import export_template, generate_script, import_template, list_templates, load_template
from studio.types import Product
from studio.util import StudioError

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("STUDIO_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_a_bundled_template_goes_out_and_comes_back_under_a_new_name(tmp_path, home):
    result = export_template("zh_promo", tmp_path / "share" / "promo")
    assert result.path == tmp_path / "share" / "promo.zip" and not result.warnings
    names = zipfile.ZipFile(result.path).namelist()
    assert {"zh_promo/template.yaml", "zh_promo/script.j2", "zh_promo/preview.png"} <= set(names)
    with pytest.raises(StudioError, match="bundled template is already named 'zh_promo'"):
        import_template(result.path)
    template = import_template(result.path, name="my_promo")
    assert template.name == "my_promo" and template.folder == (home / "templates" / "my_promo").resolve()
    assert "my_promo" in [t.name for t in list_templates()] and not list_templates().broken
    product = Product(name="小熊保温杯", price=59.9, selling_points=["保温12小时", "316不锈钢"], language="zh")
    assert generate_script(product, load_template("my_promo")).text == generate_script(product, load_template("zh_promo")).text
    assert _leftovers(home / "templates") == ["my_promo"]


def _own_template(root: Path, name: str = "mine", script: str = "[hook]\n{{ name }}好用\n[cta]\n快来买\n",
                  style: str = "") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "template.yaml").write_text(f"name: {name}\nlanguage: zh\ntarget_seconds: 6\n{style}", encoding="utf-8")
    (folder / "script.j2").write_text(script, encoding="utf-8")
    return folder


def test_music_from_outside_the_folder_travels_with_the_package(tmp_path, home):
    music = tmp_path / "elsewhere" / "my_song.wav"
    music.parent.mkdir()
    with wave.open(str(music), "wb") as w:  # a tenth of a second of silence
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000), w.writeframes(b"\0\0" * 800)
    folder = _own_template(tmp_path / "t", style=f"style:\n  music: {music}   # my own track\n")
    result = export_template(folder, tmp_path / "mine.zip")
    assert "mine/assets/my_song.wav" in zipfile.ZipFile(result.path).namelist()
    assert any("packed in" in w for w in result.warnings)  # the creator is told what left their disk
    template = import_template(result.path)
    assert template.style["music"] == "assets/my_song.wav"
    assert template.resolve_asset(template.style["music"]).read_bytes() == music.read_bytes()
    assert "# my own track" in (template.folder / "template.yaml").read_text(encoding="utf-8")


def test_replace_needs_asking_and_swaps_in_one_step(tmp_path, home):
    first = export_template(_own_template(tmp_path / "a"), tmp_path / "a.zip").path
    second = export_template(_own_template(tmp_path / "b", script="[hook]\n第二版\n"), tmp_path / "b.zip").path
    import_template(first)
    with pytest.raises(StudioError, match="already installed.*--replace"):
        import_template(second)
    assert "第二版" not in load_template("mine").source
    assert "第二版" in import_template(second, replace=True).source
    assert _leftovers(home / "templates") == ["mine"]


def _zip(path: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


GOOD = {"template.yaml": "name: x\nlanguage: zh\n", "script.j2": "[hook]\n你好\n"}


@pytest.mark.parametrize("files, message", [
    ({"../evil/template.yaml": GOOD["template.yaml"], "../evil/script.j2": GOOD["script.j2"]}, "unsafe path"),
    ({"/abs/template.yaml": GOOD["template.yaml"]}, "unsafe path"),
    ({"readme.txt": "hi"}, "no template.yaml"),
    ({"a/template.yaml": GOOD["template.yaml"], "a/script.j2": "x", "b/template.yaml": GOOD["template.yaml"]},
     "holds 2 templates"),
    ({"a/template.yaml": GOOD["template.yaml"], "a/script.j2": "x", "stray.txt": "x"}, "outside its template folder"),
    ({"t/template.yaml": GOOD["template.yaml"], "t/script.j2": "[hook]\n{{ prise }}\n"}, r"script.j2.*line 2.*prise"),
    ({"t/template.yaml": "name: t\nlanguage: fr\n", "t/script.j2": "x"}, "language must be"),
])
def test_a_bad_package_is_refused_with_the_reason_and_leaves_nothing(tmp_path, home, files, message):
    package = _zip(tmp_path / "p.zip", files)
    with pytest.raises(StudioError, match=message):
        import_template(package)
    assert _leftovers(home / "templates") == []


def test_a_zip_made_on_a_mac_or_windows_imports(tmp_path, home):
    """Finder adds __MACOSX/ and ._ files, Explorer Thumbs.db: they are not part of the template."""
    files = {f"mine/{k}": v for k, v in GOOD.items()}
    files.update({"__MACOSX/mine/._template.yaml": b"\0\5\26\7", "mine/.DS_Store": b"\0", "mine/Thumbs.db": b"\0"})
    template = import_template(_zip(tmp_path / "mac.zip", files))
    assert sorted(p.name for p in template.folder.iterdir()) == ["script.j2", "template.yaml"]


def test_a_zip_with_gbk_names_from_chinese_windows(tmp_path, home):
    class GbkName(zipfile.ZipInfo):  # what Windows' own "send to compressed folder" writes on a Chinese PC
        def _encodeFilenameFlags(self):
            return self.filename.encode("gbk"), self.flag_bits & ~0x800

    package = tmp_path / "gbk.zip"
    with zipfile.ZipFile(package, "w") as zf:
        zf.writestr(GbkName("我的模板/template.yaml"), "name: 我的模板\nlanguage: zh\n")
        zf.writestr(GbkName("我的模板/script.j2"), "[hook]\n你好\n")
    assert zipfile.ZipFile(package).namelist()[0] != "我的模板/template.yaml"  # Python alone garbles it
    template = import_template(package)
    assert template.name == "我的模板" and template.folder.name == "我的模板"


def test_not_a_zip_and_a_link_are_refused(tmp_path, home):
    (tmp_path / "x.zip").write_text("hello", encoding="utf-8")
    with pytest.raises(StudioError, match="not a template package"):
        import_template(tmp_path / "x.zip")
    with pytest.raises(StudioError, match="no such file"):
        import_template(tmp_path / "missing.zip")
    package = tmp_path / "link.zip"
    with zipfile.ZipFile(package, "w") as zf:
        zf.writestr("t/template.yaml", GOOD["template.yaml"])
        link = zipfile.ZipInfo("t/script.j2")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
    with pytest.raises(StudioError, match="link"):
        import_template(package)
    with pytest.raises(StudioError, match="cannot be a template name"):
        import_template(_zip(tmp_path / "ok.zip", {f"t/{k}": v for k, v in GOOD.items()}), name="../x")


def test_a_zip_bomb_is_refused_before_unpacking(tmp_path, home, monkeypatch):
    from studio.script import share

    monkeypatch.setattr(share, "MAX_BYTES", 1000)
    package = _zip(tmp_path / "big.zip", {"t/template.yaml": GOOD["template.yaml"], "t/script.j2": GOOD["script.j2"],
                                           "t/assets/noise.bin": b"\0" * 5000})
    with pytest.raises(StudioError, match="unpacks to 3 files"):
        import_template(package)
    assert _leftovers(home / "templates") == []


def test_command_line_round_trip(tmp_path, home, capsys):
    assert cli(["export-template", str(_own_template(tmp_path / "t")), str(tmp_path / "out.zip")]) == 0
    assert "exported" in capsys.readouterr().out
    assert cli(["import-template", str(tmp_path / "out.zip"), "--name", "shared_one"]) == 0
    assert "--template shared_one" in capsys.readouterr().out
    assert cli(["import-template", str(tmp_path / "out.zip"), "--name", "shared_one"]) == 2
    assert "--replace" in capsys.readouterr().err
