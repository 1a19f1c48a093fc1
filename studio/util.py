"""Small helpers shared by every stage: cancellation, progress, file names, hashing, paths."""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = PROJECT_ROOT / "assets"
TEMPLATES_DIR = PROJECT_ROOT / "templates"


# errors, cancel and progress live in studio/core; these names stay importable from here
from .core.errors import Cancelled, DiskFull, StudioError, is_disk_full  # noqa: E402,F401
from .core.progress import CancelToken, Progress, ProgressCallback, no_progress  # noqa: E402,F401


def safe_filename(name: str, max_len: int = 60) -> str:
    """A file name that keeps CJK and letters but drops path separators and shell-hostile characters."""
    name = unicodedata.normalize("NFKC", name).strip()
    name = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "_", name)
    name = re.sub(r"\s+", "_", name)
    name = name.strip("._")
    return name[:max_len]


def is_inside(path: str | Path, folder: str | Path) -> bool:
    """True when `path`, with every link and `..` followed, lies inside `folder`."""
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
        return True
    except ValueError:
        return False


def decode_utf8_or_gbk(raw: bytes) -> str | None:
    """Text as Chinese PCs write it: UTF-8 (with or without a BOM), else GBK/GB18030; None when neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def sha1_of(*parts: bytes | str) -> str:
    h = hashlib.sha1()
    for part in parts:
        h.update(part.encode("utf-8") if isinstance(part, str) else part)
        h.update(b"\x00")
    return h.hexdigest()


def data_home() -> Path:
    """Where the studio keeps assembled models and caches (override with STUDIO_HOME)."""
    env = os.environ.get("STUDIO_HOME")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "aigc-studio"


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary (imageio-ffmpeg's bundled build), resolved when first needed."""
    override = os.environ.get("STUDIO_FFMPEG")
    if override:
        return override
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def cjk_font_path() -> Path:
    """The CJK-capable font used for overlays and captions (Noto Sans SC, OFL); $STUDIO_FONT, when
    set, names another font file (scripts/device_check.sh carries a subset of Noto Sans SC)."""
    override = os.environ.get("STUDIO_FONT")
    if override:
        if not Path(override).is_file():
            raise StudioError(f"STUDIO_FONT names '{override}', which is not a font file: fix or unset it")
        return Path(override)
    bundled = ASSETS_DIR / "fonts" / "NotoSansSC-Bold.otf"
    if bundled.exists():
        return bundled
    import pylopdf_fonts_zh_cn

    return Path(pylopdf_fonts_zh_cn.__file__).parent / "NotoSansSC-Regular.otf"


def fsync_folder(folder: Path) -> None:
    """Make a rename inside `folder` durable: POSIX syncs the folder's entry list; Windows cannot open
    a folder (and journals its renames), and some file systems cannot sync one: the rename itself is
    atomic either way."""
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
