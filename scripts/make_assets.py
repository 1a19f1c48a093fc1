"""Generate the bundled example media: product photos and a background music loop.

Everything here is drawn or synthesised by this script, so it is ours to license: CC0 1.0.
Run: .venv/bin/python scripts/make_assets.py  (the outputs are committed; running again is optional)
"""
from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = ROOT / "examples" / "photos"
MUSIC = ROOT / "assets" / "music"
SIZE = 1080


def _gradient(top, bottom, size=(SIZE, SIZE)) -> Image.Image:
    w, h = size
    t = np.linspace(0, 1, h)[:, None, None]
    arr = (np.array(top)[None, None, :] * (1 - t) + np.array(bottom)[None, None, :] * t)
    return Image.fromarray(np.repeat(arr, w, axis=1).astype(np.uint8))


def _shadow(img: Image.Image, box, radius=40) -> None:
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).ellipse(box, fill=(0, 0, 0, 90))
    img.alpha_composite(layer.filter(ImageFilter.GaussianBlur(radius)))


def bottle(color, cap, bg) -> Image.Image:
    img = _gradient(*bg).convert("RGBA")
    _shadow(img, (330, 900, 750, 980))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((390, 260, 690, 930), radius=70, fill=color)
    d.rounded_rectangle((410, 170, 670, 290), radius=30, fill=cap)
    d.rounded_rectangle((440, 330, 480, 860), radius=20, fill=(255, 255, 255, 70))
    d.rectangle((390, 560, 690, 640), fill=tuple(max(0, c - 40) for c in color[:3]))
    return img.convert("RGB")


def earbuds(color, bg) -> Image.Image:
    img = _gradient(*bg).convert("RGBA")
    _shadow(img, (250, 820, 830, 920))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((270, 430, 810, 850), radius=150, fill=color)
    d.line((285, 600, 795, 600), fill=(0, 0, 0, 60), width=6)
    d.ellipse((510, 700, 570, 720), fill=(80, 220, 120))
    for x in (360, 600):
        d.ellipse((x, 250, x + 120, 370), fill=color)
        d.rounded_rectangle((x + 40, 330, x + 80, 470), radius=18, fill=color)
    return img.convert("RGB")


def oranges(bg) -> Image.Image:
    img = _gradient(*bg).convert("RGBA")
    _shadow(img, (180, 840, 900, 960))
    d = ImageDraw.Draw(img)
    for (x, y, r) in ((380, 620, 230), (700, 660, 200), (540, 420, 190)):
        d.ellipse((x - r, y - r, x + r, y + r), fill=(250, 140, 20))
        d.ellipse((x - r * 0.6, y - r * 0.7, x - r * 0.1, y - r * 0.3), fill=(255, 190, 90, 160))
        d.polygon([(x, y - r), (x + 60, y - r - 50), (x + 90, y - r - 10)], fill=(60, 150, 60))
    return img.convert("RGB")


def tote(color, bg) -> Image.Image:
    img = _gradient(*bg).convert("RGBA")
    _shadow(img, (260, 900, 820, 990))
    d = ImageDraw.Draw(img)
    d.arc((380, 170, 700, 520), 180, 360, fill=(90, 70, 50), width=28)
    d.polygon([(300, 380), (780, 380), (820, 930), (260, 930)], fill=color)
    d.rectangle((430, 560, 650, 700), fill=(255, 255, 255, 200))
    return img.convert("RGB")


def make_photos() -> None:
    PHOTOS.mkdir(parents=True, exist_ok=True)
    items = {
        "thermos_1.jpg": bottle((40, 120, 200, 255), (30, 30, 40, 255), ((235, 240, 248), (190, 205, 225))),
        "thermos_2.jpg": bottle((230, 90, 110, 255), (240, 240, 240, 255), ((250, 236, 230), (230, 200, 190))),
        "earbuds_1.jpg": earbuds((245, 245, 245, 255), ((60, 70, 90), (20, 24, 32))),
        "earbuds_2.jpg": earbuds((30, 30, 34, 255), ((210, 220, 235), (150, 165, 190))),
        "oranges_1.jpg": oranges(((255, 248, 225), (240, 220, 170))),
        "oranges_2.jpg": oranges(((225, 245, 230), (180, 220, 190))),
        "tote_1.jpg": tote((220, 205, 175, 255), ((245, 242, 235), (215, 210, 200))),
        "tote_2.jpg": tote((70, 100, 80, 255), ((235, 235, 225), (200, 200, 185))),
    }
    for name, img in items.items():
        img.save(PHOTOS / name, "JPEG", quality=85)


def make_music(seconds: float = 19.2, rate: int = 48000) -> None:
    """A gentle 100 BPM pop loop: pad chords, a plucked arpeggio and a soft kick."""
    MUSIC.mkdir(parents=True, exist_ok=True)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    beat = 60 / 100
    bar = 4 * beat
    chords = [[60, 64, 67], [67, 71, 74], [57, 60, 64], [65, 69, 72]]  # C G Am F
    out = np.zeros(n)

    def hz(m):
        return 440 * 2 ** ((m - 69) / 12)

    for i in range(int(seconds / bar) + 1):
        chord = chords[i % 4]
        s, e = int(i * bar * rate), min(n, int((i + 1) * bar * rate))
        if s >= n:
            break
        tt = t[s:e] - i * bar
        env = np.minimum(1, tt / 0.3) * np.minimum(1, (bar - tt) / 0.3)
        for m in chord:
            out[s:e] += 0.06 * env * np.sin(2 * np.pi * hz(m - 12) * tt)
        for k in range(8):  # eighth-note arpeggio
            ps = s + int(k * beat / 2 * rate)
            pe = min(e, ps + int(0.4 * rate))
            if ps >= pe:
                continue
            pt = t[ps:pe] - t[ps]
            m = chord[k % 3] + (12 if k % 4 == 3 else 0)
            out[ps:pe] += 0.08 * np.exp(-pt * 7) * np.sin(2 * np.pi * hz(m) * pt) * (1 + 0.3 * np.sin(2 * np.pi * hz(m) * 2 * pt))
        for k in range(4):  # kick on every beat
            ks = s + int(k * beat * rate)
            ke = min(e, ks + int(0.25 * rate))
            if ks >= ke:
                continue
            kt = t[ks:ke] - t[ks]
            out[ks:ke] += 0.25 * np.exp(-kt * 18) * np.sin(2 * np.pi * (50 + 90 * np.exp(-kt * 30)) * kt)
    out = out / np.max(np.abs(out)) * 0.8
    stereo = np.stack([out, np.roll(out, int(0.012 * rate))], axis=1)
    wav = MUSIC / "upbeat_loop.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((stereo * 32767).astype("<i2").tobytes())
    import imageio_ffmpeg

    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(wav), "-c:a", "aac",
                    "-b:a", "128k", str(MUSIC / "upbeat_loop.m4a")], check=True)
    wav.unlink()


if __name__ == "__main__":
    make_photos()
    make_music()
    print("wrote", PHOTOS, MUSIC, file=sys.stderr)
