"""Typed values passed between pipeline stages.

Each stage module takes and returns these; no stage reaches into another's internals.
Times are in seconds (float) until the timeline, which uses integer frames.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


# ---------------------------------------------------------------- sheet
@dataclass
class Problem:
    """A problem with the input, located precisely enough for a merchant to fix it."""

    file: str
    message: str
    hint: str = ""
    row: int | None = None  # 1-based data row as shown in a spreadsheet (header is row 1)
    column: str | None = None
    severity: str = "error"  # "error" stops that product, "warning" does not

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        text = f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Product:
    """One product from a sheet row. Unknown columns are kept in `extra` for templates."""

    name: str
    price: float | None = None
    selling_points: list[str] = field(default_factory=list)
    images: list[Path] = field(default_factory=list)
    category: str = ""
    audience: str = ""
    platform: str = "douyin"
    language: str = "zh"  # "zh" or "en"
    original_price: float | None = None
    brand: str = ""
    offer: str = ""
    currency: str = ""  # ISO 4217 code of its prices (studio/currency.py); "" = its language's own (CNY, USD)
    recording: Path | None = None  # the merchant's own voice-over (audio or video file) instead of TTS
    extra: dict[str, str] = field(default_factory=dict)
    source_file: str = ""
    source_row: int | None = None
    output_name: str = ""  # file name of its videos when the name alone would clash with another row's

    @property
    def slug(self) -> str:
        """The file name its videos get (without extension)."""
        from .util import safe_filename

        return self.output_name or safe_filename(self.name) or f"row{self.source_row}"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["images"] = [str(p) for p in self.images]
        d["recording"] = str(self.recording) if self.recording else None
        if not self.currency:  # rows without one keep the dict (and render fingerprints) they had before
            del d["currency"]
        return d


@dataclass
class Sheet:
    """The result of reading a sheet: the good products and every problem found."""

    path: Path
    products: list[Product]
    problems: list[Problem] = field(default_factory=list)

    def problems_for_row(self, row: int | None) -> list[Problem]:
        return [p for p in self.problems if p.row == row]


# ---------------------------------------------------------------- script
@dataclass
class Scene:
    """One scene of the script: what is said, and what is shown while it is said."""

    kind: str  # hook | point | proof | offer | cta
    lines: list[str]
    image: int = 0  # index into product.images (wraps around)
    overlay: str = ""  # short on-screen headline for the scene (optional)
    # bilingual captions: one translation per line ("" for none); empty when no line has one
    translations: list[str] = field(default_factory=list)

    def translation_of(self, index: int) -> str:
        return self.translations[index] if index < len(self.translations) else ""


@dataclass
class Script:
    scenes: list[Scene]
    language: str
    template: str
    template_hash: str
    variant: int = 0
    seed: int = 0
    warnings: list[str] = field(default_factory=list)
    # how the script was fitted to its target length: target, estimate, tolerance, status (ok | short |
    # long), what was trimmed or added, what the sheet had no material for (studio/script/generate.py)
    fit: dict[str, Any] = field(default_factory=dict)

    @property
    def lines(self) -> list[str]:
        return [line for scene in self.scenes for line in scene.lines]

    @property
    def translations(self) -> list[tuple[str, str]]:
        """(line, its translation or "") for every spoken line, for bilingual captions."""
        return [(line, scene.translation_of(i)) for scene in self.scenes for i, line in enumerate(scene.lines)]

    @property
    def text(self) -> str:
        sep = "" if self.language == "zh" else " "
        return sep.join(self.lines)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- voice
@dataclass
class LineSpan:
    """Where one script line sits in the voice-over audio."""

    text: str
    start: float
    end: float
    scene: int = 0
    # the words as the voice spoke them (normalised text: '五十九点九' for '59.9'), timed exactly from
    # the TTS model's own durations; empty for recordings or when the voice could not say
    words: list["Word"] = field(default_factory=list)

    def __post_init__(self) -> None:  # a cached voice-over comes back from JSON as dicts
        self.words = [w if isinstance(w, Word) else Word(**w) for w in self.words]


@dataclass
class Voiceover:
    audio_path: Path  # mono WAV
    sample_rate: int
    duration: float
    lines: list[LineSpan]
    voice: str  # engine/voice id, e.g. "piper:en_US-joe-medium"
    synthetic: bool = True  # False for the merchant's own recording


# ---------------------------------------------------------------- subtitles
@dataclass
class Word:
    text: str
    start: float
    end: float
    probability: float = 1.0


@dataclass
class Transcript:
    words: list[Word]
    text: str
    language: str
    engine: str  # "faster-whisper" | "openai-whisper"
    model: str


@dataclass
class CaptionPage:
    """One on-screen caption: 1-2 lines shown together, each word timed."""

    lines: list[str]
    start: float
    end: float
    words: list[Word] = field(default_factory=list)
    line_starts: list[int] = field(default_factory=list)  # index in `words` where each line begins

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Captions:
    pages: list[CaptionPage]
    language: str
    source: str  # "script-aligned" | "transcript"
    alignment_score: float = 1.0  # share of script characters matched by recognised ones
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- render
@dataclass
class RenderResult:
    product: str
    video: Path | None
    srt: Path | None = None
    cover: Path | None = None
    manifest: Path | None = None
    ok: bool = True
    error: str = ""
    problems: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    reused: bool = False  # an unchanged earlier render was kept (nothing was rendered)
    disk_full: bool = False  # it failed because the disk is full: a batch stops here
    warnings: list[str] = field(default_factory=list)  # what the render noticed (not the sheet's own notes)
    node: str = ""  # the machine that rendered it, where the runner knows (a render farm's node)
