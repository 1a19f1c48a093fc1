"""The timeline as a MoviePy v2 composition, for a Python creator.

`to_moviepy(timeline)` gives a `CompositeVideoClip` of the whole video: one clip per picture layer
(shots, photos, the merchant's clips), a clip per transition mixing the two pictures under it, one
clip with a mask per text overlay, sticker and card (moving, scaling and fading as the timeline
says) and the creator's plug-in clips. Its frames are drawn by the renderer's own drawers, so they
match `FrameRenderer.frame` (tests/test_moviepy_model.py states the bound). It is the model to read,
extend and preview in Python; the encoder does not render through it (the yuv420p path does).

The effects are small dataclasses in MoviePy's style (`apply(clip)`), usable on any MoviePy clip:
`CameraMove` (a push, pull or pan over a clip), `TextMotion` (an overlay entering and leaving: pop,
slide, stamp, fade…) and `TransitionMix` (two clips into one through a transition: `apply(outgoing,
incoming)`, since a transition has two inputs).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from moviepy import Effect

from .layers import Layer, Transition
from .timeline import Timeline


def _moviepy():
    try:
        import moviepy
    except ImportError as exc:  # pragma: no cover - moviepy is a pinned dependency
        from ..util import StudioError

        raise StudioError("MoviePy is not installed: pip install moviepy==2.2.1") from exc
    return moviepy


def to_moviepy(timeline: Timeline, audio: bool = False):
    """The timeline as a MoviePy `CompositeVideoClip` (opaque black background, the timeline's size
    and length). `audio`: attach the voice and music tracks as MoviePy audio clips (unmixed, without
    the studio's loudness and ducking; the render mixes them itself)."""
    from .compositor import FrameRenderer

    mp = _moviepy()
    fps = timeline.fps
    renderer = FrameRenderer(timeline)  # the drawers; nothing is drawn until MoviePy asks for a frame
    clips = []
    for i, layer in enumerate(timeline.layers):
        if not layer.visual or isinstance(layer, Transition):
            continue
        clips.append(_layer_clip(layer, lambda n, i=i: renderer.picture_drawer(i).draw(n), fps))
    for i, layer in enumerate(timeline.layers):
        if isinstance(layer, Transition):
            clips.append(_transition_clip(renderer, i, layer, fps))
    for i in renderer.overlay_indices:
        clips.append(_overlay_clip(timeline.layers[i], renderer.motion_of(i), fps, timeline.width, timeline.height))
    comp = mp.CompositeVideoClip(clips, size=(timeline.width, timeline.height), bg_color=(0, 0, 0))
    comp = comp.with_duration(timeline.duration)
    comp.fps = fps
    if audio:
        tracks = [mp.AudioFileClip(a.path).with_volume_scaled(10 ** (a.gain_db / 20)) for a in timeline.audio]
        if tracks:
            comp = comp.with_audio(mp.CompositeAudioClip(tracks).with_duration(timeline.duration))
    return comp


def _frame_of(layer: Layer, t: float, fps: int) -> int:
    """The timeline frame a clip-local time shows (the clip starts at the layer's first frame)."""
    return min(layer.end - 1, layer.start + int(round(t * fps)))


def _layer_clip(layer: Layer, draw, fps: int):
    mp = _moviepy()
    clip = mp.VideoClip(lambda t: draw(_frame_of(layer, t, fps)), duration=(layer.end - layer.start) / fps)
    return clip.with_start(layer.start / fps)


def _transition_clip(renderer, i: int, layer: Transition, fps: int):
    mp = _moviepy()

    def frame(t: float) -> np.ndarray:
        n = _frame_of(layer, t, fps)
        what = renderer.picture_at(n)
        if what[0] != "transition":
            return renderer.frame(n)
        _, _, a, b = what
        pa, pb = renderer.picture_drawer(a).draw(n), renderer.picture_drawer(b).draw(n)
        out = np.empty_like(pa)
        renderer.picture_drawer(i).mix(n, [pa], [pb], [out])
        return out

    return mp.VideoClip(frame, duration=(layer.end - layer.start) / fps).with_start(layer.start / fps)


def _overlay_clip(layer: Layer, motion, fps: int, w: int, h: int):
    """A full-frame clip with a mask: the overlay drawn over black and over white gives its colour and
    its opacity exactly as the renderer blends it."""
    mp = _moviepy()
    cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def both(t: float) -> tuple[np.ndarray, np.ndarray]:
        n = _frame_of(layer, t, fps)
        got = cache.get(n)
        if got is None:
            black, white = np.zeros((h, w, 3), np.uint8), np.full((h, w, 3), 255, np.uint8)
            motion.blend(black, n)
            motion.blend(white, n)
            alpha = 1.0 - (white.astype(np.float32) - black.astype(np.float32)).mean(axis=2) / 255.0
            colour = np.where(alpha[:, :, None] > 1e-3, black / np.maximum(alpha, 1e-3)[:, :, None], 0)
            got = (np.clip(colour, 0, 255).astype(np.uint8), np.clip(alpha, 0, 1))
            cache.clear()  # one frame at a time is enough: MoviePy asks for the frame, then its mask
            cache[n] = got
        return got

    duration = (layer.end - layer.start) / fps
    mask = mp.VideoClip(lambda t: both(t)[1], is_mask=True, duration=duration)
    clip = mp.VideoClip(lambda t: both(t)[0], duration=duration).with_mask(mask)
    return clip.with_start(layer.start / fps)


# ------------------------------------------------------------------ effects, MoviePy style
@dataclass
class CameraMove(Effect):
    """A camera move over any clip: from `view_from` to `view_to` ((centre x, centre y, zoom), centre
    in 0..1, zoom 1 = the whole frame), linear or eased ('inout', 'out'). Like a Shot layer's path."""

    view_from: tuple[float, float, float] = (0.5, 0.5, 1.0)
    view_to: tuple[float, float, float] = (0.5, 0.5, 1.2)
    ease: str = "linear"

    def apply(self, clip):
        from PIL import Image

        from .compositor import _ease_inout, _ease_out

        duration = clip.duration or 1.0
        (ax, ay, az), (bx, by, bz) = self.view_from, self.view_to

        def move(get_frame, t):
            frame = get_frame(t)
            p = min(1.0, max(0.0, t / duration))
            p = _ease_inout(p) if self.ease == "inout" else _ease_out(p) if self.ease == "out" else p
            h, w = frame.shape[:2]
            zoom = az * (bz / az) ** p
            cw, ch = w / zoom, h / zoom
            x0 = min(max((ax + (bx - ax) * p) * w - cw / 2, 0), w - cw)
            y0 = min(max((ay + (by - ay) * p) * h - ch / 2, 0), h - ch)
            return np.asarray(Image.fromarray(frame).resize((w, h), Image.Resampling.BILINEAR,
                                                           box=(x0, y0, x0 + cw, y0 + ch)))

        return clip.transform(move)


@dataclass
class TextMotion(Effect):
    """An overlay clip (an ImageClip with a mask) entering over `enter_s` seconds and leaving over the
    last `exit_s`: enter in fade, pop, stamp, slide_up, slide_down, slide_left, slide_right; exit in
    fade, pop, slide_*. Position and size follow the same curves as the renderer's text layers."""

    enter: str = "pop"
    exit: str = "fade"
    enter_s: float = 0.35
    exit_s: float = 0.2

    def apply(self, clip):
        from .compositor import _ease_back, _ease_out

        duration = clip.duration or 1.0
        w, h = clip.size

        def state(t: float) -> tuple[float, float, float, float]:
            p_in = 1.0 if self.enter_s <= 0 else min(1.0, t / self.enter_s)
            p_out = 1.0 if self.exit_s <= 0 else min(1.0, (duration - t) / self.exit_s)
            scale, dx, dy, alpha = 1.0, 0.0, 0.0, 1.0
            e = _ease_out(p_in)
            if p_in < 1:
                if self.enter == "fade":
                    alpha = p_in
                elif self.enter == "pop":
                    scale, alpha = 0.4 + 0.6 * _ease_back(p_in), min(1.0, 2 * p_in)
                elif self.enter == "stamp":
                    scale, alpha = 2.2 - 1.2 * e, min(1.0, 3 * p_in)
                elif self.enter.startswith("slide_"):
                    side = self.enter[6:]
                    sign = 1 if side in ("left", "up") else -1
                    dx, dy = (sign * (1 - e) * w, 0.0) if side in ("left", "right") else (0.0, sign * (1 - e) * h)
                    alpha = min(1.0, 1.5 * p_in)
            if p_out < 1:
                alpha *= p_out
                if self.exit == "pop":
                    scale *= 1 - 0.5 * (1 - p_out)
            return max(scale, 0.05), dx, dy, alpha

        base_pos = clip.pos

        def position(t):
            scale, dx, dy, _ = state(t)
            x, y = base_pos(t)
            x = x if isinstance(x, (int, float)) else 0
            y = y if isinstance(y, (int, float)) else 0
            return (x + w * (1 - scale) / 2 + dx, y + h * (1 - scale) / 2 + dy)

        moved = clip.resized(lambda t: state(t)[0]).with_position(position)
        if moved.mask is not None:
            moved = moved.with_mask(moved.mask.transform(lambda gf, t: gf(t) * state(t)[3]))
        return moved


@dataclass
class TransitionMix:
    """Two clips into one through a transition of `duration` seconds at the outgoing clip's end:
    style in crossfade, push, slide, zoom, whip, wipe; `direction` the side the new picture comes
    from. `apply(outgoing, incoming)` returns a clip as long as both less the overlap."""

    style: str = "crossfade"
    direction: str = "left"
    duration: float = 0.3

    def apply(self, outgoing, incoming):
        from .compositor import TransitionDrawer

        mp = _moviepy()
        fps = 30
        span = max(2, int(round(self.duration * fps)))
        cut = outgoing.duration - self.duration
        mixer = TransitionDrawer(Transition(start=0, end=span, style=self.style, direction=self.direction), None)

        def frame(t: float) -> np.ndarray:
            if t < cut:
                return outgoing.get_frame(t)
            if t >= outgoing.duration:
                return incoming.get_frame(t - cut)
            a, b = outgoing.get_frame(t), incoming.get_frame(t - cut)
            out = np.empty_like(a)
            mixer.mix(int((t - cut) * fps), [np.asarray(a, np.uint8)], [np.asarray(b, np.uint8)], [out])
            return out

        return mp.VideoClip(frame, duration=cut + incoming.duration)


__all__ = ["CameraMove", "TextMotion", "TransitionMix", "to_moviepy"]
