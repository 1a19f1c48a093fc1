"""The studio's main window: it builds the panels and wires them to the session and the render queue.

    products (left) │ script and findings (middle) │ preview and style (right)
    ─────────────────────── render queue (bottom) ────────────────────────

The logic lives in studio/app (no Qt): `Session` (the project, undo, autosave, what each item's plan
says) and `RenderQueue` (jobs by item id). The window turns their changes into repaints of the rows
they touched, and runs everything slow on the `Runner`'s background lanes.
"""
from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QSettings, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QLabel, QMainWindow, QMessageBox, QSpinBox,
                               QSplitter, QToolBar, QVBoxLayout, QWidget)

from ..app import queue as q
from ..app.queue import RenderQueue, render_function_for
from ..app.session import ITEM, ITEMS, SAVE_FAILED, SAVED, STYLE, Change, Session
from ..core.errors import StudioError
from ..project import Project
from ..settings import Settings
from ..util import PROJECT_ROOT
from . import desktop
from .dialogs import SettingsDialog, TemplateGallery, show_error
from .i18n import LANGUAGES, Translator, resolve_language
from .panels import PreviewPanel, ProductsPanel, QueuePanel, ScriptPanel, StylePanel
from .runner import Runner
from .texts import Texts

log = logging.getLogger(__name__)
EXAMPLE_SHEET = PROJECT_ROOT / "examples" / "products.csv"
SHEET_FILTER = ("商品表格 (*.csv *.tsv *.xlsx *.xlsm *.xls *.json *.jsonl *.yaml *.yml);;所有文件 (*)",
                "Product sheets (*.csv *.tsv *.xlsx *.xlsm *.xls *.json *.jsonl *.yaml *.yml);;All files (*)")
AUTOSAVE_MS = 400


class MainWindow(QMainWindow):
    def __init__(self, out_dir: str | Path | None = None, project: Project | None = None,
                 language: str | None = None) -> None:
        super().__init__()
        self.resize(1440, 900)
        settings, settings_error = _load_settings()
        self.i18n = Translator(language or resolve_language(settings.interface_language))
        self.texts = Texts(self.i18n)
        self.t = self.texts.t
        self.runner = Runner(self)
        self.render_queue = RenderQueue(render_function_for(settings),
                                        spawn=lambda work: self.runner.submit("render", work))
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(AUTOSAVE_MS)
        self._pending_save = None
        self._save_timer.timeout.connect(lambda: self._pending_save and self._pending_save())
        self.session = Session(project or Project(folder=Path(tempfile.mkdtemp(prefix="studio-project-"))),
                               settings, self.render_queue, out_dir=out_dir, schedule_save=self._schedule_save)
        self.halt_message = ""  # why the queue stopped on its own (a full disk), until new work is queued
        self._shut_down = False
        self.products_panel = ProductsPanel(self.session, self.runner, self.texts)
        self.script_panel = ScriptPanel(self.session, self.texts)
        self.preview_panel = PreviewPanel(self.runner, self.texts)
        self.style_panel = StylePanel(self.session, self.texts)
        self.queue_panel = QueuePanel(self.render_queue, self.texts)
        self._build_toolbars()
        self._build_layout()
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._templates_changed)
        self.watcher.directoryChanged.connect(self._templates_changed)
        self.products_panel.selection_changed.connect(self._show_selected)
        self.products_panel.message.connect(self.statusBar().showMessage)
        self.preview_panel.proxy_ready.connect(lambda path: desktop.open_file(self, self.i18n, path))
        self.queue_panel.cancel.connect(self.cancel_job)
        self.queue_panel.retry.connect(self.retry_job)
        self.queue_panel.details.connect(self._show_job_error)
        self.queue_panel.open_file.connect(lambda path: desktop.open_file(self, self.i18n, path))
        self.queue_panel.open_folder.connect(lambda path: desktop.open_folder(self, self.i18n, path))
        self.session.subscribe(self._on_change)
        self.render_queue.subscribe(self.runner.ui_callback(self._on_queue_event))
        self.style_panel.fill_templates()
        self._project_shown()
        self.retranslate()
        if settings_error:
            self.statusBar().showMessage(settings_error)

    # ---------------------------------------------------------------- layout
    def _build_toolbars(self) -> None:
        texts = self.texts
        bar = self._toolbar("主工具栏", "Main toolbar")
        for zh, en, tip, slot in (
                ("新建项目", "New project", ("新建一个空项目文件夹", "Create a project in an empty folder"), self._choose_new_project),
                ("打开项目", "Open project", ("打开一个项目文件夹", "Open a project folder"), self._choose_project),
                ("导入表格", "Import sheet", ("从商品表格导入（CSV、Excel、JSON、YAML）",
                                          "Import products from a sheet (CSV, Excel, JSON, YAML)"), self._choose_sheet)):
            bar.addAction(texts.action(self, zh, en, tip, slot))
        bar.addSeparator()
        self.undo_action = texts.action(self, "撤销", "Undo", ("撤销上一步修改", "Undo the last edit"), self.session.undo,
                                        QKeySequence.Undo)
        self.redo_action = texts.action(self, "重做", "Redo", ("重做", "Redo"), self.session.redo, QKeySequence.Redo)
        bar.addActions([self.undo_action, self.redo_action])
        bar.addSeparator()
        bar.addAction(texts.action(self, "模板库", "Templates", ("按品类、风格、语言浏览模板",
                                                              "Browse templates by category, style and language"),
                                   self.open_gallery))
        bar.addWidget(self.style_panel.template_combo)
        bar.addSeparator()
        bar.addAction(texts.action(self, "设置", "Settings", ("输出、配音、模型、GPU、AI 标识制作者",
                                                           "Output, voices, models, GPU, AI-label producer"),
                                   self.open_settings))
        self.lang_combo = QComboBox()
        for key, name in LANGUAGES.items():
            self.lang_combo.addItem(name, key)
        self.lang_combo.currentIndexChanged.connect(lambda _: self.set_language(self.lang_combo.currentData()))
        bar.addWidget(self.lang_combo)
        self.addToolBarBreak()
        bar = self._toolbar("渲染工具栏", "Render toolbar")
        self.render_button = texts.button("渲染所选", "Render selected", self.render_selected,
                                          ("渲染选中的商品", "Render the selected products"))
        self.render_all_button = texts.button("全部渲染", "Render all", self.render_all,
                                              ("渲染所有可以渲染的商品", "Render every product that can be rendered"))
        self.variants_spin = QSpinBox()
        self.variants_spin.setRange(1, 20)
        texts.bind(self.variants_spin.setToolTip, "每个商品渲染几个不同版本（开场、卖点顺序、结尾不同）",
                   "Videos per product (different hook, point order and call to action)")
        self.cancel_button = texts.button("全部取消", "Cancel all", self.cancel_all,
                                          ("取消所有排队和正在渲染的任务（不会留下半成品）",
                                           "Cancel every queued and running job (no half-written file is left)"))
        self.cancel_button.setEnabled(False)
        self.override_box = QCheckBox()
        texts.bind(self.override_box.setText, "忽略合规拦截", "Ignore compliance blocks")
        texts.bind(self.override_box.setToolTip, "渲染被《广告法》检查拦截的脚本（会记录在清单里）",
                   "Render scripts the compliance check blocks (recorded in the manifest)")
        self.override_box.toggled.connect(self.session.set_allow_flagged)
        for widget in (self.render_button, self.render_all_button, texts.label(" 版本数 ", " Variants "),
                       self.variants_spin, self.cancel_button, self.override_box):
            bar.addWidget(widget)
        bar.addSeparator()
        bar.addAction(texts.action(self, "输出文件夹…", "Output folder…", ("选择视频写到哪个文件夹",
                                                                       "Choose the folder the videos are written to"),
                                   self._choose_output))
        self.open_out_action = texts.action(self, "打开输出文件夹", "Open output", ("在文件管理器中打开输出文件夹",
                                                                              "Open the output folder in the file manager"),
                                            lambda: desktop.open_folder(self, self.i18n, self.session.options.out_dir))
        bar.addAction(self.open_out_action)
        self.saved_label, self.out_label = QLabel(), QLabel()
        self.out_label.setProperty("data_widget", True)
        self.statusBar().addPermanentWidget(self.saved_label)
        self.statusBar().addPermanentWidget(self.out_label)

    def _toolbar(self, zh: str, en: str) -> QToolBar:
        bar = QToolBar()
        bar.setMovable(False)
        self.texts.bind(bar.setWindowTitle, zh, en)
        self.addToolBar(bar)
        return bar

    def _build_layout(self) -> None:
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.preview_panel)
        rl.addWidget(self.style_panel)
        rl.addStretch(1)
        top = QSplitter(Qt.Horizontal)
        for panel in (self.products_panel, self.script_panel, right):
            top.addWidget(panel)
        top.setSizes([560, 480, 340])
        main = QSplitter(Qt.Vertical)
        main.addWidget(top)
        main.addWidget(self.queue_panel)
        main.setSizes([640, 220])
        self.setCentralWidget(main)

    # ---------------------------------------------------------------- language
    def set_language(self, language: str, save: bool = True) -> None:
        """Switch the interface language ('zh' or 'en') at once; remembered in the settings."""
        if language not in LANGUAGES:
            raise StudioError(f"unknown interface language '{language}' (use zh or en)")
        self.i18n.language = language
        self.retranslate()
        if save:
            self.session.settings.interface_language = language
            try:
                self.session.settings.save()
            except (StudioError, OSError) as exc:
                log.warning("the interface language was not saved: %s", exc)
                self.statusBar().showMessage(str(exc))

    def retranslate(self) -> None:
        self.texts.apply()
        self.lang_combo.blockSignals(True)
        self.lang_combo.setCurrentIndex(self.lang_combo.findData(self.i18n.language))
        self.lang_combo.blockSignals(False)
        for panel in (self.products_panel.model, self.queue_panel, self.style_panel, self.script_panel):
            panel.retranslate()
        self.products_panel.show_problems()
        self._update_title()
        self._update_undo_actions()
        self._show_saved()
        self._show_selected()

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.session.project.folder.name} — " + self.t("AIGC 短视频工作室", "AIGC Short-video Studio"))
        self.out_label.setText(self.t("输出：", "Output: ") + str(self.session.options.out_dir))

    def _update_undo_actions(self) -> None:
        for action, name, (zh, en) in ((self.undo_action, self.session.undo_name(), ("撤销：", "Undo: ")),
                                       (self.redo_action, self.session.redo_name(), ("重做：", "Redo: "))):
            action.setEnabled(name is not None)
            action.setToolTip(self.t(zh, en) + self.t(*name) if name else self.t(zh, en)[:-1])

    def _show_saved(self) -> None:
        at = self.session.saved_at
        self.saved_label.setText("" if at is None else self.t("已自动保存 ", "Saved ") + time.strftime("%H:%M:%S", time.localtime(at)))

    # ---------------------------------------------------------------- the session's changes
    def _schedule_save(self, save) -> None:
        self._pending_save = save
        self._save_timer.start()

    def _on_change(self, change: Change) -> None:
        if change.kind == SAVED:
            self._show_saved()
            return
        if change.kind == SAVE_FAILED:
            self.statusBar().showMessage(change.message)
            return
        panel = self.products_panel
        keep = change.select or panel.current_item_id()
        if change.kind == ITEMS:
            row = (panel.selected_rows() or [0])[0]
            panel.refill()
            panel.select_item(keep) if keep and self.session.has_item(keep) else panel.select_row(row)
        elif change.kind == ITEM:
            for item_id in change.item_ids:
                panel.model.item_changed(item_id)
            if change.select and change.select != panel.current_item_id():
                panel.select_item(change.select)
        elif change.kind == STYLE:
            self.style_panel.show_style(self.session.project.style)
            panel.model.statuses_changed()
            self._update_title()
        self._update_undo_actions()
        self._watch_templates()
        self._show_selected()  # the selected item's plan first: the background checks then find it done
        panel.check(list(change.item_ids) if change.kind == ITEM else None)

    def _project_shown(self) -> None:
        self.products_panel.refill()
        self.products_panel.select_row(0)
        self.products_panel.check()
        self.style_panel.show_style(self.session.project.style)
        self.preview_panel.proxy_folder = self.session.project.folder / ".preview"
        self._watch_templates()
        self._update_title()
        self._update_undo_actions()

    def _show_selected(self) -> None:
        """The script and preview of the selected row."""
        panel = self.products_panel
        rows = panel.selected_rows()
        item_id = panel.current_item_id()
        if not item_id:
            self.script_panel.show_bad_row(panel.model.sheet_row_at(rows[0])) if rows else self.script_panel.show_nothing()
            self.preview_panel.clear(self.t("选择一个商品来预览", "Select a product to preview it"))
            return
        shown = self.script_panel.show_item(item_id)
        panel.model.item_changed(item_id)  # its plan is worked out now: the status can say more
        if not shown:
            self.preview_panel.clear(self.script_panel.error.text())
            return
        item = self.session.item(item_id)
        self.preview_panel.show_product(self.session.plan_key(item_id), item.product, self.session.options,
                                        item.script)

    # ---------------------------------------------------------------- templates on disk
    def _watch_templates(self) -> None:
        """Watch the folders of the templates in use: edits made in another editor show at once."""
        from ..script import default_template_for, load_template

        style = self.session.project.style.template
        names = {style} if style else {default_template_for(it.product.language) for it in self.session.items} or \
            {default_template_for(self.i18n.language)}
        paths = []
        for name in sorted(names):
            try:
                folder = load_template(name).folder
            except StudioError as exc:
                log.info("not watching template %s: %s", name, exc)
                continue
            paths += [str(folder)] + [str(p) for p in folder.iterdir() if p.is_file()]
        old = self.watcher.files() + self.watcher.directories()
        if sorted(old) != sorted(paths):
            if old:
                self.watcher.removePaths(old)
            if paths:
                self.watcher.addPaths(paths)

    def _templates_changed(self, _path: str) -> None:
        self.watcher.removePaths(self.watcher.files() + self.watcher.directories())  # editors replace files
        self.session.templates_changed()

    # ---------------------------------------------------------------- projects and sheets
    def open_project(self, project: Project) -> None:
        """Show another project (the queue keeps its jobs: each holds its own copy of what it renders)."""
        self.script_panel.flush()
        self.session.open(project)
        self._project_shown()
        QSettings("aigc-studio", "studio").setValue("last_project", str(project.folder))

    def save_project(self) -> bool:
        """Write project.json now (the window also autosaves shortly after every edit)."""
        self.script_panel.flush()
        self._save_timer.stop()
        try:
            self.session.save()
        except StudioError as exc:
            log.warning("saving the project failed: %s", exc)
            self.statusBar().showMessage(str(exc))
            return False
        return True

    def load_sheet(self, path: str | Path) -> bool:
        """Import a sheet's products into the project (replacing them; undoable). False if unreadable."""
        try:
            sheet = self.session.import_sheet(path)
        except StudioError as exc:
            log.warning("sheet %s not imported: %s", path, exc)
            QMessageBox.warning(self, self.t("无法导入表格", "Cannot import sheet"), str(exc))
            return False
        n_err = sum(p.severity == "error" for p in sheet.problems)
        self.statusBar().showMessage(
            f"{Path(path).name}: {len(sheet.products)}" + self.t(" 个商品可渲染", " products ready")
            + (self.t(f"，{n_err} 个问题需处理（见左下）", f", {n_err} problems to fix (below)") if n_err else ""))
        return True

    def _choose_sheet(self) -> None:
        settings = QSettings("aigc-studio", "studio")
        start = str(Path(str(settings.value("last_sheet", EXAMPLE_SHEET))).parent)
        path, _ = QFileDialog.getOpenFileName(self, self.t("导入商品表格", "Import product sheet"), start,
                                              self.t(*SHEET_FILTER))
        if path and self.load_sheet(path):
            settings.setValue("last_sheet", path)

    def _choose_project(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.t("打开项目文件夹", "Open project folder"),
                                                str(self.session.project.folder.parent))
        if path:
            self._open_or_create(path, create=False)

    def _choose_new_project(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.t("选择一个空文件夹作为新项目", "Pick an empty folder for the project"),
                                                str(self.session.project.folder.parent))
        if path:
            self._open_or_create(path, create=True)

    def _open_or_create(self, path: str, create: bool) -> None:
        try:
            if create:
                project = Project.create(path)
                project.style.platform = self.session.settings.platform or "douyin"
                project.save()
            else:
                project = Project.load(path)
        except StudioError as exc:
            log.warning("project %s not opened: %s", path, exc)
            QMessageBox.warning(self, self.t("无法新建项目", "Cannot create project") if create else
                                self.t("无法打开项目", "Cannot open project"), str(exc))
            return
        self.open_project(project)

    def set_output_dir(self, path: str | Path) -> None:
        self.session.set_output_dir(path)

    def _choose_output(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.t("输出文件夹", "Output folder"),
                                                str(self.session.options.out_dir))
        if path:
            self.set_output_dir(path)

    # ---------------------------------------------------------------- dialogs
    def open_gallery(self) -> TemplateGallery:
        gallery = TemplateGallery(self.i18n, self.session.project.style.template, self)

        def use_chosen() -> None:
            self.style_panel.fill_templates()  # the gallery may have imported templates
            if gallery.chosen:
                self.session.change_style(template=gallery.chosen)

        gallery.accepted.connect(use_chosen)
        gallery.open()
        return gallery

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.i18n, self.session.settings, self)
        dialog.accepted.connect(lambda: self._settings_saved(dialog.settings))
        dialog.open()
        return dialog

    def _settings_saved(self, settings: Settings) -> None:
        self.session.apply_settings(settings)
        self.render_queue.use(render_function_for(settings))  # the farm in Settings, or this PC
        if settings.interface_language and settings.interface_language != self.i18n.language:
            self.set_language(settings.interface_language, save=False)

    def _show_job_error(self, job_id: int) -> None:
        job = self.render_queue.job(job_id)
        show_error(self.i18n, self.t("渲染失败", "Render failed"), job.error, f"{job.label} → {job.out_dir}", self)

    # ---------------------------------------------------------------- rendering
    @property
    def jobs(self) -> dict:
        return self.render_queue.jobs

    def job_state(self, job_id: int) -> str:
        return self.render_queue.jobs[job_id].state if job_id in self.render_queue.jobs else ""

    def render_selected(self) -> list[int]:
        """Queue the selected products (every variant); returns the new job ids."""
        return self._enqueue(self.products_panel.selected_item_ids())

    def render_all(self) -> list[int]:
        """Queue every product; returns the new job ids."""
        return self._enqueue([it.id for it in self.session.items])

    def _enqueue(self, item_ids: list[str]) -> list[int]:
        if self._shut_down:
            return []
        if not item_ids:
            self.statusBar().showMessage(self.t("先选择商品", "Select a product first"))
            return []
        self.script_panel.flush()
        self.halt_message = ""
        new = self.session.enqueue(item_ids, self.variants_spin.value())
        if new:
            self.cancel_button.setEnabled(True)
            self.statusBar().showMessage(self.t(f"已加入队列 {len(new)} 个", f"Queued {len(new)}"))
        return new

    def retry_job(self, job_id: int) -> int | None:
        """Render a finished job's product again (as it is now in the project); returns the new job id."""
        self.halt_message = ""
        new = self.session.retry(job_id)
        if new is not None:
            self.cancel_button.setEnabled(True)
        return new

    def cancel_job(self, job_id: int) -> None:
        self.render_queue.cancel(job_id)

    def cancel_all(self) -> None:
        """Cancel every queued and running job; the running one stops within about a second."""
        self.render_queue.cancel_all()
        self.statusBar().showMessage(self.t("正在取消…", "Cancelling…"))

    def _on_queue_event(self, event: q.QueueEvent) -> None:
        job, t = event.job, self.t
        if job is not None:
            self.queue_panel.job_changed(job.id)
            if event.kind != q.PROGRESS:
                self.products_panel.model.item_changed(job.item_id)
        if event.kind == q.DONE:
            result = job.result
            if result.reused:
                self.statusBar().showMessage(t("未改动，保留之前的视频：", "Unchanged, kept the earlier video: ") + str(result.video))
            else:
                note = (t("　注意：", "  Note: ") + result.warnings[0]) if result.warnings else ""
                self.statusBar().showMessage(t("已完成：", "Done: ") + str(result.video) + note)
        elif event.kind == q.FAILED:
            self.statusBar().showMessage(t("渲染失败：", "Render failed: ") + (job.error.strip().splitlines() or [""])[0])
        elif event.kind == q.HALTED:
            self.halt_message = t(f"磁盘已满：队列停止，{event.count} 个视频未开始。请腾出空间（或换一个输出文件夹）后点「全部渲染」，"
                                  "已完成的视频会保留。",
                                  f"The disk is full: the queue stopped and {event.count} video(s) were not started. Free "
                                  "some space (or choose another output folder), then press Render all: finished videos "
                                  "are kept.")
            self.statusBar().showMessage(self.halt_message)
            box = QMessageBox(QMessageBox.Icon.Warning, t("磁盘已满", "Disk full"), self.halt_message, parent=self)
            box.setDetailedText(event.message)
            box.setModal(False)
            box.open()  # not exec(): the window (and an offscreen test) keeps running
        elif event.kind == q.IDLE:
            self.cancel_button.setEnabled(self.render_queue.busy)
            if not self.render_queue.busy:
                self.statusBar().showMessage(self.halt_message or t("队列已空", "Queue idle"))

    # ---------------------------------------------------------------- closing
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if not self._shut_down and self.render_queue.busy:
            answer = QMessageBox.question(
                self, self.t("正在渲染", "Rendering"),
                self.t("还有视频在渲染。退出将取消它们（不会留下半成品文件）。",
                       "Videos are rendering. Quit and cancel them? (no half-written file is left)"),
                QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
            if answer != QMessageBox.Yes:
                event.ignore()
                return
        self.shutdown()
        event.accept()

    def shutdown(self, timeout_s: float = 30.0) -> None:
        """Save, cancel everything and stop the background lanes."""
        if self._shut_down:
            return
        self.save_project()
        self._shut_down = True
        self.products_panel.stop_checks()
        self.preview_panel.stop()
        self.render_queue.stop()
        if not self.runner.stop(timeout_s):
            log.warning("a background task was still running when the window closed")
        self.preview_panel.close_source()
        self.render_queue.close()  # a render farm's connection, if the queue used one


def _load_settings() -> tuple[Settings, str]:
    try:
        return Settings.load(), ""
    except StudioError as exc:
        log.warning("settings not read: %s", exc)
        return Settings(), str(exc)
