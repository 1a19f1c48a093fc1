"""The products panel: the editable products table (photos and clips dropped on a row are added to
that product), its buttons, and the sheet's problems. Row statuses come from the session; the plans
behind them are worked out on the runner's "checks" lane, one product at a time, so a big project is
checked without freezing the window."""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QListWidget,
                               QListWidgetItem, QTableView, QVBoxLayout, QWidget)

from ...app.session import CHECKING, Session, compute_plan
from ...core.vocab import VISUAL_EXTS
from ...types import Product
from ..models.products import (COL_LANG, COL_NAME, COL_PHOTOS, COL_POINTS, COL_PRICE, COL_ROW, COL_STATUS, STATUS_ROLE,
                               ProductsModel)
from ..runner import Runner
from ..texts import Texts

log = logging.getLogger(__name__)


class ProductTable(QTableView):
    """The products table; photos and clips dropped on a row are added to that product."""

    files_dropped = Signal(int, list)  # row, paths

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DropOnly)

    def _paths(self, event) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [u.toLocalFile() for u in mime.urls() if Path(u.toLocalFile()).suffix.lower() in VISUAL_EXTS]

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        event.acceptProposedAction() if self._paths(event) else event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        event.acceptProposedAction() if self._paths(event) else event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = self._paths(event)
        row = self.indexAt(event.position().toPoint()).row()
        if paths and row >= 0:
            event.acceptProposedAction()
            self.files_dropped.emit(row, paths)
        else:
            event.ignore()


class ProductsPanel(QWidget):
    selection_changed = Signal()
    message = Signal(str)  # for the status bar: a refused edit, a photo that could not be added

    def __init__(self, session: Session, runner: Runner, texts: Texts) -> None:
        super().__init__()
        self.session, self.runner, self.texts = session, runner, texts
        t = texts.t
        self.model = ProductsModel(session, texts, self)
        self.model.refused.connect(self.message)
        self.table = ProductTable()
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_NAME, QHeaderView.Stretch)
        header.setSectionResizeMode(COL_POINTS, QHeaderView.Stretch)
        # no ResizeToContents: it measures rows again on every change; the narrow columns are sized per fill
        header.setResizeContentsPrecision(50)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed
                                   | QAbstractItemView.AnyKeyPressed)
        self.table.setProperty("data_widget", True)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self.selection_changed.emit())
        self.table.files_dropped.connect(self.add_media)
        texts.bind(self.table.setToolTip, "双击单元格修改；把图片拖到一行上即可添加",
                   "Double-click a cell to edit; drop photos on a row to add them")
        buttons = QHBoxLayout()
        for button in (texts.button("＋ 商品", "+ Product", self.add_product),
                       texts.button("－ 删除", "− Remove", self.remove_selected),
                       texts.button("↑ 上移", "↑ Up", lambda: self.move_selected(-1)),
                       texts.button("↓ 下移", "↓ Down", lambda: self.move_selected(1)),
                       texts.button("添加图片…", "Add photos…", self._choose_photos)):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.problems_label = QLabel()
        self.problems_list = QListWidget()
        self.problems_list.setWordWrap(True)
        self.problems_list.setProperty("data_widget", True)
        self.problems_list.itemClicked.connect(self._problem_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 3)
        layout.addLayout(buttons)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.problems_list, 1)
        self._to_check: list[str] = []
        self._checking = False
        self._waiting = QTimer(self)  # the checks wait while a preview is being drawn
        self._waiting.setSingleShot(True)
        self._waiting.setInterval(50)
        self._waiting.timeout.connect(self._check_next)
        self._t = t

    # ---------------------------------------------------------------- reading
    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectionModel().selectedRows()})

    def selected_item_ids(self) -> list[str]:
        return [x for x in (self.model.item_id_at(r) for r in self.selected_rows()) if x]

    def current_item_id(self) -> str:
        rows = self.selected_rows()
        return self.model.item_id_at(rows[0]) if rows else ""

    def product_at(self, row: int) -> Product | None:
        item_id = self.model.item_id_at(row)
        return self.session.item(item_id).product if item_id else None

    def row_of_product(self, name: str) -> int:
        return next((r for r in range(self.model.rowCount()) if (p := self.product_at(r)) and p.name == name), -1)

    def status_of(self, row: int) -> str:
        return self.model.index(row, COL_STATUS).data(STATUS_ROLE) or ""

    def refill(self) -> None:
        """The list of products changed: show it again (the narrow columns sized to what they hold)."""
        self.model.reset()
        for col in (COL_ROW, COL_PRICE, COL_PHOTOS, COL_LANG, COL_STATUS):
            self.table.resizeColumnToContents(col)
        self.show_problems()

    # ---------------------------------------------------------------- selecting
    def select_row(self, row: int) -> None:
        if self.model.rowCount():
            self.table.selectRow(max(0, min(row, self.model.rowCount() - 1)))

    def select_item(self, item_id: str | None) -> None:
        row = self.model.row_of(item_id) if item_id else -1
        if row >= 0:
            self.select_row(row)

    # ---------------------------------------------------------------- edits
    def add_product(self) -> str:
        lang = "zh" if self.texts.tr.language == "zh" else "en"
        return self.session.add_product(self._t("新商品", "New product"), lang)

    def remove_selected(self) -> bool:
        rows = self.selected_rows()
        bad = [self.model.sheet_row_at(r) for r in rows if not self.model.item_id_at(r)]
        return self.session.remove(self.selected_item_ids(), [r for r in bad if r is not None])

    def move_selected(self, step: int) -> bool:
        ids = self.selected_item_ids()
        return len(ids) == 1 and len(self.selected_rows()) == 1 and self.session.move(ids[0], step)

    def add_media(self, row: int, paths: list) -> int:
        """Add photos or clips to the product on `row` (copied into the project); returns how many."""
        item_id = self.model.item_id_at(row)
        if not item_id:
            return 0
        added, errors = self.session.add_media(item_id, list(paths))
        if errors:
            self.message.emit("; ".join(errors))
        return added

    def _choose_photos(self) -> None:
        rows = self.selected_rows()
        if not rows:
            return
        paths, _ = QFileDialog.getOpenFileNames(self, self._t("添加图片或视频", "Add photos or clips"), str(Path.home()),
                                                "Media (" + " ".join(f"*{e}" for e in sorted(VISUAL_EXTS)) + ")")
        if paths:
            self.add_media(rows[0], paths)

    # ---------------------------------------------------------------- problems
    def show_problems(self) -> None:
        t = self._t
        self.problems_list.clear()
        problems = self.session.project.sheet_problems
        for p in problems:
            tag = t("✖ 错误", "✖ Error") if p.severity == "error" else t("⚠ 提示", "⚠ Warning")
            item = QListWidgetItem(f"{tag}  {p}")
            item.setForeground(QColor("#c62828" if p.severity == "error" else "#e65100"))
            item.setToolTip((t("怎么改：", "What to do: ") + p.hint + "\n" if p.hint else "") + f"{p.file}")
            item.setData(Qt.UserRole, p.row)
            self.problems_list.addItem(item)
        if not problems:
            self.problems_list.addItem(QListWidgetItem(t("✔ 没有问题", "✔ No problems")))
        n_err = sum(p.severity == "error" for p in problems)
        self.problems_label.setText(t(f"表格问题：{n_err} 个错误，{len(problems) - n_err} 个提示",
                                      f"Sheet problems: {n_err} errors, {len(problems) - n_err} warnings"))

    def _problem_clicked(self, item: QListWidgetItem) -> None:
        row = item.data(Qt.UserRole)
        for r in range(self.model.rowCount()):
            if row is not None and self.model.sheet_row_at(r) == row:
                self.table.selectRow(r)
                return

    # ---------------------------------------------------------------- checks in the background
    def check(self, item_ids: list[str] | None = None) -> None:
        """Work out the plans of these items (all when None) on the checks lane, one after another;
        each row is repainted when its plan is in."""
        ids = [it.id for it in self.session.items] if item_ids is None else item_ids
        queued = set(self._to_check)
        self._to_check += [i for i in ids if i not in queued]
        self._check_next()

    def _check_next(self) -> None:
        if self._to_check and not self._checking and self.runner.busy("preview"):
            # the preview of what the merchant just did comes first; the checks go on after it
            if not self._waiting.isActive():
                self._waiting.start()
            return
        while self._to_check and not self._checking:
            item_id = self._to_check.pop(0)
            if not self.session.has_item(item_id) or self.session.readiness(item_id, compute=False).state != CHECKING:
                self.model.item_changed(item_id)
                continue
            request = self.session.plan_request(item_id)
            self._checking = True
            self.runner.submit("checks", lambda r=request: compute_plan(r),
                               lambda outcome, r=request: self._checked(r, outcome),
                               lambda exc: self._checked(None, None))

    def _checked(self, request, outcome) -> None:
        self._checking = False
        if request is not None:
            self.session.store_plan(request, outcome)
            self.model.item_changed(request.item_id)
        self._check_next()

    @property
    def checks_pending(self) -> bool:
        return self._checking or bool(self._to_check)

    def stop_checks(self) -> None:
        """The window is closing: no more checks start."""
        self._to_check.clear()
        self._waiting.stop()
