"""Live preview: any frame of a product's video, drawn from the same timeline the renderer uses.

A render times everything by the real voice-over; a preview cannot wait for TTS and Whisper, so it
times each line by the script stage's reading-time estimate (the same figure the manifest records)
and builds the timeline, the caption pages and the ASS captions with the renderer's own functions.
Frames come from the renderer's compositor (only the layers on screen at that moment are built)
and the captions are burned by the same libass filter the encoder runs, so what the merchant sees
is what the render draws, at a lower resolution.
"""
from __future__ import annotations

import dataclasses
import re
import subprocess
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from PIL import Image, ImageDraw

from .core.text import HAN
from .pipeline import RenderOptions, plan
from .render.captions import ASS_NAME, prepare_burn
from .types import Captions, LineSpan, Product, Scene, Script, Transcript, Voiceover, Word
from .util import StudioError, ffmpeg_exe

LEAD_IN_S = 0.3  # silence before the first line, as the voices start
LINE_GAP_S = 0.15  # pause between lines
_TOKEN = re.compile(f"[{HAN}]|[A-Za-z0-9][A-Za-z0-9'’.%-]*")


@dataclasses.dataclass
class PreviewFrame:
    image: Image.Image
    time_s: float
    caption: str  # the caption text on screen at that time ("" if none)


class Preview:
    """The preview of one product: script, compliance findings, captions and timeline, at a reduced size."""

    def __init__(self, product: Product, options: RenderOptions, scenes: list[Scene] | None = None,
                 variant: int = 0, width: int = 540) -> None:
        from . import render, subtitles

        self.product = product
        height = int(round(width * options.height / options.width / 2)) * 2
        # the render's own plan: the same script, findings, style, voice speed and music
        self.plan = plan(product, options, variant, scenes, check_media=False)
        self.script, self.template, self.findings = self.plan.script, self.plan.template, list(self.plan.findings)
        self.style = self.plan.video_style_at(width, height)
        self.voiceover, transcript = _estimated_voiceover(self.script, self.plan.voice.speed)
        self.captions: Captions = subtitles.build_captions(
            self.voiceover, transcript, self.script.language, max_width_px=self.style.caption_max_width,
            font_path=self.style.font_path, font_size=self.style.caption_px)
        self.backgrounds: list[Path] = []  # AI backgrounds a render painted already (the preview paints none)
        if self.plan.ai_backgrounds and options.diffusers_model:
            from .imagery import cached_backgrounds

            self.backgrounds = cached_backgrounds(product, options.diffusers_model, self.plan.ai_backgrounds,
                                                  **self.plan.background_request())
        self.timeline = render.build_timeline(product, self.script, self.voiceover, self.captions, self.style,
                                              music=self.plan.music, fps=options.fps, backgrounds=self.backgrounds,
                                              translations=self.plan.bilingual_translations())
        self._dir = tempfile.TemporaryDirectory(prefix="studio-preview-")
        # the encoder's own caption burn: the same ASS, font folder and libass filter
        self._burn = prepare_burn(self.timeline, Path(self._dir.name))
        self.ass_path = Path(self._dir.name) / ASS_NAME  # what the preview burns (for inspection)

    @property
    def duration(self) -> float:
        return self.timeline.duration

    def close(self) -> None:
        self._dir.cleanup()

    def caption_at(self, t: float) -> str:
        for page in self.captions.pages:
            if page.start <= t < page.end:
                return "\n".join(page.lines)
        return ""

    def frame_at(self, t: float, safe_zones: bool = False) -> PreviewFrame:
        """The frame at `t` seconds, captions included; with safe_zones, the platform's UI areas tinted."""
        tl = self.timeline
        n = max(0, min(tl.frames - 1, int(round(t * tl.fps))))
        image = Image.fromarray(_frame(tl, n))
        image = self._burn_captions(image, n / tl.fps)
        if safe_zones:
            image = draw_safe_zones(image, self.style)
        return PreviewFrame(image, n / tl.fps, self.caption_at(n / tl.fps))

    def _frame_without_captions(self, t: float) -> Image.Image:
        tl = self.timeline
        return Image.fromarray(_frame(tl, max(0, min(tl.frames - 1, int(round(t * tl.fps))))))

    def _burn_captions(self, image: Image.Image, t: float) -> Image.Image:
        if not self.caption_at(t) or self._burn is None:
            return image
        cmd = [ffmpeg_exe(), "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{image.width}x{image.height}",
               "-i", "pipe:0", "-vf", f"setpts=PTS+{t:.3f}/TB,{self._burn}",
               "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
        proc = subprocess.run(cmd, input=image.tobytes(), capture_output=True, cwd=self._dir.name, timeout=30)
        if proc.returncode != 0 or len(proc.stdout) != image.width * image.height * 3:
            raise StudioError(f"preview captions could not be drawn: {proc.stderr.decode(errors='replace')[-300:]}")
        return Image.frombytes("RGB", image.size, proc.stdout)


def _estimated_voiceover(script: Script, speed: float) -> tuple[Voiceover, Transcript]:
    """Line spans and word times from the reading-time estimate, as if a voice had read the script."""
    from .script.generate import estimate_seconds

    spans, words = [], []
    t = LEAD_IN_S
    for scene_index, scene in enumerate(script.scenes):
        for line in scene.lines:
            d = max(0.4, estimate_seconds([line], script.language, speed))
            spans.append(LineSpan(line, t, t + d, scene_index))
            tokens = _TOKEN.findall(line) or [line]
            for k, token in enumerate(tokens):
                words.append(Word(token, t + d * k / len(tokens), t + d * (k + 1) / len(tokens)))
            t += d + LINE_GAP_S
    duration = t + LEAD_IN_S
    sep = "" if script.language == "zh" else " "
    voiceover = Voiceover(Path("preview-estimate.wav"), 0, duration, spans, "estimate", synthetic=True)
    transcript = Transcript(words, sep.join(w.text for w in words), script.language, "estimate", "estimate")
    return voiceover, transcript


# Renderers of the layers on screen, keyed by those layers: scrubbing within a scene reuses one,
# and an edit that only changes words rebuilds just the layer that shows them.
_renderers: "OrderedDict[str, object]" = OrderedDict()
_renderers_lock = threading.Lock()
_MAX_RENDERERS = 12


def _frame(timeline, n: int):
    from .render.compositor import FrameRenderer

    active = [layer for layer in timeline.layers if layer.start <= n < layer.end]
    sub = dataclasses.replace(timeline, layers=active, captions=None)  # libass draws the captions
    key = sub.to_json()
    with _renderers_lock:
        renderer = _renderers.pop(key, None)
    if renderer is None:
        renderer = FrameRenderer(sub)
    frame = renderer.frame(n)
    with _renderers_lock:
        _renderers[key] = renderer
        while len(_renderers) > _MAX_RENDERERS:
            _, old = _renderers.popitem(last=False)
            old.close()
    return frame


def draw_safe_zones(image: Image.Image, style) -> Image.Image:
    """Tint the margins the platform's own buttons and captions cover, and outline the safe area."""
    out = image.convert("RGBA")
    overlay = Image.new("RGBA", out.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(overlay)
    w, h = out.size
    tint = (255, 64, 64, 90)
    d.rectangle((0, 0, w, style.safe_top), fill=tint)
    d.rectangle((0, h - style.safe_bottom, w, h), fill=tint)
    d.rectangle((0, style.safe_top, style.safe_left, h - style.safe_bottom), fill=tint)
    d.rectangle((w - style.safe_right, style.safe_top, w, h - style.safe_bottom), fill=tint)
    d.rectangle((style.safe_left, style.safe_top, w - style.safe_right, h - style.safe_bottom),
                outline=(255, 255, 255, 200), width=max(1, w // 270))
    return Image.alpha_composite(out, overlay).convert("RGB")
