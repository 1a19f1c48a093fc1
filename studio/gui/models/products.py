"""The products table as a Qt model over the session: one row per project item (by id), then the sheet
rows that could not be imported. An edit goes through the session's field parsers; a change repaints
only the rows it touched."""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from ...app.session import Session
from ...core.errors import StudioError
from .base import HeaderedTableModel
from ..texts import STATUS, Texts

log = logging.getLogger(__name__)

COL_ROW, COL_NAME, COL_PRICE, COL_POINTS, COL_PHOTOS, COL_LANG, COL_STATUS = range(7)
EDITABLE = {COL_NAME: "name", COL_PRICE: "price", COL_POINTS: "selling_points", COL_LANG: "language"}
HEADERS = (("行", "Row"), ("商品", "Product"), ("价格", "Price"), ("卖点（用 | 分隔）", "Selling points (| between)"),
           ("图片", "Photos"), ("语言", "Lang"), ("状态", "Status"))
ITEM_ID_ROLE = Qt.UserRole + 1  # the row's item id ('' for a sheet row that could not be imported)
STATUS_ROLE = Qt.UserRole + 2  # the row's status key (STATUS)
SHEET_ROW_ROLE = Qt.UserRole + 3  # the sheet row it came from (None for a product added in the app)


class ProductsModel(HeaderedTableModel):
    HEADERS = HEADERS

    refused = Signal(str)  # an edit the field parser refused, with the reason

    def __init__(self, session: Session, texts: Texts, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.texts = texts
        self._rows: list[tuple[str, int | None]] = []  # (item id or '', sheet row)
        self._row_of: dict[str, int] = {}
        self._readiness: dict = {}  # item id -> its readiness (ItemStatus), until the item or the options change
        self.reset()

    # ---------------------------------------------------------------- rows
    def reset(self) -> None:
        """The list of products changed (added, removed, reordered, imported, another project)."""
        self.beginResetModel()
        self._readiness.clear()
        self._rows = [(it.id, it.product.source_row) for it in self.session.items]
        self._rows += [("", row) for row in self.session.bad_rows()]
        self._row_of = {item_id: n for n, (item_id, _) in enumerate(self._rows) if item_id}
        self.endResetModel()

    def item_changed(self, item_id: str) -> None:
        """Repaint one product's row (its fields or status changed)."""
        self._readiness.pop(item_id, None)
        row = self._row_of.get(item_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, COL_STATUS))

    def statuses_changed(self) -> None:
        self._readiness.clear()
        if self._rows:
            self.dataChanged.emit(self.index(0, COL_STATUS), self.index(len(self._rows) - 1, COL_STATUS))

    def status(self, item_id: str):
        """The item's status as the row shows it: its render state read now, its readiness cached
        until the row is told it changed."""
        ready = self._readiness.get(item_id)
        if ready is None:
            ready = self._readiness[item_id] = self.session.readiness(item_id, compute=False)
        return self.session.status(item_id, readiness=ready)

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Horizontal, 0, len(HEADERS) - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, COL_STATUS))

    def row_of(self, item_id: str) -> int:
        return self._row_of.get(item_id, -1)

    def item_id_at(self, row: int) -> str:
        return self._rows[row][0] if 0 <= row < len(self._rows) else ""

    def sheet_row_at(self, row: int) -> int | None:
        return self._rows[row][1] if 0 <= row < len(self._rows) else None

    # ---------------------------------------------------------------- Qt
    def _row_count(self) -> int:
        return len(self._rows)

    def flags(self, index):
        base = super().flags(index)
        if index.isValid() and index.column() in EDITABLE and self.item_id_at(index.row()):
            return base | Qt.ItemIsEditable
        return base & ~Qt.ItemIsEditable

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        item_id, sheet_row = self._rows[index.row()]
        col = index.column()
        if role == ITEM_ID_ROLE:
            return item_id
        if role == SHEET_ROW_ROLE:
            return sheet_row
        if col == COL_ROW:
            return ("" if sheet_row is None else str(sheet_row)) if role == Qt.DisplayRole else None
        if not item_id:
            return self._bad_row_data(sheet_row, col, role)
        if col == COL_STATUS:
            return self._status_data(item_id, role)
        product = self.session.item(item_id).product
        if role in (Qt.DisplayRole, Qt.EditRole):
            if col == COL_NAME:
                return product.name
            if col == COL_PRICE:
                return "" if product.price is None else f"{product.price:g}"
            if col == COL_POINTS:
                return " | ".join(product.selling_points)
            if col == COL_PHOTOS:
                return str(len(product.images))
            if col == COL_LANG:
                return product.language
        if role == Qt.ToolTipRole and col == COL_PHOTOS:
            return "\n".join(Path(x).name for x in product.images)
        return None

    def _bad_row_data(self, sheet_row, col, role):
        problems = self.session.problems_for_row(sheet_row)
        if col == COL_NAME:
            if role == Qt.DisplayRole:
                return self.texts.t("（这一行不能渲染，见下方问题）", "(this row cannot render: see the problems)")
            if role == Qt.ForegroundRole:
                return QColor("#9e9e9e")
            if role == Qt.ToolTipRole:
                return "\n".join(str(p) for p in problems)
        if col == COL_STATUS:
            return self._status_look("attention", str(problems[0]) if problems else "", role)
        return None

    def _status_data(self, item_id: str, role):
        if role not in (Qt.DisplayRole, Qt.ForegroundRole, Qt.ToolTipRole, STATUS_ROLE):
            return None
        status = self.status(item_id)
        return self._status_look(status.state, status.reason, role)

    def _status_look(self, state: str, reason: str, role):
        names, colour, tip = STATUS[state]
        if role == STATUS_ROLE:
            return state
        if role == Qt.DisplayRole:
            return self.texts.t(*names)
        if role == Qt.ForegroundRole:
            return QColor(colour)
        if role == Qt.ToolTipRole:
            return reason or self.texts.t(*tip)
        return None

    def setData(self, index, value, role=Qt.EditRole) -> bool:  # noqa: N802
        """A typed cell, read by the same field parser as a sheet's; a refused one says why."""
        if role != Qt.EditRole or not index.isValid() or index.column() not in EDITABLE:
            return False
        item_id = self.item_id_at(index.row())
        if not item_id:
            return False
        field = EDITABLE[index.column()]
        try:
            self.session.edit_field(item_id, field, str(value))
        except StudioError as exc:
            log.info("edit of %s refused: %s", field, exc)
            self.refused.emit(str(exc))
            return False
        return True
