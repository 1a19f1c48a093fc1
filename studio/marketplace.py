"""Text of marketplace listings made fit to say and to show: points, categories, pictographs, glyphs.

- `spoken_category('数码/游戏本')` -> '游戏本': a category path is said as its last name.
- `dedupe_points([...])`: a point said twice, or one that only repeats another (感冒 / 感冒药, or the
  same words in other case and punctuation), is said once.
- `speakable_point(text, language)`: a long bullet cut at a sentence or clause boundary, never
  inside a word (Chinese words are found with jieba), so the voice and the headline say whole words.
- `attribute_points(tags)`: a listing's attribute tags joined into selling points of several tags,
  never one-word points.
- `strip_pictographs(text)`: emoji, dingbats and other symbols out of text a voice will say.
- `drawable(text, font)`: characters the shipped font cannot draw dropped from on-screen text (a
  logged note says which), so no box is ever drawn.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from .core.text import HAN

log = logging.getLogger(__name__)

_PATH_SEPARATORS = re.compile(r"\s*(?:/|>|＞|›|»|\\|\||｜|→|-{1,2}>)\s*")


def category_path(category: str) -> list[str]:
    """'数码/游戏本' -> ['数码', '游戏本']; 'Home&Kitchen|Heaters' -> ['Home & Kitchen', 'Heaters']."""
    parts = [p.strip() for p in _PATH_SEPARATORS.split(str(category or "")) if p and p.strip()]
    return [re.sub(r"(?<=[a-z])&(?=[A-Z])", " & ", p) for p in parts]


def spoken_category(category: str) -> str:
    """How a category is said: the last name of its path, with glued words apart ('USBCables' ->
    'USB Cables'); a plain category is unchanged."""
    parts = category_path(category)
    if not parts:
        return ""
    last = parts[-1]
    if not re.search(f"[{HAN}]", last):
        last = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", last)
        last = re.sub(r"\s*&\s*", " & ", last).strip()
    return last


# ---- pictographs and glyphs ------------------------------------------------------------------

_PICTOGRAPH = re.compile(
    "[\U0001F000-\U0001FAFF\U00002600-\U000027BF\U00002B00-\U00002BFF\uFE00-\uFE0F\u200D\u20E3"
    "\u2190-\u21FF\u2300-\u23FF\u25A0-\u25FF\U000E0000-\U000E007F]")


def strip_pictographs(text: str) -> str:
    """Emoji, dingbats, arrows, shapes and other symbols (Unicode 'So', private use) removed, for
    text a voice will say; ° and ℃ stay (units). Spaces they leave are tidied."""
    out = _PICTOGRAPH.sub(" ", str(text or ""))
    out = "".join(" " if unicodedata.category(ch) in ("So", "Co", "Cs") and ch not in "°℃℉" else ch for ch in out)
    out = re.sub(r"[ \t]{2,}", " ", out)
    out = re.sub(r"\s+([，。！？、；：,.!?;:])", r"\1", out)
    return out.strip()


@lru_cache(maxsize=8)
def font_codepoints(font_path: str) -> frozenset[int]:
    """Every character a font file can draw (its cmap); an empty set when it cannot be read."""
    try:
        from fontTools.ttLib import TTCollection, TTFont

        if font_path.lower().endswith((".ttc", ".otc")):
            font = TTCollection(font_path, lazy=True).fonts[0]
        else:
            font = TTFont(font_path, lazy=True)
        return frozenset(font.getBestCmap() or {})
    except Exception:
        log.exception("could not read the character map of %s; on-screen text is not checked", font_path)
        return frozenset()


_NOTED: set[str] = set()


def drawable(text: str, font_path: str | Path | None = None) -> str:
    """`text` without the characters the font cannot draw (they would show as boxes); white space
    and line breaks always stay. The first time a character is dropped it is logged."""
    text = str(text or "")
    if not text:
        return text
    if font_path is None:
        from .util import cjk_font_path

        font_path = cjk_font_path()
    cmap = font_codepoints(str(font_path))
    if not cmap:
        return text
    kept, dropped = [], []
    for ch in text:
        if ch.isspace() or ord(ch) in cmap:
            kept.append(ch)
        elif unicodedata.category(ch) in ("Mn", "Cf") or "\ufe00" <= ch <= "\ufe0f":
            continue  # combining marks, joiners, variation selectors: nothing to show
        else:
            dropped.append(ch)
    if dropped:
        new = "".join(sorted(set(dropped) - _NOTED))
        if new:
            _NOTED.update(new)
            log.warning("on-screen text: %s cannot be drawn by %s and is left out (in %r)",
                        " ".join(f"U+{ord(c):04X}" for c in new), Path(font_path).name, text[:60])
    out = re.sub(r"[ \t]{2,}", " ", "".join(kept))
    return out.strip() if text.strip() == text else out


def screen_text(text: str, font_path: str | Path | None = None) -> str:
    """Text both spoken and shown (script lines, captions): no pictographs, nothing undrawable."""
    return drawable(strip_pictographs(text), font_path)


# ---- points ----------------------------------------------------------------------------------

def _key(text: str) -> str:
    t = unicodedata.normalize("NFKC", strip_pictographs(text)).casefold()
    return re.sub(r"[\W_]+", "", t)


def dedupe_points(points: list[str]) -> list[str]:
    """Points in their order, each said once: an exact repeat, the same words in other case or
    punctuation, a near copy (nine tenths the same), or a point contained in a longer one said
    elsewhere ('感冒' next to '感冒药', 'Sturdy and Durable' next to 'Sturdy and Durable. With USB
    cable...') goes."""
    import difflib

    keys = [_key(p) for p in points]
    out: list[str] = []
    out_keys: list[str] = []
    for point, key in zip(points, keys):
        if not key or key in out_keys:
            continue
        if any(key != other and key in other for other in keys):
            continue
        if len(key) >= 10 and any(difflib.SequenceMatcher(None, key, k, autojunk=False).ratio() >= 0.9
                                  for k in out_keys):
            continue
        out.append(point.strip())
        out_keys.append(key)
    return out


_SENTENCE_END = {"zh": re.compile(r"(?<=[。！？!?；;])"), "en": re.compile(r"(?<=[.!?;])\s+(?=\S)")}
# a comma ends a clause only before a word (not inside a list of numbers or models: 'iPhone 12, 11, X')
_CLAUSE_END = {"zh": re.compile(r"(?<=[，：,:；;])"),
               "en": re.compile(r"(?<=[:;])\s+|(?<=,)\s+(?=[A-Za-z]{3,})|\s+(?=[–—-]\s)|(?<=[–—])\s+|(?<=\s-)\s+")}
# how much one spoken point may hold: Chinese characters, English words
POINT_LIMIT = {"zh": 30, "en": 18}


def _size(text: str, language: str) -> int:
    if language == "zh":
        return len(re.findall(f"[{HAN}]|[A-Za-z0-9]+", text))
    return len(text.split())


def speakable_point(text: str, language: str, limit: int | None = None) -> str:
    """A selling point short enough to say as one line: the whole point when it fits; else its first
    sentences that fit; else the first clauses of the first sentence that fit (cut after a comma,
    colon or dash); a first clause longer than the limit is kept whole. Never cut inside a word.
    Labels in brackets ('【Durable】' / '[CHARGE & SYNC]-') become 'Durable: ...'."""
    language = "zh" if language == "zh" else "en"
    limit = limit or POINT_LIMIT[language]
    t = re.sub(r"\s+", " ", strip_pictographs(str(text or ""))).strip()
    t = re.sub(r"^\s*[【\[]\s*([^】\]]{1,40}?)\s*[】\]]\s*[-:：–—]*\s*",
               lambda m: m.group(1) + ("：" if language == "zh" else ": "), t)
    if _size(t, language) <= limit:
        return t
    sentences = [s.strip() for s in _SENTENCE_END[language].split(t) if s.strip()]
    kept = ""
    for sentence in sentences:
        trial = (kept + ("" if language == "zh" else " ") + sentence).strip() if kept else sentence
        if _size(trial, language) > limit:
            break
        kept = trial
    if kept:
        return kept.rstrip("；;，,、 ")
    first = sentences[0] if sentences else t
    clauses = [c for c in _CLAUSE_END[language].split(first) if c]
    kept = ""
    for clause in clauses:
        trial = kept + ("" if not kept or language == "zh" or kept.endswith(" ") else " ") + clause.strip() \
            if kept else clause.strip()
        if _size(trial, language) > limit:
            break
        kept = trial
    kept = kept or first
    return kept.strip().rstrip("，,、：:;；-–— ")


def attribute_points(tags: list[str], language: str = "zh", per_point: int = 4) -> list[str]:
    """A listing's attribute tags as selling points: repeats and tags inside another tag dropped
    ('感冒, 感冒药' -> '感冒药'), 'key: value' tags as 'key value', and the tags joined a few to a
    point ('全体型犬、全年龄犬、鱼肉'), never one tag to a point unless it is a phrase of its own."""
    clean = []
    for tag in tags:
        tag = strip_pictographs(tag).strip(" ，,;；、")
        m = re.match(r"^([^:：]{1,12})[:：]\s*(.+)$", tag)
        if m:
            tag = f"{m.group(1)}{'' if language == 'zh' else ' '}{m.group(2)}".strip()
        if tag:
            clean.append(tag)
    clean = dedupe_points(clean)
    if not clean:
        return []
    joiner = "、" if language == "zh" else ", "
    short = [t for t in clean if _size(t, language) <= (8 if language == "zh" else 4)]
    long = [t for t in clean if t not in short]
    points = [joiner.join(short[i:i + per_point]) for i in range(0, len(short), per_point)]
    if len(points) > 1 and len(short) % per_point == 1:  # no point of one tag at the end
        points[-2:] = [points[-2] + joiner + points[-1]]
    return points + long


__all__ = ["POINT_LIMIT", "attribute_points", "category_path", "dedupe_points", "drawable", "font_codepoints",
           "screen_text", "speakable_point", "spoken_category", "strip_pictographs"]
