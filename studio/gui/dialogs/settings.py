"""The settings a merchant sets once: output folder, default platform and voices, model folders, GPU
use (with what was detected), the AI-content label's producer, the interface language."""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QVBoxLayout, QWidget,
)

from ...app.gpu import detect_gpu
from ...core.vocab import PLATFORMS
from ...settings import Settings
from ...util import StudioError
from ...voice import available_voices
from ..i18n import LANGUAGES, Translator
from ..texts import PLATFORM_NAMES
from .buttons import accept_and_cancel

log = logging.getLogger(__name__)


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
        self.cluster_address = QLineEdit(settings.cluster_address)
        self.cluster_address.setPlaceholderText(t("留空：在本机渲染；或 tcp://主机:8786、local", "empty: render on this PC; "
                                                  "or tcp://HOST:8786, local"))
        self.cluster_address.setToolTip(t("渲染队列发送到的渲染农场（见 README「Render farm」）",
                                          "the render farm the render queue is sent to (see the README, Render farm)"))
        form.addRow(t("渲染农场", "Render farm"), self.cluster_address)
        self.language = QComboBox()
        self.language.addItem(t("跟随系统", "Follow the system"), "")
        for key, name in LANGUAGES.items():
            self.language.addItem(name, key)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.interface_language)))
        self.language.setProperty("data_widget", True)  # each language is named in its own words
        form.addRow(t("界面语言", "Interface language"), self.language)
        self.error = QLabel()
        self.error.setStyleSheet("color:#c62828")
        buttons = accept_and_cancel(self, tr, QDialogButtonBox.Save, ("保存", "Save"), self.save)
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
            cluster_address=self.cluster_address.text().strip(),
        )

    def save(self) -> None:
        """Check and save the settings; a setting that cannot work is named in the dialog, which stays open."""
        new = self.values()
        try:
            new.save()  # validates first (Settings.validate)
        except (StudioError, OSError) as exc:
            log.warning("settings not saved: %s", exc)
            self.error.setText(self.tr_.text("设置未保存：", "Not saved: ") + str(exc))
            return
        self.settings = new
        self.accept()
