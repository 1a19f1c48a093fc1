"""Text helpers every stage shares: what counts as a Chinese character, and Chinese numerals read
and written (五十九点九 <-> 59.9). Defined once; the sheet, script, voice, subtitles and compliance
stages all use these."""
from __future__ import annotations

import re
import unicodedata

# CJK unified ideographs, with extension A and the compatibility block (for regex character classes)
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_RE = re.compile(f"[{HAN}]")


def has_han(text: str) -> bool:
    """Whether the text holds a Chinese character."""
    return bool(HAN_RE.search(text or ""))


def is_han(ch: str) -> bool:
    """Whether `ch` is one Chinese character."""
    return len(ch) == 1 and bool(HAN_RE.match(ch))


# ---------------------------------------------------------------- Chinese numerals

ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
ZH_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
ZH_NUMERALS = "零〇一二两三四五六七八九十百千万点"
ZH_NUMERAL_RUN = re.compile(f"[{ZH_NUMERALS}]+")
_SPOKEN_DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ["", "十", "百", "千"]
_BIG_UNITS = ["", "万", "亿", "万亿"]


def _whole(run: str) -> int | None:
    """The integer a run of numerals says: 一九九 digit by digit, 一百九十九 by its units; None when
    it holds anything else."""
    if not run:
        return None
    if all(c in ZH_DIGITS for c in run):
        return int("".join(str(ZH_DIGITS[c]) for c in run))
    total = section = digit = 0
    for c in run:
        if c in ZH_DIGITS:
            digit = ZH_DIGITS[c]
        elif c == "万":
            total += (section + digit) * 10000
            section = digit = 0
        elif c in ZH_UNITS:
            section += (digit or 1) * ZH_UNITS[c]
            digit = 0
        else:
            return None
    return total + section + digit


def zh_numerals_to_digits(run: str) -> str:
    """'五十九点九' -> '59.9', '一百' -> '100', '一九九' -> '199' (plain cases; anything odd stays close)."""
    whole, _, frac = run.partition("点")
    number = _whole(whole)
    out = str(number) if number is not None else "".join(str(ZH_DIGITS[c]) for c in whole if c in ZH_DIGITS)
    frac = "".join(str(ZH_DIGITS[c]) for c in frac if c in ZH_DIGITS)
    return out + ("." + frac if frac else "")


def zh_number(text: str) -> float | None:
    """The number a text says, in digits or in Chinese: '99' and '九十九' -> 99, '两千' -> 2000,
    '五十九点九' -> 59.9; None when it is not one number."""
    s = text.strip()
    if not s:
        return None
    try:
        return float(s)
    except ValueError:
        pass
    whole, dot, frac = s.partition("点")
    number = _whole(whole)
    if number is None or (dot and not all(c in ZH_DIGITS for c in frac)):
        return None
    return float(f"{number}.{''.join(str(ZH_DIGITS[c]) for c in frac)}" if frac else number)


def number_key(text: str) -> str:
    """The digits a piece of text says, Chinese numerals included: '五十九点九' and '59.9' both give '599'."""
    t = unicodedata.normalize("NFKC", text)
    t = ZH_NUMERAL_RUN.sub(lambda m: zh_numerals_to_digits(m.group()), t)
    return re.sub(r"\D", "", t)


def _section(n: int) -> str:
    """0 < n < 10000 -> Chinese, with inner zeros as a single 零 (1005 -> 一千零五)."""
    out, zero = "", False
    for pos in range(3, -1, -1):
        d = n // 10**pos % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _SPOKEN_DIGITS[d] + _SMALL_UNITS[pos]
    return out


def int_to_zh(n: int) -> str:
    """An integer read as a quantity: 12 -> 十二, 105 -> 一百零五, 20000 -> 两万."""
    if n == 0:
        return "零"
    if n < 0:
        return "负" + int_to_zh(-n)
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out, skipped = "", False
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            skipped = bool(out)
            continue
        if out and (g < 1000 or skipped):
            out += "零"
        out += _section(g) + _BIG_UNITS[i]
        skipped = False
    if out.startswith("一十"):
        out = out[1:]
    # spoken Mandarin says 两 for a leading 2 before 百/千/万/亿
    if len(out) > 1 and out[0] == "二" and out[1] in "百千万亿":
        out = "两" + out[1:]
    return out


def digits_to_zh(s: str) -> str:
    """Digits read one by one: '2024' -> 二零二四."""
    return "".join(_SPOKEN_DIGITS[int(d)] for d in s if d.isdigit())


def number_to_zh(s: str) -> str:
    """'59.9' -> 五十九点九, '0.50' -> 零点五零, '12' -> 十二."""
    whole, _, frac = s.partition(".")
    out = int_to_zh(int(whole or "0"))
    return out + ("点" + digits_to_zh(frac) if frac else "")
