"""The real window, offscreen: the merchant's journeys through projects, editing, preview and the queue."""
import os
import shutil
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402

from studio.gui.app import install_cjk_font  # noqa: E402
from studio.gui.main_window import MainWindow  # noqa: E402
from studio.gui.models import COL_LANG, COL_NAME, COL_POINTS, COL_PRICE, COL_STATUS, Q_ETA, Q_RESULT  # noqa: E402
from studio.project import Project  # noqa: E402

from .conftest import make_photo, write_csv  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def private_settings(tmp_path, monkeypatch):
    """Settings, QSettings and the first-run project live in this test's folder, not the user's."""
    from PySide6.QtCore import QSettings

    monkeypatch.setenv("STUDIO_SETTINGS", str(tmp_path / "settings.json"))
    monkeypatch.setenv("STUDIO_PROJECTS", str(tmp_path / "projects"))
    QSettings.setPath(QSettings.NativeFormat, QSettings.UserScope, str(tmp_path / "qsettings"))
    QSettings("aigc-studio", "studio").clear()


def _open(qapp, project: Project, out_dir=None, language="zh") -> MainWindow:
    install_cjk_font(qapp)
    w = MainWindow(out_dir=out_dir, project=project, language=language)
    # not qtbot.addWidget: pytest-qt closes those before fixture teardown, and closing a window that
    # is still rendering asks first (a modal box that would wait forever offscreen)
    w.show()
    return w


def _close(w: MainWindow) -> None:
    w.shutdown()
    w.close()
    w.deleteLater()


@pytest.fixture
def window(qapp, tmp_path: Path):
    w = _open(qapp, Project.create(tmp_path / "project"), out_dir=tmp_path / "out")
    yield w
    _close(w)


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    """One good Chinese product (photo made here) and one row whose photo is missing."""
    make_photo(tmp_path / "cup.png")
    return write_csv(tmp_path / "sheet.csv", ["商品名称", "价格", "卖点", "图片", "语言"], [
        ["保温杯", "59.9", "保温十二小时", "cup.png", "zh"],
        ["缺图商品", "10", "卖点", "missing.png", "zh"],
    ])


def _wait_preview(qtbot, window, check=lambda r: True, timeout=20_000):
    qtbot.waitUntil(lambda: window.preview_panel.result is not None and not window.preview_panel.result.error
                    and bool(check(window.preview_panel.result)), timeout=timeout)
    return window.preview_panel.result


def _pixels(image) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data)


def _cell(window, row: int, col: int) -> str:
    return window.products_panel.model.index(row, col).data()


def _type(window, row: int, col: int, text: str) -> bool:
    """What a double-click edit of a products cell commits."""
    from PySide6.QtCore import Qt

    model = window.products_panel.model
    return model.setData(model.index(row, col), text, Qt.EditRole)


def _fake_steps(monkeypatch, fake) -> None:
    """Replace the pipeline's steps after the (real) render plan: fake(plan, on_progress, cancel, notes)."""
    from studio.app import queue as queue_mod

    monkeypatch.setattr(queue_mod, "render_plan", fake)


def _problems(window) -> list[str]:
    return [window.products_panel.problems_list.item(i).text() for i in range(window.products_panel.problems_list.count())]


# ---------------------------------------------------------------- journeys
def test_first_run_creates_the_example_project_and_previews_it(qapp, qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from studio.gui import app as app_mod

    seen = {}

    def fake_exec(self=None):
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, app_mod.MainWindow) and w.isVisible()]
        w = windows[-1]
        qtbot.waitUntil(lambda: w.preview_panel.result is not None, timeout=20_000)
        QCoreApplication.processEvents()
        seen.update(rows=w.products_panel.model.rowCount(), folder=w.session.project.folder, preview=w.preview_panel.result,
                    names=[w.products_panel.product_at(i).name for i in range(w.products_panel.model.rowCount())])
        w.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert app_mod.run(["main.py"]) == 0
    folder = tmp_path / "projects" / "example"
    assert seen["folder"] == folder.resolve() and (folder / "project.json").is_file()
    assert seen["rows"] >= 4 and not seen["preview"].error and seen["preview"].image.width() > 0
    # the example's photos were copied into the project, so it survives the repository moving
    project = Project.load(folder)
    assert all(Path(p).is_relative_to(folder.resolve()) and Path(p).is_file()
               for it in project.items for p in it.product.images)
    # the next start opens the same project (the last one), not a fresh copy
    assert app_mod.start_project().folder == folder.resolve()


def test_editing_a_selling_point_changes_the_preview_and_undo_restores_it(window, sheet, qtbot):
    assert window.load_sheet(sheet)
    row = window.products_panel.row_of_product("保温杯")
    window.products_panel.select_row(row)
    first = _wait_preview(qtbot, window, lambda r: r.script is not None and "保温杯" in "".join(r.script.lines))
    before_lines = list(first.script.lines)
    # the merchant double-clicks the selling points cell and types a new point
    assert _type(window, row, COL_POINTS, "保温十二小时 | 杯盖一键弹开")
    result = _wait_preview(qtbot, window, lambda r: r.script is not None and "杯盖一键弹开" in "".join(r.script.lines))
    assert result.image is not None
    assert window.session.project.items[0].product.selling_points == ["保温十二小时", "杯盖一键弹开"]
    assert "杯盖一键弹开" in window.script_panel.editor.toPlainText()
    print(f"preview after a selling-point edit: {window.preview_panel.latency_ms:.0f} ms")
    # scrubbing shows the frame at that time, with the caption of that moment
    window.preview_panel.scrub.setValue(int((result.duration - 0.5) * 1000))
    end = _wait_preview(qtbot, window, lambda r: r.time_s > result.duration - 1.5)
    assert not end.rebuilt and _pixels(end.image) != _pixels(result.image)
    # undo puts the old point back everywhere; redo applies it again
    window.session.undo()
    qtbot.waitUntil(lambda: window.session.project.items[0].product.selling_points == ["保温十二小时"], timeout=5000)
    _wait_preview(qtbot, window, lambda r: r.script is not None and list(r.script.lines) == before_lines)
    window.session.redo()
    assert window.session.project.items[0].product.selling_points == ["保温十二小时", "杯盖一键弹开"]


def test_bad_cell_edits_are_refused_with_a_reason(window, sheet, qtbot):
    window.load_sheet(sheet)
    assert not _type(window, 0, COL_PRICE, "九块九")
    qtbot.waitUntil(lambda: _cell(window, 0, COL_PRICE) == "59.9", timeout=5000)
    said = window.statusBar().currentMessage()
    assert "'九块九' is not a number" in said and "e.g. 59.9" in said  # the reason, and what to write
    assert window.session.project.items[0].product.price == 59.9
    assert _type(window, 0, COL_PRICE, "到手价49")  # read the way a sheet's price cell is
    qtbot.waitUntil(lambda: window.session.project.items[0].product.price == 49.0, timeout=5000)
    assert not _type(window, 0, COL_LANG, "fr")
    qtbot.waitUntil(lambda: _cell(window, 0, COL_LANG) == "zh", timeout=5000)
    assert "language 'fr'" in window.statusBar().currentMessage()
    assert not _type(window, 0, COL_NAME, "")
    qtbot.waitUntil(lambda: _cell(window, 0, COL_NAME) == "保温杯", timeout=5000)


def test_fixing_a_compliance_finding_in_one_click(window, tmp_path, qtbot):
    make_photo(tmp_path / "cup.png")
    window.load_sheet(write_csv(tmp_path / "bad.csv", ["商品名称", "价格", "卖点", "图片"],
                                [["保温杯", "59.9", "全网最低价、顶级保温", "cup.png"]]))
    window.products_panel.select_row(0)
    assert any(f.severity == "block" for f in window.script_panel.findings)
    assert window.products_panel.status_of(0) == "attention"
    assert window.script_panel.underlined >= 1  # the offending words are underlined in the editor
    listed = window.script_panel.findings_list.item(0).text()
    assert "建议改为" in listed and window.script_panel.findings[0].text in listed
    blocked_before = sum(f.severity == "block" for f in window.script_panel.findings)
    for _ in range(10):
        if not any(f.severity == "block" for f in window.script_panel.findings):
            break
        assert window.script_panel.apply_finding(next(i for i, f in enumerate(window.script_panel.findings) if f.severity == "block"))
    assert not any(f.severity == "block" for f in window.script_panel.findings)
    text = window.script_panel.editor.toPlainText()
    assert "全网最低价" not in text and "顶级" not in text
    assert window.session.project.items[0].script is not None  # the fix is an edit of this product's script
    assert window.script_panel.findings == ()  # the rewrites leave nothing to flag, so the row is ready
    qtbot.waitUntil(lambda: window.products_panel.status_of(0) == "ready", timeout=5000)
    # undo brings the finding back
    while window.session.can_undo and window.session.project.items[0].script is not None:
        window.session.undo()
    assert sum(f.severity == "block" for f in window.script_panel.findings) == blocked_before
    assert window.products_panel.status_of(0) == "attention"


def test_script_edits_parse_report_errors_and_reset(window, sheet, qtbot):
    window.load_sheet(sheet)
    window.products_panel.select_row(0)
    window.script_panel.set_script_text("[hook]\n夏天出门就带它\n[cta]\n点击下方链接\n")
    assert [s.kind for s in window.session.project.items[0].script] == ["hook", "cta"]
    _wait_preview(qtbot, window, lambda r: r.script is not None and r.script.lines == ["夏天出门就带它", "点击下方链接"])
    window.script_panel.set_script_text("[hook 夏天]\n")
    assert window.script_panel.error.text()  # a malformed header is named, the last good script is kept
    assert [s.kind for s in window.session.project.items[0].script] == ["hook", "cta"]
    window.script_panel.reset_script()
    assert window.session.project.items[0].script is None and "保温杯" in window.script_panel.editor.toPlainText()


def test_reopening_the_project_restores_products_scripts_and_style(qapp, qtbot, sheet, tmp_path):
    folder = tmp_path / "proj"
    w = _open(qapp, Project.create(folder), out_dir=tmp_path / "out")
    try:
        w.load_sheet(sheet)
        assert _type(w, 0, COL_NAME, "真空保温杯")
        qtbot.waitUntil(lambda: w.session.project.items[0].product.name == "真空保温杯", timeout=5000)
        w.products_panel.select_row(0)
        w.script_panel.set_script_text("[hook]\n这杯子真能保温\n")
        w.session.change_style(caption_size=80, text_color="#FFEE00", platform="kuaishou")
        w.session.change_style(template="zh_elder_tutorial")
        w.products_panel.add_product()
        assert len(w.session.project.items) == 2
        qtbot.waitUntil(lambda: w.session.saved_at is not None, timeout=5000)
    finally:
        _close(w)  # closing saves too
    again = _open(qapp, Project.load(folder), out_dir=tmp_path / "out")
    try:
        assert again.products_panel.product_at(0).name == "真空保温杯" and again.products_panel.model.rowCount() == 3  # + the bad row
        assert again.products_panel.product_at(1).name == "新商品"
        again.products_panel.select_row(0)
        assert again.script_panel.editor.toPlainText().strip().endswith("这杯子真能保温")
        st = again.session.project.style
        assert (st.caption_size, st.text_color, st.platform, st.template) == (80, "#FFEE00", "kuaishou",
                                                                             "zh_elder_tutorial")
        assert again.style_panel.caption_size.value() == 80 and again.style_panel.platform_combo.currentData() == "kuaishou"
        assert again.style_panel.template_combo.currentData() == "zh_elder_tutorial"
        assert again.session.options.style["caption_size"] == 80 and again.session.options.platform == "kuaishou"
        # photos are inside the project folder
        assert Path(again.products_panel.product_at(0).images[0]).is_relative_to(folder.resolve())
    finally:
        _close(again)


def test_products_added_removed_reordered_and_photos_dropped(window, sheet, tmp_path, qtbot):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    window.load_sheet(sheet)
    window.products_panel.add_product()
    assert window.products_panel.product_at(1).name == "新商品" and window.products_panel.status_of(1) == "attention"  # no photo yet
    photo = make_photo(tmp_path / "new.png", color=(200, 60, 60))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo)), QUrl.fromLocalFile(str(tmp_path / "sheet.csv"))])
    table = window.products_panel.table
    pos = table.visualRect(table.model().index(1, COL_NAME)).center()
    # what a drag from the file manager delivers: enter, move, drop
    for event in (QDragEnterEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier),
                  QDragMoveEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier),
                  QDropEvent(QPointF(pos), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)):
        assert QApplication.sendEvent(table.viewport(), event)
    qtbot.waitUntil(lambda: len(window.products_panel.product_at(1).images) == 1, timeout=5000)
    copied = Path(window.products_panel.product_at(1).images[0])
    assert copied.parent == window.session.project.media_dir and copied.read_bytes() == photo.read_bytes()
    window.products_panel.select_row(1)
    window.products_panel.move_selected(-1)
    assert window.products_panel.product_at(0).name == "新商品" and window.products_panel.selected_rows() == [0]
    window.products_panel.remove_selected()
    assert [window.products_panel.product_at(i).name for i in range(1)] == ["保温杯"]
    window.session.undo()
    assert window.products_panel.product_at(0).name == "新商品"


def test_template_edited_outside_is_picked_up_by_the_watcher(qapp, qtbot, sheet, tmp_path, monkeypatch):
    from studio.util import TEMPLATES_DIR

    mine = tmp_path / "templates" / "my_promo"
    shutil.copytree(TEMPLATES_DIR / "zh_promo", mine)
    yaml_path = mine / "template.yaml"
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace("name: zh_promo", "name: my_promo"),
                         encoding="utf-8")
    monkeypatch.setenv("STUDIO_TEMPLATES", str(tmp_path / "templates"))
    w = _open(qapp, Project.create(tmp_path / "proj"), out_dir=tmp_path / "out")
    try:
        w.load_sheet(sheet)
        w.session.change_style(template="my_promo")
        w.products_panel.select_row(0)
        _wait_preview(qtbot, w, lambda r: r.template is not None and r.template.name == "my_promo")
        with (mine / "script.j2").open("a", encoding="utf-8") as f:
            f.write("\n[cta]\n记得关注小店哦\n")
        _wait_preview(qtbot, w, lambda r: r.script is not None and "记得关注小店哦" in r.script.lines, timeout=15_000)
        assert "记得关注小店哦" in w.script_panel.editor.toPlainText()
    finally:
        _close(w)


def test_style_controls_change_the_preview(window, sheet, qtbot):
    window.load_sheet(sheet)
    window.products_panel.select_row(0)
    _wait_preview(qtbot, window)
    window.preview_panel.scrub.setValue(1500)
    base = _wait_preview(qtbot, window, lambda r: r.time_s > 1.0 and r.caption)
    window.session.change_style(caption_size=110, text_color="#00FF00")
    bigger = _wait_preview(qtbot, window, lambda r: r.key != base.key)  # the preview of the new style (built or scrubbed)
    assert _pixels(bigger.image) != _pixels(base.image)
    window.style_panel.caption_kind.setCurrentIndex(window.style_panel.caption_kind.findData("elder"))
    elder = _wait_preview(qtbot, window, lambda r: r.key != bigger.key)
    assert window.session.project.style.caption_style == "elder" and window.session.options.style["caption_style"] == "elder"
    assert _pixels(elder.image) != _pixels(bigger.image)
    bigger = elder
    window.preview_panel.safe_box.setChecked(True)
    zones = _wait_preview(qtbot, window, lambda r: r.safe_zones)
    assert _pixels(zones.image) != _pixels(bigger.image)


def test_the_motion_style_is_switched_in_the_app_without_editing_files(window, sheet, qtbot):
    window.load_sheet(sheet)
    window.products_panel.select_row(0)
    base = _wait_preview(qtbot, window)
    combo = window.style_panel.motion_combo
    combo.setCurrentIndex(combo.findData("still"))
    assert window.session.project.style.motion_style == "still"
    assert window.session.options.style["motion_style"] == "still"
    still = _wait_preview(qtbot, window, lambda r: r.key != base.key)  # the preview follows the new style
    combo.setCurrentIndex(combo.findData("punchy"))
    assert window.session.options.style["motion_style"] == "punchy"
    _wait_preview(qtbot, window, lambda r: r.key != still.key)
    window.session.undo()
    assert window.session.project.style.motion_style == "still"
    qtbot.waitUntil(lambda: combo.currentData() == "still", timeout=5000)


def test_interface_is_fully_translated(window, sheet, qtbot):
    """Every fixed string of the window, the gallery and the settings dialog exists in English."""
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QGroupBox, QLabel

    from studio.gui.i18n import has_cjk

    window.load_sheet(sheet)
    window.set_language("en", save=False)
    gallery = window.open_gallery()
    settings = window.open_settings()

    def is_data(widget) -> bool:
        while widget is not None:
            if widget.property("data_widget") or widget is window.lang_combo or widget is window.out_label:
                return True
            widget = widget.parentWidget()
        return False

    leftovers = []
    for root in (window, gallery, settings):
        texts = [(type(w).__name__, w.text()) for w in root.findChildren(QLabel) + root.findChildren(QAbstractButton)
                 if not is_data(w) and w.isVisibleTo(root)]
        texts += [("QGroupBox", g.title()) for g in root.findChildren(QGroupBox)]
        texts += [("QAction", a.text()) for a in root.findChildren(QAction)]
        texts += [("tooltip", w.toolTip()) for w in root.findChildren(QAbstractButton) if not is_data(w)]
        for combo in root.findChildren(QComboBox):
            if not is_data(combo):
                texts += [("QComboBox", combo.itemText(i)) for i in range(combo.count())]
        texts.append(("title", root.windowTitle().replace(window.session.project.folder.name, "")))
        leftovers += [(type(root).__name__, kind, text) for kind, text in texts if has_cjk(text)]
    for model in (window.products_panel.model, window.queue_panel.model):
        headers = [model.headerData(i, Qt.Horizontal) for i in range(model.columnCount())]
        leftovers += [("header", h) for h in headers if has_cjk(h)]
    statuses = [_cell(window, r, COL_STATUS) for r in range(window.products_panel.model.rowCount())]
    assert len(statuses) == 2 and all(statuses)
    leftovers += [("status", text) for text in statuses if has_cjk(text)]
    assert not leftovers, leftovers
    # and back: Chinese everywhere again
    window.set_language("zh", save=False)
    assert has_cjk(window.render_button.text()) and has_cjk(window.products_panel.model.headerData(1, Qt.Horizontal))
    gallery.close()
    settings.close()


def test_gallery_filters_and_picks_a_template(window, sheet, qtbot):
    from PySide6.QtCore import Qt

    window.load_sheet(sheet)
    gallery = window.open_gallery()
    everything = gallery.visible_names()
    assert len(everything) >= 12
    assert all(not gallery.grid.item(i).icon().isNull() for i in range(gallery.grid.count()))
    gallery.category.setCurrentIndex(gallery.category.findData("pets"))
    pets = gallery.visible_names()
    assert pets and all(t.category == "pets" for t in gallery.templates if t.name in pets)
    gallery.language.setCurrentIndex(gallery.language.findData("en"))
    assert all(name.startswith("en_") for name in gallery.visible_names())
    gallery.category.setCurrentIndex(0)
    gallery.style.setCurrentIndex(gallery.style.findData("tutorial"))
    (name,) = gallery.visible_names()
    item = next(gallery.grid.item(i) for i in range(gallery.grid.count()) if gallery.grid.item(i).data(Qt.UserRole) == name)
    gallery.grid.setCurrentItem(item)
    gallery.accept()
    assert window.session.project.style.template == name == window.style_panel.template_combo.currentData()


def test_gallery_imports_and_exports_a_shared_template(window, sheet, tmp_path, qtbot, monkeypatch):
    """A creator's template travels as one .zip: exported from the gallery, imported in the gallery,
    picked and used; a bad package is refused in the dialog with the reason."""
    import zipfile

    monkeypatch.setenv("STUDIO_HOME", str(tmp_path / "home"))
    window.load_sheet(sheet)
    gallery = window.open_gallery()
    gallery.grid.setCurrentItem(gallery.grid.item(0))
    first = gallery.chosen
    package = gallery.export_selected(tmp_path / "shared.zip")
    assert package == tmp_path / "shared.zip" and f"{first}/template.yaml" in zipfile.ZipFile(package).namelist()
    renamed = tmp_path / "renamed.zip"  # someone renames it before sharing it back
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(renamed, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("template.yaml"):
                data = data.replace(f"name: {first}".encode(), b"name: friends_template")
            dst.writestr(info.filename.replace(first, "friends_template"), data)
    assert gallery.import_package(renamed) == "friends_template"
    assert "friends_template" in gallery.visible_names() and gallery.chosen == "friends_template"
    assert gallery.import_package(tmp_path / "nothing.zip") is None
    assert "no such file" in gallery.share_message.text()
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    assert gallery.import_package(renamed) is None and "已存在" in gallery.share_message.text()
    gallery.accept()
    assert window.session.project.style.template == "friends_template" == window.style_panel.template_combo.currentData()


def test_settings_dialog_saves_what_a_merchant_sets(window, tmp_path):
    from studio.settings import Settings

    dialog = window.open_settings()
    assert "CUDA" in dialog.gpu_detected.text() and "NVENC" in dialog.gpu_detected.text()
    dialog.producer_name.setText("小熊杯具店")
    dialog.producer_id.setText("91330000MA0000000X")
    dialog.output_dir.setText(str(tmp_path / "videos"))
    dialog.gpu.setCurrentIndex(dialog.gpu.findData("off"))
    dialog.voice_zh.setCurrentIndex(dialog.voice_zh.findData("zh-baker-slow"))
    dialog.whisper_model.setText(str(tmp_path / "nowhere"))
    dialog.save()
    assert "nowhere" in dialog.error.text() and dialog.isVisible()  # a missing folder is refused, named
    dialog.whisper_model.setText("")
    (tmp_path / "sd").mkdir()
    dialog.diffusers_model.setText(str(tmp_path / "sd"))
    dialog.save()
    assert "model_index.json" in dialog.error.text() and dialog.isVisible()  # not a diffusers folder: said so
    (tmp_path / "sd" / "model_index.json").write_text("{}", encoding="utf-8")
    dialog.save()
    saved = Settings.load()
    assert (saved.producer_name, saved.gpu, saved.voice_zh) == ("小熊杯具店", "off", "zh-baker-slow")
    assert window.session.options.encoder == "libx264" and "小熊杯具店" in window.session.options.aigc_producer
    assert window.session.options.out_dir == tmp_path / "videos"
    assert window.session.options.default_voices["zh"] == "zh-baker-slow"
    assert window.session.options.diffusers_model == str(tmp_path / "sd") and window.session.options.compose == "cpu"


# ---------------------------------------------------------------- sheets and problems
def test_sheet_products_problems_and_script(window, sheet, tmp_path, qtbot):
    assert window.load_sheet(sheet)
    row = window.products_panel.row_of_product("保温杯")
    assert row == 0 and _cell(window, row, COL_NAME) == "保温杯"
    qtbot.waitUntil(lambda: window.products_panel.status_of(row) == "ready", timeout=5000)
    assert window.products_panel.product_at(1) is None and window.products_panel.status_of(1) == "attention"
    assert _cell(window, 1, 0) == "3"
    problems = _problems(window)
    assert any("row 3" in p and "图片" in p and "missing.png" in p for p in problems), problems
    window.products_panel.select_row(row)
    text = window.script_panel.editor.toPlainText()
    assert "保温杯" in text and "59.9" in text and "[hook" in text
    assert not window.script_panel.editor.isReadOnly()
    assert window.script_panel.thumbnail.pixmap() is not None and not window.script_panel.thumbnail.pixmap().isNull()
    window.products_panel.select_row(1)
    bad = window.script_panel.editor.toPlainText()
    assert "missing.png" in bad and "怎么改" in bad and window.script_panel.editor.isReadOnly()
    window.products_panel.select_row(row)
    window.session.change_style(template="en_promo")
    changed = window.script_panel.editor.toPlainText()
    assert changed != text
    window.session.change_style(template=None)
    assert window.script_panel.editor.toPlainText() == text
    window.products_panel.select_row(1)
    assert window.render_selected() == []
    assert window.grab().save(str(tmp_path / "window.png"))
    assert (tmp_path / "window.png").stat().st_size > 10_000


def test_unreadable_sheet_is_reported_and_changes_nothing(window, sheet, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    window.load_sheet(sheet)
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    assert not window.load_sheet(tmp_path / "nope.csv")
    assert shown and "not found" in shown[0]
    assert window.products_panel.product_at(0).name == "保温杯"


def test_output_dir_and_open_folder(window, tmp_path, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    window.set_output_dir(tmp_path / "videos")
    assert window.session.options.out_dir == tmp_path / "videos"
    assert str(tmp_path / "videos") in window.out_label.text()
    window.open_out_action.trigger()
    assert opened == [str(tmp_path / "videos")]


def test_default_output_dir_is_the_projects_out_folder(qapp, tmp_path):
    w = _open(qapp, Project.create(tmp_path / "p"))
    try:
        assert w.session.options.out_dir == (tmp_path / "p").resolve() / "out"
    finally:
        _close(w)


# ---------------------------------------------------------------- the queue
def _slow_fake_render(calls):
    """A stand-in for the pipeline's steps that reports progress until cancelled (no models needed)."""
    from studio.util import Progress

    def fake(plan, on_progress=None, cancel=None, notes=None):
        calls.append((plan.product.name, plan.variant))
        for i in range(2000):
            cancel.check()
            on_progress(Progress("render", i / 2000, "frame"))
            time.sleep(0.005)
        raise AssertionError("was not cancelled")

    return fake


@pytest.fixture
def two_products(tmp_path):
    make_photo(tmp_path / "cup.png")
    return write_csv(tmp_path / "s.csv", ["商品名称", "价格", "卖点", "图片"],
                     [["保温杯", "59.9", "保温", "cup.png"], ["保温壶", "79", "保温", "cup.png"]])


def test_worker_runs_off_the_ui_thread_and_reports_failure(window, two_products, qtbot, monkeypatch):
    import threading

    seen = {}

    def fake_render(plan, on_progress=None, cancel=None, notes=None):
        seen["thread"] = threading.current_thread()
        raise RuntimeError("boom")

    _fake_steps(monkeypatch, fake_render)
    window.load_sheet(two_products)
    window.products_panel.select_row(0)
    (job_id,) = window.render_selected()
    qtbot.waitUntil(lambda: window.job_state(job_id) == "failed", timeout=10_000)
    assert seen["thread"] is not threading.main_thread()
    assert window.products_panel.status_of(0) == "failed"
    assert "boom" in window.queue_panel.cell(job_id, Q_RESULT, Qt.ToolTipRole)
    assert "Retry" in window.queue_panel.action_buttons(job_id)
    qtbot.waitUntil(lambda: not window.cancel_button.isEnabled(), timeout=5000)


def test_variants_queue_cancel_one_and_retry(window, two_products, qtbot, monkeypatch):
    calls = []
    _fake_steps(monkeypatch, _slow_fake_render(calls))
    window.load_sheet(two_products)
    window.products_panel.select_row(0)
    window.variants_spin.setValue(3)
    first, second, third = window.render_selected()
    assert [window.jobs[j].variant for j in (first, second, third)] == [0, 1, 2]
    qtbot.waitUntil(lambda: window.job_state(first) == "rendering", timeout=5000)
    window.queue_panel.action_buttons(second)["Cancel"].click()  # one queued job
    qtbot.waitUntil(lambda: window.job_state(second) == "cancelled", timeout=5000)
    window.cancel_job(first)  # the running one
    qtbot.waitUntil(lambda: window.job_state(first) == "cancelled", timeout=5000)
    qtbot.waitUntil(lambda: window.job_state(third) == "rendering" and len(calls) == 2, timeout=5000)
    assert calls == [("保温杯", 0), ("保温杯", 2)]  # the cancelled queued job never started
    retried = window.retry_job(second)
    assert window.job_state(retried) == "queued" and window.jobs[retried].variant == 1
    window.cancel_all()
    qtbot.waitUntil(lambda: not window.render_queue.busy, timeout=5000)
    assert window.queue_panel.rows() == 4


def test_queue_one_at_a_time_and_cancel_all(window, two_products, qtbot, monkeypatch):
    calls = []
    _fake_steps(monkeypatch, _slow_fake_render(calls))
    window.load_sheet(two_products)
    first, second = window.render_all()
    qtbot.waitUntil(lambda: window.job_state(first) == "rendering", timeout=5000)
    qtbot.waitUntil(lambda: window.queue_panel.progress(first) > 0, timeout=5000)
    qtbot.waitUntil(lambda: bool(window.queue_panel.cell(first, Q_ETA)), timeout=5000)  # ETA
    assert window.job_state(second) == "queued" and calls == [("保温杯", 0)]
    assert window.cancel_button.isEnabled()
    assert window.render_all() == []  # already queued rows are not queued twice
    started = time.monotonic()
    window.cancel_all()
    qtbot.waitUntil(lambda: window.job_state(first) == "cancelled" and window.job_state(second) == "cancelled",
                    timeout=5000)
    assert time.monotonic() - started < 2.0
    assert calls == [("保温杯", 0)]
    assert window.products_panel.status_of(0) == window.products_panel.status_of(1) == "cancelled"
    qtbot.waitUntil(lambda: not window.cancel_button.isEnabled(), timeout=5000)


def test_a_full_disk_halts_the_queue_and_says_what_to_do(window, two_products, qtbot, monkeypatch):
    """The first job finds the disk full (the pipeline's real ENOSPC path is in test_e2e): the jobs
    behind it are not started, and the window says why and what to do."""
    from studio.types import RenderResult

    calls = []

    def full_disk(plan, on_progress=None, cancel=None, notes=None):
        calls.append(plan.product.name)
        return RenderResult(plan.product.name, None, ok=False, error="the disk is full while writing out", disk_full=True)

    _fake_steps(monkeypatch, full_disk)
    window.load_sheet(two_products)
    window.variants_spin.setValue(2)
    jobs = window.render_all()
    assert len(jobs) == 4
    qtbot.waitUntil(lambda: not window.render_queue.busy and window.job_state(jobs[-1]) == "cancelled", timeout=10_000)
    assert calls == ["保温杯"]
    assert window.job_state(jobs[0]) == "failed" and [window.job_state(j) for j in jobs[1:]] == ["cancelled"] * 3
    qtbot.waitUntil(lambda: "3" in window.statusBar().currentMessage(), timeout=5000)
    assert "磁盘已满" in window.halt_message and "全部渲染" in window.statusBar().currentMessage()
    _fake_steps(monkeypatch, _slow_fake_render(calls))
    again = window.render_all()  # space freed: everything queues again
    assert len(again) == 4 and window.halt_message == ""
    window.cancel_all()
    qtbot.waitUntil(lambda: not window.render_queue.busy, timeout=5000)


def test_closing_while_rendering_asks_then_cancels(window, two_products, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    _fake_steps(monkeypatch, _slow_fake_render([]))
    window.load_sheet(two_products)
    window.products_panel.select_row(0)
    (job_id,) = window.render_selected()
    qtbot.waitUntil(lambda: window.job_state(job_id) == "rendering", timeout=5000)
    answers = [QMessageBox.No]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers.pop(0))
    assert not window.close()
    assert window.isVisible() and window.render_queue.busy
    answers.append(QMessageBox.Yes)
    started = time.monotonic()
    assert window.close()
    assert time.monotonic() - started < 3.0
    assert not window.runner.running and not window.render_queue.running and not window.render_queue.busy


def test_cancel_is_reported_promptly_even_when_a_step_cannot_be_interrupted(window, two_products, qtbot, monkeypatch):
    """A Whisper pass cannot be interrupted: the job is shown cancelled within about a second, and the
    next job starts only once the old one has stopped (two renders never share the CPU)."""
    import threading

    from studio.util import Progress

    stopped = threading.Event()
    calls = []

    def stubborn(plan, on_progress=None, cancel=None, notes=None):
        calls.append((plan.product.name, stopped.is_set()))
        if len(calls) == 1:
            on_progress(Progress("subtitles", 0.3, ""))
            while not cancel.cancelled:
                time.sleep(0.01)
            time.sleep(2.5)  # "still inside Whisper"
            stopped.set()
            cancel.check()
        from studio.types import RenderResult
        return RenderResult(plan.product.name, None, ok=False, error="stub")

    _fake_steps(monkeypatch, stubborn)
    window.load_sheet(two_products)
    window.products_panel.select_row(0)
    (first,) = window.render_selected()
    qtbot.waitUntil(lambda: window.jobs[first].stage == "subtitles", timeout=5000)
    started = time.monotonic()
    window.cancel_all()
    qtbot.waitUntil(lambda: window.job_state(first) == "cancelled", timeout=5000)
    assert time.monotonic() - started < 2.0 and not stopped.is_set()
    window.products_panel.select_row(1)
    (second,) = window.render_selected()
    qtbot.waitUntil(lambda: window.job_state(second) == "failed", timeout=10_000)
    assert calls == [("保温杯", False), ("保温壶", True)]


@pytest.mark.e2e
@pytest.mark.slow
def test_three_real_renders_queued_one_cancelled(window, sheet, tmp_path, qtbot, monkeypatch):
    """The real pipeline through the window: 3 variants of an edited product queued, the second
    cancelled while queued; the others finish with their files, and nothing of the cancelled one exists."""
    from PySide6.QtGui import QDesktopServices

    window.load_sheet(sheet)
    window.session.change_style(quality="draft")
    window.products_panel.select_row(0)
    window.script_panel.set_script_text("[hook]\n这个保温杯真的好用\n[cta]\n点击下方链接下单\n")
    window.variants_spin.setValue(3)
    first, second, third = window.render_selected()
    window.cancel_job(second)
    qtbot.waitUntil(lambda: window.job_state(second) == "cancelled", timeout=10_000)
    qtbot.waitUntil(lambda: window.job_state(first) in ("done", "failed") and window.job_state(third) in ("done", "failed"),
                    timeout=400_000)
    for job_id in (first, third):
        result = window.jobs[job_id].result
        assert result.ok, result.error
        assert result.video.exists() and result.video.parent == tmp_path / "out"
        assert window.queue_panel.progress(job_id) == 1000
    out = tmp_path / "out"
    assert sorted(p.name for p in out.glob("*.mp4")) == ["保温杯.mp4", "保温杯_v3.mp4"]
    import json

    manifest = json.loads((out / "保温杯.json").read_text(encoding="utf-8"))
    assert manifest["script_edited"] and manifest["script"]["scenes"][0]["lines"] == ["这个保温杯真的好用"]
    assert window.products_panel.status_of(0) == "done"
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    buttons = window.queue_panel.action_buttons(first)
    buttons["Open folder"].click()
    buttons["Open video"].click()
    buttons["Manifest"].click()
    assert opened == [str(out), str(out / "保温杯.mp4"), str(out / "保温杯.json")]


@pytest.mark.e2e
@pytest.mark.slow
def test_play_with_sound_renders_a_small_draft_and_opens_it(window, sheet, qtbot, monkeypatch, ffprobe):
    from .conftest import probe

    from PySide6.QtGui import QDesktopServices

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    window.load_sheet(sheet)
    window.products_panel.select_row(0)
    window.script_panel.set_script_text("[hook]\n保温杯来了\n")
    assert window.preview_panel.play()
    qtbot.waitUntil(lambda: window.preview_panel.proxy_video is not None, timeout=180_000)
    info = probe(ffprobe, window.preview_panel.proxy_video)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (360, 640)
    assert any(s["codec_type"] == "audio" for s in info["streams"])
    assert opened == [str(window.preview_panel.proxy_video)]
    assert window.preview_panel.proxy_video.parent == window.session.project.folder / ".preview"


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize("when", ["early", "encoding"])
def test_cancel_stops_quickly_and_leaves_no_video(window, sheet, tmp_path, qtbot, when):
    """Cancel a real render 1.5 s in (voice/subtitles), or inside the encoder's frame loop."""
    window.load_sheet(sheet)
    window.session.change_style(quality="draft")
    window.products_panel.select_row(window.products_panel.row_of_product("保温杯"))
    (job_id,) = window.render_selected()
    row = window.products_panel.model.row_of(window.jobs[job_id].item_id)
    qtbot.waitUntil(lambda: window.products_panel.status_of(row) == "rendering", timeout=60_000)
    if when == "early":
        qtbot.wait(1500)
    else:
        qtbot.waitUntil(lambda: window.jobs[job_id].stage == "render", timeout=200_000)
        qtbot.wait(1000)
        assert window.job_state(job_id) == "rendering", "the encode finished before the test could cancel it"
    started = time.monotonic()
    window.cancel_button.click()
    qtbot.waitUntil(lambda: window.job_state(job_id) == "cancelled", timeout=10_000)
    assert time.monotonic() - started < 3.0
    assert window.products_panel.status_of(row) == "cancelled" and window.jobs[job_id].result is None
    out = tmp_path / "out"
    assert not list(out.glob("*.mp4")) and not list(out.glob(".*.mp4*"))
    qtbot.waitUntil(lambda: not window.render_queue.busy, timeout=5000)
    leftovers = sorted(x.name for x in out.iterdir() if not x.name.startswith(".")) if out.exists() else []
    assert not [n for n in leftovers if n.startswith("保温杯")], leftovers


# ---------------------------------------------------------------- plumbing
def test_many_signal_emits_do_not_break_the_interpreter(qapp):
    """PySide6 6.12 drops a reference to True on every Python emit(); on Python 3.11 a few hundred
    progress reports would abort the process. The pinned 6.11.3 does not, so the app emits plainly
    (the old workaround, qtcompat.emit, is gone): this guards the pin."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class Source(QObject):
        progress = Signal(int, float, str, str)

    src = Source()
    got = []
    src.progress.connect(lambda *a: got.append(a))
    before = sys.getrefcount(True)
    for i in range(3000):
        src.progress.emit(1, i / 3000, "render", "")
    assert abs(sys.getrefcount(True) - before) < 300  # the bug would lose 3000
    assert len(got) == 3000


def test_qt_calls_do_not_drain_the_reference_count_of_none(qapp):
    """PySide6 6.12.0 returned None from void methods without a reference: every setText/setItem on
    Python 3.11 took one from None, and a long session aborted with 'none_dealloc'. 6.11.3 is pinned."""
    import sys

    from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem

    table, label = QTableWidget(5, 5), QLabel()
    before = sys.getrefcount(None)
    for i in range(2000):
        table.setItem(1, 1, QTableWidgetItem(str(i)))
        label.setText(str(i))
        table.selectRow(i % 5)
    assert sys.getrefcount(None) - before > -500  # the bug: -6000


def test_target_length_refits_the_script(window, tmp_path, qtbot):
    make_photo(tmp_path / "cup.png")
    window.load_sheet(write_csv(tmp_path / "rich.csv", ["商品名称", "价格", "卖点", "图片"], [[
        "保温杯", "59.9", "316不锈钢内胆、保温12小时、一键开盖、杯身轻巧、密封圈可拆洗、五种颜色、防滑杯底、送杯套",
        "cup.png"]]))
    window.products_panel.select_row(0)
    window.style_panel.target_combo.setCurrentIndex(window.style_panel.target_combo.findData(15))
    short = _wait_preview(qtbot, window, lambda r: r.script is not None and r.script.fit.get("target_s") == 15)
    window.style_panel.target_combo.setCurrentIndex(window.style_panel.target_combo.findData(60))
    long = _wait_preview(qtbot, window, lambda r: r.script is not None and r.script.fit.get("target_s") == 60)
    assert long.duration > 1.5 * short.duration and len(long.script.lines) > len(short.script.lines)
    assert window.session.project.style.target_seconds == 60 and window.session.options.target_seconds == 60


# ---------------------------------------------------------------- defects of the old window (issue 11)
def _failing_render(calls):
    """A stand-in render that fails at once, recording which product it was asked for."""
    from studio.types import RenderResult

    def fake(plan, on_progress=None, cancel=None, notes=None):
        calls.append(plan.product.name)
        return RenderResult(plan.product.name, None, ok=False, error=f"stub failure of {plan.product.name}")

    return fake


def test_a_running_job_reports_on_its_own_product_after_rows_move(window, two_products, qtbot, monkeypatch):
    _fake_steps(monkeypatch, _slow_fake_render([]))
    window.load_sheet(two_products)
    window.products_panel.select_row(0)
    (job_id,) = window.render_selected()
    qtbot.waitUntil(lambda: window.job_state(job_id) == "rendering", timeout=5000)
    window.products_panel.select_row(0)
    window.products_panel.move_selected(1)  # 保温杯 goes below 保温壶 while it renders
    cup, pot = window.products_panel.row_of_product("保温杯"), window.products_panel.row_of_product("保温壶")
    assert (cup, pot) == (1, 0)
    assert window.products_panel.status_of(cup) == "rendering" and window.products_panel.status_of(pot) != "rendering"
    window.cancel_job(job_id)
    qtbot.waitUntil(lambda: window.job_state(job_id) == "cancelled", timeout=5000)
    assert window.products_panel.status_of(cup) == "cancelled" and window.products_panel.status_of(pot) != "cancelled"


def test_retry_after_a_reorder_renders_the_same_product(window, two_products, qtbot, monkeypatch):
    calls = []
    _fake_steps(monkeypatch, _failing_render(calls))
    window.load_sheet(two_products)
    window.products_panel.select_row(0)
    (job_id,) = window.render_selected()
    qtbot.waitUntil(lambda: window.job_state(job_id) == "failed", timeout=5000)
    window.products_panel.select_row(0)
    window.products_panel.move_selected(1)
    assert window.products_panel.status_of(window.products_panel.row_of_product("保温杯")) == "failed"
    again = window.retry_job(job_id)
    qtbot.waitUntil(lambda: window.job_state(again) == "failed", timeout=5000)
    assert calls == ["保温杯", "保温杯"]
    window.products_panel.select_row(window.products_panel.row_of_product("保温壶"))
    window.products_panel.remove_selected()  # a removal above or below does not move it either
    retried = window.retry_job(again)
    qtbot.waitUntil(lambda: window.job_state(retried) == "failed", timeout=5000)
    assert calls == ["保温杯", "保温杯", "保温杯"]


def test_a_queued_job_keeps_the_photos_it_was_queued_with(window, two_products, tmp_path, qtbot, monkeypatch):
    _fake_steps(monkeypatch, _slow_fake_render([]))
    window.load_sheet(two_products)
    first, second = window.render_all()
    qtbot.waitUntil(lambda: window.job_state(first) == "rendering", timeout=5000)
    assert window.job_state(second) == "queued"
    assert window.products_panel.add_media(window.products_panel.row_of_product("保温壶"), [make_photo(tmp_path / "later.png")]) == 1
    assert len(window.products_panel.product_at(window.products_panel.row_of_product("保温壶")).images) == 2
    assert len(window.jobs[second].product.images) == 1  # what was queued is what renders
    window.cancel_all()
    qtbot.waitUntil(lambda: window.job_state(second) == "cancelled", timeout=5000)


def test_undo_keeps_the_render_statuses(window, two_products, qtbot, monkeypatch):
    _fake_steps(monkeypatch, _failing_render([]))
    window.load_sheet(two_products)
    window.products_panel.select_row(0)
    (job_id,) = window.render_selected()
    qtbot.waitUntil(lambda: window.job_state(job_id) == "failed", timeout=5000)
    window.products_panel.select_row(1)
    window.products_panel.move_selected(-1)
    window.session.undo()
    assert window.products_panel.row_of_product("保温杯") == 0
    assert window.products_panel.status_of(0) == "failed"
    window.session.redo()
    assert window.products_panel.status_of(window.products_panel.row_of_product("保温杯")) == "failed"


def test_the_table_takes_a_language_written_the_way_sheets_write_it(window, tmp_path, qtbot):
    make_photo(tmp_path / "tote.png")
    window.load_sheet(write_csv(tmp_path / "en.csv", ["name", "price", "selling points", "images", "language"],
                                [["Canvas Tote", "24.99", "fits a laptop", "tote.png", "en"]]))
    assert window.products_panel.product_at(0).language == "en"
    assert _type(window, 0, COL_LANG, "中文")
    qtbot.waitUntil(lambda: window.session.project.items[0].product.language == "zh", timeout=5000)


@pytest.mark.e2e
def test_the_app_and_the_command_line_never_render_into_one_folder_at_once(window, two_products, tmp_path, qtbot,
                                                                            monkeypatch):
    import subprocess
    import sys

    from studio.util import PROJECT_ROOT

    _fake_steps(monkeypatch, _slow_fake_render([]))
    window.load_sheet(two_products)
    window.products_panel.select_row(0)
    (job_id,) = window.render_selected()
    qtbot.waitUntil(lambda: window.job_state(job_id) == "rendering", timeout=5000)
    bad = write_csv(tmp_path / "cli.csv", ["商品名称", "价格", "卖点", "图片"], [["缺图", "1", "卖点", "none.png"]])
    cli = subprocess.run([sys.executable, str(PROJECT_ROOT / "main.py"), "render", str(bad), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "STUDIO_HOME": str(tmp_path / "home")})
    assert cli.returncode == 2 and "is being rendered into by" in cli.stderr, cli.stderr
    window.cancel_all()
    qtbot.waitUntil(lambda: not window.render_queue.busy, timeout=5000)


def test_an_internal_error_keeps_its_traceback_and_the_dialog_opens_the_log(window, two_products, tmp_path, qtbot,
                                                                              monkeypatch, caplog):
    import logging

    from PySide6.QtGui import QDesktopServices

    from studio.core.logs import log_path
    from studio.gui.dialogs import ErrorDialog

    def broken(plan, on_progress=None, cancel=None, notes=None):
        raise KeyError("a bug deep in a stage")

    _fake_steps(monkeypatch, broken)
    monkeypatch.setenv("STUDIO_HOME", str(tmp_path / "home"))
    window.load_sheet(two_products)
    window.products_panel.select_row(0)
    with caplog.at_level(logging.ERROR, logger="studio"):
        (job_id,) = window.render_selected()
        qtbot.waitUntil(lambda: window.job_state(job_id) == "failed", timeout=5000)
    (record,) = [r for r in caplog.records if r.exc_info and r.exc_info[0] is KeyError]
    assert "Traceback" in caplog.text and "a bug deep in a stage" in caplog.text
    assert str(log_path()) in window.jobs[job_id].error  # the message says where the details are
    qtbot.waitUntil(lambda: "Details" in window.queue_panel.action_buttons(job_id), timeout=5000)
    window.queue_panel.action_buttons(job_id)["Details"].click()
    (dialog,) = [d for d in window.findChildren(ErrorDialog) if d.isVisible()]
    assert "a bug deep in a stage" in dialog.details.toPlainText() and "保温杯" in dialog.details.toPlainText()
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    log_path().parent.mkdir(parents=True, exist_ok=True)
    log_path().write_text("the log\n", encoding="utf-8")
    dialog.open_log_button.click()
    assert opened == [str(log_path())]
    dialog.close()
