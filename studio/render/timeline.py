"""The whole video as data: integer frames, layers and audio tracks. Printable, JSON round-trip.

Preview and final render both read a Timeline; nothing else decides what appears when.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from ..core.vocab import is_clip
from ..currency import currency_for
from ..subtitles.export import CaptionStyle
from ..types import CaptionPage, Captions, Product, Script, Voiceover, Word
from .beats import NO_BEATS, BeatGrid, beat_grid
from .layers import (AiLabel, Clip, Headline, Inset, Layer, PriceTag, Shot, Sticker, Title, Transition,
                     layer_from_dict)
from .motion import MotionStyle, cut_points
from .style import VideoStyle

TIMELINE_VERSION = 3  # 3: shots, transitions, animated text, the beat grid
AI_LABEL_SECONDS = 3.0  # visible AI-content label on the opening frames (>= 2 s required)
# a merchant's clip in a window (picture-in-picture): right of centre, between the headline and the
# captions, 3:4 at 9:16 (x0, y0, x1, y1 as fractions of the frame)
PIP_WINDOW = (0.4, 0.27, 0.86, 0.27 + 0.46 * 9 / 16 * 4 / 3)


def _beats_from(d: dict | None) -> BeatGrid:
    if not d:
        return NO_BEATS
    return BeatGrid(tuple(d.get("times", ())), float(d.get("tempo_bpm", 0)), float(d.get("loop_s", 0)),
                    str(d.get("source", "")))


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
    beats: BeatGrid = NO_BEATS  # the music's beats the cuts were put on (for reading, not drawing)
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
            "style": {**asdict(self.style), "font_path": str(self.style.font_path),
                      "motion": self.style.motion.to_dict()},
            "layers": [l.to_dict() for l in self.layers],
            "audio": [asdict(a) for a in self.audio],
            "captions": self.captions.to_dict() if self.captions else None,
            "beats": {"tempo_bpm": self.beats.tempo_bpm, "loop_s": self.beats.loop_s, "source": self.beats.source,
                      "times": list(self.beats.times)},
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
        if isinstance(style.get("motion"), dict):
            style["motion"] = MotionStyle.from_dict(style["motion"])
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
            beats=_beats_from(d.get("beats")),
        )

    def cuts(self) -> list[int]:
        """The frames where a new picture starts: hard cuts, and the middle of each transition."""
        from .layers import Transition as _T

        trans = [l for l in self.layers if isinstance(l, _T)]
        starts = sorted({l.start for l in self.layers if l.visual and not isinstance(l, _T)} - {0})
        middles = {(t.start + t.end) // 2 for t in trans}
        under = {l.start for l in self.layers if l.visual and not isinstance(l, _T)
                 for t in trans if l.start == t.start}
        return sorted((set(starts) - under) | middles)

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
    beats: BeatGrid | None = None,
) -> Timeline:
    """Lay the script's scenes over the voice-over and cut them into shots.

    Each scene runs from its first spoken line to the next scene (its start moved onto a beat of the
    music when one is within the motion style's `beat_snap_ms`); inside it, shots of the style's
    length are cut on beats (`studio/render/motion.py` chooses what each shows: crops, push-ins,
    pans, cards, grids from the product's photos; the merchant's clips play through, cut at other
    points of the footage). Transitions go on scene boundaries by the next scene's kind and on a
    share of the cuts inside scenes. Titles, headlines, price tags and stickers enter and leave as
    the style says. The captions become the caption track (with `translations` for bilingual
    captions). AI `backgrounds` join the product's pictures; a scene showing one gets the product
    photo on a card over it (the priced offer scene always shows a real photo). `beats`: the music's
    beat grid (None: tracked from `music`)."""
    import random

    from .motion import ShotPlanner, product_box

    motion = style.motion
    total = max(1, int(round(voiceover.duration * fps)))
    duration = total / fps
    if beats is None:
        beats = beat_grid(music, duration) if music is not None and motion.beat_snap_ms > 0 else NO_BEATS
    tolerance = motion.beat_snap_ms / 1000
    scene_starts: dict[int, float] = {}
    for span in voiceover.lines:
        scene_starts.setdefault(span.scene, span.start)
    if not scene_starts:  # the merchant's own recording: no line spans, so pace the scenes evenly
        n = len(script.scenes)
        scene_starts = {i: voiceover.duration * i / n for i in range(n)}
    ordered = sorted(scene_starts.items())
    raw = [0.0, *[t for _, t in ordered[1:]], duration]
    bounds = list(raw)
    for k in range(1, len(raw) - 1):
        # onto the beat, unless that would take more than 40% off the scene before or after it
        snapped = beats.snap(raw[k], tolerance)
        if (snapped - bounds[k - 1] >= 0.6 * (raw[k] - raw[k - 1])
                and raw[k + 1] - snapped >= 0.6 * (raw[k + 1] - raw[k])):
            bounds[k] = snapped
    windows: list[tuple[int, int, int]] = []  # (scene index, first frame, end frame)
    for n, (scene_index, _) in enumerate(ordered):
        start = 0 if n == 0 else int(round(bounds[n] * fps))
        end = total if n + 1 == len(ordered) else int(round(bounds[n + 1] * fps))
        if end > start:
            windows.append((scene_index, start, end))
    layers: list[Layer] = []
    currency = currency_for(product.currency, product.language).symbol
    photos = [p for p in product.images if not is_clip(p)]
    painted = {str(p) for p in backgrounds}
    pictures = [*product.images, *backgrounds]
    stills = [p for p in pictures if not is_clip(p)]
    seed = f"{product.slug}|{script.variant}|{script.seed}"
    planner = ShotPlanner(motion, [product_box(p) for p in stills] or [product_box(pictures[0])],
                          style.width / style.height, seed, still_zoom=style.zoom) if stills else None
    rng = random.Random(seed)
    shots: list[tuple[Layer, str | None]] = []  # each shot with the kind of scene it opens (None: inside one)
    for scene_index, start, end in windows:
        scene = script.scenes[scene_index]
        priced = scene.kind == "offer" and product.price is not None
        image = pictures[scene.image % len(pictures)]
        if priced and str(image) in painted:
            image = product.images[scene.image % len(product.images)]
        cuts = [int(round(c * fps)) for c in cut_points(start / fps, end / fps, motion, beats)]
        bounds = [start, *[c for c in cuts if start < c < end], end]
        for k, (a, b) in enumerate(zip(bounds, bounds[1:])):
            opens = scene.kind if k == 0 else None
            if is_clip(image) and (k % 3 != 1 or planner is None):
                # the footage plays on through the scene: full frame with the product card over it, then
                # (every third shot) in a window over the product; between them a shot of the product
                footage = round((a - start) / fps, 3)
                if k % 3 == 2 and photos and not priced:  # (the price tag sits where the window would)
                    shots.append((Clip(start=a, end=b, z=0, source=str(image), clip_start=footage,
                                       window=PIP_WINDOW, backdrop=str(photos[0])), opens))
                else:
                    shots.append((Clip(start=a, end=b, z=0, source=str(image), clip_start=footage), opens))
                    if style.product_inset and photos and not priced:
                        layers.append(Inset(start=a, end=b, z=1, source=str(photos[0])))
            elif is_clip(image):
                shots.append((planner.next_shot(a, b, 0, scene.kind, False), opens))
            elif str(image) in painted:
                shots.append((Shot(start=a, end=b, sources=(str(image),), layout="full", view_from=(0.5, 0.5, 1.0),
                                   view_to=(0.5, 0.5, 1.15), ease="linear", label="backdrop"), opens))
                if photos:  # the product, large, in the painted scene
                    layers.append(Inset(start=a, end=b, z=1, source=str(photos[0]), hero=True))
            else:
                primary = stills.index(image) if image in stills else 0
                shots.append((planner.next_shot(a, b, primary, scene.kind, k == 0), opens))
        layers.extend(_scene_text(scene, product, start, end, fps, motion, beats, currency, style))
    layers[:0] = _with_transitions(shots, motion, fps, rng)
    label = "AI生成" if script.language == "zh" else "AI-generated"
    if voiceover.synthetic or painted:
        layers.append(AiLabel(start=0, end=min(total, int(AI_LABEL_SECONDS * fps)), z=9, text=label))
    audio = [AudioTrack("voice", str(voiceover.audio_path), 0.0)]
    if music is not None:
        audio.append(AudioTrack("music", str(music), music_gain_db, duck=True))
    track = (CaptionTrack(captions, style.caption_style(), tuple(tuple(t) for t in translations))
             if captions.pages else None)
    return Timeline(fps=fps, width=style.width, height=style.height, frames=total, layers=layers,
                    audio=audio, style=style, language=script.language, captions=track, beats=beats)


def _with_transitions(shots: list[tuple[Layer, str | None]], motion, fps: int, rng) -> list[Layer]:
    """The shots with a transition on some cuts: the outgoing shot runs on under it and the incoming
    one starts under it, so both pictures are there while it plays."""
    import dataclasses

    from .motion import direction_for, pick_transition

    length = max(2, int(round(motion.transition_seconds * fps)))
    out: list[Layer] = [s for s, _ in shots]
    extra: list[Layer] = []
    previous, last_was_cut = "cut", True
    for k in range(1, len(shots)):
        before, after = out[k - 1], out[k]
        # never two transitions in a row: a hard cut between them lets each one read
        style = pick_transition(motion, shots[k][1], rng, previous) if last_was_cut else "cut"
        half = length // 2
        if style != "cut" and ((before.end - before.start) < length + 2 or (after.end - after.start) < length + 2):
            style = "cut"  # too short to share frames with a transition
        last_was_cut = style == "cut"
        if style == "cut":
            continue
        previous = style
        cut = after.start
        out[k - 1] = dataclasses.replace(before, end=cut + length - half)
        out[k] = dataclasses.replace(after, start=cut - half)
        extra.append(Transition(start=cut - half, end=cut + length - half, z=0, style=style,
                                direction=direction_for(style, rng)))
    return out + extra


_NUMBER = re.compile(r"[¥$€]?\d+(?:[.,:]\d+)*\s?(?:%|[A-Za-z]{1,3}\b|小时|分钟|毫升|公斤|千克|斤|克|升|寸|元|块|天|年|倍|档|层|件|个|次)?")


def emphasis_terms(text: str, product: Product) -> tuple[str, ...]:
    """The parts of an on-screen text to emphasise: numbers with their units, and the brand."""
    terms = [m.group(0).strip() for m in _NUMBER.finditer(text) if m.group(0).strip()]
    if product.brand and product.brand in text:
        terms.append(product.brand)
    return tuple(dict.fromkeys(terms))


def _scene_text(scene, product: Product, start: int, end: int, fps: int, motion, beats: BeatGrid, currency: str,
                style: VideoStyle) -> list[Layer]:
    """The scene's title, price tag or headline (and a sticker for a selling point), entering and
    leaving as the motion style says."""
    from .icons import icon_for

    span = end - start
    enter = min(int(round(motion.enter_seconds * fps)), span // 3)
    leave = min(int(round(motion.exit_seconds * fps)), span // 4) if motion.text_exit != "none" else 0
    ex = motion.text_exit if leave else "none"
    emph = (lambda text: emphasis_terms(text, product)) if motion.emphasis else (lambda text: ())
    out: list[Layer] = []
    if scene.kind == "hook":
        text = scene.overlay or product.name
        out.append(Title(start=start, end=end, z=2, text=text, enter=motion.title_enter if enter else "none",
                         enter_frames=enter, exit=ex, exit_frames=leave, emphasis=emph(text)))
    elif scene.kind == "offer" and product.price is not None:
        text = scene.overlay or f"{currency}{product.price:g}"
        old = f"{currency}{product.original_price:g}" if product.original_price else ""
        price_enter = motion.price_enter if enter else "none"
        frames = enter if price_enter not in ("count", "stamp") else min(max(enter, int(0.6 * fps)), span // 2)
        out.append(PriceTag(start=start, end=end, z=2, text=text, was=old, enter=price_enter, enter_frames=frames,
                            exit=ex, exit_frames=leave))
    elif scene.overlay:
        out.append(Headline(start=start, end=end, z=2, text=scene.overlay, enter=motion.headline_enter if enter else "none",
                            enter_frames=enter, exit=ex, exit_frames=leave, emphasis=emph(scene.overlay)))
        if motion.stickers and scene.kind in ("point", "proof") and span > 3 * enter + 4:
            # the badge lands on the next beat after the headline is in (or a third of a second later)
            at = (start + enter) / fps
            later = beats.between(at, at + 0.7)
            first = int(round((later[0] if later else at + 0.33) * fps))
            if end - first > enter + leave + 2:
                out.append(Sticker(start=first, end=end, z=3, icon=icon_for(" ".join([scene.overlay, *scene.lines])),
                                   enter=motion.sticker_enter if enter else "none", enter_frames=max(enter, 2),
                                   exit=ex, exit_frames=leave))
    return out
