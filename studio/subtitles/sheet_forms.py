"""Numbers and product words in recognised speech written the way the product sheet writes them.

When captions come from the transcript (the merchant's own free talk), Whisper writes numbers its
own way: 12线 where the sheet says 一二线, 五十九块九 where the sheet's price is 59.9. Every
number-bearing term of the sheet (name, brand, selling points, offer, extra columns, prices) gets a
key that ignores the numeral system; a run of recognised words with the same key is replaced by the
sheet's own text, keeping the run's start and end times.

Whisper also mishears product words as homophones (不秀钢 for 不锈钢, 宝温 for 保温). A run of
recognised Chinese characters that sounds exactly like a word of the sheet (same pinyin; for a
two-character word the same tones too) but is written otherwise takes the sheet's characters,
each keeping its own time.

Then homophone slips of everyday words are put right with a word-frequency dictionary (停制 ->
停滞, 偏章 -> 篇章; `zh_lexicon`), the sheet's own words counting as frequent words there, so a
brand the dictionary does not know is never rewritten into one it does.
"""
from __future__ import annotations

import re
import unicodedata

from ..core.text import HAN, ZH_NUMERAL_RUN, is_han, zh_numerals_to_digits
from ..currency import currency_for
from ..types import Product, Word

_NUMERAL = "0-9零〇一二两三四五六七八九十百千万点."
_TERM = re.compile(rf"[{_NUMERAL}]*[0-9零〇一二两三四五六七八九十百千万][{_NUMERAL}]*[%％]?[A-Za-z{HAN}]?")
_MAX_RUN = 12  # recognised units a replaced span may cover


def form_key(text: str) -> str:
    """Digits and letters a text says, Chinese numerals and price words normalised: 五十九块九 -> 59.9."""
    t = unicodedata.normalize("NFKC", text).lower()
    t = ZH_NUMERAL_RUN.sub(lambda m: zh_numerals_to_digits(m.group()), t)
    t = re.sub(r"(?<=\d)[块元](?=\d)", ".", t)
    t = re.sub(r"(?<=\d)[块元毛角钱]+$", "", t)
    t = t.replace("¥", "").replace("￥", "").replace("$", "")
    return re.sub(r"[^\w.%]", "", t).strip(".")


def sheet_terms(product: Product) -> dict[str, str]:
    """key -> the sheet's own writing, for every number-bearing term of the product."""
    texts = [product.name, product.brand, product.offer, *product.selling_points, *map(str, product.extra.values())]
    terms: dict[str, str] = {}
    for text in texts:
        for m in _TERM.finditer(text or ""):
            term = m.group().strip(".")
            key = form_key(term)
            if key and re.search(r"\d", key) and len(term) >= 2:
                terms.setdefault(key, term)
    currency = currency_for(product.currency, product.language).symbol
    for price in (product.price, product.original_price):
        if price is not None:
            terms[form_key(f"{price:g}")] = f"{currency}{price:g}"
    return terms


def apply_sheet_forms(words: list[Word], product: Product, language: str) -> list[Word]:
    """Recognised words with the sheet's number forms (longest match first; times kept)."""
    terms = sheet_terms(product)
    if not terms:
        return list(words)
    sep = "" if language == "zh" else " "
    out: list[Word] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + _MAX_RUN), i, -1):
            text = sep.join(w.text.strip() for w in words[i:j])
            core = text.strip(" ，。！？、,.!?")
            term = terms.get(form_key(core)) if re.search(rf"[{_NUMERAL}]", core) else None
            if term is not None and core != term:
                tail = text[len(text.rstrip(" ，。！？、,.!?")):]
                out.append(Word(term + tail, words[i].start, words[j - 1].end,
                                min(w.probability for w in words[i:j])))
                i = j
                break
        else:
            out.append(words[i])
            i += 1
    return out


_CJK_RUN = re.compile(f"[{HAN}]{{2,}}")
_MAX_TERM = 8


def sheet_words(product: Product) -> dict[tuple[str, ...], str]:
    """pinyin key -> the sheet's Chinese word, for every 2-8 character stretch of the product's name,
    brand, category, selling points and offer (two-character words keyed with tones)."""
    from pypinyin import Style, lazy_pinyin

    texts = [product.name, product.brand, product.category, product.offer, *product.selling_points]
    words: dict[tuple[str, ...], str] = {}
    for text in texts:
        for run in _CJK_RUN.findall(text or ""):
            for n in range(min(_MAX_TERM, len(run)), 1, -1):
                for i in range(len(run) - n + 1):
                    term = run[i:i + n]
                    key = tuple(lazy_pinyin(term, style=Style.TONE3 if n == 2 else Style.NORMAL))
                    words.setdefault(key, term)
    return words


def apply_sheet_words(words: list[Word], product: Product) -> list[Word]:
    """Chinese one-character words with homophones of the sheet's words written as the sheet writes
    them (longest first; every character keeps its time, punctuation after it stays)."""
    from pypinyin import Style, lazy_pinyin

    terms = sheet_words(product)
    if not terms:
        return list(words)
    out = list(words)
    chars = [w.text.rstrip(" ，。！？、,.!?；;：:") for w in words]
    i = 0
    while i < len(out):
        for n in range(min(_MAX_TERM, len(out) - i), 1, -1):
            run = chars[i:i + n]
            if not all(is_han(c) for c in run):
                continue
            text = "".join(run)
            term = terms.get(tuple(lazy_pinyin(text, style=Style.TONE3 if n == 2 else Style.NORMAL)))
            if term is not None and term != text:
                for k in range(n):
                    w = out[i + k]
                    out[i + k] = Word(term[k] + w.text[len(chars[i + k]):], w.start, w.end, w.probability)
                i += n
                break
        else:
            i += 1
    return out


def with_sheet_forms(transcript, product: Product):
    """A transcript whose numbers and product words are written as the sheet writes them, and (for
    Mandarin) whose homophone slips are put right (for captions from free talk)."""
    from dataclasses import replace

    from .captions import _split_words
    from .zh_lexicon import MAX_SPAN, correct_homophones

    words = _split_words(transcript.words, transcript.language) if transcript.language == "zh" else transcript.words
    fixed = apply_sheet_forms(words, product, transcript.language)
    if transcript.language == "zh":
        terms = sheet_words(product).values()
        fixed = apply_sheet_words(fixed, product)
        fixed = correct_homophones(fixed, protected_terms=[t for t in terms if len(t) <= MAX_SPAN])
    if [w.text for w in fixed] == [w.text for w in words]:
        return transcript
    sep = "" if transcript.language == "zh" else " "
    return replace(transcript, words=fixed, text=sep.join(w.text for w in fixed))
