"""The preview panel: the selected product's frame at the scrub position, drawn by the renderer's own
compositor (studio.preview) on the runner's "preview" lane, with the platform's safe zones on demand;
and "Play with sound", a small draft with the real voice rendered on the "proxy" lane.

The newest request wins: while one frame is drawn, only the last request waiting is kept. A request
whose key is the one already built only draws another frame (scrubbing); a new key rebuilds the
script, captions and timeline first.
"""
from __future__ import annotations

import copy
import dataclasses
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from ...core.errors import Cancelled, StudioError
from ...core.logs import log_path
from ...core.options import RenderOptions
from ...core.progress import CancelToken
from ...types import Product, Scene
from ..runner import Runner
from ..texts import Texts, stage_name

log = logging.getLogger(__name__)
PROXY_SIZE = (360, 640)


@dataclass
class PreviewRequest:
    key: str  # what is previewed: the same key is the same Preview, only the time differs
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


class PreviewSource:
    """Builds preview frames; used by one lane thread only (it keeps the last Preview it built)."""

    def __init__(self) -> None:
        self._preview = None
        self._key = ""

    def build(self, req: PreviewRequest) -> PreviewResult:
        from ...preview import Preview

        rebuilt = False
        try:
            if self._preview is None or self._key != req.key:
                self.close()
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
            log.info("no preview of %s: %s", req.product.name, exc)
            return PreviewResult(req.key, None, req.time_s, 0.0, "", error=str(exc))
        except Exception as exc:  # a preview must never take the window down; the log keeps the trace
            log.exception("the preview of %s failed", req.product.name)
            return PreviewResult(req.key, None, req.time_s, 0.0, "",
                                 error=f"internal error: {type(exc).__name__}: {exc} (details in {log_path()})")

    def close(self) -> None:
        if self._preview is not None:
            self._preview.close()
        self._preview, self._key = None, ""


class PreviewPanel(QWidget):
    proxy_ready = Signal(object)  # the draft's path, to open in the system's player

    def __init__(self, runner: Runner, texts: Texts) -> None:
        super().__init__()
        self.runner, self.texts = runner, texts
        self.result: PreviewResult | None = None
        self.latency_ms: float | None = None
        self.proxy_video: Path | None = None
        self.proxy_folder = Path(".preview")  # the window sets the project's own .preview folder
        self._source = PreviewSource()
        self._wanted = ""  # the key of the newest request: results of older ones are not shown
        self._what: tuple | None = None  # (key, product, options, scenes) of the product on show
        self._proxy_cancel: CancelToken | None = None
        self.image = QLabel()
        self.image.setFixedSize(270, 480)
        self.image.setAlignment(Qt.AlignCenter)
        self.image.setStyleSheet("background:#111; color:#ddd")
        self.image.setWordWrap(True)
        self.scrub = QSlider(Qt.Horizontal)
        self.scrub.setRange(0, 0)
        self.scrub.valueChanged.connect(lambda _: self.request())
        self.time_label = QLabel("0.0 s")
        self.safe_box = QCheckBox()
        texts.bind(self.safe_box.setText, "显示平台安全区", "Show platform safe zones")
        self.safe_box.toggled.connect(lambda _: self.request())
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.play_button = texts.button("▶ 试看（带声音）", "▶ Play with sound", self.play,
                                        ("用真实配音和字幕快速生成小尺寸样片，并用系统播放器播放",
                                         "Render a small draft with the real voice and captions and play it"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.image, 0, Qt.AlignHCenter)
        row = QHBoxLayout()
        row.addWidget(self.scrub, 1)
        row.addWidget(self.time_label)
        layout.addLayout(row)
        layout.addWidget(self.safe_box)
        layout.addWidget(self.play_button)
        layout.addWidget(self.info)

    # ---------------------------------------------------------------- the frame
    def show_product(self, key: str, product: Product, options: RenderOptions, scenes: list[Scene] | None) -> None:
        """Preview this product (rebuilt when `key` changed, else only the frame is drawn again)."""
        self._what = (key, copy.deepcopy(product), copy.deepcopy(options), copy.deepcopy(scenes))
        if not product.images:
            self.show_message(self.texts.t("添加一张商品图片后即可预览（拖到表格这一行上）",
                                           "Add a product photo to preview (drop it on the row)"))
            return
        pix = self.image.pixmap()
        if pix is None or pix.isNull():
            self.show_message(self.texts.t("正在生成预览…", "Building the preview…"))
        self.request()

    def clear(self, message: str) -> None:
        self._what = None
        self.show_message(message)

    def request(self) -> None:
        """Ask for the frame at the scrub position (drawn on the preview lane)."""
        if self._what is None or not self._what[1].images:
            return
        key, product, options, scenes = self._what
        req = PreviewRequest(key, product, options, scenes, self.scrub.value() / 1000, self.safe_box.isChecked())
        self._wanted = key
        self.runner.submit("preview", lambda: self._source.build(req), self._on_result, replace=True)

    def _on_result(self, result: PreviewResult) -> None:
        if result.key != self._wanted:
            return  # the product or its inputs changed since: a newer request is on its way
        self.result = result
        if result.error:
            self.show_message(result.error)
            return
        self.latency_ms = result.latency_ms
        self.image.setPixmap(QPixmap.fromImage(result.image).scaled(self.image.size(), Qt.KeepAspectRatio,
                                                                    Qt.SmoothTransformation))
        duration_ms = int(result.duration * 1000)
        if self.scrub.maximum() != duration_ms:
            self.scrub.blockSignals(True)
            self.scrub.setRange(0, duration_ms)
            self.scrub.blockSignals(False)
        self.time_label.setText(f"{result.time_s:.1f} / {result.duration:.1f} s")
        self.info.setText(self.texts.t(f"预计时长 {result.duration:.1f} 秒 · 预览用时 {result.latency_ms:.0f} 毫秒",
                                       f"Estimated {result.duration:.1f} s · preview took {result.latency_ms:.0f} ms"))

    def show_message(self, text: str) -> None:
        self.image.clear()
        self.image.setText(text)

    # ---------------------------------------------------------------- play with sound
    def play(self) -> bool:
        """Render the product on show as a small draft (real voice and captions), then play it."""
        if self._what is None or not self._what[1].images:
            return False
        _key, product, options, scenes = self._what
        if self._proxy_cancel is not None:
            self._proxy_cancel.cancel()
        cancel = self._proxy_cancel = CancelToken()
        opts = dataclasses.replace(options, width=PROXY_SIZE[0], height=PROXY_SIZE[1], quality="draft",
                                   out_dir=self.proxy_folder, allow_flagged=True, skip_unchanged=False,
                                   style=dict(options.style))
        self.proxy_video = None
        self.play_button.setEnabled(False)
        progress = self.runner.ui_callback(self._on_proxy_progress)
        last = {"key": None}

        def report(p) -> None:
            key = (p.stage, int(p.fraction * 100))
            if key != last["key"]:
                last["key"] = key
                progress(float(p.fraction), p.stage)

        def work():
            from ...pipeline import render_product

            try:
                return render_product(product, opts, 0, on_progress=report, cancel=cancel, script=scenes)
            except Cancelled:
                return None

        self.runner.submit("proxy", work, self._on_proxy, self._on_proxy_failed)
        return True

    def _on_proxy_progress(self, fraction: float, stage: str) -> None:
        self.info.setText(self.texts.t("样片：", "Draft: ") + stage_name(self.texts.tr, stage) + f" {fraction * 100:.0f}%")

    def _on_proxy(self, result) -> None:
        self.play_button.setEnabled(True)
        if result is None:  # cancelled
            return
        if not result.ok or result.video is None:
            self.info.setText(self.texts.t("样片失败：", "Draft failed: ") + (result.error or "").splitlines()[0])
            return
        self.proxy_video = Path(result.video)
        self.info.setText(self.texts.t("样片已生成：", "Draft ready: ") + self.proxy_video.name)
        self.proxy_ready.emit(self.proxy_video)

    def _on_proxy_failed(self, exc: Exception) -> None:
        self.play_button.setEnabled(True)
        self.info.setText(self.texts.t("样片失败：", "Draft failed: ") + f"internal error: {exc} (details in {log_path()})")

    def stop(self) -> None:
        """Cancel the draft (the window is closing); the preview lane stops with the runner."""
        if self._proxy_cancel is not None:
            self._proxy_cancel.cancel()

    def close_source(self) -> None:
        self._source.close()
