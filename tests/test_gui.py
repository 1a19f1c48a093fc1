"""The real window, offscreen: load a sheet, read the script, render, cancel."""
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from studio.gui.app import MainWindow, install_cjk_font  # noqa: E402

from .conftest import make_photo, write_csv  # noqa: E402


@pytest.fixture
def window(qtbot, qapp, tmp_path: Path):
    install_cjk_font(qapp)
    w = MainWindow(out_dir=tmp_path / "out")
    qtbot.addWidget(w)
    w.show()
    yield w
    w.shutdown()


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    make_photo(tmp_path / "cup.png")
    return write_csv(tmp_path / "sheet.csv", ["商品名称", "价格", "卖点", "图片"], [
        ["保温杯", "59.9", "保温十二小时", "cup.png"],
        ["缺图商品", "10", "卖点", "missing.png"],
    ])


def test_sheet_products_problems_and_script(window, sheet, tmp_path, qtbot):
    assert window.load_sheet(sheet)
    assert window.table.rowCount() == 1 and window.table.item(0, 0).text() == "保温杯"
    assert window.status_of(0) == "ready"
    problems = [window.problems_list.item(i).text() for i in range(window.problems_list.count())]
    assert any("row 3" in p and "missing.png" in p for p in problems)
    window.table.selectRow(0)
    text = window.script_view.toPlainText()
    assert "保温杯" in text and "59.9" in text
    index = window.template_combo.findData("en_promo")
    window.template_combo.setCurrentIndex(index)
    text = window.script_view.toPlainText()
    assert "en_promo" in text and "only ¥59.9" in text and "template 'en_promo' is en" in text
    assert window.grab().save(str(tmp_path / "window.png"))


def test_unreadable_sheet_is_reported_not_crashing(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    assert not window.load_sheet(tmp_path / "nope.csv")
    assert shown and "not found" in shown[0]


@pytest.mark.slow
def test_render_through_the_window(window, sheet, tmp_path, qtbot):
    window.load_sheet(sheet)
    window.options.quality = "draft"
    window.table.selectRow(0)
    window.render_button.click()
    job_id = max(window.jobs)
    qtbot.waitUntil(lambda: window.status_of(0) in ("done", "failed"), timeout=300_000)
    result = window.results[job_id]
    assert result.ok, result.error
    assert result.video.exists() and result.video.parent == tmp_path / "out"
    assert window.progress_bar(job_id).value() == 1000
    assert window.queue.cellWidget(window.job_rows[job_id], 3) is not None  # the open-folder button


@pytest.mark.slow
def test_cancel_stops_quickly_and_leaves_no_video(window, sheet, tmp_path, qtbot):
    import time

    window.load_sheet(sheet)
    window.options.quality = "draft"
    window.table.selectRow(0)
    window.render_button.click()
    qtbot.waitUntil(lambda: window.status_of(0) == "rendering", timeout=60_000)
    qtbot.wait(1500)
    started = time.monotonic()
    window.cancel_button.click()
    qtbot.waitUntil(lambda: window.status_of(0) == "cancelled", timeout=10_000)
    assert time.monotonic() - started < 3.0
    out = tmp_path / "out"
    assert not list(out.glob("*.mp4")) and not list(out.glob(".*.mp4"))


def test_compliance_findings_shown_with_rewrite(window, tmp_path):
    make_photo(tmp_path / "cup.png")
    sheet = write_csv(tmp_path / "bad.csv", ["商品名称", "价格", "卖点", "图片"],
                      [["保温杯", "59.9", "全网最低价、顶级保温", "cup.png"]])
    window.load_sheet(sheet)
    window.table.selectRow(0)
    text = window.script_view.toPlainText()
    assert "合规检查" in text and "全网最低价" in text and "建议改为" in text
    assert window.status_of(0) == "attention" and any(f.severity == "block" for f in window.findings)
