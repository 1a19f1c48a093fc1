"""Render jobs off the UI thread: a QObject living in a QThread, reporting through signals.

One job runs at a time, in queue order. Cancel sets the job's CancelToken, which the pipeline
checks between steps and at every frame of the encoder loop; the pipeline removes its part files
before `Cancelled` reaches us, so a cancelled job never leaves a finished-looking video behind.
"""
from __future__ import annotations

import itertools
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from ..pipeline import RenderOptions, output_stem, render_product
from ..types import Problem, Product, RenderResult, Scene
from ..util import CancelToken, Cancelled, Progress
from .qtcompat import emit, emit_leaks_true

_ids = itertools.count(1)


@dataclass
class Job:
    product: Product
    options: RenderOptions
    variant: int = 0
    notes: list[Problem] = field(default_factory=list)
    script: list[Scene] | None = None  # the merchant's edited script (None = the template's words)
    id: int = field(default_factory=lambda: next(_ids))
    cancel: CancelToken = field(default_factory=CancelToken)


class RenderWorker(QObject):
    """Runs queued jobs one at a time on the thread it was moved to."""

    started = Signal(int)  # job id
    progress = Signal(int, float, str, str)  # job id, fraction 0..1, stage, message
    finished = Signal(int, object)  # job id, RenderResult (ok or not)
    cancelled = Signal(int)  # job id
    failed = Signal(int, str)  # job id, message: an unexpected error outside render_product's own handling
    idle = Signal()  # the queue is empty
    halted = Signal(int)  # a job found the disk full: the queued jobs (count) were cancelled, not started

    def __init__(self, cancel_grace_s: float = 1.0) -> None:
        super().__init__()
        emit_leaks_true()  # measure the PySide emit bug once, on the UI thread (see qtcompat)
        self._queue: list[Job] = []
        self._lock = threading.Lock()
        self._running = False
        self._stopping = threading.Event()
        self.cancel_grace_s = cancel_grace_s
        self.current: Job | None = None
        self.finishing: Job | None = None  # a cancelled job whose current step has not yet noticed

    def enqueue(self, job: Job) -> None:
        with self._lock:
            self._queue.append(job)

    def cancel(self, job_id: int | None = None) -> None:
        """Cancel one job (queued or running), or every job when job_id is None. Thread-safe."""
        with self._lock:
            # queued jobs leave the queue at once, so the window can show them cancelled right away
            removed = [job for job in self._queue if job_id is None or job.id == job_id]
            self._queue = [job for job in self._queue if job not in removed]
            running = [self.current] if self.current and (job_id is None or self.current.id == job_id) else []
        for job in removed + running:
            job.cancel.cancel()
        for job in removed:
            emit(self.cancelled, job.id)

    def stop(self) -> None:
        """Cancel everything and make run_queue return as soon as it can (window closing)."""
        self._stopping.set()
        self.cancel(None)

    @property
    def busy(self) -> bool:
        """A job is queued or running (a cancelled job still winding down does not count)."""
        with self._lock:
            return self.current is not None or bool(self._queue)

    @Slot()
    def run_queue(self) -> None:
        """Drain the queue (invoked through a queued connection, so it runs on the worker thread)."""
        if self._running:
            return
        self._running = True
        try:
            while not self._stopping.is_set():
                with self._lock:
                    if not self._queue:
                        self.current = None
                        break
                    job = self.current = self._queue.pop(0)
                if job.cancel.cancelled:
                    with self._lock:
                        self.current = None
                    emit(self.cancelled, job.id)
                    continue
                emit(self.started, job.id)
                self._run(job)
        finally:
            with self._lock:
                self.current = None
            self._running = False
            emit(self.idle)

    def _run(self, job: Job) -> None:
        """Run one job on a helper thread and wait for it here, watching its cancel token.

        The pipeline checks for cancel between steps and at every encoded frame, but one Whisper pass
        cannot be interrupted; if the job has not stopped `cancel_grace_s` after Cancel, it is reported
        cancelled at once and left to stop at its next check (it removes its own part files then), and
        the next job waits for it so two renders never share the CPU."""
        last = {"key": None}
        box: dict = {}
        done = threading.Event()

        def report(p: Progress) -> None:
            # the encoder reports every frame; the UI only needs a change it can show
            key = (p.stage, int(p.fraction * 500))
            if key != last["key"] and not job.cancel.cancelled:
                last["key"] = key
                emit(self.progress, job.id, float(p.fraction), p.stage, p.message)

        def target() -> None:
            extra = {"script": job.script} if job.script is not None else {}
            try:
                box["result"] = render_product(
                    job.product, job.options, job.variant, on_progress=report, cancel=job.cancel, notes=job.notes,
                    **extra,
                )
            except Cancelled:
                box["cancelled"] = True
            except BaseException as exc:  # render_product reports failures in its result; this is a safety net
                box["error"] = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            finally:
                done.set()

        runner = threading.Thread(target=target, name=f"render-job-{job.id}", daemon=True)
        runner.start()
        cancelled_at = None
        while not done.wait(0.05):
            if job.cancel.cancelled:
                cancelled_at = cancelled_at or time.monotonic()
                if time.monotonic() - cancelled_at >= self.cancel_grace_s:
                    break
        if not done.is_set():  # cancelled, and the current step has not noticed yet
            with self._lock:
                self.current, self.finishing = None, job
            remove_orphan_outputs(job)
            emit(self.cancelled, job.id)
            while not done.wait(0.1) and not self._stopping.is_set():
                pass
            remove_orphan_outputs(job)
            with self._lock:
                self.finishing = None
            return
        if box.get("cancelled") or (job.cancel.cancelled and "result" not in box):
            remove_orphan_outputs(job)
            emit(self.cancelled, job.id)
        elif "error" in box:
            emit(self.failed, job.id, f"internal error: {box['error']}")
        else:
            emit(self.finished, job.id, box["result"])
            if box["result"].disk_full:
                self._halt()

    def _halt(self) -> None:
        """The disk is full: every queued job would fail the same way, so none of them starts."""
        with self._lock:
            removed, self._queue = self._queue, []
        for job in removed:
            job.cancel.cancel()
            emit(self.cancelled, job.id)
        emit(self.halted, len(removed))


def remove_orphan_outputs(job: Job) -> list[Path]:
    """After a cancel, remove this job's subtitles written before the encode when there is no video
    beside them: a .srt/.vtt with no .mp4 looks like a finished output but is not one.
    (render_product removes its part files and work folder itself.)"""
    out_dir = Path(job.options.out_dir)
    stem = output_stem(job.product, job.variant)
    if (out_dir / f"{stem}.mp4").exists():
        return []
    removed = []
    for suffix in (".srt", ".vtt"):
        path = out_dir / f"{stem}{suffix}"
        try:
            if path.is_file():
                path.unlink()
                removed.append(path)
        except OSError:
            pass
    return removed
