"""Projects: a folder with the products, their media, edited scripts and style; the CLI renders it too."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio.project import Project, ProjectItem, ProjectStyle
from studio.types import Product, Scene
from studio.util import PROJECT_ROOT, StudioError

from .conftest import make_photo, write_csv

pytestmark = pytest.mark.unit


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    make_photo(tmp_path / "src" / "cup.png")
    return write_csv(tmp_path / "src" / "sheet.csv", ["商品名称", "价格", "卖点", "图片"],
                     [["保温杯", "59.9", "保温十二小时、一键开盖", "cup.png"], ["坏行", "abc", "x", "none.png"]])


def test_create_copies_media_and_round_trips(sheet, tmp_path):
    project = Project.create(tmp_path / "p", sheet)
    (item,) = project.items
    assert item.product.images[0].parent == project.media_dir
    assert item.product.images[0].read_bytes() == (tmp_path / "src" / "cup.png").read_bytes()
    assert any(p.row == 3 for p in project.sheet_problems)  # the bad row is remembered with its reason
    item.script = [Scene("hook", ["自己写的开场"]), Scene("cta", ["点击下单"], image=0, overlay="下单")]
    project.style = ProjectStyle(template="zh_promo", caption_size=80, music="", platform="kuaishou")
    project.save()
    data = json.loads(project.file.read_text(encoding="utf-8"))
    assert data["products"][0]["product"]["images"] == ["media/cup.png"]  # relative: the folder can move
    moved = tmp_path / "moved"
    project.folder.rename(moved)
    again = Project.load(moved)
    assert again.items[0].script == item.script and again.style == project.style
    assert again.items[0].product.images[0] == moved.resolve() / "media" / "cup.png"
    assert again.items[0].product.images[0].is_file()
    assert again.style.template_overrides() == {"caption_size": 80, "music": None}


def test_same_name_media_do_not_overwrite_each_other(tmp_path):
    project = Project.create(tmp_path / "p")
    a = make_photo(tmp_path / "a" / "photo.png", color=(10, 10, 10))
    b = make_photo(tmp_path / "b" / "photo.png", color=(200, 10, 10))
    ca, cb, ca2 = project.import_media(a), project.import_media(b), project.import_media(a)
    assert ca != cb and ca2 == ca and ca.read_bytes() == a.read_bytes() and cb.read_bytes() == b.read_bytes()
    with pytest.raises(StudioError, match="not found"):
        project.import_media(tmp_path / "nope.png")


def test_errors_name_the_file_and_what_to_do(tmp_path):
    with pytest.raises(StudioError, match="no project.json"):
        Project.load(tmp_path)
    Project.create(tmp_path / "p")
    with pytest.raises(StudioError, match="already holds a project"):
        Project.create(tmp_path / "p")
    (tmp_path / "p" / "project.json").write_text("{ broken", encoding="utf-8")
    with pytest.raises(StudioError, match=r"project\.json.*damaged"):
        Project.load(tmp_path / "p")


def test_a_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    project = Project.create(tmp_path / "p")
    project.items.append(ProjectItem(Product("杯子")))
    project.save()
    good = project.file.read_text(encoding="utf-8")
    project.items.append(ProjectItem(Product("壶")))

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)  # the disk fills up as the new text is flushed
    with pytest.raises(StudioError, match="disk is full"):
        project.save()
    monkeypatch.undo()
    assert project.file.read_text(encoding="utf-8") == good
    assert not list(project.folder.glob(".*.part"))


def test_a_save_is_flushed_before_the_rename_and_keeps_the_previous_version(tmp_path, monkeypatch):
    project = Project.create(tmp_path / "p")
    project.items.append(ProjectItem(Product("杯子")))
    project.save()
    first = project.file.read_text(encoding="utf-8")
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append(f"replace {Path(b).name}"), real_replace(a, b))[1])
    project.items.append(ProjectItem(Product("壶")))
    project.save()
    assert events.index("fsync") < events.index("replace project.json")
    assert (project.folder / "project.json.bak").read_text(encoding="utf-8") == first
    assert [i.product.name for i in Project.load(project.folder).items] == ["杯子", "壶"]


def test_a_damaged_file_never_replaces_a_good_backup(tmp_path):
    project = Project.create(tmp_path / "p")
    project.save()
    good_backup = project.backup_file.read_text(encoding="utf-8")
    project.file.write_text("{ cut off", encoding="utf-8")
    project.save()  # the app saves again: the damaged file must not become the backup
    assert project.backup_file.read_text(encoding="utf-8") == good_backup


def test_projects_saved_with_a_currency_column_keep_their_currency(tmp_path):
    project = Project.create(tmp_path / "p")
    project.items.append(ProjectItem(Product("Mug", price=5, language="en", extra={"currency": "EUR"})))
    data = project.to_dict()
    data["products"][0]["product"].pop("currency", None)  # as an older studio wrote it
    assert Project.from_dict(project.folder, data).items[0].product.currency == "EUR"


def test_cli_reads_a_project_with_its_edited_script(sheet, tmp_path):
    project = Project.create(tmp_path / "p", sheet)
    project.items[0].script = [Scene("hook", ["这是我自己改的开场白"]), Scene("cta", ["快来下单"])]
    project.style.template = "zh_promo"
    project.save()
    out = subprocess.run([sys.executable, str(PROJECT_ROOT / "main.py"), "script", str(project.folder)],
                         capture_output=True, text=True, timeout=120)
    assert "这是我自己改的开场白" in out.stdout and "zh_promo" in out.stdout, out.stdout + out.stderr
    assert "row 3" in out.stderr  # the bad sheet row is still reported


def test_style_overrides_reach_the_template_keys():
    from studio import cache

    st = ProjectStyle(pitch=2.0, speed=0.9, caption_style="elder", text_color="#FFEE00")
    assert st.template_overrides() == {"pitch": 2.0, "speed": 0.9, "caption_style": "elder", "text_color": "#FFEE00"}
    assert ProjectStyle(product_inset=False).template_overrides() == {"product_inset": False}
    assert "product_inset" not in ProjectStyle().template_overrides()  # None: the template decides
    assert cache.voice_key(["a"], "zh", None, 1.0, [0], 2.0) != cache.voice_key(["a"], "zh", None, 1.0, [0], 0.0)


def test_products_added_with_the_same_name_get_their_own_video_files(tmp_path: Path):
    project = Project(folder=tmp_path / "p")
    project.items = [ProjectItem(Product("保温杯")), ProjectItem(Product("保温杯")), ProjectItem(Product("茶杯"))]
    project.assign_output_names()
    assert [it.product.slug for it in project.items] == ["保温杯", "保温杯_row2", "茶杯"]
    project.items[1].product.name = "保温杯 大号"  # renamed: the clash is gone, so is the suffix
    again = Project.from_dict(project.folder, project.to_dict())
    assert [it.product.slug for it in again.items] == ["保温杯", "保温杯_大号", "茶杯"]
