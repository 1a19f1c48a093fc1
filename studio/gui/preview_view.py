"""Live preview off the UI thread: the latest request wins, older ones are dropped.

A request names what to preview (product, options, edited scenes) and the time to show. When that
spec is the one already built, only a frame is drawn (scrubbing); otherwise `studio.preview.Preview`
rebuilds the script, compliance findings, captions and timeline first.
"""
from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from ..pipeline import RenderOptions
from ..preview import Preview
from ..types import Product, Scene
from ..util import StudioError
from .qtcompat import emit


@dataclass
class PreviewRequest:
    key: str  # identifies what is previewed: same key = same Preview, only the time differs
    product: Product
    options: RenderOptions
    scenes: list[Scene] | None
    time_s: float
    safe_zones: bool = False
    asked_at: float = field(default_factory=time.monotonic)


@dataclass
class PreviewResult:
    key: str
    image: QImage | None
    time_s: float
    duration: float
    caption: str
    script: object = None
    findings: list = field(default_factory=list)
    template: object = None
    error: str = ""
    latency_ms: float = 0.0
    rebuilt: bool = False
    safe_zones: bool = False


class PreviewBuilder(QObject):
    """One background thread that builds previews; results arrive through `ready` on the UI thread."""

    ready = Signal(object)  # PreviewResult

    def __init__(self) -> None:
        super().__init__()
        self._cond = threading.Condition()
        self._pending: PreviewRequest | None = None
        self._stop = False
        self._preview: Preview | None = None
        self._key = ""
        self._thread = threading.Thread(target=self._loop, name="preview", daemon=True)
        self._thread.start()

    def request(self, req: PreviewRequest) -> None:
        with self._cond:
            self._pending = req
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join(timeout=5)
        if self._preview is not None:
            self._preview.close()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                req, self._pending = self._pending, None
            result = self._build(req)
            with self._cond:
                superseded = self._pending is not None and self._pending.key != req.key
            if not superseded:
                emit(self.ready, result)

    def _build(self, req: PreviewRequest) -> PreviewResult:
        rebuilt = False
        try:
            if self._preview is None or self._key != req.key:
                old, self._preview, self._key = self._preview, None, ""
                if old is not None:
                    old.close()
                self._preview = Preview(req.product, req.options, req.scenes)
                self._key, rebuilt = req.key, True
            pv = self._preview
            frame = pv.frame_at(min(req.time_s, pv.duration), req.safe_zones)
            rgb = frame.image.convert("RGB")
            image = QImage(rgb.tobytes(), rgb.width, rgb.height, rgb.width * 3, QImage.Format_RGB888).copy()
            return PreviewResult(req.key, image, frame.time_s, pv.duration, frame.caption, pv.script, pv.findings,
                                 pv.template, latency_ms=(time.monotonic() - req.asked_at) * 1000, rebuilt=rebuilt,
                                 safe_zones=req.safe_zones)
        except StudioError as exc:
            return PreviewResult(req.key, None, req.time_s, 0.0, "", error=str(exc))
        except Exception as exc:  # noqa: BLE001 - a preview must never take the window down
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            return PreviewResult(req.key, None, req.time_s, 0.0, "", error=f"internal error: {detail}")


class ProxyRenderer(QObject):
    """Renders a small, fast proxy of the selected video (real voice, captions and music) to play
    with sound in the system's player. One at a time; a new request cancels the running one."""

    finished = Signal(object, str)  # path of the proxy MP4 (or None), error message
    progress = Signal(float, str)  # fraction, stage

    def __init__(self) -> None:
        super().__init__()
        self._thread: threading.Thread | None = None
        self._cancel = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, product: Product, options: RenderOptions, scenes: list[Scene] | None, folder) -> None:
        import dataclasses
        from pathlib import Path

        from ..pipeline import render_product
        from ..util import CancelToken, Cancelled

        self.cancel()
        cancel = self._cancel = CancelToken()
        opts = dataclasses.replace(options, width=360, height=640, quality="draft", out_dir=Path(folder),
                                   allow_flagged=True, style=dict(options.style))

        last = {"key": None}

        def report(p) -> None:
            key = (p.stage, int(p.fraction * 100))
            if key != last["key"]:
                last["key"] = key
                emit(self.progress, float(p.fraction), p.stage)

        def run() -> None:
            try:
                extra = {"script": scenes} if scenes is not None else {}
                result = render_product(product, opts, 0, on_progress=report, cancel=cancel, **extra)
                emit(self.finished, result.video if result.ok else None, "" if result.ok else result.error)
            except Cancelled:
                emit(self.finished, None, "cancelled")
            except Exception as exc:  # noqa: BLE001
                emit(self.finished, None, f"internal error: {exc}")

        self._thread = threading.Thread(target=run, name="proxy", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()
        if self._thread is not None:
            self._thread.join(timeout=10)
