"""The bundled icon set for selling-point stickers, drawn from vector shapes in this file.

Drawn for this project and released under CC0 1.0 (no rights reserved), like the bundled example
media. Each icon is a function drawing white shapes into a square of `size` pixels; `icon_image`
rasterises one (4x supersampled, then reduced, for smooth edges). `icon_for(text)` picks the icon that
suits a selling point from its words (Chinese or English), a check mark when none does.
"""
from __future__ import annotations

import math
import re

from PIL import Image, ImageDraw

WHITE = (255, 255, 255, 255)


def _check(d: ImageDraw.ImageDraw, s: int) -> None:
    d.line([(0.22 * s, 0.52 * s), (0.42 * s, 0.72 * s), (0.78 * s, 0.3 * s)], fill=WHITE, width=int(0.12 * s),
           joint="curve")


def _star(d: ImageDraw.ImageDraw, s: int) -> None:
    pts = []
    for k in range(10):
        r = (0.38 if k % 2 == 0 else 0.16) * s
        a = -math.pi / 2 + k * math.pi / 5
        pts.append((s / 2 + r * math.cos(a), s / 2 + r * math.sin(a)))
    d.polygon(pts, fill=WHITE)


def _bolt(d: ImageDraw.ImageDraw, s: int) -> None:
    d.polygon([(0.56 * s, 0.12 * s), (0.26 * s, 0.56 * s), (0.47 * s, 0.56 * s), (0.4 * s, 0.88 * s),
               (0.74 * s, 0.42 * s), (0.53 * s, 0.42 * s)], fill=WHITE)


def _clock(d: ImageDraw.ImageDraw, s: int) -> None:
    w = int(0.08 * s)
    d.ellipse((0.18 * s, 0.18 * s, 0.82 * s, 0.82 * s), outline=WHITE, width=w)
    d.line([(0.5 * s, 0.5 * s), (0.5 * s, 0.3 * s)], fill=WHITE, width=w)
    d.line([(0.5 * s, 0.5 * s), (0.65 * s, 0.58 * s)], fill=WHITE, width=w)


def _shield(d: ImageDraw.ImageDraw, s: int) -> None:
    d.polygon([(0.5 * s, 0.14 * s), (0.8 * s, 0.26 * s), (0.76 * s, 0.58 * s), (0.5 * s, 0.86 * s),
               (0.24 * s, 0.58 * s), (0.2 * s, 0.26 * s)], fill=WHITE)


def _heart(d: ImageDraw.ImageDraw, s: int) -> None:
    r = 0.17 * s
    d.ellipse((0.5 * s - 2 * r, 0.24 * s, 0.5 * s, 0.24 * s + 2 * r), fill=WHITE)
    d.ellipse((0.5 * s, 0.24 * s, 0.5 * s + 2 * r, 0.24 * s + 2 * r), fill=WHITE)
    d.polygon([(0.5 * s - 1.95 * r, 0.24 * s + 1.3 * r), (0.5 * s + 1.95 * r, 0.24 * s + 1.3 * r), (0.5 * s, 0.84 * s)],
              fill=WHITE)


def _leaf(d: ImageDraw.ImageDraw, s: int) -> None:
    d.chord((0.2 * s, 0.14 * s, 0.95 * s, 0.89 * s), 90, 180 + 90, fill=WHITE)
    d.chord((0.05 * s, 0.14 * s, 0.8 * s, 0.89 * s), -90, 90, fill=WHITE)
    d.line([(0.3 * s, 0.85 * s), (0.58 * s, 0.4 * s)], fill=(0, 0, 0, 0), width=int(0.05 * s))


def _gift(d: ImageDraw.ImageDraw, s: int) -> None:
    d.rectangle((0.2 * s, 0.42 * s, 0.8 * s, 0.84 * s), fill=WHITE)
    d.rectangle((0.15 * s, 0.3 * s, 0.85 * s, 0.42 * s), fill=WHITE)
    d.rectangle((0.46 * s, 0.3 * s, 0.54 * s, 0.84 * s), fill=(0, 0, 0, 0))
    d.ellipse((0.28 * s, 0.14 * s, 0.5 * s, 0.32 * s), outline=WHITE, width=int(0.06 * s))
    d.ellipse((0.5 * s, 0.14 * s, 0.72 * s, 0.32 * s), outline=WHITE, width=int(0.06 * s))


def _truck(d: ImageDraw.ImageDraw, s: int) -> None:
    d.rectangle((0.1 * s, 0.3 * s, 0.6 * s, 0.66 * s), fill=WHITE)
    d.polygon([(0.6 * s, 0.4 * s), (0.78 * s, 0.4 * s), (0.9 * s, 0.54 * s), (0.9 * s, 0.66 * s), (0.6 * s, 0.66 * s)],
              fill=WHITE)
    for cx in (0.27, 0.75):
        d.ellipse(((cx - 0.09) * s, 0.6 * s, (cx + 0.09) * s, 0.78 * s), fill=WHITE, outline=(0, 0, 0, 0),
                  width=int(0.03 * s))


def _drop(d: ImageDraw.ImageDraw, s: int) -> None:
    d.ellipse((0.26 * s, 0.38 * s, 0.74 * s, 0.86 * s), fill=WHITE)
    d.polygon([(0.5 * s, 0.1 * s), (0.28 * s, 0.56 * s), (0.72 * s, 0.56 * s)], fill=WHITE)


def _feather(d: ImageDraw.ImageDraw, s: int) -> None:  # light weight
    d.ellipse((0.3 * s, 0.12 * s, 0.7 * s, 0.78 * s), fill=WHITE)
    d.line([(0.5 * s, 0.2 * s), (0.5 * s, 0.9 * s)], fill=(0, 0, 0, 0), width=int(0.05 * s))
    d.line([(0.5 * s, 0.78 * s), (0.5 * s, 0.92 * s)], fill=WHITE, width=int(0.05 * s))


def _sound(d: ImageDraw.ImageDraw, s: int) -> None:
    w = int(0.07 * s)
    d.polygon([(0.14 * s, 0.4 * s), (0.3 * s, 0.4 * s), (0.5 * s, 0.22 * s), (0.5 * s, 0.78 * s), (0.3 * s, 0.6 * s),
               (0.14 * s, 0.6 * s)], fill=WHITE)
    d.arc((0.42 * s, 0.3 * s, 0.72 * s, 0.7 * s), -50, 50, fill=WHITE, width=w)
    d.arc((0.42 * s, 0.16 * s, 0.88 * s, 0.84 * s), -50, 50, fill=WHITE, width=w)


ICONS = {"check": _check, "star": _star, "bolt": _bolt, "clock": _clock, "shield": _shield, "heart": _heart,
         "leaf": _leaf, "gift": _gift, "truck": _truck, "drop": _drop, "feather": _feather, "sound": _sound}

# which icon suits a selling point, by its words (first match wins)
KEYWORDS: tuple[tuple[str, str], ...] = (
    ("clock", r"小时|分钟|保温|保冷|续航|hour|minute|all[- ]day"),
    ("bolt", r"充电|快充|电量|功率|瓦|battery|charge|power|fast"),
    ("sound", r"降噪|音质|声|噪|noise|sound|audio|bass"),
    ("truck", r"发货|到家|包邮|直发|配送|物流|ship|deliver"),
    ("gift", r"送|赠|礼|gift|free"),
    ("feather", r"轻|克|不压|light|weigh"),
    ("shield", r"不锈钢|材质|耐用|安全|防|保修|steel|durable|safe|lasts|warranty|canvas"),
    ("leaf", r"现摘|新鲜|天然|有机|产地|果|鲜|fresh|organic|picked|grove"),
    ("drop", r"多汁|水润|保湿|补水|防水|juic|moist|water"),
    ("heart", r"宝宝|贴心|舒适|柔软|comfort|soft|love|gentle"),
    ("star", r"好评|口碑|推荐|review|rated|favourite|favorite"),
)


def icon_for(text: str) -> str:
    """The icon that suits a selling point ('check' when no word matches)."""
    for name, pattern in KEYWORDS:
        if re.search(pattern, text, re.IGNORECASE):
            return name
    return "check"


def icon_image(name: str, size: int) -> Image.Image:
    """The icon `name` as a white RGBA picture of `size` x `size` pixels on transparency."""
    big = Image.new("RGBA", (size * 4, size * 4), (0, 0, 0, 0))
    ICONS[name](ImageDraw.Draw(big), size * 4)
    return big.resize((size, size), Image.Resampling.LANCZOS)
