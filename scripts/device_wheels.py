"""Fills .device-wheels/ with what scripts/device_check.sh needs on the device machine and lacks
there (`bash scripts/device_wheels.sh`, run where pip reaches PyPI).

The device machine has Python 3.12 with a CUDA torch, numpy, Pillow, scipy, transformers and
huggingface_hub, but no ffmpeg and no network, and at most 64 MiB travel to it (the tracked files
included). So this fetches the exact wheels (cp312, manylinux x86_64, the versions requirements.txt
pins), recompresses each with LZMA inside the same wheel format (byte-identical files, the same
RECORD; pip installs it as usual), and adds what the studio would otherwise make there with
packages that do not fit: the reference narration from the studio's own voice, and a subset of
its CJK font holding every character the reference video draws. What does not fit is listed in
left-out.json with its size, and the check prints it in its row.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

CARRY_LIMIT = 64 * 1024 * 1024  # what one device call carries, the working tree included
MARGIN = 1024 * 1024  # room for the tree to grow before the next call
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64",
             "manylinux1_x86_64")
# (wheels, why): in order of need; a group goes only whole, and only if it fits
GROUPS = [
    (["imageio-ffmpeg"], "ffmpeg itself (libx264, libass, NVENC): every render and encode"),
    # diffusers' other needs are there (importlib_metadata: the standard library's on 3.12)
    (["diffusers"], "AI backgrounds: the diffusers rows"),
    (["pyloudnorm"], "the voice's loudness in every render"),
    (["faster-whisper", "ctranslate2", "av"], "faster-whisper on the GPU"),
]
CT2_LIBRARY = re.compile(rb"libcu(?:blas|dnn|dart)[a-z_]*\.so\.\d+")


def pins() -> dict[str, str]:
    """name -> version from requirements.txt."""
    found = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        m = re.match(r"\s*([A-Za-z0-9_.-]+)==([^\s;#]+)", line)
        if m:
            found[m.group(1).lower()] = m.group(2)
    return found


def download(spec: str, folder: Path) -> Path:
    """The cp312 manylinux x86_64 wheel of `spec` (NAME or NAME==VERSION), from PyPI."""
    platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
    before = set(folder.glob("*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
                    "--only-binary=:all:", "--python-version", "3.12", "--implementation", "cp", *platforms,
                    "-d", str(folder), spec], check=True)
    name = re.split(r"[=<>]", spec)[0].lower().replace("-", "_")
    matches = [w for w in folder.glob("*.whl") if w.name.lower().startswith(name + "-")]
    version = spec.split("==")[1] if "==" in spec else None
    if version:
        matches = [w for w in matches if w.name.split("-")[1] == version]
    if not matches:
        raise SystemExit(f"device_wheels: pip saved no wheel for {spec} (had: {sorted(p.name for p in before)})")
    return sorted(matches)[-1]


def recompress(wheel: Path, target: Path) -> Path:
    """The same wheel, its files compressed with LZMA (pip reads any zip method Python's zipfile reads)."""
    out = target / wheel.name
    if out.is_file() and out.stat().st_mtime >= wheel.stat().st_mtime:
        return out
    part = out.with_suffix(".part")
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(part, "w") as dst:
        for info in src.infolist():
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.external_attr = info.external_attr  # keeps ffmpeg's executable bit
            copy.compress_type = zipfile.ZIP_LZMA
            dst.writestr(copy, src.read(info))
    part.replace(out)
    return out


def ct2_cuda_libraries(wheel: Path) -> list[str]:
    """The CUDA libraries the ctranslate2 wheel's native library loads by name."""
    names: set[str] = set()
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            if re.search(r"libctranslate2[^/]*\.so", info.filename):
                names.update(m.decode() for m in CT2_LIBRARY.findall(z.read(info)))
    return sorted(names)


def tree_bytes() -> int:
    """What travels besides .device-wheels: tracked files and untracked ones git does not ignore."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, check=True).stdout
    return sum((ROOT / p).stat().st_size for p in out.decode().split("\0") if p and (ROOT / p).is_file())


def subset_font(target: Path) -> Path:
    """Noto Sans SC cut down to printable ASCII, common CJK punctuation and every character the
    reference video draws (its glyphs, names and layout tables unchanged)."""
    import benchmark_render as bench
    from fontTools import subset

    from studio.util import cjk_font_path

    from device_check import FULL

    text = bench.drawn_text(FULL.seconds) + "".join(chr(c) for c in range(32, 127)) + "¥，。！？：、；“”（）·…—"
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.layout_features = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(cjk_font_path()), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = target / "font.otf"
    subset.save_font(font, str(out), options)
    return out


def main() -> int:
    target = ROOT / ".device-wheels"
    wheels_dir = target / "wheels"
    wheels_dir.mkdir(parents=True, exist_ok=True)
    download_dir = Path(tempfile.gettempdir()) / "aigc-studio-device-downloads"
    packed_dir = download_dir / "lzma"  # recompressed once, whether carried or not
    packed_dir.mkdir(parents=True, exist_ok=True)
    pinned = pins()

    def spec(name: str) -> str:
        return name if "==" in name else f"{name}=={pinned[name]}" if name in pinned else name

    import benchmark_render as bench

    from device_check import DRY, FULL

    for sizes in (FULL, DRY):  # the check's narration, and its small version's (device_check.sh --small)
        voice_wav, _ = bench.make_narration(target / "media", sizes.seconds)
        print(f"narration: {voice_wav.relative_to(ROOT)} ({voice_wav.stat().st_size / 1e6:.1f} MB)")
    font = subset_font(target)
    print(f"font subset: {font.relative_to(ROOT)} ({font.stat().st_size / 1e3:.0f} kB)")
    budget = CARRY_LIMIT - MARGIN - tree_bytes() - sum(p.stat().st_size for p in target.rglob("*")
                                                         if p.is_file() and p.parent != wheels_dir)
    kept: list[Path] = []
    left_out: dict = {}
    for names, why in GROUPS:
        downloaded = [download(spec(n), download_dir) for n in names]
        packed = [recompress(w, packed_dir) for w in downloaded]
        size = sum(p.stat().st_size for p in packed)
        if names[0] == "faster-whisper":
            ct2 = next(w for w in downloaded if w.name.startswith("ctranslate2-"))
            left_out["ctranslate2_cuda_libraries"] = ct2_cuda_libraries(ct2)
        if size <= budget:
            budget -= size
            for wheel in packed:
                shutil.copyfile(wheel, wheels_dir / wheel.name)
                kept.append(wheels_dir / wheel.name)
            print(f"carried: {', '.join(p.name for p in packed)} ({size / 1e6:.1f} MB; {why})")
        else:
            note = (f"{' + '.join(spec(n) for n in names)} ({size / 1e6:.0f} MB as carried) did not fit: "
                    f"{budget / 1e6:.0f} MB of the 64 MiB carry were left beside ffmpeg")
            left_out[names[0]] = note
            print(f"left out: {note}")
    for stale in wheels_dir.glob("*.whl"):
        if stale not in kept:
            stale.unlink()
    (target / "left-out.json").write_text(json.dumps(left_out, indent=1))
    from studio.subtitles.whisper import CT2_CUDA_LIBRARY

    needed = left_out.get("ctranslate2_cuda_libraries", [])
    if needed and CT2_CUDA_LIBRARY not in needed:
        print(f"WARNING: ctranslate2 loads {needed}, but studio/subtitles/whisper.py tests for {CT2_CUDA_LIBRARY}: "
              "update CT2_CUDA_LIBRARY", file=sys.stderr)
    total = tree_bytes() + sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    print(f"a device call carries {total / 2**20:.1f} MiB of 64 MiB: carry [\".device-wheels\"], then run "
          "bash scripts/device_check.sh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
