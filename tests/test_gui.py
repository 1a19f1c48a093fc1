"""The real window, offscreen: load a sheet, read the script, render, cancel."""
import os
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from studio.gui.app import MainWindow, install_cjk_font  # noqa: E402

from .conftest import make_photo, write_csv  # noqa: E402


@pytest.fixture
def window(qtbot, qapp, tmp_path: Path):
    install_cjk_font(qapp)
    w = MainWindow(out_dir=tmp_path / "out")
    # not qtbot.addWidget: pytest-qt closes those before fixture teardown, and closing a window that
    # is still rendering asks first (a modal box that would wait forever offscreen)
    w.show()
    yield w
    w.shutdown()
    w.close()
    w.deleteLater()


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    """One good Chinese product (photo made here) and one row whose photo is missing."""
    make_photo(tmp_path / "cup.png")
    return write_csv(tmp_path / "sheet.csv", ["商品名称", "价格", "卖点", "图片", "语言"], [
        ["保温杯", "59.9", "保温十二小时", "cup.png", "zh"],
        ["缺图商品", "10", "卖点", "missing.png", "zh"],
    ])


def _problems(window) -> list[str]:
    return [window.problems_list.item(i).text() for i in range(window.problems_list.count())]


def test_sheet_products_problems_and_script(window, sheet, tmp_path, qtbot):
    assert window.load_sheet(sheet)
    # the good product renders; the bad row is listed, needs attention, and cannot be queued
    row = window.row_of_product("保温杯")
    assert row == 0 and window.table.item(row, 1).text() == "保温杯"
    qtbot.waitUntil(lambda: window.status_of(row) == "ready", timeout=5000)
    assert window.product_at(1) is None and window.status_of(1) == "attention"
    assert window.table.item(1, 0).text() == "3"
    problems = _problems(window)
    assert any("row 3" in p and "图片" in p and "missing.png" in p for p in problems), problems
    # selecting the product shows its script, scene by scene, and its photo
    window.table.selectRow(row)
    text = window.script_view.toPlainText()
    assert "保温杯" in text and "59.9" in text and "开场" in text
    assert window.script_view.isReadOnly()
    assert window.thumbnail.pixmap() is not None and not window.thumbnail.pixmap().isNull()
    # selecting the bad row says what is wrong and what to do
    window.table.selectRow(1)
    bad = window.script_view.toPlainText()
    assert "missing.png" in bad and "What to do" in bad
    # another template regenerates the script
    window.table.selectRow(row)
    window.set_template("en_promo")
    changed = window.script_view.toPlainText()
    assert changed != text and "en_promo" in changed
    window.set_template(None)
    assert window.script_view.toPlainText() == text
    # nothing to render for the bad row
    window.table.selectRow(1)
    assert window.render_selected() == []
    assert window.grab().save(str(tmp_path / "window.png"))
    assert (tmp_path / "window.png").stat().st_size > 10_000


def test_unreadable_sheet_is_reported_not_crashing(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    assert not window.load_sheet(tmp_path / "nope.csv")
    assert shown and "not found" in shown[0]


def test_output_dir_and_open_folder(window, tmp_path, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    window.set_output_dir(tmp_path / "videos")
    assert window.options.out_dir == tmp_path / "videos"
    assert str(tmp_path / "videos") in window.out_label.text()
    window.open_out_action.trigger()
    assert opened == [str(tmp_path / "videos")]


def test_default_output_dir_is_project_out():
    from studio.gui.app import DEFAULT_OUT_DIR, MainWindow as W  # noqa: N814
    from studio.settings import Settings

    if Settings.load().output_dir:
        pytest.skip("this machine's settings choose another output folder")
    w = W()
    try:
        assert w.options.out_dir == DEFAULT_OUT_DIR
    finally:
        w.shutdown()
        w.deleteLater()


def test_compliance_findings_shown_with_rewrite(window, tmp_path):
    make_photo(tmp_path / "cup.png")
    sheet = write_csv(tmp_path / "bad.csv", ["商品名称", "价格", "卖点", "图片"],
                      [["保温杯", "59.9", "全网最低价、顶级保温", "cup.png"]])
    window.load_sheet(sheet)
    window.table.selectRow(0)
    text = window.script_view.toPlainText()
    assert "合规检查" in text and "全网最低价" in text and "建议改为" in text
    assert window.status_of(0) == "attention" and any(f.severity == "block" for f in window.findings)


def test_worker_runs_off_the_ui_thread_and_reports_failure(window, tmp_path, qtbot, monkeypatch):
    """A job whose product cannot render fails with a message, on the worker thread, without blocking."""
    import threading

    from studio.gui import worker as worker_mod

    seen = {}

    def fake_render(product, options, variant=0, on_progress=None, cancel=None, notes=None):
        seen["thread"] = threading.current_thread()
        raise RuntimeError("boom")

    monkeypatch.setattr(worker_mod, "render_product", fake_render)
    make_photo(tmp_path / "cup.png")
    window.load_sheet(write_csv(tmp_path / "s.csv", ["商品名称", "价格", "卖点", "图片"],
                                [["保温杯", "59.9", "保温", "cup.png"]]))
    window.table.selectRow(0)
    (job_id,) = window.render_selected()
    qtbot.waitUntil(lambda: window.job_state(job_id) == "failed", timeout=10_000)
    assert seen["thread"] is not threading.main_thread()
    assert window.status_of(0) == "failed"
    assert "boom" in window.queue.item(window.job_rows[job_id], 3).toolTip()
    qtbot.waitUntil(lambda: not window.cancel_button.isEnabled(), timeout=5000)


@pytest.mark.slow
def test_render_through_the_window(window, sheet, tmp_path, qtbot, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    window.load_sheet(sheet)
    window.options.quality = "draft"
    window.table.selectRow(window.row_of_product("保温杯"))
    window.render_button.click()
    job_id = max(window.jobs)
    row = window.job_product_row[job_id]
    qtbot.waitUntil(lambda: window.job_state(job_id) in ("done", "failed"), timeout=300_000)
    result = window.results.get(job_id)
    assert result is not None and result.ok, result.error if result else window.queue.item(0, 3).toolTip()
    assert result.video.exists() and result.video.parent == tmp_path / "out"
    assert list((tmp_path / "out").glob("*.mp4")) == [result.video]
    assert window.status_of(row) == "done"
    assert window.progress_bar(job_id).value() == 1000
    button = window.queue.cellWidget(window.job_rows[job_id], 3)  # the open-folder button
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    button.click()
    assert opened == [str(tmp_path / "out")]


@pytest.mark.slow
@pytest.mark.parametrize("when", ["early", "encoding"])
def test_cancel_stops_quickly_and_leaves_no_video(window, sheet, tmp_path, qtbot, when):
    """Cancel a real render 1.5 s in (voice/subtitles), or inside the encoder's frame loop."""
    window.load_sheet(sheet)
    window.options.quality = "draft"
    window.table.selectRow(window.row_of_product("保温杯"))
    (job_id,) = window.render_selected()
    row = window.job_product_row[job_id]
    qtbot.waitUntil(lambda: window.status_of(row) == "rendering", timeout=60_000)
    if when == "early":
        qtbot.wait(1500)
    else:
        qtbot.waitUntil(lambda: window.job_stage.get(job_id) == "render", timeout=200_000)
        qtbot.wait(1000)
        assert window.job_state(job_id) == "rendering", "the encode finished before the test could cancel it"
    started = time.monotonic()
    window.cancel_button.click()
    qtbot.waitUntil(lambda: window.job_state(job_id) == "cancelled", timeout=10_000)
    assert time.monotonic() - started < 3.0
    assert window.status_of(row) == "cancelled" and job_id not in window.results
    out = tmp_path / "out"
    assert not list(out.glob("*.mp4")) and not list(out.glob(".*.mp4*"))
    qtbot.waitUntil(lambda: not window.worker.busy, timeout=5000)
    # nothing that looks like an output of this product: no video, and no subtitles/cover/manifest without one
    leftovers = sorted(x.name for x in out.iterdir() if not x.name.startswith(".")) if out.exists() else []
    assert not [n for n in leftovers if n.startswith("保温杯")], leftovers


def _slow_fake_render(calls):
    """A stand-in for render_product that reports progress until cancelled (no models needed)."""
    from studio.util import Progress

    def fake(product, options, variant=0, on_progress=None, cancel=None, notes=None):
        calls.append(product.name)
        for i in range(2000):
            cancel.check()
            on_progress(Progress("render", i / 2000, "frame"))
            time.sleep(0.005)
        raise AssertionError("was not cancelled")

    return fake


@pytest.fixture
def one_product(tmp_path):
    make_photo(tmp_path / "cup.png")
    return write_csv(tmp_path / "s.csv", ["商品名称", "价格", "卖点", "图片"],
                     [["保温杯", "59.9", "保温", "cup.png"], ["保温壶", "79", "保温", "cup.png"]])


def test_queue_one_at_a_time_and_cancel_all(window, one_product, qtbot, monkeypatch):
    from studio.gui import worker as worker_mod

    calls = []
    monkeypatch.setattr(worker_mod, "render_product", _slow_fake_render(calls))
    window.load_sheet(one_product)
    first, second = window.render_all()
    qtbot.waitUntil(lambda: window.job_state(first) == "rendering", timeout=5000)
    qtbot.waitUntil(lambda: window.progress_bar(first).value() > 0, timeout=5000)
    assert window.job_state(second) == "queued" and calls == ["保温杯"]  # one job at a time
    assert window.cancel_button.isEnabled()
    assert window.render_all() == []  # already queued rows are not queued twice
    started = time.monotonic()
    window.cancel_all()
    qtbot.waitUntil(lambda: window.job_state(first) == "cancelled" and window.job_state(second) == "cancelled",
                    timeout=5000)
    assert time.monotonic() - started < 2.0
    assert calls == ["保温杯"]  # the queued job never started
    assert window.status_of(0) == window.status_of(1) == "cancelled"
    qtbot.waitUntil(lambda: not window.cancel_button.isEnabled(), timeout=5000)


def test_closing_while_rendering_asks_then_cancels(window, one_product, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from studio.gui import worker as worker_mod

    calls = []
    monkeypatch.setattr(worker_mod, "render_product", _slow_fake_render(calls))
    window.load_sheet(one_product)
    window.table.selectRow(0)
    (job_id,) = window.render_selected()
    qtbot.waitUntil(lambda: window.job_state(job_id) == "rendering", timeout=5000)
    answers = [QMessageBox.No]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers.pop(0))
    assert not window.close()  # "No": keeps rendering
    assert window.isVisible() and window.worker.busy
    answers.append(QMessageBox.Yes)
    started = time.monotonic()
    assert window.close()
    assert time.monotonic() - started < 3.0
    assert not window.thread.isRunning() and not window.worker.busy


def test_run_opens_the_example_sheet(qapp, monkeypatch, tmp_path):
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication

    from studio.gui import app as app_mod

    QSettings.setPath(QSettings.NativeFormat, QSettings.UserScope, str(tmp_path))  # no last sheet
    seen = {}

    def fake_exec(self=None):
        for _ in range(5):
            QCoreApplication.processEvents()
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, app_mod.MainWindow) and w.isVisible()]
        seen["rows"] = windows[-1].table.rowCount()
        seen["sheet"] = windows[-1].sheet.path if windows[-1].sheet else None
        windows[-1].close()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert app_mod.run(["main.py"]) == 0
    assert seen["sheet"] is not None and Path(seen["sheet"]).name == "products.csv" and seen["rows"] >= 4


def test_many_signal_emits_do_not_break_the_interpreter(qapp):
    """PySide6 6.12 drops a reference to True on every Python emit(); on Python 3.11 a few hundred
    progress reports would abort the process. The worker emits through qtcompat.emit."""
    import sys

    from PySide6.QtCore import QObject, Signal

    from studio.gui.qtcompat import emit

    class Source(QObject):
        progress = Signal(int, float, str, str)

    src = Source()
    got = []
    src.progress.connect(lambda *a: got.append(a))
    before = sys.getrefcount(True)
    for i in range(3000):
        emit(src.progress, 1, i / 3000, "render", "")
    assert abs(sys.getrefcount(True) - before) < 50
    assert len(got) == 3000


def test_cancel_cleanup_removes_subtitles_without_a_video(tmp_path):
    from studio.gui.worker import Job, remove_orphan_outputs
    from studio.pipeline import RenderOptions
    from studio.types import Product

    out = tmp_path / "out"
    out.mkdir()
    job = Job(Product("保温杯", images=[]), RenderOptions(out_dir=out))
    for name in ("保温杯.srt", "保温杯.vtt", "其他.srt"):
        (out / name).write_text("x", encoding="utf-8")
    assert sorted(p.name for p in remove_orphan_outputs(job)) == ["保温杯.srt", "保温杯.vtt"]
    assert sorted(p.name for p in out.iterdir()) == ["其他.srt"]
    # a finished video from an earlier render keeps its subtitles
    for name in ("保温杯.mp4", "保温杯.srt"):
        (out / name).write_text("x", encoding="utf-8")
    assert remove_orphan_outputs(job) == []
    assert (out / "保温杯.srt").exists()


def test_cancel_is_reported_promptly_even_when_a_step_cannot_be_interrupted(window, one_product, qtbot, monkeypatch):
    """A Whisper pass cannot be interrupted: the job is shown cancelled within about a second, and the
    next job starts only once the old one has stopped (two renders never share the CPU)."""
    import threading

    from studio.gui import worker as worker_mod
    from studio.util import Progress

    stopped = threading.Event()
    calls = []

    def stubborn(product, options, variant=0, on_progress=None, cancel=None, notes=None):
        calls.append((product.name, stopped.is_set()))
        if len(calls) == 1:
            on_progress(Progress("subtitles", 0.3, ""))
            while not cancel.cancelled:
                time.sleep(0.01)
            time.sleep(2.5)  # "still inside Whisper"
            stopped.set()
            cancel.check()
        from studio.types import RenderResult
        return RenderResult(product.name, None, ok=False, error="stub")

    monkeypatch.setattr(worker_mod, "render_product", stubborn)
    window.load_sheet(one_product)
    window.table.selectRow(0)
    (first,) = window.render_selected()
    qtbot.waitUntil(lambda: window.job_stage.get(first) == "subtitles", timeout=5000)
    started = time.monotonic()
    window.cancel_all()
    qtbot.waitUntil(lambda: window.job_state(first) == "cancelled", timeout=5000)
    assert time.monotonic() - started < 2.0 and not stopped.is_set()
    window.table.selectRow(1)
    (second,) = window.render_selected()
    qtbot.waitUntil(lambda: window.job_state(second) == "failed", timeout=10_000)
    assert calls == [("保温杯", False), ("保温壶", True)]
