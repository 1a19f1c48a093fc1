"""Pictures of the real desktop app in Chinese and English (offscreen, no screen needed), and the
live-preview latency measured on the way.

    .venv/bin/python scripts/screenshot_gui.py [OUT_DIR]      (default: docs/)

Writes gui_zh.png, gui_en.png (main window: example project, a compliance finding underlined,
safe zones on the preview), gallery_zh.png, gallery_en.png, settings_zh.png, settings_en.png.
The example project is made in a temporary folder; the user's settings are not touched.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _wait(predicate, seconds: float = 30.0) -> bool:
    from PySide6.QtCore import QCoreApplication

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        if predicate():
            return True
        time.sleep(0.01)
    return False


def shots(out_dir: Path) -> list[Path]:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from studio.gui.app import install_cjk_font
    from studio.gui.main_window import EXAMPLE_SHEET, MainWindow
    from studio.gui.models import COL_POINTS
    from studio.project import Project

    tmp = Path(tempfile.mkdtemp(prefix="studio-shots-"))
    os.environ["STUDIO_SETTINGS"] = str(tmp / "settings.json")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    install_cjk_font(app)
    project = Project.create(tmp / "example", EXAMPLE_SHEET)
    # one selling point a merchant might write, so the compliance check has something to show
    project.items[0].product.selling_points[0] = "全网最低价，316不锈钢内胆"
    project.save()
    written = []
    latencies = []
    for language in ("zh", "en"):
        window = MainWindow(project=Project.load(tmp / "example"), language=language)
        window.resize(1440, 900)
        window.show()
        products, preview = window.products_panel, window.preview_panel
        try:
            products.select_row(0)
            _wait(lambda: preview.result is not None and preview.result.rebuilt)
            # measure: edit a selling point, time until the new preview is on screen
            for n in range(5):
                text = f"卖点{n} | 主动降噪 | 单次续航8小时"
                products.select_row(1)
                _wait(lambda: False, 0.5)
                edited_at = time.monotonic()
                products.model.setData(products.model.index(1, COL_POINTS), text, Qt.EditRole)  # a cell edit's commit
                ok = _wait(lambda: preview.result is not None and preview.result.script is not None
                           and any(f"卖点{n}" in line for line in preview.result.script.lines), 10)
                if ok:
                    latencies.append((time.monotonic() - edited_at) * 1000)
                else:
                    print(f"edit {n}: no preview showed it within 10 s", file=sys.stderr)
            while window.session.can_undo:
                window.session.undo()
            products.select_row(0)
            preview.safe_box.setChecked(True)
            preview.scrub.setValue(2500)
            _wait(lambda: preview.result is not None and preview.result.time_s > 2)
            _wait(lambda: window.script_panel.findings_list.count() > 0, 5)
            _wait(lambda: not products.checks_pending, 10)  # every row's status is in
            time.sleep(0.2)
            for name, widget in ((f"gui_{language}.png", window), (f"gallery_{language}.png", window.open_gallery()),
                                 (f"settings_{language}.png", window.open_settings())):
                _wait(lambda: False, 0.3)
                path = out_dir / name
                if not widget.grab().save(str(path)):
                    raise SystemExit(f"could not write {path}")
                written.append(path)
                if widget is not window:
                    widget.close()
        finally:
            window.shutdown()
            window.close()
    latencies = [x for x in latencies if x is not None]
    if latencies:
        print(f"live preview after a selling-point edit: median {statistics.median(latencies):.0f} ms, "
              f"max {max(latencies):.0f} ms over {len(latencies)} edits")
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    target.mkdir(parents=True, exist_ok=True)
    for p in shots(target):
        print(p)
