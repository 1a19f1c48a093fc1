"""The desktop window: products on the left, the script on the right, the render queue below.

A thin shell over studio.sheet / studio.pipeline; rendering runs in RenderWorker on its own thread.
"""
from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QMetaObject, Qt, QThread, QUrl, Slot
from PySide6.QtGui import QAction, QColor, QDesktopServices, QFont, QFontDatabase, QPixmap
from PySide6.QtWidgets import (
    QApplication, QCheckBox, QComboBox, QFileDialog, QHeaderView, QLabel, QListWidget, QMainWindow,
    QMessageBox, QProgressBar, QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QTabWidget,
    QTextBrowser, QToolBar, QVBoxLayout, QWidget,
)

from ..compliance import blocking, check_script
from ..pipeline import RenderOptions, prepare_script
from ..script import list_templates
from ..sheet import load_sheet
from ..types import Product, RenderResult, Sheet
from ..util import PROJECT_ROOT, StudioError, cjk_font_path
from .worker import Job, RenderWorker

STATUS = {
    "ready": ("● 就绪", "#2e7d32", "ready to render"),
    "attention": ("● 需处理", "#e65100", "needs attention: see the problems tab"),
    "queued": ("● 排队中", "#546e7a", "queued"),
    "rendering": ("● 渲染中", "#1565c0", "rendering"),
    "done": ("● 已完成", "#2e7d32", "rendered"),
    "failed": ("● 失败", "#c62828", "failed: see the queue"),
    "cancelled": ("● 已取消", "#757575", "cancelled"),
}
STAGE_NAMES = {"script": "脚本", "voice": "配音", "subtitles": "字幕", "compose": "合成", "render": "渲染",
               "finish": "收尾"}
EXAMPLE_SHEET = PROJECT_ROOT / "examples" / "products.csv"


class MainWindow(QMainWindow):
    def __init__(self, out_dir: Path | None = None) -> None:
        super().__init__()
        self.setWindowTitle("AIGC 短视频工作室 · Short-video studio")
        self.resize(1280, 820)
        self.sheet: Sheet | None = None
        self.options = RenderOptions.from_settings()
        if out_dir is not None:
            self.options.out_dir = Path(out_dir)
        self.jobs: dict[int, Job] = {}
        self.job_rows: dict[int, int] = {}
        self.job_product_row: dict[int, int] = {}
        self.results: dict[int, RenderResult] = {}
        self.findings: list = []
        self._build_ui()
        self._start_worker()

    # ------------------------------------------------------------------ layout
    def _build_ui(self) -> None:
        bar = QToolBar("main")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.open_action = QAction("打开表格 Open sheet…", self)
        self.open_action.triggered.connect(self._choose_sheet)
        bar.addAction(self.open_action)
        self.out_action = QAction("输出文件夹 Output…", self)
        self.out_action.triggered.connect(self._choose_output)
        bar.addAction(self.out_action)
        bar.addSeparator()
        bar.addWidget(QLabel(" 模板 Template: "))
        self.template_combo = QComboBox()
        self.template_combo.addItem("自动（按商品语言） Auto", None)
        for t in list_templates():
            self.template_combo.addItem(f"{t.title} [{t.language}]", t.name)
            self.template_combo.setItemData(self.template_combo.count() - 1, t.description, Qt.ToolTipRole)
        self.template_combo.currentIndexChanged.connect(self._template_changed)
        bar.addWidget(self.template_combo)
        bar.addSeparator()
        self.render_button = QPushButton("渲染所选 Render")
        self.render_button.clicked.connect(self.render_selected)
        bar.addWidget(self.render_button)
        self.render_all_button = QPushButton("全部渲染 Render all")
        self.render_all_button.clicked.connect(self.render_all)
        bar.addWidget(self.render_all_button)
        self.override_box = QCheckBox("忽略合规拦截 Override compliance")
        self.override_box.setToolTip("渲染被《广告法》检查拦截的脚本（会记录在清单里）\n"
                                     "Render scripts the compliance check blocks (recorded in the manifest)")
        self.override_box.toggled.connect(lambda on: setattr(self.options, "allow_flagged", on))
        bar.addWidget(self.override_box)
        self.cancel_button = QPushButton("取消 Cancel")
        self.cancel_button.clicked.connect(self.cancel_all)
        self.cancel_button.setEnabled(False)
        bar.addWidget(self.cancel_button)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["商品 Product", "价格 Price", "语言", "状态 Status"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.thumbnail = QLabel("")
        self.thumbnail.setFixedHeight(180)
        self.thumbnail.setAlignment(Qt.AlignCenter)
        self.script_view = QTextBrowser()
        self.problems_list = QListWidget()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.script_view, "脚本 Script")
        self.tabs.addTab(self.problems_list, "问题 Problems")
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.thumbnail)
        rl.addWidget(self.tabs)

        top = QSplitter(Qt.Horizontal)
        top.addWidget(self.table)
        top.addWidget(right)
        top.setSizes([560, 720])

        self.queue = QTableWidget(0, 4)
        self.queue.setHorizontalHeaderLabels(["任务 Job", "阶段 Stage", "进度 Progress", "结果 Result"])
        self.queue.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.queue.horizontalHeader().setSectionResizeMode(3, QHeaderView.Stretch)
        self.queue.setEditTriggers(QTableWidget.NoEditTriggers)

        main = QSplitter(Qt.Vertical)
        main.addWidget(top)
        main.addWidget(self.queue)
        main.setSizes([560, 240])
        self.setCentralWidget(main)
        self.statusBar().showMessage(f"输出到 Output: {self.options.out_dir}")

    def _start_worker(self) -> None:
        self.thread = QThread(self)
        self.worker = RenderWorker()
        self.worker.moveToThread(self.thread)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.cancelled.connect(self._on_cancelled)
        self.worker.idle.connect(self._on_idle)
        self.thread.start()

    # ------------------------------------------------------------------ sheet
    def load_sheet(self, path: str | Path) -> bool:
        """Load a sheet into the table; problems go to the Problems tab. Returns False if unreadable."""
        try:
            sheet = load_sheet(path)
        except StudioError as exc:
            QMessageBox.warning(self, "无法打开表格 Cannot open sheet", str(exc))
            return False
        self.sheet = sheet
        self.table.setRowCount(0)
        for product in sheet.products:
            row = self.table.rowCount()
            self.table.insertRow(row)
            self.table.setItem(row, 0, QTableWidgetItem(product.name))
            price = "" if product.price is None else f"{product.price:g}"
            self.table.setItem(row, 1, QTableWidgetItem(price))
            self.table.setItem(row, 2, QTableWidgetItem(product.language))
            warn = [p for p in sheet.problems_for_row(product.source_row) if p.severity == "warning"]
            self.set_status(row, "attention" if warn else "ready")
        self.problems_list.clear()
        for p in sheet.problems:
            tag = "错误 ERROR" if p.severity == "error" else "提示 warning"
            self.problems_list.addItem(f"{tag}: {p}")
        if sheet.problems:
            self.tabs.setTabText(1, f"问题 Problems ({len(sheet.problems)})")
        else:
            self.tabs.setTabText(1, "问题 Problems")
        skipped = len([p for p in sheet.problems if p.severity == "error"])
        self.statusBar().showMessage(
            f"{Path(path).name}: {len(sheet.products)} 个商品可渲染 ready"
            + (f", {skipped} 个问题需处理 problems (see Problems)" if skipped else "")
        )
        if sheet.products:
            self.table.selectRow(0)
        return True

    def set_output_dir(self, path: str | Path) -> None:
        self.options.out_dir = Path(path)
        self.statusBar().showMessage(f"输出到 Output: {self.options.out_dir}")

    def product_at(self, row: int) -> Product | None:
        if self.sheet is None or not 0 <= row < len(self.sheet.products):
            return None
        return self.sheet.products[row]

    def set_status(self, row: int, status: str) -> None:
        text, colour, tip = STATUS[status]
        item = QTableWidgetItem(text)
        item.setForeground(QColor(colour))
        item.setToolTip(tip)
        item.setData(Qt.UserRole, status)
        self.table.setItem(row, 3, item)

    def status_of(self, row: int) -> str:
        item = self.table.item(row, 3)
        return item.data(Qt.UserRole) if item else ""

    def _choose_sheet(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "打开商品表格 Open product sheet", str(PROJECT_ROOT / "examples"),
                                              "Sheets (*.csv *.xlsx *.json *.yaml *.yml)")
        if path:
            self.load_sheet(path)

    def _choose_output(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "输出文件夹 Output folder", str(self.options.out_dir))
        if path:
            self.set_output_dir(path)

    # ------------------------------------------------------------------ script view
    def _template_changed(self) -> None:
        self.options.template = self.template_combo.currentData()
        self._selection_changed()

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectedIndexes()})

    def _selection_changed(self) -> None:
        rows = self.selected_rows()
        product = self.product_at(rows[0]) if rows else None
        if product is None:
            self.script_view.clear()
            self.thumbnail.clear()
            return
        if product.images:
            pix = QPixmap(str(product.images[0]))
            if not pix.isNull():
                self.thumbnail.setPixmap(pix.scaledToHeight(170, Qt.SmoothTransformation))
        try:
            script, template = prepare_script(product, self.options)
        except StudioError as exc:
            self.script_view.setHtml(f"<p style='color:#c62828'><b>模板错误 Template error</b><br>{_esc(str(exc))}</p>")
            return
        parts = [f"<h3>{_esc(product.name)}</h3><p style='color:#666'>模板 {_esc(template.title)} ({template.name})</p>"]
        names = {"hook": "开场 Hook", "point": "卖点 Point", "proof": "证明 Proof", "offer": "优惠 Offer",
                 "cta": "号召 Call to action"}
        for scene in script.scenes:
            parts.append(f"<p><b>{names.get(scene.kind, scene.kind)}</b>"
                         + (f" <span style='color:#888'>[{_esc(scene.overlay)}]</span>" if scene.overlay else "")
                         + "<br>" + "<br>".join(_esc(l) for l in scene.lines) + "</p>")
        for w in script.warnings:
            parts.append(f"<p style='color:#e65100'>{_esc(w)}</p>")
        findings = check_script(script, product)
        self.findings = findings
        if findings:
            parts.append("<h4 style='color:#c62828'>合规检查 Compliance</h4>")
            for f in findings:
                colour = "#c62828" if f.severity == "block" else "#e65100"
                kind = "拦截 blocks render" if f.severity == "block" else "提醒 warning"
                parts.append(
                    f"<p><span style='color:{colour}'><b>“{_esc(f.text)}”</b> · {kind}</span> — "
                    f"{_esc(f.reason)} <i>{_esc(f.rule)}</i><br>建议改为 Suggested: {_esc(f.suggestion)}</p>")
        if blocking(findings) and self.status_of(rows[0]) == "ready":
            self.set_status(rows[0], "attention")
        self.script_view.setHtml("".join(parts))

    # ------------------------------------------------------------------ rendering
    def render_selected(self) -> None:
        self._enqueue(self.selected_rows())

    def render_all(self) -> None:
        self._enqueue(list(range(self.table.rowCount())))

    def _enqueue(self, rows: list[int]) -> None:
        if self.sheet is None or not rows:
            return
        for row in rows:
            product = self.product_at(row)
            if product is None or self.status_of(row) in ("queued", "rendering"):
                continue
            options = RenderOptions(**{**self.options.__dict__})
            job = Job(product, options, notes=self.sheet.problems_for_row(product.source_row))
            self.jobs[job.id] = job
            self.job_product_row[job.id] = row
            qrow = self.queue.rowCount()
            self.queue.insertRow(qrow)
            self.job_rows[job.id] = qrow
            self.queue.setItem(qrow, 0, QTableWidgetItem(product.name))
            self.queue.setItem(qrow, 1, QTableWidgetItem("排队 queued"))
            bar = QProgressBar()
            bar.setRange(0, 1000)
            self.queue.setCellWidget(qrow, 2, bar)
            self.set_status(row, "queued")
            self.worker.enqueue(job)
        self.cancel_button.setEnabled(True)
        QMetaObject.invokeMethod(self.worker, "run_queue", Qt.QueuedConnection)

    def cancel_all(self) -> None:
        """Cancel every queued and running job; the running one stops within about a frame."""
        self.worker.cancel(None)
        self.statusBar().showMessage("正在取消 Cancelling…")

    def progress_bar(self, job_id: int) -> QProgressBar:
        return self.queue.cellWidget(self.job_rows[job_id], 2)

    @Slot(int, float, str)
    def _on_progress(self, job_id: int, fraction: float, stage: str) -> None:
        self.progress_bar(job_id).setValue(int(fraction * 1000))
        self.queue.setItem(self.job_rows[job_id], 1, QTableWidgetItem(f"{STAGE_NAMES.get(stage, stage)} {stage}"))
        self.set_status(self.job_product_row[job_id], "rendering")

    @Slot(int, object)
    def _on_finished(self, job_id: int, result: RenderResult) -> None:
        self.results[job_id] = result
        qrow, prow = self.job_rows[job_id], self.job_product_row[job_id]
        if result.ok:
            self.progress_bar(job_id).setValue(1000)
            self.queue.setItem(qrow, 1, QTableWidgetItem("完成 done"))
            button = QPushButton(f"打开文件夹 Open folder · {result.video.name}")
            button.clicked.connect(lambda _=False, p=result.video: self.open_folder(p))
            self.queue.setCellWidget(qrow, 3, button)
            self.set_status(prow, "done")
        else:
            self.queue.setItem(qrow, 1, QTableWidgetItem("失败 failed"))
            item = QTableWidgetItem(result.error)
            item.setToolTip(result.error)
            self.queue.setItem(qrow, 3, item)
            self.set_status(prow, "failed")

    @Slot(int)
    def _on_cancelled(self, job_id: int) -> None:
        self.results.pop(job_id, None)
        self.queue.setItem(self.job_rows[job_id], 1, QTableWidgetItem("已取消 cancelled"))
        self.queue.setItem(self.job_rows[job_id], 3, QTableWidgetItem("未生成文件 no file written"))
        self.set_status(self.job_product_row[job_id], "cancelled")

    @Slot()
    def _on_idle(self) -> None:
        self.cancel_button.setEnabled(self.worker.busy)
        self.statusBar().showMessage(f"队列已空 Queue idle · 输出 Output: {self.options.out_dir}")

    def open_folder(self, video: Path) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(video).parent)))

    def job_state(self, job_id: int) -> str:
        item = self.queue.item(self.job_rows[job_id], 1)
        return item.text() if item else ""

    # ------------------------------------------------------------------ closing
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if self.worker.busy:
            answer = QMessageBox.question(
                self, "正在渲染 Rendering",
                "还有视频在渲染。退出将取消它们（不会留下半成品文件）。\nVideos are rendering. Quit and cancel them?",
            )
            if answer != QMessageBox.Yes:
                event.ignore()
                return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Cancel everything and stop the worker thread (waits for the running job to clean up)."""
        self.worker.cancel(None)
        self.thread.quit()
        self.thread.wait(30000)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def install_cjk_font(app: QApplication) -> None:
    """Register the bundled Noto Sans SC so Chinese never shows as boxes, and make it the UI font."""
    font_id = QFontDatabase.addApplicationFont(str(cjk_font_path()))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if families:
        font = QFont(families[0])
        font.setPointSize(10)
        app.setFont(font)


def run(argv: list[str] | None = None) -> int:
    """Open the desktop app (the bundled example sheet on first run)."""
    app = QApplication.instance() or QApplication(argv or sys.argv)
    install_cjk_font(app)
    window = MainWindow()
    window.show()
    if EXAMPLE_SHEET.exists():
        window.load_sheet(EXAMPLE_SHEET)
    return app.exec()
