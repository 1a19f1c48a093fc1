"""Cancel and progress: a thread-safe cancel flag, progress reports, one bar across a job's steps,
and the time left."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

from .errors import Cancelled


class CancelToken:
    """Thread-safe cancel flag checked by long-running stages."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""  # why it was cancelled, when the canceller says ("interrupted": a signal)

    def cancel(self, reason: str = "") -> None:
        self.reason = self.reason or reason
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise `Cancelled` if cancellation was requested."""
        if self.cancelled:
            raise Cancelled()


class LinkedCancel(CancelToken):
    """Cancelled when cancelled itself or when any of its parents is (a batch's own stop, linked to
    the user's cancel)."""

    def __init__(self, *parents: CancelToken) -> None:
        super().__init__()
        self._parents = parents

    @property
    def reason(self) -> str:  # type: ignore[override]
        return self._reason or next((p.reason for p in self._parents if p.cancelled and p.reason), "")

    @reason.setter
    def reason(self, value: str) -> None:
        self._reason = value

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or any(p.cancelled for p in self._parents)


@dataclass(frozen=True)
class Progress:
    """A progress report: stage name, fraction of the whole job done (0..1), and a message."""

    stage: str
    fraction: float
    message: str = ""


ProgressCallback = Callable[[Progress], None]


def no_progress(_: Progress) -> None:
    return None


class StepTracker:
    """Maps each step's own 0..1 progress onto the whole job's 0..1 by the steps' weights, times
    each step, and checks for cancel at every report."""

    def __init__(self, on_progress: ProgressCallback, cancel: CancelToken, label: str,
                 weights: dict[str, float]) -> None:
        self.on_progress = on_progress
        self.cancel = cancel
        self.label = label
        self.weights = weights
        self.done = 0.0
        self.timings: dict[str, float] = {}
        self._step = ""
        self._t0 = 0.0

    def begin(self, step: str) -> None:
        self.cancel.check()
        self._step = step
        self._t0 = time.perf_counter()
        self.report(0.0)

    def report(self, fraction: float, message: str = "") -> None:
        self.cancel.check()
        total = self.done + self.weights.get(self._step, 0.0) * min(max(fraction, 0.0), 1.0)
        self.on_progress(Progress(self._step, min(total, 1.0), message or f"{self.label}: {self._step}"))

    def end(self) -> None:
        self.timings[self._step] = round(time.perf_counter() - self._t0, 3)
        self.done += self.weights.get(self._step, 0.0)

    @contextmanager
    def step(self, name: str):
        """`with tracker.step("voice"):` — begin the step, and end it when its body finishes."""
        self.begin(name)
        yield
        self.end()


class Eta:
    """Time left for a job from its progress so far (None until there is enough to go on)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._started: float | None = None

    def start(self) -> None:
        self._started = self._clock()

    def remaining(self, fraction: float) -> float | None:
        """Seconds left at `fraction` done, assuming the rest goes at the pace so far."""
        if self._started is None or fraction < 0.02:
            return None
        elapsed = self._clock() - self._started
        return max(0.0, elapsed * (1 - fraction) / fraction)
