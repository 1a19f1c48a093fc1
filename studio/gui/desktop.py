"""Opening files and folders in the system's own programs (with the path shown when that fails)."""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from .i18n import Translator

log = logging.getLogger(__name__)


def open_folder(parent: QWidget, tr: Translator, folder: str | Path) -> bool:
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        log.warning("could not create %s", folder, exc_info=True)
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
        return True
    log.warning("the system could not open the folder %s", folder)
    QMessageBox.information(parent, tr.text("打开文件夹", "Open folder"),
                            tr.text("无法自动打开，请在文件管理器中打开：\n", "Could not open it; open it yourself:\n")
                            + str(folder))
    return False


def open_file(parent: QWidget, tr: Translator, path: str | Path) -> bool:
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        return True
    log.warning("the system could not open %s", path)
    QMessageBox.information(parent, tr.text("打开文件", "Open file"), str(path))
    return False
