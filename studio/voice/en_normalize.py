"""English text normalisation before the Piper voice.

Marketplace copy is full of things a voice should not read as written:

    ✅【Smooth drawing】👍            -> "Smooth drawing"          (pictographs and symbols are not read)
    BEST, PREMIUM, ULTRA-SOFT       -> best, premium, ultra-soft (capitals for emphasis are words)
    ISI, EMI, BPA, USB              -> I.S.I., E.M.I., B.P.A., USB (acronyms stay letters, even where
                                       espeak would read them as a word: it says "EMI" as "emmy")
    i7-12700H, RTX3060, Y9000P      -> i7 12 700 H, RTX 30 60, Y 9000 P (model numbers in parts,
                                       never "i seven dash twelve thousand...")
    60W, 3A, 5000mAh, 165Hz         -> 60 watt, 3 amp, 5000 milliamp hours, 165 hertz
    $24.99, €5, 50%                 -> 24 dollars 99, 5 euros, 50 percent (each price in its currency)

Whether a word in capitals is an acronym is decided by a word list of acronyms, then by shape:
no vowel (TV, RGB, CCTV), or three letters or fewer that are not a common English word (ISI, ELV;
NEW, TOP and FOR are words). The rest is a word.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from ..currency import CODE_PATTERN, CURRENCIES, SIGN_PATTERN, code_of_mark

_LEXICON = Path(__file__).parent / "lexicon"


@lru_cache(maxsize=None)
def _word_list(name: str) -> frozenset[str]:
    text = (_LEXICON / name).read_text(encoding="utf-8")
    return frozenset(w.strip().upper() for line in text.splitlines() for w in line.split("#", 1)[0].split() if w.strip())


def acronyms() -> frozenset[str]:
    """Acronyms read letter by letter (lexicon/acronyms_en.txt)."""
    return _word_list("acronyms_en.txt")


def common_short_words() -> frozenset[str]:
    """Common English words of two or three letters (lexicon/short_words_en.txt): NEW, TOP, FOR."""
    return _word_list("short_words_en.txt")


def is_acronym(word: str) -> bool:
    """Whether a word written in capitals is said letter by letter."""
    w = word.upper()
    if w in acronyms():
        return True
    if w in common_short_words():
        return False
    letters = re.sub(r"[^A-Z]", "", w)
    if not letters:
        return False
    if not re.search(r"[AEIOUY]", letters):  # no vowel: TV, PC, DVD, RGB, CCTV, MRP
        return True
    return len(letters) <= 3  # three letters that are not a common word: ISI, ELV, BPA


_PICTOGRAPH = re.compile(
    "[\U0001F000-\U0001FAFF\U00002600-\U000027BF\U00002B00-\U00002BFF\U0001F900-\U0001F9FF"
    "\uFE00-\uFE0F\u200D\u20E3\u2190-\u21FF\u2300-\u23FF\u25A0-\u25FF\u2700-\u27BF]")


def strip_pictographs(text: str) -> str:
    """Emoji, dingbats, arrows, geometric shapes and other symbols (Unicode 'So') removed; the
    degree sign is kept (it is a unit)."""
    text = _PICTOGRAPH.sub(" ", text)
    return "".join(" " if unicodedata.category(ch) in ("So", "Co", "Cn") and ch not in "°℃℉" else ch for ch in text)


_UNITS = [  # after a number; case matters where it must (mm vs MM is the same, W vs w is not)
    (r"mAh|mah|MAH", "milliamp hours"), (r"Wh", "watt hours"), (r"kWh", "kilowatt hours"), (r"kW|KW", "kilowatt"),
    (r"W", "watt"), (r"V", "volt"), (r"A", "amp"), (r"Hz|HZ|hz", "hertz"), (r"GHz|ghz", "gigahertz"),
    (r"MHz", "megahertz"), (r"mm", "millimetres"), (r"cm", "centimetres"), (r"ml|mL|ML", "millilitres"),
    (r"kg|KG|Kg", "kilograms"), (r"mg", "milligrams"), (r"g|gm|gms", "grams"), (r"lbs?", "pounds"), (r"oz", "ounces"),
    (r"L|ltr|Ltr", "litres"), (r"Mbps|mbps", "megabits per second"), (r"°C|℃", "degrees celsius"), (r"°F|℉", "degrees fahrenheit"),
]
_UNIT_RE = re.compile(r"(?<![A-Za-z0-9.])(\d+(?:\.\d+)?)\s?(" + "|".join(u for u, _ in _UNITS) + r")(?![A-Za-z0-9])")
_UNIT_WORDS = [(re.compile(f"^(?:{u})$"), w) for u, w in _UNITS]
# a model number: letters and digits in one word (RTX3060, i7-12700H, L32M5-AL, Y9000P), not a unit amount
_MODEL = re.compile(r"(?<![A-Za-z0-9.'])(?=[A-Za-z0-9-]*[A-Za-z])(?=[A-Za-z0-9-]*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?![A-Za-z0-9'])")


def _unit(match: re.Match) -> str:
    number, unit = match.group(1), match.group(2)
    for regex, word in _UNIT_WORDS:
        if regex.match(unit):
            return f"{number} {word}"
    return match.group()


def _digits(run: str) -> str:
    """How a model's digits are said: 3060 -> '30 60', 12700 -> '12 700', 9000 -> '9000', 450 -> '450'."""
    n = len(run)
    if n == 4 and not run.endswith("00") and run[0] != "0":
        return f"{run[:2]} {run[2:]}"
    if n == 5 and run[0] != "0":
        return f"{run[:2]} {run[2:]}"
    if n >= 6 or run.startswith("0"):
        return " ".join(run)
    return run


def _model(match: re.Match) -> str:
    token = match.group()
    if re.fullmatch(r"\d+(?:st|nd|rd|th|s)", token, re.IGNORECASE):  # 2nd, 1990s
        return token
    if re.fullmatch(r"\d(?:\.\d)?[Kk]|\d{3,4}[Pp]|[1-9]\d?[Dd]", token):  # 4K, 1080P, 3D: said as written
        return token
    parts = re.findall(r"[A-Za-z]+|\d+", token)
    spoken = []
    for part in parts:
        if part.isdigit():
            spoken.append(_digits(part))
        elif part.isupper() and len(part) > 1 and is_acronym(part):
            spoken.append(part)
        else:
            spoken.append(part)
    return " ".join(spoken)


def _caps(match: re.Match) -> str:
    word = match.group()
    pieces = word.split("-")
    out = []
    for piece in pieces:
        if len(piece) >= 2 and piece.isupper() and piece.isalpha():
            if is_acronym(piece) and len(piece) >= 3:
                # espeak reads some acronyms as words (EMI -> "emmy"); dotted letters are always spelled
                out.append(piece if piece in _SAID_AS_LETTERS_ANYWAY else ".".join(piece) + ".")
            else:
                out.append(piece.lower())
        else:
            out.append(piece)
    return "-".join(out)


# acronyms espeak already spells (dotting them changes nothing but the caption timing keys)
_SAID_AS_LETTERS_ANYWAY = frozenset("USB LED TV HD PC DVD CD RGB GPS NFC LCD CPU GPU SSD HDD RAM DIY UV AC DC FM "
                                     "HDMI CCTV FHD UHD QHD OTG PD SD RTX GTX SKU DSLR NVME".split())


_SIGN_AMOUNT = re.compile(rf"(?<![A-Za-z])({SIGN_PATTERN})\s*(\d+(?:,\d{{3}})*)(?:\.(\d+))?(?!\d|\.\d)", re.I)
_AMOUNT_CODE = re.compile(rf"(?<![\d.])(\d+(?:,\d{{3}})*)(?:\.(\d+))?\s*({CODE_PATTERN})(?![A-Za-z])")


def _say_amount(whole: str, decimals: str | None, mark: str) -> str:
    """Prices in their own currency: '24', '99', '$' -> '24 dollars 99'; '1', None, '€' -> '1 euro';
    '19', '9', '¥' -> '19.9 yuan'; HK$88 -> 88 Hong Kong dollars; 5 EUR -> 5 euros."""
    money = CURRENCIES[code_of_mark(mark)]
    name = money.en_one if whole.replace(",", "") == "1" and not decimals else money.en_many
    if decimals and len(decimals) == 2:
        return f"{whole} {name} {decimals}" if decimals != "00" else f"{whole} {name}"
    return f"{whole}.{decimals} {name}" if decimals else f"{whole} {name}"


def normalize_en(text: str) -> str:
    """Rewrite merchant copy into what the English voice reads well (see the module docstring)."""
    t = unicodedata.normalize("NFKC", str(text or ""))
    t = strip_pictographs(t)
    t = re.sub(r"[®™©]", "", t)
    t = re.sub(r"[【\[{]\s*", "", t)
    t = re.sub(r"\s*[】\]}]\s*[-:：–—]*\s*", ": ", t)
    t = _SIGN_AMOUNT.sub(lambda m: _say_amount(m.group(2), m.group(3), m.group(1)), t)
    t = _AMOUNT_CODE.sub(lambda m: _say_amount(m.group(1), m.group(2), m.group(3)), t)
    t = t.replace("%", " percent")
    t = re.sub(r"(?<=\d)\s*[xX×]\s*(?=\d)", " by ", t)
    t = _UNIT_RE.sub(_unit, t)
    t = _MODEL.sub(_model, t)
    t = re.sub(r"(?<=[A-Za-z])\s*/\s*(?=[A-Za-z])", " or ", t)
    t = re.sub(r"\s*&\s*", " and ", t)
    t = re.sub(r"(?<=\w)\+(?=\s|$)", " plus", t)
    t = re.sub(r"\b[A-Z][A-Z-]*[A-Z]\b", _caps, t)
    t = re.sub(r"\s*:\s*(?=[.,;:!?]|$)", "", t)
    t = re.sub(r"([,;:])\s*(?=[,;:])", "", t)
    return re.sub(r"\s{2,}", " ", t).strip(" :")


__all__ = ["acronyms", "common_short_words", "is_acronym", "normalize_en", "strip_pictographs"]
