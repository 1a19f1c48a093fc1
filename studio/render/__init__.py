"""Render stage: timeline -> frames -> MP4 (plus cover), CPU or GPU encoder."""
from .compositor import FrameRenderer, render_still
from .encode import QUALITY, EncodeResult, aigc_metadata, choose_encoder, rate_limits, render_video, write_cover
from .style import VideoStyle
from .layers import (LAYER_KINDS, AiLabel, Clip, Headline, Inset, Layer, Photo, PriceTag, Shot, Sticker, Title, Transition,
                     layer_from_dict)
from .beats import BeatGrid, beat_grid
from .motion import MOTION_STYLES, MotionStyle, motion_override, motion_style
from .timeline import AudioTrack, CaptionTrack, Timeline, build_timeline

__all__ = [
    "LAYER_KINDS", "AiLabel", "Clip", "Headline", "Inset", "Photo", "PriceTag", "Shot", "Sticker", "Title", "Transition",
    "layer_from_dict", "BeatGrid", "beat_grid", "MOTION_STYLES", "MotionStyle", "motion_override", "motion_style",
    "CaptionTrack", "AudioTrack", "aigc_metadata", "EncodeResult", "FrameRenderer", "Layer", "Timeline", "VideoStyle",
    "build_timeline", "choose_encoder", "render_still", "render_video", "write_cover", "QUALITY",
    "rate_limits",
]
