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


@dataclass(frozen=True, kw_only=True)
class _Text(Layer):
    text: str = ""

    def check(self) -> None:
        super().check()
        if not isinstance(self.text, str):
            raise ValueError(f"{self.kind} layer: text must be a string, not {self.text!r}")

    def describe(self) -> str:
        return self.text


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
    """A video clip filling the frame (cropped to 9:16, looped when the scene is longer)."""

    kind: ClassVar[str] = "clip"
    visual: ClassVar[bool] = True
    clip_start: float = 0.0  # seconds into the clip where the scene starts


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


@layer_kind
@dataclass(frozen=True, kw_only=True)
class Inset(_Sourced):
    """The product photo on a card: small at the side over video clips, large (`hero`) over a painted
    backdrop."""

    kind: ClassVar[str] = "inset"
    hero: bool = False


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
    try:
        return cls(**data)
    except TypeError as exc:
        raise ValueError(f"{kind} layer: {exc}") from None
