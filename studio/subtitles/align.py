"""Script words timed by Whisper.

When the script is known, the words on screen are the script's words; Whisper only supplies
timing. Each script line is aligned to the recognised tokens that fall inside that line's span
(known exactly from the TTS), so timing can never drift from one line into the next. Tokens that
Whisper missed or misheard are interpolated between matched neighbours; every time is clamped to
its line's span, increasing, and never zero-length.
"""
from __future__ import annotations

import difflib
import re
import unicodedata

from ..core.text import HAN, ZH_DIGITS, has_han, number_key
from ..types import LineSpan, Transcript, Voiceover, Word
from .whisper import to_simplified

MIN_TOKEN_S = 0.04
_TOKEN = re.compile(rf"[{HAN}]|[A-Za-z0-9]+(?:[.'’,-][A-Za-z0-9]+)*|[^\s{HAN}A-Za-z0-9]+")
_PUNCT_ONLY = re.compile(rf"^[^{HAN}A-Za-z0-9]+$")
_CN_DIGITS = str.maketrans({numeral: str(value) for numeral, value in ZH_DIGITS.items()})


def tokenize(text: str, language: str) -> list[str]:
    """Display tokens: one CJK character, one Latin word or number; punctuation sticks to the token before it."""
    if language != "zh":
        return text.split()
    tokens: list[str] = []
    for piece in _TOKEN.findall(text):
        if _PUNCT_ONLY.match(piece) and tokens:
            tokens[-1] += piece
        elif _PUNCT_ONLY.match(piece):
            continue
        else:
            tokens.append(piece)
    return tokens


def token_key(token: str) -> str:
    """A comparison key tolerant to case, punctuation, width, Traditional characters and digit forms."""
    t = unicodedata.normalize("NFKC", token).lower()
    t = to_simplified(t) if has_han(t) else t
    t = t.translate(_CN_DIGITS)
    return re.sub(r"[^\w]", "", t)


# Whisper base's word times come early: measured against the true word starts of the studio's
# synthetic voices (scripts/measure_timing.py), its starts were a median 82 ms (Mandarin) and
# 109 ms (English) before the truth. Recognised words are moved by this much.
WHISPER_LAG_S = {"zh": 0.08, "en": 0.10}


def whisper_corrected(words: list[Word], language: str) -> list[Word]:
    """Whisper's words moved later by its measured lag (never overlapping the next word's start)."""
    lag = WHISPER_LAG_S.get(language, 0.09)
    out = [Word(w.text, w.start + lag, w.end + lag, w.probability) for w in words]
    return out


def _recognised_tokens(words: list[Word], language: str) -> list[Word]:
    """Split recognised words into the same units as the script tokens, sharing each word's time."""
    out: list[Word] = []
    for w in words:
        parts = [p for p in tokenize(w.text, language) if token_key(p)] if language == "zh" else [w.text]
        if not parts:
            continue
        step = (w.end - w.start) / len(parts)
        for i, p in enumerate(parts):
            out.append(Word(p, w.start + i * step, w.start + (i + 1) * step, w.probability))
    return out


def _align_line(span: LineSpan, recognised: list[Word], language: str,
                snap_first: bool = True) -> tuple[list[Word], int, int]:
    tokens = tokenize(span.text, language)
    if not tokens:
        return [], 0, 0
    margin = 0.35
    pool = [w for w in recognised if span.start - margin <= (w.start + w.end) / 2 <= span.end + margin]
    keys_s = [token_key(t) for t in tokens]
    keys_r = [token_key(w.text) for w in pool]
    starts: list[float | None] = [None] * len(tokens)
    ends: list[float | None] = [None] * len(tokens)
    matcher = difflib.SequenceMatcher(None, keys_s, keys_r, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            w = pool[block.b + k]
            starts[block.a + k], ends[block.a + k] = w.start, w.end
    numbers: set[int] = set()
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag != "replace":
            continue
        if a1 - a0 == b1 - b0:  # misheard run of the same length: take its times
            for k in range(a1 - a0):
                starts[a0 + k], ends[a0 + k] = pool[b0 + k].start, pool[b0 + k].end
                if number_key(tokens[a0 + k]) and number_key(tokens[a0 + k]) == number_key(pool[b0 + k].text):
                    numbers.add(a0 + k)
        else:  # the same number written another way ('59.9' heard as '五十九点九'): spread its time
            said = number_key("".join(tokens[a0:a1]))
            if said and said == number_key("".join(w.text for w in pool[b0:b1])):
                t0, t1 = pool[b0].start, pool[b1 - 1].end
                step = (t1 - t0) / (a1 - a0)
                for k in range(a1 - a0):
                    starts[a0 + k], ends[a0 + k] = t0 + k * step, t0 + (k + 1) * step
                    numbers.add(a0 + k)
    if snap_first:  # a line's audio is known exactly (the voice stage trims its silence): it starts there
        starts[0] = span.start
    matched_idx = {b.a + k for b in matcher.get_matching_blocks() for k in range(b.size)} | numbers
    matched = sum(len(keys_s[i]) for i in matched_idx)
    total = sum(len(k) for k in keys_s)
    times = _fill(starts, tokens, span)
    words = [Word(tok, times[i], times[i + 1] if i + 1 < len(tokens) else max(times[i], ends[i] or 0, span.end))
             for i, tok in enumerate(tokens)]
    words[-1].end = min(max(words[-1].end, words[-1].start + MIN_TOKEN_S), span.end)
    return words, matched, total


def _fill(starts: list[float | None], tokens: list[str], span: LineSpan) -> list[float]:
    """Interpolate missing starts by token length, then force them increasing inside the span."""
    n = len(tokens)
    weight = [max(1, len(token_key(t))) for t in tokens]
    cum = [0]
    for w in weight:
        cum.append(cum[-1] + w)
    anchors = [(-1, span.start)] + [(i, s) for i, s in enumerate(starts) if s is not None] + [(n, span.end)]
    filled: list[float] = []
    for i in range(n):
        if starts[i] is not None:
            filled.append(float(starts[i]))
            continue
        left = max((a for a in anchors if a[0] < i), key=lambda a: a[0])
        right = min((a for a in anchors if a[0] > i), key=lambda a: a[0])
        c_left = cum[left[0] + 1] if left[0] >= 0 else 0
        c_right = cum[right[0]]
        frac = (cum[i] - c_left) / max(1, c_right - c_left)
        filled.append(left[1] + frac * (right[1] - left[1]))
    gap = min(MIN_TOKEN_S, (span.end - span.start) / (n + 1))
    lo, hi = span.start, span.end - gap
    filled = [min(max(t, lo), hi) for t in filled]
    for i in range(1, n):
        filled[i] = max(filled[i], filled[i - 1] + gap)
    for i in range(n - 1, -1, -1):
        limit = span.end - (n - i) * gap
        filled[i] = min(filled[i], limit if i == n - 1 else min(limit, filled[i + 1] - gap))
    return filled


TIMINGS = ("auto", "whisper", "voice")


def uses_voice_timing(voiceover: Voiceover, timing: str = "auto") -> bool:
    """Whether captions are timed from the voice's own word times (a synthetic voice knows when it
    said each word) rather than from Whisper: with timing 'auto' or 'voice', when every line has them."""
    return timing != "whisper" and bool(voiceover.lines) and all(span.words for span in voiceover.lines)


def align_lines(voiceover: Voiceover, transcript: Transcript | None, language: str,
                timing: str = "auto") -> tuple[list[list[Word]], float]:
    """Per script line, the script's tokens with their times; and the share of script characters
    that matched what Whisper recognised (1.0 = Whisper heard every character).

    Times come from the voice itself when it knows them (`uses_voice_timing`: TTS durations, exact
    to a frame), else from Whisper. `timing='whisper'` forces Whisper's times (what a recording
    gets), `timing='voice'` requires the voice's times."""
    if timing not in TIMINGS:
        raise ValueError(f"timing must be one of {TIMINGS}, not {timing!r}")
    voice_timed = uses_voice_timing(voiceover, timing)
    if timing == "voice" and not voice_timed:
        raise ValueError("the voice-over carries no word times from its voice (a recording, or an old cache entry)")
    recognised = _recognised_tokens(whisper_corrected(transcript.words, language), language) if transcript else []
    lines: list[list[Word]] = []
    matched = total = 0
    for span in voiceover.lines:
        words, m, t = _align_line(span, recognised, language)
        if voice_timed:
            words, _, _ = _align_line(span, _recognised_tokens(span.words, language), language, snap_first=False)
        lines.append(words)
        matched += m
        total += t
    return lines, (matched / total if total else 0.0)


def align_script(voiceover: Voiceover, transcript: Transcript | None, language: str,
                 timing: str = "auto") -> tuple[list[Word], float]:
    """The script's tokens (CJK: one character with its trailing punctuation; English: one word),
    each timed and kept inside its own line's span; and the alignment score."""
    lines, score = align_lines(voiceover, transcript, language, timing)
    return [w for line in lines for w in line], score
