"""The error dialog: what went wrong in plain words, the full text on demand, and the log file (which
keeps the traceback of every error turned into a message) one click away."""
from __future__ import annotations

import logging
import platform
import time
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWidget)

from ...core.logs import log_path
from ..i18n import Translator

log = logging.getLogger(__name__)


class ErrorDialog(QDialog):
    """Shows `message` (its first line as the headline), `details` below, and offers to open the log."""

    def __init__(self, tr: Translator, title: str, message: str, details: str = "",
                 parent: QWidget | None = None, log_file: Path | None = None) -> None:
        super().__init__(parent)
        t = tr.text
        self.setWindowTitle(title)
        self.resize(640, 360)
        self.log_file = Path(log_file) if log_file is not None else log_path()
        headline = message.strip().splitlines()[0] if message.strip() else title
        self.headline = QLabel(headline)
        self.headline.setWordWrap(True)
        self.headline.setProperty("data_widget", True)  # the error's own words, in the studio's language
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setProperty("data_widget", True)
        self.details.setPlainText("\n\n".join(x for x in (message.strip(), details.strip()) if x)
                                  + f"\n\n{platform.platform()} · {time.strftime('%Y-%m-%d %H:%M:%S')}")
        self.where = QLabel(t("完整的技术细节（含调用栈）记在日志文件里：", "The full technical details (with the traceback) are in the log file:")
                            + f"\n{self.log_file}")
        self.where.setWordWrap(True)
        self.open_log_button = QPushButton(t("打开日志文件", "Open the log file"))
        self.open_log_button.clicked.connect(lambda _=False: self.open_log())
        self.copy_button = QPushButton(t("复制内容", "Copy the text"))
        self.copy_button.clicked.connect(lambda _=False: QGuiApplication.clipboard().setText(self.details.toPlainText()))
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Close).setText(t("关闭", "Close"))
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.open_log_button)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.where)
        layout.addLayout(row)

    def open_log(self) -> bool:
        """Open the log file in the system's viewer; False when there is none yet or it could not open."""
        if not self.log_file.is_file():
            self.where.setText(self.where.text().split("\n")[0] + f"\n{self.log_file} (—)")
            return False
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_file))):
            return True
        log.warning("could not open the log file %s", self.log_file)
        return False


def show_error(tr: Translator, title: str, message: str, details: str = "", parent: QWidget | None = None) -> ErrorDialog:
    """Open an ErrorDialog without blocking (the window, and a test offscreen, keep running)."""
    dialog = ErrorDialog(tr, title, message, details, parent)
    dialog.setModal(False)
    dialog.open()
    return dialog
