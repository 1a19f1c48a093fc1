"""Burning the caption track in: the ASS file, a fonts folder holding only the caption font, and the
libass filter that draws them. The encoder and the live preview both call `prepare_burn`, so what
the preview shows is what the video gets."""
from __future__ import annotations

import shutil
from pathlib import Path

from .timeline import Timeline

ASS_NAME = "captions.ass"
FONTS_DIR = "fonts"


def prepare_burn(timeline: Timeline, folder: Path, width: int | None = None, height: int | None = None) -> str | None:
    """Write the timeline's captions as `folder/captions.ass` and link the caption font into
    `folder/fonts` (libass reads every font in fontsdir at each start: give it only this one).
    Returns the ffmpeg filter that burns them (names relative to `folder`: run ffmpeg there), or
    None when the timeline has no captions. `width`/`height`: the frame size (default the timeline's)."""
    from ..subtitles import write_ass

    folder.mkdir(parents=True, exist_ok=True)
    fonts = folder / FONTS_DIR
    fonts.mkdir(exist_ok=True)
    font = timeline.style.font_path
    link = fonts / font.name
    if not link.exists():
        try:
            link.symlink_to(font)
        except OSError:
            shutil.copyfile(font, link)
    track = timeline.captions
    if track is None or not track.captions.pages:
        return None
    write_ass(track.captions, folder / ASS_NAME, track.style, width or timeline.width, height or timeline.height,
              translations=list(track.translations) or None)
    return f"subtitles={ASS_NAME}:fontsdir={FONTS_DIR}"
