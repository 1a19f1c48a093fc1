"""The one bridge between the UI thread and background work: renders, previews, proxies and the
products' checks each run on a lane (a background thread doing one task at a time), and whatever
they report reaches the UI thread through `to_ui`.

A lane submitted with `replace=True` keeps only the newest task waiting (the live preview: the last
edit or scrub position wins). A task's result goes to its `done` callback on the UI thread; an
exception goes to `failed` (the log keeps its traceback). Lanes are Python threads, so a render
still finishing after the window closed never aborts the process the way a destroyed QThread does.
"""
from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)


class _Lane:
    def __init__(self, name: str, runner: "Runner") -> None:
        self.name = name
        self._runner = runner
        self._tasks: deque = deque()
        self._cond = threading.Condition()
        self._stopping = False
        self.active = False
        self._thread = threading.Thread(target=self._loop, name=f"studio-{name}", daemon=True)
        self._thread.start()

    def submit(self, work, done, failed, replace: bool) -> None:
        with self._cond:
            if replace:
                self._tasks.clear()
            self._tasks.append((work, done, failed))
            self._cond.notify()

    @property
    def busy(self) -> bool:
        with self._cond:
            return self.active or bool(self._tasks)

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._tasks.clear()
            self._cond.notify()

    def join(self, timeout_s: float) -> bool:
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._tasks and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                work, done, failed = self._tasks.popleft()
                self.active = True
            try:
                result = work()
            except Exception as exc:  # a bug in a task: the log keeps the trace, the UI hears about it
                log.exception("background task on the %s lane failed", self.name)
                if failed is not None:
                    self._runner.to_ui(failed, exc)
            else:
                if done is not None:
                    self._runner.to_ui(done, result)
            finally:
                with self._cond:
                    self.active = False


class Runner(QObject):
    """Background lanes and the way back to the UI thread (see the module docstring)."""

    _call = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call.connect(self._deliver, Qt.QueuedConnection)
        self._lanes: dict[str, _Lane] = {}
        self._closed = False

    def to_ui(self, fn: Callable, *args: Any) -> None:
        """Call fn(*args) on the UI thread, soon (from any thread)."""
        if self._closed:
            return
        try:
            self._call.emit((fn, args))
        except RuntimeError:  # the window (and this object) is already gone: nobody to tell
            pass

    def ui_callback(self, fn: Callable) -> Callable:
        """A callback that may be called from any thread and runs fn on the UI thread."""
        return lambda *args: self.to_ui(fn, *args)

    def submit(self, lane: str, work: Callable[[], Any], done: Callable[[Any], None] | None = None,
               failed: Callable[[Exception], None] | None = None, *, replace: bool = False) -> None:
        """Run `work()` on the named lane; `done(result)` / `failed(exc)` follow on the UI thread."""
        if self._closed:
            return
        if lane not in self._lanes:
            self._lanes[lane] = _Lane(lane, self)
        self._lanes[lane].submit(work, done, failed, replace)

    def busy(self, lane: str) -> bool:
        return lane in self._lanes and self._lanes[lane].busy

    @property
    def running(self) -> bool:
        """Some lane is still at work."""
        return any(lane.busy for lane in self._lanes.values())

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Drop waiting tasks, let running ones finish (their owners cancel them) for up to timeout_s;
        False when one is still running (it ends on its own; its thread is a daemon)."""
        for lane in self._lanes.values():
            lane.stop()
        ok = all(lane.join(timeout_s) for lane in self._lanes.values())
        self._closed = True
        return ok

    @Slot(object)
    def _deliver(self, call) -> None:
        fn, args = call
        fn(*args)  # an exception here reaches sys.excepthook: the app logs it and shows the error dialog
