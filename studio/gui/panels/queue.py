"""The queue panel: every render job with its stage, progress bar, result and time left, and the
actions its state allows (cancel; open the video, its folder or its manifest; retry or render again;
the full error with the log for a failure)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QHBoxLayout, QHeaderView, QPushButton, QStyle,
                               QStyledItemDelegate, QStyleOptionProgressBar, QTableView, QVBoxLayout, QWidget)

from ...app.queue import ACTIVE, CANCELLED, DONE, FAILED, RenderQueue
from ..models.queue import PROGRESS_ROLE, Q_ACTIONS, Q_ETA, Q_JOB, Q_PROGRESS, Q_RESULT, Q_STAGE, QueueModel
from ..texts import Texts

ACTIONS = {  # English name (what tests and scripts look a button up by) -> (zh, en) text
    "Cancel": ("取消", "Cancel"), "Open video": ("打开视频", "Open video"), "Open folder": ("打开文件夹", "Open folder"),
    "Manifest": ("清单", "Manifest"), "Retry": ("重试", "Retry"), "Render again": ("重新渲染", "Render again"),
    "Details": ("详情…", "Details…"),
}


class ProgressDelegate(QStyledItemDelegate):
    """Draws the progress column as a progress bar (0..1000 from PROGRESS_ROLE)."""

    def paint(self, painter, option, index) -> None:
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum, bar.maximum = 0, 1000
        bar.progress = int(index.data(PROGRESS_ROLE) or 0)
        bar.text = index.data(Qt.DisplayRole) or ""
        bar.textVisible = True
        bar.state = option.state | QStyle.State_Enabled
        QApplication.style().drawControl(QStyle.CE_ProgressBar, bar, painter)


class QueuePanel(QWidget):
    cancel = Signal(int)
    retry = Signal(int)
    details = Signal(int)
    open_file = Signal(object)
    open_folder = Signal(object)

    def __init__(self, queue: RenderQueue, texts: Texts) -> None:
        super().__init__()
        self.queue, self.texts = queue, texts
        self.model = QueueModel(queue, texts, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(Q_PROGRESS, ProgressDelegate(self.view))
        header = self.view.horizontalHeader()
        for col, mode in ((Q_JOB, QHeaderView.Stretch), (Q_STAGE, QHeaderView.ResizeToContents),
                          (Q_PROGRESS, QHeaderView.Fixed), (Q_RESULT, QHeaderView.Stretch),
                          (Q_ETA, QHeaderView.ResizeToContents), (Q_ACTIONS, QHeaderView.ResizeToContents)):
            header.setSectionResizeMode(col, mode)
        self.view.setColumnWidth(Q_PROGRESS, 200)
        self.view.verticalHeader().setVisible(False)
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.view.setProperty("data_widget", True)
        self._shown_state: dict[int, tuple] = {}  # job id -> (state, cancelling) its action buttons were made for
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(texts.label("渲染队列", "Render queue"))
        layout.addWidget(self.view)

    # ---------------------------------------------------------------- jobs
    def job_changed(self, job_id: int) -> None:
        """Show a new job, or a job's new state or progress (one row repainted)."""
        self.model.add(job_id)
        self.model.job_changed(job_id)
        job = self.queue.job(job_id)
        if self._shown_state.get(job_id) != (job.state, job.cancelling):
            self._make_actions(job_id)

    def retranslate(self) -> None:
        self.model.retranslate()
        for job_id in list(self._shown_state):
            self._make_actions(job_id)

    def progress(self, job_id: int) -> int:
        """The job's progress bar, 0..1000."""
        return int(self.model.index(self.model.row_of(job_id), Q_PROGRESS).data(PROGRESS_ROLE) or 0)

    def cell(self, job_id: int, column: int, role=Qt.DisplayRole):
        return self.model.index(self.model.row_of(job_id), column).data(role)

    def action_buttons(self, job_id: int) -> dict[str, QPushButton]:
        """The job's action buttons by their English name (for tests and scripts)."""
        widget = self.view.indexWidget(self.model.index(self.model.row_of(job_id), Q_ACTIONS))
        return {b.property("action"): b for b in widget.findChildren(QPushButton)} if widget else {}

    def _make_actions(self, job_id: int) -> None:
        job = self.queue.job(job_id)
        self._shown_state[job_id] = (job.state, job.cancelling)
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(2, 0, 2, 0)

        def add(name: str, signal, value) -> None:
            button = QPushButton(self.texts.t(*ACTIONS[name]))
            button.setProperty("action", name)
            button.clicked.connect(lambda _=False: signal.emit(value))
            row.addWidget(button)

        if job.state in ACTIVE and not job.cancelling:
            add("Cancel", self.cancel, job_id)
        video = job.result.video if job.result is not None else None
        if job.state == DONE and video is not None:
            add("Open video", self.open_file, Path(video))
            add("Open folder", self.open_folder, Path(video).parent)
            if job.result.manifest is not None:
                add("Manifest", self.open_file, Path(job.result.manifest))
        if job.state == FAILED:
            add("Details", self.details, job_id)
        if job.state in (FAILED, CANCELLED):
            add("Retry", self.retry, job_id)
        elif job.state == DONE:
            add("Render again", self.retry, job_id)
        self.view.setIndexWidget(self.model.index(self.model.row_of(job_id), Q_ACTIONS), box)
        self.view.resizeColumnToContents(Q_ACTIONS)

    def rows(self) -> int:
        return self.model.rowCount(QModelIndex())
