"""Pictures for the README, taken from the real program: a frame of a rendered example video
(docs/example_frame.png) and the desktop window with the example sheet (docs/gui.png).

Run after `bash scripts/demo.sh`:  .venv/bin/python scripts/screenshots.py
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def example_frame(video: Path, out: Path, at: float = 6.0) -> None:
    from PIL import Image

    from studio.util import ffmpeg_exe

    tmp = out.with_suffix(".full.png")
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-ss", str(at), "-i", str(video), "-frames:v", "1", str(tmp)],
                   check=True)
    Image.open(tmp).resize((540, 960), Image.Resampling.LANCZOS).save(out, optimize=True)
    tmp.unlink()


def window_shot(out: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from studio.gui.app import install_cjk_font
    from studio.gui.main_window import EXAMPLE_SHEET, MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    install_cjk_font(app)
    w = MainWindow()
    w.show()
    w.load_sheet(EXAMPLE_SHEET)
    app.processEvents()
    w.grab().save(str(out))
    w.shutdown()


if __name__ == "__main__":
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    videos = sorted((ROOT / "out").glob("*.mp4"))
    if not videos:
        sys.exit("no video in out/: run `bash scripts/demo.sh` first")
    example_frame(videos[-1], docs / "example_frame.png")
    window_shot(docs / "gui.png")
    print("wrote docs/example_frame.png and docs/gui.png")
