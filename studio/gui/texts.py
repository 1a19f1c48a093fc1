"""The window's fixed strings: labels of statuses and stages, and `Texts`, which binds every fixed
string of a panel to its widget so a language switch re-applies all of them.

Every string is written as a (Chinese, English) pair where it is used (see i18n.py)."""
from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QPushButton

from ..core.vocab import PLATFORMS
from .i18n import Translator

# row status -> ((zh, en) label, colour, (zh, en) tooltip when the status has no reason of its own)
STATUS = {
    "checking": (("● 检查中", "● Checking"), "#9e9e9e", ("正在检查脚本和合规", "checking the script and compliance")),
    "ready": (("● 就绪", "● Ready"), "#2e7d32", ("可以渲染", "ready to render")),
    "attention": (("● 需处理", "● Needs attention"), "#e65100",
                  ("请看下方问题或脚本里的合规提示", "read the problems below or the findings in the script")),
    "queued": (("● 排队中", "● Queued"), "#546e7a", ("排队中", "queued")),
    "rendering": (("● 渲染中", "● Rendering"), "#1565c0", ("渲染中", "rendering")),
    "done": (("● 已完成", "● Done"), "#2e7d32", ("已完成：在队列里打开文件", "rendered: open it from the queue")),
    "failed": (("● 失败", "● Failed"), "#c62828", ("失败：队列里写了原因和怎么改", "failed: the queue says why")),
    "cancelled": (("● 已取消", "● Cancelled"), "#757575", ("已取消，没有留下视频", "cancelled: no video was written")),
}
STAGE_NAMES = {"script": ("脚本", "Script"), "imagery": ("AI 背景", "AI backgrounds"), "voice": ("配音", "Voice"),
               "subtitles": ("字幕", "Subtitles"), "compose": ("合成", "Compose"), "render": ("渲染", "Render"),
               "finish": ("收尾", "Finish")}
PLATFORM_NAMES = {p.id: (p.name_zh, p.name_en) for p in PLATFORMS.values()}
TEMPLATES_OWN = ("模板默认", "Template's")


def stage_name(tr: Translator, stage: str) -> str:
    return tr.text(*STAGE_NAMES.get(stage, (stage, stage)))


class Texts:
    """The fixed strings of a widget tree, each bound to its setter and re-applied by `apply()`."""

    def __init__(self, tr: Translator) -> None:
        self.tr = tr
        self._bound: list[tuple] = []

    def t(self, zh: str, en: str) -> str:
        return self.tr.text(zh, en)

    def bind(self, setter, zh: str, en: str) -> None:
        self._bound.append((setter, zh, en))
        setter(self.t(zh, en))

    def apply(self) -> None:
        for setter, zh, en in self._bound:
            setter(self.t(zh, en))

    def label(self, zh: str, en: str) -> QLabel:
        label = QLabel()
        self.bind(label.setText, zh, en)
        return label

    def button(self, zh: str, en: str, slot, tip: tuple[str, str] | None = None) -> QPushButton:
        button = QPushButton()
        self.bind(button.setText, zh, en)
        if tip:
            self.bind(button.setToolTip, *tip)
        button.clicked.connect(lambda _=False: slot())
        return button

    def action(self, parent, zh: str, en: str, tip: tuple[str, str], slot, shortcut=None) -> QAction:
        action = QAction(parent)
        self.bind(action.setText, zh, en)
        self.bind(action.setToolTip, *tip)
        action.triggered.connect(lambda _=False: slot())
        if shortcut is not None:
            action.setShortcut(shortcut)
        return action
