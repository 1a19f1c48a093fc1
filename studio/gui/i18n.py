"""Interface language: Chinese or English, following the system unless the merchant picks one.

Every visible string of the window is written as a (Chinese, English) pair at the place it is used,
so a string can never exist in one language only; `Translator.text` picks the current one and the
window re-applies all of them when the language is switched.
"""
from __future__ import annotations

import re

LANGUAGES = {"zh": "中文", "en": "English"}
_CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def system_language() -> str:
    """'zh' when the system's UI language is Chinese, else 'en'."""
    from PySide6.QtCore import QLocale

    names = [QLocale.system().name()] + list(QLocale.system().uiLanguages())
    return "zh" if any(str(n).lower().startswith("zh") for n in names) else "en"


def resolve_language(setting: str | None) -> str:
    """The interface language for a saved setting ('' or None = follow the system)."""
    return setting if setting in LANGUAGES else system_language()


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


class Translator:
    def __init__(self, language: str = "zh") -> None:
        self.language = language if language in LANGUAGES else "zh"

    def text(self, zh: str, en: str) -> str:
        return zh if self.language == "zh" else en
