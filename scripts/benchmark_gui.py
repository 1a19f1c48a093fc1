"""The desktop window on a big project (offscreen): how long a 500-product project takes to show, an
edit to reach the preview, and the background checks to give every row its status.

    .venv/bin/python scripts/benchmark_gui.py [N_PRODUCTS]      (default 500)

The products are the bundled example sheet's, repeated with numbered names; templates and the
compliance lexicon are loaded before the clock starts. Prints figures only.
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


def _wait(predicate, seconds: float) -> bool:
    from PySide6.QtCore import QCoreApplication

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        if predicate():
            return True
        time.sleep(0.005)
    return False


def main(n: int) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from studio.gui.app import install_cjk_font
    from studio.gui.main_window import EXAMPLE_SHEET, MainWindow
    from studio.gui.models import COL_POINTS
    from studio.project import Project, ProjectItem

    tmp = Path(tempfile.mkdtemp(prefix="studio-bench-"))
    os.environ["STUDIO_SETTINGS"] = str(tmp / "settings.json")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    install_cjk_font(app)
    project = Project.create(tmp / "big", EXAMPLE_SHEET)
    base = [it.product for it in project.items]
    project.items = []
    for i in range(n):
        product = Project.from_dict(project.folder, {"products": [{"product": base[i % len(base)].to_dict()}]}).items[0].product
        product.name = f"{product.name} #{i + 1}"
        project.items.append(ProjectItem(product))
    project.save()
    # what any first window pays once per process (templates compiled, compliance lexicon read) is
    # paid here, so the figures are about the project's size
    from studio.pipeline import plan
    from studio.script import list_templates

    list_templates()
    plan(base[0], project.render_options(), check_media=False)
    started = time.monotonic()
    window = MainWindow(project=Project.load(project.folder), language="en")
    window.show()
    _wait(lambda: False, 0)
    shown = time.monotonic() - started
    products, preview = window.products_panel, window.preview_panel
    _wait(lambda: preview.result is not None, 60)
    latencies = []
    for k in range(5):
        products.select_row(k + 1)
        _wait(lambda: False, 0.3)
        asked = time.monotonic()
        products.model.setData(products.model.index(k + 1, COL_POINTS), f"edit{k} | 主动降噪", Qt.EditRole)
        if _wait(lambda: preview.result is not None and preview.result.script is not None
                 and any(f"edit{k}" in line for line in preview.result.script.lines), 30):
            latencies.append((time.monotonic() - asked) * 1000)
    checked = _wait(lambda: not products.checks_pending, 900)
    all_checked = time.monotonic() - started
    print(f"{n} products: window shown with its table in {shown:.2f} s")
    if latencies:
        print(f"edit to new preview frame: median {statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms "
              f"over {len(latencies)} edits (while the background checks run)")
    print(f"every row checked (statuses from the render plan) {all_checked:.1f} s after opening"
          + ("" if checked else " (not finished: timed out)"))
    window.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
