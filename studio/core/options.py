"""Render options: everything that changes how a product is rendered, checked before any work.

`RenderOptions.validate()` refuses a bad value with a message that quotes it and says what is
allowed, so a typo fails before TTS and Whisper have run, not after. The options are recorded in
every manifest (`to_dict`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .errors import StudioError
from .vocab import DELIVERIES, PLATFORMS, platform_id

QUALITIES = ("draft", "final")
ENCODERS = ("auto", "libx264", "h264_nvenc", "hevc_nvenc")
COMPOSERS = ("auto", "cpu", "cuda", "torch-cpu")  # torch-cpu: the torch path on the CPU (tests)
WHISPER_ENGINES = ("faster-whisper", "openai-whisper")
VOICE_CHECKS = ("auto", "on", "off")
MAX_AI_BACKGROUNDS = 6
# options that change how a video is made; the rest (where it goes, how many at once) do not
NOT_IN_FINGERPRINT = ("out_dir", "variants", "encoder_threads", "skip_unchanged")


@dataclass
class RenderOptions:
    """Everything that changes how a product is rendered (recorded in the manifest)."""

    out_dir: Path = Path("out")
    template: str | None = None  # template name or folder; None = the default for the product's language
    variants: int = 1
    seed: int = 0
    voice: str | None = None  # None = the template's voice, else the language default
    speed: float | None = None  # None = the template's
    whisper_engine: str = "faster-whisper"  # or "openai-whisper" (needs whisper_model = a local .pt)
    whisper_model: str | None = None  # None = the embedded model
    encoder: str = "auto"  # one of ENCODERS
    quality: str = "final"  # draft (fast) | final (better compression)
    width: int = 1080
    height: int = 1920
    fps: int = 30
    aigc_producer: str = ""  # ContentProducer in the implicit AI-content label (from Settings)
    allow_flagged: bool = False  # render even with blocking compliance findings (recorded in the manifest)
    style: dict = field(default_factory=dict)  # overrides of the template's `style:` keys (app style controls)
    platform: str | None = None  # safe zones: None = the product's platform
    default_voices: dict = field(default_factory=dict)  # language -> voice id when neither options nor template name one
    target_seconds: float | None = None  # None = the template's target_seconds; the script is fitted to it
    # Whisper's pronunciation check of a studio voice (captions are timed from the voice itself either
    # way): "auto" checks final renders and skips drafts, "on" always, "off" never. Recordings always
    # go through Whisper: it is what times their captions.
    voice_check: str = "auto"
    delivery: str | None = None  # a key of vocab.DELIVERIES; None = the platform's own
    max_mb: float | None = None  # file-size ceiling for each video
    encoder_threads: int | None = None  # x264 threads; None = the usable cores (a batch splits them between workers)
    skip_unchanged: bool = True  # a video whose inputs are unchanged since it was rendered is kept, not re-rendered
    compose: str = "auto"  # where the photo zoom runs: one of COMPOSERS
    # AI backgrounds from a local diffusers model (studio/imagery.py): how many per video (None = the
    # template's `ai_backgrounds` style key), the model folder (from Settings), denoising steps, and
    # the painted size (width, height; multiples of 8), scaled up to the frame
    ai_backgrounds: int | None = None
    diffusers_model: str | None = None
    ai_background_steps: int = 20
    ai_background_size: tuple[int, int] = (512, 912)

    @classmethod
    def from_settings(cls, settings=None, **overrides) -> "RenderOptions":
        """Options seeded from the merchant's saved settings, then the caller's overrides (None keeps
        the setting). The CLI and the app both start here, so they map settings the same way."""
        from ..settings import Settings

        st = settings or Settings.load()
        base = cls(
            out_dir=Path(st.output_dir) if st.output_dir else Path("out"),
            whisper_model=st.whisper_model or None,
            encoder={"off": "libx264", "on": "h264_nvenc"}.get(st.gpu, "auto"),
            compose={"off": "cpu", "on": "cuda"}.get(st.gpu, "auto"),
            diffusers_model=st.diffusers_model or None,
            default_voices={k: v for k, v in (("zh", st.voice_zh), ("en", st.voice_en)) if v},
            aigc_producer=" ".join(x for x in (st.producer_name, f"({st.producer_id})" if st.producer_id else "") if x),
        )
        names = {f.name for f in fields(cls)}
        for key, value in overrides.items():
            if key not in names:
                raise TypeError(f"RenderOptions has no option '{key}'")
            if value is not None:
                setattr(base, key, value)
        return base

    def to_dict(self) -> dict:
        d = asdict(self)
        d["out_dir"] = str(self.out_dir)
        return d

    def fingerprint_dict(self) -> dict:
        """The options that change how a video looks or sounds (not where it goes or how many at once)."""
        return {k: v for k, v in self.to_dict().items() if k not in NOT_IN_FINGERPRINT}

    def checks_voice(self) -> bool:
        """Whether Whisper checks a studio voice's pronunciation (see `voice_check`)."""
        _one_of("voice_check", self.voice_check, VOICE_CHECKS)
        return self.voice_check == "on" or (self.voice_check == "auto" and self.quality != "draft")

    def validate(self) -> None:
        """Raise StudioError naming the first bad option, its value and what is allowed. Cheap: reads
        no model and runs nothing (a template or a model folder is checked by the render plan)."""
        _one_of("quality", self.quality, QUALITIES)
        _one_of("encoder", self.encoder, ENCODERS)
        _one_of("compose", self.compose, COMPOSERS)
        _one_of("whisper_engine", self.whisper_engine, WHISPER_ENGINES)
        _one_of("voice_check", self.voice_check, VOICE_CHECKS)
        if self.delivery is not None:
            _one_of("delivery", self.delivery, tuple(DELIVERIES))
        if self.platform is not None and platform_id(self.platform) is None:
            raise StudioError(f"unknown platform '{self.platform}' (use {', '.join(PLATFORMS)})")
        _whole("variants", self.variants, 1, 100)
        _whole("seed", self.seed, 0, 2**31 - 1)
        _whole("fps", self.fps, 1, 60)
        for name, value in (("width", self.width), ("height", self.height)):
            _whole(name, value, 64, 4096)
            if value % 2:
                raise StudioError(f"{name} must be an even number of pixels, not {value}")
        if self.speed is not None:
            _number("speed", self.speed, 0.5, 2.0)
        if self.target_seconds is not None:
            _number("target length (seconds)", self.target_seconds, 5, 300)
        if self.max_mb is not None:
            _number("max_mb (file-size ceiling in MB)", self.max_mb, 0.1, 10_000)
        if self.encoder_threads is not None:
            _whole("encoder_threads", self.encoder_threads, 1, 256)
        if self.ai_backgrounds is not None:
            _whole("ai_backgrounds", self.ai_backgrounds, 0, MAX_AI_BACKGROUNDS)
        _whole("ai_background_steps", self.ai_background_steps, 1, 200)
        try:
            w, h = (int(v) for v in self.ai_background_size)
        except (TypeError, ValueError):
            raise StudioError(f"ai_background_size must be (width, height), not {self.ai_background_size!r}") from None
        if not (64 <= w <= 2048 and 64 <= h <= 2048) or w % 8 or h % 8:
            raise StudioError(f"ai_background_size {w}x{h}: both sides must be multiples of 8 from 64 to 2048")
        if not isinstance(self.style, dict):
            raise StudioError(f"style overrides must be a mapping of style keys, not {type(self.style).__name__}")


def _one_of(name: str, value, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise StudioError(f"{name} must be one of {', '.join(allowed)}, not '{value}'")


def _whole(name: str, value, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise StudioError(f"{name} must be a whole number from {low} to {high}, not '{value}'")
    if not low <= value <= high:
        raise StudioError(f"{name} must be from {low} to {high}, not {value}")


def _number(name: str, value, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise StudioError(f"{name} must be a number from {low:g} to {high:g}, not '{value}'")
    if not low <= value <= high:
        raise StudioError(f"{name} must be from {low:g} to {high:g}, not {value:g}")
