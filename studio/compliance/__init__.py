"""Compliance checking of ad copy before rendering.

Catches what gets merchants' videos taken down: absolute terms (Advertising Law art. 9(3)),
medical and efficacy claims in cosmetics and food, false urgency, and prices or discounts spoken
in the script that the product sheet does not back. Every finding carries its category, the exact
span, the reason, the law, and the line rewritten without the problem. Rules are data
(``lexicon/*.yaml``); extend them there.

    >>> [f.text for f in check_text("全网最低价，顶级品质", "zh")]
    ['全网最低价', '顶级']
"""
from __future__ import annotations

import re
from typing import Iterable

from ..types import Product, Script
from .rules import (
    ABSOLUTE, CATEGORIES, EFFICACY, MEDICAL, MISLEADING, PRICE_CLAIM, PRICE_MISMATCH, URGENCY, Finding, check_prices,
    families, fill_suggestions, lexicons, normalise, offer_backs_urgency, rewrite,
)
from .rules import check_text as _check_text

__all__ = [
    "Finding", "check_text", "check_script", "check_lines", "blocking", "rewrite", "summary", "CATEGORIES",
    "ABSOLUTE", "MEDICAL", "EFFICACY", "URGENCY", "MISLEADING", "PRICE_MISMATCH", "PRICE_CLAIM", "families", "normalise",
    "lexicons",
]


def check_text(text: str, language: str, *, category: str = "", product_names: Iterable[str] = ()) -> list[Finding]:
    """Findings for one piece of free text (line = -1)."""
    return _check_text(text, language, category=category, product_names=list(product_names or ()), line=-1)


_PROMO_BRACKETS = re.compile(r"【[^】]*】|\[[^\]]*\]|「[^」]*」|〖[^〗]*〗")


def _names(product: Product) -> list[str]:
    """The spans never flagged: the brand and the product's name, but not the promotions a
    marketplace title carries in brackets ('【全网最低价】小熊保温杯': only 小熊保温杯 is a name)."""
    parts = [p.strip() for p in _PROMO_BRACKETS.split(product.name or "")]
    # the brand without its romanised form in brackets ('机械革命（MECHREVO）' -> '机械革命'), and the model
    # the title spells right after it ('机械革命旷世E 17.3英寸…' -> '机械革命旷世E'): a short name made
    # from the title keeps that model, whose words are a name, not a claim
    brand = re.split(r"[（(]", product.brand or "")[0].strip()
    models: list[str] = []
    for part in parts if brand else ():
        rest = re.sub(rf"^{re.escape(brand)}\s*(?:[（(][^）)]*[）)])?\s*", "", part) if part.startswith(brand) else ""
        # a series name with its code (天选2, 旷世E, 暗影精灵8Pro); words without a code are not a model
        code = re.match(r"[\u4e00-\u9fff]{0,4}[A-Za-z0-9][A-Za-z0-9.+\-]*", rest)
        if code:
            models += [code.group(0), brand + code.group(0)]
    return [n for n in [*parts, product.brand, brand, *models] if n and n.strip()]


def check_lines(lines: list[str], product: Product, language: str = "") -> list[Finding]:
    """Every line against the lexicon and the product sheet (price, original price, offer)."""
    lang = language or product.language or "zh"
    names = _names(product)
    backed = offer_backs_urgency(product.offer)
    findings: list[Finding] = []
    for i, line in enumerate(lines):
        found = _check_text(line, lang, category=product.category, product_names=names, line=i)
        if backed:
            found = [f for f in found if f.category != URGENCY]
        prices = check_prices(line, lang, product, line=i)
        found += [p for p in prices if not any(p.start < f.end and f.start < p.end for f in found)]
        found.sort(key=lambda f: (f.start, f.end))
        fill_suggestions(line, found, lang)
        findings += found
    return findings


def check_script(script: Script, product: Product) -> list[Finding]:
    """Every spoken line and every on-screen headline, plus agreement of prices/discounts with the sheet.
    Findings in a headline have line -1 and `overlay` = the index of its scene."""
    language = script.language or product.language
    findings = check_lines(script.lines, product, language)
    for index, scene in enumerate(script.scenes):
        # what the scene shows on screen: its headline; the hook shows the product name when it has none
        shown = scene.overlay.strip() or (product.name if scene.kind == "hook" else "")
        if shown:
            for f in check_lines([shown], product, language):
                f.line, f.overlay = -1, index
                findings.append(f)
    return findings


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that stop a render unless the user explicitly overrides them."""
    return [f for f in findings if f.severity == "block"]


def summary(findings: Iterable[Finding]) -> dict:
    """Counts for a manifest or a status line."""
    fs = list(findings)
    by_cat: dict[str, int] = {}
    for f in fs:
        by_cat[f.category] = by_cat.get(f.category, 0) + 1
    return {"total": len(fs), "blocking": len(blocking(fs)), "by_category": by_cat}
