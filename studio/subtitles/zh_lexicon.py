"""Homophone slips of recognised Mandarin put right with a word-frequency lexicon.

Whisper base hears Mandarin sounds well but often picks the wrong characters for them: 停制 for
停滞, 获行 for 获刑, 偏章 for 篇章, 揪证 for 纠正. Such a slip is usually not a word. This pass reads
a run of recognised characters as the likeliest sequence of words (unigram word frequencies of
wordfreq's Mandarin list: 334 000 words counted in today's web, subtitles, news and social media,
so 微信, 食材 and 带货 are words), where a stretch of 2-5 characters that is not a word (or a very
rare one) may also be read as a word that sounds the same (the same pinyin without tones), at a
cost for every character it changes and more when the tone differs. A character is never changed
alone, and a stretch that is already a word is left as it is, so correct text stays as heard
unless its characters make no word at all. (jieba's older dictionary was tried first: it lacks
微信 and 食材 and turned them into 威信 and 石材.)

The pinyin index of the word list is built once (a few seconds) and kept in the data folder.
"""
from __future__ import annotations

import importlib.metadata
import logging
import math
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from ..core.text import is_han
from ..types import Word
from ..util import StudioError, data_home

log = logging.getLogger(__name__)

_TRAILING = " ，。！？、,.!?；;：:…"
MIN_SPAN, MAX_SPAN = 2, 5


@dataclass(frozen=True)
class CorrectionCosts:
    """Costs in nats (natural-log probability) of reading a stretch as another word: per changed
    character, and extra per changed character whose tone differs. Chosen on the tuning clips
    (scripts/measure_asr.py: the `tuning` and `dev` clips)."""

    per_char: float = 4.0
    tone: float = 4.0
    min_logp: float = -7.2 * math.log(10)  # words rarer than 10^-7.2 of all words are never written in


DEFAULT_COSTS = CorrectionCosts()


class Lexicon:
    """Word log-probabilities (natural log of the word's share of all words) and a toneless-pinyin
    index of multi-character words."""

    def __init__(self, logps: dict[str, float], pinyin: dict[str, tuple[str, ...]]) -> None:
        self.logps = logps
        self.floor = min(logps.values(), default=-20.0) - math.log(10)  # a character the list never saw
        self.by_sound: dict[tuple[str, ...], list[tuple[str, tuple[str, ...]]]] = {}
        for word, toned in pinyin.items():
            self.by_sound.setdefault(tuple(s.rstrip("012345") for s in toned), []).append((word, toned))

    @classmethod
    def from_counts(cls, counts: dict[str, int], pinyin: dict[str, tuple[str, ...]]) -> "Lexicon":
        total = math.log(sum(counts.values()) or 1)
        return cls({w: math.log(c) - total for w, c in counts.items()}, pinyin)

    def logp(self, word: str) -> float | None:
        return self.logps.get(word)


_lock = threading.Lock()
_lexicon: Lexicon | None = None


def _word_list_path() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("wordfreq")
    path = Path(spec.origin).parent / "data" / "large_zh.msgpack.gz" if spec and spec.origin else None
    if path is None or not path.is_file():
        raise StudioError("the Mandarin word list (package 'wordfreq') is not installed; run: bash scripts/bootstrap.sh")
    return path


def _read_logps(path: Path) -> dict[str, float]:
    """wordfreq's list: after a header, buckets of words, bucket i holding words of frequency 10^(-i/100)."""
    import gzip

    import msgpack

    buckets = msgpack.unpackb(gzip.decompress(path.read_bytes()), raw=False)[1:]
    per_cb = math.log(10) / 100
    return {word: -i * per_cb for i, bucket in enumerate(buckets) for word in bucket}


def index_path() -> Path:
    versions = "-".join(importlib.metadata.version(p) for p in ("wordfreq", "pypinyin"))
    return data_home() / "lexicon" / f"zh-homophones-{versions}.tsv"


def _build_index(logps: dict[str, float], target: Path) -> dict[str, tuple[str, ...]]:
    from pypinyin import Style, lazy_pinyin

    index: dict[str, tuple[str, ...]] = {}
    for word, logp in logps.items():
        if MIN_SPAN <= len(word) <= MAX_SPAN and logp >= DEFAULT_COSTS.min_logp and all(is_han(c) for c in word):
            toned = lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True)
            if len(toned) == len(word):
                index[word] = tuple(toned)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".zh-homophones.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for word, toned in index.items():
                out.write(f"{word}\t{' '.join(toned)}\n")
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        log.warning("could not keep the homophone index in %s (%s); it is rebuilt next time", target, exc)
    return index


def lexicon() -> Lexicon:
    """The shared lexicon, loaded (and its pinyin index built once) on first use."""
    global _lexicon
    with _lock:
        if _lexicon is None:
            logps = _read_logps(_word_list_path())
            target = index_path()
            pinyin: dict[str, tuple[str, ...]] = {}
            if target.is_file():
                with target.open(encoding="utf-8") as f:
                    for line in f:
                        word, _, toned = line.rstrip("\n").partition("\t")
                        pinyin[word] = tuple(toned.split())
            if not pinyin:
                pinyin = _build_index(logps, target)
            _lexicon = Lexicon(logps, pinyin)
        return _lexicon


def _readings(chars: str) -> list[str]:
    """The toned reading of each character in context (pypinyin's phrase-aware choice; other
    readings of a heteronym matched too many unrelated words: 几合 became 几个 through 合 gě)."""
    from pypinyin import Style, lazy_pinyin

    readings = lazy_pinyin(chars, style=Style.TONE3, neutral_tone_with_five=True)
    return readings if len(readings) == len(chars) else [""] * len(chars)


def correct_text(chars: str, lex: Lexicon, costs: CorrectionCosts = DEFAULT_COSTS,
                 protected: dict[str, float] | None = None) -> str:
    """The likeliest reading of a run of CJK characters (same length; see the module doc).
    `protected` words (the product sheet's) count as words with the given log-probability."""
    n = len(chars)
    if n < MIN_SPAN:
        return chars
    protected = protected or {}
    readings = _readings(chars)
    best: list[tuple[float, str] | None] = [None] * (n + 1)
    best[0] = (0.0, "")
    for i in range(n):
        if best[i] is None:
            continue
        score_i, text_i = best[i]
        for j in range(i + 1, min(n, i + MAX_SPAN) + 1):
            span = chars[i:j]
            as_is = protected.get(span, lex.logp(span))
            options: list[tuple[float, str]] = []
            if as_is is not None:
                options.append((as_is, span))
            elif j == i + 1:
                options.append((lex.floor, span))
            rare = as_is is None or (span not in protected and as_is < costs.min_logp)
            if rare and j - i >= MIN_SPAN:
                options += _sound_alikes(span, readings[i:j], lex, costs)
            for score, text in options:
                total = score_i + score
                if best[j] is None or total > best[j][0]:
                    best[j] = (total, text_i + text)
    return best[n][1] if best[n] else chars


def _sound_alikes(span: str, readings: list[str], lex: Lexicon, costs: CorrectionCosts) -> list[tuple[float, str]]:
    """(score, word) for the dictionary words that sound like `span` (same pinyin without tones)."""
    if not all(readings):
        return []
    out = []
    for word, toned in lex.by_sound.get(tuple(s.rstrip("012345") for s in readings), ()):
        logp = lex.logps.get(word, lex.floor)
        if word == span or len(word) != len(span) or logp < costs.min_logp:
            continue
        changed = [k for k in range(len(span)) if span[k] != word[k]]
        tone_off = sum(1 for k in changed if toned[k] != readings[k])
        out.append((logp - costs.per_char * len(changed) - costs.tone * tone_off, word))
    return out


def correct_homophones(words: list[Word], protected_terms: list[str] = (),
                       costs: CorrectionCosts = DEFAULT_COSTS, lex: Lexicon | None = None) -> list[Word]:
    """One-character recognised Chinese words with homophone slips put right (each character keeps
    its time; punctuation after a character stays). `protected_terms` (the sheet's words) are read
    as frequent words and never rewritten. `lex`: the shared dictionary unless given."""
    lex = lex or lexicon()
    top = max(lex.logps.values(), default=0.0)
    protected = {t: top for t in protected_terms if t}
    out = list(words)
    cores = [w.text.rstrip(_TRAILING) for w in words]
    i = 0
    while i < len(words):
        if not is_han(cores[i]):
            i += 1
            continue
        j = i + 1
        # a run ends at a non-Chinese token or after a character that carries punctuation
        while j < len(words) and is_han(cores[j]) and words[j - 1].text == cores[j - 1]:
            j += 1
        run = "".join(cores[i:j])
        fixed = correct_text(run, lex, costs, protected)
        for k, (old, new) in enumerate(zip(run, fixed)):
            if old != new:
                w = out[i + k]
                out[i + k] = Word(new + w.text[len(cores[i + k]):], w.start, w.end, w.probability)
        i = j
    return out
