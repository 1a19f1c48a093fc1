"""Starting the desktop studio: logging to the rotating log file, a CJK font for the interface, the
project to open (the last one, else the example made on first run), and an error dialog for any bug
that reaches the event loop (its traceback goes to the log)."""
from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from ..core.logs import log_path, setup_logging
from ..project import Project, default_project_folder
from ..settings import Settings
from ..util import StudioError, cjk_font_path
from .dialogs import show_error
from .main_window import EXAMPLE_SHEET, MainWindow

log = logging.getLogger(__name__)


def install_cjk_font(app: QApplication) -> str | None:
    """Register Noto Sans SC so Chinese never shows as boxes, and make it the UI font's fallback.
    Returns the registered family, or None if no font could be loaded."""
    paths: list[Path] = []
    try:
        import pylopdf_fonts_zh_cn  # a regular weight reads better than the bundled bold in the UI

        paths.append(Path(pylopdf_fonts_zh_cn.__file__).parent / "NotoSansSC-Regular.otf")
    except ImportError:
        log.info("pylopdf_fonts_zh_cn is not installed; using the bundled caption font for the interface")
    try:
        paths.append(cjk_font_path())
    except Exception:  # no CJK font: the UI still works, Chinese may show as boxes
        log.warning("no CJK font found for the interface", exc_info=True)
    for path in paths:
        if not path.is_file():
            continue
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families:
            font = QFont(app.font())
            font.setFamilies([families[0]])
            font.setPointSize(10)
            app.setFont(font)
            return families[0]
    return None


def start_project() -> Project:
    """The project to open at start: the last one, else the example project (created on first run
    from the bundled example sheet, in ~/AIGC-Studio/example or $STUDIO_PROJECTS/example)."""
    last = QSettings("aigc-studio", "studio").value("last_project", "")
    if last:
        try:
            return Project.load(str(last))
        except StudioError as exc:
            log.warning("the last project could not be opened: %s", exc)
    folder = default_project_folder()
    try:
        return Project.load(folder)
    except StudioError:
        log.info("no example project in %s yet: making it", folder)
    project = Project.create(folder, EXAMPLE_SHEET if EXAMPLE_SHEET.is_file() else None)
    try:
        project.style.platform = Settings.load().platform or "douyin"
        project.save()
    except StudioError as exc:
        log.warning("the example project keeps the default platform: %s", exc)
    return project


def _show_bug(window: MainWindow, kind, value, tb) -> None:
    """sys.excepthook while the window is open: the traceback to the log, the message in a dialog."""
    log.critical("unexpected error in the desktop app", exc_info=(kind, value, tb))
    try:
        show_error(window.i18n, window.t("出错了", "Something went wrong"),
                   f"internal error: {kind.__name__}: {value}", "".join(traceback.format_exception(kind, value, tb)),
                   window)
    except Exception:  # the dialog itself failed: the log has both
        log.exception("the error dialog could not be shown")


def run(argv: list[str] | None = None, project: str | Path | None = None) -> int:
    """Open the desktop app on `project`, else the last project, else the example project."""
    setup_logging()
    log.info("desktop app starting (log: %s)", log_path())
    app = QApplication.instance() or QApplication(list(argv) if argv else sys.argv[:1])
    app.setApplicationName("AIGC Short-video Studio")
    install_cjk_font(app)
    opened = Project.load(project) if project else start_project()
    window = MainWindow(project=opened)
    QSettings("aigc-studio", "studio").setValue("last_project", str(opened.folder))
    previous_hook = sys.excepthook
    sys.excepthook = lambda *exc: _show_bug(window, *exc)
    try:
        window.show()
        code = app.exec()
    finally:
        sys.excepthook = previous_hook
        window.shutdown()
    return int(code)
