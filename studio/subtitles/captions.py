"""Caption pages: 1-2 lines that fit the frame, every word timed.

Conventions (Netflix Simplified Chinese guide and commerce practice): at most 16 Chinese
characters a line and never wider than the safe area in the real font, at most 2 lines, break
after punctuation, no line starting with punctuation, 5/6 s to 7 s on screen, trailing commas and
full stops dropped at line ends.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..types import CaptionPage, Captions, Transcript, Voiceover, Word
from .align import align_lines, token_key, tokenize, uses_voice_timing

MIN_ALIGNMENT = 0.5  # below this the audio is not saying the script: show what Whisper heard
WARN_ALIGNMENT = 0.75
_BREAK_AFTER = re.compile(r"[，。！？、；：,.!?;:…]$")
_DROP_AT_END = "，。、；：,.;:"


@lru_cache(maxsize=8)
def _font(path: str, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


def _width(text: str, font_path: Path | None, font_size: int | None) -> float:
    if font_path is None or not font_size:
        return 0.0
    return _font(str(font_path), int(font_size)).getlength(text)


def _count(text: str) -> int:
    """Characters as a reader counts them: each CJK character, each Latin letter or digit."""
    return len(re.sub(r"[^\w]", "", text))


def _join(tokens: list[str], language: str) -> str:
    return ("" if language == "zh" else " ").join(tokens)


def display_line(text: str) -> str:
    text = text.strip()
    while text and text[-1] in _DROP_AT_END:
        text = text[:-1]
    return text


def break_lines(tokens: list[str], language: str, *, max_chars: int = 16, max_width_px: int | None = None,
                font_path: Path | None = None, font_size: int | None = None) -> list[list[int]]:
    """Split token indices into caption lines that fit, with as few lines as possible, lines of
    balanced length, and breaks after punctuation preferred (a small dynamic program)."""
    if language != "zh":
        max_chars = max(max_chars, 32)
    n = len(tokens)

    def fill(i: int, j: int) -> float | None:
        """How full line tokens[i:j] is (0..1), or None when it does not fit."""
        text = display_line(_join(tokens[i:j], language))
        ratio = _count(text) / max_chars
        if max_width_px:
            ratio = max(ratio, _width(text, font_path, font_size) / max_width_px)
        return ratio if (ratio <= 1.0 or j == i + 1) else None

    best: list[tuple[float, int]] = [(0.0, 0)] + [(float("inf"), 0)] * n
    for j in range(1, n + 1):
        for i in range(j - 1, -1, -1):
            f = fill(i, j)
            if f is None:
                break  # longer lines ending at j do not fit either
            cost = best[i][0] + 1.0 + (1.0 - f) ** 2
            if j < n and _BREAK_AFTER.search(tokens[j - 1]):
                cost -= 0.35
            if cost < best[j][0]:
                best[j] = (cost, i)
    lines: list[list[int]] = []
    j = n
    while j > 0:
        i = best[j][1]
        lines.append(list(range(i, j)))
        j = i
    return lines[::-1]


def _pages_for_line(words: list[Word], language: str, max_lines: int, max_duration: float, **fit) -> list[CaptionPage]:
    tokens = [w.text for w in words]
    lines = [part for line in break_lines(tokens, language, **fit) for part in _split_by_time(line, words, max_duration)]
    pages: list[CaptionPage] = []
    group: list[list[int]] = []

    def flush() -> None:
        if not group:
            return
        idx = [i for line in group for i in line]
        page_words = [words[i] for i in idx]
        starts, k = [], 0
        for line in group:
            starts.append(k)
            k += len(line)
        pages.append(CaptionPage(
            lines=[display_line(_join([tokens[i] for i in line], language)) for line in group],
            start=page_words[0].start, end=page_words[-1].end, words=page_words, line_starts=starts,
        ))
        group.clear()

    for line in lines:
        candidate = group + [line]
        duration = words[candidate[-1][-1]].end - words[candidate[0][0]].start
        if group and (len(candidate) > max_lines or duration > max_duration):
            flush()
        group.append(line)
    flush()
    return pages


def _split_by_time(line: list[int], words: list[Word], max_duration: float) -> list[list[int]]:
    """A caption line spoken for longer than max_duration (very slow speech) in parts that are not."""
    parts: list[list[int]] = [[]]
    for i in line:
        if parts[-1] and words[i].end - words[parts[-1][0]].start > max_duration:
            parts.append([])
        parts[-1].append(i)
    return parts


def _retime(pages: list[CaptionPage], min_duration: float, max_duration: float, total: float) -> None:
    """Hold short pages up to min_duration where the gap before the next page allows; never overlap."""
    for i, page in enumerate(pages):
        limit = pages[i + 1].start if i + 1 < len(pages) else total
        page.end = min(max(page.end, page.start + min_duration), limit, page.start + max_duration)
        if page.end <= page.start:
            page.end = page.start + 0.04


def build_captions(
    voiceover: Voiceover,
    transcript: Transcript,
    language: str,
    *,
    max_chars: int = 16,
    max_lines: int = 2,
    max_width_px: int | None = None,
    font_path: Path | None = None,
    font_size: int | None = None,
    min_duration: float = 5 / 6,
    max_duration: float = 7.0,
    timing: str = "auto",
) -> Captions:
    """Caption pages of the script's words, timed by the synthetic voice's own word times when it
    has them, else by Whisper (or of the recognised words when the voice-over has no script lines,
    or when alignment is too poor to trust). `timing`: see `align.align_lines`."""
    fit = dict(max_chars=max_chars, max_width_px=max_width_px, font_path=font_path, font_size=font_size)
    warnings: list[str] = []
    voice_timed = uses_voice_timing(voiceover, timing)
    if voiceover.lines:
        aligned, score = align_lines(voiceover, transcript, language, timing)
        source = "script-aligned"
        if voice_timed:
            # the voice said the script and knows when: Whisper's score only checks pronunciation
            if transcript is not None and transcript.words and score < MIN_ALIGNMENT:
                warnings.append(f"Whisper recognised only {score:.0%} of the script: the synthetic voice may "
                                "mispronounce it (captions are timed from the voice itself)")
        elif MIN_ALIGNMENT <= score < WARN_ALIGNMENT:
            warnings.append(f"Whisper matched only {score:.0%} of the script; caption timing may be approximate")
        elif score < MIN_ALIGNMENT:
            warnings.append(
                f"Whisper matched only {score:.0%} of the script: the voice-over may not say the script; "
                "captions show what Whisper heard instead"
            )
    else:
        aligned, score = [], 0.0
    if not voiceover.lines or (score < MIN_ALIGNMENT and not voice_timed):
        source = "transcript"
        words = [w for w in transcript.words if token_key(w.text)]
        aligned = [_split_words(words, language)] if words else []
    pages: list[CaptionPage] = []
    for words in aligned:
        if words:
            pages.extend(_pages_for_line(words, language, max_lines, max_duration, **fit))
    _retime(pages, min_duration, max_duration, voiceover.duration)
    return Captions(pages=pages, language=language, source=source, alignment_score=score, warnings=warnings)


def _split_words(words: list[Word], language: str) -> list[Word]:
    out: list[Word] = []
    for w in words:
        parts = tokenize(w.text, language) if language == "zh" else [w.text]
        step = (w.end - w.start) / max(1, len(parts))
        out += [Word(p, w.start + i * step, w.start + (i + 1) * step, w.probability) for i, p in enumerate(parts)]
    for a, b in zip(out, out[1:]):  # Whisper can emit overlapping words: keep them in order
        if b.start < a.end:
            b.start = a.end
        if b.end <= b.start:
            b.end = b.start + 0.04
    return out
