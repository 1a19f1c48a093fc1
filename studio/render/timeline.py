"""The whole video as data: integer frames, layers and audio tracks. Printable, JSON round-trip.

Preview and final render both read a Timeline; nothing else decides what appears when.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from ..currency import currency_for
from ..types import Captions, Product, Script, Voiceover
from .style import VideoStyle

TIMELINE_VERSION = 1
AI_LABEL_SECONDS = 3.0
VIDEO_EXTS = {".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi"}  # visible AI-content label on the opening frames (>= 2 s required)


@dataclass
class Layer:
    """One visual layer, shown on frames [start, end)."""

    kind: str  # photo | clip | title | headline | price | label | inset (the product photo over a clip)
    start: int
    end: int
    z: int = 0
    source: str = ""  # image file for photo layers
    text: str = ""
    params: dict = field(default_factory=dict)


@dataclass
class AudioTrack:
    role: str  # voice | music
    path: str
    gain_db: float = 0.0
    duck: bool = False  # lowered under the voice


@dataclass
class Timeline:
    fps: int
    width: int
    height: int
    frames: int
    layers: list[Layer]
    audio: list[AudioTrack]
    style: VideoStyle
    language: str = "zh"
    version: int = TIMELINE_VERSION

    @property
    def duration(self) -> float:
        return self.frames / self.fps

    def layers_at(self, frame: int) -> list[Layer]:
        return sorted((l for l in self.layers if l.start <= frame < l.end), key=lambda l: l.z)

    def to_json(self) -> str:
        d = asdict(self)
        d["style"]["font_path"] = str(self.style.font_path)
        return json.dumps(d, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> "Timeline":
        d = json.loads(text)
        if d.get("version") != TIMELINE_VERSION:
            raise ValueError(f"timeline version {d.get('version')} is not {TIMELINE_VERSION}")
        style = d.pop("style")
        style["font_path"] = Path(style["font_path"])
        for key in ("accent", "text", "highlight"):
            style[key] = tuple(style[key])
        return cls(
            **{k: v for k, v in d.items() if k not in ("layers", "audio")},
            layers=[Layer(**l) for l in d["layers"]],
            audio=[AudioTrack(**a) for a in d["audio"]],
            style=VideoStyle(**style),
        )

    def __str__(self) -> str:
        rows = [f"Timeline {self.width}x{self.height} @{self.fps}fps, {self.frames} frames ({self.duration:.2f}s)"]
        for l in sorted(self.layers, key=lambda l: (l.start, l.z)):
            what = l.text or Path(l.source).name
            rows.append(f"  [{l.start:>5}-{l.end:>5}) z{l.z} {l.kind:<8} {what}")
        for a in self.audio:
            rows.append(f"  audio {a.role:<5} {a.gain_db:+.1f} dB {'ducked ' if a.duck else ''}{Path(a.path).name}")
        return "\n".join(rows)


def build_timeline(
    product: Product,
    script: Script,
    voiceover: Voiceover,
    captions: Captions,
    style: VideoStyle,
    music: Path | None = None,
    music_gain_db: float = -20.0,
    fps: int = 30,
    backgrounds: Sequence[Path] = (),
) -> Timeline:
    """Lay the script's scenes over the voice-over: each scene shows its photo from its first
    spoken line until the next scene starts; overlays follow the scene kind. AI `backgrounds` join
    the product's pictures; a scene showing one gets the product photo on a card over it (the
    priced offer scene always shows a real photo)."""
    total = max(1, int(round(voiceover.duration * fps)))
    scene_starts: dict[int, float] = {}
    for span in voiceover.lines:
        scene_starts.setdefault(span.scene, span.start)
    if not scene_starts:  # the merchant's own recording: no line spans, so pace the scenes evenly
        n = len(script.scenes)
        scene_starts = {i: voiceover.duration * i / n for i in range(n)}
    ordered = sorted(scene_starts.items())
    layers: list[Layer] = []
    currency = currency_for(product.currency, product.language).symbol
    photos = [p for p in product.images if Path(p).suffix.lower() not in VIDEO_EXTS]
    painted = {str(p) for p in backgrounds}
    pictures = [*product.images, *backgrounds]
    for n, (scene_index, start_s) in enumerate(ordered):
        scene = script.scenes[scene_index]
        start = 0 if n == 0 else int(round(start_s * fps))
        end = total if n + 1 == len(ordered) else int(round(ordered[n + 1][1] * fps))
        if end <= start:
            continue
        priced = scene.kind == "offer" and product.price is not None
        image = pictures[scene.image % len(pictures)]
        if priced and str(image) in painted:
            image = product.images[scene.image % len(product.images)]
        if Path(image).suffix.lower() in VIDEO_EXTS:
            layers.append(Layer("clip", start, end, z=0, source=str(image)))
            if style.product_inset and photos and not priced:
                layers.append(Layer("inset", start, end, z=1, source=str(photos[0])))
        else:
            layers.append(Layer("photo", start, end, z=0, source=str(image),
                                params={"zoom": style.zoom, "motion": "in" if (n + script.variant) % 2 == 0 else "out"}))
            if str(image) in painted and photos:  # the product, large, in the painted scene
                layers.append(Layer("inset", start, end, z=1, source=str(photos[0]), params={"hero": True}))
        if scene.kind == "hook":
            layers.append(Layer("title", start, end, z=2, text=scene.overlay or product.name))
        elif scene.kind == "offer" and product.price is not None:
            text = scene.overlay or f"{currency}{product.price:g}"
            old = f"{currency}{product.original_price:g}" if product.original_price else ""
            layers.append(Layer("price", start, end, z=2, text=text, params={"was": old}))
        elif scene.overlay:
            layers.append(Layer("headline", start, end, z=2, text=scene.overlay))
    label = "AI生成" if script.language == "zh" else "AI-generated"
    if voiceover.synthetic or painted:
        layers.append(Layer("label", 0, min(total, int(AI_LABEL_SECONDS * fps)), z=9, text=label))
    audio = [AudioTrack("voice", str(voiceover.audio_path), 0.0)]
    if music is not None:
        audio.append(AudioTrack("music", str(music), music_gain_db, duck=True))
    return Timeline(fps=fps, width=style.width, height=style.height, frames=total, layers=layers,
                    audio=audio, style=style, language=script.language)
