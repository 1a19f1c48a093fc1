"""The whole video as data: integer frames, layers and audio tracks. Printable, JSON round-trip.

Preview and final render both read a Timeline; nothing else decides what appears when.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from ..core.vocab import is_clip
from ..currency import currency_for
from ..subtitles.export import CaptionStyle
from ..types import CaptionPage, Captions, Product, Script, Voiceover, Word
from .layers import AiLabel, Clip, Headline, Inset, Layer, Photo, PriceTag, Title, layer_from_dict
from .style import VideoStyle

TIMELINE_VERSION = 2
AI_LABEL_SECONDS = 3.0  # visible AI-content label on the opening frames (>= 2 s required)


@dataclass(frozen=True)
class CaptionTrack:
    """The burned-in captions as a track of the timeline: the pages (each word timed), how they look
    and, for bilingual captions, each line's translation. The encoder and the live preview both burn
    them from here through the same libass filter (studio/render/captions.py)."""

    captions: Captions
    style: CaptionStyle
    translations: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict:
        return {"captions": asdict(self.captions), "style": asdict(self.style),
                "translations": [list(t) for t in self.translations]}

    @classmethod
    def from_dict(cls, d: dict) -> "CaptionTrack":
        c = dict(d["captions"])
        pages = [CaptionPage(**{**page, "words": [Word(**w) for w in page.get("words", [])]}) for page in c.pop("pages")]
        style = {k: tuple(v) if isinstance(v, list) else v for k, v in d["style"].items()}
        return cls(Captions(pages=pages, **c), CaptionStyle(**style),
                   tuple(tuple(t) for t in d.get("translations", [])))


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
    captions: CaptionTrack | None = None
    version: int = TIMELINE_VERSION

    @property
    def duration(self) -> float:
        return self.frames / self.fps

    def layers_at(self, frame: int) -> list[Layer]:
        return sorted((l for l in self.layers if l.shows(frame)), key=lambda l: l.z)

    def files(self) -> list[str]:
        """Every file the timeline reads: layer sources and audio tracks."""
        return [*dict.fromkeys([f for l in self.layers for f in l.files()] + [a.path for a in self.audio])]

    def to_json(self) -> str:
        d = {
            "version": self.version, "fps": self.fps, "width": self.width, "height": self.height,
            "frames": self.frames, "language": self.language,
            "style": {**asdict(self.style), "font_path": str(self.style.font_path)},
            "layers": [l.to_dict() for l in self.layers],
            "audio": [asdict(a) for a in self.audio],
            "captions": self.captions.to_dict() if self.captions else None,
        }
        return json.dumps(d, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> "Timeline":
        """A timeline from `to_json()`; ValueError says which layer or field is wrong."""
        d = json.loads(text)
        if d.get("version") != TIMELINE_VERSION:
            raise ValueError(f"timeline version {d.get('version')} is not {TIMELINE_VERSION}")
        style = dict(d["style"])
        style["font_path"] = Path(style["font_path"])
        for key in ("accent", "text", "highlight"):
            style[key] = tuple(style[key])
        layers = []
        for n, raw in enumerate(d["layers"]):
            try:
                layers.append(layer_from_dict(raw))
            except ValueError as exc:
                raise ValueError(f"timeline layer {n}: {exc}") from None
        return cls(
            fps=d["fps"], width=d["width"], height=d["height"], frames=d["frames"], language=d.get("language", "zh"),
            layers=layers, audio=[AudioTrack(**a) for a in d["audio"]], style=VideoStyle(**style),
            captions=CaptionTrack.from_dict(d["captions"]) if d.get("captions") else None,
        )

    def __str__(self) -> str:
        rows = [f"Timeline {self.width}x{self.height} @{self.fps}fps, {self.frames} frames ({self.duration:.2f}s)"]
        for l in sorted(self.layers, key=lambda l: (l.start, l.z)):
            rows.append(f"  [{l.start:>5}-{l.end:>5}) z{l.z} {l.kind:<8} {l.describe()}")
        if self.captions:
            rows.append(f"  captions {len(self.captions.captions.pages)} pages, {self.captions.style.kind}")
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
    translations: Sequence[tuple[str, str]] = (),
) -> Timeline:
    """Lay the script's scenes over the voice-over: each scene shows its photo from its first
    spoken line until the next scene starts; overlays follow the scene kind; the captions become the
    caption track (with `translations` for bilingual captions). AI `backgrounds` join the product's
    pictures; a scene showing one gets the product photo on a card over it (the priced offer scene
    always shows a real photo)."""
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
    photos = [p for p in product.images if not is_clip(p)]
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
        if is_clip(image):
            layers.append(Clip(start=start, end=end, z=0, source=str(image)))
            if style.product_inset and photos and not priced:
                layers.append(Inset(start=start, end=end, z=1, source=str(photos[0])))
        else:
            layers.append(Photo(start=start, end=end, z=0, source=str(image), zoom=style.zoom,
                                motion="in" if (n + script.variant) % 2 == 0 else "out"))
            if str(image) in painted and photos:  # the product, large, in the painted scene
                layers.append(Inset(start=start, end=end, z=1, source=str(photos[0]), hero=True))
        if scene.kind == "hook":
            layers.append(Title(start=start, end=end, z=2, text=scene.overlay or product.name))
        elif scene.kind == "offer" and product.price is not None:
            text = scene.overlay or f"{currency}{product.price:g}"
            old = f"{currency}{product.original_price:g}" if product.original_price else ""
            layers.append(PriceTag(start=start, end=end, z=2, text=text, was=old))
        elif scene.overlay:
            layers.append(Headline(start=start, end=end, z=2, text=scene.overlay))
    label = "AI生成" if script.language == "zh" else "AI-generated"
    if voiceover.synthetic or painted:
        layers.append(AiLabel(start=0, end=min(total, int(AI_LABEL_SECONDS * fps)), z=9, text=label))
    audio = [AudioTrack("voice", str(voiceover.audio_path), 0.0)]
    if music is not None:
        audio.append(AudioTrack("music", str(music), music_gain_db, duck=True))
    track = (CaptionTrack(captions, style.caption_style(), tuple(tuple(t) for t in translations))
             if captions.pages else None)
    return Timeline(fps=fps, width=style.width, height=style.height, frames=total, layers=layers,
                    audio=audio, style=style, language=script.language, captions=track)
