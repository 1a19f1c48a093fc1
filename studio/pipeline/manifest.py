"""The manifest: one JSON file beside each video saying what made it (inputs, template and its hash,
models, seeds, timings, warnings, compliance findings) and the fingerprint that lets a re-run keep it.

Written last, atomically: a folder holding a manifest holds a finished render.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from ..render.verify import check_mp4
from ..types import RenderResult
from .plan import RenderPlan

MANIFEST_VERSION = 2


def build_manifest(plan: RenderPlan, *, voice_step, caption_step, timeline, encoded, outputs, backgrounds,
                   timings: dict, notes: list, warnings: list[str]) -> dict:
    """The manifest of a finished render, from its plan and what each step made."""
    from .. import compliance
    from ..render import aigc_metadata
    from ..subtitles.align import uses_voice_timing

    voiceover, transcript, captions = voice_step.voiceover, caption_step.transcript, caption_step.captions
    video = outputs.video
    srt, vtt = (p.name for p in outputs.captions)
    return {
        "manifest_version": MANIFEST_VERSION,
        "product": plan.product.to_dict(),
        "variant": plan.variant,
        "options": plan.options.to_dict(),
        "template": {"name": plan.template.name, "folder": str(plan.template.folder), "hash": plan.template.hash},
        "script": plan.script.to_dict(),
        "script_edited": plan.edited,
        "compliance": {
            "findings": [f.to_dict() for f in plan.findings], "summary": compliance.summary(plan.findings),
            "override": bool(plan.blockers) and plan.options.allow_flagged,
        },
        "voice": {"voice": voiceover.voice, "synthetic": voiceover.synthetic, "duration_s": round(voiceover.duration, 3),
                  "speed": plan.voice.speed, "pitch": plan.voice.pitch},
        "imagery": backgrounds.to_dict() if backgrounds else None,
        "duration": {
            "target_s": plan.script.fit.get("target_s", plan.template.target_seconds),
            "estimated_s": plan.estimated_s,
            "voiceover_s": round(voiceover.duration, 3),
        },
        "subtitles": {
            "engine": transcript.engine if transcript else None, "model": transcript.model if transcript else None,
            "recognised_text": transcript.text if transcript else None,
            "timing": "voice" if uses_voice_timing(voiceover) else "whisper",
            "pronunciation_check": "skipped" if caption_step.check_skipped else "whisper",
            "source": captions.source,
            "alignment_score": None if caption_step.check_skipped else round(captions.alignment_score, 3),
            "pages": len(captions.pages),
        },
        "video": {
            "width": plan.options.width, "height": plan.options.height, "fps": plan.options.fps,
            "duration_s": round(timeline.duration, 3), "encoder": encoded.encoder,
            "encoder_reason": encoded.encoder_reason, "compose": encoded.compose, "ffmpeg_args": encoded.args,
            "loudness": encoded.loudness, "aigc_label": json.loads(aigc_metadata(plan.options.aigc_producer)),
            "delivery": plan.delivery,
        },
        "motion": _motion_summary(plan, timeline),
        "outputs": {"video": video.name, "video_bytes": video.stat().st_size, "srt": srt, "vtt": vtt,
                    "cover": outputs.cover.name},
        "fingerprint": plan.fingerprint,
        "timings_s": timings,
        "cache_hits": [*voice_step.cache_hits, *caption_step.cache_hits],
        "warnings": [str(n) for n in notes] + warnings,
    }


def _motion_summary(plan: RenderPlan, timeline) -> dict:
    """How the video was cut: the motion style, its shots and transitions, the music's tempo."""
    kinds: dict[str, int] = {}
    for layer in timeline.layers:
        kinds[layer.kind] = kinds.get(layer.kind, 0) + 1
    beats = timeline.beats
    return {"style": plan.video_style.motion.name, "layers": kinds,
            "tempo_bpm": round(beats.tempo_bpm, 1) if beats.tempo_bpm else None, "beats_from": beats.source or None}


def finished_render(out_dir: Path, stem: str, fingerprint: str) -> RenderResult | None:
    """The earlier render of `stem` in out_dir when it is complete and was made from the same
    inputs (its manifest holds the same fingerprint, the video has the size the manifest recorded and
    holds a video and an audio stream); else None."""
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
        if check_mp4(video):  # a video that would not play is never kept
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return RenderResult(manifest["product"]["name"], video, srt=srt, cover=cover, manifest=manifest_path, ok=True,
                        reused=True)


def write_json_atomic(path: Path, data: dict) -> None:
    """Write JSON through a hidden part file, flushed to disk, then renamed over `path`."""
    tmp = path.with_name(f".{path.name}.part")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
