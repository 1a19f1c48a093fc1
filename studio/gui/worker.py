"""Render jobs off the UI thread: a QObject living in a QThread, reporting through signals."""
from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal, Slot

from ..pipeline import RenderOptions, render_product
from ..types import Problem, Product, RenderResult
from ..util import CancelToken, Cancelled

_ids = itertools.count(1)


@dataclass
class Job:
    product: Product
    options: RenderOptions
    variant: int = 0
    notes: list[Problem] = field(default_factory=list)
    id: int = field(default_factory=lambda: next(_ids))
    cancel: CancelToken = field(default_factory=CancelToken)


class RenderWorker(QObject):
    """Runs queued jobs one at a time. Cancel is checked between stages and at every frame."""

    progress = Signal(int, float, str)  # job id, fraction 0..1, stage
    finished = Signal(int, object)  # job id, RenderResult
    cancelled = Signal(int)
    idle = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._queue: list[Job] = []
        self._lock = threading.Lock()
        self._running = False
        self.current: Job | None = None

    def enqueue(self, job: Job) -> None:
        with self._lock:
            self._queue.append(job)

    def cancel(self, job_id: int | None = None) -> None:
        """Cancel one job (queued or running), or all when job_id is None."""
        with self._lock:
            targets = [j for j in self._queue + ([self.current] if self.current else []) if j]
            for job in targets:
                if job_id is None or job.id == job_id:
                    job.cancel.cancel()

    @property
    def busy(self) -> bool:
        with self._lock:
            return self.current is not None or bool(self._queue)

    @Slot()
    def run_queue(self) -> None:
        if self._running:
            return
        self._running = True
        try:
            while True:
                with self._lock:
                    if not self._queue:
                        self.current = None
                        break
                    job = self.current = self._queue.pop(0)
                if job.cancel.cancelled:
                    self.cancelled.emit(job.id)
                    continue
                try:
                    result: RenderResult = render_product(
                        job.product, job.options, job.variant,
                        on_progress=lambda p, j=job: self.progress.emit(j.id, p.fraction, p.stage),
                        cancel=job.cancel, notes=job.notes,
                    )
                except Cancelled:
                    self.cancelled.emit(job.id)
                    continue
                self.finished.emit(job.id, result)
        finally:
            self._running = False
            with self._lock:
                self.current = None
            self.idle.emit()
