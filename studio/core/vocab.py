"""The studio's vocabulary, defined once: platforms (with their safe zones and delivery presets),
media kinds, languages, scene kinds, caption kinds and pipeline stages.

Every stage, the CLI and the app read these names from here; nothing else lists them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# ---------------------------------------------------------------- platforms


@dataclass(frozen=True)
class SafeZones:
    """Margins (px of a 1080x1920 frame) that a platform's own buttons and captions cover: key text
    stays clear of them. Third-party figures (see DESIGN.md), kept as presets per platform."""

    top: int
    bottom: int
    left: int
    right: int

    def scaled(self, scale: float) -> "SafeZones":
        return SafeZones(*(int(v * scale) for v in (self.top, self.bottom, self.left, self.right)))


@dataclass(frozen=True)
class Delivery:
    """How a video is delivered: a video bitrate cap and an optional file-size ceiling, on top of the
    quality preset. The studio's own conservative choices for uploads, not figures the platforms publish."""

    id: str
    maxrate: str
    max_mb: float | None = None


@dataclass(frozen=True)
class Platform:
    """A short-video platform a video is made for: its name, its safe zones, its delivery preset."""

    id: str
    name_zh: str
    name_en: str
    safe: SafeZones
    delivery: str  # a key of DELIVERIES
    aliases: tuple[str, ...] = ()  # how sheets write it (抖音, Douyin…)

    def name(self, language: str) -> str:
        return self.name_zh if language == "zh" else self.name_en


DELIVERIES: dict[str, Delivery] = {d.id: d for d in (
    Delivery("douyin", "12M"),
    Delivery("kuaishou", "12M"),
    Delivery("tiktok", "12M"),
    Delivery("channels", "12M"),
    Delivery("xiaohongshu", "12M"),
    Delivery("chat", "6M", max_mb=25),  # sent in a chat app: a small file first
)}

_DEFAULT_SAFE = SafeZones(top=220, bottom=440, left=60, right=170)
PLATFORMS: dict[str, Platform] = {p.id: p for p in (
    Platform("douyin", "抖音", "Douyin", _DEFAULT_SAFE, "douyin", ("抖音", "dy", "抖音电商")),
    Platform("kuaishou", "快手", "Kuaishou", SafeZones(200, 420, 60, 160), "kuaishou", ("快手", "ks")),
    Platform("tiktok", "TikTok", "TikTok", SafeZones(200, 440, 60, 170), "tiktok", ("tik tok", "tiktok shop")),
    Platform("channels", "视频号", "WeChat Channels", _DEFAULT_SAFE, "channels",
             ("视频号", "微信视频号", "wechat channels", "wechat")),
    Platform("xiaohongshu", "小红书", "Xiaohongshu", _DEFAULT_SAFE, "xiaohongshu", ("小红书", "xhs", "rednote", "red")),
)}
DEFAULT_PLATFORM = "douyin"


def platform_id(text: str | None) -> str | None:
    """The platform id for how a sheet or a user writes it (douyin, 抖音, Douyin…); None when unknown."""
    key = " ".join(str(text or "").strip().lower().split())
    if not key:
        return None
    for p in PLATFORMS.values():
        if key == p.id or key in (a.lower() for a in p.aliases) or key in (p.name_zh.lower(), p.name_en.lower()):
            return p.id
    return None


def platform(pid: str | None) -> Platform:
    """The platform `pid` names (an id or an alias); the default platform when it names none."""
    return PLATFORMS[platform_id(pid) or DEFAULT_PLATFORM]


# ---------------------------------------------------------------- media

PHOTO_EXTS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp"})
VIDEO_EXTS = frozenset({".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi"})
AUDIO_EXTS = frozenset({".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus", ".wma"})
VISUAL_EXTS = PHOTO_EXTS | VIDEO_EXTS  # what a product's image cells may name
PHOTO, CLIP, AUDIO = "photo", "clip", "audio"


def media_kind(path: str | Path) -> str | None:
    """'photo', 'clip' or 'audio' by the file's extension; None for anything else."""
    ext = Path(path).suffix.lower()
    if ext in PHOTO_EXTS:
        return PHOTO
    if ext in VIDEO_EXTS:
        return CLIP
    if ext in AUDIO_EXTS:
        return AUDIO
    return None


def is_clip(path: str | Path) -> bool:
    return media_kind(path) == CLIP


# ---------------------------------------------------------------- languages

LANGUAGES = ("zh", "en")
_LANGUAGE_ALIASES = {"zh": "zh", "中文": "zh", "汉语": "zh", "普通话": "zh", "cn": "zh", "zh-cn": "zh", "zh_cn": "zh",
                     "chinese": "zh", "mandarin": "zh", "简体中文": "zh",
                     "en": "en", "英文": "en", "英语": "en", "english": "en", "en-us": "en", "en_us": "en"}


def language_id(text: str | None) -> str | None:
    """'zh' or 'en' for how a sheet or a user writes a language (中文, English, zh-CN…); None when unknown."""
    return _LANGUAGE_ALIASES.get(str(text or "").strip().lower())


# ---------------------------------------------------------------- scripts, captions, stages

SCENE_KINDS = ("hook", "point", "proof", "offer", "cta")
CAPTION_KINDS = ("standard", "karaoke", "elder", "bilingual")
# the steps of one render, in order (studio/pipeline/steps.py); progress reports name them
STAGES = ("script", "imagery", "voice", "subtitles", "compose", "render", "finish")
