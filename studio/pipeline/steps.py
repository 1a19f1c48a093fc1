"""The named steps of one render, run in order by `render_product` after the plan is checked.

Each step takes the plan and what earlier steps made, and returns a small typed value; stages are
called through their public functions only. Steps report progress through the tracker (which also
checks for cancel) and write into the render's work folder; only `finish` moves files into the
output folder, so a render stopped at any step leaves no finished-looking file behind.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..core.progress import StepTracker
from ..types import Captions, RenderResult, Transcript, Voiceover
from ..util import StudioError
from .plan import RenderPlan


@dataclass(frozen=True)
class VoiceStep:
    voiceover: Voiceover
    cache_hits: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaptionStep:
    captions: Captions
    transcript: Transcript | None  # None when Whisper did not run (a studio voice, unchecked)
    check_skipped: bool  # Whisper's pronunciation check of a studio voice was skipped
    caption_files: tuple[Path, ...]  # SRT and VTT in the work folder, moved out by `finish`
    cache_hits: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outputs:
    video: Path
    captions: tuple[Path, ...]  # SRT, VTT
    cover: Path
    manifest: Path


@dataclass
class RenderContext:
    """What one render carries from step to step: its plan, work folder, tracker and what it noticed."""

    plan: RenderPlan
    work: Path
    tracker: StepTracker
    warnings: list[str] = field(default_factory=list)

    def report(self, fraction: float) -> None:
        self.tracker.report(fraction)


def paint_backgrounds(ctx: RenderContext):
    """AI backgrounds from the local diffusers model (cached); None when the plan asks for none."""
    plan = ctx.plan
    if not plan.ai_backgrounds:
        return None
    from .. import imagery

    return imagery.generate_backgrounds(
        plan.product, plan.options.diffusers_model, plan.ai_backgrounds, ctx.work / "imagery",
        **plan.background_request(), cancel=ctx.tracker.cancel, on_progress=ctx.report,
    )


def make_voice(ctx: RenderContext) -> VoiceStep:
    """The narration: the merchant's recording as it is, or the studio voice (cached by its inputs)."""
    from .. import cache, voice

    plan, out = ctx.plan, ctx.work / "voice.wav"
    if plan.voice.recording is not None:
        return VoiceStep(voice.from_recording(plan.voice.recording, out))
    lines = plan.script.lines
    scene_of_line = [i for i, scene in enumerate(plan.script.scenes) for _ in scene.lines]
    v = plan.voice
    key = cache.voice_key(lines, plan.script.language, v.voice, v.speed, scene_of_line, v.pitch)
    voiceover = cache.load_voice(key, out)
    if voiceover is not None:
        return VoiceStep(voiceover, ("voice",))
    voiceover = voice.synthesize(lines, plan.script.language, out, voice=v.voice, speed=v.speed, pitch=v.pitch,
                                 scenes=scene_of_line, cancel=ctx.tracker.cancel, on_progress=ctx.report)
    cache.store_voice(key, voiceover)
    return VoiceStep(voiceover)


def whisper_request(plan: RenderPlan, voiceover: Voiceover) -> dict:
    """How Whisper listens: a known script only needs timing (greedy, no prompt); the merchant's free
    talk needs its full effort, primed with the product's words, and only where there is speech (no
    words invented over music or noise)."""
    from .. import subtitles
    from ..script import short_name

    free_talk = not voiceover.lines
    return {
        "engine": plan.options.whisper_engine, "model": plan.options.whisper_model,
        # the GPU setting "off" keeps Whisper on the CPU too; "auto" takes a GPU only where it can compute
        "device": "cpu" if plan.options.compose in ("cpu", "torch-cpu") else "auto",
        "temperatures": (0.0, 0.2, 0.4, 0.6, 0.8, 1.0) if free_talk else (0.0,),
        "initial_prompt": (subtitles.priming_prompt(plan.product, plan.script.language, short_name(plan.product.name))
                           if free_talk else None),
        "speech_only": free_talk,
    }


def make_captions(ctx: RenderContext, voice_step: VoiceStep) -> CaptionStep:
    """Caption pages of the script's own words, timed by the studio voice itself (or by Whisper for a
    recording); Whisper also checks a studio voice's pronunciation when the options ask for it."""
    from .. import cache, subtitles
    from ..subtitles.align import uses_voice_timing

    plan, voiceover = ctx.plan, voice_step.voiceover
    language = plan.script.language
    check_skipped = uses_voice_timing(voiceover) and not plan.options.checks_voice()
    transcript, hits = None, []
    if not check_skipped:
        request = whisper_request(plan, voiceover)
        key = cache.transcript_key(voiceover.audio_path, language, request["engine"],
                                   f"{request['model']}|{bool(voiceover.lines)}|vad|zh-forms2")
        transcript = cache.load_transcript(key)
        if transcript is None:
            transcript = subtitles.transcribe(voiceover.audio_path, language, cancel=ctx.tracker.cancel,
                                              on_progress=ctx.report, **request)
            cache.store_transcript(key, transcript)
        else:
            hits.append("transcript")
        if not voiceover.lines and not transcript.words:
            raise StudioError(f"no speech was heard in the recording '{plan.product.recording}': check that it is "
                              "the right file (a voice, not music or silence), or clear the voiceover (配音) cell "
                              "to use a studio voice")
    if not voiceover.lines:  # free talk: captions from the transcript, numbers as the sheet writes them
        transcript = subtitles.with_sheet_forms(transcript, plan.product)
    style = plan.video_style
    captions = subtitles.build_captions(voiceover, transcript, language, max_width_px=style.caption_max_width,
                                        font_path=style.font_path, font_size=style.caption_px)
    warnings = list(captions.warnings)
    if style.caption_kind == "bilingual" and not plan.bilingual_translations():
        warnings.append("bilingual captions: the script has no translations (write 'line || translation' in the "
                        "template or the edited script); captions show the original only")
    # caption files wait in the work folder and join the video only when it is finished, so a
    # cancelled re-render never overwrites the captions of an earlier, finished video
    srt, vtt = ctx.work / f"{plan.stem}.srt", ctx.work / f"{plan.stem}.vtt"
    subtitles.write_srt(captions, srt)
    subtitles.write_vtt(captions, vtt)
    return CaptionStep(captions, transcript, check_skipped, (srt, vtt), tuple(hits), tuple(warnings))


def make_timeline(ctx: RenderContext, voice_step: VoiceStep, caption_step: CaptionStep, backgrounds):
    """The whole video as data (written to the work folder as timeline.json for inspection)."""
    from ..render import build_timeline

    plan = ctx.plan
    timeline = build_timeline(
        plan.product, plan.script, voice_step.voiceover, caption_step.captions, plan.video_style, music=plan.music,
        music_gain_db=float(plan.style.get("music_gain_db", -20)), fps=plan.options.fps,
        backgrounds=backgrounds.paths if backgrounds else (), translations=plan.bilingual_translations(),
    )
    (ctx.work / "timeline.json").write_text(timeline.to_json(), encoding="utf-8")
    return timeline


def encode(ctx: RenderContext, timeline):
    """Frames, captions and audio through one ffmpeg process into the video (a hidden part file
    renamed when complete and checked); returns the encoder's EncodeResult."""
    from ..render import aigc_metadata, render_video

    plan = ctx.plan
    o = plan.options
    return render_video(
        timeline, plan.out_dir / f"{plan.stem}.mp4", ctx.work, encoder=o.encoder,
        quality=o.quality, cancel=ctx.tracker.cancel, on_progress=ctx.report,
        metadata={"AIGC": aigc_metadata(o.aigc_producer)}, threads=o.encoder_threads, delivery=plan.delivery,
        max_mb=o.max_mb, compose=o.compose,
    )


def finish(ctx: RenderContext, timeline, caption_step: CaptionStep) -> Outputs:
    """Captions and cover into the output folder beside the finished video; the manifest is written last
    (by the caller), so a folder with a manifest holds a complete render."""
    from ..render import write_cover

    plan = ctx.plan
    out = plan.out_dir
    moved = []
    for caption_file in caption_step.caption_files:
        os.replace(caption_file, out / caption_file.name)
        moved.append(out / caption_file.name)
    cover = out / f"{plan.stem}.jpg"
    write_cover(timeline, cover)
    return Outputs(out / f"{plan.stem}.mp4", tuple(moved), cover, out / f"{plan.stem}.json")


def remove_partials(out_dir: Path, stem: str) -> None:
    """Remove what an unfinished render of `stem` left: hidden part files and its work folder."""
    for p in out_dir.glob(f".{stem}.*part*"):
        p.unlink(missing_ok=True)
    shutil.rmtree(out_dir / ".work" / stem, ignore_errors=True)


def result_of(plan: RenderPlan, outputs: Outputs, tracker: StepTracker, warnings: list[str]) -> RenderResult:
    return RenderResult(plan.product.name, outputs.video, srt=outputs.captions[0], cover=outputs.cover,
                        manifest=outputs.manifest, ok=True, timings=tracker.timings, warnings=warnings)
