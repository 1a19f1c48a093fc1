"""The core API: one product -> one finished video, as numbered steps, validation first.

The CLI and the desktop app both call `render_product` / `render_sheet`; neither reaches
into the stages.
"""
from __future__ import annotations

import json
import os
import time
import traceback
import dataclasses
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from .types import Problem, Product, RenderResult, Scene, Script, Sheet
from .util import CancelToken, Cancelled, Progress, ProgressCallback, StudioError, is_disk_full, no_progress

# share of the job each step takes, for one progress bar across steps (measured on a 2-core CPU)
STEP_WEIGHTS = {"script": 0.01, "voice": 0.09, "subtitles": 0.20, "compose": 0.02, "render": 0.66, "finish": 0.02}


@dataclass
class RenderOptions:
    """Everything that changes how a product is rendered (recorded in the manifest)."""

    out_dir: Path = Path("out")
    template: str | None = None  # template name or folder; None = the default for the product's language
    variants: int = 1
    seed: int = 0
    voice: str | None = None  # None = the template's voice, else the language default
    speed: float | None = None
    whisper_engine: str = "faster-whisper"  # or "openai-whisper" (needs whisper_model = a local .pt)
    whisper_model: str | None = None  # None = the embedded base model
    encoder: str = "auto"  # auto | libx264 | h264_nvenc
    quality: str = "final"  # draft (fast) | final (better compression)
    width: int = 1080
    height: int = 1920
    fps: int = 30
    aigc_producer: str = ""  # ContentProducer in the implicit AI-content label (from Settings)
    allow_flagged: bool = False  # render even with blocking compliance findings (recorded in the manifest)
    style: dict = field(default_factory=dict)  # overrides of the template's `style:` keys (GUI style controls)
    platform: str | None = None  # safe zones: None = the product's platform
    default_voices: dict = field(default_factory=dict)  # language -> voice id when neither options nor template name one
    target_seconds: float | None = None  # None = the template's target_seconds; the script is fitted to it
    # Whisper's pronunciation check of a studio voice (captions are timed from the voice itself either
    # way): "auto" checks final renders and skips drafts, "on" always, "off" never. Recordings always
    # go through Whisper: it is what times their captions.
    voice_check: str = "auto"
    delivery: str | None = None  # delivery preset (encode.PLATFORMS); None = the platform's own when it has one
    max_mb: float | None = None  # file-size ceiling for each video
    encoder_threads: int | None = None  # x264 threads; None = the usable cores (render_sheet splits them between workers)
    skip_unchanged: bool = True  # a video whose inputs are unchanged since it was rendered is kept, not re-rendered
    compose: str = "auto"  # where the photo zoom runs: auto (a CUDA GPU when torch sees one) | cpu | cuda
    # AI backgrounds from a local diffusers model (studio/imagery.py): how many per video (None = the
    # template's `ai_backgrounds` style key), the model folder (from Settings), denoising steps, and
    # the painted size (width, height; multiples of 8), scaled up to the frame
    ai_backgrounds: int | None = None
    diffusers_model: str | None = None
    ai_background_steps: int = 20
    ai_background_size: tuple[int, int] = (512, 912)

    @classmethod
    def from_settings(cls, **overrides) -> "RenderOptions":
        """Options seeded from the merchant's saved settings, then the caller's overrides."""
        from .settings import Settings

        st = Settings.load()
        base = cls(
            out_dir=Path(st.output_dir) if st.output_dir else Path("out"),
            whisper_model=st.whisper_model or None,
            encoder={"off": "libx264", "on": "h264_nvenc"}.get(st.gpu, "auto"),
            compose={"off": "cpu", "on": "cuda"}.get(st.gpu, "auto"),
            diffusers_model=st.diffusers_model or None,
            default_voices={k: v for k, v in (("zh", st.voice_zh), ("en", st.voice_en)) if v},
            aigc_producer=" ".join(x for x in (st.producer_name, f"({st.producer_id})" if st.producer_id else "") if x),
        )
        for key, value in overrides.items():
            if value is not None:
                setattr(base, key, value)
        return base

    def to_dict(self) -> dict:
        d = asdict(self)
        d["out_dir"] = str(self.out_dir)
        return d

    def checks_voice(self) -> bool:
        """Whether Whisper checks a studio voice's pronunciation (see `voice_check`)."""
        if self.voice_check not in VOICE_CHECKS:
            raise StudioError(f"voice_check must be one of {', '.join(VOICE_CHECKS)}, not '{self.voice_check}'")
        return self.voice_check == "on" or (self.voice_check == "auto" and self.quality != "draft")


VOICE_CHECKS = ("auto", "on", "off")
# options that change how a video is made; the rest (where it goes, how many at once) do not
_NOT_IN_FINGERPRINT = ("out_dir", "variants", "encoder_threads", "skip_unchanged")


def output_stem(product: Product, variant: int) -> str:
    return product.slug if variant == 0 else f"{product.slug}_v{variant + 1}"


def ai_backgrounds_for(options: RenderOptions, tstyle: dict) -> int:
    """How many AI backgrounds a video gets: the option, else the template's style (0 = none)."""
    wanted = options.ai_backgrounds if options.ai_backgrounds is not None else tstyle.get("ai_backgrounds") or 0
    try:
        wanted = int(wanted)
    except (TypeError, ValueError):
        raise StudioError(f"ai_backgrounds must be a whole number from 0 to 6, not '{wanted}'") from None
    if not 0 <= wanted <= 6:
        raise StudioError(f"ai_backgrounds must be from 0 to 6, not {wanted}")
    return wanted


def background_request(options: RenderOptions, tstyle: dict, variant: int) -> dict:
    """How a product's AI backgrounds are painted (the render paints them, the preview looks them up)."""
    return {"prompt": str(tstyle.get("background_prompt") or ""), "seed": options.seed * 1000 + variant * 10,
            "steps": options.ai_background_steps, "size": tuple(options.ai_background_size),
            "frame": (options.width, options.height),
            "device": {"cpu": "cpu", "torch-cpu": "cpu", "cuda": "cuda"}.get(options.compose, "auto")}


def _with_imagery(weights: dict[str, float]) -> dict[str, float]:
    """The step weights with painting backgrounds taking a third of the job (it is slow on a CPU)."""
    done = {k: v for k, v in weights.items() if k == "script"}
    rest = {k: v * 0.67 for k, v in weights.items() if k != "script"}
    return {**done, "imagery": 1.0 - sum(done.values()) - sum(rest.values()), **rest}


def _step_weights(product: Product, options: RenderOptions) -> dict[str, float]:
    """STEP_WEIGHTS, with Whisper's share given to the render when a studio voice goes unchecked."""
    if product.recording is not None or options.voice_check not in VOICE_CHECKS or options.checks_voice():
        return STEP_WEIGHTS
    weights = dict(STEP_WEIGHTS)
    weights["render"] += weights["subtitles"] - 0.01
    weights["subtitles"] = 0.01
    return weights


class _Steps:
    """Maps per-step progress onto the whole job's 0..1 and checks for cancel."""

    def __init__(self, on_progress: ProgressCallback, cancel: CancelToken, product: str,
                 weights: dict[str, float] | None = None) -> None:
        self.on_progress = on_progress
        self.cancel = cancel
        self.product = product
        self.weights = weights or STEP_WEIGHTS
        self.done = 0.0
        self.timings: dict[str, float] = {}
        self._step = ""
        self._t0 = 0.0

    def begin(self, step: str) -> None:
        self.cancel.check()
        self._step = step
        self._t0 = time.perf_counter()
        self.report(0.0)

    def report(self, fraction: float, message: str = "") -> None:
        self.cancel.check()
        total = self.done + self.weights[self._step] * min(max(fraction, 0.0), 1.0)
        self.on_progress(Progress(self._step, min(total, 1.0), message or f"{self.product}: {self._step}"))

    def end(self) -> None:
        self.timings[self._step] = round(time.perf_counter() - self._t0, 3)
        self.done += self.weights[self._step]


def prepare_script(product: Product, options: RenderOptions, variant: int = 0,
                   scenes: list[Scene] | None = None) -> tuple[Script, object]:
    """Step 1 alone (cheap): the script a product will get, for previews in the GUI and CLI.
    `scenes` is a script the merchant edited: it replaces the template's words, nothing else."""
    from .script import default_template_for, generate_script, load_template

    template = load_template(options.template or default_template_for(product.language))
    script = generate_script(product, template, variant=variant, seed=options.seed,
                             target_seconds=options.target_seconds)
    if scenes is not None:
        edited = [Scene(s.kind, [line for line in s.lines if line.strip()], s.image, s.overlay,
                        [s.translation_of(i) for i, line in enumerate(s.lines) if line.strip()]
                        if any(s.translations) else []) for s in scenes]
        edited = [s for s in edited if s.lines]
        if not edited:
            raise StudioError(f"{product.name}: the edited script has no lines to speak; write at least one")
        # the template's fitting described the template's words; an edited script has only its estimate
        script = dataclasses.replace(script, scenes=edited, fit={"edited": True})
    return script, template


def bilingual_translations(script: Script, style) -> list[tuple[str, str]]:
    """(line, translation) pairs for the bilingual caption style; [] when the style is another or no
    line has a translation."""
    if getattr(style, "caption_kind", "") != "bilingual":
        return []
    pairs = script.translations
    return pairs if any(t for _, t in pairs) else []


def effective_style(template, options: RenderOptions) -> dict:
    """The template's `style:` block with the merchant's overrides applied."""
    return {**template.style, **options.style}


def describe_findings(findings, lines: list[str]) -> str:
    """Compliance findings as plain lines: where, what, why, which rule, and a rewrite."""
    out = []
    for f in findings:
        where = (f"line {f.line + 1}" if f.line >= 0
                 else f"on-screen text of scene {f.overlay + 1}" if getattr(f, "overlay", -1) >= 0 else "text")
        out.append(f"{where} '{f.text}' ({f.category}, {f.severity}): {f.reason} [{f.rule}] -> {f.suggestion}")
    return "\n".join(out)


def render_product(
    product: Product,
    options: RenderOptions,
    variant: int = 0,
    on_progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    notes: list[Problem] | None = None,
    script: list[Scene] | None = None,
) -> RenderResult:
    """Render one product (one variant) into options.out_dir. Never raises for a bad product:
    the result says what failed; only `Cancelled` propagates so callers can stop a batch.
    `script`: scenes the merchant edited, spoken instead of the template's words."""
    cancel = cancel or CancelToken()
    steps = _Steps(on_progress, cancel, product.name, _step_weights(product, options))
    stem = output_stem(product, variant)
    out_dir = Path(options.out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return _render(product, options, variant, steps, stem, out_dir, notes or [], script)
    except Cancelled:
        _remove_partials(out_dir, stem)
        raise
    except StudioError as exc:
        _remove_partials(out_dir, stem)
        return RenderResult(product.name, None, ok=False, error=str(exc), timings=steps.timings,
                            disk_full=is_disk_full(exc))
    except OSError as exc:
        _remove_partials(out_dir, stem)
        full = is_disk_full(exc)
        hint = " (the disk is full: free some space or choose another output folder)" if full else ""
        return RenderResult(product.name, None, ok=False, error=f"{exc}{hint}", timings=steps.timings, disk_full=full)
    except Exception as exc:  # an unexpected bug must not stop the batch; keep the trace for the report
        _remove_partials(out_dir, stem)
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return RenderResult(product.name, None, ok=False, error=f"internal error: {detail}", timings=steps.timings)
    except BaseException:  # KeyboardInterrupt, SystemExit: clean up, then let it through
        _remove_partials(out_dir, stem)
        raise


def _remove_partials(out_dir: Path, stem: str) -> None:
    work = out_dir / ".work" / stem
    for p in out_dir.glob(f".{stem}.*part*"):
        p.unlink(missing_ok=True)
    if work.exists():
        import shutil

        shutil.rmtree(work, ignore_errors=True)


def _render(product: Product, options: RenderOptions, variant: int, steps: _Steps, stem: str, out_dir: Path,
            notes: list[Problem], edited: list[Scene] | None = None) -> RenderResult:
    from . import cache, compliance, subtitles, voice
    from . import render as render_stage
    from .script.generate import estimate_seconds

    warnings: list[str] = []  # what this render noticed; the manifest also lists the sheet's notes
    work = out_dir / ".work" / stem
    work.mkdir(parents=True, exist_ok=True)

    # 1. validate inputs and write the script
    steps.begin("script")
    if not product.images:
        raise StudioError(f"{product.name}: no product photo to show; add one in the sheet's image column")
    for image in product.images:
        if not Path(image).is_file():
            raise StudioError(f"{product.name}: photo not found: {image}")
    script, template = prepare_script(product, options, variant, edited)
    tstyle = effective_style(template, options)
    fingerprint = render_fingerprint(product, options, variant, script, template, tstyle, edited is not None)
    if options.skip_unchanged:
        finished = finished_render(out_dir, stem, fingerprint)
        if finished is not None:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
            steps.end()
            return finished
    # with the merchant's own recording the script is not spoken, so its length does not matter
    warnings += [w for w in script.warnings if not (product.recording is not None and w.startswith("length:"))]
    findings = compliance.check_script(script, product)
    blockers = compliance.blocking(findings)
    if blockers and not options.allow_flagged:
        raise StudioError(describe_findings(blockers, script.lines) +
                          "\nfix the words (sheet or template), or render anyway with --allow-flagged")
    backgrounds_wanted = ai_backgrounds_for(options, tstyle)
    if backgrounds_wanted and not options.diffusers_model:
        raise StudioError("AI backgrounds need a local diffusers model folder: set it in Settings (diffusers model) "
                          "or pass --diffusers-model PATH; or set AI backgrounds to 0")
    steps.end()

    # 1b. AI backgrounds, when asked for (a local diffusers model; cached)
    backgrounds = None
    if backgrounds_wanted:
        from . import imagery

        steps.weights = _with_imagery(steps.weights)
        steps.begin("imagery")
        backgrounds = imagery.generate_backgrounds(
            product, options.diffusers_model, backgrounds_wanted, work / "imagery",
            **background_request(options, tstyle, variant), cancel=steps.cancel, on_progress=lambda f: steps.report(f),
        )
        steps.end()

    # 2. voice-over
    steps.begin("voice")
    lines = script.lines
    scene_of_line = [i for i, scene in enumerate(script.scenes) for _ in scene.lines]
    if product.recording is not None:
        voiceover = voice.from_recording(product.recording, work / "voice.wav")
        cache_hits: list[str] = []
        steps.end()
    else:
        voiceover = None
    voice_id = options.voice or tstyle.get("voice") or options.default_voices.get(script.language)
    speed = options.speed or float(tstyle.get("speed") or 1.0)
    pitch = float(tstyle.get("pitch") or 0.0)
    if voiceover is None:
        key = cache.voice_key(lines, script.language, voice_id, speed, scene_of_line, pitch)
        voiceover = cache.load_voice(key, work / "voice.wav")
        cache_hits = ["voice"] if voiceover else []
        if voiceover is None:
            voiceover = voice.synthesize(
                lines, script.language, work / "voice.wav", voice=voice_id, speed=speed, pitch=pitch, scenes=scene_of_line,
                cancel=steps.cancel, on_progress=lambda f: steps.report(f),
            )
            cache.store_voice(key, voiceover)
        steps.end()

    # 3. transcribe with word timestamps, then caption pages of the script's own words
    steps.begin("subtitles")
    from .subtitles.align import uses_voice_timing

    # a studio voice times its own captions: Whisper only checks its pronunciation, when asked to
    check_skipped = uses_voice_timing(voiceover) and not options.checks_voice()
    transcript = None
    if not check_skipped:
        key = cache.transcript_key(voiceover.audio_path, script.language, options.whisper_engine,
                                   f"{options.whisper_model}|{bool(voiceover.lines)}|vad")
        transcript = cache.load_transcript(key)
        if transcript is None:
            transcript = subtitles.transcribe(
                voiceover.audio_path, script.language, engine=options.whisper_engine, model=options.whisper_model,
                device="cpu" if options.compose in ("cpu", "torch-cpu") else "auto",  # the GPU setting: off = CPU
                cancel=steps.cancel, on_progress=lambda f: steps.report(f),
                # a known script only needs timing; free speech needs Whisper's full effort and the product's words
                temperatures=(0.0,) if voiceover.lines else (0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
                initial_prompt=None if voiceover.lines else subtitles.priming_prompt(product, script.language),
                speech_only=not voiceover.lines,  # a recording: no words invented over music or noise
            )
            cache.store_transcript(key, transcript)
        else:
            cache_hits.append("transcript")
        if not voiceover.lines and not transcript.words:
            raise StudioError(f"no speech was heard in the recording '{product.recording}': check that it is the "
                              "right file (a voice, not music or silence), or clear the voiceover (配音) cell to "
                              "use a studio voice")
    if not voiceover.lines:  # free talk: captions from the transcript, numbers as the sheet writes them
        transcript = subtitles.with_sheet_forms(transcript, product)
    style = render_stage.VideoStyle.from_template(tstyle, options.width, options.height,
                                                  options.platform or product.platform)
    captions = subtitles.build_captions(
        voiceover,
        transcript,
        script.language,
        max_width_px=style.caption_max_width,
        font_path=style.font_path,
        font_size=style.caption_px,
    )
    warnings += captions.warnings
    # caption files wait in the work folder and join the video only when it is finished, so a
    # cancelled re-render never overwrites the captions of an earlier, finished video
    srt_path, vtt_path = out_dir / f"{stem}.srt", out_dir / f"{stem}.vtt"
    ass_path = work / "captions.ass"
    subtitles.write_srt(captions, work / srt_path.name)
    subtitles.write_vtt(captions, work / vtt_path.name)
    translations = bilingual_translations(script, style)
    if style.caption_kind == "bilingual" and not translations:
        warnings.append("bilingual captions: the script has no translations (write 'line || translation' in the "
                        "template or the edited script); captions show the original only")
    subtitles.write_ass(captions, ass_path, style.caption_style(), options.width, options.height,
                        translations=translations or None)
    steps.end()

    # 4. the timeline: the whole video as data
    steps.begin("compose")
    music = template.resolve_asset(tstyle.get("music"))
    if tstyle.get("music") and music is None:
        warnings.append(f"music '{tstyle.get('music')}' not found; rendering without music")
    timeline = render_stage.build_timeline(
        product, script, voiceover, captions, style, music=music,
        music_gain_db=float(tstyle.get("music_gain_db", -20)), fps=options.fps,
        backgrounds=backgrounds.paths if backgrounds else (),
    )
    (work / "timeline.json").write_text(timeline.to_json(), encoding="utf-8")
    steps.end()

    # 5. render through ffmpeg (atomic: a hidden part file renamed when complete)
    steps.begin("render")
    video_path = out_dir / f"{stem}.mp4"
    aigc = render_stage.aigc_metadata(options.aigc_producer)
    encode = render_stage.render_video(
        timeline, ass_path, video_path, work,
        encoder=options.encoder, quality=options.quality,
        cancel=steps.cancel, on_progress=lambda f: steps.report(f), metadata={"AIGC": aigc},
        threads=options.encoder_threads, platform=delivery_preset(options, product), max_mb=options.max_mb,
        compose=options.compose,
    )
    warnings += encode.warnings
    steps.end()

    # 6. cover, manifest
    steps.begin("finish")
    for caption_file in (srt_path, vtt_path):
        os.replace(work / caption_file.name, caption_file)
    cover_path = out_dir / f"{stem}.jpg"
    render_stage.write_cover(timeline, cover_path)
    manifest_path = out_dir / f"{stem}.json"
    manifest = {
        "product": product.to_dict(),
        "variant": variant,
        "options": options.to_dict(),
        "template": {"name": template.name, "folder": str(template.folder), "hash": template.hash},
        "script": script.to_dict(),
        "script_edited": edited is not None,
        "compliance": {
            "findings": [f.to_dict() for f in findings], "summary": compliance.summary(findings),
            "override": bool(blockers) and options.allow_flagged,
        },
        "voice": {"voice": voiceover.voice, "synthetic": voiceover.synthetic, "duration_s": round(voiceover.duration, 3)},
        "imagery": backgrounds.to_dict() if backgrounds else None,
        "duration": {
            "target_s": script.fit.get("target_s", template.target_seconds),
            "estimated_s": estimate_seconds(script.lines, script.language, speed),
            "voiceover_s": round(voiceover.duration, 3),
        },
        "subtitles": {
            "engine": transcript.engine if transcript else None, "model": transcript.model if transcript else None,
            "recognised_text": transcript.text if transcript else None,
            "timing": "voice" if uses_voice_timing(voiceover) else "whisper",
            "pronunciation_check": "skipped" if check_skipped else "whisper",
            "source": captions.source,
            "alignment_score": None if check_skipped else round(captions.alignment_score, 3),
            "pages": len(captions.pages),
        },
        "video": {
            "width": options.width, "height": options.height, "fps": options.fps,
            "duration_s": round(timeline.duration, 3), "encoder": encode.encoder,
            "encoder_reason": encode.encoder_reason, "compose": encode.compose, "ffmpeg_args": encode.args,
            "loudness": encode.loudness, "aigc_label": json.loads(aigc),
        },
        "outputs": {"video": video_path.name, "video_bytes": video_path.stat().st_size, "srt": srt_path.name,
                    "vtt": vtt_path.name, "cover": cover_path.name},
        "fingerprint": fingerprint,
        "timings_s": steps.timings,
        "cache_hits": cache_hits,
        "warnings": [str(n) for n in notes] + warnings,
    }
    steps.end()
    manifest["timings_s"] = steps.timings
    _write_json_atomic(manifest_path, manifest)
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    return RenderResult(
        product.name, video_path, srt=srt_path, cover=cover_path, manifest=manifest_path,
        ok=True, timings=steps.timings, warnings=warnings,
    )


def delivery_preset(options: RenderOptions, product: Product) -> str | None:
    """The delivery preset (bitrate and file-size caps in `encode.PLATFORMS`) for a video: the one
    chosen in the options, else the platform's own when the studio has one for it."""
    from .render.encode import PLATFORMS

    if options.delivery:
        if options.delivery not in PLATFORMS:
            raise StudioError(f"unknown delivery preset '{options.delivery}' (use {', '.join(PLATFORMS)})")
        return options.delivery
    platform = options.platform or product.platform
    return platform if platform in PLATFORMS else None


RENDER_VERSION = "1"  # bump when the same inputs would give a different video


def render_fingerprint(product: Product, options: RenderOptions, variant: int, script: Script, template,
                       style: dict, edited: bool) -> str:
    """A hash of everything that makes a video: the product (and the size and time of each of its
    files), the script, the template and style, the options. Equal fingerprints mean an earlier
    render of this video can be kept."""
    from .cache import CACHE_VERSION
    from .util import sha1_of

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
    opts = {k: v for k, v in options.to_dict().items() if k not in _NOT_IN_FINGERPRINT}
    return sha1_of(RENDER_VERSION, CACHE_VERSION, json.dumps(
        {"product": item, "files": files, "variant": variant, "script": script.to_dict(), "edited": edited,
         "template": template.hash, "style": style, "options": opts},
        ensure_ascii=False, sort_keys=True, default=str))


def finished_render(out_dir: Path, stem: str, fingerprint: str) -> RenderResult | None:
    """The earlier render of `stem` in out_dir when it is complete and was made from the same
    inputs (its manifest holds the same fingerprint, the video has the size the manifest recorded);
    else None."""
    manifest_path = out_dir / f"{stem}.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("fingerprint") != fingerprint:
            return None
        outputs = manifest["outputs"]
        video = out_dir / outputs["video"]
        if video.stat().st_size != outputs["video_bytes"]:
            return None
        srt, cover = out_dir / outputs["srt"], out_dir / outputs["cover"]
        if not (srt.is_file() and cover.is_file()):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return RenderResult(manifest["product"]["name"], video, srt=srt, cover=cover, manifest=manifest_path, ok=True,
                        reused=True)


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


@dataclass
class BatchReport:
    results: list[RenderResult] = field(default_factory=list)
    sheet_problems: list[Problem] = field(default_factory=list)
    cancelled: bool = False
    stopped: str = ""  # why the batch stopped before its end (a full disk), with what to do
    not_started: int = 0  # videos left undone (after a stop or a cancel)
    summary_error: str = ""  # summary.json could not be written

    @property
    def failed(self) -> list[RenderResult]:
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        return (not self.failed and not any(p.severity == "error" for p in self.sheet_problems)
                and not self.cancelled and not self.stopped)

    def stop_for_full_disk(self, result: RenderResult, remaining: int) -> None:
        """Record that a full disk stopped the batch at `result`, with `remaining` videos not begun."""
        self.not_started = remaining
        self.stopped = (f"the disk filled up while rendering {result.product}, so the batch stopped: "
                        f"{remaining} video(s) left undone. Free some space (or choose another output folder) "
                        "and run the same batch again: finished videos are kept")


JobCallback = Callable[[int, Product, int], None]


def render_sheet(
    sheet: Sheet,
    options: RenderOptions,
    on_progress: Callable[[int, Product, Progress], None] | None = None,
    on_result: Callable[[int, RenderResult], None] | None = None,
    cancel: CancelToken | None = None,
    workers: int = 1,
    scripts: dict[int, list[Scene]] | None = None,
) -> BatchReport:
    """Render every product × variant of a sheet; one bad product never stops the others, but a
    full disk stops the batch (every later video would fail the same way; `report.stopped` says so).
    `scripts`: edited scripts by index into sheet.products (a project's hand-edited words).

    With workers > 1, jobs run in that many processes (voice and Whisper of one job overlap the
    encode of another). Results are reported in job order either way; summary.json lists them all.
    """
    cancel = cancel or CancelToken()
    report = BatchReport(sheet_problems=list(sheet.problems))
    scripts = scripts or {}
    jobs = [(p, v, scripts.get(i)) for i, p in enumerate(sheet.products) for v in range(max(1, options.variants))]
    if workers > 1 and len(jobs) > 1:
        if options.encoder_threads is None:  # the workers share the cores instead of each taking them all
            from .render.encode import usable_cores

            options = dataclasses.replace(options, encoder_threads=max(1, usable_cores() // workers))
        _render_parallel(jobs, sheet, options, on_progress, on_result, cancel, report, workers)
    else:
        for index, (product, variant, script) in enumerate(jobs):
            try:
                result = render_product(
                    product, options, variant,
                    on_progress=(lambda pr, i=index, p=product: on_progress(i, p, pr)) if on_progress else no_progress,
                    cancel=cancel,
                    notes=sheet.problems_for_row(product.source_row),
                    script=script,
                )
            except Cancelled:
                report.cancelled = True
                break
            report.results.append(result)
            if on_result:
                on_result(index, result)
            if result.disk_full:
                report.stop_for_full_disk(result, len(jobs) - index - 1)
                break
    if report.cancelled:
        report.not_started = len(jobs) - len(report.results) - 1
    try:
        write_batch_summary(report, Path(options.out_dir), sheet)
    except OSError as exc:  # most likely the same full disk: the caller still has the report
        report.summary_error = f"could not write {Path(options.out_dir) / 'summary.json'}: {exc}"
    try:
        (Path(options.out_dir) / ".work").rmdir()  # only when empty: no render left anything behind
    except OSError:
        pass
    return report


def disk_space_warning(sheet: Sheet, options: RenderOptions, scripts: dict[int, list[Scene]] | None = None) -> str | None:
    """Before a batch: a warning when the output folder's disk has less free space than the batch
    may need (each video at its bitrate cap for its estimated length, plus covers and captions);
    None when it fits or cannot be told."""
    import shutil

    from .render.encode import AUDIO_KBPS, rate_limits
    from .script.generate import estimate_seconds

    needed = 0.0
    for index, product in enumerate(sheet.products):
        for variant in range(max(1, options.variants)):
            try:
                script, _ = prepare_script(product, options, variant, (scripts or {}).get(index))
                seconds = estimate_seconds(script.lines, script.language)
                cap, _ = rate_limits(options.quality, seconds, delivery_preset(options, product), options.max_mb)
            except StudioError:
                continue  # the render reports it
            needed += (int(cap.rstrip("k")) + AUDIO_KBPS) * 1000 / 8 * seconds * 1.1 + 1_000_000
    folder = Path(options.out_dir)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return None
    if free >= needed:
        return None
    return (f"{folder} has {free / 1e9:.1f} GB free; these videos may need up to {needed / 1e9:.1f} GB. Free some "
            "space or choose another output folder (if the disk fills up, the batch stops at that video, "
            "leaves no partial file, and the same command run again keeps the finished ones)")


class _SharedCancel(CancelToken):
    """A CancelToken backed by a multiprocessing Event, for worker processes."""

    def __init__(self, event) -> None:
        self._event = event


_worker_state: dict = {}


def _worker_init(event, queue) -> None:
    _worker_state["cancel"] = _SharedCancel(event)
    _worker_state["queue"] = queue


def _worker_render(index: int, product: Product, options: RenderOptions, variant: int, notes: list[Problem],
                   script: list[Scene] | None = None):
    queue = _worker_state["queue"]
    try:
        result = render_product(product, options, variant, on_progress=lambda pr: queue.put((index, pr)),
                                cancel=_worker_state["cancel"], notes=notes, script=script)
    except Cancelled:
        return index, None
    return index, result


def _render_parallel(jobs, sheet, options, on_progress, on_result, cancel, report, workers) -> None:
    import multiprocessing as mp
    import threading
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = mp.get_context("spawn")  # no fork: Qt, ONNX and CTranslate2 threads do not survive a fork
    event, queue = ctx.Event(), ctx.Queue()
    stop = threading.Event()

    def pump() -> None:  # progress from the workers, delivered on this process's side
        import queue as queue_mod

        while not stop.is_set():
            if cancel.cancelled:
                event.set()
            try:
                index, progress = queue.get(timeout=0.2)
            except queue_mod.Empty:
                continue
            if on_progress:
                on_progress(index, jobs[index][0], progress)

    pumper = threading.Thread(target=pump, daemon=True)
    pumper.start()
    results: dict[int, RenderResult] = {}
    full: RenderResult | None = None  # the first job that found the disk full
    try:
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init, initargs=(event, queue)) as pool:
            futures = [pool.submit(_worker_render, i, p, options, v, sheet.problems_for_row(p.source_row), script)
                       for i, (p, v, script) in enumerate(jobs)]
            for future in as_completed(futures):
                index, result = future.result()
                if result is None:  # stopped: cancelled by the user, or after a full disk
                    continue
                results[index] = result
                if on_result:
                    on_result(index, result)
                if result.disk_full and full is None:
                    full = result
                    event.set()  # the running jobs stop and clean up; queued ones stop at their first step
    except BaseException:
        event.set()
        raise
    finally:
        stop.set()
        pumper.join(timeout=2)
    report.cancelled = cancel.cancelled  # a job stops early only on a cancel or after a full disk
    report.results.extend(results[i] for i in sorted(results))
    if full is not None:
        report.stop_for_full_disk(full, len(jobs) - len(results))
    elif report.cancelled:
        report.not_started = len(jobs) - len(results)


def write_batch_summary(report: BatchReport, out_dir: Path, sheet: Sheet) -> Path:
    """`summary.json` in the output folder: every product's outcome and every sheet problem."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "summary.json"
    _write_json_atomic(path, {
        "sheet": str(sheet.path),
        "rendered": [{"product": r.product, "video": str(r.video) if r.video else None, "kept_unchanged": r.reused}
                     for r in report.results if r.ok],
        "failed": [{"product": r.product, "error": r.error} for r in report.failed],
        "sheet_problems": [p.to_dict() | {"text": str(p)} for p in report.sheet_problems],
        "cancelled": report.cancelled,
        "stopped": report.stopped or None,
        "not_started": report.not_started,
    })
    return path
