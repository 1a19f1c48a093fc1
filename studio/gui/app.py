"""The desktop studio: a project's products (editable), the script of the selected one (editable, with
compliance findings underlined), a live preview with style controls, and the render queue.

A thin shell over studio.project / studio.preview / studio.pipeline. Rendering runs in RenderWorker on
its own QThread and previews are built on a background thread; the UI thread only edits the model.
Every edit goes through `_edit`, which snapshots the project for undo/redo and schedules an autosave.
"""
from __future__ import annotations

import dataclasses
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QSettings, Qt, QThread, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import (
    QAction, QColor, QDesktopServices, QFont, QFontDatabase, QPixmap, QTextCharFormat, QTextCursor, QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QCheckBox, QColorDialog, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
    QGroupBox, QHBoxLayout, QHeaderView, QLabel, QListWidget, QListWidgetItem, QMainWindow, QMessageBox,
    QPlainTextEdit, QProgressBar, QPushButton, QSlider, QSpinBox, QSplitter, QTableWidget, QTableWidgetItem,
    QTextEdit, QToolBar, QVBoxLayout, QWidget,
)

from ..pipeline import RenderOptions, plan
from ..core.vocab import PLATFORMS
from ..project import Project, ProjectItem, default_project_folder
from ..script import list_templates
from ..script.editing import scenes_to_text, spoken_line_blocks, text_to_scenes
from ..settings import Settings
from ..sheet import parse_price, split_selling_points
from ..types import Problem, Product, RenderResult
from ..util import ASSETS_DIR, PROJECT_ROOT, StudioError, cjk_font_path
from ..subtitles.export import CAPTION_KINDS
from ..voice import available_voices
from .dialogs import PLATFORM_NAMES, SettingsDialog, TemplateGallery
from .i18n import LANGUAGES, Translator, resolve_language
from .preview_view import PreviewBuilder, PreviewRequest, PreviewResult, ProxyRenderer
from .qtcompat import emit
from .worker import Job, RenderWorker

# row status -> ((zh, en) label, colour, (zh, en) tooltip)
STATUS = {
    "ready": (("● 就绪", "● Ready"), "#2e7d32", ("可以渲染", "ready to render")),
    "attention": (("● 需处理", "● Needs attention"), "#e65100",
                  ("请看下方问题或脚本里的合规提示", "read the problems below or the findings in the script")),
    "queued": (("● 排队中", "● Queued"), "#546e7a", ("排队中", "queued")),
    "rendering": (("● 渲染中", "● Rendering"), "#1565c0", ("渲染中", "rendering")),
    "done": (("● 已完成", "● Done"), "#2e7d32", ("已完成：在队列里打开文件", "rendered: open it from the queue")),
    "failed": (("● 失败", "● Failed"), "#c62828", ("失败：队列里写了原因和怎么改", "failed: the queue says why")),
    "cancelled": (("● 已取消", "● Cancelled"), "#757575", ("已取消，没有留下视频", "cancelled: no video was written")),
}
STAGE_NAMES = {"script": ("脚本", "Script"), "imagery": ("AI 背景", "AI backgrounds"), "voice": ("配音", "Voice"), "subtitles": ("字幕", "Subtitles"),
               "compose": ("合成", "Compose"), "render": ("渲染", "Render"), "finish": ("收尾", "Finish")}
SCENE_NAMES = {"hook": ("开场", "Hook"), "point": ("卖点", "Point"), "proof": ("证明", "Proof"),
               "offer": ("优惠", "Offer"), "cta": ("号召", "Call to action")}
EXAMPLE_SHEET = PROJECT_ROOT / "examples" / "products.csv"
DEFAULT_OUT_DIR = PROJECT_ROOT / "out"
SHEET_FILTER = ("商品表格 (*.csv *.tsv *.xlsx *.xlsm *.xls *.json *.jsonl *.yaml *.yml);;所有文件 (*)",
                "Product sheets (*.csv *.tsv *.xlsx *.xlsm *.xls *.json *.jsonl *.yaml *.yml);;All files (*)")
MEDIA_EXTS = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".mp4", ".mov", ".m4v", ".webm", ".mkv"}

# products table columns
COL_ROW, COL_NAME, COL_PRICE, COL_POINTS, COL_PHOTOS, COL_LANG, COL_STATUS = range(7)
EDITABLE = (COL_NAME, COL_PRICE, COL_POINTS, COL_LANG)
# queue columns
Q_JOB, Q_STAGE, Q_PROGRESS, Q_RESULT, Q_ETA, Q_ACTIONS = range(6)


@dataclass
class SheetRow:
    """One row of the products table: a project product, or a sheet row that could not be imported."""

    sheet_row: int | None
    product: Product | None
    problems: list[Problem] = field(default_factory=list)
    findings: list = field(default_factory=list)  # compliance findings of the current script
    item: ProjectItem | None = None


class ProductTable(QTableWidget):
    """The products table; photos and clips dropped on a row are added to that product."""

    files_dropped = Signal(int, list)  # row, paths

    def __init__(self, rows: int, cols: int) -> None:
        super().__init__(rows, cols)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DropOnly)

    def _paths(self, event) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [u.toLocalFile() for u in mime.urls() if Path(u.toLocalFile()).suffix.lower() in MEDIA_EXTS]

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if self._paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if self._paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = self._paths(event)
        row = self.indexAt(event.position().toPoint()).row()
        if paths and row >= 0:
            event.acceptProposedAction()
            self.files_dropped.emit(row, paths)
        else:
            event.ignore()


class SnapshotCommand(QUndoCommand):
    """An edit as two project snapshots: undo restores the one before, redo the one after."""

    def __init__(self, window: "MainWindow", before: dict, after: dict, names: tuple[str, str],
                 select: int | None) -> None:
        super().__init__(names[1])
        self.names = names  # (zh, en): shown in the undo/redo tooltips in the interface language
        self.window, self.before, self.after, self.select = window, before, after, select
        self._first = True

    def redo(self) -> None:
        if self._first:  # the edit is already applied when the command is pushed
            self._first = False
            return
        self.window._restore(self.after, self.select)

    def undo(self) -> None:
        self.window._restore(self.before, self.select)


class MainWindow(QMainWindow):
    """Products (left), script and findings (middle), preview and style (right), render queue (bottom)."""

    _kick = Signal()  # starts the worker's queue loop on the worker thread

    def __init__(self, out_dir: str | Path | None = None, project: Project | None = None,
                 language: str | None = None) -> None:
        super().__init__()
        self.resize(1440, 900)
        self.settings_error = ""
        try:
            self.settings = Settings.load()
        except StudioError as exc:
            self.settings, self.settings_error = Settings(), str(exc)
        self.i18n = Translator(language or resolve_language(self.settings.interface_language))
        self._texts: list[tuple] = []  # (setter, zh, en) of every fixed string, re-applied on a language switch
        self.project = project or _scratch_project()
        self.options, settings_error = _initial_options()
        self._out_dir_fixed = out_dir is not None or bool(self.settings.output_dir)
        if out_dir is not None:
            self.options.out_dir = Path(out_dir)
        elif not self.settings.output_dir:
            self.options.out_dir = self.project.out_dir
        self.sheet = None  # kept for callers of the older API: the last imported sheet's path is in the project
        self.rows: list[SheetRow] = []
        self.undo_stack = QUndoStack(self)
        self.jobs: dict[int, Job] = {}
        self.job_rows: dict[int, int] = {}
        self.job_product_row: dict[int, int] = {}
        self.job_status: dict[int, str] = {}
        self.job_stage: dict[int, str] = {}
        self.job_started: dict[int, float] = {}
        self.results: dict[int, RenderResult] = {}
        self.halt_message = ""  # why the queue stopped on its own (a full disk), until new work is queued
        self.findings: list = []
        self.current_script = None
        self.preview_result: PreviewResult | None = None
        self.preview_latency_ms: float | None = None
        self.saved_at: float | None = None
        self._scan_rows: list[int] = []
        self._scripts_cache: dict[str, tuple] = {}
        self._scan_timer = QTimer(self)
        self._scan_timer.setInterval(0)
        self._scan_timer.timeout.connect(self._scan_step)
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setSingleShot(True)
        self._autosave_timer.setInterval(400)
        self._autosave_timer.timeout.connect(self.save_project)
        self._script_timer = QTimer(self)
        self._script_timer.setSingleShot(True)
        self._script_timer.setInterval(300)
        self._script_timer.timeout.connect(self._commit_script_text)
        self._setting_script = False
        self._filling = False
        self._shut_down = False
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._template_files_changed)
        self.watcher.directoryChanged.connect(self._template_files_changed)
        self._build_ui()
        self._start_worker()
        self.previews = PreviewBuilder()
        self.previews.ready.connect(self._on_preview)
        self.proxy = ProxyRenderer()
        self.proxy.finished.connect(self._on_proxy)
        self.proxy.progress.connect(self._on_proxy_progress)
        self.proxy_video: Path | None = None
        self._apply_style_to_controls()
        self._fill_table()
        self._show_output_dir()
        self.retranslate()
        if self.settings_error or settings_error:
            self.statusBar().showMessage(self.settings_error or settings_error)

    # ------------------------------------------------------------------ i18n
    def t(self, zh: str, en: str) -> str:
        return self.i18n.text(zh, en)

    def _tr(self, setter, zh: str, en: str) -> None:
        self._texts.append((setter, zh, en))
        setter(self.t(zh, en))

    def set_language(self, language: str, save: bool = True) -> None:
        """Switch the interface language ('zh' or 'en') at once; remembered in the settings."""
        if language not in LANGUAGES:
            raise StudioError(f"unknown interface language '{language}' (use zh or en)")
        self.i18n.language = language
        self.retranslate()
        if save:
            self.settings.interface_language = language
            try:
                self.settings.save()
            except (StudioError, OSError):
                pass

    def retranslate(self) -> None:
        for setter, zh, en in self._texts:
            setter(self.t(zh, en))
        self.lang_combo.blockSignals(True)
        self.lang_combo.setCurrentIndex(self.lang_combo.findData(self.i18n.language))
        self.lang_combo.blockSignals(False)
        self.table.setHorizontalHeaderLabels([self.t(*x) for x in (
            ("行", "Row"), ("商品", "Product"), ("价格", "Price"), ("卖点（用 | 分隔）", "Selling points (| between)"),
            ("图片", "Photos"), ("语言", "Lang"), ("状态", "Status"))])
        self.queue.setHorizontalHeaderLabels([self.t(*x) for x in (
            ("任务", "Job"), ("阶段", "Stage"), ("进度", "Progress"), ("结果", "Result"), ("剩余", "ETA"),
            ("操作", "Actions"))])
        self._fill_template_combo()
        for combo, items in ((self.platform_combo, [PLATFORM_NAMES[p] for p in PLATFORMS]),
                             (self.quality_combo, [("成片（更清晰）", "Final (better)"), ("草稿（更快）", "Draft (faster)")])):
            for i, names in enumerate(items):
                combo.setItemText(i, self.t(*names))
        kind_names = {None: ("模板默认", "Template's"), "standard": ("标准", "Standard"),
                      "karaoke": ("卡拉OK（逐字高亮）", "Karaoke (word by word)"),
                      "elder": ("长辈大字（深色底）", "Elder-friendly (large, boxed)"),
                      "bilingual": ("双语", "Bilingual")}
        for i in range(self.caption_kind.count()):
            self.caption_kind.setItemText(i, self.t(*kind_names[self.caption_kind.itemData(i)]))
        for i in range(self.target_combo.count()):
            seconds = self.target_combo.itemData(i)
            self.target_combo.setItemText(i, self.t("模板默认", "Template's") if seconds is None
                                          else self.t(f"{seconds} 秒", f"{seconds} s"))
        self.music_combo.setItemText(0, self.t("模板默认", "Template's"))
        for i, text in enumerate((self.t("模板默认", "Template's"), self.t("显示", "Show"), self.t("不显示", "Hide"))):
            self.inset_combo.setItemText(i, text)
        for i in range(self.backgrounds_combo.count()):
            count = self.backgrounds_combo.itemData(i)
            self.backgrounds_combo.setItemText(i, self.t("模板默认", "Template's") if count is None else
                                               self.t("不用", "None") if count == 0 else self.t(f"{count} 张", str(count)))
        self.music_combo.setItemText(1, self.t("无音乐", "No music"))
        self.voice_combo.setItemText(0, self.t("模板默认", "Template's"))
        self.caption_size.setSpecialValueText(self.t("模板默认", "Template's"))
        self.speed_spin.setSpecialValueText(self.t("模板默认", "Template's"))
        for row in range(len(self.rows)):
            status = self.status_of(row)
            if status:
                self.set_status(row, status)
        for job_id, state in self.job_status.items():
            self._show_job_state(job_id, state)
        self._update_title()
        self._show_output_dir()
        self._show_problems()
        self._show_findings()
        self._update_saved_label()
        self._update_undo_actions()
        self._show_color_buttons()
        self._selection_changed()

    # ------------------------------------------------------------------ layout
    def _action(self, bar: QToolBar, zh: str, en: str, tip_zh: str, tip_en: str, slot, shortcut=None) -> QAction:
        action = QAction(self)
        self._tr(action.setText, zh, en)
        self._tr(action.setToolTip, tip_zh, tip_en)
        action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(shortcut)
        bar.addAction(action)
        return action

    def _button(self, zh: str, en: str, slot, tip: tuple[str, str] | None = None) -> QPushButton:
        button = QPushButton()
        self._tr(button.setText, zh, en)
        if tip:
            self._tr(button.setToolTip, *tip)
        button.clicked.connect(slot)
        return button

    def _label(self, zh: str, en: str) -> QLabel:
        label = QLabel()
        self._tr(label.setText, zh, en)
        return label

    def _build_ui(self) -> None:
        from PySide6.QtGui import QKeySequence

        bar = QToolBar()
        bar.setMovable(False)
        self._tr(bar.setWindowTitle, "主工具栏", "Main toolbar")
        self.addToolBar(bar)
        self.new_action = self._action(bar, "新建项目", "New project", "新建一个空项目文件夹", "Create a project in an empty folder",
                                       self._choose_new_project)
        self.open_project_action = self._action(bar, "打开项目", "Open project", "打开一个项目文件夹",
                                                "Open a project folder", self._choose_project)
        self.open_action = self._action(bar, "导入表格", "Import sheet", "从商品表格导入（CSV、Excel、JSON、YAML）",
                                        "Import products from a sheet (CSV, Excel, JSON, YAML)", self._choose_sheet)
        bar.addSeparator()
        self.undo_action = self._action(bar, "撤销", "Undo", "撤销上一步修改", "Undo the last edit",
                                        self.undo_stack.undo, QKeySequence.Undo)
        self.redo_action = self._action(bar, "重做", "Redo", "重做", "Redo", self.undo_stack.redo, QKeySequence.Redo)
        self.undo_stack.indexChanged.connect(lambda _: self._update_undo_actions())
        bar.addSeparator()
        self.gallery_action = self._action(bar, "模板库", "Templates", "按品类、风格、语言浏览模板",
                                           "Browse templates by category, style and language", self.open_gallery)
        self.template_combo = QComboBox()
        self.template_combo.setProperty("data_widget", True)
        self.template_combo.currentIndexChanged.connect(self._template_combo_changed)
        bar.addWidget(self.template_combo)
        bar.addSeparator()
        self.settings_action = self._action(bar, "设置", "Settings", "输出、配音、模型、GPU、AI 标识制作者",
                                            "Output, voices, models, GPU, AI-label producer", self.open_settings)
        self.lang_combo = QComboBox()
        for key, name in LANGUAGES.items():
            self.lang_combo.addItem(name, key)
        self.lang_combo.currentIndexChanged.connect(lambda _: self.set_language(self.lang_combo.currentData()))
        bar.addWidget(self.lang_combo)
        self.addToolBarBreak()
        bar = QToolBar()
        bar.setMovable(False)
        self._tr(bar.setWindowTitle, "渲染工具栏", "Render toolbar")
        self.addToolBar(bar)
        self.render_button = self._button("渲染所选", "Render selected", self.render_selected,
                                          ("渲染选中的商品", "Render the selected products"))
        bar.addWidget(self.render_button)
        self.render_all_button = self._button("全部渲染", "Render all", self.render_all,
                                              ("渲染所有可以渲染的商品", "Render every product that can be rendered"))
        bar.addWidget(self.render_all_button)
        self.variants_label = self._label(" 版本数 ", " Variants ")
        bar.addWidget(self.variants_label)
        self.variants_spin = QSpinBox()
        self.variants_spin.setRange(1, 20)
        self._tr(self.variants_spin.setToolTip, "每个商品渲染几个不同版本（开场、卖点顺序、结尾不同）",
                 "Videos per product (different hook, point order and call to action)")
        bar.addWidget(self.variants_spin)
        self.cancel_button = self._button("全部取消", "Cancel all", self.cancel_all,
                                          ("取消所有排队和正在渲染的任务（不会留下半成品）",
                                           "Cancel every queued and running job (no half-written file is left)"))
        self.cancel_button.setEnabled(False)
        bar.addWidget(self.cancel_button)
        self.override_box = QCheckBox()
        self._tr(self.override_box.setText, "忽略合规拦截", "Ignore compliance blocks")
        self._tr(self.override_box.setToolTip, "渲染被《广告法》检查拦截的脚本（会记录在清单里）",
                 "Render scripts the compliance check blocks (recorded in the manifest)")
        self.override_box.toggled.connect(self._override_toggled)
        bar.addWidget(self.override_box)
        bar.addSeparator()
        self.out_action = self._action(bar, "输出文件夹…", "Output folder…", "选择视频写到哪个文件夹",
                                       "Choose the folder the videos are written to", self._choose_output)
        self.open_out_action = self._action(bar, "打开输出文件夹", "Open output", "在文件管理器中打开输出文件夹",
                                            "Open the output folder in the file manager",
                                            lambda: self.open_folder(self.options.out_dir))

        # left: products, their buttons, the sheet problems
        self.table = ProductTable(0, 7)
        header = self.table.horizontalHeader()
        # no ResizeToContents: it re-measures every row on every cell change (20 s to fill 500 rows);
        # the narrow columns are sized once per fill instead
        header.setSectionResizeMode(COL_NAME, QHeaderView.Stretch)
        header.setSectionResizeMode(COL_POINTS, QHeaderView.Stretch)
        header.setResizeContentsPrecision(50)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed
                                   | QAbstractItemView.AnyKeyPressed)
        self.table.setProperty("data_widget", True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemChanged.connect(self._cell_edited)
        self.table.files_dropped.connect(self.add_media)
        self._tr(self.table.setToolTip, "双击单元格修改；把图片拖到一行上即可添加",
                 "Double-click a cell to edit; drop photos on a row to add them")
        row_buttons = QHBoxLayout()
        self.add_button = self._button("＋ 商品", "+ Product", self.add_product)
        self.remove_button = self._button("－ 删除", "− Remove", self.remove_selected)
        self.up_button = self._button("↑ 上移", "↑ Up", lambda: self.move_selected(-1))
        self.down_button = self._button("↓ 下移", "↓ Down", lambda: self.move_selected(1))
        self.photos_button = self._button("添加图片…", "Add photos…", self._choose_photos)
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button, self.photos_button):
            row_buttons.addWidget(b)
        row_buttons.addStretch(1)
        self.problems_label = QLabel()
        self.problems_list = QListWidget()
        self.problems_list.setWordWrap(True)
        self.problems_list.setProperty("data_widget", True)
        self.problems_list.itemClicked.connect(self._problem_clicked)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.table, 3)
        ll.addLayout(row_buttons)
        ll.addWidget(self.problems_label)
        ll.addWidget(self.problems_list, 1)

        # middle: the script, editable, and its compliance findings
        self.thumbnail = QLabel("")
        self.thumbnail.setFixedHeight(120)
        self.thumbnail.setAlignment(Qt.AlignCenter)
        self.script_title = QLabel()
        self.script_title.setProperty("data_widget", True)
        self.script_view = QPlainTextEdit()
        self.script_view.setProperty("data_widget", True)
        self.script_view.textChanged.connect(self._script_text_changed)
        self._tr(self.script_view.setToolTip, "每行是一句配音；[hook] [point] [offer] [cta] 开始一个场景",
                 "One spoken line per line; [hook] [point] [offer] [cta] start a scene")
        self.script_error = QLabel()
        self.script_error.setStyleSheet("color:#c62828")
        self.script_error.setWordWrap(True)
        self.script_error.setProperty("data_widget", True)
        self.reset_script_button = self._button("恢复模板原文", "Back to template words", self.reset_script,
                                                ("丢弃手动修改，用模板重新生成", "Drop your edits and use the template's words"))
        self.findings_label = QLabel()
        self.findings_list = QListWidget()
        self.findings_list.setWordWrap(True)
        self.findings_list.setProperty("data_widget", True)
        self.findings_list.itemDoubleClicked.connect(lambda item: self.apply_finding(self.findings_list.row(item)))
        self.fix_button = self._button("采用建议改写", "Apply suggested rewrite",
                                       lambda: self.apply_finding(max(0, self.findings_list.currentRow())),
                                       ("用建议的说法替换这一句（可撤销）", "Replace the line with the suggested rewrite (undoable)"))
        middle = QWidget()
        ml = QVBoxLayout(middle)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.thumbnail)
        top_row = QHBoxLayout()
        top_row.addWidget(self.script_title, 1)
        top_row.addWidget(self.reset_script_button)
        ml.addLayout(top_row)
        ml.addWidget(self.script_view, 3)
        ml.addWidget(self.script_error)
        ml.addWidget(self.findings_label)
        ml.addWidget(self.findings_list, 1)
        ml.addWidget(self.fix_button)

        # right: preview, scrub bar, style controls
        self.preview_label = QLabel()
        self.preview_label.setFixedSize(270, 480)
        self.preview_label.setAlignment(Qt.AlignCenter)
        self.preview_label.setStyleSheet("background:#111; color:#ddd")
        self.preview_label.setWordWrap(True)
        self.scrub = QSlider(Qt.Horizontal)
        self.scrub.setRange(0, 0)
        self.scrub.valueChanged.connect(lambda _: self.request_preview(rebuild=False))
        self.time_label = QLabel("0.0 s")
        self.safe_box = QCheckBox()
        self._tr(self.safe_box.setText, "显示平台安全区", "Show platform safe zones")
        self.safe_box.toggled.connect(lambda _: self.request_preview(rebuild=False))
        self.preview_info = QLabel()
        self.preview_info.setWordWrap(True)
        self.play_button = self._button("▶ 试看（带声音）", "▶ Play with sound", self.play_proxy,
                                        ("用真实配音和字幕快速生成小尺寸样片，并用系统播放器播放",
                                         "Render a small draft with the real voice and captions and play it"))
        style_box = QGroupBox()
        self._tr(style_box.setTitle, "样式", "Style")
        form = QFormLayout(style_box)
        self.caption_kind = QComboBox()
        for key in (None,) + CAPTION_KINDS:
            self.caption_kind.addItem("", key)
        self.caption_kind.currentIndexChanged.connect(
            lambda _: self._style_changed(caption_style=self.caption_kind.currentData()))
        form.addRow(self._label("字幕样式", "Caption style"), self.caption_kind)
        self.caption_size = QSpinBox()
        self.caption_size.setRange(0, 140)
        self.caption_size.setSuffix(" px")
        self.caption_size.valueChanged.connect(lambda v: self._style_changed(caption_size=v or None))
        form.addRow(self._label("字幕字号", "Caption size"), self.caption_size)
        self.text_color_button = QPushButton()
        self.text_color_button.clicked.connect(lambda: self._pick_color("text_color"))
        form.addRow(self._label("字幕颜色", "Caption colour"), self.text_color_button)
        self.highlight_button = QPushButton()
        self.highlight_button.clicked.connect(lambda: self._pick_color("highlight_color"))
        form.addRow(self._label("高亮颜色", "Highlight colour"), self.highlight_button)
        self.music_combo = QComboBox()
        self.music_combo.addItem("", None)
        self.music_combo.addItem("", "")
        for music in sorted((ASSETS_DIR / "music").glob("*")):
            self.music_combo.addItem(music.name, str(music))
        self.music_combo.currentIndexChanged.connect(lambda _: self._style_changed(music=self.music_combo.currentData()))
        form.addRow(self._label("背景音乐", "Music"), self.music_combo)
        self.voice_combo = QComboBox()
        self.voice_combo.addItem("", None)
        for voice in available_voices():
            self.voice_combo.addItem(voice, voice)
        self.voice_combo.currentIndexChanged.connect(lambda _: self._style_changed(voice=self.voice_combo.currentData()))
        form.addRow(self._label("配音", "Voice"), self.voice_combo)
        self.speed_spin = QDoubleSpinBox()
        self.speed_spin.setRange(0.0, 2.0)
        self.speed_spin.setSingleStep(0.05)
        self.speed_spin.valueChanged.connect(lambda v: self._style_changed(speed=v if v >= 0.5 else None))
        form.addRow(self._label("语速", "Speed"), self.speed_spin)
        self.pitch_spin = QDoubleSpinBox()
        self.pitch_spin.setRange(-6.0, 6.0)
        self.pitch_spin.setSingleStep(1.0)
        self.pitch_spin.setSuffix(" st")
        self.pitch_spin.valueChanged.connect(lambda v: self._style_changed(pitch=v or None))
        form.addRow(self._label("音高（半音）", "Pitch (semitones)"), self.pitch_spin)
        self.platform_combo = QComboBox()
        for key in PLATFORMS:
            self.platform_combo.addItem(key, key)
        self.platform_combo.currentIndexChanged.connect(
            lambda _: self._style_changed(platform=self.platform_combo.currentData()))
        form.addRow(self._label("平台", "Platform"), self.platform_combo)
        self.target_combo = QComboBox()
        for seconds in (None, 15, 30, 60):
            self.target_combo.addItem("", seconds)
        self.target_combo.currentIndexChanged.connect(
            lambda _: self._style_changed(target_seconds=self.target_combo.currentData()))
        form.addRow(self._label("目标时长", "Target length"), self.target_combo)
        self.quality_combo = QComboBox()
        self.quality_combo.addItem("", "final")
        self.quality_combo.addItem("", "draft")
        self.quality_combo.currentIndexChanged.connect(
            lambda _: self._style_changed(quality=self.quality_combo.currentData()))
        form.addRow(self._label("画质", "Quality"), self.quality_combo)
        self.inset_combo = QComboBox()
        for value in (None, True, False):
            self.inset_combo.addItem("", value)
        self.inset_combo.currentIndexChanged.connect(
            lambda _: self._style_changed(product_inset=self.inset_combo.currentData()))
        form.addRow(self._label("视频上显示商品图", "Product photo over clips"), self.inset_combo)
        self.backgrounds_combo = QComboBox()
        for value in (None, 0, 1, 2, 3):
            self.backgrounds_combo.addItem("", value)
        self.backgrounds_combo.currentIndexChanged.connect(
            lambda _: self._style_changed(ai_backgrounds=self.backgrounds_combo.currentData()))
        self._tr(self.backgrounds_combo.setToolTip, "用设置里的本地扩散模型画背景，商品图放在卡片上",
                 "Backdrops painted by the local diffusers model in Settings, with the product photo on a card")
        form.addRow(self._label("AI 背景", "AI backgrounds"), self.backgrounds_combo)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.preview_label, 0, Qt.AlignHCenter)
        scrub_row = QHBoxLayout()
        scrub_row.addWidget(self.scrub, 1)
        scrub_row.addWidget(self.time_label)
        rl.addLayout(scrub_row)
        rl.addWidget(self.safe_box)
        rl.addWidget(self.play_button)
        rl.addWidget(self.preview_info)
        rl.addWidget(style_box)
        rl.addStretch(1)

        top = QSplitter(Qt.Horizontal)
        top.addWidget(left)
        top.addWidget(middle)
        top.addWidget(right)
        top.setSizes([560, 480, 340])

        # bottom: the render queue
        self.queue = QTableWidget(0, 6)
        qh = self.queue.horizontalHeader()
        qh.setSectionResizeMode(Q_JOB, QHeaderView.Stretch)
        qh.setSectionResizeMode(Q_STAGE, QHeaderView.ResizeToContents)
        qh.setSectionResizeMode(Q_PROGRESS, QHeaderView.Fixed)
        qh.setSectionResizeMode(Q_RESULT, QHeaderView.Stretch)
        qh.setSectionResizeMode(Q_ETA, QHeaderView.ResizeToContents)
        qh.setSectionResizeMode(Q_ACTIONS, QHeaderView.ResizeToContents)
        self.queue.setColumnWidth(Q_PROGRESS, 200)
        self.queue.verticalHeader().setVisible(False)
        self.queue.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.queue.setProperty("data_widget", True)
        queue_box = QWidget()
        ql = QVBoxLayout(queue_box)
        ql.setContentsMargins(0, 0, 0, 0)
        ql.addWidget(self._label("渲染队列", "Render queue"))
        ql.addWidget(self.queue)

        main = QSplitter(Qt.Vertical)
        main.addWidget(top)
        main.addWidget(queue_box)
        main.setSizes([640, 220])
        self.setCentralWidget(main)

        self.saved_label = QLabel()
        self.out_label = QLabel()
        self.out_label.setProperty("data_widget", True)
        self.statusBar().addPermanentWidget(self.saved_label)
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
        self.worker.halted.connect(self._on_halted)
        self.thread.finished.connect(self.worker.deleteLater)
        self.thread.start()

    # ------------------------------------------------------------------ project
    def open_project(self, project: Project) -> None:
        """Show another project (the queue stays: running jobs write where they were told to)."""
        self.save_project()
        self.project = project
        self.undo_stack.clear()
        if not self._out_dir_fixed:
            self.options.out_dir = project.out_dir
        self._apply_style_to_controls()
        self._fill_table()
        self._show_output_dir()
        self._update_title()
        QSettings("aigc-studio", "studio").setValue("last_project", str(project.folder))

    def save_project(self) -> bool:
        """Write project.json now (the window also autosaves shortly after every edit)."""
        self._autosave_timer.stop()
        if self._script_timer.isActive():
            self._script_timer.stop()
            self._commit_script_text()
        try:
            self.project.save()
        except StudioError as exc:
            self.statusBar().showMessage(str(exc))
            return False
        self.saved_at = time.time()
        self._update_saved_label()
        return True

    def _update_undo_actions(self) -> None:
        if self._shut_down:
            return  # the stack is being torn down with the window
        stack = self.undo_stack
        for action, can, index, zh, en in ((self.undo_action, stack.canUndo(), stack.index() - 1, "撤销：", "Undo: "),
                                           (self.redo_action, stack.canRedo(), stack.index(), "重做：", "Redo: ")):
            action.setEnabled(can)
            command = stack.command(index) if can else None
            action.setToolTip(self.t(zh, en) + self.t(*command.names) if command is not None else self.t(zh, en)[:-1])

    def _update_saved_label(self) -> None:
        if self.saved_at is None:
            self.saved_label.setText("")
        else:
            self.saved_label.setText(self.t("已自动保存 ", "Saved ") + time.strftime("%H:%M:%S", time.localtime(self.saved_at)))

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.project.folder.name} — " + self.t("AIGC 短视频工作室", "AIGC Short-video Studio"))

    def _edit(self, zh: str, en: str, mutate, select: int | None = None) -> bool:
        """Apply one edit to the project as an undoable step; refresh and autosave."""
        before = self.project.to_dict()
        mutate(self.project)
        self.project.assign_output_names()
        after = self.project.to_dict()
        if before == after:
            return False
        row = self.selected_rows()[0] if select is None and self.selected_rows() else select
        self.undo_stack.push(SnapshotCommand(self, before, after, (zh, en), row))
        self._after_change(row)
        return True

    def _restore(self, data: dict, select: int | None) -> None:
        self.project = Project.from_dict(self.project.folder, data)
        self._apply_style_to_controls()
        self._after_change(select)

    def _after_change(self, select: int | None) -> None:
        self._sync_options()
        self._fill_table(select)
        self._autosave_timer.start()

    def load_sheet(self, path: str | Path) -> bool:
        """Import a sheet's products into the project (replacing them; undoable). False if unreadable."""
        try:
            from ..sheet import load_sheet

            sheet = load_sheet(path)  # read once here so a bad file changes nothing
        except StudioError as exc:
            QMessageBox.warning(self, self.t("无法打开表格", "Cannot open sheet"), str(exc))
            return False
        try:
            self._edit("导入表格", "Import sheet", lambda p: p.import_sheet(path), select=0)
        except StudioError as exc:
            QMessageBox.warning(self, self.t("无法导入表格", "Cannot import sheet"), str(exc))
            return False
        self.sheet = sheet
        n_err = sum(p.severity == "error" for p in sheet.problems)
        self.statusBar().showMessage(
            f"{Path(path).name}: {len(sheet.products)}" + self.t(" 个商品可渲染", " products ready")
            + (self.t(f"，{n_err} 个问题需处理（见左下）", f", {n_err} problems to fix (below)") if n_err else ""))
        return True

    # ------------------------------------------------------------------ products table
    def _fill_table(self, select: int | None = None) -> None:
        keep = select if select is not None else (self.selected_rows()[0] if self.selected_rows() else 0)
        items = self.project.items
        rows_with_products = {it.product.source_row for it in items if it.product.source_row is not None}
        bad_rows = sorted({p.row for p in self.project.sheet_problems
                           if p.row is not None and p.severity == "error"} - rows_with_products)
        old_status = {id(r.item): self.status_of(i) for i, r in enumerate(self.rows)} if self.rows else {}
        self.rows = [SheetRow(it.product.source_row, it.product, self._problems_for(it.product.source_row), [], it)
                     for it in items]
        self.rows += [SheetRow(r, None, self._problems_for(r)) for r in bad_rows]
        self._filling = True
        self.table.blockSignals(True)
        self.table.clearContents()
        self.table.setRowCount(len(self.rows))
        for i, info in enumerate(self.rows):
            row_item = QTableWidgetItem("" if info.sheet_row is None else str(info.sheet_row))
            row_item.setFlags(row_item.flags() & ~Qt.ItemIsEditable)
            self.table.setItem(i, COL_ROW, row_item)
            if info.product is not None:
                p = info.product
                values = {COL_NAME: p.name, COL_PRICE: "" if p.price is None else f"{p.price:g}",
                          COL_POINTS: " | ".join(p.selling_points), COL_LANG: p.language,
                          COL_PHOTOS: str(len(p.images))}
                for col, value in values.items():
                    cell = QTableWidgetItem(value)
                    if col not in EDITABLE:
                        cell.setFlags(cell.flags() & ~Qt.ItemIsEditable)
                    self.table.setItem(i, col, cell)
                self.table.item(i, COL_PHOTOS).setToolTip("\n".join(Path(x).name for x in p.images))
            else:
                cell = QTableWidgetItem(self.t("（这一行不能渲染，见下方问题）", "(this row cannot render: see the problems)"))
                cell.setForeground(QColor("#9e9e9e"))
                cell.setFlags(cell.flags() & ~Qt.ItemIsEditable)
                cell.setToolTip("\n".join(str(p) for p in info.problems))
                self.table.setItem(i, COL_NAME, cell)
            previous = old_status.get(id(info.item)) if info.item is not None else None
            if previous in ("queued", "rendering", "done", "failed", "cancelled"):
                self.set_status(i, previous)
            else:
                self._refresh_idle_status(i)
        self.table.blockSignals(False)
        self._filling = False
        for col in (COL_ROW, COL_PRICE, COL_PHOTOS, COL_LANG, COL_STATUS):
            self.table.resizeColumnToContents(col)
        self._show_problems()
        self._start_scan()
        if self.rows:
            self.table.selectRow(max(0, min(keep, len(self.rows) - 1)))
        self._selection_changed()

    def _problems_for(self, row: int | None) -> list[Problem]:
        return [p for p in self.project.sheet_problems if row is not None and p.row == row]

    def _show_problems(self) -> None:
        self.problems_list.clear()
        problems = self.project.sheet_problems
        for p in problems:
            tag = self.t("✖ 错误", "✖ Error") if p.severity == "error" else self.t("⚠ 提示", "⚠ Warning")
            item = QListWidgetItem(f"{tag}  {p}")
            item.setForeground(QColor("#c62828" if p.severity == "error" else "#e65100"))
            item.setToolTip((self.t("怎么改：", "What to do: ") + p.hint + "\n" if p.hint else "") + f"{p.file}")
            item.setData(Qt.UserRole, p.row)
            self.problems_list.addItem(item)
        if not problems:
            self.problems_list.addItem(QListWidgetItem(self.t("✔ 没有问题", "✔ No problems")))
        n_err = sum(p.severity == "error" for p in problems)
        self.problems_label.setText(self.t(f"表格问题：{n_err} 个错误，{len(problems) - n_err} 个提示",
                                           f"Sheet problems: {n_err} errors, {len(problems) - n_err} warnings"))

    def _cell_edited(self, cell: QTableWidgetItem) -> None:
        if self._filling:
            return
        row, col = cell.row(), cell.column()
        item = self.rows[row].item if row < len(self.rows) else None
        if item is None or col not in EDITABLE:
            return
        text = cell.text().strip()
        try:
            value = self._parse_cell(col, text)
        except StudioError as exc:
            self.statusBar().showMessage(str(exc))
            QTimer.singleShot(0, lambda: self._fill_table(row))  # put the old value back
            return
        field_name = {COL_NAME: "name", COL_PRICE: "price", COL_POINTS: "selling_points", COL_LANG: "language"}[col]
        index = self.project.items.index(item)

        def mutate(p: Project) -> None:
            setattr(p.items[index].product, field_name, value)

        QTimer.singleShot(0, lambda: self._edit("修改商品", "Edit product", mutate, select=row))

    def _parse_cell(self, col: int, text: str):
        if col == COL_NAME:
            if not text:
                raise StudioError(self.t("商品名称不能为空", "The product name cannot be empty"))
            return text
        if col == COL_PRICE:
            if not text:
                return None
            if text.strip().startswith("-"):
                raise StudioError(self.t("价格不能是负数", "The price cannot be negative"))
            value = parse_price(text)  # the same reading as a sheet's price cell
            if value is None:
                raise StudioError(self.t(f"价格“{text}”不是一个价格，例如 59.9", f"price '{text}' is not one price, e.g. 59.9"))
            return value
        if col == COL_POINTS:
            return split_selling_points(text)
        if col == COL_LANG:
            if text not in ("zh", "en"):
                raise StudioError(self.t(f"语言“{text}”只能是 zh 或 en", f"language '{text}' must be zh or en"))
            return text
        raise StudioError(f"column {col} is not editable")

    def add_product(self) -> None:
        name = self.t("新商品", "New product")
        lang = "zh" if self.i18n.language == "zh" else "en"
        self._edit("添加商品", "Add product", lambda p: p.items.append(ProjectItem(Product(name, language=lang))),
                   select=len(self.project.items))

    def remove_selected(self) -> None:
        rows = self.selected_rows()
        items = [self.rows[r].item for r in rows if r < len(self.rows) and self.rows[r].item is not None]
        bad = {self.rows[r].sheet_row for r in rows if r < len(self.rows) and self.rows[r].item is None}
        if not items and not bad:
            return
        indices = [self.project.items.index(it) for it in items]

        def mutate(p: Project) -> None:
            p.items = [it for i, it in enumerate(p.items) if i not in indices]
            p.sheet_problems = [x for x in p.sheet_problems if x.row not in bad]

        self._edit("删除商品", "Remove product", mutate, select=max(0, min(rows) - 1) if rows else 0)

    def move_selected(self, step: int) -> None:
        rows = self.selected_rows()
        if len(rows) != 1 or self.rows[rows[0]].item is None:
            return
        i = self.project.items.index(self.rows[rows[0]].item)
        j = i + step
        if not 0 <= j < len(self.project.items):
            return

        def mutate(p: Project) -> None:
            p.items[i], p.items[j] = p.items[j], p.items[i]

        self._edit("调整顺序", "Reorder", mutate, select=j)

    def add_media(self, row: int, paths: list) -> int:
        """Add photos/clips to the product on `row` (copied into the project); returns how many."""
        item = self.rows[row].item if 0 <= row < len(self.rows) else None
        if item is None:
            return 0
        copies, errors = [], []
        for path in paths:
            if Path(path).suffix.lower() not in MEDIA_EXTS:
                errors.append(self.t(f"{Path(path).name}：不是图片或视频", f"{Path(path).name}: not a photo or clip"))
                continue
            try:
                copies.append(self.project.import_media(path))
            except StudioError as exc:
                errors.append(str(exc))
        if errors:
            self.statusBar().showMessage("; ".join(errors))
        if copies:
            index = self.project.items.index(item)
            self._edit("添加图片", "Add photos",
                       lambda p: p.items[index].product.images.extend(copies), select=row)
        return len(copies)

    def _choose_photos(self) -> None:
        rows = self.selected_rows()
        if not rows:
            return
        paths, _ = QFileDialog.getOpenFileNames(self, self.t("添加图片或视频", "Add photos or clips"), str(Path.home()),
                                                "Media (" + " ".join(f"*{e}" for e in sorted(MEDIA_EXTS)) + ")")
        if paths:
            self.add_media(rows[0], paths)

    # compatibility helpers used by tests and scripts
    def product_at(self, row: int) -> Product | None:
        return self.rows[row].product if 0 <= row < len(self.rows) else None

    def row_of_product(self, name: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r.product and r.product.name == name), -1)

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectedIndexes()})

    def set_status(self, row: int, status: str) -> None:
        names, colour, tip = STATUS[status]
        item = QTableWidgetItem(self.t(*names))
        item.setForeground(QColor(colour))
        item.setToolTip(self.t(*tip))
        item.setData(Qt.UserRole, status)
        item.setFlags(item.flags() & ~Qt.ItemIsEditable)
        was = self.table.signalsBlocked()
        self.table.blockSignals(True)
        self.table.setItem(row, COL_STATUS, item)
        self.table.blockSignals(was)

    def status_of(self, row: int) -> str:
        item = self.table.item(row, COL_STATUS)
        return item.data(Qt.UserRole) if item else ""

    def _refresh_idle_status(self, row: int) -> None:
        if row >= len(self.rows) or self.status_of(row) in ("queued", "rendering"):
            return
        info = self.rows[row]
        blocked = any(f.severity == "block" for f in info.findings) and not self.options.allow_flagged
        if info.product is None or blocked or any(p.severity == "error" for p in info.problems):
            status = "attention"
        elif not info.product.images or info.findings or any(p.severity == "warning" for p in info.problems):
            status = "attention"
        else:
            status = "ready"
        if self.status_of(row) in ("done", "failed", "cancelled") and status == "ready":
            return
        self.set_status(row, status)

    def _problem_clicked(self, item: QListWidgetItem) -> None:
        row = item.data(Qt.UserRole)
        for i, info in enumerate(self.rows):
            if row is not None and info.sheet_row == row:
                self.table.selectRow(i)
                return

    # ------------------------------------------------------------------ style and template
    def _sync_options(self) -> None:
        """Render options follow the project's style choices."""
        st = self.project.style
        self.options.template = st.template
        self.options.style = st.template_overrides()
        self.options.platform = st.platform
        self.options.quality = st.quality
        self.options.target_seconds = st.target_seconds

    def _apply_style_to_controls(self) -> None:
        st = self.project.style
        self._sync_options()
        widgets = (self.pitch_spin, self.target_combo, self.caption_kind, self.caption_size, self.music_combo, self.voice_combo, self.speed_spin, self.platform_combo,
                   self.quality_combo, self.template_combo, self.inset_combo, self.backgrounds_combo)
        for w in widgets:
            w.blockSignals(True)
        self.caption_size.setValue(st.caption_size or 0)
        self.caption_kind.setCurrentIndex(max(0, self.caption_kind.findData(st.caption_style)))
        self.target_combo.setCurrentIndex(max(0, self.target_combo.findData(st.target_seconds)))
        self.music_combo.setCurrentIndex(max(0, self.music_combo.findData(st.music)))
        if st.music and self.music_combo.findData(st.music) < 0:
            self.music_combo.addItem(Path(st.music).name, st.music)
            self.music_combo.setCurrentIndex(self.music_combo.count() - 1)
        self.voice_combo.setCurrentIndex(max(0, self.voice_combo.findData(st.voice)))
        self.speed_spin.setValue(st.speed or 0.0)
        self.pitch_spin.setValue(st.pitch or 0.0)
        self.platform_combo.setCurrentIndex(max(0, self.platform_combo.findData(st.platform)))
        self.quality_combo.setCurrentIndex(max(0, self.quality_combo.findData(st.quality)))
        self.inset_combo.setCurrentIndex({None: 0, True: 1, False: 2}[st.product_inset])
        self.backgrounds_combo.setCurrentIndex(max(0, self.backgrounds_combo.findData(st.ai_backgrounds)))
        self.template_combo.setCurrentIndex(max(0, self.template_combo.findData(st.template)))
        for w in widgets:
            w.blockSignals(False)
        self._show_color_buttons()
        self._watch_template()

    def _show_color_buttons(self) -> None:
        st = self.project.style
        for button, value in ((self.text_color_button, st.text_color), (self.highlight_button, st.highlight_color)):
            button.setText(value or self.t("模板默认", "Template's"))
            button.setStyleSheet(f"background:{value}" if value else "")

    def _style_changed(self, **changes) -> None:
        def mutate(p: Project) -> None:
            p.style = dataclasses.replace(p.style, **changes)

        self._edit("修改样式", "Change style", mutate)

    def set_style(self, **changes) -> None:
        """Change style choices (as the style controls do): caption_size, text_color, music, voice, …"""
        self._style_changed(**changes)
        self._apply_style_to_controls()

    def _pick_color(self, key: str) -> None:
        current = getattr(self.project.style, key) or "#FFFFFF"
        colour = QColorDialog.getColor(QColor(current), self, self.t("选择颜色", "Pick a colour"))
        if colour.isValid():
            self.set_style(**{key: colour.name().upper()})

    def _fill_template_combo(self) -> None:
        self.template_combo.blockSignals(True)
        self.template_combo.clear()
        self.template_combo.addItem(self.t("自动（按商品语言）", "Auto (by product language)"), None)
        try:
            templates = list_templates()
        except StudioError as exc:
            templates = []
            self.statusBar().showMessage(self.t("模板读取失败：", "Templates could not be read: ") + str(exc))
        for t in templates:
            self.template_combo.addItem(f"{t.title} [{t.language}]", t.name)
            self.template_combo.setItemData(self.template_combo.count() - 1, f"{t.name}: {t.description}",
                                            Qt.ToolTipRole)
        self.template_combo.setCurrentIndex(max(0, self.template_combo.findData(self.project.style.template)))
        self.template_combo.blockSignals(False)

    def set_template(self, name: str | None) -> None:
        """Pick a template by name (None = auto)."""
        if self.template_combo.findData(name) < 0:
            raise StudioError(f"no template named '{name}'")
        self._style_changed(template=name)
        self._apply_style_to_controls()

    def _template_combo_changed(self) -> None:
        self._style_changed(template=self.template_combo.currentData())
        self._watch_template()

    def open_gallery(self) -> TemplateGallery:
        gallery = TemplateGallery(self.i18n, self.project.style.template, self)

        def use_chosen() -> None:
            self._fill_template_combo()  # the gallery may have imported templates
            if gallery.chosen:
                self.set_template(gallery.chosen)

        gallery.accepted.connect(use_chosen)
        gallery.open()
        return gallery

    def _template_for_selection(self):
        from ..script import default_template_for, load_template

        rows = self.selected_rows()
        product = self.product_at(rows[0]) if rows else None
        name = self.project.style.template or default_template_for(product.language if product else "zh")
        try:
            return load_template(name)
        except StudioError:
            return None

    def _watch_template(self) -> None:
        """Watch the selected product's template folder: edits made in another editor show at once."""
        template = self._template_for_selection()
        old = self.watcher.files() + self.watcher.directories()
        if old:
            self.watcher.removePaths(old)
        if template is not None:
            paths = [str(template.folder)] + [str(p) for p in template.folder.iterdir() if p.is_file()]
            self.watcher.addPaths(paths)

    def _template_files_changed(self, _path: str) -> None:
        self._watch_template()  # editors often replace the file, which drops it from the watch list
        for info in self.rows:
            info.findings = []
        self._start_scan()
        self._selection_changed()

    def _override_toggled(self, on: bool) -> None:
        self.options.allow_flagged = on
        for row in range(len(self.rows)):
            self._refresh_idle_status(row)

    # ------------------------------------------------------------------ script and findings
    def _script_for(self, info: SheetRow):
        """The product's script and its compliance findings (cached until the product, its edited
        script, the template or the style change, so a big project re-checks only what changed)."""
        scenes = info.item.script if info.item else None
        key = json.dumps([info.product.to_dict(), [dataclasses.asdict(s) for s in scenes or []], self.options.template,
                          self.options.style, self._template_stamp_for(info.product)], default=str, sort_keys=True)
        hit = self._scripts_cache.get(key)
        if hit is None:
            the_plan = plan(info.product, self.options, script=scenes, check_media=False)
            hit = (the_plan.script, the_plan.template, list(the_plan.findings))
            self._scripts_cache[key] = hit
            if len(self._scripts_cache) > 2000:
                self._scripts_cache.pop(next(iter(self._scripts_cache)))
        info.findings = hit[2]
        return hit[0], hit[1]

    def _template_stamp_for(self, product: Product) -> str:
        from ..script import default_template_for
        from ..script.templates import _folder_stamp, template_dirs

        name = self.options.template or default_template_for(product.language)
        for base in template_dirs():
            if (base / name / "template.yaml").exists():
                return str(_folder_stamp(base / name))
        return name

    def _start_scan(self) -> None:
        """Check every product's script for compliance one per UI tick, so 'needs attention' shows on
        every row without freezing the window on a big sheet."""
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
            except Exception:  # noqa: BLE001 - shown when the row is selected
                pass
            self._refresh_idle_status(row)

    def _selection_changed(self) -> None:
        rows = self.selected_rows()
        info = self.rows[rows[0]] if rows and rows[0] < len(self.rows) else None
        self.findings = []
        self.script_error.setText("")
        if info is None or info.product is None:
            self.thumbnail.clear()
            self._set_script_text("")
            self.script_view.setReadOnly(True)
            if info is None:
                self.script_title.setText(self.t("脚本", "Script"))
            else:
                self.script_title.setText(self.t(f"第 {info.sheet_row} 行", f"Row {info.sheet_row}"))
                parts = [self.t("这一行不能渲染：", "This row cannot be rendered:")]
                for p in info.problems:
                    parts.append(p.message + (f" ({self.t('列', 'column')} '{p.column}')" if p.column else "")
                                 + (f"\n  {self.t('怎么改', 'What to do')}: {p.hint}" if p.hint else ""))
                self._set_script_text("\n".join(parts))
            self._show_findings()
            self._show_preview_message(self.t("选择一个商品来预览", "Select a product to preview it"))
            return
        self.script_view.setReadOnly(False)
        product = info.product
        self._show_thumbnail(product)
        self.script_title.setText(self.t("脚本 · ", "Script · ") + product.name)
        try:
            script, _ = self._script_for(info)
        except Exception as exc:  # noqa: BLE001 - a broken template must not take the window down
            self._set_script_text("")
            self.script_error.setText(self.t("模板错误：", "Template error: ") + str(exc))
            self._show_findings()
            self._show_preview_message(str(exc))
            return
        self.current_script = script
        self.findings = info.findings
        self._set_script_text(scenes_to_text(script.scenes))
        self._show_findings()
        self._refresh_idle_status(rows[0])
        self._watch_template()
        pix = self.preview_label.pixmap()
        if pix is None or pix.isNull():
            self._show_preview_message(self.t("正在生成预览…", "Building the preview…"))
        self.request_preview()

    def _set_script_text(self, text: str) -> None:
        if self.script_view.toPlainText() == text:
            return
        self._setting_script = True
        self.script_view.setPlainText(text)
        self._setting_script = False

    def _script_text_changed(self) -> None:
        if not self._setting_script and not self.script_view.isReadOnly():
            self._script_timer.start()

    def set_script_text(self, text: str) -> None:
        """Type a script as the merchant would (committed after the same short pause)."""
        self.script_view.setPlainText(text)
        self._script_timer.stop()
        self._commit_script_text()

    def _commit_script_text(self) -> None:
        rows = self.selected_rows()
        info = self.rows[rows[0]] if rows and rows[0] < len(self.rows) else None
        if info is None or info.item is None:
            return
        try:
            scenes = text_to_scenes(self.script_view.toPlainText())
        except StudioError as exc:
            self.script_error.setText(self.t("脚本格式有误：", "The script has a problem: ") + str(exc))
            return
        self.script_error.setText("")
        index = self.project.items.index(info.item)
        try:
            same = plan(info.product, self.options, check_media=False).script.scenes == scenes
        except StudioError:
            same = False

        def mutate(p: Project) -> None:
            p.items[index].script = None if same else scenes

        self._edit("修改脚本", "Edit script", mutate, select=rows[0])

    def reset_script(self) -> None:
        rows = self.selected_rows()
        info = self.rows[rows[0]] if rows else None
        if info is None or info.item is None or info.item.script is None:
            return
        index = self.project.items.index(info.item)
        self._edit("恢复模板原文", "Back to template words", lambda p: setattr(p.items[index], "script", None),
                   select=rows[0])

    def _show_findings(self) -> None:
        self.findings_list.clear()
        n_block = sum(f.severity == "block" for f in self.findings)
        self.findings_label.setText(self.t(f"合规检查：{len(self.findings)} 处（{n_block} 处会拦截渲染）",
                                           f"Compliance: {len(self.findings)} findings ({n_block} block the render)"))
        for f in self.findings:
            kind = self.t("拦截", "blocks") if f.severity == "block" else self.t("提醒", "warning")
            where = self.t("画面文字", "On-screen text") + " · " if f.overlay >= 0 else ""
            item = QListWidgetItem(f"{where}“{f.text}” · {kind} — {f.reason}\n"
                                   f"{self.t('建议改为', 'Suggested')}: {f.suggestion}")
            item.setForeground(QColor("#c62828" if f.severity == "block" else "#e65100"))
            item.setToolTip(f.rule)
            self.findings_list.addItem(item)
        self.fix_button.setEnabled(bool(self.findings))
        self._underline_findings()

    def _underline_findings(self) -> None:
        """Wavy red underline under each finding's exact span in the editor."""
        text = self.script_view.toPlainText()
        blocks = spoken_line_blocks(text)
        selections = []
        doc = self.script_view.document()
        headers = [n for n, raw in enumerate(text.splitlines()) if raw.strip().startswith("[")]
        for f in self.findings:
            if 0 <= f.overlay < len(headers):
                block = doc.findBlockByNumber(headers[f.overlay])
            elif 0 <= f.line < len(blocks):
                block = doc.findBlockByNumber(blocks[f.line])
            else:
                continue
            line = block.text()
            start = line.find(f.text) if f.text and f.text in line else f.start
            end = start + len(f.text) if f.text in line else f.end
            if not 0 <= start < end <= len(line):
                continue
            sel = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.WaveUnderline)
            fmt.setUnderlineColor(QColor("#c62828" if f.severity == "block" else "#e65100"))
            fmt.setToolTip(f"{f.reason} → {f.suggestion}")
            sel.format = fmt
            cursor = QTextCursor(block)
            cursor.setPosition(block.position() + start)
            cursor.setPosition(block.position() + end, QTextCursor.KeepAnchor)
            sel.cursor = cursor
            selections.append(sel)
        self.script_view.setExtraSelections(selections)
        self.underlined = len(selections)

    def apply_finding(self, index: int) -> bool:
        """Replace the line of finding `index` with its suggested rewrite (one undoable edit)."""
        rows = self.selected_rows()
        if not rows or not 0 <= index < len(self.findings) or self.current_script is None:
            return False
        info, f = self.rows[rows[0]], self.findings[index]
        scenes = [dataclasses.replace(s, lines=list(s.lines)) for s in self.current_script.scenes]
        if info.item is None:
            return False
        if 0 <= f.overlay < len(scenes):  # the on-screen headline of a scene
            scenes[f.overlay].overlay = f.suggestion
        elif not 0 <= f.line < len(self.current_script.lines):
            return False
        n = 0
        for scene in scenes:
            for k in range(len(scene.lines)):
                if n == f.line:
                    scene.lines[k] = f.suggestion
                n += 1
        item_index = self.project.items.index(info.item)
        return self._edit("采用建议改写", "Apply suggested rewrite",
                          lambda p: setattr(p.items[item_index], "script", scenes), select=rows[0])

    def _show_thumbnail(self, product: Product) -> None:
        self.thumbnail.clear()
        for image in product.images[:1]:
            pix = QPixmap(str(image))
            if not pix.isNull():
                self.thumbnail.setPixmap(pix.scaled(200, 115, Qt.KeepAspectRatio, Qt.SmoothTransformation))
            else:
                self.thumbnail.setText(self.t("无法显示图片 ", "Cannot show ") + Path(image).name)

    # ------------------------------------------------------------------ preview
    def request_preview(self, rebuild: bool = True) -> None:
        """Ask for the selected product's frame at the scrub position (drawn off the UI thread)."""
        rows = self.selected_rows()
        info = self.rows[rows[0]] if rows and rows[0] < len(self.rows) else None
        if info is None or info.product is None:
            return
        if not info.product.images:
            self._show_preview_message(self.t("添加一张商品图片后即可预览（拖到表格这一行上）",
                                              "Add a product photo to preview (drop it on the row)"))
            return
        options = dataclasses.replace(self.options)
        scenes = info.item.script if info.item else None
        key = json.dumps([info.product.to_dict(), options.to_dict(), [dataclasses.asdict(s) for s in scenes or []],
                          self._template_stamp()], ensure_ascii=False, default=str, sort_keys=True)
        t = self.scrub.value() / 1000
        self.previews.request(PreviewRequest(key, info.product, options, scenes, t, self.safe_box.isChecked()))

    def _template_stamp(self) -> str:
        from ..script.templates import _folder_stamp

        template = self._template_for_selection()
        return str(_folder_stamp(template.folder)) if template is not None else ""

    @Slot(object)
    def _on_preview(self, result: PreviewResult) -> None:
        self.preview_result = result
        if result.error:
            self._show_preview_message(result.error)
            return
        self.preview_latency_ms = result.latency_ms
        pix = QPixmap.fromImage(result.image).scaled(self.preview_label.size(), Qt.KeepAspectRatio,
                                                     Qt.SmoothTransformation)
        self.preview_label.setPixmap(pix)
        duration_ms = int(result.duration * 1000)
        if self.scrub.maximum() != duration_ms:
            self.scrub.blockSignals(True)
            self.scrub.setRange(0, duration_ms)
            self.scrub.blockSignals(False)
        self.time_label.setText(f"{result.time_s:.1f} / {result.duration:.1f} s")
        self.preview_info.setText(self.t(f"预计时长 {result.duration:.1f} 秒 · 预览用时 {result.latency_ms:.0f} 毫秒",
                                         f"Estimated {result.duration:.1f} s · preview took {result.latency_ms:.0f} ms"))
        if result.rebuilt and result.findings is not None:
            rows = self.selected_rows()
            if rows and rows[0] < len(self.rows) and self.rows[rows[0]].product is not None:
                self.rows[rows[0]].findings = result.findings
                if [f.to_dict() for f in result.findings] != [f.to_dict() for f in self.findings]:
                    self.findings = result.findings
                    self._show_findings()
                self._refresh_idle_status(rows[0])

    def play_proxy(self) -> bool:
        """Render the selected product as a small draft (real voice and captions) and play it."""
        rows = self.selected_rows()
        info = self.rows[rows[0]] if rows and rows[0] < len(self.rows) else None
        if info is None or info.product is None or not info.product.images:
            return False
        self.proxy_video = None
        self.play_button.setEnabled(False)
        self.proxy.start(dataclasses.replace(info.product), self._job_options(), info.item.script if info.item else None,
                         self.project.folder / ".preview")
        return True

    @Slot(float, str)
    def _on_proxy_progress(self, fraction: float, stage: str) -> None:
        self.preview_info.setText(self.t("样片：", "Draft: ") + self.t(*STAGE_NAMES.get(stage, (stage, stage)))
                                  + f" {fraction * 100:.0f}%")

    @Slot(object, str)
    def _on_proxy(self, video, error: str) -> None:
        self.play_button.setEnabled(True)
        if video is None:
            if error != "cancelled":
                self.preview_info.setText(self.t("样片失败：", "Draft failed: ") + error.splitlines()[0])
            return
        self.proxy_video = Path(video)
        self.preview_info.setText(self.t("样片已生成：", "Draft ready: ") + self.proxy_video.name)
        self.open_file(self.proxy_video)

    def _show_preview_message(self, text: str) -> None:
        self.preview_label.clear()
        self.preview_label.setText(text)

    # ------------------------------------------------------------------ rendering
    def render_selected(self) -> list[int]:
        """Queue the selected products (every variant); returns the new job ids."""
        return self._enqueue(self.selected_rows())

    def render_all(self) -> list[int]:
        """Queue every product that can be rendered; returns the new job ids."""
        return self._enqueue(list(range(len(self.rows))))

    def _job_options(self) -> RenderOptions:
        return dataclasses.replace(self.options, style=dict(self.options.style))

    def _enqueue(self, rows: list[int], variants: int | None = None) -> list[int]:
        if self._shut_down:
            return []
        if not rows:
            self.statusBar().showMessage(self.t("先选择商品", "Select a product first"))
            return []
        self.save_project()
        new: list[int] = []
        for row in rows:
            info = self.rows[row] if row < len(self.rows) else None
            if info is None or info.product is None or self.status_of(row) in ("queued", "rendering"):
                continue
            for variant in range(variants or self.variants_spin.value()):
                new.append(self._queue_job(Job(dataclasses.replace(info.product), self._job_options(), variant,
                                               notes=list(info.problems), script=info.item.script if info.item else None),
                                           row))
        if new:
            self.cancel_button.setEnabled(True)
            self.statusBar().showMessage(self.t(f"已加入队列 {len(new)} 个", f"Queued {len(new)}"))
            emit(self._kick)
        return new

    def _queue_job(self, job: Job, row: int) -> int:
        self.halt_message = ""
        self.jobs[job.id] = job
        self.job_product_row[job.id] = row
        self.job_status[job.id] = "queued"
        qrow = self.queue.rowCount()
        self.queue.insertRow(qrow)
        self.job_rows[job.id] = qrow
        label = job.product.name + (f" · v{job.variant + 1}" if job.variant else "")
        name = QTableWidgetItem(label)
        name.setToolTip(f"{job.product.name} → {job.options.out_dir}")
        self.queue.setItem(qrow, Q_JOB, name)
        bar = QProgressBar()
        bar.setRange(0, 1000)
        bar.setFormat("%p%")
        self.queue.setCellWidget(qrow, Q_PROGRESS, bar)
        self._show_job_state(job.id, "queued")
        self.set_status(row, "queued")
        self.worker.enqueue(job)
        return job.id

    def cancel_all(self) -> None:
        """Cancel every queued and running job; the running one stops within about a frame."""
        self.worker.cancel(None)
        for job_id, status in self.job_status.items():
            if status in ("queued", "rendering"):
                self.queue.setItem(self.job_rows[job_id], Q_STAGE, QTableWidgetItem(self.t("正在取消…", "Cancelling…")))
        self.statusBar().showMessage(self.t("正在取消…", "Cancelling…"))

    def cancel_job(self, job_id: int) -> None:
        """Cancel one queued or running job."""
        if self.job_status.get(job_id) in ("queued", "rendering"):
            self.worker.cancel(job_id)
            self.queue.setItem(self.job_rows[job_id], Q_STAGE, QTableWidgetItem(self.t("正在取消…", "Cancelling…")))

    def retry_job(self, job_id: int) -> int | None:
        """Queue a failed or cancelled job again (with the product as it is now); returns the new job id."""
        old = self.jobs.get(job_id)
        if old is None or self.job_status.get(job_id) not in ("failed", "cancelled", "done"):
            return None
        row = self.job_product_row[job_id]
        info = self.rows[row] if row < len(self.rows) else None
        product = info.product if info is not None and info.product is not None else old.product
        script = info.item.script if info is not None and info.item is not None else old.script
        options = self._job_options()
        if self.job_status.get(job_id) == "done":  # "Render again" means a new render, even when nothing changed
            options.skip_unchanged = False
        new = self._queue_job(Job(dataclasses.replace(product), options, old.variant, old.notes,
                                  script=script), row)
        self.cancel_button.setEnabled(True)
        emit(self._kick)
        return new

    def progress_bar(self, job_id: int) -> QProgressBar:
        return self.queue.cellWidget(self.job_rows[job_id], Q_PROGRESS)

    def job_state(self, job_id: int) -> str:
        return self.job_status.get(job_id, "")

    def _show_job_state(self, job_id: int, state: str) -> None:
        """Stage text and the action buttons that fit the job's state."""
        qrow = self.job_rows[job_id]
        texts = {"queued": ("排队中", "Queued"), "done": ("完成", "Done"), "failed": ("失败", "Failed"),
                 "cancelled": ("已取消", "Cancelled")}
        if state in texts:
            self.queue.setItem(qrow, Q_STAGE, QTableWidgetItem(self.t(*texts[state])))
        elif state == "rendering":
            stage = self.job_stage.get(job_id, "")
            self.queue.setItem(qrow, Q_STAGE, QTableWidgetItem(self.t(*STAGE_NAMES.get(stage, ("开始", "Starting")))))
        actions = QWidget()
        al = QHBoxLayout(actions)
        al.setContentsMargins(2, 0, 2, 0)

        def add(zh: str, en: str, slot) -> QPushButton:
            b = QPushButton(self.t(zh, en))
            b.clicked.connect(slot)
            al.addWidget(b)
            return b

        if state in ("queued", "rendering"):
            add("取消", "Cancel", lambda _=False, j=job_id: self.cancel_job(j))
        result = self.results.get(job_id)
        if state == "done" and result is not None and result.video is not None:
            add("打开视频", "Open video", lambda _=False, p=result.video: self.open_file(p))
            add("打开文件夹", "Open folder", lambda _=False, p=result.video: self.open_folder(Path(p).parent))
            if result.manifest is not None:
                add("清单", "Manifest", lambda _=False, p=result.manifest: self.open_file(p))
        if state in ("failed", "cancelled", "done"):
            add("重试", "Retry" if state != "done" else "Render again", lambda _=False, j=job_id: self.retry_job(j))
        self.queue.setCellWidget(qrow, Q_ACTIONS, actions)
        if state == "cancelled":
            self.queue.setItem(qrow, Q_RESULT, QTableWidgetItem(self.t("没有留下视频文件", "No video file left behind")))
        if state == "done" and result is not None and result.video is not None:
            done = QTableWidgetItem(result.video.name)
            done.setToolTip(str(result.video))
            self.queue.setItem(qrow, Q_RESULT, done)
            self.queue.setItem(qrow, Q_ETA, QTableWidgetItem(""))

    def action_buttons(self, job_id: int) -> dict[str, QPushButton]:
        """The job's action buttons by their English name (for tests and scripts)."""
        widget = self.queue.cellWidget(self.job_rows[job_id], Q_ACTIONS)
        buttons = widget.findChildren(QPushButton) if widget else []
        lookup = {}
        for b in buttons:
            for names in (("取消", "Cancel"), ("打开视频", "Open video"), ("打开文件夹", "Open folder"),
                          ("清单", "Manifest"), ("重试", "Retry"), ("重试", "Render again")):
                if b.text() in names:
                    lookup[names[1]] = b
        return lookup

    @Slot(int)
    def _on_started(self, job_id: int) -> None:
        self.job_status[job_id] = "rendering"
        self.job_started[job_id] = time.monotonic()
        self._show_job_state(job_id, "rendering")
        self.set_status(self.job_product_row[job_id], "rendering")

    @Slot(int, float, str, str)
    def _on_progress(self, job_id: int, fraction: float, stage: str, message: str) -> None:
        if self.job_status.get(job_id) not in ("queued", "rendering"):
            return  # a late report after the outcome arrived
        if self.jobs[job_id].cancel.cancelled:
            return  # keep "cancelling…" on show
        self.job_status[job_id] = "rendering"
        self.job_started.setdefault(job_id, time.monotonic())
        qrow = self.job_rows[job_id]
        self.progress_bar(job_id).setValue(int(fraction * 1000))
        if self.job_stage.get(job_id) != stage:
            self.job_stage[job_id] = stage
            item = QTableWidgetItem(self.t(*STAGE_NAMES.get(stage, (stage, stage))))
            item.setToolTip(message)
            self.queue.setItem(qrow, Q_STAGE, item)
        elapsed = time.monotonic() - self.job_started[job_id]
        if fraction > 0.03 and elapsed > 1:
            remaining = elapsed * (1 - fraction) / fraction
            self.queue.setItem(qrow, Q_ETA, QTableWidgetItem(_duration_text(remaining)))
        if self.status_of(self.job_product_row[job_id]) != "rendering":
            self.set_status(self.job_product_row[job_id], "rendering")

    @Slot(int, object)
    def _on_finished(self, job_id: int, result: RenderResult) -> None:
        self.results[job_id] = result
        prow = self.job_product_row[job_id]
        if result.ok and result.video is not None:
            self.job_status[job_id] = "done"
            self.progress_bar(job_id).setValue(1000)
            self._show_job_state(job_id, "done")
            self.set_status(prow, "done")
            if result.reused:
                self.statusBar().showMessage(self.t("未改动，保留之前的视频：", "Unchanged, kept the earlier video: ")
                                             + str(result.video))
            else:
                note = (self.t("　注意：", "  Note: ") + result.warnings[0]) if result.warnings else ""
                self.statusBar().showMessage(self.t("已完成：", "Done: ") + str(result.video) + note)
            item = self.queue.item(self.job_rows[job_id], Q_RESULT)
            if item is not None and result.warnings:
                item.setToolTip("\n".join(result.warnings))
        else:
            self._show_failure(job_id, result.error or "unknown error")

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        self._show_failure(job_id, message)

    def _show_failure(self, job_id: int, message: str) -> None:
        qrow, prow = self.job_rows[job_id], self.job_product_row[job_id]
        self.job_status[job_id] = "failed"
        first = message.strip().splitlines()[0] if message.strip() else message
        item = QTableWidgetItem(first)
        item.setForeground(QColor("#c62828"))
        item.setToolTip(message)
        self.queue.setItem(qrow, Q_RESULT, item)
        self.queue.setItem(qrow, Q_ETA, QTableWidgetItem(""))
        self._show_job_state(job_id, "failed")
        self.set_status(prow, "failed")
        self.statusBar().showMessage(self.t("渲染失败：", "Render failed: ") + first)

    @Slot(int)
    def _on_cancelled(self, job_id: int) -> None:
        self.results.pop(job_id, None)
        self.job_status[job_id] = "cancelled"
        self.queue.setItem(self.job_rows[job_id], Q_ETA, QTableWidgetItem(""))
        self._show_job_state(job_id, "cancelled")
        self.set_status(self.job_product_row[job_id], "cancelled")

    @Slot(int)
    def _on_halted(self, not_started: int) -> None:
        message = self.t(f"磁盘已满：队列停止，{not_started} 个视频未开始。请腾出空间（或换一个输出文件夹）后点「全部渲染」，"
                         "已完成的视频会保留。",
                         f"The disk is full: the queue stopped and {not_started} video(s) were not started. Free some "
                         "space (or choose another output folder), then press Render all: finished videos are kept.")
        self.halt_message = message
        self.statusBar().showMessage(message)
        box = QMessageBox(QMessageBox.Icon.Warning, self.t("磁盘已满", "Disk full"), message, parent=self)
        box.setModal(False)
        box.open()  # not exec(): the window (and an offscreen test) keeps running

    @Slot()
    def _on_idle(self) -> None:
        busy = self.worker.busy
        self.cancel_button.setEnabled(busy)
        if busy:  # something was queued while the loop was finishing
            emit(self._kick)
        else:
            self.statusBar().showMessage(self.halt_message or self.t("队列已空", "Queue idle"))

    # ------------------------------------------------------------------ files and folders
    def set_output_dir(self, path: str | Path) -> None:
        self.options.out_dir = Path(path)
        self._out_dir_fixed = True
        self._show_output_dir()

    def _show_output_dir(self) -> None:
        self.out_label.setText(self.t("输出：", "Output: ") + str(self.options.out_dir))

    def _choose_output(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.t("输出文件夹", "Output folder"), str(self.options.out_dir))
        if path:
            self.set_output_dir(path)

    def _choose_sheet(self) -> None:
        settings = QSettings("aigc-studio", "studio")
        start = str(Path(str(settings.value("last_sheet", EXAMPLE_SHEET))).parent)
        path, _ = QFileDialog.getOpenFileName(self, self.t("导入商品表格", "Import product sheet"), start,
                                              self.t(*SHEET_FILTER))
        if path and self.load_sheet(path):
            settings.setValue("last_sheet", path)

    def _choose_project(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.t("打开项目文件夹", "Open project folder"),
                                                str(self.project.folder.parent))
        if path:
            try:
                self.open_project(Project.load(path))
            except StudioError as exc:
                QMessageBox.warning(self, self.t("无法打开项目", "Cannot open project"), str(exc))

    def _choose_new_project(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.t("选择一个空文件夹作为新项目", "Pick an empty folder for the project"),
                                                str(self.project.folder.parent))
        if path:
            try:
                project = Project.create(path)
                project.style.platform = self.settings.platform or "douyin"
                project.save()
                self.open_project(project)
            except StudioError as exc:
                QMessageBox.warning(self, self.t("无法新建项目", "Cannot create project"), str(exc))

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.i18n, self.settings, self)
        dialog.accepted.connect(lambda: self._settings_saved(dialog.settings))
        dialog.open()
        return dialog

    def _settings_saved(self, settings: Settings) -> None:
        self.settings = settings
        fresh, _ = _initial_options()
        for key in ("whisper_model", "encoder", "compose", "diffusers_model", "aigc_producer", "default_voices"):
            setattr(self.options, key, getattr(fresh, key))
        if settings.output_dir:
            self.set_output_dir(settings.output_dir)
        if settings.interface_language and settings.interface_language != self.i18n.language:
            self.set_language(settings.interface_language, save=False)

    def open_folder(self, folder: str | Path) -> bool:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            return True
        QMessageBox.information(self, self.t("打开文件夹", "Open folder"),
                                self.t("无法自动打开，请在文件管理器中打开：\n", "Could not open it; open it yourself:\n")
                                + str(folder))
        return False

    def open_file(self, path: str | Path) -> bool:
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            return True
        QMessageBox.information(self, self.t("打开文件", "Open file"), str(path))
        return False

    @property
    def busy(self) -> bool:
        return self.worker.busy

    # ------------------------------------------------------------------ closing
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if not self._shut_down and self.worker.busy:
            answer = QMessageBox.question(
                self, self.t("正在渲染", "Rendering"),
                self.t("还有视频在渲染。退出将取消它们（不会留下半成品文件）。",
                       "Videos are rendering. Quit and cancel them? (no half-written file is left)"),
                QMessageBox.Yes | QMessageBox.No, QMessageBox.No,
            )
            if answer != QMessageBox.Yes:
                event.ignore()
                return
        self.shutdown()
        event.accept()

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Save, cancel everything and stop the worker and preview threads."""
        if self._shut_down:
            return
        self.save_project()
        self._shut_down = True
        self._scan_timer.stop()
        self.previews.stop()
        self.proxy.cancel()
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


def _duration_text(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _scratch_project() -> Project:
    """An empty project in a temporary folder (a window opened without one)."""
    import tempfile

    return Project(folder=Path(tempfile.mkdtemp(prefix="studio-project-")))


def _initial_options() -> tuple[RenderOptions, str]:
    """Options from the merchant's settings."""
    try:
        return RenderOptions.from_settings(), ""
    except StudioError as exc:
        return RenderOptions(), f"settings: {exc}"


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


def start_project() -> Project:
    """The project to open at start: the last one, else the example project (created on first run
    from the bundled example sheet, in ~/AIGC-Studio/example or $STUDIO_PROJECTS/example)."""
    last = QSettings("aigc-studio", "studio").value("last_project", "")
    if last:
        try:
            return Project.load(str(last))
        except StudioError:
            pass
    folder = default_project_folder()
    try:
        return Project.load(folder)
    except StudioError:
        pass
    project = Project.create(folder, EXAMPLE_SHEET if EXAMPLE_SHEET.is_file() else None)
    try:
        project.style.platform = Settings.load().platform or "douyin"
        project.save()
    except StudioError:
        pass
    return project


def run(argv: list[str] | None = None, project: str | Path | None = None) -> int:
    """Open the desktop app on `project`, else the last project, else the example project."""
    app = QApplication.instance() or QApplication(list(argv) if argv else sys.argv[:1])
    app.setApplicationName("AIGC Short-video Studio")
    install_cjk_font(app)
    opened = Project.load(project) if project else start_project()
    window = MainWindow(project=opened)
    QSettings("aigc-studio", "studio").setValue("last_project", str(opened.folder))
    window.show()
    code = app.exec()
    window.shutdown()
    return int(code)
