"""The template gallery and the settings dialog."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QListWidget, QListWidgetItem, QMessageBox, QPushButton, QVBoxLayout, QWidget,
)

from ..core.vocab import PLATFORMS
from ..script import export_template, import_template, list_templates
from ..script.share import TemplateExists
from ..settings import Settings
from ..util import StudioError
from ..voice import available_voices
from .i18n import LANGUAGES, Translator

CATEGORIES = {
    "beauty": ("美妆", "Beauty"), "apparel": ("服饰", "Apparel"), "food": ("食品生鲜", "Food & farm"),
    "appliance": ("家电", "Home appliances"), "baby": ("母婴", "Mother & baby"), "digital": ("数码", "Digital"),
    "pets": ("宠物", "Pets"), "local": ("本地生活", "Local services"), "general": ("通用", "General"),
}
STYLES = {
    "pain-point": ("痛点→方案", "Pain point → solution"), "unboxing": ("开箱", "Unboxing"),
    "comparison": ("对比", "Comparison"), "story": ("故事", "Story"), "flash-sale": ("限时秒杀", "Flash sale"),
    "tutorial": ("慢速教程", "Slow tutorial"), "promo": ("通用带货", "Promo"),
}
PLATFORM_NAMES = {p.id: (p.name_zh, p.name_en) for p in PLATFORMS.values()}


def _buttons(dialog: QDialog, tr: Translator, accept_kind, accept_text: tuple[str, str], on_accept) -> QDialogButtonBox:
    """An accept button (with its text in the interface language) and Cancel."""
    buttons = QDialogButtonBox(accept_kind | QDialogButtonBox.Cancel)
    buttons.button(accept_kind).setText(tr.text(*accept_text))
    buttons.button(QDialogButtonBox.Cancel).setText(tr.text("取消", "Cancel"))
    buttons.accepted.connect(on_accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class TemplateGallery(QDialog):
    """Preview images of every template, filtered by category, style and language."""

    def __init__(self, tr: Translator, current: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr_ = tr
        t = tr.text
        self.setWindowTitle(t("模板库", "Template gallery"))
        self.resize(980, 680)
        self.chosen: str | None = current
        try:
            self.templates = list_templates()
            self.error = ""
        except StudioError as exc:
            self.templates, self.error = [], str(exc)
        filters = QHBoxLayout()
        self.category = QComboBox()
        self.style = QComboBox()
        self.language = QComboBox()
        for combo, label, values in (
            (self.category, t("品类", "Category"), {k: v for k, v in CATEGORIES.items()
                                                   if any(x.category == k for x in self.templates)}),
            (self.style, t("风格", "Style"), {k: v for k, v in STYLES.items()
                                             if any(x.meta.get("style_name") == k for x in self.templates)}),
            (self.language, t("语言", "Language"), {"zh": ("中文", "Chinese"), "en": ("英文", "English")}),
        ):
            combo.addItem(t("全部", "All"), None)
            for key, names in values.items():
                combo.addItem(t(*names), key)
            combo.currentIndexChanged.connect(self.apply_filters)
            filters.addWidget(QLabel(label))
            filters.addWidget(combo)
        filters.addStretch(1)
        self.grid = QListWidget()
        self.grid.setViewMode(QListWidget.IconMode)
        self.grid.setIconSize(QSize(135, 240))
        self.grid.setGridSize(QSize(190, 330))
        self.grid.setResizeMode(QListWidget.Adjust)
        self.grid.setMovement(QListWidget.Static)
        self.grid.setWordWrap(True)
        self.grid.setProperty("data_widget", True)  # template titles are content, in their own language
        self.grid.itemDoubleClicked.connect(lambda _: self.accept())
        self.grid.currentItemChanged.connect(self._show_description)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setProperty("data_widget", True)
        self._fill(current)
        sharing = QHBoxLayout()
        self.import_button = QPushButton(t("导入模板…", "Import template…"))
        self.import_button.setToolTip(t("安装别人分享的模板（.zip）", "Install a template someone shared (.zip)"))
        self.import_button.clicked.connect(lambda: self.import_package())
        self.export_button = QPushButton(t("导出所选…", "Export selected…"))
        self.export_button.setToolTip(t("把所选模板打包成一个 .zip 分享", "Pack the selected template into one .zip to share"))
        self.export_button.clicked.connect(lambda: self.export_selected())
        self.share_message = QLabel()
        self.share_message.setWordWrap(True)
        sharing.addWidget(self.import_button)
        sharing.addWidget(self.export_button)
        sharing.addWidget(self.share_message, 1)
        buttons = _buttons(self, tr, QDialogButtonBox.Ok, ("使用此模板", "Use this template"), self.accept)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        if self.error:
            layout.addWidget(QLabel(t("模板读取失败：", "Templates could not be read: ") + self.error))
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.description)
        layout.addLayout(sharing)
        layout.addWidget(buttons)

    def _fill(self, current: str | None) -> None:
        """(Re)build the grid from self.templates, selecting `current`."""
        self.grid.clear()
        for tpl in self.templates:
            icon = QIcon(QPixmap(str(tpl.folder / "preview.png"))) if (tpl.folder / "preview.png").is_file() else QIcon()
            item = QListWidgetItem(icon, f"{tpl.title}\n[{tpl.language}] {tpl.target_seconds:g}s")
            item.setData(Qt.UserRole, tpl.name)
            item.setToolTip(f"{tpl.name}\n{tpl.description}")
            self.grid.addItem(item)
            if tpl.name == current:
                self.grid.setCurrentItem(item)

    def import_package(self, path: str | Path | None = None) -> str | None:
        """Install a shared template package (asks for the file when `path` is None) and select it;
        returns its name, or None when nothing was imported (the reason is shown in the dialog)."""
        t = self.tr_.text
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, t("导入模板", "Import template"), "",
                                                  t("模板包 (*.zip)", "Template package (*.zip)"))
            if not path:
                return None
        try:
            template = import_template(path)
        except TemplateExists:
            answer = QMessageBox.question(self, t("替换模板", "Replace template"),
                                          t("已经装过同名模板，要替换吗？", "A template of this name is installed. Replace it?"))
            if answer != QMessageBox.StandardButton.Yes:
                self.share_message.setText(t("未导入（同名模板已存在）", "Not imported (a template of this name exists)"))
                return None
            try:
                template = import_template(path, replace=True)
            except StudioError as again:
                self.share_message.setText(t("无法导入：", "Not imported: ") + str(again))
                return None
        except StudioError as exc:
            self.share_message.setText(t("无法导入：", "Not imported: ") + str(exc))
            return None
        self.templates = list_templates()
        self._fill(template.name)
        self.apply_filters()
        self.share_message.setText(t("已导入：", "Imported: ") + f"{template.title} ({template.name})")
        return template.name

    def export_selected(self, path: str | Path | None = None) -> Path | None:
        """Pack the selected template into a .zip (asks where when `path` is None); returns the file."""
        t = self.tr_.text
        if not self.chosen:
            self.share_message.setText(t("先选一个模板", "Select a template first"))
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, t("导出模板", "Export template"), f"{self.chosen}.zip",
                                                  t("模板包 (*.zip)", "Template package (*.zip)"))
            if not path:
                return None
        try:
            result = export_template(self.chosen, path)
        except StudioError as exc:
            self.share_message.setText(t("无法导出：", "Not exported: ") + str(exc))
            return None
        self.share_message.setText(t("已导出：", "Exported: ") + str(result.path)
                                   + "".join(f"\n{w}" for w in result.warnings))
        return result.path

    def visible_names(self) -> list[str]:
        return [self.grid.item(i).data(Qt.UserRole) for i in range(self.grid.count()) if not self.grid.item(i).isHidden()]

    def apply_filters(self) -> None:
        cat, style, lang = self.category.currentData(), self.style.currentData(), self.language.currentData()
        by_name = {t.name: t for t in self.templates}
        for i in range(self.grid.count()):
            tpl = by_name[self.grid.item(i).data(Qt.UserRole)]
            shown = ((cat is None or tpl.category == cat) and (style is None or tpl.meta.get("style_name") == style)
                     and (lang is None or tpl.language == lang))
            self.grid.item(i).setHidden(not shown)

    def _show_description(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.chosen = item.data(Qt.UserRole)
            tpl = next(t for t in self.templates if t.name == self.chosen)
            self.description.setText(f"<b>{tpl.title}</b> ({tpl.name}) — {tpl.description}")


def detect_gpu() -> str:
    """What this machine offers for the GPU paths, in plain words (English; the dialog adds a prefix)."""
    parts = []
    try:
        import torch

        if torch.cuda.is_available():
            parts.append(f"CUDA: {torch.cuda.get_device_name(0)}")
        else:
            parts.append("CUDA: none")
    except Exception as exc:  # noqa: BLE001 - torch missing or broken: say so
        parts.append(f"CUDA: not checked ({type(exc).__name__})")
    try:
        from ..render.encode import probe_nvenc
        from ..util import ffmpeg_exe

        ok, reason = probe_nvenc(ffmpeg_exe())
        parts.append("NVENC: yes" if ok else "NVENC: no")
    except Exception as exc:  # noqa: BLE001
        parts.append(f"NVENC: not checked ({type(exc).__name__})")
    return ", ".join(parts)


class SettingsDialog(QDialog):
    """Settings a merchant sets once; saved to the studio's settings file on OK."""

    def __init__(self, tr: Translator, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        t = tr.text
        self.tr_ = tr
        self.settings = settings
        self.setWindowTitle(t("设置", "Settings"))
        self.resize(640, 460)
        form = QFormLayout()
        self.output_dir = self._folder_row(form, t("输出文件夹", "Output folder"), settings.output_dir,
                                           t("留空 = 项目里的 out 文件夹", "empty = the project's out folder"), tr)
        self.platform = QComboBox()
        for key in PLATFORMS:
            self.platform.addItem(t(*PLATFORM_NAMES[key]), key)
        self.platform.setCurrentIndex(max(0, self.platform.findData(settings.platform or "douyin")))
        form.addRow(t("默认平台", "Default platform"), self.platform)
        self.voice_zh = QComboBox()
        self.voice_en = QComboBox()
        for combo, lang, value in ((self.voice_zh, "zh", settings.voice_zh), (self.voice_en, "en", settings.voice_en)):
            for voice in available_voices(lang):
                combo.addItem(voice, voice)
            combo.setCurrentIndex(max(0, combo.findData(value)))
        form.addRow(t("中文配音", "Mandarin voice"), self.voice_zh)
        form.addRow(t("英文配音", "English voice"), self.voice_en)
        self.whisper_model = self._folder_row(form, t("Whisper 模型文件夹", "Whisper model folder"),
                                              settings.whisper_model,
                                              t("留空 = 内置 base 模型", "empty = the built-in base model"), tr)
        self.diffusers_model = self._folder_row(form, t("Diffusers 模型文件夹", "Diffusers model folder"),
                                                settings.diffusers_model,
                                                t("可选：本地图像生成模型", "optional: a local image model"), tr)
        self.gpu = QComboBox()
        for key, names in (("auto", ("自动", "Auto")), ("on", ("开", "On")), ("off", ("关", "Off"))):
            self.gpu.addItem(t(*names), key)
        self.gpu.setCurrentIndex(max(0, self.gpu.findData(settings.gpu)))
        self.gpu_detected = QLabel(t("检测到：", "Detected: ") + detect_gpu())
        self.gpu_detected.setWordWrap(True)
        gpu_box = QWidget()
        gl = QHBoxLayout(gpu_box)
        gl.setContentsMargins(0, 0, 0, 0)
        gl.addWidget(self.gpu)
        gl.addWidget(self.gpu_detected, 1)
        form.addRow(t("GPU 加速", "GPU use"), gpu_box)
        self.producer_name = QLineEdit(settings.producer_name)
        self.producer_name.setPlaceholderText(t("例如：某某小店", "e.g. your shop's name"))
        self.producer_id = QLineEdit(settings.producer_id)
        self.producer_id.setPlaceholderText(t("可选：统一社会信用代码", "optional: registration code"))
        form.addRow(t("制作者名称（AI 标识）", "Producer name (AI label)"), self.producer_name)
        form.addRow(t("制作者编号（AI 标识）", "Producer ID (AI label)"), self.producer_id)
        self.language = QComboBox()
        self.language.addItem(t("跟随系统", "Follow the system"), "")
        for key, name in LANGUAGES.items():
            self.language.addItem(name, key)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.interface_language)))
        self.language.setProperty("data_widget", True)  # each language is named in its own words
        form.addRow(t("界面语言", "Interface language"), self.language)
        self.error = QLabel()
        self.error.setStyleSheet("color:#c62828")
        buttons = _buttons(self, tr, QDialogButtonBox.Save, ("保存", "Save"), self.save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _folder_row(self, form: QFormLayout, label: str, value: str, placeholder: str, tr: Translator) -> QLineEdit:
        edit = QLineEdit(value)
        edit.setPlaceholderText(placeholder)
        browse = QPushButton(tr.text("浏览…", "Browse…"))
        browse.clicked.connect(lambda: self._browse(edit, label))
        row = QWidget()
        rl = QHBoxLayout(row)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(edit, 1)
        rl.addWidget(browse)
        form.addRow(label, row)
        return edit

    def _browse(self, edit: QLineEdit, title: str) -> None:
        path = QFileDialog.getExistingDirectory(self, title, edit.text() or str(Path.home()))
        if path:
            edit.setText(path)

    def values(self) -> Settings:
        return Settings(
            producer_name=self.producer_name.text().strip(), producer_id=self.producer_id.text().strip(),
            output_dir=self.output_dir.text().strip(), whisper_model=self.whisper_model.text().strip(),
            diffusers_model=self.diffusers_model.text().strip(), gpu=self.gpu.currentData(),
            interface_language=self.language.currentData(), platform=self.platform.currentData(),
            voice_zh=self.voice_zh.currentData(), voice_en=self.voice_en.currentData(),
        )

    def save(self) -> None:
        new = self.values()
        for folder in (new.whisper_model, new.diffusers_model):
            if folder and not Path(folder).exists():
                self.error.setText(f"{folder}: " + self.tr_.text("文件夹不存在", "no such folder"))
                return
        if new.diffusers_model and not (Path(new.diffusers_model) / "model_index.json").is_file():
            self.error.setText(f"{new.diffusers_model}: " + self.tr_.text(
                "不是 diffusers 模型文件夹（缺少 model_index.json，应为 save_pretrained 保存的文件夹）",
                "not a diffusers model folder (no model_index.json; choose a folder saved with save_pretrained)"))
            return
        try:
            new.save()
        except (StudioError, OSError) as exc:
            self.error.setText(str(exc))
            return
        self.settings = new
        self.accept()
