"""The open project without a window: edits as commands with undo, autosave, one field parser shared
with the sheet loader, stable item ids, readiness from the render plan."""
import json

import pytest

from studio.app.session import ATTENTION, CHECKING, ITEM, ITEMS, READY, SAVED, STYLE, Session
from studio.core.errors import StudioError
from studio.core.fields import FieldError, parse_language, parse_price_field
from studio.pipeline import PlanError
from studio.pipeline.plan import check_product_media
from studio.project import Project
from studio.settings import Settings
from studio.sheet import load_sheet
from studio.types import Product

from .conftest import make_photo, write_csv

pytestmark = pytest.mark.unit


@pytest.fixture
def sheet(tmp_path):
    make_photo(tmp_path / "cup.png")
    return write_csv(tmp_path / "sheet.csv", ["商品名称", "价格", "卖点", "图片", "语言"], [
        ["保温杯", "59.9", "保温十二小时", "cup.png", "zh"],
        ["保温壶", "79", "大容量", "cup.png", "zh"],
        ["缺图商品", "10", "卖点", "missing.png", "zh"],
    ])


@pytest.fixture
def session(tmp_path, sheet):
    s = Session(Project.create(tmp_path / "project"), Settings(), out_dir=tmp_path / "out")
    s.import_sheet(sheet)
    return s


def by_name(session, name):
    return next(it.id for it in session.items if it.product.name == name)


# ---------------------------------------------------------------- one parser per field
@pytest.mark.parametrize("cell, expected", [("中文", "zh"), ("zh", "zh"), ("Chinese", "zh"), ("zh-CN", "zh"),
                                            ("English", "en"), ("英文", "en"), ("en", "en")])
def test_the_table_takes_every_language_a_sheet_takes(session, tmp_path, cell, expected):
    cup = by_name(session, "保温杯")
    session.edit_field(cup, "language", "en" if expected == "zh" else "zh")
    assert session.edit_field(cup, "language", cell)
    assert session.item(cup).product.language == expected
    make_photo(tmp_path / "t.png")
    read = load_sheet(write_csv(tmp_path / "lang.csv", ["name", "images", "language"], [["Tote", "t.png", cell]]))
    assert read.products[0].language == expected


def test_a_refused_cell_says_why_and_changes_nothing(session):
    cup = by_name(session, "保温杯")
    steps = session.can_undo, session.undo_name()
    for field, text, words in (("language", "fr", "language 'fr'"), ("price", "九块九", "price '九块九' is not a number"),
                               ("price", "59.9-79.9", "is a range"), ("price", "-5", "price '-5'"),
                               ("name", "  ", "no name")):
        with pytest.raises(FieldError) as caught:
            session.edit_field(cup, field, text)
        assert words in str(caught.value) and caught.value.field == field
    assert session.item(cup).product.language == "zh" and session.item(cup).product.price == 59.9
    assert (session.can_undo, session.undo_name()) == steps


@pytest.mark.parametrize("cell", ["到手价49", "¥59.9", "59.9元/件", "$1,299.00", "１２８", "99起"])
def test_a_price_reads_the_same_in_the_table_and_in_a_sheet(session, tmp_path, cell):
    make_photo(tmp_path / "t.png")
    read = load_sheet(write_csv(tmp_path / "p.csv", ["name", "price", "images"], [["Tote", cell, "t.png"]]))
    cup = by_name(session, "保温杯")
    session.edit_field(cup, "price", cell)
    assert session.item(cup).product.price == read.products[0].price == parse_price_field(cell)


def test_a_price_typed_in_another_currency_keeps_it_and_undo_restores_both(session):
    cup = by_name(session, "保温杯")
    assert session.item(cup).product.currency == ""
    session.edit_field(cup, "price", "€5")
    product = session.item(cup).product
    assert (product.price, product.currency) == (5.0, "EUR")
    session.undo()
    assert (session.item(cup).product.price, session.item(cup).product.currency) == (59.9, "")
    session.edit_field(cup, "price", "49")  # a plain number keeps the row's currency
    assert (session.item(cup).product.price, session.item(cup).product.currency) == (49.0, "")


def test_a_sheet_warns_about_a_language_it_does_not_know(tmp_path):
    make_photo(tmp_path / "t.png")
    read = load_sheet(write_csv(tmp_path / "fr.csv", ["name", "images", "language"], [["Sac", "t.png", "français"]]))
    assert read.products[0].language == "en"
    (warning,) = [p for p in read.problems if p.column == "language"]
    assert warning.severity == "warning" and "français" in warning.message
    with pytest.raises(FieldError):
        parse_language("français")


# ---------------------------------------------------------------- ids
def test_items_keep_their_ids_through_save_load_and_undo(session, tmp_path):
    before = [it.id for it in session.items]
    assert len(set(before)) == 2 and all(before)
    session.save()
    again = Project.load(tmp_path / "project")
    assert [it.id for it in again.items] == before
    cup = before[0]
    session.remove([cup])
    session.undo()
    assert [it.id for it in session.items] == before and session.item(cup).product.name == "保温杯"


def test_a_project_file_without_ids_gets_fresh_distinct_ones(session, tmp_path):
    session.save()
    file = tmp_path / "project" / "project.json"
    data = json.loads(file.read_text(encoding="utf-8"))
    for entry in data["products"]:
        del entry["id"]
    data["products"].append(json.loads(json.dumps(data["products"][0])) | {"id": "same"})
    data["products"].append(json.loads(json.dumps(data["products"][0])) | {"id": "same"})
    file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    loaded = Project.load(file.parent)
    ids = [it.id for it in loaded.items]
    assert len(ids) == 4 and len(set(ids)) == 4 and ids[2] == "same"


# ---------------------------------------------------------------- edits and undo
def test_every_edit_is_one_undoable_step(session, tmp_path):
    cup, pot = by_name(session, "保温杯"), by_name(session, "保温壶")
    photo = make_photo(tmp_path / "new.png")
    edits = [
        lambda: session.edit_field(cup, "selling_points", "保温 | 轻巧"),
        lambda: session.add_product("新商品"),
        lambda: session.move(pot, -1),
        lambda: session.remove([cup]),
        lambda: session.add_media(pot, [photo]),
        lambda: session.set_script_text(pot, "[hook]\n夏天出门就带它\n"),
        lambda: session.reset_script(pot),
        lambda: session.change_style(caption_size=90, platform="kuaishou"),
    ]
    snapshots = [session.project.to_dict()]
    for edit in edits:
        assert edit()
        snapshots.append(session.project.to_dict())
    assert all(a != b for a, b in zip(snapshots, snapshots[1:]))
    for expected in reversed(snapshots[:-1]):
        session.undo()
        assert session.project.to_dict() == expected
    for expected in snapshots[1:]:
        session.redo()
        assert session.project.to_dict() == expected
    assert session.undo_name() == ("修改样式", "Change style")


def test_listeners_hear_what_changed(session):
    cup, pot = by_name(session, "保温杯"), by_name(session, "保温壶")
    heard = []
    session.subscribe(lambda c: heard.append((c.kind, c.item_ids, c.select)))
    session.edit_field(pot, "name", "大保温壶")
    session.move(pot, -1)
    session.change_style(caption_size=80)
    kinds = [h for h in heard if h[0] != SAVED]
    assert kinds == [(ITEM, (pot,), pot), (ITEMS, (pot, cup), pot), (STYLE, (), None)]
    assert session.options.style["caption_size"] == 80


def test_autosave_waits_for_the_callers_timer(tmp_path, sheet):
    pending = []
    session = Session(Project.create(tmp_path / "p"), Settings(), schedule_save=pending.append)
    session.import_sheet(sheet)
    session.edit_field(session.items[0].id, "name", "真空保温杯")
    assert len(pending) == 2 and session.dirty
    assert "真空保温杯" not in (tmp_path / "p" / "project.json").read_text(encoding="utf-8")
    pending[-1]()  # the timer fires
    assert not session.dirty and session.saved_at is not None
    assert Project.load(tmp_path / "p").items[0].product.name == "真空保温杯"
    session.edit_field(session.items[0].id, "name", "保温杯")
    session.flush()  # e.g. the window closing, or a render starting
    assert Project.load(tmp_path / "p").items[0].product.name == "保温杯"


def test_a_failed_save_is_reported_not_raised(session, tmp_path):
    heard = []
    session.subscribe(lambda c: heard.append(c))
    session.project.folder = tmp_path / "sheet.csv"  # a file, not a folder: the save cannot work
    session.edit_field(by_name(session, "保温杯"), "name", "改名")
    assert [c.kind for c in heard][-1] == "save_failed" and "could not save" in heard[-1].message
    assert session.dirty


def test_script_edits_read_the_scene_format_and_equal_words_drop_the_edit(session):
    cup = by_name(session, "保温杯")
    template_text = session.script_view(cup).script
    with pytest.raises(StudioError, match="no spoken lines"):
        session.set_script_text(cup, "[hook 夏天]\n")
    with pytest.raises(StudioError, match="line 2: put the scene header"):
        session.set_script_text(cup, "[hook]\n[cta] 点击下方链接\n")
    assert session.item(cup).script is None
    assert session.set_script_text(cup, "[hook]\n夏天出门就带它\n[cta]\n点击下方链接\n")
    view = session.script_view(cup)
    assert view.edited and view.script.lines == ["夏天出门就带它", "点击下方链接"]
    from studio.script.editing import scenes_to_text

    assert session.set_script_text(cup, scenes_to_text(template_text.scenes))  # back to the template's words
    assert session.item(cup).script is None


def test_applying_the_suggested_rewrites_clears_the_blocking_findings(tmp_path):
    make_photo(tmp_path / "cup.png")
    bad = write_csv(tmp_path / "bad.csv", ["商品名称", "价格", "卖点", "图片"],
                    [["保温杯", "59.9", "全网最低价、顶级保温", "cup.png"]])
    session = Session(Project.create(tmp_path / "p"), Settings(), out_dir=tmp_path / "out")
    session.import_sheet(bad)
    cup = session.items[0].id
    status = session.readiness(cup)
    assert status.state == ATTENTION and "全网最低价" in status.reason
    for _ in range(10):
        view = session.script_view(cup)
        blocking = [i for i, f in enumerate(view.findings) if f.severity == "block"]
        if not blocking:
            break
        assert session.apply_rewrite(cup, blocking[0])
    text = " ".join(session.script_view(cup).script.lines)
    assert "全网最低价" not in text and "顶级" not in text and session.item(cup).script is not None
    assert session.undo_name() == ("采用建议改写", "Apply suggested rewrite")


# ---------------------------------------------------------------- readiness from the plan
def test_readiness_comes_from_the_plan(session, tmp_path):
    cup, pot = by_name(session, "保温杯"), by_name(session, "保温壶")
    assert session.readiness(cup).state == READY
    new = session.add_product("新商品")
    status = session.readiness(new, compute=False)  # no photo: the plan's own check, no plan needed
    with pytest.raises(PlanError) as plan_says:
        check_product_media(Product("新商品"))
    assert status.state == ATTENTION and status.reason == str(plan_says.value)
    session.edit_field(pot, "price", "88")
    assert session.readiness(pot, compute=False).state == CHECKING  # a background check will tell
    assert session.readiness(pot).state == READY
    session.change_style(ai_backgrounds=1)  # and no diffusers model folder in the settings
    assert session.readiness(cup).state == ATTENTION and "diffusers model" in session.readiness(cup).reason


def test_the_options_come_from_the_projects_one_mapping(session, tmp_path):
    session.change_style(caption_size=80, platform="kuaishou", quality="draft", target_seconds=30)
    expected = session.project.render_options(Settings(), out_dir=tmp_path / "out")
    assert session.options == expected
    session.set_allow_flagged(True)
    assert session.options.allow_flagged and not expected.allow_flagged
    session.apply_settings(Settings(output_dir=str(tmp_path / "videos"), gpu="off"))
    assert session.options.out_dir == tmp_path / "videos" and session.options.encoder == "libx264"


def test_an_unreadable_sheet_changes_nothing(session, tmp_path):
    before = session.project.to_dict()
    with pytest.raises(StudioError, match="not found"):
        session.import_sheet(tmp_path / "nope.csv")
    assert session.project.to_dict() == before


def test_bad_sheet_rows_are_listed_and_can_be_removed(session):
    assert session.bad_rows() == [4]
    assert session.remove([], bad_rows=[4])
    assert session.bad_rows() == [] and not session.problems_for_row(4)
    session.undo()
    assert session.bad_rows() == [4]
