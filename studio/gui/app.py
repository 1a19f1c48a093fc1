"""The desktop window: products on the left, the script on the right, the render queue below.

A thin shell over studio.sheet / studio.pipeline. Rendering runs in RenderWorker on its own
QThread; the UI thread only loads sheets, previews scripts (cheap) and shows progress.
"""
from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QThread, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QColor, QDesktopServices, QFont, QFontDatabase, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QCheckBox, QComboBox, QFileDialog, QHeaderView, QLabel, QListWidget,
    QListWidgetItem, QMainWindow, QMessageBox, QProgressBar, QPushButton, QSplitter, QTableWidget,
    QTableWidgetItem, QTextBrowser, QToolBar, QVBoxLayout, QWidget,
)

from ..pipeline import RenderOptions, prepare_script
from ..script import list_templates
from ..sheet import load_sheet
from ..types import Problem, Product, RenderResult, Sheet
from ..util import PROJECT_ROOT, StudioError, cjk_font_path
from .qtcompat import emit
from .worker import Job, RenderWorker

# row status -> (label, colour, tooltip)
STATUS = {
    "ready": ("● 就绪", "#2e7d32", "ready to render"),
    "attention": ("● 需处理", "#e65100", "needs attention: read the problems below / the script panel"),
    "queued": ("● 排队中", "#546e7a", "queued"),
    "rendering": ("● 渲染中", "#1565c0", "rendering"),
    "done": ("● 已完成", "#2e7d32", "rendered: open the folder from the queue"),
    "failed": ("● 失败", "#c62828", "failed: the queue says why and what to do"),
    "cancelled": ("● 已取消", "#757575", "cancelled: no video was written"),
}
STAGE_NAMES = {"script": "脚本", "voice": "配音", "subtitles": "字幕", "compose": "合成", "render": "渲染",
               "finish": "收尾"}
SCENE_NAMES = {"hook": "开场 Hook", "point": "卖点 Point", "proof": "证明 Proof", "offer": "优惠 Offer",
               "cta": "号召 Call to action"}
EXAMPLE_SHEET = PROJECT_ROOT / "examples" / "products.csv"
DEFAULT_OUT_DIR = PROJECT_ROOT / "out"
SHEET_FILTER = "商品表格 Sheets (*.csv *.xlsx *.json *.yaml *.yml);;所有文件 All files (*)"

# table columns
COL_ROW, COL_NAME, COL_PRICE, COL_LANG, COL_STATUS = range(5)
# queue columns
Q_JOB, Q_STAGE, Q_PROGRESS, Q_RESULT = range(4)


@dataclass
class SheetRow:
    """One row of the products table: a product that can render, or a sheet row that cannot."""

    sheet_row: int | None
    product: Product | None
    problems: list[Problem] = field(default_factory=list)
    findings: list = field(default_factory=list)  # compliance findings of the current script


class MainWindow(QMainWindow):
    """Products table (left), script of the selected product (right), render queue (bottom)."""

    _kick = Signal()  # starts the worker's queue loop on the worker thread

    def __init__(self, out_dir: str | Path | None = None) -> None:
        super().__init__()
        self.setWindowTitle("AIGC 短视频工作室 · Short-video studio")
        self.resize(1280, 820)
        self.sheet: Sheet | None = None
        self.rows: list[SheetRow] = []
        self.options, settings_error = _initial_options()
        if out_dir is not None:
            self.options.out_dir = Path(out_dir)
        self.jobs: dict[int, Job] = {}
        self.job_rows: dict[int, int] = {}  # job id -> queue row
        self.job_product_row: dict[int, int] = {}  # job id -> products table row
        self.job_status: dict[int, str] = {}  # job id -> queued | rendering | done | failed | cancelled
        self.job_stage: dict[int, str] = {}  # job id -> the pipeline step last reported (script, voice, ..., render)
        self.results: dict[int, RenderResult] = {}
        self.findings: list = []  # compliance findings of the selected product's script
        self._scan_rows: list[int] = []
        self._scan_timer = QTimer(self)
        self._scan_timer.setInterval(0)
        self._scan_timer.timeout.connect(self._scan_step)
        self._shut_down = False
        self._build_ui()
        self._start_worker()
        self._show_output_dir()
        if settings_error:
            self.statusBar().showMessage(settings_error)

    # ------------------------------------------------------------------ layout
    def _build_ui(self) -> None:
        bar = QToolBar("main")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.open_action = QAction("打开表格", self)
        self.open_action.setToolTip("Open a product sheet (CSV, Excel, JSON, YAML)")
        self.open_action.triggered.connect(self._choose_sheet)
        bar.addAction(self.open_action)
        self.out_action = QAction("输出文件夹…", self)
        self.out_action.setToolTip("Choose the folder the videos are written to")
        self.out_action.triggered.connect(self._choose_output)
        bar.addAction(self.out_action)
        self.open_out_action = QAction("打开输出文件夹", self)
        self.open_out_action.setToolTip("Open the output folder in the file manager")
        self.open_out_action.triggered.connect(lambda: self.open_folder(self.options.out_dir))
        bar.addAction(self.open_out_action)
        bar.addSeparator()
        bar.addWidget(QLabel(" 模板 "))
        self.template_combo = QComboBox()
        self.template_combo.setToolTip("Template: 'auto' picks the default template for each product's language")
        self.template_combo.addItem("自动（按商品语言） auto", None)
        try:
            templates = list_templates()
        except StudioError as exc:
            templates = []
            self.statusBar().showMessage(f"模板读取失败 templates: {exc}")
        for t in templates:
            self.template_combo.addItem(f"{t.title} [{t.language}]", t.name)
            self.template_combo.setItemData(self.template_combo.count() - 1,
                                            f"{t.name}: {t.description}", Qt.ToolTipRole)
        self.template_combo.currentIndexChanged.connect(self._template_changed)
        bar.addWidget(self.template_combo)
        bar.addSeparator()
        self.render_button = QPushButton("渲染所选")
        self.render_button.setToolTip("Render the selected products")
        self.render_button.clicked.connect(self.render_selected)
        bar.addWidget(self.render_button)
        self.render_all_button = QPushButton("全部渲染")
        self.render_all_button.setToolTip("Render every product that can be rendered")
        self.render_all_button.clicked.connect(self.render_all)
        bar.addWidget(self.render_all_button)
        self.cancel_button = QPushButton("全部取消")
        self.cancel_button.setToolTip("Cancel every queued and running job (no half-written video is left)")
        self.cancel_button.clicked.connect(self.cancel_all)
        self.cancel_button.setEnabled(False)
        bar.addWidget(self.cancel_button)
        self.override_box = QCheckBox("忽略合规拦截")
        self.override_box.setToolTip("渲染被《广告法》检查拦截的脚本（会记录在清单里）\n"
                                     "Render scripts the compliance check blocks (recorded in the manifest)")
        self.override_box.toggled.connect(self._override_toggled)
        bar.addWidget(self.override_box)

        # left: products table above the sheet problems
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["行", "商品 Product", "价格", "语言", "状态 Status"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_NAME, QHeaderView.Stretch)
        for col in (COL_ROW, COL_PRICE, COL_LANG, COL_STATUS):
            header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _: self.render_selected())
        self.table.setToolTip("双击渲染 double-click to render")

        self.problems_label = QLabel("表格问题 Sheet problems")
        self.problems_list = QListWidget()
        self.problems_list.setWordWrap(True)
        self.problems_list.itemClicked.connect(self._problem_clicked)
        problems_box = QWidget()
        pl = QVBoxLayout(problems_box)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(self.problems_label)
        pl.addWidget(self.problems_list)
        left = QSplitter(Qt.Vertical)
        left.addWidget(self.table)
        left.addWidget(problems_box)
        left.setSizes([380, 160])

        # right: the first photo, then the script scene by scene
        self.thumbnail = QLabel("")
        self.thumbnail.setFixedHeight(170)
        self.thumbnail.setAlignment(Qt.AlignCenter)
        self.thumbnail.setToolTip("商品第一张图 the product's first photo")
        self.script_title = QLabel("脚本 Script")
        self.script_view = QTextBrowser()
        self.script_view.setReadOnly(True)
        self.script_view.setOpenLinks(False)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.thumbnail)
        rl.addWidget(self.script_title)
        rl.addWidget(self.script_view)

        top = QSplitter(Qt.Horizontal)
        top.addWidget(left)
        top.addWidget(right)
        top.setSizes([640, 640])

        # bottom: the render queue
        self.queue = QTableWidget(0, 4)
        self.queue.setHorizontalHeaderLabels(["任务 Job", "阶段 Stage", "进度 Progress", "结果 Result"])
        qh = self.queue.horizontalHeader()
        qh.setSectionResizeMode(Q_JOB, QHeaderView.Stretch)
        qh.setSectionResizeMode(Q_STAGE, QHeaderView.ResizeToContents)
        qh.setSectionResizeMode(Q_PROGRESS, QHeaderView.Fixed)
        qh.setSectionResizeMode(Q_RESULT, QHeaderView.Stretch)
        self.queue.setColumnWidth(Q_PROGRESS, 260)
        self.queue.verticalHeader().setVisible(False)
        self.queue.setEditTriggers(QAbstractItemView.NoEditTriggers)
        queue_box = QWidget()
        ql = QVBoxLayout(queue_box)
        ql.setContentsMargins(0, 0, 0, 0)
        ql.addWidget(QLabel("渲染队列 Render queue"))
        ql.addWidget(self.queue)

        main = QSplitter(Qt.Vertical)
        main.addWidget(top)
        main.addWidget(queue_box)
        main.setSizes([560, 240])
        self.setCentralWidget(main)

        self.out_label = QLabel()
        self.statusBar().addPermanentWidget(self.out_label)

    def _start_worker(self) -> None:
        self.thread = QThread(self)
        self.thread.setObjectName("render-worker")
        self.worker = RenderWorker()
        self.worker.moveToThread(self.thread)
        self._kick.connect(self.worker.run_queue)
        self.worker.started.connect(self._on_started)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.cancelled.connect(self._on_cancelled)
        self.worker.failed.connect(self._on_failed)
        self.worker.idle.connect(self._on_idle)
        self.thread.finished.connect(self.worker.deleteLater)
        self.thread.start()

    # ------------------------------------------------------------------ sheet
    def load_sheet(self, path: str | Path) -> bool:
        """Load a sheet into the table and its problems into the panel. False (and a message) if unreadable."""
        try:
            sheet = load_sheet(path)
        except StudioError as exc:
            QMessageBox.warning(self, "无法打开表格 Cannot open sheet", str(exc))
            return False
        self.sheet = sheet
        products_at = {p.source_row: p for p in sheet.products if p.source_row is not None}
        bad_rows = {p.row for p in sheet.problems if p.row is not None and p.severity == "error"} - set(products_at)
        self.rows = [SheetRow(r, products_at.get(r), sheet.problems_for_row(r))
                     for r in sorted(set(products_at) | bad_rows)]
        # products without a row number (JSON/YAML lists may have none) keep their sheet order
        self.rows += [SheetRow(None, p, []) for p in sheet.products if p.source_row is None]

        self.table.blockSignals(True)
        self.table.clearContents()
        self.table.setRowCount(len(self.rows))
        for i, info in enumerate(self.rows):
            self.table.setItem(i, COL_ROW, QTableWidgetItem("" if info.sheet_row is None else str(info.sheet_row)))
            if info.product is not None:
                product = info.product
                self.table.setItem(i, COL_NAME, QTableWidgetItem(product.name))
                price = "" if product.price is None else f"{product.price:g}"
                self.table.setItem(i, COL_PRICE, QTableWidgetItem(price))
                self.table.setItem(i, COL_LANG, QTableWidgetItem(product.language))
            else:
                item = QTableWidgetItem("（这一行不能渲染，见下方问题）")
                item.setForeground(QColor("#9e9e9e"))
                item.setToolTip("\n".join(str(p) for p in info.problems))
                self.table.setItem(i, COL_NAME, item)
            self._refresh_idle_status(i)
        self.table.blockSignals(False)

        self.problems_list.clear()
        for p in sheet.problems:
            tag = "✖ 错误" if p.severity == "error" else "⚠ 提示"
            item = QListWidgetItem(f"{tag}  {p}")
            item.setForeground(QColor("#c62828" if p.severity == "error" else "#e65100"))
            item.setToolTip((f"怎么改 What to do: {p.hint}\n" if p.hint else "") + f"{p.file}")
            item.setData(Qt.UserRole, p.row)
            self.problems_list.addItem(item)
        if not sheet.problems:
            self.problems_list.addItem(QListWidgetItem("✔ 没有问题 no problems"))
        n_err = sum(p.severity == "error" for p in sheet.problems)
        n_warn = len(sheet.problems) - n_err
        self.problems_label.setText(f"表格问题 Sheet problems: {n_err} 个错误 errors, {n_warn} 个提示 warnings")

        self.statusBar().showMessage(
            f"{Path(path).name}: {len(sheet.products)} 个商品可渲染 ready"
            + (f"，{n_err} 个问题需处理（见左下） {n_err} problems to fix" if n_err else ""))
        self.setWindowTitle(f"{Path(path).name} — AIGC 短视频工作室 · Short-video studio")
        self._start_scan()
        first = next((i for i, r in enumerate(self.rows) if r.product is not None), 0 if self.rows else None)
        if first is not None:
            self.table.selectRow(first)
        else:
            self._selection_changed()
        return True

    def set_output_dir(self, path: str | Path) -> None:
        self.options.out_dir = Path(path)
        self._show_output_dir()

    def set_template(self, name: str | None) -> None:
        """Pick a template by name (None = auto)."""
        index = self.template_combo.findData(name)
        if index < 0:
            raise StudioError(f"no template named '{name}'")
        self.template_combo.setCurrentIndex(index)

    def product_at(self, row: int) -> Product | None:
        if not 0 <= row < len(self.rows):
            return None
        return self.rows[row].product

    def row_of_product(self, name: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r.product and r.product.name == name), -1)

    def set_status(self, row: int, status: str) -> None:
        text, colour, tip = STATUS[status]
        item = QTableWidgetItem(text)
        item.setForeground(QColor(colour))
        item.setToolTip(tip)
        item.setData(Qt.UserRole, status)
        self.table.setItem(row, COL_STATUS, item)

    def status_of(self, row: int) -> str:
        item = self.table.item(row, COL_STATUS)
        return item.data(Qt.UserRole) if item else ""

    def _refresh_idle_status(self, row: int) -> None:
        """ready / needs attention, for a row that is not in the queue."""
        if self.status_of(row) in ("queued", "rendering"):
            return
        info = self.rows[row]
        blocked = any(f.severity == "block" for f in info.findings) and not self.options.allow_flagged
        if info.product is None or blocked or any(p.severity == "error" for p in info.problems):
            status = "attention"
        elif any(p.severity == "warning" for p in info.problems) or info.findings:
            status = "attention"
        else:
            status = "ready"
        if self.status_of(row) in ("done", "failed", "cancelled") and status == "ready":
            return  # keep the outcome of the last render on show
        self.set_status(row, status)

    def _choose_sheet(self) -> None:
        settings = QSettings("aigc-studio", "studio")
        start = str(Path(str(settings.value("last_sheet", EXAMPLE_SHEET))).parent)
        path, _ = QFileDialog.getOpenFileName(self, "打开商品表格 Open product sheet", start, SHEET_FILTER)
        if path and self.load_sheet(path):
            settings.setValue("last_sheet", path)

    def _choose_output(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "输出文件夹 Output folder", str(self.options.out_dir))
        if path:
            self.set_output_dir(path)

    def _show_output_dir(self) -> None:
        self.out_label.setText(f"输出 Output: {self.options.out_dir}")
        self.out_label.setToolTip("视频写到这里 videos are written here; change with 输出文件夹…")

    def _problem_clicked(self, item: QListWidgetItem) -> None:
        row = item.data(Qt.UserRole)
        for i, info in enumerate(self.rows):
            if row is not None and info.sheet_row == row:
                self.table.selectRow(i)
                return

    # ------------------------------------------------------------------ script view
    def _template_changed(self) -> None:
        self.options.template = self.template_combo.currentData()
        for info in self.rows:
            info.findings = []
        self._start_scan()
        self._selection_changed()

    def _override_toggled(self, on: bool) -> None:
        self.options.allow_flagged = on
        for row in range(len(self.rows)):
            self._refresh_idle_status(row)

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectedIndexes()})

    def _script_for(self, info: SheetRow):
        script, template = prepare_script(info.product, self.options)
        from ..compliance import check_script

        info.findings = check_script(script, info.product)
        return script, template

    def _start_scan(self) -> None:
        """Check every product's script for compliance in the background of the UI loop, one per tick,
        so 'needs attention' shows on every row without freezing the window on a big sheet."""
        self._scan_rows = [i for i, r in enumerate(self.rows) if r.product is not None]
        self._scan_timer.start()

    def _scan_step(self) -> None:
        if not self._scan_rows:
            self._scan_timer.stop()
            return
        row = self._scan_rows.pop(0)
        if row < len(self.rows):
            try:
                self._script_for(self.rows[row])
            except StudioError:
                pass  # shown when the row is selected
            except Exception:  # noqa: BLE001 - a preview must never take the window down
                pass
            self._refresh_idle_status(row)

    def _selection_changed(self) -> None:
        rows = self.selected_rows()
        info = self.rows[rows[0]] if rows and rows[0] < len(self.rows) else None
        self.findings = []
        if info is None:
            self.script_view.clear()
            self.thumbnail.clear()
            self.script_title.setText("脚本 Script")
            return
        if info.product is None:
            self.thumbnail.clear()
            self.script_title.setText(f"第 {info.sheet_row} 行 row {info.sheet_row}")
            parts = ["<p style='color:#c62828'><b>这一行不能渲染 This row cannot be rendered</b></p>"]
            for p in info.problems:
                parts.append(f"<p>{_esc(p.message)}" + (f" <i>（列 column “{_esc(p.column)}”）</i>" if p.column else "")
                             + (f"<br><b>怎么改 What to do:</b> {_esc(p.hint)}" if p.hint else "") + "</p>")
            parts.append(f"<p style='color:#888'>{_esc(str(self.sheet.path) if self.sheet else '')}</p>")
            self.script_view.setHtml("".join(parts))
            return
        product = info.product
        self._show_thumbnail(product)
        self.script_title.setText(f"脚本 Script · {product.name}")
        try:
            script, template = self._script_for(info)
        except StudioError as exc:
            self.script_view.setHtml(
                f"<p style='color:#c62828'><b>模板错误 Template error</b><br>{_esc(str(exc))}</p>"
                "<p>请换一个模板或修正模板文件 pick another template or fix the template file</p>")
            if self.status_of(rows[0]) == "ready":
                self.set_status(rows[0], "attention")
            return
        self.findings = info.findings
        self.script_view.setHtml(_script_html(product, script, template, info))
        self._refresh_idle_status(rows[0])

    def _show_thumbnail(self, product: Product) -> None:
        self.thumbnail.clear()
        for image in product.images[:1]:
            pix = QPixmap(str(image))
            if not pix.isNull():
                self.thumbnail.setPixmap(pix.scaled(300, 165, Qt.KeepAspectRatio, Qt.SmoothTransformation))
            else:
                self.thumbnail.setText(f"无法显示图片 cannot show {Path(image).name}")

    # ------------------------------------------------------------------ rendering
    def render_selected(self) -> list[int]:
        """Queue the selected products; returns the new job ids."""
        return self._enqueue(self.selected_rows())

    def render_all(self) -> list[int]:
        """Queue every product that can be rendered; returns the new job ids."""
        return self._enqueue(list(range(len(self.rows))))

    def _enqueue(self, rows: list[int]) -> list[int]:
        if self._shut_down:
            return []
        if self.sheet is None or not rows:
            self.statusBar().showMessage("先打开表格并选择商品 open a sheet and select a product first")
            return []
        new: list[int] = []
        for row in rows:
            product = self.product_at(row)
            if product is None or self.status_of(row) in ("queued", "rendering"):
                continue
            options = dataclasses.replace(self.options)
            job = Job(product, options, notes=self.sheet.problems_for_row(product.source_row))
            self.jobs[job.id] = job
            self.job_product_row[job.id] = row
            self.job_status[job.id] = "queued"
            qrow = self.queue.rowCount()
            self.queue.insertRow(qrow)
            self.job_rows[job.id] = qrow
            name = QTableWidgetItem(product.name)
            name.setToolTip(f"{product.name} → {options.out_dir}")
            self.queue.setItem(qrow, Q_JOB, name)
            self.queue.setItem(qrow, Q_STAGE, QTableWidgetItem("排队 queued"))
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setFormat("%p%")
            self.queue.setCellWidget(qrow, Q_PROGRESS, bar)
            self.set_status(row, "queued")
            self.worker.enqueue(job)
            new.append(job.id)
        if new:
            self.cancel_button.setEnabled(True)
            self.statusBar().showMessage(f"已加入队列 queued {len(new)}")
            emit(self._kick)
        return new

    def cancel_all(self) -> None:
        """Cancel every queued and running job; the running one stops within about a frame."""
        self.worker.cancel(None)
        for job_id, status in self.job_status.items():
            if status in ("queued", "rendering"):
                self.queue.setItem(self.job_rows[job_id], Q_STAGE, QTableWidgetItem("正在取消 cancelling…"))
        self.statusBar().showMessage("正在取消 Cancelling…")

    def progress_bar(self, job_id: int) -> QProgressBar:
        return self.queue.cellWidget(self.job_rows[job_id], Q_PROGRESS)

    def job_state(self, job_id: int) -> str:
        return self.job_status.get(job_id, "")

    @Slot(int)
    def _on_started(self, job_id: int) -> None:
        self.job_status[job_id] = "rendering"
        self.queue.setItem(self.job_rows[job_id], Q_STAGE, QTableWidgetItem("开始 starting"))
        self.set_status(self.job_product_row[job_id], "rendering")

    @Slot(int, float, str, str)
    def _on_progress(self, job_id: int, fraction: float, stage: str, message: str) -> None:
        if self.job_status.get(job_id) not in ("queued", "rendering"):
            return  # a late report after the outcome arrived
        if self.jobs[job_id].cancel.cancelled:
            return  # keep "cancelling…" on show
        self.job_status[job_id] = "rendering"
        self.job_stage[job_id] = stage
        self.progress_bar(job_id).setValue(int(fraction * 1000))
        item = QTableWidgetItem(f"{STAGE_NAMES.get(stage, stage)} {stage}")
        item.setToolTip(message)
        self.queue.setItem(self.job_rows[job_id], Q_STAGE, item)
        if self.status_of(self.job_product_row[job_id]) != "rendering":
            self.set_status(self.job_product_row[job_id], "rendering")

    @Slot(int, object)
    def _on_finished(self, job_id: int, result: RenderResult) -> None:
        self.results[job_id] = result
        qrow, prow = self.job_rows[job_id], self.job_product_row[job_id]
        if result.ok and result.video is not None:
            self.job_status[job_id] = "done"
            self.progress_bar(job_id).setValue(1000)
            self.queue.setItem(qrow, Q_STAGE, QTableWidgetItem("完成 done"))
            button = QPushButton(f"打开文件夹 · {result.video.name}")
            button.setToolTip(f"Open the folder of {result.video}")
            button.clicked.connect(lambda _=False, p=result.video: self.open_folder(Path(p).parent))
            self.queue.setCellWidget(qrow, Q_RESULT, button)
            self.set_status(prow, "done")
            self.statusBar().showMessage(f"已完成 done: {result.video}")
        else:
            self._show_failure(job_id, result.error or "unknown error")

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        self._show_failure(job_id, message)

    def _show_failure(self, job_id: int, message: str) -> None:
        qrow, prow = self.job_rows[job_id], self.job_product_row[job_id]
        self.job_status[job_id] = "failed"
        self.queue.setItem(qrow, Q_STAGE, QTableWidgetItem("失败 failed"))
        first = message.strip().splitlines()[0] if message.strip() else message
        item = QTableWidgetItem(first)
        item.setForeground(QColor("#c62828"))
        item.setToolTip(message)
        self.queue.setItem(qrow, Q_RESULT, item)
        self.set_status(prow, "failed")
        self.statusBar().showMessage(f"渲染失败 failed: {first}")

    @Slot(int)
    def _on_cancelled(self, job_id: int) -> None:
        self.results.pop(job_id, None)
        self.job_status[job_id] = "cancelled"
        qrow = self.job_rows[job_id]
        self.queue.setItem(qrow, Q_STAGE, QTableWidgetItem("已取消 cancelled"))
        self.queue.setItem(qrow, Q_RESULT, QTableWidgetItem("未留下视频文件 no video file left behind"))
        self.set_status(self.job_product_row[job_id], "cancelled")

    @Slot()
    def _on_idle(self) -> None:
        busy = self.worker.busy
        self.cancel_button.setEnabled(busy)
        if busy:  # something was queued while the loop was finishing
            emit(self._kick)
        else:
            self.statusBar().showMessage("队列已空 queue idle")

    def open_folder(self, folder: str | Path) -> bool:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            return True
        QMessageBox.information(self, "打开文件夹 Open folder",
                                f"无法自动打开，请在文件管理器中打开：\nCould not open it automatically; open it yourself:\n{folder}")
        return False

    @property
    def busy(self) -> bool:
        return self.worker.busy

    # ------------------------------------------------------------------ closing
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if not self._shut_down and self.worker.busy:
            answer = QMessageBox.question(
                self, "正在渲染 Rendering",
                "还有视频在渲染。退出将取消它们（不会留下半成品文件）。\n"
                "Videos are rendering. Quit and cancel them? (no half-written file is left)",
                QMessageBox.Yes | QMessageBox.No, QMessageBox.No,
            )
            if answer != QMessageBox.Yes:
                event.ignore()
                return
        self.shutdown()
        event.accept()

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Cancel everything and stop the worker thread (waits for the running job to clean up)."""
        if self._shut_down:
            return
        self._shut_down = True
        self._scan_timer.stop()
        self.worker.stop()
        self.thread.quit()
        if not self.thread.wait(timeout_ms):
            # a stage that does not check for cancel often enough is still running: destroying a running
            # QThread aborts the process, so let the thread outlive this window and clean up when it ends
            _detach_running_thread(self.thread, self.worker)


_running_threads: list = []  # (QThread, worker) pairs still finishing a job after their window closed


def _detach_running_thread(thread: QThread, worker: RenderWorker) -> None:
    pair = (thread, worker)
    thread.setParent(None)
    _running_threads.append(pair)
    thread.finished.connect(lambda: _running_threads.remove(pair) if pair in _running_threads else None)


def _script_html(product: Product, script, template, info: SheetRow) -> str:
    parts = [f"<h3>{_esc(product.name)}</h3>"
             f"<p style='color:#666'>模板 template: {_esc(template.title)} ({_esc(template.name)}) · "
             f"{len(script.scenes)} 个场景 scenes</p>"]
    for n, scene in enumerate(script.scenes, 1):
        overlay = f" <span style='color:#888'>[{_esc(scene.overlay)}]</span>" if scene.overlay else ""
        parts.append(f"<p><b>{n}. {SCENE_NAMES.get(scene.kind, scene.kind)}</b>{overlay}<br>"
                     + "<br>".join(_esc(line) for line in scene.lines) + "</p>")
    for w in script.warnings:
        parts.append(f"<p style='color:#e65100'>⚠ {_esc(w)}</p>")
    for p in info.problems:
        parts.append(f"<p style='color:#e65100'>⚠ {_esc(str(p))}</p>")
    if info.findings:
        parts.append("<h4 style='color:#c62828'>合规检查 Compliance</h4>")
        for f in info.findings:
            colour = "#c62828" if f.severity == "block" else "#e65100"
            kind = "拦截 blocks render" if f.severity == "block" else "提醒 warning"
            parts.append(
                f"<p><span style='color:{colour}'><b>“{_esc(f.text)}”</b> · {kind}</span> — "
                f"{_esc(f.reason)} <i>{_esc(f.rule)}</i><br>建议改为 Suggested: {_esc(f.suggestion)}</p>")
    return "".join(parts)


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _initial_options() -> tuple[RenderOptions, str]:
    """Options from the merchant's settings; the output folder defaults to <project>/out."""
    try:
        options = RenderOptions.from_settings()
        error = ""
    except StudioError as exc:
        options, error = RenderOptions(), f"设置文件有问题 settings: {exc}"
    if not options.out_dir.is_absolute() and str(options.out_dir) == "out":
        options.out_dir = DEFAULT_OUT_DIR
    return options, error


def install_cjk_font(app: QApplication) -> str | None:
    """Register Noto Sans SC so Chinese never shows as boxes, and make it the UI font's fallback.
    Returns the registered family, or None if no font could be loaded."""
    paths: list[Path] = []
    try:
        import pylopdf_fonts_zh_cn  # a regular weight reads better than the bundled bold in the UI

        paths.append(Path(pylopdf_fonts_zh_cn.__file__).parent / "NotoSansSC-Regular.otf")
    except ImportError:
        pass
    try:
        paths.append(cjk_font_path())
    except Exception:  # noqa: BLE001 - no CJK font: the UI still works, Chinese may show as boxes
        pass
    family = None
    for path in paths:
        if not path.is_file():
            continue
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families:
            family = families[0]
            break
    if family:
        font = QFont(app.font())
        font.setFamilies([family])
        font.setPointSize(10)
        app.setFont(font)
    return family


def start_sheet() -> Path | None:
    """The sheet to open at start: the last one the merchant opened, else the bundled example."""
    last = QSettings("aigc-studio", "studio").value("last_sheet", "")
    if last and Path(str(last)).is_file():
        return Path(str(last))
    return EXAMPLE_SHEET if EXAMPLE_SHEET.is_file() else None


def run(argv: list[str] | None = None) -> int:
    """Open the desktop app (the bundled example sheet on first run). Returns the exit code."""
    app = QApplication.instance() or QApplication(list(argv) if argv else sys.argv[:1])
    app.setApplicationName("AIGC Short-video Studio")
    install_cjk_font(app)
    window = MainWindow()
    window.show()
    sheet = start_sheet()
    if sheet is not None:
        QTimer.singleShot(0, lambda: window.load_sheet(sheet))
    code = app.exec()
    window.shutdown()
    return int(code)
