"""Motion: how a video is cut. Shots from the product's photos, transitions, text entrances, beats.

A template names a motion style (`motion_style: calm | lively | punchy | still`, its preset) and may
tune it in a `motion:` mapping (keys and defaults in PRESETS; docs/templates.md). `MotionStyle` is the
resolved form; `plan_scene_shots` turns one scene's time window and pictures into shots (Shot and
Transition layers) on the music's beats. Everything here is pure: the compositor draws what it says.

The shots come from what a merchant has, even one photo: the product is found in each photo once
(`product_box`: an edge- and colour-based saliency box, so crops keep the product rather than the
centre), and each shot is one of
- full: the photo filling the frame, the 9:16 window centred on the product, a slow push;
- push_in / pull_out: a clear zoom towards / away from the product;
- detail: a close crop on one region of the product (top, middle, bottom, left, right), drifting;
- pan: a zoomed window travelling across the product;
- card: the photo on a card over a blurred copy of itself (the classic packshot), pushing in;
- grid: two to four photos, or regions of one photo, in tiles;
- split: two pictures one above the other (comparison templates).
A seeded choice (product, variant) orders them so that consecutive shots differ and variants differ.
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import random
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from .layers import ENTRANCES, EXITS, TRANSITIONS, Shot

log = logging.getLogger(__name__)

SHOT_KINDS = ("full", "push_in", "pull_out", "detail", "pan", "card", "grid", "split")
# how each kind looks, for cutting between different looks: the whole product filling the frame, a
# close crop, or a composed frame (card over blur, tiles)
LOOKS = {"full": "wide", "push_in": "wide", "pull_out": "wide", "pan": "wide", "detail": "close",
         "card": "composed", "grid": "composed", "split": "composed"}
SCENES = ("hook", "point", "proof", "offer", "cta")

# the presets: every key a template's `motion:` mapping may set, with its value in each style
PRESETS: dict[str, dict[str, Any]] = {
    "lively": {
        "shot_seconds": [1.5, 2.6],  # shortest and longest shot
        "transition_seconds": 0.3,
        # transition into a scene of each kind (one picked per boundary; "cut" = none), and inside a scene
        "transitions": {"hook": ["zoom"], "point": ["push", "cut", "wipe", "cut", "crossfade", "cut"],
                        "proof": ["crossfade", "cut"], "offer": ["zoom", "whip"], "cta": ["slide", "cut"],
                        "inside": ["crossfade", "push"]},
        "inside_share": 0.2,  # share of the cuts inside a scene that get a transition (the rest: hard cuts)
        # the order shots are taken in (full-bleed and composed layouts alternate, so each cut shows)
        "shots": ["push_in", "card", "detail", "grid", "pan", "card", "full", "detail", "pull_out", "grid"],
        "title_enter": "pop", "headline_enter": "slide_up", "price_enter": "count", "sticker_enter": "pop",
        "text_exit": "fade", "enter_seconds": 0.35, "exit_seconds": 0.2,
        "stickers": True,  # a badge with an icon beside each selling point's headline
        "emphasis": True,  # numbers and the brand in the highlight colour
        "caption_pop": True,  # karaoke captions: each word pops as it is spoken (libass animates it)
        # scene boundaries (and the text entering with them) move to a beat this close: at 86 BPM or
        # faster a beat is never further away
        "beat_snap_ms": 350,
    },
    "punchy": {
        "shot_seconds": [1.2, 2.0], "transition_seconds": 0.24,
        "transitions": {"hook": ["zoom", "whip"], "point": ["whip", "cut", "push", "cut", "zoom", "cut"],
                        "proof": ["wipe", "cut"], "offer": ["zoom"], "cta": ["whip", "push", "cut"],
                        "inside": ["whip", "zoom", "push"]},
        "inside_share": 0.25,
        "shots": ["push_in", "grid", "detail", "card", "pan", "detail", "card", "full", "pull_out", "grid"],
        "title_enter": "stamp", "headline_enter": "pop", "price_enter": "stamp", "sticker_enter": "pop",
        "text_exit": "pop", "enter_seconds": 0.3, "exit_seconds": 0.17, "stickers": True, "emphasis": True,
        "caption_pop": True,
        "beat_snap_ms": 350,
    },
    "calm": {
        "shot_seconds": [2.4, 3.5], "transition_seconds": 0.6,
        "transitions": {"hook": ["crossfade"], "point": ["crossfade", "slide", "cut"], "proof": ["crossfade"],
                        "offer": ["crossfade"], "cta": ["crossfade"], "inside": ["crossfade"]},
        "inside_share": 0.3,
        "shots": ["card", "push_in", "card", "detail", "grid", "pan", "card", "pull_out"],
        "title_enter": "fade", "headline_enter": "slide_up", "price_enter": "slide_up", "sticker_enter": "fade",
        "text_exit": "fade", "enter_seconds": 0.5, "exit_seconds": 0.3, "stickers": False, "emphasis": True,
        "caption_pop": False,
        "beat_snap_ms": 350,
    },
    "still": {  # the old look: one slow zoom per scene, no transitions, text fading in
        "shot_seconds": [60.0, 60.0], "transition_seconds": 0.3,
        "transitions": {k: ["cut"] for k in (*SCENES, "inside")}, "inside_share": 0.0,
        "shots": ["card"], "title_enter": "fade", "headline_enter": "fade", "price_enter": "fade",
        "sticker_enter": "fade", "text_exit": "none", "enter_seconds": 0.2, "exit_seconds": 0.0, "stickers": False,
        "emphasis": False, "caption_pop": False, "beat_snap_ms": 0,
    },
}
DEFAULT_MOTION = "lively"
MOTION_STYLES = tuple(PRESETS)


@dataclass(frozen=True)
class MotionStyle:
    """A resolved motion style (a preset with a template's `motion:` keys applied)."""

    name: str = DEFAULT_MOTION
    shot_seconds: tuple[float, float] = (1.5, 2.6)
    transition_seconds: float = 0.3
    transitions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    inside_share: float = 0.2
    shots: tuple[str, ...] = SHOT_KINDS
    title_enter: str = "pop"
    headline_enter: str = "slide_up"
    price_enter: str = "count"
    sticker_enter: str = "pop"
    text_exit: str = "fade"
    enter_seconds: float = 0.35
    exit_seconds: float = 0.2
    stickers: bool = True
    emphasis: bool = True
    caption_pop: bool = True
    beat_snap_ms: float = 350.0

    def transitions_for(self, scene_kind: str) -> tuple[str, ...]:
        return dict(self.transitions).get(scene_kind, ("cut",))

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["transitions"] = {k: list(v) for k, v in self.transitions}
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "MotionStyle":
        d = dict(d)
        d["transitions"] = tuple((k, tuple(v)) for k, v in dict(d.get("transitions") or {}).items())
        for key in ("shot_seconds", "shots"):
            if key in d:
                d[key] = tuple(d[key])
        return cls(**d)


def motion_style(style: dict) -> MotionStyle:
    """The motion style of a merged template style (`motion_style` and `motion` keys); ValueError
    names the bad key and what is allowed."""
    name = style.get("motion_style") or DEFAULT_MOTION
    if name not in PRESETS:
        raise ValueError(f"motion_style must be one of {', '.join(PRESETS)}, not {name!r}")
    tuned = style.get("motion") or {}
    if not isinstance(tuned, dict):
        raise ValueError("motion must be a mapping of motion keys (see docs/templates.md)")
    values = {**PRESETS[name]}
    unknown = sorted(set(tuned) - set(values))
    if unknown:
        raise ValueError(f"unknown motion key(s) {', '.join(unknown)}; known: {', '.join(sorted(values))}")
    transitions = {**values["transitions"], **(tuned.get("transitions") or {})}
    values.update(tuned)
    values["transitions"] = transitions
    return _checked(name, values)


def _checked(name: str, v: dict) -> MotionStyle:
    def number(key: str, low: float, high: float) -> float:
        value = v[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValueError(f"motion.{key} must be a number from {low:g} to {high:g}, not {value!r}")
        return float(value)

    shot = v["shot_seconds"]
    if (not isinstance(shot, (list, tuple)) or len(shot) != 2
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in shot)
            or not 0.6 <= shot[0] <= shot[1] <= 60):
        raise ValueError(f"motion.shot_seconds must be [shortest, longest] seconds, 0.6 <= shortest <= longest <= 60, "
                         f"not {shot!r}")
    trans = v["transitions"]
    if not isinstance(trans, dict):
        raise ValueError("motion.transitions must map scene kinds (and 'inside') to lists of transitions")
    for kind, kinds in trans.items():
        if kind not in (*SCENES, "inside"):
            raise ValueError(f"motion.transitions: '{kind}' is not a scene kind ({', '.join(SCENES)}) or 'inside'")
        if not isinstance(kinds, list) or not kinds or any(k not in TRANSITIONS for k in kinds):
            raise ValueError(f"motion.transitions.{kind} must be a list of {', '.join(TRANSITIONS)}, not {kinds!r}")
    shots = v["shots"]
    if not isinstance(shots, (list, tuple)) or not shots or any(s not in SHOT_KINDS for s in shots):
        raise ValueError(f"motion.shots must be a list of {', '.join(SHOT_KINDS)}, not {shots!r}")
    for key in ("title_enter", "headline_enter", "price_enter", "sticker_enter"):
        if v[key] not in ENTRANCES:
            raise ValueError(f"motion.{key} must be one of {', '.join(ENTRANCES)}, not {v[key]!r}")
    if v["text_exit"] not in EXITS:
        raise ValueError(f"motion.text_exit must be one of {', '.join(EXITS)}, not {v['text_exit']!r}")
    for key in ("stickers", "emphasis", "caption_pop"):
        if not isinstance(v[key], bool):
            raise ValueError(f"motion.{key} must be true or false, not {v[key]!r}")
    return MotionStyle(
        name=name, shot_seconds=(float(shot[0]), float(shot[1])),
        transition_seconds=number("transition_seconds", 0.1, 1.5),
        transitions=tuple((k, tuple(trans[k])) for k in (*SCENES, "inside") if k in trans),
        inside_share=number("inside_share", 0.0, 1.0), shots=tuple(shots),
        title_enter=v["title_enter"], headline_enter=v["headline_enter"], price_enter=v["price_enter"],
        sticker_enter=v["sticker_enter"], text_exit=v["text_exit"],
        enter_seconds=number("enter_seconds", 0.0, 2.0), exit_seconds=number("exit_seconds", 0.0, 2.0),
        stickers=v["stickers"], emphasis=v["emphasis"], caption_pop=v["caption_pop"],
        beat_snap_ms=number("beat_snap_ms", 0, 500),
    )


def motion_override(name: str) -> dict:
    """The style overrides that switch a render (or the app's preview) to the preset `name`, dropping
    the template's own `motion:` tuning: {"motion_style": name, "motion": {}}."""
    if name not in PRESETS:
        raise ValueError(f"motion style must be one of {', '.join(PRESETS)}, not {name!r}")
    return {"motion_style": name, "motion": {}}


# ----------------------------------------------------------------------------------- saliency
@dataclass(frozen=True)
class PictureInfo:
    """What the planner knows of a picture: its size and where the product is in it (0..1 box)."""

    path: str
    width: int
    height: int
    box: tuple[float, float, float, float]
    details: tuple[tuple[float, float], ...] = ()  # centres of the most detailed parts of the product

    @property
    def aspect(self) -> float:
        return self.width / self.height


_info_lock = threading.Lock()


@lru_cache(maxsize=256)
def _picture_info(path: str, stamp: tuple) -> PictureInfo:
    import numpy as np
    from PIL import Image, ImageFilter, ImageOps

    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im).convert("RGB")
        width, height = im.size
        im.thumbnail((160, 160))
    arr = np.asarray(im, np.float32)
    border = np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]])
    background = np.median(border, axis=0)
    distance = np.abs(arr - background).sum(axis=2)
    grey = np.asarray(im.convert("L").filter(ImageFilter.FIND_EDGES), np.float32)
    grey[0], grey[-1], grey[:, 0], grey[:, -1] = 0, 0, 0, 0
    score = distance / (distance.max() + 1e-6) + grey / (grey.max() + 1e-6)
    mask = score > 0.35
    if mask.sum() < 0.01 * mask.size:  # nothing stands out: the whole picture is the subject
        return PictureInfo(path, width, height, (0.0, 0.0, 1.0, 1.0))
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    x0, x1 = np.percentile(xs, 1), np.percentile(xs, 99) + 1
    y0, y1 = np.percentile(ys, 1), np.percentile(ys, 99) + 1
    box = (round(float(x0 / w), 3), round(float(y0 / h), 3), round(float(x1 / w), 3), round(float(y1 / h), 3))
    return PictureInfo(path, width, height, box, _detailed_spots(grey, box))


def _detailed_spots(edges, box, count: int = 3) -> tuple[tuple[float, float], ...]:
    """Centres of the `count` windows (a quarter of the product's size) inside the product box with the
    most edges, apart from each other: where a detail crop finds something to show."""
    import numpy as np

    h, w = edges.shape
    x0, y0, x1, y1 = box
    bw, bh = max(x1 - x0, 0.05), max(y1 - y0, 0.05)
    spots = []
    for fy in np.linspace(0.2, 0.8, 5):
        for fx in np.linspace(0.2, 0.8, 5):
            cx, cy = x0 + fx * bw, y0 + fy * bh
            a, b = int((cx - bw / 8) * w), int((cx + bw / 8) * w) + 1
            c, d = int((cy - bh / 8) * h), int((cy + bh / 8) * h) + 1
            spots.append((float(edges[max(0, c):d, max(0, a):b].mean()) if b > a and d > c else 0.0, cx, cy))
    chosen: list[tuple[float, float]] = []
    for _, cx, cy in sorted(spots, reverse=True):
        if all(abs(cx - px) > bw / 4 or abs(cy - py) > bh / 4 for px, py in chosen):
            chosen.append((round(float(cx), 3), round(float(cy), 3)))
        if len(chosen) == count:
            break
    return tuple(chosen)


def product_box(path: str | Path) -> PictureInfo:
    """Where the product sits in a photo (edges and colours that differ from the photo's border);
    cached by file and modification time."""
    p = Path(path)
    try:
        st = p.stat()
        with _info_lock:
            return _picture_info(str(p), (st.st_size, st.st_mtime_ns))
    except (OSError, ValueError) as exc:  # the renderer says which photo is missing or broken, and what to do
        log.warning("could not look for the product in %s (%s); framing the whole picture", p, exc)
        return PictureInfo(str(p), 1080, 1080, (0.0, 0.0, 1.0, 1.0))


# ----------------------------------------------------------------------------------- planning
@dataclass
class ShotPlanner:
    """Chooses shots for one video: a seeded order of shot kinds, each new shot different from the
    last, regions of a photo taken in turn so one photo yields many different shots."""

    motion: MotionStyle
    pictures: Sequence[PictureInfo]
    frame_aspect: float  # width / height of the video
    seed: str
    still_zoom: float = 1.08  # the `still` style's slow zoom over a scene (the template's `zoom` key)
    _rng: random.Random = field(init=False)
    _turn: int = field(default=0, init=False)
    _region_turn: int = field(default=0, init=False)
    _last: tuple = field(default=(), init=False)
    _last_look: str = field(default="", init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(int(hashlib.sha1(self.seed.encode()).hexdigest()[:12], 16))
        kinds = list(self.motion.shots)
        shift = self._rng.randrange(len(kinds))
        self._order = kinds[shift:] + kinds[:shift]

    def next_shot(self, start: int, end: int, primary: int, scene_kind: str, first_of_scene: bool) -> Shot:
        """The next shot on frames [start, end), mostly of picture `primary`."""
        info = self.pictures[primary % len(self.pictures)]
        kind = self._pick(scene_kind, first_of_scene, info)
        shot = self._make(kind, info, primary, start, end)
        self._last = (shot.layout, shot.label, shot.sources)
        self._last_look = "composed" if shot.layout != "full" else "close" if shot.label == "detail" else "wide"
        return shot

    def _look(self, kind: str, info: PictureInfo) -> str:
        if kind == "full" and not self._fits(info):
            return "composed"  # shown on a card, so the product stays whole
        return LOOKS[kind]

    def _pick(self, scene_kind: str, first: bool, info: PictureInfo) -> str:
        """The next kind in the seeded order whose look (wide, close, composed) differs from the last
        shot's, so every cut changes the picture clearly."""
        allowed = self._order
        last = self._last_look
        if first and scene_kind == "hook" and "push_in" in allowed and last != "wide":
            return "push_in"
        if first and scene_kind in ("offer", "cta") and "card" in allowed and last != "composed":
            return "card"  # the price tag and the call to action sit over the whole product
        several_looks = len({self._look(k, info) for k in allowed}) > 1
        for strict in (True, False):
            for step in range(len(allowed)):
                kind = allowed[(self._turn + step) % len(allowed)]
                if kind == "split" and len(self.pictures) < 2:
                    continue
                if strict and several_looks and self._look(kind, info) == last:
                    continue
                self._turn += step + 1
                return kind
        return allowed[0]

    def _full_window(self, info: PictureInfo, zoom: float) -> tuple[float, float]:
        """(width, height) of the 9:16 window at `zoom`, as fractions of the photo."""
        cover_w = min(1.0, info.height * self.frame_aspect / info.width)
        cover_h = cover_w * info.width / (info.height * self.frame_aspect)
        return cover_w / zoom, cover_h / zoom

    def _fits(self, info: PictureInfo, zoom: float = 1.0) -> bool:
        w, h = self._full_window(info, zoom)
        x0, y0, x1, y1 = info.box
        return (x1 - x0) <= w * 1.02 and (y1 - y0) <= h * 1.02

    def _make(self, kind: str, info: PictureInfo, primary: int, start: int, end: int) -> Shot:
        x0, y0, x1, y1 = info.box
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        rng = self._rng
        src = (info.path,)
        if kind == "full" and not self._fits(info):
            kind = "card"
        if kind == "full":
            return Shot(start=start, end=end, sources=src, layout="full", view_from=(cx, cy, 1.0),
                        view_to=(cx, min(1.0, cy + rng.choice((-0.04, 0.04))), 1.25), ease="linear", label="full")
        if kind in ("push_in", "pull_out"):  # a zoom on the product's centre (wide products: cropped as it goes)
            near = min(1.6, max(1.3, 0.7 / max(x1 - x0, 1e-3) * self._full_window(info, 1)[0]))
            a, b = (cx, cy, 1.0), (cx, cy, round(near, 3))
            a, b = (a, b) if kind == "push_in" else (b, a)
            return Shot(start=start, end=end, sources=src, layout="full", view_from=a, view_to=b,
                        ease="linear", label=kind.replace("_", "-"))
        if kind == "detail":
            regions = info.details or self._regions(info)
            rx, ry = regions[self._region_turn % len(regions)]
            self._region_turn += 1
            zoom = round(rng.uniform(2.0, 2.6), 2)
            drift = rng.choice((-1, 1)) * 0.06
            return Shot(start=start, end=end, sources=src, layout="full", view_from=(rx, ry, zoom),
                        view_to=(min(1, max(0, rx + drift)), ry, round(zoom * 1.2, 3)), ease="linear", label="detail")
        if kind == "pan":
            zoom = 1.6
            w, h = self._full_window(info, zoom)
            if (x1 - x0) / max(w, 1e-3) >= (y1 - y0) / max(h, 1e-3):  # pan along the product's longer side
                a, b = (x0 + w / 2, cy, zoom), (x1 - w / 2, cy, zoom)
            else:
                a, b = (cx, y0 + h / 2, zoom), (cx, y1 - h / 2, zoom)
            if rng.random() < 0.5:
                a, b = b, a
            a = tuple(round(min(1, max(0, v)), 3) if i < 2 else v for i, v in enumerate(a))
            b = tuple(round(min(1, max(0, v)), 3) if i < 2 else v for i, v in enumerate(b))
            if abs(a[0] - b[0]) + abs(a[1] - b[1]) < 0.15:  # a small product: the pan also pushes in
                b = (b[0], b[1], 1.9)
            return Shot(start=start, end=end, sources=src, layout="full", view_from=a, view_to=b, ease="linear",
                        label="pan")
        if kind in ("grid", "split"):
            count = 2 if kind == "split" else min(4, max(3, len(self.pictures)))
            sources, regions = [], []
            others = [p for k, p in enumerate(self.pictures) if k != primary % len(self.pictures)]
            pool = [info, *others]
            for k in range(count):
                p = pool[k % len(pool)]
                sources.append(p.path)
                if k < len(pool):
                    regions.append(_pad_box(p.box, 0.06))
                else:  # one photo: the other tiles are regions of it
                    rx, ry = self._regions(p)[(k + self._region_turn) % len(self._regions(p))]
                    regions.append(_box_around(rx, ry, 0.45, 0.45 * p.aspect))
            self._region_turn += 1
            drift = rng.choice((0.45, 0.55))
            return Shot(start=start, end=end, sources=tuple(sources), layout=kind, regions=tuple(regions),
                        view_from=(0.5, 0.5, 1.0), view_to=(drift, 0.5, 1.3), ease="linear", label=kind)
        # card: the photo on a card over its blurred copy, pushing in
        a, b = (0.5, 0.52, 1.0), (0.5, 0.52, round(rng.uniform(1.3, 1.45), 2))
        if self.motion.name == "still":
            b = (0.5, 0.52, max(1.0, min(4.0, self.still_zoom)))
        if rng.random() < 0.3:
            a, b = b, a
        return Shot(start=start, end=end, sources=src, layout="card", view_from=a, view_to=b, ease="linear",
                    label="card")

    @staticmethod
    def _regions(info: PictureInfo) -> list[tuple[float, float]]:
        """Centres of detail crops: thirds of the product along its longer side, and its middle."""
        x0, y0, x1, y1 = info.box
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        if (y1 - y0) * info.height >= (x1 - x0) * info.width:
            return [(cx, y0 + (y1 - y0) / 4), (cx, cy), (cx, y1 - (y1 - y0) / 4)]
        return [(x0 + (x1 - x0) / 4, cy), (cx, cy), (x1 - (x1 - x0) / 4, cy)]


def _pad_box(box, pad: float) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    return (round(max(0.0, x0 - pad), 3), round(max(0.0, y0 - pad), 3), round(min(1.0, x1 + pad), 3),
            round(min(1.0, y1 + pad), 3))


def _box_around(cx: float, cy: float, w: float, h: float) -> tuple[float, float, float, float]:
    w, h = min(w, 1.0), min(h, 1.0)
    x0 = min(max(0.0, cx - w / 2), 1.0 - w)
    y0 = min(max(0.0, cy - h / 2), 1.0 - h)
    return (round(x0, 3), round(y0, 3), round(x0 + w, 3), round(y0 + h, 3))


def cut_points(start_s: float, end_s: float, motion: MotionStyle, beats) -> list[float]:
    """Where to cut inside a scene [start_s, end_s): on beats, shots as near the style's length as the
    beats allow (each between 0.8x the shortest and 1.15x the longest; the choice closest to the aimed
    length over the whole scene), or evenly when no beats fit (no music, or a scene between beats)."""
    lo, hi = motion.shot_seconds
    aim = (lo + hi) / 2
    if end_s - start_s <= hi:
        return []
    short, long_ = 0.8 * lo, 1.15 * hi
    points = [start_s, *(beats.between(start_s + short, end_s - short + 1e-6) if beats else []), end_s]
    # best[k]: (cost, previous index) of cutting at points[k], the shots before it all within bounds
    best: list[tuple[float, int] | None] = [None] * len(points)
    best[0] = (0.0, -1)
    for k in range(1, len(points)):
        for j in range(k):
            if best[j] is None:
                continue
            length = points[k] - points[j]
            if short - 1e-6 <= length <= long_ + 1e-6:
                cost = best[j][0] + (length - aim) ** 2
                if best[k] is None or cost < best[k][0]:
                    best[k] = (cost, j)
    if best[-1] is not None:
        cuts, k = [], best[-1][1]
        while k > 0:
            cuts.append(points[k])
            k = best[k][1]
        return sorted(cuts)
    n = max(1, round((end_s - start_s) / aim))
    return [start_s + (end_s - start_s) * i / n for i in range(1, n)]


def pick_transition(motion: MotionStyle, scene_kind: str | None, rng: random.Random, previous: str) -> str:
    """The transition into the next shot: the scene kind's list at a scene boundary (None: inside a
    scene, where only `inside_share` of the cuts get one); not the `previous` transition again."""
    if scene_kind is None:
        if rng.random() >= motion.inside_share:
            return "cut"
        choices = motion.transitions_for("inside")
    else:
        choices = motion.transitions_for(scene_kind)
    fresh = [c for c in choices if c != previous or c == "cut"] or list(choices)
    return rng.choice(fresh)


def direction_for(style: str, rng: random.Random) -> str:
    if style in ("push", "slide", "whip", "wipe"):
        return rng.choice(("left", "left", "right", "up"))
    return "left"


__all__ = ["DEFAULT_MOTION", "LOOKS", "MOTION_STYLES", "MotionStyle", "PRESETS", "PictureInfo", "SHOT_KINDS",
           "ShotPlanner", "cut_points", "direction_for", "motion_override", "motion_style", "pick_transition",
           "product_box"]
