"""Save a picture of the real desktop window with the example sheet loaded (offscreen, no screen needed).

    python scripts/screenshot_gui.py [OUT.png]      (default: docs/gui.png)
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def window_shot(out: Path, sheet: Path | None = None) -> Path:
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from studio.gui.app import EXAMPLE_SHEET, MainWindow, install_cjk_font

    app = QApplication.instance() or QApplication(sys.argv[:1])
    install_cjk_font(app)
    window = MainWindow()
    window.show()
    try:
        if not window.load_sheet(sheet or EXAMPLE_SHEET):
            raise SystemExit(f"cannot load {sheet or EXAMPLE_SHEET}")
        # let the per-row compliance scan and layout finish
        loop = QEventLoop()
        QTimer.singleShot(1500, loop.quit)
        loop.exec()
        QCoreApplication.processEvents()
        out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(out)):
            raise SystemExit(f"could not write {out}")
    finally:
        window.shutdown()
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "gui.png"
    print(window_shot(target))
