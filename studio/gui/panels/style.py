"""The style panel: caption size, kind and colours, music, voice, speed and pitch, platform (safe
zones), target length, quality, motion style, the product photo over clips, AI backgrounds; and the template
picker the toolbar shows. Every change is a session edit (undoable); `show_style` puts the
project's choices back into the controls (after an undo, or another project)."""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QPushButton, QSpinBox

from ...app.session import Session
from ...core.errors import StudioError
from ...core.vocab import CAPTION_KINDS, PLATFORMS
from ...project import ProjectStyle
from ...render.motion import MOTION_STYLES
from ...script import list_templates
from ...util import ASSETS_DIR
from ...voice import available_voices
from ..texts import PLATFORM_NAMES, TEMPLATES_OWN, Texts

log = logging.getLogger(__name__)
CAPTION_KIND_NAMES = {None: TEMPLATES_OWN, "standard": ("标准", "Standard"),
                      "karaoke": ("卡拉OK（逐字高亮）", "Karaoke (word by word)"),
                      "elder": ("长辈大字（深色底）", "Elder-friendly (large, boxed)"), "bilingual": ("双语", "Bilingual")}
QUALITY_NAMES = {"final": ("成片（更清晰）", "Final (better)"), "draft": ("草稿（更快）", "Draft (faster)")}
MOTION_NAMES = {None: TEMPLATES_OWN, "lively": ("活泼（常规带货）", "Lively"), "punchy": ("快节奏（卡点）", "Punchy (on the beat)"),
                "calm": ("舒缓（长辈教程）", "Calm (slower cuts)"), "still": ("静止（每段一个镜头）", "Still (one shot a scene)")}


class StylePanel(QGroupBox):
    def __init__(self, session: Session, texts: Texts) -> None:
        super().__init__()
        self.session, self.texts = session, texts
        self.template_error = ""
        texts.bind(self.setTitle, "样式", "Style")
        form = QFormLayout(self)

        def row(zh: str, en: str, widget) -> None:
            form.addRow(texts.label(zh, en), widget)

        self.caption_kind = self._combo([None, *CAPTION_KINDS], "caption_style")
        row("字幕样式", "Caption style", self.caption_kind)
        self.caption_size = QSpinBox()
        self.caption_size.setRange(0, 140)
        self.caption_size.setSuffix(" px")
        self.caption_size.valueChanged.connect(lambda v: self._change(caption_size=v or None))
        row("字幕字号", "Caption size", self.caption_size)
        self.text_color_button = QPushButton()
        self.text_color_button.clicked.connect(lambda _=False: self._pick_color("text_color"))
        row("字幕颜色", "Caption colour", self.text_color_button)
        self.highlight_button = QPushButton()
        self.highlight_button.clicked.connect(lambda _=False: self._pick_color("highlight_color"))
        row("高亮颜色", "Highlight colour", self.highlight_button)
        self.music_combo = self._combo([None, "", *(str(m) for m in sorted((ASSETS_DIR / "music").glob("*")))], "music")
        row("背景音乐", "Music", self.music_combo)
        self.voice_combo = self._combo([None, *available_voices()], "voice")
        row("配音", "Voice", self.voice_combo)
        self.speed_spin = QDoubleSpinBox()
        self.speed_spin.setRange(0.0, 2.0)
        self.speed_spin.setSingleStep(0.05)
        self.speed_spin.valueChanged.connect(lambda v: self._change(speed=v if v >= 0.5 else None))
        row("语速", "Speed", self.speed_spin)
        self.pitch_spin = QDoubleSpinBox()
        self.pitch_spin.setRange(-6.0, 6.0)
        self.pitch_spin.setSingleStep(1.0)
        self.pitch_spin.setSuffix(" st")
        self.pitch_spin.valueChanged.connect(lambda v: self._change(pitch=v or None))
        row("音高（半音）", "Pitch (semitones)", self.pitch_spin)
        self.platform_combo = self._combo(list(PLATFORMS), "platform")
        row("平台", "Platform", self.platform_combo)
        self.target_combo = self._combo([None, 15, 30, 60], "target_seconds")
        row("目标时长", "Target length", self.target_combo)
        self.quality_combo = self._combo(list(QUALITY_NAMES), "quality")
        row("画质", "Quality", self.quality_combo)
        self.motion_combo = self._combo([None, *MOTION_STYLES], "motion_style")
        texts.bind(self.motion_combo.setToolTip, "镜头节奏、转场和文字动效（模板里的 motion_style）",
                   "shot rhythm, transitions and text animation (the template's motion_style)")
        row("动效", "Motion", self.motion_combo)
        self.inset_combo = self._combo([None, True, False], "product_inset")
        row("视频上显示商品图", "Product photo over clips", self.inset_combo)
        self.backgrounds_combo = self._combo([None, 0, 1, 2, 3], "ai_backgrounds")
        texts.bind(self.backgrounds_combo.setToolTip, "用设置里的本地扩散模型画背景，商品图放在卡片上",
                   "Backdrops painted by the local diffusers model in Settings, with the product photo on a card")
        row("AI 背景", "AI backgrounds", self.backgrounds_combo)
        # shown in the toolbar by the window
        self.template_combo = QComboBox()
        self.template_combo.setProperty("data_widget", True)
        self.template_combo.currentIndexChanged.connect(lambda _: self._change(template=self.template_combo.currentData()))
        self._widgets = (self.caption_kind, self.caption_size, self.music_combo, self.voice_combo, self.speed_spin,
                         self.pitch_spin, self.platform_combo, self.target_combo, self.quality_combo, self.inset_combo,
                         self.backgrounds_combo, self.template_combo, self.motion_combo)

    def _combo(self, values: list, key: str) -> QComboBox:
        combo = QComboBox()
        for value in values:
            combo.addItem(Path(value).name if key == "music" and value else "", value)
        combo.currentIndexChanged.connect(lambda _: self._change(**{key: combo.currentData()}))
        return combo

    def _change(self, **changes) -> None:
        self.session.change_style(**changes)

    def _pick_color(self, key: str) -> None:
        current = getattr(self.session.project.style, key) or "#FFFFFF"
        colour = QColorDialog.getColor(QColor(current), self, self.texts.t("选择颜色", "Pick a colour"))
        if colour.isValid():
            self.session.change_style(**{key: colour.name().upper()})

    # ---------------------------------------------------------------- showing
    def show_style(self, st: ProjectStyle) -> None:
        """Put the project's style choices into the controls (without making an edit of them)."""
        for w in self._widgets:
            w.blockSignals(True)
        self.caption_size.setValue(st.caption_size or 0)
        for combo, value in ((self.caption_kind, st.caption_style), (self.target_combo, st.target_seconds),
                             (self.voice_combo, st.voice), (self.platform_combo, st.platform),
                             (self.quality_combo, st.quality), (self.backgrounds_combo, st.ai_backgrounds),
                             (self.template_combo, st.template), (self.motion_combo, st.motion_style)):
            combo.setCurrentIndex(max(0, combo.findData(value)))
        self.inset_combo.setCurrentIndex({None: 0, True: 1, False: 2}[st.product_inset])
        if st.music and self.music_combo.findData(st.music) < 0:  # a track chosen elsewhere
            self.music_combo.addItem(Path(st.music).name, st.music)
        self.music_combo.setCurrentIndex(max(0, self.music_combo.findData(st.music)))
        self.speed_spin.setValue(st.speed or 0.0)
        self.pitch_spin.setValue(st.pitch or 0.0)
        for w in self._widgets:
            w.blockSignals(False)
        self._show_colors()

    def _show_colors(self) -> None:
        st = self.session.project.style
        for button, value in ((self.text_color_button, st.text_color), (self.highlight_button, st.highlight_color)):
            button.setText(value or self.texts.t(*TEMPLATES_OWN))
            button.setStyleSheet(f"background:{value}" if value else "")

    def fill_templates(self) -> None:
        """The template picker's entries (again after the gallery imported one)."""
        t = self.texts.t
        combo = self.template_combo
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(t("自动（按商品语言）", "Auto (by product language)"), None)
        try:
            templates = list_templates()
            self.template_error = ""
        except StudioError as exc:
            log.warning("templates could not be listed: %s", exc)
            templates, self.template_error = [], t("模板读取失败：", "Templates could not be read: ") + str(exc)
        for tpl in templates:
            combo.addItem(f"{tpl.title} [{tpl.language}]", tpl.name)
            combo.setItemData(combo.count() - 1, f"{tpl.name}: {tpl.description}", Qt.ToolTipRole)
        combo.setCurrentIndex(max(0, combo.findData(self.session.project.style.template)))
        combo.blockSignals(False)

    def retranslate(self) -> None:
        t = self.texts.t
        self.fill_templates()
        for combo, names in ((self.platform_combo, PLATFORM_NAMES), (self.quality_combo, QUALITY_NAMES),
                             (self.caption_kind, CAPTION_KIND_NAMES), (self.motion_combo, MOTION_NAMES)):
            for i in range(combo.count()):
                combo.setItemText(i, t(*names[combo.itemData(i)]))
        for i in range(self.target_combo.count()):
            seconds = self.target_combo.itemData(i)
            self.target_combo.setItemText(i, t(*TEMPLATES_OWN) if seconds is None else t(f"{seconds} 秒", f"{seconds} s"))
        for i, names in enumerate((TEMPLATES_OWN, ("显示", "Show"), ("不显示", "Hide"))):
            self.inset_combo.setItemText(i, t(*names))
        for i in range(self.backgrounds_combo.count()):
            count = self.backgrounds_combo.itemData(i)
            self.backgrounds_combo.setItemText(i, t(*TEMPLATES_OWN) if count is None else t("不用", "None") if count == 0
                                               else t(f"{count} 张", str(count)))
        self.music_combo.setItemText(0, t(*TEMPLATES_OWN))
        self.music_combo.setItemText(1, t("无音乐", "No music"))
        self.voice_combo.setItemText(0, t(*TEMPLATES_OWN))
        for i in range(1, self.voice_combo.count()):
            self.voice_combo.setItemText(i, self.voice_combo.itemData(i))
        self.caption_size.setSpecialValueText(t(*TEMPLATES_OWN))
        self.speed_spin.setSpecialValueText(t(*TEMPLATES_OWN))
        self._show_colors()
