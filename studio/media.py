"""Photos, clips and recordings a merchant names: what a file really is, and photos opened with a
bound on what decoding them costs.

A sheet cell or a dropped file is only a name; before the studio copies or uses it, `media_problem`
looks at its first bytes (a text file called cup.jpg is not a photo, /etc/passwd is not a clip) and,
for a photo, at its header: a 13000×13000 PNG is a few kilobytes on disk and half a gigabyte once
decoded. `open_photo` is the one way photos are opened for drawing: a JPEG is decoded straight at a
reduced scale (libjpeg's DCT scaling, so a 100-megapixel phone photo never exists in memory at full
size); other formats, which cannot be decoded smaller, are refused above MAX_DECODED_PIXELS.
"""
from __future__ import annotations

import logging
import warnings
from pathlib import Path

from PIL import Image, ImageOps

from .util import StudioError

log = logging.getLogger(__name__)

PHOTO_EXTS = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}
CLIP_EXTS = {".mp4", ".mov", ".m4v", ".mkv", ".webm"}
MAX_SIDE = 3840  # longest side a photo is kept at: the 1080×1920 frame with its deepest zoom needs ~2100
MAX_DECODED_PIXELS = 50_000_000  # for formats decoded in full (PNG, WebP, BMP): ~200 MB as RGBA
MAX_JPEG_PIXELS = Image.MAX_IMAGE_PIXELS * 2  # Pillow's own hard limit; JPEGs are decoded at 1/8 scale or less


def sniff(path: str | Path) -> str | None:
    """What a file holds, from its first bytes: 'photo', 'clip', 'audio', or None (anything else)."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError:
        return None
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"BM")) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "photo"
    if head[4:8] == b"ftyp":
        return "audio" if head[8:12] in (b"M4A ", b"M4B ", b"F4A ") else "clip"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free") or head.startswith(b"\x1a\x45\xdf\xa3"):
        return "clip"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "clip"
    if (head[:4] == b"RIFF" and head[8:12] == b"WAVE") or head.startswith((b"ID3", b"fLaC", b"OggS", b"#!AMR")):
        return "audio"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:  # an MPEG audio or ADTS AAC frame
        return "audio"
    return None


def _open_lazily(path: Path) -> Image.Image:
    """Image.open without decoding, with Pillow's 'this is big' warning silenced (we check sizes ourselves)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(path)


def _size_problem(path: Path, im: Image.Image) -> str | None:
    w, h = im.size
    limit = MAX_JPEG_PIXELS if im.format == "JPEG" else MAX_DECODED_PIXELS
    if w * h > limit:
        return (f"is {w}×{h} ({w * h / 1e6:.0f} megapixels); {im.format or 'this'} photos can be used up to "
                f"{limit / 1e6:.0f} megapixels: save a smaller copy (e.g. {MAX_SIDE} px on the long side)")
    return None


def media_problem(path: str | Path, want: str = "visual") -> str | None:
    """Why `path` cannot be used as `want` ('visual': a photo or video clip; 'recording': a sound or video
    recording), or None when it can. Reads the first bytes and, for a photo, its header only."""
    path = Path(path)
    kind = sniff(path)
    suffix = path.suffix.lower()
    if want == "recording":
        if kind not in ("audio", "clip"):
            return "is not a sound or video recording (WAV, MP3, M4A, or a video with sound)"
        return None
    if kind not in ("photo", "clip"):
        return "is not a photo or video clip (JPG, PNG, WebP, BMP, MP4, MOV, MKV or WebM)"
    if kind == "photo" and suffix in CLIP_EXTS:
        return f"is a photo with a video file name ({suffix}); rename it to .jpg or .png"
    if kind == "clip" and suffix in PHOTO_EXTS:
        return f"is a video with a photo file name ({suffix}); rename it to .mp4"
    if kind == "photo":
        try:
            with _open_lazily(path) as im:
                return _size_problem(path, im)
        except Image.DecompressionBombError as exc:
            return f"is too big to open safely ({exc}); save a smaller copy"
        except Exception as exc:  # noqa: BLE001 - any decoder failure is the file's problem
            return f"could not be read as a photo ({exc}); save it again as JPG or PNG"
    return None


def open_photo(path: str | Path, max_side: int = MAX_SIDE) -> Image.Image:
    """A photo as RGB, turned upright (EXIF) and at most `max_side` on its long side, decoded with
    bounded memory (see the module docstring). Raises StudioError naming the file and what to do."""
    path = Path(path)
    try:
        im = _open_lazily(path)
    except FileNotFoundError as exc:
        raise StudioError(f"photo not found: {path}") from exc
    except Image.DecompressionBombError as exc:
        raise StudioError(f"photo '{path}' is too big to open safely ({exc}); save a smaller copy") from exc
    except Exception as exc:  # noqa: BLE001
        raise StudioError(f"photo '{path}' could not be read ({exc}); save it as JPG or PNG") from exc
    try:
        problem = _size_problem(path, im)
        if problem:
            raise StudioError(f"photo '{path}' {problem}")
        if im.format == "JPEG":
            im.draft("RGB", (max_side, max_side))  # decoded at 1/2, 1/4 or 1/8 scale when that still covers max_side
        im.load()
        if max(im.size) > max_side:  # shrunk in its own mode (one byte a pixel for grey), before RGB
            im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=2.0)
        ImageOps.exif_transpose(im, in_place=True)
        return im if im.mode == "RGB" else im.convert("RGB")
    except StudioError:
        im.close()
        raise
    except Exception as exc:  # noqa: BLE001
        im.close()
        raise StudioError(f"photo '{path}' could not be read ({exc}); save it again as JPG or PNG") from exc


__all__ = ["CLIP_EXTS", "MAX_DECODED_PIXELS", "MAX_SIDE", "PHOTO_EXTS", "media_problem", "open_photo", "sniff"]
