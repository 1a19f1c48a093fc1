"""Work around a PySide6 reference-count bug in `SignalInstance.emit`.

(requirements.txt pins PySide6 6.11.3, which does not have it: 6.12.0 also dropped a reference to
None on every void call, which no wrapper can cover. The guard stays for other builds.)

PySide6 6.12.0 returns `True` from `emit()` without taking a reference. On Python 3.12+ `True`
is immortal and nothing happens; on Python 3.11 (this project's) every emit from Python code
drops one reference to `True`, and after a few hundred emits (one render reports progress
hundreds of times) the interpreter aborts with "Fatal Python error: bool_dealloc".

`emit(signal, *args)` emits and, only where this PySide build is measured to have the bug,
gives the reference back. Signals emitted by Qt itself (clicks, timers) are not affected.
"""
from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

_leaks: bool | None = None


class _Probe(QObject):
    ping = Signal()


def emit_leaks_true() -> bool:
    """Whether `emit()` drops a reference to True on this PySide/Python (measured once)."""
    global _leaks
    if _leaks is None:
        probe = _Probe()
        n = 64
        before = sys.getrefcount(True)
        for _ in range(n):
            probe.ping.emit()
        lost = before - sys.getrefcount(True)
        if lost >= n // 2:  # give them back, then remember to do so on every emit
            for _ in range(lost):
                ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
        _leaks = lost >= n // 2
        probe.deleteLater()
    return _leaks


def emit(signal, *args) -> None:
    """`signal.emit(*args)`, without the reference leak of affected PySide builds."""
    signal.emit(*args)
    if _leaks or (_leaks is None and emit_leaks_true()):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
