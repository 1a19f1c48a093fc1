"""The template gallery: preview images of every template, filtered by category, style and language;
shared templates imported and exported as one .zip."""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMessageBox,
    QPushButton, QVBoxLayout, QWidget,
)

from ...script import export_template, import_template, list_templates
from ...script.share import TemplateExists
from ...util import StudioError
from ..i18n import Translator
from .buttons import accept_and_cancel

log = logging.getLogger(__name__)

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
            log.warning("templates could not be listed: %s", exc)
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
        buttons = accept_and_cancel(self, tr, QDialogButtonBox.Ok, ("使用此模板", "Use this template"), self.accept)
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
                log.warning("template import of %s failed: %s", path, again)
                self.share_message.setText(t("无法导入：", "Not imported: ") + str(again))
                return None
        except StudioError as exc:
            log.warning("template import of %s failed: %s", path, exc)
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
            log.warning("template export of %s failed: %s", self.chosen, exc)
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
