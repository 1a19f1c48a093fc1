"""Caption files: SRT, WebVTT and ASS (styled, with karaoke timing for the burned-in captions)."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..core.vocab import CAPTION_KINDS
from ..types import Captions


@dataclass
class CaptionStyle:
    """Burned-in caption look; sizes in pixels of a 1080x1920 frame.

    Kinds (`CaptionStyle.preset`): standard (white, outlined), karaoke (each word turns to the
    highlight colour as it is spoken), elder (1.4x the size, white on an opaque dark box: contrast
    far above 4.5:1, no colour changes), bilingual (karaoke, plus the line's translation in a smaller
    second line: `write_ass(..., translations=...)`)."""

    font_name: str = "Noto Sans SC"
    font_size: int = 72
    primary: tuple[int, int, int] = (255, 255, 255)
    highlight: tuple[int, int, int] = (255, 225, 77)  # karaoke: the word being spoken
    outline_colour: tuple[int, int, int] = (0, 0, 0)
    outline: int = 5
    shadow: int = 2
    bold: bool = True  # libass emboldens the outline only (advances unchanged), so measured widths hold
    margin_v: int = 480  # above the bottom 440 px platform UI
    margin_l: int = 90
    margin_r: int = 190  # clear of the right-hand action buttons
    karaoke: bool = True
    kind: str = "karaoke"
    box: bool = False  # an opaque box behind the text (outline colour, box_alpha) instead of an outline
    box_alpha: int = 0x20  # 0 opaque .. 255 transparent
    translation_scale: float = 0.62  # bilingual: the translation's size relative to font_size
    translation_colour: tuple[int, int, int] = (235, 235, 235)
    pop: bool = False  # karaoke: each word also pops (grows to POP_SCALE and back) as it is spoken

    ELDER_SCALE = 1.4
    POP_SCALE = 112  # percent
    POP_MS = (70, 180)  # grown by then, back to full size by then (from the word's start)

    @classmethod
    def preset(cls, kind: str, base: "CaptionStyle | None" = None) -> "CaptionStyle":
        """`base` (sizes and margins of the frame) turned into one of CAPTION_KINDS."""
        from dataclasses import replace

        if kind not in CAPTION_KINDS:
            raise ValueError(f"unknown caption style '{kind}'; use one of: {', '.join(CAPTION_KINDS)}")
        base = base or cls()
        if kind == "standard":
            return replace(base, kind=kind, karaoke=False, box=False)
        if kind == "karaoke":
            return replace(base, kind=kind, karaoke=True, box=False)
        if kind == "elder":
            return replace(base, kind=kind, karaoke=False, box=True, primary=(255, 255, 255),
                           outline_colour=(0, 0, 0), font_size=int(round(base.font_size * cls.ELDER_SCALE)),
                           outline=max(base.outline, 8), shadow=0)
        return replace(base, kind=kind, karaoke=True, box=False)


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (1 to 21; 4.5 is the minimum for body text)."""

    def luminance(rgb):
        def channel(c):
            c /= 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        r, g, b_ = (channel(c) for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _atomic_write(path: Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _clock(seconds: float, sep: str) -> str:
    ms = int(round(max(seconds, 0) * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def write_srt(captions: Captions, path: Path) -> None:
    blocks = [f"{i}\n{_clock(p.start, ',')} --> {_clock(p.end, ',')}\n{p.text}\n"
              for i, p in enumerate(captions.pages, 1)]
    _atomic_write(path, "\n".join(blocks))


def write_vtt(captions: Captions, path: Path) -> None:
    blocks = [f"{_clock(p.start, '.')} --> {_clock(p.end, '.')}\n{p.text}\n" for p in captions.pages]
    _atomic_write(path, "WEBVTT\n\n" + "\n".join(blocks))


def _ass_colour(rgb: tuple[int, int, int], alpha: int = 0) -> str:
    r, g, b = rgb
    return f"&H{alpha:02X}{b:02X}{g:02X}{r:02X}"


def _ass_time(seconds: float) -> str:
    cs = int(round(max(seconds, 0) * 100))
    h, cs = divmod(cs, 360000)
    m, cs = divmod(cs, 6000)
    s, cs = divmod(cs, 100)
    return f"{h}:{m:02d}:{s:02d}.{cs:02d}"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("{", "(").replace("}", ")").replace("\n", "\\N")


def page_lines(captions: Captions, script_lines: list[str]) -> list[int]:
    """For each caption page, the index of the script line it shows (pages never span two lines:
    they are built line by line); -1 where its words are not the script's (captions from what
    Whisper heard)."""
    from .align import token_key, tokenize

    bounds, total = [], 0
    for line in script_lines:
        total += len("".join(token_key(t) for t in tokenize(line, captions.language)))
        bounds.append(total)
    out, pos = [], 0
    for page in captions.pages:
        index = next((i for i, b in enumerate(bounds) if pos < b), -1) if captions.source != "transcript" else -1
        out.append(index)
        pos += len("".join(token_key(w.text) for w in page.words))
    return out


def write_ass(captions: Captions, path: Path, style: CaptionStyle | None = None, width: int = 1080,
              height: int = 1920, translations: list[tuple[str, str]] | None = None) -> None:
    """ASS with the style above; karaoke: each word turns to the highlight colour as it is spoken.

    `translations`: (script line, its translation) for every script line in order, from the
    template or the sheet; with the bilingual style each caption gets its line's translation as a
    smaller second line (a page with no translation shows the original alone)."""
    style = style or CaptionStyle()
    # karaoke fills Secondary -> Primary as each syllable is sung: Primary is the highlight
    primary, secondary = (style.highlight, style.primary) if style.karaoke else (style.primary, style.primary)
    header = f"""[Script Info]
ScriptType: v4.00+
PlayResX: {width}
PlayResY: {height}
WrapStyle: 2
ScaledBorderAndShadow: yes

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Caption,{style.font_name},{style.font_size},{_ass_colour(primary)},{_ass_colour(secondary)},{_ass_colour(style.outline_colour, style.box_alpha if style.box else 0)},{_ass_colour((0, 0, 0), 0x80)},{-1 if style.bold else 0},0,0,0,100,100,0,0,{3 if style.box else 1},{style.outline},{style.shadow},2,{style.margin_l},{style.margin_r},{style.margin_v},1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""
    events = []
    second: list[str] = [""] * len(captions.pages)
    if style.kind == "bilingual" and translations:
        index = page_lines(captions, [src for src, _ in translations])
        second = [translations[i][1].strip() if i >= 0 else "" for i in index]
    small = int(round(style.font_size * style.translation_scale))
    for page, extra in zip(captions.pages, second):
        if style.karaoke and page.words:
            text = _karaoke_text(page, style if style.pop else None)
        else:
            text = _escape(page.text)
        if extra:  # the translation: smaller, its own colour (karaoke cannot highlight it)
            colour = _ass_colour(style.translation_colour)
            text += f"\\N{{\\fs{small}\\1c{colour}\\2c{colour}\\b0}}{_escape(extra)}"
        events.append(f"Dialogue: 0,{_ass_time(page.start)},{_ass_time(page.end)},Caption,,0,0,0,,{text}")
    _atomic_write(path, header + "\n".join(events) + "\n")


def _karaoke_text(page, pop: CaptionStyle | None = None) -> str:
    """The page's words with karaoke timing (`\\k`); with `pop`, each word also scales up and back as
    it starts (libass animates it: `\\t` from the word's start, reset for the words after it)."""
    starts = page.line_starts or [0]
    parts: list[str] = []
    cursor = page.start
    for li, line in enumerate(page.lines):
        lo = starts[li] if li < len(starts) else len(page.words)
        hi = starts[li + 1] if li + 1 < len(starts) else len(page.words)
        words = page.words[lo:hi]
        if li:
            parts.append("\\N")
        remaining = line
        for wi, w in enumerate(words):
            shown = w.text if wi + 1 < len(words) else remaining  # the last word carries the line's trimmed end
            if wi + 1 < len(words):
                remaining = remaining[len(w.text):] if remaining.startswith(w.text) else remaining
                if line and " " in line and remaining.startswith(" "):
                    shown += " "
                    remaining = remaining[1:]
            at_ms = int(round((cursor - page.start) * 1000))
            duration_cs = max(1, int(round((max(w.end, cursor) - cursor) * 100)))
            cursor = max(w.end, cursor)
            if pop is not None:
                up, down, k = at_ms + pop.POP_MS[0], at_ms + pop.POP_MS[1], pop.POP_SCALE
                anim = (f"\\fscx100\\fscy100\\t({at_ms},{up},\\fscx{k}\\fscy{k})"
                        f"\\t({up},{down},\\fscx100\\fscy100)")
                parts.append(f"{{\\k{duration_cs}{anim}}}{_escape(shown)}")
            else:
                parts.append(f"{{\\k{duration_cs}}}{_escape(shown)}")
    return "".join(parts)
