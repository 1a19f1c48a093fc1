"""Visual style of a video: sizes, colours, fonts and the platform safe zones."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.vocab import CAPTION_KINDS, DEFAULT_PLATFORM, platform as platform_named
from ..util import cjk_font_path
from .motion import MotionStyle, motion_style

def hex_to_rgb(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"colour '{value}' is not #RRGGBB")
    return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


@dataclass
class VideoStyle:
    width: int = 1080
    height: int = 1920
    accent: tuple[int, int, int] = (255, 59, 48)
    text: tuple[int, int, int] = (255, 255, 255)
    highlight: tuple[int, int, int] = (255, 225, 77)
    caption_size: int = 68
    zoom: float = 1.08
    font_path: Path = Path()
    safe_top: int = 220
    safe_bottom: int = 440
    safe_left: int = 60
    safe_right: int = 170
    caption_kind: str = "karaoke"  # standard | karaoke | elder | bilingual (see subtitles.export.CaptionStyle)
    product_inset: bool = True  # over video clips, a card with the product photo keeps the product in view
    motion: MotionStyle = field(default_factory=lambda: motion_style({}))  # how the video is cut (render/motion.py)

    @property
    def scale(self) -> float:
        """Sizes are designed for 1080 wide; other sizes scale with the width."""
        return self.width / 1080

    @property
    def caption_px(self) -> int:
        """The glyph size captions are drawn at (the elder style draws them larger than caption_size)."""
        from ..subtitles.export import CaptionStyle

        return int(round(self.caption_size * (CaptionStyle.ELDER_SCALE if self.caption_kind == "elder" else 1)))

    @property
    def caption_max_width(self) -> int:
        """Widest caption line in pixels: the ASS margins below, less room for the outline."""
        style = self.caption_style()
        return int(self.width - style.margin_l - style.margin_r - 2 * style.outline)

    @classmethod
    def from_template(cls, style: dict[str, Any], width: int = 1080, height: int = 1920,
                      platform: str = DEFAULT_PLATFORM) -> "VideoStyle":
        s = width / 1080
        zones = platform_named(platform).safe.scaled(s)
        return cls(
            width=width,
            height=height,
            accent=hex_to_rgb(str(style.get("accent_color", "#FF3B30"))),
            text=hex_to_rgb(str(style.get("text_color", "#FFFFFF"))),
            highlight=hex_to_rgb(str(style.get("caption_highlight", "#FFE14D"))),
            caption_size=int(round(float(style.get("caption_size", 68)) * s)),
            zoom=float(style.get("zoom", 1.08)),
            font_path=cjk_font_path(),
            safe_top=zones.top,
            safe_bottom=zones.bottom,
            safe_left=zones.left,
            safe_right=zones.right,
            caption_kind=_caption_kind(style.get("caption_style", "karaoke")),
            product_inset=bool(style.get("product_inset", True)),
            motion=motion_style(style),
        )

    def caption_style(self):
        """The caption style for the subtitle stage's ASS writer."""
        from ..subtitles.export import CaptionStyle

        from PIL import ImageFont

        # ASS sizes a font by its line height (ascent + descent); CJK fonts have tall ones, so scale
        # up until the glyphs themselves are caption_size pixels, as the template means
        ascent, descent = ImageFont.truetype(str(self.font_path), 100).getmetrics()
        base = CaptionStyle(
            font_size=int(round(self.caption_size * (ascent + descent) / 100)),
            margin_v=self.safe_bottom + int(40 * self.scale),
            margin_l=self.safe_left + int(20 * self.scale),
            margin_r=self.safe_right + int(10 * self.scale),
            outline=max(2, int(round(5 * self.scale))),
            primary=self.text,
            highlight=self.highlight,
            pop=self.motion.caption_pop,  # karaoke kinds only: the others have no per-word timing
        )
        return CaptionStyle.preset(self.caption_kind, base)


def _caption_kind(value) -> str:
    kind = str(value or "karaoke")
    if kind not in CAPTION_KINDS:
        raise ValueError(f"caption_style '{kind}' is not one of {', '.join(CAPTION_KINDS)}")
    return kind
