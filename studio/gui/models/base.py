"""What the studio's table models share: translated column headers and row counting."""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from ..texts import Texts


class HeaderedTableModel(QAbstractTableModel):
    """A table model whose columns are `HEADERS` ((zh, en) pairs, shown in the interface language)
    and whose rows are `_row_count()`."""

    HEADERS: tuple[tuple[str, str], ...] = ()
    texts: Texts

    def _row_count(self) -> int:
        raise NotImplementedError

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else self._row_count()

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole and 0 <= section < len(self.HEADERS):
            return self.texts.t(*self.HEADERS[section])
        return None
