"""The render queue as a Qt model: one row per job (by job id), repainted one row at a time as its
job reports."""
from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from ...app.queue import CANCELLED, DONE, FAILED, QUEUED, RENDERING, RenderQueue
from .base import HeaderedTableModel
from ..texts import Texts, stage_name

Q_JOB, Q_STAGE, Q_PROGRESS, Q_RESULT, Q_ETA, Q_ACTIONS = range(6)
HEADERS = (("任务", "Job"), ("阶段", "Stage"), ("进度", "Progress"), ("结果", "Result"), ("剩余", "ETA"),
           ("操作", "Actions"))
JOB_ID_ROLE = Qt.UserRole + 1
PROGRESS_ROLE = Qt.UserRole + 2  # 0..1000
STATE_ROLE = Qt.UserRole + 3
STATE_NAMES = {QUEUED: ("排队中", "Queued"), DONE: ("完成", "Done"), FAILED: ("失败", "Failed"),
               CANCELLED: ("已取消", "Cancelled")}


def duration_text(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class QueueModel(HeaderedTableModel):
    HEADERS = HEADERS

    def __init__(self, queue: RenderQueue, texts: Texts, parent=None) -> None:
        super().__init__(parent)
        self.queue = queue
        self.texts = texts
        self._ids: list[int] = []
        self._row_of: dict[int, int] = {}

    def add(self, job_id: int) -> None:
        if job_id in self._row_of:
            return
        row = len(self._ids)
        self.beginInsertRows(QModelIndex(), row, row)
        self._ids.append(job_id)
        self._row_of[job_id] = row
        self.endInsertRows()

    def job_changed(self, job_id: int) -> None:
        row = self._row_of.get(job_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, Q_ETA))

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Horizontal, 0, len(HEADERS) - 1)
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, Q_ETA))

    def row_of(self, job_id: int) -> int:
        return self._row_of.get(job_id, -1)

    def job_id_at(self, row: int) -> int:
        return self._ids[row]

    def _row_count(self) -> int:
        return len(self._ids)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        job = self.queue.job(self._ids[index.row()])
        col, t = index.column(), self.texts.t
        if role == JOB_ID_ROLE:
            return job.id
        if role == STATE_ROLE:
            return job.state
        if col == Q_JOB:
            if role == Qt.DisplayRole:
                return job.label
            if role == Qt.ToolTipRole:
                return f"{job.product.name} → {job.out_dir}"
        elif col == Q_STAGE:
            if role == Qt.DisplayRole:
                if job.cancelling:
                    return t("正在取消…", "Cancelling…")
                if job.state == RENDERING:
                    return stage_name(self.texts.tr, job.stage) if job.stage else t("开始", "Starting")
                return t(*STATE_NAMES[job.state])
            if role == Qt.ToolTipRole:
                return job.message or None
        elif col == Q_PROGRESS:
            if role == PROGRESS_ROLE:
                return int(round(job.fraction * 1000))
            if role == Qt.DisplayRole:
                return f"{job.fraction * 100:.0f}%"
        elif col == Q_RESULT:
            return self._result(job, role)
        elif col == Q_ETA:
            if role == Qt.DisplayRole and job.state == RENDERING and job.eta_s is not None:
                return duration_text(job.eta_s)
        return None

    def _result(self, job, role):
        t = self.texts.t
        if job.state == DONE and job.result is not None and job.result.video is not None:
            if role == Qt.DisplayRole:
                return job.result.video.name
            if role == Qt.ToolTipRole:
                return "\n".join([str(job.result.video), *job.result.warnings])
        elif job.state == FAILED:
            first = job.error.strip().splitlines()[0] if job.error.strip() else job.error
            if role == Qt.DisplayRole:
                return first
            if role == Qt.ToolTipRole:
                return job.error
            if role == Qt.ForegroundRole:
                return QColor("#c62828")
        elif job.state == CANCELLED and role == Qt.DisplayRole:
            return t("没有留下视频文件", "No video file left behind")
        return None
