"""Timeline layers: one frozen dataclass per kind, registered by name, validated on load.

A layer says what shows on frames [start, end) and nothing about how it is drawn: the compositor
keeps its own registry of drawers by kind. A new kind (a transition, an animated text) is a new
class here plus a drawer there; the timeline's JSON names each layer's kind.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

LAYER_KINDS: dict[str, type["Layer"]] = {}


def layer_kind(cls: type["Layer"]) -> type["Layer"]:
    """Register a layer class under its `kind` (a decorator)."""
    if not cls.kind or cls.kind in LAYER_KINDS:
        raise ValueError(f"layer kind '{cls.kind}' is empty or registered twice")
    LAYER_KINDS[cls.kind] = cls
    return cls


@dataclass(frozen=True, kw_only=True)
class Layer:
    """Something on screen from frame `start` (included) to `end` (excluded), stacked by `z`."""

    kind: ClassVar[str] = ""
    visual: ClassVar[bool] = False  # a full-frame picture (photo, clip) rather than an overlay on one
    start: int
    end: int
    z: int = 0

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise ValueError naming the kind and the bad field."""
        for name in ("start", "end", "z"):
            if not isinstance(getattr(self, name), int) or isinstance(getattr(self, name), bool):
                raise ValueError(f"{self.kind} layer: {name} must be a whole number of frames, not "
                                 f"{getattr(self, name)!r}")
        if self.start < 0 or self.end <= self.start:
            raise ValueError(f"{self.kind} layer: frames [{self.start}, {self.end}) are empty or negative")

    def shows(self, frame: int) -> bool:
        return self.start <= frame < self.end

    def files(self) -> tuple[str, ...]:
        """The files this layer reads (checked before a render; shipped to a render-farm worker)."""
        return ()

    def with_files(self, mapping: dict[str, str]) -> "Layer":
        """This layer reading its files from where `mapping` says (paths not in it stay)."""
        return self

    def describe(self) -> str:
        return ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **dataclasses.asdict(self)}


@dataclass(frozen=True, kw_only=True)
class _Sourced(Layer):
    source: str = ""

    def check(self) -> None:
        super().check()
        if not isinstance(self.source, str) or not self.source:
            raise ValueError(f"{self.kind} layer: source must name a file")

    def files(self) -> tuple[str, ...]:
        return (self.source,)

    def with_files(self, mapping: dict[str, str]) -> "Layer":
        return dataclasses.replace(self, source=mapping.get(self.source, self.source))

    def describe(self) -> str:
        return Path(self.source).name


ENTRANCES = ("none", "fade", "pop", "slide_up", "slide_down", "slide_left", "slide_right", "stagger", "stamp", "count")
EXITS = ("none", "fade", "pop", "slide_up", "slide_down", "slide_left", "slide_right")


@dataclass(frozen=True, kw_only=True)
class _Text(Layer):
    """A text overlay: rasterised once, then moved, scaled and faded as it enters and leaves.

    enter: how it comes in over `enter_frames` (none, fade, pop: scales up past full size and settles,
    slide_*: moves in from that side, stagger: one character after another rises in, stamp: slams down
    from twice its size, count: the price counts up to its value); exit: how it leaves over the last
    `exit_frames`. `emphasis`: words drawn in the highlight colour (numbers, the brand)."""

    text: str = ""
    enter: str = "fade"
    exit: str = "none"
    enter_frames: int = 6
    exit_frames: int = 0
    emphasis: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.emphasis, list):  # from JSON
            object.__setattr__(self, "emphasis", tuple(self.emphasis))
        super().__post_init__()

    def check(self) -> None:
        super().check()
        if not isinstance(self.text, str):
            raise ValueError(f"{self.kind} layer: text must be a string, not {self.text!r}")
        if self.enter not in ENTRANCES:
            raise ValueError(f"{self.kind} layer: enter must be one of {', '.join(ENTRANCES)}, not {self.enter!r}")
        if self.exit not in EXITS:
            raise ValueError(f"{self.kind} layer: exit must be one of {', '.join(EXITS)}, not {self.exit!r}")
        for name in ("enter_frames", "exit_frames"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{self.kind} layer: {name} must be a whole number of frames >= 0, not {value!r}")
        if self.exit_frames > self.end - self.start:
            raise ValueError(f"{self.kind} layer: exit_frames ({self.exit_frames}) are longer than the layer "
                             f"({self.end - self.start} frames)")

    def describe(self) -> str:
        motion = f" [{self.enter}>{self.exit}]" if self.enter not in ("fade", "none") or self.exit != "none" else ""
        return self.text + motion


@layer_kind
@dataclass(frozen=True, kw_only=True)
class Photo(_Sourced):
    """A product photo filling the frame, with a slow zoom in or out."""

    kind: ClassVar[str] = "photo"
    visual: ClassVar[bool] = True
    zoom: float = 1.08  # the scale reached at the end of the zoom
    motion: str = "in"  # in | out

    def check(self) -> None:
        super().check()
        if not 1.0 <= float(self.zoom) <= 2.0:
            raise ValueError(f"photo layer: zoom must be from 1.0 to 2.0, not {self.zoom!r}")
        if self.motion not in ("in", "out"):
            raise ValueError(f"photo layer: motion must be 'in' or 'out', not {self.motion!r}")


@layer_kind
@dataclass(frozen=True, kw_only=True)
class Clip(_Sourced):
    """A video clip filling the frame (cropped to 9:16, looped when the scene is longer), or, with a
    `window` (x0, y0, x1, y1 in 0..1 of the frame), playing in that window over the `backdrop` photo
    on its card (picture-in-picture)."""

    kind: ClassVar[str] = "clip"
    visual: ClassVar[bool] = True
    clip_start: float = 0.0  # seconds into the clip where the scene starts
    window: tuple[float, ...] = ()
    backdrop: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.window, list):
            object.__setattr__(self, "window", tuple(self.window))
        super().__post_init__()

    def check(self) -> None:
        super().check()
        if self.window:
            w = self.window
            if len(w) != 4 or not (0 <= w[0] < w[2] <= 1 and 0 <= w[1] < w[3] <= 1):
                raise ValueError(f"clip layer: window {w!r} must be (x0, y0, x1, y1) inside 0..1")
            if not self.backdrop:
                raise ValueError("clip layer: a clip in a window needs a backdrop photo")

    def files(self) -> tuple[str, ...]:
        return (self.source, self.backdrop) if self.backdrop else (self.source,)

    def with_files(self, mapping: dict[str, str]) -> "Layer":
        return dataclasses.replace(self, source=mapping.get(self.source, self.source),
                                   backdrop=mapping.get(self.backdrop, self.backdrop))


@layer_kind
@dataclass(frozen=True, kw_only=True)
class Title(_Text):
    """The hook's big title at the top of the safe area."""

    kind: ClassVar[str] = "title"


@layer_kind
@dataclass(frozen=True, kw_only=True)
class Headline(_Text):
    """A scene's headline on an accent-coloured badge."""

    kind: ClassVar[str] = "headline"


@layer_kind
@dataclass(frozen=True, kw_only=True)
class PriceTag(_Text):
    """The price, large, with the original price struck through when there is one."""

    kind: ClassVar[str] = "price"
    was: str = ""


@layer_kind
@dataclass(frozen=True, kw_only=True)
class AiLabel(_Text):
    """The visible AI-content label on the opening frames (text height >= 5% of the short side)."""

    kind: ClassVar[str] = "label"
    enter: str = "none"  # shown from the very first frame


@layer_kind
@dataclass(frozen=True, kw_only=True)
class Inset(_Sourced):
    """The product photo on a card: small at the side over video clips, large (`hero`) over a painted
    backdrop."""

    kind: ClassVar[str] = "inset"
    hero: bool = False


SHOT_LAYOUTS = ("full", "card", "grid", "split")
TRANSITIONS = ("cut", "crossfade", "push", "slide", "zoom", "whip", "wipe")
DIRECTIONS = ("left", "right", "up", "down")
EASES = ("linear", "inout", "out")


def _view(value, name: str) -> tuple[float, float, float]:
    try:
        cx, cy, zoom = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"shot layer: {name} must be (centre x, centre y, zoom), not {value!r}") from None
    if not (0.0 <= cx <= 1.0 and 0.0 <= cy <= 1.0 and 1.0 <= zoom <= 4.0):
        raise ValueError(f"shot layer: {name} {value!r}: the centre must lie in 0..1 and the zoom in 1..4")
    return cx, cy, zoom


@layer_kind
@dataclass(frozen=True, kw_only=True)
class Shot(Layer):
    """One shot: a picture composed once (its canvas) and a camera path over it.

    layout: full (the photo itself, the frame a 9:16 window of it), card (the photo on a card over a
    blurred copy of itself), grid (2-4 photos or regions of one photo in tiles), split (two pictures,
    one above the other, for comparisons). `regions`: for grid and split tiles, the part of each source
    shown ((x0, y0, x1, y1) in 0..1; empty = the whole picture). The camera moves from `view_from` to
    `view_to` (centre x, centre y in 0..1 of the canvas, zoom 1 = the widest 9:16 window the canvas
    holds), eased by `ease`."""

    kind: ClassVar[str] = "shot"
    visual: ClassVar[bool] = True
    sources: tuple[str, ...] = ()
    layout: str = "full"
    regions: tuple[tuple[float, float, float, float], ...] = ()
    view_from: tuple[float, float, float] = (0.5, 0.5, 1.0)
    view_to: tuple[float, float, float] = (0.5, 0.5, 1.0)
    ease: str = "inout"
    label: str = ""  # what the shot is (push-in, detail, pan…), for people reading the timeline

    def __post_init__(self) -> None:
        for name in ("sources", "regions", "view_from", "view_to"):
            value = getattr(self, name)
            if isinstance(value, list):  # from JSON
                value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
                object.__setattr__(self, name, value)
        super().__post_init__()

    def check(self) -> None:
        super().check()
        if not self.sources or not all(isinstance(s, str) and s for s in self.sources):
            raise ValueError("shot layer: sources must name at least one picture")
        if self.layout not in SHOT_LAYOUTS:
            raise ValueError(f"shot layer: layout must be one of {', '.join(SHOT_LAYOUTS)}, not {self.layout!r}")
        if self.layout in ("full", "card") and len(self.sources) != 1:
            raise ValueError(f"shot layer: a {self.layout} shot shows one picture, not {len(self.sources)}")
        if self.layout == "split" and len(self.sources) != 2:
            raise ValueError("shot layer: a split shot shows two pictures")
        if self.layout == "grid" and not 2 <= len(self.sources) <= 4:
            raise ValueError("shot layer: a grid shot shows 2 to 4 pictures")
        if self.regions and len(self.regions) != len(self.sources):
            raise ValueError("shot layer: regions must give one box per source (or none)")
        for box in self.regions:
            if len(box) != 4 or not (0 <= box[0] < box[2] <= 1 and 0 <= box[1] < box[3] <= 1):
                raise ValueError(f"shot layer: region {box!r} must be (x0, y0, x1, y1) inside 0..1")
        _view(self.view_from, "view_from")
        _view(self.view_to, "view_to")
        if self.ease not in EASES:
            raise ValueError(f"shot layer: ease must be one of {', '.join(EASES)}, not {self.ease!r}")

    def files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.sources))

    def with_files(self, mapping: dict[str, str]) -> "Layer":
        return dataclasses.replace(self, sources=tuple(mapping.get(s, s) for s in self.sources))

    def describe(self) -> str:
        names = "+".join(Path(s).name for s in self.sources)
        return f"{self.layout} {self.label} {names} zoom {self.view_from[2]:.2f}->{self.view_to[2]:.2f}".replace("  ", " ")


@layer_kind
@dataclass(frozen=True, kw_only=True)
class Transition(Layer):
    """A transition from the picture that shows before `start` to the one that shows after `end`:
    both pictures run under it (the outgoing shot lasts until `end`, the incoming one starts at
    `start`). style: crossfade, push (both move), slide (the new one slides over), zoom (a punch-in
    through the cut), whip (a fast push smeared by motion blur), wipe (a moving edge); `direction`
    is where the new picture comes from."""

    kind: ClassVar[str] = "transition"
    visual: ClassVar[bool] = True
    style: str = "crossfade"
    direction: str = "left"

    def check(self) -> None:
        super().check()
        if self.style not in TRANSITIONS or self.style == "cut":
            raise ValueError(f"transition layer: style must be one of {', '.join(TRANSITIONS[1:])}, not {self.style!r}")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"transition layer: direction must be one of {', '.join(DIRECTIONS)}, not {self.direction!r}")

    def describe(self) -> str:
        return f"{self.style} {self.direction}"


@layer_kind
@dataclass(frozen=True, kw_only=True)
class Sticker(_Text):
    """A badge for a selling point: an icon from the bundled set (studio/render/icons.py) on a round
    accent-coloured disc, with an optional short word beside it, popping in near the headline."""

    kind: ClassVar[str] = "sticker"
    icon: str = "check"
    enter: str = "pop"

    def check(self) -> None:
        super().check()
        from .icons import ICONS

        if self.icon not in ICONS:
            raise ValueError(f"sticker layer: icon must be one of {', '.join(sorted(ICONS))}, not {self.icon!r}")

    def describe(self) -> str:
        return f"{self.icon} {self.text}".strip()


@layer_kind
@dataclass(frozen=True, kw_only=True)
class PluginClip(Layer):
    """A creator's own MoviePy clip (studio/render/plugins.py), drawn over the pictures through its
    mask, at (x, y)."""

    kind: ClassVar[str] = "plugin"
    name: str = ""
    params: tuple[tuple[str, Any], ...] = ()
    x: int = 0
    y: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.params, dict):
            object.__setattr__(self, "params", tuple(sorted(self.params.items())))
        elif isinstance(self.params, (list, tuple)):
            object.__setattr__(self, "params", tuple(tuple(p) if isinstance(p, list) else p for p in self.params))
        super().__post_init__()

    def check(self) -> None:
        super().check()
        if not isinstance(self.name, str) or not self.name:
            raise ValueError("plugin layer: name must name an installed clip plug-in")

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "params": dict(self.params)}

    def describe(self) -> str:
        return self.name


def layer_from_dict(data: dict[str, Any]) -> Layer:
    """A layer from its `to_dict()` form; ValueError names an unknown kind or field."""
    data = dict(data)
    kind = data.pop("kind", None)
    cls = LAYER_KINDS.get(kind)
    if cls is None:
        raise ValueError(f"unknown layer kind {kind!r} (known: {', '.join(sorted(LAYER_KINDS))})")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"{kind} layer: unknown field(s) {', '.join(unknown)}")
    for name in names & set(data):
        if isinstance(data[name], list):
            data[name] = tuple(tuple(v) if isinstance(v, list) else v for v in data[name])
    try:
        return cls(**data)
    except TypeError as exc:
        raise ValueError(f"{kind} layer: {exc}") from None
