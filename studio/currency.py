"""Currencies: what a price cell or a currency column names, and how a price is shown and said.

A product's currency is an ISO 4217 code (`Product.currency`); "" means the default of its
language (CNY for Chinese rows, USD for English ones). The sheet reads it from the price cell's
symbol or code (`€5`, `5 EUR`, `19.9元`, `HK$88`) or from a currency column; the script, the
price tag and both voices then use it, so `€5` is never shown or said as "$5".
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .core.text import HAN


@dataclass(frozen=True)
class Currency:
    """One currency: its code, the symbol shown on screen and the words the voices say."""

    code: str  # ISO 4217
    symbol: str  # shown before the amount: ¥59.9, €5, HK$88
    zh: str  # said after the amount in Mandarin: 五十九点九元, 五欧元
    en_one: str  # said after the amount in English: 1 euro
    en_many: str  # 5 euros
    marks: tuple[str, ...] = ()  # further ways a price cell writes it (besides the code and the symbol)


CURRENCIES: dict[str, Currency] = {c.code: c for c in (
    Currency("CNY", "¥", "元", "yuan", "yuan", ("￥", "元", "圆", "块", "块钱", "人民币", "rmb", "yuan")),
    Currency("USD", "$", "美元", "dollar", "dollars", ("us$", "usd$", "美元", "美金", "dollar", "dollars")),
    Currency("EUR", "€", "欧元", "euro", "euros", ("欧元", "euro", "euros")),
    Currency("GBP", "£", "英镑", "pound", "pounds", ("英镑", "pound", "pounds")),
    Currency("JPY", "JP¥", "日元", "yen", "yen", ("円", "日元", "日圆", "yen")),
    Currency("HKD", "HK$", "港元", "Hong Kong dollar", "Hong Kong dollars", ("港币", "港元", "港幣")),
    Currency("TWD", "NT$", "新台币", "New Taiwan dollar", "New Taiwan dollars", ("新台币", "台币", "新台幣", "台幣")),
    Currency("MOP", "MOP$", "澳门元", "pataca", "patacas", ("澳门元", "澳门币")),
    Currency("KRW", "₩", "韩元", "won", "won", ("韩元", "韓元", "won")),
    Currency("AUD", "A$", "澳元", "Australian dollar", "Australian dollars", ("au$", "澳元")),
    Currency("CAD", "C$", "加元", "Canadian dollar", "Canadian dollars", ("ca$", "加元")),
    Currency("SGD", "S$", "新加坡元", "Singapore dollar", "Singapore dollars", ("新加坡元", "新币")),
    Currency("INR", "₹", "卢比", "rupee", "rupees", ("卢比", "rupee", "rupees", "rs", "rs.")),
    Currency("THB", "฿", "泰铢", "baht", "baht", ("泰铢", "baht")),
    Currency("RUB", "₽", "卢布", "ruble", "rubles", ("卢布", "ruble", "rubles")),
    Currency("CHF", "CHF", "瑞士法郎", "Swiss franc", "Swiss francs", ("瑞士法郎",)),
)}
DEFAULT_CODE = {"zh": "CNY", "en": "USD"}

# every way of writing a currency, lower-case, longest first (so "hk$" wins over "$")
_MARKS: dict[str, str] = {}
for _c in CURRENCIES.values():
    for _mark in (_c.code, _c.symbol, *_c.marks):
        _MARKS.setdefault(_mark.lower(), _c.code)
MARK_PATTERN = "|".join(re.escape(m) for m in sorted(_MARKS, key=len, reverse=True))
# the marks written next to an amount in a script line (symbols and codes, not words): €5, HK$88, 5 EUR
SIGN_PATTERN = "|".join(re.escape(m) for m in sorted(
    (m for m in _MARKS if not re.fullmatch(f"[a-z.]+|[{HAN}]+", m)), key=len, reverse=True))
CODE_PATTERN = "|".join(CURRENCIES)
_LETTERS = re.compile(r"[a-z]")


class UnknownCurrency(ValueError):
    """A currency column names something that is not a currency the studio knows."""


def code_of_mark(mark: str) -> str | None:
    """A currency mark as a cell writes it ('€', 'EUR', '元', 'HK$', 'dollars') -> its ISO code; None when unknown."""
    return _MARKS.get(mark.strip().lower())


def parse_currency(text: str) -> str:
    """A currency column's value -> ISO code ('' for an empty cell). Raises UnknownCurrency."""
    text = text.strip()
    if not text:
        return ""
    code = code_of_mark(text)
    if code is None:
        known = ", ".join(CURRENCIES)
        raise UnknownCurrency(f"currency '{text}' is not one the studio can show and say (use one of {known}, "
                              "or a symbol such as ¥ $ € £)")
    return code


def split_marks(cell: str) -> tuple[str, set[str]]:
    """A compacted price cell (no white space) with the currency marks before and after the number
    taken off, and the codes they named: ('5', {'EUR'}) for '€5', ('5', {'EUR'}) for '5EUR'."""
    codes: set[str] = set()
    lead = re.compile(rf"^(?:{MARK_PATTERN})", re.I)
    tail = re.compile(rf"(?:{MARK_PATTERN})$", re.I)
    for _ in range(3):
        before = cell
        m = lead.match(cell)
        # a code spelt in letters must not eat the start of a word ("rs" in "rsvp" is no currency)
        if m and not (_LETTERS.search(m.group().lower()[-1:]) and re.match(r"[a-z]", cell[m.end():m.end() + 1], re.I)):
            codes.add(_MARKS[m.group().lower()])
            cell = cell[m.end():]
        m = tail.search(cell)
        if m and not (_LETTERS.match(m.group().lower()[:1]) and re.search(r"[a-z]$", cell[:m.start()], re.I)):
            codes.add(_MARKS[m.group().lower()])
            cell = cell[:m.start()]
        if cell == before:
            break
    return cell, codes


def currency_for(code: str, language: str) -> Currency:
    """The Currency of a product: its own code, or its language's default when it has none."""
    return CURRENCIES.get(code) or CURRENCIES[DEFAULT_CODE.get(language, "USD")]


def is_default(code: str, language: str) -> bool:
    """True when `code` is what a row of this language means without saying ('' or its default)."""
    return not code or code == DEFAULT_CODE.get(language, "USD")


def format_amount(value: float) -> str:
    """59.9 -> '59.9', 5.0 -> '5', 1299.5 -> '1299.5' (two decimals at most, trailing zeros dropped)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def shown(value: float, code: str, language: str) -> str:
    """The price as the price tag shows it: '¥59.9', '€5', 'HK$88'."""
    return currency_for(code, language).symbol + format_amount(value)


__all__ = ["CODE_PATTERN", "CURRENCIES", "Currency", "DEFAULT_CODE", "MARK_PATTERN", "SIGN_PATTERN", "UnknownCurrency", "code_of_mark",
           "currency_for", "format_amount", "is_default", "parse_currency", "shown", "split_marks"]
