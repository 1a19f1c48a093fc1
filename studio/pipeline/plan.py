"""The render plan: every check a render needs, done first and cheaply (no TTS, no Whisper, no ffmpeg).

`plan(product, options)` validates the options and the product, writes the script (the template's,
or the merchant's edited one), checks it for compliance, merges the style, decides the voice's
parameters, the delivery preset and its bitrate cap, and computes the fingerprint of everything
that makes the video. Render, preview, the app's row status, `main.py script` and the disk check all
read the same plan, so they agree on what a render will do before it starts.
"""
from __future__ import annotations

import copy
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from ..core.options import RenderOptions
from ..core.vocab import DELIVERIES, media_kind, platform, platform_id
from ..types import Product, Scene, Script
from ..util import StudioError

# share of the job each step takes, for one progress bar across steps (measured on a 2-core CPU)
STEP_WEIGHTS = {"script": 0.01, "voice": 0.09, "subtitles": 0.20, "compose": 0.02, "render": 0.66, "finish": 0.02}
RENDER_VERSION = "2"  # bump when the same inputs would give a different video (2: shots, transitions, motion)


class PlanError(StudioError):
    """The render cannot start: a bad option or input. The message says which and what to do."""


@dataclass(frozen=True)
class VoicePlan:
    """How the narration is made: a studio voice with its parameters, or the merchant's recording."""

    language: str
    voice: str | None  # None = the language's default voice
    speed: float
    pitch: float  # semitones
    recording: Path | None = None  # the merchant's own voice-over instead of a studio voice

    @property
    def synthetic(self) -> bool:
        return self.recording is None


@dataclass(frozen=True)
class RenderPlan:
    """What one render (one product, one variant) will do, decided before any work."""

    product: Product  # a deep copy: later edits to the caller's product do not reach the render
    options: RenderOptions
    variant: int
    stem: str  # the file name of its outputs (no extension)
    script: Script
    template: object  # studio.script.Template
    edited: bool  # the script is the merchant's edited one
    findings: tuple  # compliance findings (studio.compliance.Finding)
    blockers: tuple  # the findings that stop the render unless options.allow_flagged
    style: dict  # the template's style keys with the merchant's overrides applied (the one merged form)
    video_style: object  # studio.render.VideoStyle drawn from `style` at the output size and platform
    voice: VoicePlan
    delivery: str | None  # a key of vocab.DELIVERIES, or None for the quality's caps only
    estimated_s: float  # narration length from the reading-time estimate at the voice's speed
    ai_backgrounds: int  # AI backgrounds to paint (0 = none)
    music: Path | None
    weights: dict  # progress weight of each step
    fingerprint: str
    warnings: tuple[str, ...] = ()  # what the plan noticed (the script's length, the music missing…)

    @property
    def out_dir(self) -> Path:
        return Path(self.options.out_dir)

    @property
    def blocked(self) -> bool:
        """Blocking compliance findings that the options do not override."""
        return bool(self.blockers) and not self.options.allow_flagged

    def blocked_message(self) -> str:
        return (describe_findings(self.blockers) +
                "\nfix the words (sheet or template), or render anyway with --allow-flagged")

    def background_request(self) -> dict:
        """How this video's AI backgrounds are painted (the render paints them, the preview looks them up)."""
        o = self.options
        return {"prompt": str(self.style.get("background_prompt") or ""), "seed": o.seed * 1000 + self.variant * 10,
                "steps": o.ai_background_steps, "size": tuple(o.ai_background_size), "frame": (o.width, o.height),
                "device": {"cpu": "cpu", "torch-cpu": "cpu", "cuda": "cuda"}.get(o.compose, "auto")}

    def video_style_at(self, width: int, height: int):
        """The video style drawn at another size (the live preview's), from the same merged style."""
        from ..render.style import VideoStyle

        return VideoStyle.from_template(self.style, width, height, platform(self.options.platform or
                                                                            self.product.platform).id)

    def bilingual_translations(self) -> list[tuple[str, str]]:
        """(line, translation) pairs for the bilingual caption style; [] for another style or none written."""
        if self.video_style.caption_kind != "bilingual":
            return []
        pairs = self.script.translations
        return pairs if any(t for _, t in pairs) else []


def output_stem(product: Product, variant: int) -> str:
    """The file name (no extension) of a product's video and its companions, per variant."""
    return product.slug if variant == 0 else f"{product.slug}_v{variant + 1}"


def plan(product: Product, options: RenderOptions, variant: int = 0, script: list[Scene] | None = None,
         *, check_media: bool = True) -> RenderPlan:
    """Check everything a render of `product` needs and decide what it will do; raise PlanError (a
    StudioError) naming the bad option or input. `script`: scenes the merchant edited, spoken instead
    of the template's words. `check_media=False` skips the photo and model-folder checks (the live
    preview draws a product that has no photo yet, and paints no AI background)."""
    from .. import compliance
    from ..render.style import VideoStyle
    from ..script.generate import estimate_seconds

    try:
        options.validate()
    except StudioError as exc:
        raise PlanError(str(exc)) from None
    product = copy.deepcopy(product)
    if check_media:
        check_product_media(product)
    template = _load_template(product, options)
    merged = {**template.style, **options.style}
    voice = _voice_plan(product, template.language, merged, options)
    script_ = _script(product, template, options, variant, script, voice.speed)
    fit = template.fit
    # the reading-time estimate the template's fitting used, at the voice's real speed
    estimated = estimate_seconds(script_.lines, script_.language, voice.speed,
                                 **({"rate": fit.rate, "pause": fit.pause} if fit else {}))
    platform_name = options.platform or product.platform
    try:
        video_style = VideoStyle.from_template(merged, options.width, options.height, platform(platform_name).id)
    except ValueError as exc:
        raise PlanError(f"template '{template.name}' style: {exc}") from None
    delivery = delivery_preset(options, product)
    if voice.recording is None:  # a recording's length is known only once it is read
        _check_rate(options, estimated, delivery)
    findings = tuple(compliance.check_script(script_, product))
    wanted = _ai_backgrounds(options, merged, check_model=check_media)
    warnings = [w for w in script_.warnings if not (voice.recording is not None and w.startswith("length:"))]
    music = template.resolve_asset(merged.get("music"))
    if merged.get("music") and music is None:
        warnings.append(f"music '{merged.get('music')}' not found; rendering without music")
    edited = script is not None
    return RenderPlan(
        product=product, options=options, variant=variant, stem=output_stem(product, variant), script=script_,
        template=template, edited=edited, findings=findings, blockers=tuple(compliance.blocking(findings)),
        style=merged, video_style=video_style, voice=voice, delivery=delivery, estimated_s=estimated,
        ai_backgrounds=wanted, music=music, weights=step_weights(product, options, wanted),
        fingerprint=render_fingerprint(product, options, variant, script_, template, merged, edited),
        warnings=tuple(warnings),
    )


def check_product_media(product: Product) -> None:
    """A product needs at least one photo or clip, each an existing file of a kind the studio draws,
    and its recording (if any) must exist."""
    if not product.images:
        raise PlanError(f"{product.name}: no product photo to show; add one in the sheet's image column")
    for image in product.images:
        if not Path(image).is_file():
            raise PlanError(f"{product.name}: photo not found: {image} (check the file name in the sheet's image "
                            "column, or put the photo next to the sheet)")
        if media_kind(image) not in ("photo", "clip"):
            raise PlanError(f"{product.name}: {image} is not a photo or video clip (use .jpg, .png, .webp, .mp4…)")
    if product.recording is not None and not Path(product.recording).is_file():
        raise PlanError(f"{product.name}: recording not found: {product.recording} (check the voiceover cell, or "
                        "clear it to use a studio voice)")


def _load_template(product: Product, options: RenderOptions):
    from ..script import default_template_for, load_template

    return load_template(options.template or default_template_for(product.language))


def _voice_plan(product: Product, language: str, style: dict, options: RenderOptions) -> VoicePlan:
    voice = options.voice or style.get("voice") or options.default_voices.get(language)
    try:
        speed = float(options.speed or style.get("speed") or 1.0)
        pitch = float(style.get("pitch") or 0.0)
    except (TypeError, ValueError):
        raise PlanError(f"voice speed and pitch must be numbers (speed {style.get('speed')!r}, "
                        f"pitch {style.get('pitch')!r})") from None
    if not 0.5 <= speed <= 2.0:
        raise PlanError(f"voice speed must be from 0.5 to 2.0, not {speed:g}")
    if not -6 <= pitch <= 6:
        raise PlanError(f"voice pitch must be from -6 to +6 semitones, not {pitch:g}")
    return VoicePlan(language=language, voice=voice, speed=speed, pitch=pitch, recording=product.recording)


def _script(product: Product, template, options: RenderOptions, variant: int, scenes: list[Scene] | None,
            speed: float) -> Script:
    """The template's script fitted at the voice's real speed, or the merchant's edited scenes."""
    from ..script import generate_script

    script = generate_script(product, template, variant=variant, seed=options.seed,
                             target_seconds=options.target_seconds, speed=speed)
    if scenes is None:
        return script
    edited = [Scene(s.kind, [line for line in s.lines if line.strip()], s.image, s.overlay,
                    [s.translation_of(i) for i, line in enumerate(s.lines) if line.strip()]
                    if any(s.translations) else []) for s in scenes]
    edited = [s for s in edited if s.lines]
    if not edited:
        raise PlanError(f"{product.name}: the edited script has no lines to speak; write at least one")
    from ..script.generate import check_script_length

    fit = template.fit
    try:  # a hand-edited script is bounded by the target like the template's own words
        check_script_length([line for s in edited for line in s.lines], template.language,
                            float(options.target_seconds or template.target_seconds), f"{product.name} (edited script)",
                            speed, **({"rate": fit.rate, "pause": fit.pause, "tolerance": fit.tolerance} if fit else {}))
    except StudioError as exc:
        raise PlanError(str(exc)) from None
    # the template's fitting described the template's words; an edited script has only its estimate
    return dataclasses.replace(script, scenes=edited, fit={"edited": True})


def delivery_preset(options: RenderOptions, product: Product) -> str | None:
    """The delivery preset (bitrate and file-size caps in vocab.DELIVERIES) for a video: the one chosen
    in the options, else the platform's own."""
    if options.delivery:
        if options.delivery not in DELIVERIES:
            raise PlanError(f"unknown delivery preset '{options.delivery}' (use {', '.join(DELIVERIES)})")
        return options.delivery
    pid = platform_id(options.platform or product.platform)
    return platform(pid).delivery if pid else None


def _check_rate(options: RenderOptions, seconds: float, delivery: str | None) -> None:
    """A file-size ceiling too small for the video's estimated length fails now, not after the voice."""
    from ..render.encode import rate_limits

    try:
        rate_limits(options.quality, seconds, delivery, options.max_mb)
    except StudioError as exc:
        raise PlanError(str(exc)) from None


def _ai_backgrounds(options: RenderOptions, style: dict, check_model: bool = True) -> int:
    """How many AI backgrounds a video gets: the option, else the template's style (0 = none); a
    model folder must be set when any are wanted."""
    from ..core.options import MAX_AI_BACKGROUNDS

    wanted = options.ai_backgrounds if options.ai_backgrounds is not None else style.get("ai_backgrounds") or 0
    try:
        wanted = int(wanted)
    except (TypeError, ValueError):
        raise PlanError(f"ai_backgrounds must be a whole number from 0 to {MAX_AI_BACKGROUNDS}, not '{wanted}'") from None
    if not 0 <= wanted <= MAX_AI_BACKGROUNDS:
        raise PlanError(f"ai_backgrounds must be from 0 to {MAX_AI_BACKGROUNDS}, not {wanted}")
    if not check_model:
        return wanted
    if wanted and not options.diffusers_model:
        raise PlanError("AI backgrounds need a local diffusers model folder: set it in Settings (diffusers model) "
                        "or pass --diffusers-model PATH; or set AI backgrounds to 0")
    if wanted and not Path(options.diffusers_model).is_dir():
        raise PlanError(f"the diffusers model folder {options.diffusers_model} does not exist: set another in "
                        "Settings (diffusers model) or --diffusers-model, or set AI backgrounds to 0")
    return wanted


def step_weights(product: Product, options: RenderOptions, ai_backgrounds: int = 0) -> dict[str, float]:
    """STEP_WEIGHTS, with Whisper's share given to the render when a studio voice goes unchecked, and
    painting AI backgrounds taking a third of the job when there are any (it is slow on a CPU)."""
    weights = dict(STEP_WEIGHTS)
    if product.recording is None and not options.checks_voice():
        weights["render"] += weights["subtitles"] - 0.01
        weights["subtitles"] = 0.01
    if ai_backgrounds:
        done = {k: v for k, v in weights.items() if k == "script"}
        rest = {k: v * 0.67 for k, v in weights.items() if k != "script"}
        weights = {**done, "imagery": 1.0 - sum(done.values()) - sum(rest.values()), **rest}
    return weights


def render_fingerprint(product: Product, options: RenderOptions, variant: int, script: Script, template,
                       style: dict, edited: bool) -> str:
    """A hash of everything that makes a video: the product (and the size and time of each of its
    files), the script, the template and style, the options. Equal fingerprints mean an earlier
    render of this video can be kept."""
    from ..cache import CACHE_VERSION
    from ..util import sha1_of

    item = product.to_dict()
    for key in ("source_file", "source_row"):
        item.pop(key, None)
    files = []
    for path in [*product.images, *([product.recording] if product.recording else [])]:
        try:
            st = Path(path).stat()
            files.append([str(path), st.st_size, st.st_mtime_ns])
        except OSError:
            files.append([str(path), None, None])
    return sha1_of(RENDER_VERSION, CACHE_VERSION, json.dumps(
        {"product": item, "files": files, "variant": variant, "script": script.to_dict(), "edited": edited,
         "template": template.hash, "style": style, "options": options.fingerprint_dict()},
        ensure_ascii=False, sort_keys=True, default=str))


def describe_findings(findings, lines: list[str] | None = None) -> str:
    """Compliance findings as plain lines: where, what, why, which rule, and a rewrite."""
    out = []
    for f in findings:
        where = (f"line {f.line + 1}" if f.line >= 0
                 else f"on-screen text of scene {f.overlay + 1}" if getattr(f, "overlay", -1) >= 0 else "text")
        out.append(f"{where} '{f.text}' ({f.category}, {f.severity}): {f.reason} [{f.rule}] -> {f.suggestion}")
    return "\n".join(out)


__all__ = ["PlanError", "RenderPlan", "STEP_WEIGHTS", "VoicePlan", "check_product_media", "delivery_preset",
           "describe_findings", "output_stem", "plan", "render_fingerprint", "step_weights"]
