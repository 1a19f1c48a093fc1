"""Draws a Timeline's frames.

Why not MoviePy's CompositeVideoClip for every layer: in MoviePy 2.2.1 each masked layer turns
the whole frame into RGBA and alpha-composites it with Pillow, every frame. Here everything is
rasterised once (each shot's canvas: the photo, or a card, grid or split composed at frame size;
text overlays, price tags, stickers, the AI label) and then only transformed: each frame does one
box resize of the shot's canvas per plane along its camera path and blends overlays only inside
their own boxes (moved by even offsets, or a scaled, cropped or counted copy made once while text
enters). A transition mixes the two pictures under it plane by plane (crossfade, push, slide, wipe
by array slices; zoom and whip by one more resize) for its few frames.
Layers are typed (studio/render/layers.py); this module keeps one drawer per kind in two
registries: `VISUAL_DRAWERS` (full-frame pictures and transitions) and `OVERLAYS` (art rasterised
once, moved by `OverlayMotion`; a creator's plug-in clip by `PluginMotion`).

Two ways out, same pictures:
- `FrameRenderer.frame(n)`: an RGB frame (covers, previews, MoviePy). The reference.
- `FrameRenderer.yuv_frames()`: the frames in order as raw yuv420p (BT.601, limited range: what
  ffmpeg makes of rgb24), for the encoder. Video clips come out of their ffmpeg decoder already
  cropped and scaled to the frame in yuv420p and go to the encoder without a colour conversion
  or a Python-side copy; shots are resized plane by plane (Y at full size, chroma at half size);
  overlays blend in YUV (exact for luma, since YUV is an affine map of RGB); a frame whose
  picture and overlays did not change is not composed again.
  Layers are built when first shown and dropped after their last frame, so memory does not grow
  with the number of scenes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from ..media import open_photo
from ..marketplace import drawable
from ..util import StudioError
from .layers import (AiLabel, Clip, Headline, Inset, Layer, Photo, PluginClip, PriceTag, Shot, Sticker, Title,
                     Transition)
from .style import VideoStyle
from .timeline import Timeline

FADE_FRAMES = 6  # a text layer's default entrance (layers._Text.enter_frames)

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

    def blend_onto(self, frame: np.ndarray, opacity: float = 1.0, dx: int = 0, dy: int = 0) -> None:
        h, w = self.alpha.shape[:2]
        fh, fw = frame.shape[:2]
        px, py = self.x + dx, self.y + dy
        x0, y0 = max(px, 0), max(py, 0)
        x1, y1 = min(px + w, fw), min(py + h, fh)
        if x1 <= x0 or y1 <= y0 or opacity <= 0:
            return
        sx, sy = x0 - px, y0 - py
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

    def blend_onto(self, frame: YuvFrame, opacity: float = 1.0, dx: int = 0, dy: int = 0) -> None:
        """Blend at the sprite's place moved by (dx, dy): even numbers, so chroma moves with luma."""
        self.luma.blend_onto(frame.y[:, :, None], opacity, dx, dy)
        self.cb.blend_onto(frame.u[:, :, None], opacity, dx // 2, dy // 2)
        self.cr.blend_onto(frame.v[:, :, None], opacity, dx // 2, dy // 2)


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


class PipClipDrawer:
    """A clip playing in a window over its backdrop photo on a card (a Clip layer with a window): the
    backdrop is a card shot composed once, the clip is decoded by ffmpeg at the window's size and
    pasted into the frame's planes."""

    def __init__(self, layer: Clip, style: VideoStyle, fps: int, yuv: bool = False, device: str | None = None) -> None:
        import dataclasses as dc

        W, H = style.width, style.height
        x0, y0, x1, y1 = layer.window
        self.x, self.y = 2 * int(x0 * W / 2), 2 * int(y0 * H / 2)
        ww, wh = max(2, 2 * int((x1 - x0) * W / 2)), max(2, 2 * int((y1 - y0) * H / 2))
        self.ww, self.wh = min(ww, W - self.x), min(wh, H - self.y)
        self.backdrop = ShotDrawer(Shot(start=layer.start, end=layer.end, sources=(layer.backdrop,), layout="card",
                                        view_from=(0.5, 0.52, 1.0), view_to=(0.5, 0.52, 1.15), ease="linear"),
                                   style, fps, device)
        self.inner = ClipDrawer(dc.replace(layer, window=(), backdrop=""), dc.replace(style, width=self.ww,
                                                                                      height=self.wh), fps, yuv=yuv)
        self._window: YuvFrame | None = None

    def state(self, frame: int) -> int:
        return frame

    def draw(self, frame: int) -> np.ndarray:
        out = np.array(self.backdrop.draw(frame))
        out[self.y:self.y + self.wh, self.x:self.x + self.ww] = self.inner.draw(frame)
        return out

    def draw_yuv(self, frame: int, out: YuvFrame) -> None:
        self.backdrop.draw_yuv(frame, out)
        if self._window is None:
            self._window = YuvFrame(self.ww, self.wh)
        self.inner.draw_yuv(frame, self._window)
        w = self._window
        out.y[self.y:self.y + self.wh, self.x:self.x + self.ww] = w.y
        out.u[self.y // 2:(self.y + self.wh) // 2, self.x // 2:(self.x + self.ww) // 2] = w.u
        out.v[self.y // 2:(self.y + self.wh) // 2, self.x // 2:(self.x + self.ww) // 2] = w.v

    def close(self) -> None:
        self.inner.close()


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
                line_gap: float = 1.25, align: str = "center", emphasis: tuple[str, ...] = (),
                emphasis_fill=None) -> Image.Image:
    """Lines of text on transparency; the `emphasis` words drawn again in `emphasis_fill`."""
    return _text_art(lines, font, fill, stroke, stroke_fill, line_gap, align, emphasis, emphasis_fill)[0]


def _text_art(lines: list[str], font: ImageFont.FreeTypeFont, fill, stroke: int, stroke_fill,
              line_gap: float = 1.25, align: str = "center", emphasis: tuple[str, ...] = (),
              emphasis_fill=None) -> tuple[Image.Image, list[tuple[int, int, int, int]]]:
    """(the text image, the box of every character or Latin word in it, in reading order)."""
    ascent, descent = font.getmetrics()
    lh = int((ascent + descent) * line_gap)
    width = int(max(font.getlength(l) for l in lines)) + 2 * stroke + 4
    height = lh * len(lines) + 2 * stroke
    im = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    boxes: list[tuple[int, int, int, int]] = []
    for i, line in enumerate(lines):
        lw = font.getlength(line)
        x = (width - lw) / 2 if align == "center" else stroke
        y = stroke + i * lh
        d.text((x, y), line, font=font, fill=fill, stroke_width=stroke, stroke_fill=stroke_fill)
        for term in emphasis if emphasis_fill is not None else ():
            at = line.find(term)
            while term and at >= 0:
                d.text((x + font.getlength(line[:at]), y), term, font=font, fill=emphasis_fill, stroke_width=stroke,
                       stroke_fill=stroke_fill)
                at = line.find(term, at + len(term))
        for a, b in _token_spans(line):
            boxes.append((int(x + font.getlength(line[:a])), y - stroke, int(x + font.getlength(line[:b])) + 2 * stroke,
                          y + lh + stroke))
    return im, boxes


def _token_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of each CJK character or Latin word of a line (spaces belong to nothing)."""
    spans, k = [], 0
    while k < len(line):
        if line[k].isspace():
            k += 1
            continue
        j = k + 1
        if line[k].isascii():
            while j < len(line) and line[j].isascii() and not line[j].isspace():
                j += 1
        spans.append((k, j))
        k = j
    return spans


@dataclass
class OverlayArt:
    """An overlay rasterised once: the picture, where it sits, and the boxes of its characters (for
    entrances that bring one character after another)."""

    image: Image.Image
    x: int
    y: int
    pieces: list[tuple[int, int, int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class OverlayKind:
    """How an overlay kind is drawn: its art, rasterised once ((layer, style) -> OverlayArt); None for
    a kind drawn afresh each frame (a creator's plug-in clip: `overlay_motion`)."""

    art: object


OVERLAYS: dict[type[Layer], OverlayKind] = {}


def overlay_drawer(layer_class: type[Layer]):
    """Register the art maker of an overlay kind (a decorator); the function returns an OverlayArt."""
    def register(func):
        OVERLAYS[layer_class] = OverlayKind(func)
        return func
    return register


def make_art(layer: Layer, style: VideoStyle) -> OverlayArt:
    kind = OVERLAYS.get(type(layer))
    if kind is None:
        raise StudioError(f"the timeline's '{layer.kind}' layer is not an overlay this renderer can draw")
    if isinstance(getattr(layer, "text", None), str):  # no boxes for what the font lacks (emoji)
        layer = replace(layer, text=drawable(layer.text, str(style.font_path)))
    return kind.art(layer, style)


def make_sprite(layer: Layer, style: VideoStyle) -> Sprite:
    """Rasterise an overlay once (at rest: fully in, full size)."""
    art = make_art(layer, style)
    return Sprite.from_image(art.image, art.x, art.y)


def _safe_width(style: VideoStyle) -> int:
    return style.width - style.safe_left - style.safe_right


def _pieces_across(boxes: list[tuple[int, int, int, int]], width: int, height: int, dx: int = 0,
                   dy: int = 0) -> list[tuple[int, int, int, int]]:
    """Character boxes widened to tile their line from edge to edge (a badge behind the text is
    revealed with the characters), moved by (dx, dy) into the overlay's picture."""
    rows: dict[int, list[tuple[int, int, int, int]]] = {}
    for b in boxes:
        rows.setdefault(b[1], []).append(b)
    keys = sorted(rows)
    out = []
    for r, key in enumerate(keys):
        line = rows[key]
        top = 0 if r == 0 else line[0][1] + dy
        bottom = height if r == len(keys) - 1 else rows[keys[r + 1]][0][1] + dy
        for k, b in enumerate(line):
            left = 0 if k == 0 else (line[k - 1][2] + b[0]) // 2 + dx
            right = width if k == len(line) - 1 else (b[2] + line[k + 1][0]) // 2 + dx
            if right > left and bottom > top:
                out.append((left, max(0, top), right, min(height, bottom)))
    return out


@overlay_drawer(Title)
def _title_art(layer: Title, style: VideoStyle) -> OverlayArt:
    s, safe_w = style.scale, _safe_width(style)
    font = _font(str(style.font_path), int(96 * s))
    lines = wrap_text(layer.text, font, safe_w - int(40 * s), max_lines=2)
    im, boxes = _text_art(lines, font, style.text, int(7 * s), (0, 0, 0), emphasis=layer.emphasis,
                          emphasis_fill=style.highlight)
    x = style.safe_left + (safe_w - im.width) // 2
    return OverlayArt(im, x, style.safe_top + int(70 * s), _pieces_across(boxes, im.width, im.height))


@overlay_drawer(Headline)
def _headline_art(layer: Headline, style: VideoStyle) -> OverlayArt:
    s, safe_w = style.scale, _safe_width(style)
    font = _font(str(style.font_path), int(64 * s))
    lines = wrap_text(layer.text, font, safe_w - int(100 * s), max_lines=2)
    text, boxes = _text_art(lines, font, (255, 255, 255), int(2 * s), style.accent, emphasis=layer.emphasis,
                            emphasis_fill=style.highlight)
    pad_x, pad_y = int(36 * s), int(18 * s)
    im = Image.new("RGBA", (text.width + 2 * pad_x, text.height + 2 * pad_y), (0, 0, 0, 0))
    ImageDraw.Draw(im).rounded_rectangle((0, 0, im.width - 1, im.height - 1), radius=int(26 * s),
                                         fill=style.accent + (235,))
    im.alpha_composite(text, (pad_x, pad_y))
    x = style.safe_left + (safe_w - im.width) // 2
    return OverlayArt(im, x, style.safe_top + int(80 * s), _pieces_across(boxes, im.width, im.height, pad_x, pad_y))


def _price_image(text_s: str, was: str, style: VideoStyle) -> Image.Image:
    s = style.scale
    font_path = str(style.font_path)
    big = _font(font_path, int(150 * s))
    text = _text_image([text_s], big, (255, 255, 255), int(3 * s), style.accent)
    small = _font(font_path, int(56 * s))
    was_im = _text_image([was], small, (255, 255, 255, 220), 0, None) if was else None
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
    return im


def _price_place(im: Image.Image, style: VideoStyle) -> tuple[int, int]:
    return style.safe_left + (_safe_width(style) - im.width) // 2, int(style.height * 0.36)


@overlay_drawer(PriceTag)
def _price_art(layer: PriceTag, style: VideoStyle) -> OverlayArt:
    im = _price_image(layer.text, layer.was, style)
    return OverlayArt(im, *_price_place(im, style))


_NUMBER_IN = re.compile(r"\d+(?:[.,]\d+)*")


def counting_text(text: str, progress: float) -> str:
    """The price text part of the way through counting up: its number at `progress` of its value,
    written with as many decimals (the rest of the text unchanged)."""
    m = _NUMBER_IN.search(text)
    if m is None or progress >= 1:
        return text
    raw = m.group(0)
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", raw):  # 1,299 or 1,299.00: thousands
        raw = raw.replace(",", "")
    else:  # 9,99: a decimal comma
        raw = raw.replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        return text
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    shown = f"{value * max(0.0, progress):.{decimals}f}"
    return text[: m.start()] + shown + text[m.end():]


@overlay_drawer(AiLabel)
def _label_art(layer: AiLabel, style: VideoStyle) -> OverlayArt:
    # AIGC visible label: text height >= 5% of the short side (>= 54 px at 1080 wide)
    s = style.scale
    font = _font(str(style.font_path), int(64 * s))
    text = _text_image([layer.text], font, (255, 255, 255), 0, None)
    pad_x, pad_y = int(22 * s), int(8 * s)
    im = Image.new("RGBA", (text.width + 2 * pad_x, text.height + 2 * pad_y), (0, 0, 0, 0))
    ImageDraw.Draw(im).rounded_rectangle((0, 0, im.width - 1, im.height - 1), radius=int(16 * s),
                                         fill=(0, 0, 0, 150))
    im.alpha_composite(text, (pad_x, pad_y))
    return OverlayArt(im, style.safe_left, style.safe_top - im.height - int(10 * s))


@overlay_drawer(Inset)
def _inset_art(layer: Inset, style: VideoStyle) -> OverlayArt:
    return OverlayArt(*inset_card(layer.source, style, hero=layer.hero))


@overlay_drawer(Sticker)
def _sticker_art(layer: Sticker, style: VideoStyle) -> OverlayArt:
    """A round accent badge with a white icon (and a word under it, when the layer has one), at the
    right of the safe area under the headline."""
    from .icons import icon_image

    s = style.scale
    d = int(150 * s)
    ring = max(2, int(7 * s))
    text_im = None
    if layer.text:
        text_im = _text_image([layer.text], _font(str(style.font_path), int(40 * s)), (255, 255, 255), int(4 * s),
                              (0, 0, 0))
    w = max(d, text_im.width if text_im else 0)
    h = d + (text_im.height if text_im else 0)
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(im)
    x0 = (w - d) // 2
    draw.ellipse((x0, 0, x0 + d - 1, d - 1), fill=style.accent + (250,), outline=(255, 255, 255, 255), width=ring)
    icon = icon_image(layer.icon, int(d * 0.6))
    im.alpha_composite(icon, (x0 + (d - icon.width) // 2, (d - icon.height) // 2))
    if text_im:
        im.alpha_composite(text_im, ((w - text_im.width) // 2, d))
    x = style.width - style.safe_right - w - int(10 * s)
    return OverlayArt(im, x, style.safe_top + int(250 * s))


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


# ------------------------------------------------------------------------------ text in motion
def _ease_out(p: float) -> float:
    return 1 - (1 - p) ** 3


def _ease_inout(p: float) -> float:
    return p * p * (3 - 2 * p)


def _ease_back(p: float) -> float:
    """Past 1 and back (a pop that overshoots and settles)."""
    c = 1.9
    return 1 + (c + 1) * (p - 1) ** 3 + c * (p - 1) ** 2


COUNT_STEPS = 10  # distinct values a counting price shows on its way up


class OverlayMotion:
    """One overlay layer in motion: its art rasterised once, and per frame what to blend where.

    `parts(n)` says, for frame n, which variants of the art show at which offsets and opacities: the
    art itself, a scaled copy (pop, stamp), a character piece (stagger) or the price at a step of its
    count; each variant is made once, on first use, for the RGB and the yuv420p path alike. Offsets
    are even numbers of pixels so chroma moves with luma."""

    def __init__(self, layer: Layer, style: VideoStyle) -> None:
        self.layer, self.style = layer, style
        self.art = make_art(layer, style)
        self._rgb: dict[tuple, Sprite] = {}
        self._yuv: dict[tuple, YuvSprite] = {}

    def parts(self, n: int) -> tuple:
        """((variant, dx, dy, opacity), ...) for frame n; variant = (piece or -1, scale, text step)."""
        layer, H, W = self.layer, self.style.height, self.style.width
        enter = getattr(layer, "enter", "none")
        frames_in = getattr(layer, "enter_frames", 0)
        frames_out = getattr(layer, "exit_frames", 0)
        t = n - layer.start
        p_in = 1.0 if enter == "none" or frames_in <= 0 else min(1.0, (t + 1) / frames_in)
        p_out = 1.0 if frames_out <= 0 else min(1.0, (layer.end - n) / frames_out)
        scale, dx, dy, alpha, step = 1.0, 0.0, 0.0, 1.0, COUNT_STEPS
        if p_in < 1.0:
            e = _ease_out(p_in)
            if enter == "fade":
                alpha = p_in
            elif enter == "pop":
                scale, alpha = 0.4 + 0.6 * _ease_back(p_in), min(1.0, 2 * p_in)
            elif enter == "stamp":
                scale, alpha = 2.2 - 1.2 * e, min(1.0, 3 * p_in)
            elif enter.startswith("slide_"):
                side = enter[6:]
                dist = 0.3 * W if side in ("left", "right") else 0.08 * H
                sign = 1 if side in ("left", "up") else -1  # slide_left moves leftwards: it starts to the right
                if side in ("left", "right"):
                    dx = sign * (1 - e) * dist
                else:
                    dy = sign * (1 - e) * dist
                alpha = min(1.0, 1.5 * p_in)
            elif enter == "count":
                step = int(COUNT_STEPS * e)
                scale, alpha = 0.85 + 0.15 * e, min(1.0, 3 * p_in)
            elif enter == "stagger":
                return self._stagger(t, frames_in, p_out)
        if p_out < 1.0:
            leave = getattr(layer, "exit", "none")
            q = 1 - p_out
            alpha *= p_out
            if leave == "pop":
                scale *= 1 - 0.5 * q
            elif leave.startswith("slide_"):
                side = leave[6:]
                if side in ("left", "right"):
                    dx += (-1 if side == "left" else 1) * q * 0.3 * W
                else:
                    dy += (-1 if side == "up" else 1) * q * 0.08 * H
            elif leave == "none":
                alpha = 1.0
        return (((-1, round(scale, 2), step), _even(dx), _even(dy), round(alpha * 64) / 64),)

    def _stagger(self, t: int, frames_in: int, p_out: float) -> tuple:
        pieces = self.art.pieces or [(0, 0, self.art.image.width, self.art.image.height)]
        m = len(pieces)
        each = max(2, frames_in // 2)
        lag = (frames_in - each) / max(1, m - 1)
        rise = 0.04 * self.style.height
        out = []
        for k in range(m):
            p = min(1.0, max(0.0, (t + 1 - k * lag) / each))
            if p <= 0:
                continue
            out.append(((k, 1.0, COUNT_STEPS), 0, _even((1 - _ease_out(p)) * rise), round(min(1.0, p) * p_out * 64) / 64))
        return tuple(out)

    def _variant_image(self, variant: tuple) -> tuple[Image.Image, int, int]:
        piece, scale, step = variant
        art = self.art
        image, x, y = art.image, art.x, art.y
        if step < COUNT_STEPS and isinstance(self.layer, PriceTag):
            image = _price_image(counting_text(self.layer.text, step / COUNT_STEPS), self.layer.was, self.style)
            x, y = art.x + (art.image.width - image.width) // 2, art.y + (art.image.height - image.height) // 2
        if piece >= 0:
            box = art.pieces[piece] if art.pieces else (0, 0, image.width, image.height)
            return image.crop(box), x + box[0], y + box[1]
        if scale != 1.0:
            w, h = max(1, round(image.width * scale)), max(1, round(image.height * scale))
            cx, cy = x + image.width / 2, y + image.height / 2
            image = image.resize((w, h), Image.Resampling.BILINEAR)
            x, y = int(round(cx - w / 2)), int(round(cy - h / 2))
        return image, x, y

    def sprite(self, variant: tuple) -> Sprite:
        sprite = self._rgb.get(variant)
        if sprite is None:
            sprite = self._rgb[variant] = Sprite.from_image(*self._variant_image(variant))
        return sprite

    def yuv_sprite(self, variant: tuple) -> YuvSprite:
        sprite = self._yuv.get(variant)
        if sprite is None:
            sprite = self._yuv[variant] = YuvSprite(*self._variant_image(variant))
        return sprite

    def blend(self, frame: np.ndarray, n: int) -> None:
        for variant, dx, dy, alpha in self.parts(n):
            self.sprite(variant).blend_onto(frame, alpha, dx, dy)

    def blend_yuv(self, out: YuvFrame, parts: tuple) -> None:
        for variant, dx, dy, alpha in parts:
            self.yuv_sprite(variant).blend_onto(out, alpha, dx, dy)


class PluginMotion:
    """A creator's MoviePy clip (PluginClip layer): made once, each frame taken from it and blended
    through its mask (per-frame Python: the plug-in's own drawing)."""

    def __init__(self, layer: PluginClip, timeline: Timeline) -> None:
        from .plugins import plugin_clip

        self.layer, self.fps = layer, timeline.fps
        self.clip = plugin_clip(layer.name, dict(layer.params), (layer.end - layer.start) / timeline.fps,
                                (timeline.width, timeline.height))
        self._yuv: tuple[int, YuvSprite] | None = None

    def _image(self, n: int) -> Image.Image:
        t = (n - self.layer.start) / self.fps
        rgb = np.asarray(self.clip.get_frame(t))[:, :, :3].astype(np.uint8)
        if self.clip.mask is not None:
            alpha = (np.clip(np.asarray(self.clip.mask.get_frame(t), np.float32), 0, 1) * 255 + 0.5).astype(np.uint8)
        else:
            alpha = np.full(rgb.shape[:2], 255, np.uint8)
        return Image.fromarray(np.dstack([rgb, alpha]))

    def parts(self, n: int) -> tuple:
        return ((("plugin", n), 0, 0, 1.0),)

    def blend(self, frame: np.ndarray, n: int) -> None:
        Sprite.from_image(self._image(n), self.layer.x, self.layer.y).blend_onto(frame)

    def blend_yuv(self, out: YuvFrame, parts: tuple) -> None:
        n = parts[0][0][1]
        YuvSprite(self._image(n), self.layer.x, self.layer.y).blend_onto(out)


def overlay_motion(layer: Layer, timeline: Timeline):
    """What draws an overlay layer frame by frame."""
    if isinstance(layer, PluginClip):
        return PluginMotion(layer, timeline)
    return OverlayMotion(layer, timeline.style)


OVERLAYS[PluginClip] = OverlayKind(art=None)  # drawn by PluginMotion, frame by frame


def _even(v: float) -> int:
    return 2 * int(round(v / 2))


# ------------------------------------------------------------------------------ shots
CANVAS_MAX_SCALE = 1.5  # a composed canvas (card, grid, split) is drawn at most this much over frame size


class ShotDrawer:
    """A Shot layer: its canvas composed once (the photo, or a card, grid or split at frame size),
    then each frame one box resize of it per plane along the camera path (the yuv path keeps the
    canvas as Y, U, V planes; on a CUDA device through torch)."""

    def __init__(self, layer: Shot, style: VideoStyle, fps: int = 30, device: str | None = None) -> None:
        self.layer, self.style = layer, style
        self.W, self.H = style.width, style.height
        self.device = device
        self.start, self.span = layer.start, max(1, layer.end - layer.start - 1)
        self.max_zoom = max(layer.view_from[2], layer.view_to[2])
        self._canvas: Image.Image | None = None
        self._yuv = None
        self._torch = None

    # the canvas and the camera
    def canvas(self) -> Image.Image:
        if self._canvas is None:
            self._canvas = self._compose()
        return self._canvas

    def _compose(self) -> Image.Image:
        layer, W, H = self.layer, self.W, self.H
        if layer.layout == "full":
            photo = _load_photo(layer.sources[0])
            cover_w = min(photo.width, photo.height * W / H)
            k = min(1.0, self.max_zoom * W / cover_w)  # keep what the deepest zoom shows at 1:1
            if k < 0.9:
                photo = photo.resize((max(1, round(photo.width * k)), max(1, round(photo.height * k))),
                                     Image.Resampling.LANCZOS)
            return photo
        s = max(1.0, min(CANVAS_MAX_SCALE, self.max_zoom))
        cw, ch = int(round(W * s)), int(round(H * s))
        if layer.layout == "card":
            photo = _load_photo(layer.sources[0])
            small = ImageOps.fit(photo, (max(1, W // 8), max(1, H // 8)), Image.Resampling.BILINEAR)
            blurred = small.filter(ImageFilter.GaussianBlur(6)).resize((cw, ch), Image.Resampling.BILINEAR)
            canvas = Image.fromarray((np.asarray(blurred, dtype=np.float32) * 0.45).astype(np.uint8))
            fit = min(cw * 0.88 / photo.width, ch * 0.5 / photo.height)
            fg = photo.resize((max(1, int(photo.width * fit)), max(1, int(photo.height * fit))), Image.Resampling.LANCZOS)
            canvas.paste(fg, (cw // 2 - fg.width // 2, int(ch * 0.52) - fg.height // 2))
            return canvas
        canvas = Image.new("RGB", (cw, ch), (20, 20, 24))
        gap = max(2, int(14 * s * self.style.scale))
        for (x0, y0, x1, y1), source, region in zip(_tiles(layer.layout, len(layer.sources), cw, ch, gap),
                                                    layer.sources, layer.regions or [None] * len(layer.sources)):
            photo = _load_photo(source)
            if region:
                photo = photo.crop((int(region[0] * photo.width), int(region[1] * photo.height),
                                    max(int(region[0] * photo.width) + 1, int(region[2] * photo.width)),
                                    max(int(region[1] * photo.height) + 1, int(region[3] * photo.height))))
            canvas.paste(ImageOps.fit(photo, (x1 - x0, y1 - y0), Image.Resampling.LANCZOS), (x0, y0))
        if layer.layout == "split":
            d = ImageDraw.Draw(canvas)
            d.rectangle((0, ch // 2 - gap, cw, ch // 2 + gap), fill=self.style.accent)
        return canvas

    def box(self, frame: int) -> tuple[float, float, float, float]:
        """The canvas region (x0, y0, x1, y1, in canvas pixels) the camera shows at `frame`."""
        layer = self.layer
        p = min(max((frame - self.start) / self.span, 0.0), 1.0)
        if layer.ease == "inout":
            p = _ease_inout(p)
        elif layer.ease == "out":
            p = _ease_out(p)
        (ax, ay, az), (bx, by, bz) = layer.view_from, layer.view_to
        cx, cy = ax + (bx - ax) * p, ay + (by - ay) * p
        zoom = az * (bz / az) ** p
        cw, ch = self.canvas().size
        base_w = min(cw, ch * self.W / self.H)
        w = base_w / zoom
        h = w * self.H / self.W
        x0 = min(max(cx * cw - w / 2, 0.0), cw - w)
        y0 = min(max(cy * ch - h / 2, 0.0), ch - h)
        return (round(x0, 3), round(y0, 3), round(x0 + w, 3), round(y0 + h, 3))

    def state(self, frame: int):
        return self.box(frame)

    def draw(self, frame: int) -> np.ndarray:
        return np.asarray(self.canvas().resize((self.W, self.H), Image.Resampling.BILINEAR, box=self.box(frame)))

    def draw_yuv(self, frame: int, out: YuvFrame) -> None:
        if self._yuv is None:
            y, cb, cr = yuv_planes(self.canvas())
            self._yuv = (y, _half(cb), _half(cr))
            if self.device is not None:
                from .gpu import TorchPlanes

                self._torch = TorchPlanes(tuple(np.asarray(p) for p in self._yuv), self.device)
        py, pu, pv = self._yuv
        W, H = self.W, self.H
        box = self.box(frame)
        half = (box[0] / 2, box[1] / 2, min(pu.width, box[2] / 2), min(pu.height, box[3] / 2))
        if self._torch is not None:
            out.y[:] = self._torch.crop_resize(0, box, W, H)
            out.u[:] = self._torch.crop_resize(1, half, W // 2, H // 2)
            out.v[:] = self._torch.crop_resize(2, half, W // 2, H // 2)
            return
        out.y[:] = np.asarray(py.resize((W, H), Image.Resampling.BILINEAR, box=box))
        out.u[:] = np.asarray(pu.resize((W // 2, H // 2), Image.Resampling.BILINEAR, box=half))
        out.v[:] = np.asarray(pv.resize((W // 2, H // 2), Image.Resampling.BILINEAR, box=half))


def _tiles(layout: str, count: int, w: int, h: int, gap: int) -> list[tuple[int, int, int, int]]:
    """Tile boxes of a grid (2: two rows; 3: one wide above two; 4: two by two) or a split (two rows)."""
    if layout == "split" or count == 2:
        return [(0, 0, w, h // 2 - gap), (0, h // 2 + gap, w, h)]
    if count == 3:
        return [(0, 0, w, h // 2 - gap // 2), (0, h // 2 + gap // 2, w // 2 - gap // 2, h),
                (w // 2 + gap // 2, h // 2 + gap // 2, w, h)]
    return [(0, 0, w // 2 - gap // 2, h // 2 - gap // 2), (w // 2 + gap // 2, 0, w, h // 2 - gap // 2),
            (0, h // 2 + gap // 2, w // 2 - gap // 2, h), (w // 2 + gap // 2, h // 2 + gap // 2, w, h)]


# ------------------------------------------------------------------------------ transitions
class TransitionDrawer:
    """A Transition layer: mixes the outgoing and the incoming picture, plane by plane (an RGB frame
    is one plane, a yuv420p frame three: Y at full size, U and V at half), so both paths draw it alike."""

    def __init__(self, layer: Transition, style: VideoStyle, fps: int = 30, device: str | None = None) -> None:
        self.layer = layer
        self.span = max(1, layer.end - layer.start)

    def progress(self, frame: int) -> float:
        return min(1.0, max(0.0, (frame - self.layer.start + 0.5) / self.span))

    def mix(self, frame: int, a: list[np.ndarray], b: list[np.ndarray], out: list[np.ndarray]) -> None:
        style, side = self.layer.style, self.layer.direction
        p = self.progress(frame)
        full_w, full_h = a[0].shape[1], a[0].shape[0]
        if style == "crossfade":
            k = int(round(p * 256))
            for pa, pb, po in zip(a, b, out):
                po[...] = ((pa.astype(np.uint16) * (256 - k) + pb.astype(np.uint16) * k + 128) >> 8).astype(np.uint8)
            return
        if style == "zoom":  # punch in through the cut: the old picture zooms in, the new one settles out of it
            src, z = (a, 1 + 0.6 * (p / 0.5) ** 2) if p < 0.5 else (b, 1 + 0.6 * ((1 - p) / 0.5) ** 2)
            for ps, po in zip(src, out):
                po[...] = _zoomed(ps, z)
            return
        e = _ease_inout(p) if style != "whip" else _ease_inout(_ease_inout(p))
        horizontal = side in ("left", "right")
        shift = _even(e * (full_w if horizontal else full_h))
        for pa, pb, po in zip(a, b, out):
            size = pa.shape[1] if horizontal else pa.shape[0]
            d = shift * size // (full_w if horizontal else full_h)
            _move(style, side, d, size, pa, pb, po)
            if style == "whip":
                strength = np.sin(np.pi * p)
                if strength > 0.05:
                    po[...] = _smear(po, 1 + int(40 * strength * size / (full_w if horizontal else full_h)), horizontal)


def _move(style: str, side: str, d: int, size: int, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """push/whip: both pictures move; slide: the new one slides over; wipe: an edge uncovers it.
    `side`: where the new picture comes from; `d`: how far it has come in."""
    if d <= 0:
        out[...] = a
        return
    if d >= size:
        out[...] = b
        return
    horizontal = side in ("left", "right")
    view = (lambda arr, s: arr[:, s]) if horizontal else (lambda arr, s: arr[s])

    def put(s, value):
        if horizontal:
            out[:, s] = value
        else:
            out[s] = value

    from_start = side in ("left", "up")  # the new picture comes in at the start of the axis
    near, far = slice(0, d), slice(size - d, size)
    rest_a_start, rest_a_end = slice(0, size - d), slice(d, size)
    if style in ("push", "whip"):
        if from_start:
            put(near, view(b, far))
            put(slice(d, size), view(a, rest_a_start))
        else:
            put(far, view(b, near))
            put(slice(0, size - d), view(a, rest_a_end))
    elif style == "slide":
        out[...] = a
        put(near if from_start else far, view(b, far if from_start else near))
    else:  # wipe
        out[...] = a
        put(near if from_start else far, view(b, near if from_start else far))


def _zoomed(plane: np.ndarray, z: float) -> np.ndarray:
    h, w = plane.shape[:2]
    cw, ch = w / z, h / z
    box = ((w - cw) / 2, (h - ch) / 2, (w + cw) / 2, (h + ch) / 2)
    return np.asarray(Image.fromarray(plane).resize((w, h), Image.Resampling.BILINEAR, box=box))


def _smear(plane: np.ndarray, k: int, horizontal: bool) -> np.ndarray:
    """Motion blur along the move: the picture squeezed k times along the axis and stretched back."""
    h, w = plane.shape[:2]
    im = Image.fromarray(plane)
    small = (max(1, w // k), h) if horizontal else (w, max(1, h // k))
    return np.asarray(im.resize(small, Image.Resampling.BOX).resize((w, h), Image.Resampling.BILINEAR))


# ------------------------------------------------------------------------------ the renderer
class FrameRenderer:
    """Turns frame numbers into RGB frames (`frame`) or the whole video into yuv420p frames in order
    (`yuv_frames`), for one timeline (captions are added by libass)."""

    def __init__(self, timeline: Timeline, device: str | None = None) -> None:
        self.timeline = timeline
        self.device = device  # torch device for the yuv path's photo zoom (render.gpu); None = Pillow
        self._photos: dict[int, object] = {}  # the RGB path's drawers, built on first use
        # overlays are rasterised on first use (and, in yuv_frames, dropped after their last frame),
        # so memory does not grow with the number of scenes; what can fail is checked here, up front
        self._motions: dict[int, OverlayMotion] = {}
        self._overlays: list[int] = []
        for i, layer in enumerate(timeline.layers):
            for path in layer.files():
                if not Path(path).is_file():
                    what = "video clip" if isinstance(layer, Clip) and path == layer.source else "photo"
                    raise StudioError(f"{what} not found: {path}")
            if layer.visual:
                if type(layer) not in VISUAL_DRAWERS:
                    raise StudioError(f"the timeline's '{layer.kind}' layer is not a picture this renderer can draw")
            elif type(layer) in OVERLAYS:
                self._overlays.append(i)
            else:
                raise StudioError(f"the timeline's '{layer.kind}' layer is not an overlay this renderer can draw")
        self._overlays.sort(key=lambda k: timeline.layers[k].z)
        self._visuals = [i for i, l in enumerate(timeline.layers) if l.visual]
        self._black = np.zeros((timeline.height, timeline.width, 3), np.uint8)
        self._live: dict[int, object] = {}  # the yuv path's layers, while they show

    @property
    def overlay_indices(self) -> list[int]:
        """The timeline's overlay layers (by index), bottom to top."""
        return list(self._overlays)

    def picture_drawer(self, i: int):
        """The RGB path's drawer of visual layer i (built on first use): `draw(n)`, or `mix` for a transition."""
        return self._visual(i)

    def _visual(self, i: int, yuv: bool = False):
        cache = self._live if yuv else self._photos
        obj = cache.get(i)
        if obj is None:
            layer = self.timeline.layers[i]
            obj = VISUAL_DRAWERS[type(layer)](layer, self.timeline.style, self.timeline.fps, yuv=yuv,
                                              device=self.device if yuv else None)
            cache[i] = obj
        return obj

    def picture_at(self, n: int) -> tuple:
        """What the picture of frame n is: ("black",), ("layer", i) or ("transition", t, outgoing, incoming)."""
        layers = self.timeline.layers
        showing = [i for i in self._visuals if layers[i].start <= n < layers[i].end]
        moves = [i for i in showing if isinstance(layers[i], Transition)]
        pictures = [i for i in showing if not isinstance(layers[i], Transition)]
        if moves and len(pictures) >= 2:
            outgoing = min(pictures, key=lambda i: (layers[i].end, i))
            incoming = max(pictures, key=lambda i: (layers[i].start, i))
            if outgoing != incoming:
                return ("transition", moves[-1], outgoing, incoming)
        return ("layer", pictures[-1]) if pictures else ("black",)

    def frame(self, n: int) -> np.ndarray:
        what = self.picture_at(n)
        if what[0] == "black":
            out = self._black.copy()
        elif what[0] == "layer":
            out = self._visual(what[1]).draw(n)
            if not out.flags.writeable:
                out = out.copy()
        else:
            _, t, a, b = what
            pa, pb = self._visual(a).draw(n), self._visual(b).draw(n)
            out = np.empty_like(pa)
            self._visual(t).mix(n, [pa], [pb], [out])
        for i in self._overlays:
            layer = self.timeline.layers[i]
            if layer.start <= n < layer.end:
                self._motion(i).blend(out, n)
        return out

    def motion_of(self, i: int):
        """What draws overlay layer i frame by frame (`blend(frame, n)`)."""
        return self._motion(i)

    def _motion(self, i: int) -> OverlayMotion:
        m = self._motions.get(i)
        if m is None:
            m = self._motions[i] = overlay_motion(self.timeline.layers[i], self.timeline)
        return m

    def yuv_frames(self, start: int = 0, stop: int | None = None):
        """Frames start..stop-1 in order, each a memoryview of one reused yuv420p buffer (write it
        out before asking for the next). Only what changed is drawn again."""
        tl = self.timeline
        layers = tl.layers
        stop = tl.frames if stop is None else stop
        out = YuvFrame(tl.width, tl.height)
        spare_a, spare_b = None, None  # the two pictures under a transition
        view = memoryview(out.data)
        overlays = self._overlays
        motions: dict[int, OverlayMotion] = {}
        previous = object()
        try:
            for n in range(start, stop):
                what = self.picture_at(n)
                if what[0] == "layer":
                    obj = self._visual(what[1], yuv=True)
                    picture = (what, obj.state(n))
                else:
                    picture = (what, n) if what[0] == "transition" else (what,)
                shown = []
                for i in overlays:
                    if layers[i].start <= n < layers[i].end:
                        m = motions.get(i)
                        if m is None:
                            m = motions[i] = overlay_motion(layers[i], tl)
                        shown.append((i, m.parts(n)))
                key = (picture, tuple(shown))
                if key != previous:
                    if what[0] == "black":
                        out.fill_black()
                    elif what[0] == "layer":
                        obj.draw_yuv(n, out)
                    else:
                        _, t, a, b = what
                        if spare_a is None:
                            spare_a, spare_b = YuvFrame(tl.width, tl.height), YuvFrame(tl.width, tl.height)
                        self._visual(a, yuv=True).draw_yuv(n, spare_a)
                        self._visual(b, yuv=True).draw_yuv(n, spare_b)
                        self._visual(t, yuv=True).mix(n, [spare_a.y, spare_a.u, spare_a.v],
                                                      [spare_b.y, spare_b.u, spare_b.v], [out.y, out.u, out.v])
                    for i, parts in shown:
                        motions[i].blend_yuv(out, parts)
                    previous = key
                yield view
                for i in [i for i in self._live if layers[i].end <= n + 1]:  # done: free its frames
                    gone = self._live.pop(i)
                    if isinstance(gone, (ClipDrawer, PipClipDrawer)):
                        gone.close()
                for i in [i for i in motions if layers[i].end <= n + 1]:
                    del motions[i]
        finally:
            for obj in self._live.values():
                if isinstance(obj, (ClipDrawer, PipClipDrawer)):
                    obj.close()
            self._live.clear()

    def close(self) -> None:
        """Stop any clip decoders still running (after a cancel, say)."""
        for layer in list(self._photos.values()) + list(self._live.values()):
            if isinstance(layer, (ClipDrawer, PipClipDrawer)):
                layer.close()


# the drawers of full-frame pictures, by layer class: (layer, style, fps, yuv=, device=) -> drawer
VISUAL_DRAWERS: dict[type[Layer], object] = {
    Photo: lambda layer, style, fps, yuv=False, device=None: PhotoDrawer(layer, style, fps, device),
    Clip: lambda layer, style, fps, yuv=False, device=None: (PipClipDrawer(layer, style, fps, yuv, device) if layer.window
                                                             else ClipDrawer(layer, style, fps, yuv=yuv)),
    Shot: lambda layer, style, fps, yuv=False, device=None: ShotDrawer(layer, style, fps, device),
    Transition: lambda layer, style, fps, yuv=False, device=None: TransitionDrawer(layer, style, fps),
}


def render_still(timeline: Timeline, frame: int) -> Image.Image:
    """One frame as a Pillow image (covers, previews)."""
    return Image.fromarray(FrameRenderer(timeline).frame(frame))
