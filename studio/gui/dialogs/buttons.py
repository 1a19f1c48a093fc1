"""The accept and cancel buttons every dialog has, in the interface language."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox

from ..i18n import Translator


def accept_and_cancel(dialog: QDialog, tr: Translator, accept_kind, accept_text: tuple[str, str], on_accept) -> QDialogButtonBox:
    """An accept button (with its text in the interface language) and Cancel."""
    buttons = QDialogButtonBox(accept_kind | QDialogButtonBox.Cancel)
    buttons.button(accept_kind).setText(tr.text(*accept_text))
    buttons.button(QDialogButtonBox.Cancel).setText(tr.text("取消", "Cancel"))
    buttons.accepted.connect(on_accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
