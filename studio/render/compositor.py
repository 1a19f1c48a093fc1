"""Draws a Timeline's frames.

Why not MoviePy's CompositeVideoClip for every layer: in MoviePy 2.2.1 each masked layer turns
the whole frame into RGBA and alpha-composites it with Pillow, every frame. Here everything that
does not move is rasterised once (blurred backgrounds, text overlays, the AI label), each frame
does one Pillow resize for the slow zoom and blends overlays only inside their own boxes.
Layers are typed (studio/render/layers.py); this module keeps one drawer per kind in two
registries: `VISUAL_DRAWERS` (full-frame pictures) and `OVERLAYS` (sprites rasterised once).

Two ways out, same pictures:
- `FrameRenderer.frame(n)`: an RGB frame (covers, previews, MoviePy). The reference.
- `FrameRenderer.yuv_frames()`: the frames in order as raw yuv420p (BT.601, limited range: what
  ffmpeg makes of rgb24), for the encoder. Video clips come out of their ffmpeg decoder already
  cropped and scaled to the frame in yuv420p and go to the encoder without a colour conversion
  or a Python-side copy; photos are zoomed plane by plane (Y at full size, chroma at half size);
  overlays blend in YUV (exact for luma, since YUV is an affine map of RGB); a frame whose
  layers did not change (a still photo without zoom, overlays not fading) is not composed again.
  Layers are built when first shown and dropped after their last frame, so memory does not grow
  with the number of scenes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from ..media import open_photo
from ..marketplace import drawable
from ..util import StudioError
from .layers import AiLabel, Clip, Headline, Inset, Layer, Photo, PriceTag, Title
from .style import VideoStyle
from .timeline import Timeline

FADE_FRAMES = 6

# BT.601 limited range, the matrix ffmpeg uses for rgb24 -> yuv420p when none is named.
# Pillow's YCbCr is the same matrix at full range, so a lookup table finishes the job.
_Y_LUT = [16 + int(v * 219 / 255 + 0.5) for v in range(256)]
_C_LUT = [128 + int(round((v - 128) * 224 / 255)) for v in range(256)]


def yuv_planes(image: Image.Image) -> tuple[Image.Image, Image.Image, Image.Image]:
    """RGB image -> limited-range Y, Cb, Cr planes ("L" images), all at the image's size."""
    y, cb, cr = image.convert("RGB").convert("YCbCr").split()
    return y.point(_Y_LUT), cb.point(_C_LUT), cr.point(_C_LUT)


def _half(plane: Image.Image) -> Image.Image:
    """Chroma plane subsampled 2x2 (rounding the size up, as yuv420p does)."""
    return plane.resize(((plane.width + 1) // 2, (plane.height + 1) // 2), Image.Resampling.BOX)


class YuvFrame:
    """One yuv420p frame in a reusable buffer, with numpy views of its three planes."""

    def __init__(self, width: int, height: int) -> None:
        if width % 2 or height % 2:
            raise StudioError(f"frame size {width}x{height} must be even for yuv420p")
        self.width, self.height = width, height
        self.data = bytearray(width * height * 3 // 2)
        arr = np.frombuffer(self.data, np.uint8)
        n, q = width * height, width * height // 4
        self.y = arr[:n].reshape(height, width)
        self.u = arr[n : n + q].reshape(height // 2, width // 2)
        self.v = arr[n + q :].reshape(height // 2, width // 2)

    def fill_black(self) -> None:
        self.y[:] = 16
        self.u[:] = 128
        self.v[:] = 128

    def to_rgb(self) -> np.ndarray:
        """Back to RGB (BT.601 limited, chroma repeated): for tests and previews, not speed."""
        y = self.y.astype(np.float32) - 16
        u = np.repeat(np.repeat(self.u, 2, 0), 2, 1).astype(np.float32) - 128
        v = np.repeat(np.repeat(self.v, 2, 0), 2, 1).astype(np.float32) - 128
        r = 1.164384 * y + 1.596027 * v
        g = 1.164384 * y - 0.391762 * u - 0.812968 * v
        b = 1.164384 * y + 2.017232 * u
        return np.clip(np.stack([r, g, b], axis=2) + 0.5, 0, 255).astype(np.uint8)


def _paste(plane: np.ndarray, src: np.ndarray, x: int, y: int) -> None:
    h, w = src.shape[:2]
    ph, pw = plane.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, pw), min(y + h, ph)
    if x1 > x0 and y1 > y0:
        plane[y0:y1, x0:x1] = src[y0 - y : y1 - y, x0 - x : x1 - x]


@lru_cache(maxsize=32)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def wrap_text(text: str, font: ImageFont.FreeTypeFont, max_width: int, max_lines: int = 3) -> list[str]:
    """Break text to fit max_width pixels: between words for Latin text, anywhere for CJK."""
    tokens: list[str] = []
    buf = ""
    for ch in text:
        if ch.isascii() and not ch.isspace():
            buf += ch
        else:
            if buf:
                tokens.append(buf)
                buf = ""
            tokens.append(ch)
    if buf:
        tokens.append(buf)
    lines = _greedy_lines(tokens, font, max_width)
    if 1 < len(lines) <= max_lines:
        # balance: the narrowest width that still needs no more lines, so a title never ends in an
        # orphan character ("声悦真无线蓝牙耳 / 机")
        lo, hi = max_width // len(lines), max_width
        while hi - lo > 4:
            mid = (lo + hi) // 2
            if len(_greedy_lines(tokens, font, mid)) <= len(lines):
                hi = mid
            else:
                lo = mid
        lines = _greedy_lines(tokens, font, hi)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        while lines[-1] and font.getlength(lines[-1] + "…") > max_width:
            # drop a whole Latin word (or one CJK character), never half a word
            cut = re.sub(r"(?:\s*[A-Za-z0-9.'’-]+|.)$", "", lines[-1])
            lines[-1] = cut if cut != lines[-1] else lines[-1][:-1]
        lines[-1] = lines[-1].rstrip(" ,，、;；:") + "…"
    return lines


def _greedy_lines(tokens: list[str], font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in tokens:
        trial = line + token
        if line and font.getlength(trial.strip()) > max_width:
            lines.append(line.strip())
            line = token.lstrip()
        else:
            line = trial
    if line.strip():
        lines.append(line.strip())
    return lines


@dataclass
class Sprite:
    """A pre-rasterised RGBA overlay, stored premultiplied for a fast blend."""

    x: int
    y: int
    rgb: np.ndarray  # uint16, premultiplied by alpha
    alpha: np.ndarray  # uint16, HxWx1

    @classmethod
    def from_image(cls, image: Image.Image, x: int, y: int) -> "Sprite":
        arr = np.asarray(image.convert("RGBA"), dtype=np.uint16)
        alpha = arr[:, :, 3:4]
        return cls(x, y, arr[:, :, :3] * alpha, alpha)

    def to_image(self) -> Image.Image:
        """The overlay as an RGBA image again (un-premultiplied)."""
        a = self.alpha[:, :, 0].astype(np.uint32)
        rgb = np.where(a[:, :, None] > 0, (self.rgb.astype(np.uint32) + a[:, :, None] // 2) // np.maximum(a, 1)[:, :, None], 0)
        return Image.fromarray(np.concatenate([np.minimum(rgb, 255), a[:, :, None]], axis=2).astype(np.uint8))

    def blend_onto(self, frame: np.ndarray, opacity: float = 1.0) -> None:
        h, w = self.alpha.shape[:2]
        fh, fw = frame.shape[:2]
        x0, y0 = max(self.x, 0), max(self.y, 0)
        x1, y1 = min(self.x + w, fw), min(self.y + h, fh)
        if x1 <= x0 or y1 <= y0:
            return
        sx, sy = x0 - self.x, y0 - self.y
        alpha = self.alpha[sy : sy + y1 - y0, sx : sx + x1 - x0]
        rgb = self.rgb[sy : sy + y1 - y0, sx : sx + x1 - x0]
        if opacity < 1.0:
            k = int(opacity * 256)
            alpha = (alpha * k) >> 8
            rgb = ((rgb.astype(np.uint32) * k) >> 8).astype(np.uint16)  # 255*255*k overflows uint16
        region = frame[y0:y1, x0:x1].astype(np.uint16)
        frame[y0:y1, x0:x1] = ((region * (255 - alpha) + rgb + 127) // 255).astype(np.uint8)


class YuvSprite:
    """The same overlay for a yuv420p frame: premultiplied Y with its alpha at full size, chroma
    premultiplied and averaged over 2x2 with the averaged alpha."""

    def __init__(self, image: Image.Image, x: int, y: int) -> None:
        image = image.convert("RGBA")
        px, py = x & 1, y & 1  # chroma sits on even pixels: pad instead of moving the sprite
        w, h = image.width + px, image.height + py
        w, h = w + (w & 1), h + (h & 1)
        padded = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        padded.paste(image, (px, py))
        a = np.asarray(padded.getchannel("A"), np.uint32)
        yp, up, vp = (np.asarray(p, np.uint32) for p in yuv_planes(padded))
        x0, y0 = x - px, y - py
        self.luma = Sprite(x0, y0, (yp * a).astype(np.uint16)[:, :, None], a.astype(np.uint16)[:, :, None])

        def quad(v: np.ndarray) -> np.ndarray:  # 2x2 block sums
            return v.reshape(h // 2, 2, w // 2, 2).sum(axis=(1, 3))

        a4 = quad(a)
        a2 = ((a4 + 2) // 4).astype(np.uint16)[:, :, None]
        self.cb = Sprite(x0 // 2, y0 // 2, ((quad(up * a) + 2) // 4).astype(np.uint16)[:, :, None], a2)
        self.cr = Sprite(x0 // 2, y0 // 2, ((quad(vp * a) + 2) // 4).astype(np.uint16)[:, :, None], a2)

    def blend_onto(self, frame: YuvFrame, opacity: float = 1.0) -> None:
        self.luma.blend_onto(frame.y[:, :, None], opacity)
        self.cb.blend_onto(frame.u[:, :, None], opacity)
        self.cr.blend_onto(frame.v[:, :, None], opacity)


def _load_photo(path: str) -> Image.Image:
    return open_photo(path)  # bounded decoding (studio/media.py); errors name the file and what to do


class PhotoDrawer:
    """A product photo filling the 9:16 frame, with a slow zoom.

    Portrait photos cover the frame; square or landscape ones sit full-width over a blurred,
    darkened copy of themselves (the way commerce videos show packshots)."""

    def __init__(self, layer: Photo, style: VideoStyle, fps: int = 30, device: str | None = None) -> None:
        W, H = style.width, style.height
        self.device = device  # a torch device for the yuv path's zoom (render.gpu), or None: Pillow
        self._torch = None
        photo = _load_photo(layer.source)
        self.zoom = float(layer.zoom)
        self.zoom_in = layer.motion == "in"
        self.start, self.length = layer.start, max(1, layer.end - layer.start)
        aspect = photo.width / photo.height
        self.cover = aspect <= 0.7
        if self.cover:
            scale = max(W / photo.width, H / photo.height)
            self.photo = photo
            self.base_box = _centered_box(photo.width, photo.height, W / scale, H / scale)
            self.background = None
        else:
            small = ImageOps.fit(photo, (W // 8, H // 8), Image.Resampling.BILINEAR)
            blurred = small.filter(ImageFilter.GaussianBlur(6)).resize((W, H), Image.Resampling.BILINEAR)
            self.background = (np.asarray(blurred, dtype=np.float32) * 0.45).astype(np.uint8)
            fit = min(W * 0.88 / photo.width, H * 0.5 / photo.height)
            self.fg_size = (int(photo.width * fit), int(photo.height * fit))
            # keep a source at most twice the largest drawn size: sharp, yet cheap to resize
            limit = (int(self.fg_size[0] * self.zoom * 1.5), int(self.fg_size[1] * self.zoom * 1.5))
            if photo.width > limit[0]:
                photo = photo.resize(limit, Image.Resampling.LANCZOS)
            self.photo = photo
            self.center = (W // 2, int(H * 0.52))
        self.W, self.H = W, H
        self._yuv = None
        self._bg_yuv = None

    def _scale_at(self, frame: int) -> float:
        p = min(max((frame - self.start) / self.length, 0.0), 1.0)
        p = p * p * (3 - 2 * p)  # ease in-out
        return 1 + (self.zoom - 1) * (p if self.zoom_in else 1 - p)

    def draw(self, frame: int) -> np.ndarray:
        s = self._scale_at(frame)
        if self.cover:
            x0, y0, bw, bh = self.base_box
            w, h = bw / s, bh / s
            box = (x0 + (bw - w) / 2, y0 + (bh - h) / 2, x0 + (bw + w) / 2, y0 + (bh + h) / 2)
            return np.asarray(self.photo.resize((self.W, self.H), Image.Resampling.BILINEAR, box=box))
        out = self.background.copy()
        fw, fh = int(self.fg_size[0] * s), int(self.fg_size[1] * s)
        fg = np.asarray(self.photo.resize((fw, fh), Image.Resampling.BILINEAR))
        x, y = self.center[0] - fw // 2, self.center[1] - fh // 2
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + fw, self.W), min(y + fh, self.H)
        out[y0:y1, x0:x1] = fg[y0 - y : y1 - y, x0 - x : x1 - x]
        return out

    def state(self, frame: int) -> float:
        """What changes from frame to frame (nothing, for a photo without zoom)."""
        return self._scale_at(frame)

    def draw_yuv(self, frame: int, out: YuvFrame) -> None:
        if self._yuv is None:
            photo = self.photo
            if self.cover:
                # keep at most the pixels the deepest zoom shows (1:1), so each frame's resize is cheap
                x0, y0, bw, bh = self.base_box
                k = min(1.0, max(self.zoom, 1.0) * self.W / bw)
                if k < 0.9:
                    small = photo.resize((round(photo.width * k), round(photo.height * k)), Image.Resampling.LANCZOS)
                    kx, ky = small.width / photo.width, small.height / photo.height
                    self.base_box = (x0 * kx, y0 * ky, bw * kx, bh * ky)
                    photo = small
            y, cb, cr = yuv_planes(photo)
            self._yuv = (y, _half(cb), _half(cr))
            if self.device is not None and self.cover:
                from .gpu import TorchPlanes

                self._torch = TorchPlanes(tuple(np.asarray(p) for p in self._yuv), self.device)
            if self.background is not None:
                by, bu, bv = yuv_planes(Image.fromarray(self.background))
                self._bg_yuv = tuple(np.asarray(p) for p in (by, _half(bu), _half(bv)))
        py, pu, pv = self._yuv
        s = self._scale_at(frame)
        W, H = self.W, self.H
        if self.cover:
            x0, y0, bw, bh = self.base_box
            w, h = bw / s, bh / s
            box = (max(0.0, x0 + (bw - w) / 2), max(0.0, y0 + (bh - h) / 2),
                   min(py.width, x0 + (bw + w) / 2), min(py.height, y0 + (bh + h) / 2))
            half = (box[0] / 2, box[1] / 2, min(pu.width, box[2] / 2), min(pu.height, box[3] / 2))
            if self._torch is not None:
                out.y[:] = self._torch.crop_resize(0, box, W, H)
                out.u[:] = self._torch.crop_resize(1, half, W // 2, H // 2)
                out.v[:] = self._torch.crop_resize(2, half, W // 2, H // 2)
                return
            out.y[:] = np.asarray(py.resize((W, H), Image.Resampling.BILINEAR, box=box))
            out.u[:] = np.asarray(pu.resize((W // 2, H // 2), Image.Resampling.BILINEAR, box=half))
            out.v[:] = np.asarray(pv.resize((W // 2, H // 2), Image.Resampling.BILINEAR, box=half))
            return
        by, bu, bv = self._bg_yuv
        out.y[:], out.u[:], out.v[:] = by, bu, bv
        fw, fh = int(self.fg_size[0] * s), int(self.fg_size[1] * s)
        x, y = self.center[0] - fw // 2, self.center[1] - fh // 2
        _paste(out.y, np.asarray(py.resize((fw, fh), Image.Resampling.BILINEAR)), x, y)
        cw, ch = (fw + 1) // 2, (fh + 1) // 2  # chroma on the half grid (half a pixel off for odd x: invisible)
        for plane, src in ((out.u, pu), (out.v, pv)):
            _paste(plane, np.asarray(src.resize((cw, ch), Image.Resampling.BILINEAR)), x // 2, y // 2)


class ClipDrawer:
    """A video clip filling the frame. ffmpeg decodes, scales and crops it to the frame size in one
    pass (no oversized intermediate frames), and the frames stream through a pipe in order.
    The clip loops if the scene is longer than the clip."""

    def __init__(self, layer: Clip, style: VideoStyle, fps: int, yuv: bool = False) -> None:
        self.yuv = yuv  # decode straight to yuv420p for the encoder (draw_yuv) instead of RGB (draw)
        self.path, self.start, self.end = layer.source, layer.start, layer.end
        self.W, self.H, self.fps = style.width, style.height, fps
        self.offset = float(layer.clip_start)
        self._proc = None
        self._next = layer.start
        self._last: np.ndarray | None = None
        if not Path(self.path).is_file():
            raise StudioError(f"video clip not found: {self.path}")

    def _open(self):
        import subprocess

        from ..util import ffmpeg_exe

        # crop to 9:16 first, then scale: never upscale a landscape frame to 3413x1920 just to cut it
        fmt = "yuv420p" if self.yuv else "rgb24"
        vf = (f"crop='min(iw,ih*{self.W}/{self.H})':'min(ih,iw*{self.H}/{self.W})',"
              f"scale={self.W}:{self.H}:flags=bilinear,fps={self.fps},format={fmt}")
        # one decoder thread: it runs ~3x faster than the encoder needs, and frame threads cost memory
        cmd = [ffmpeg_exe(), "-v", "error", "-threads", "1", "-stream_loop", "-1", "-ss", f"{self.offset:.3f}",
               "-i", self.path, "-an", "-vf", vf, "-filter_threads", "1", "-f", "rawvideo", "-"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
        _grow_pipe(proc.stdout)
        return proc

    def state(self, frame: int) -> int:
        return frame

    def draw_yuv(self, frame: int, out: YuvFrame) -> None:
        """Decode up to `frame` straight into the output buffer (no copy, no colour conversion)."""
        if self._proc is None or frame < self._next:
            self.close()
            self._proc = self._open()
            self._next = self.start
        view = memoryview(out.data)
        while self._next <= frame:
            got = 0
            while got < len(view):
                k = self._proc.stdout.readinto(view[got:])
                if not k:
                    break
                got += k
            if got < len(view):
                raise StudioError(f"video clip '{self.path}' could not be decoded; re-export it as MP4 (H.264)")
            self._next += 1
        if frame >= self.end - 1:
            self.close()

    def draw(self, frame: int) -> np.ndarray:
        if self._proc is None or frame < self._next - 1:  # (re)start on first use or a seek backwards
            self.close()
            self._proc = self._open()
            self._next = self.start
        size = self.W * self.H * 3
        while self._next <= frame:
            raw = _read_exactly(self._proc.stdout, size)
            if len(raw) < size:
                if self._last is None:
                    raise StudioError(f"video clip '{self.path}' could not be decoded; re-export it as MP4 (H.264)")
                break
            self._last = np.frombuffer(raw, np.uint8).reshape(self.H, self.W, 3)
            self._next += 1
        if frame >= self.end - 1:
            self.close()
        return self._last.copy()

    def close(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc.stdout.close()
            self._proc = None


def _read_exactly(stream, size: int) -> bytes:
    chunks, got = [], 0
    while got < size:
        chunk = stream.read(size - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _grow_pipe(stream, size: int = 1 << 20) -> None:
    """Ask for a 1 MiB pipe (Linux; the default 64 KiB means ~50 context switches per frame)."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), size)
    except (ImportError, OSError, ValueError):
        pass


def _centered_box(src_w: int, src_h: int, w: float, h: float) -> tuple[float, float, float, float]:
    return ((src_w - w) / 2, (src_h - h) / 2, w, h)


def _text_image(lines: list[str], font: ImageFont.FreeTypeFont, fill, stroke: int, stroke_fill,
                line_gap: float = 1.25, align: str = "center") -> Image.Image:
    ascent, descent = font.getmetrics()
    lh = int((ascent + descent) * line_gap)
    width = int(max(font.getlength(l) for l in lines)) + 2 * stroke + 4
    height = lh * len(lines) + 2 * stroke
    im = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    for i, line in enumerate(lines):
        lw = font.getlength(line)
        x = (width - lw) / 2 if align == "center" else stroke
        d.text((x, stroke + i * lh), line, font=font, fill=fill, stroke_width=stroke, stroke_fill=stroke_fill)
    return im


@dataclass(frozen=True)
class OverlayKind:
    """How an overlay kind is drawn: its sprite, rasterised once, and whether it fades in."""

    sprite: object  # (layer, style) -> Sprite
    fades_in: bool = True


OVERLAYS: dict[type[Layer], OverlayKind] = {}


def overlay_drawer(layer_class: type[Layer], fades_in: bool = True):
    """Register the sprite maker of an overlay kind (a decorator)."""
    def register(func):
        OVERLAYS[layer_class] = OverlayKind(func, fades_in)
        return func
    return register


def make_sprite(layer: Layer, style: VideoStyle) -> Sprite:
    """Rasterise an overlay once."""
    kind = OVERLAYS.get(type(layer))
    if kind is None:
        raise StudioError(f"the timeline's '{layer.kind}' layer is not an overlay this renderer can draw")
    if isinstance(getattr(layer, "text", None), str):  # no boxes for what the font lacks (emoji)
        layer = replace(layer, text=drawable(layer.text, str(style.font_path)))
    return kind.sprite(layer, style)


def _safe_width(style: VideoStyle) -> int:
    return style.width - style.safe_left - style.safe_right


@overlay_drawer(Title)
def _title_sprite(layer: Title, style: VideoStyle) -> Sprite:
    s, safe_w = style.scale, _safe_width(style)
    font = _font(str(style.font_path), int(96 * s))
    lines = wrap_text(layer.text, font, safe_w - int(40 * s), max_lines=2)
    im = _text_image(lines, font, style.text, int(7 * s), (0, 0, 0))
    x = style.safe_left + (safe_w - im.width) // 2
    return Sprite.from_image(im, x, style.safe_top + int(70 * s))


@overlay_drawer(Headline)
def _headline_sprite(layer: Headline, style: VideoStyle) -> Sprite:
    s, safe_w = style.scale, _safe_width(style)
    font = _font(str(style.font_path), int(64 * s))
    lines = wrap_text(layer.text, font, safe_w - int(100 * s), max_lines=2)
    text = _text_image(lines, font, (255, 255, 255), int(2 * s), style.accent)
    pad_x, pad_y = int(36 * s), int(18 * s)
    im = Image.new("RGBA", (text.width + 2 * pad_x, text.height + 2 * pad_y), (0, 0, 0, 0))
    ImageDraw.Draw(im).rounded_rectangle((0, 0, im.width - 1, im.height - 1), radius=int(26 * s),
                                         fill=style.accent + (235,))
    im.alpha_composite(text, (pad_x, pad_y))
    x = style.safe_left + (safe_w - im.width) // 2
    return Sprite.from_image(im, x, style.safe_top + int(80 * s))


@overlay_drawer(PriceTag)
def _price_sprite(layer: PriceTag, style: VideoStyle) -> Sprite:
    s, safe_w = style.scale, _safe_width(style)
    font_path = str(style.font_path)
    big = _font(font_path, int(150 * s))
    text = _text_image([layer.text], big, (255, 255, 255), int(3 * s), style.accent)
    small = _font(font_path, int(56 * s))
    was_im = _text_image([layer.was], small, (255, 255, 255, 220), 0, None) if layer.was else None
    pad_x, pad_y = int(48 * s), int(20 * s)
    w = max(text.width, was_im.width if was_im else 0) + 2 * pad_x
    h = text.height + (was_im.height if was_im else 0) + 2 * pad_y
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((0, 0, w - 1, h - 1), radius=int(40 * s), fill=style.accent + (240,),
                        outline=(255, 255, 255, 255), width=max(2, int(5 * s)))
    y = pad_y
    if was_im:
        im.alpha_composite(was_im, ((w - was_im.width) // 2, y))
        mid = y + was_im.height // 2 + int(4 * s)
        d.line(((w - was_im.width) // 2, mid, (w + was_im.width) // 2, mid), fill=(255, 255, 255, 230),
               width=max(2, int(4 * s)))
        y += was_im.height
    im.alpha_composite(text, ((w - text.width) // 2, y))
    x = style.safe_left + (safe_w - w) // 2
    return Sprite.from_image(im, x, int(style.height * 0.36))


@overlay_drawer(AiLabel, fades_in=False)  # the AI-content label shows from the very first frame
def _label_sprite(layer: AiLabel, style: VideoStyle) -> Sprite:
    # AIGC visible label: text height >= 5% of the short side (>= 54 px at 1080 wide)
    s = style.scale
    font = _font(str(style.font_path), int(64 * s))
    text = _text_image([layer.text], font, (255, 255, 255), 0, None)
    pad_x, pad_y = int(22 * s), int(8 * s)
    im = Image.new("RGBA", (text.width + 2 * pad_x, text.height + 2 * pad_y), (0, 0, 0, 0))
    ImageDraw.Draw(im).rounded_rectangle((0, 0, im.width - 1, im.height - 1), radius=int(16 * s),
                                         fill=(0, 0, 0, 150))
    im.alpha_composite(text, (pad_x, pad_y))
    return Sprite.from_image(im, style.safe_left, style.safe_top - im.height - int(10 * s))


@overlay_drawer(Inset)
def _inset_sprite(layer: Inset, style: VideoStyle) -> Sprite:
    return Sprite.from_image(*inset_card(layer.source, style, hero=layer.hero))


def inset_card(photo: str, style: VideoStyle, hero: bool = False) -> tuple[Image.Image, int, int]:
    """The product photo on a white rounded card, so the product stays in view: over video footage a
    small card right-aligned in the middle band, where a price tag would sit (the timeline gives scenes
    with a price tag no inset); over a painted backdrop (`hero`) a large card in the middle, between
    the headline and the captions. (card, x, y)"""
    s = style.scale
    size, border, radius = int((620 if hero else 300) * s), max(2, int(10 * s)), int(28 * s)
    card = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ImageDraw.Draw(card).rounded_rectangle((0, 0, size - 1, size - 1), radius=radius, fill=(255, 255, 255, 250))
    inner = size - 2 * border
    picture = ImageOps.contain(_load_photo(photo), (inner, inner), Image.LANCZOS)
    mask = Image.new("L", picture.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, picture.width - 1, picture.height - 1),
                                           radius=max(1, radius - border), fill=255)
    card.paste(picture, ((size - picture.width) // 2, (size - picture.height) // 2), mask)
    if hero:
        return card, (style.width - size) // 2, int(style.height * 0.31)
    x = style.width - style.safe_right - size
    y = int(style.height * 0.36)
    return card, x, y


class FrameRenderer:
    """Turns frame numbers into RGB frames (`frame`) or the whole video into yuv420p frames in order
    (`yuv_frames`), for one timeline (captions are added by libass)."""

    def __init__(self, timeline: Timeline, device: str | None = None) -> None:
        self.timeline = timeline
        self.device = device  # torch device for the yuv path's photo zoom (render.gpu); None = Pillow
        self._photos: dict[int, PhotoDrawer | ClipDrawer] = {}  # built on first use
        # overlays are rasterised on first use (and, in yuv_frames, dropped after their last frame),
        # so memory does not grow with the number of scenes; what can fail is checked here, up front
        self._sprites: dict[int, Sprite] = {}
        self._overlays: list[int] = []
        for i, layer in enumerate(timeline.layers):
            for path in layer.files():
                if not Path(path).is_file():
                    what = "video clip" if isinstance(layer, Clip) else "photo"
                    raise StudioError(f"{what} not found: {path}")
            if layer.visual:
                if type(layer) not in VISUAL_DRAWERS:
                    raise StudioError(f"the timeline's '{layer.kind}' layer is not a picture this renderer can draw")
            elif type(layer) in OVERLAYS:
                self._overlays.append(i)
            else:
                raise StudioError(f"the timeline's '{layer.kind}' layer is not an overlay this renderer can draw")
        self._overlays.sort(key=lambda k: timeline.layers[k].z)
        self._black = np.zeros((timeline.height, timeline.width, 3), np.uint8)
        self._live: dict[int, PhotoDrawer | ClipDrawer] = {}  # the yuv path's layers, while they show

    def _visual(self, i: int, yuv: bool = False) -> PhotoDrawer | ClipDrawer:
        cache = self._live if yuv else self._photos
        obj = cache.get(i)
        if obj is None:
            layer = self.timeline.layers[i]
            obj = VISUAL_DRAWERS[type(layer)](layer, self.timeline.style, self.timeline.fps, yuv=yuv,
                                              device=self.device if yuv else None)
            cache[i] = obj
        return obj

    def frame(self, n: int) -> np.ndarray:
        out = None
        for i, layer in enumerate(self.timeline.layers):
            if not (layer.start <= n < layer.end) or not layer.visual:
                continue
            out = self._visual(i).draw(n)
        if out is None:
            out = self._black.copy()
        elif not out.flags.writeable:
            out = out.copy()
        for i in self._overlays:
            layer = self.timeline.layers[i]
            if layer.start <= n < layer.end:
                self._sprite(i).blend_onto(out, _opacity(layer, n))
        return out

    def _sprite(self, i: int) -> Sprite:
        sprite = self._sprites.get(i)
        if sprite is None:
            sprite = self._sprites[i] = make_sprite(self.timeline.layers[i], self.timeline.style)
        return sprite

    def yuv_frames(self, start: int = 0, stop: int | None = None):
        """Frames start..stop-1 in order, each a memoryview of one reused yuv420p buffer (write it
        out before asking for the next). Only what changed is drawn again."""
        tl = self.timeline
        layers = tl.layers
        stop = tl.frames if stop is None else stop
        out = YuvFrame(tl.width, tl.height)
        view = memoryview(out.data)
        visual = [i for i, l in enumerate(layers) if l.visual]
        overlays = self._overlays
        yuv_sprites: dict[int, YuvSprite] = {}
        previous = object()
        try:
            for n in range(start, stop):
                base = None
                for i in visual:  # the last visual layer showing wins, as in frame()
                    if layers[i].start <= n < layers[i].end:
                        base = i
                obj = self._visual(base, yuv=True) if base is not None else None
                shown = tuple((i, _opacity(layers[i], n)) for i in overlays if layers[i].start <= n < layers[i].end)
                key = (base, obj.state(n) if obj is not None else None, shown)
                if key != previous:
                    if obj is None:
                        out.fill_black()
                    else:
                        obj.draw_yuv(n, out)
                    for i, opacity in shown:
                        sprite = yuv_sprites.get(i)
                        if sprite is None:
                            sprite = yuv_sprites[i] = _yuv_sprite(self._sprite(i))
                            del self._sprites[i]  # frame() builds it again if it is ever asked for
                        sprite.blend_onto(out, opacity)
                    previous = key
                yield view
                for i in [i for i in self._live if layers[i].end <= n + 1]:  # done: free its frames
                    gone = self._live.pop(i)
                    if isinstance(gone, ClipDrawer):
                        gone.close()
                for i in [i for i in yuv_sprites if layers[i].end <= n + 1]:
                    del yuv_sprites[i]
        finally:
            for obj in self._live.values():
                if isinstance(obj, ClipDrawer):
                    obj.close()
            self._live.clear()

    def close(self) -> None:
        """Stop any clip decoders still running (after a cancel, say)."""
        for layer in list(self._photos.values()) + list(self._live.values()):
            if isinstance(layer, ClipDrawer):
                layer.close()


def _opacity(layer: Layer, n: int) -> float:
    """Overlays fade in over FADE_FRAMES, unless their kind shows at once (the AI-content label)."""
    return min(1.0, (n - layer.start + 1) / FADE_FRAMES) if OVERLAYS[type(layer)].fades_in else 1.0


# the drawers of full-frame pictures, by layer class: (layer, style, fps, yuv=, device=) -> drawer
VISUAL_DRAWERS: dict[type[Layer], object] = {
    Photo: lambda layer, style, fps, yuv=False, device=None: PhotoDrawer(layer, style, fps, device),
    Clip: lambda layer, style, fps, yuv=False, device=None: ClipDrawer(layer, style, fps, yuv=yuv),
}


def _yuv_sprite(sprite: Sprite) -> YuvSprite:
    """The YUV twin of an RGB sprite."""
    return YuvSprite(sprite.to_image(), sprite.x, sprite.y)


def render_still(timeline: Timeline, frame: int) -> Image.Image:
    """One frame as a Pillow image (covers, previews)."""
    return Image.fromarray(FrameRenderer(timeline).frame(frame))

