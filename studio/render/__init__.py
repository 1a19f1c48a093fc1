"""Render stage: timeline -> frames -> MP4 (plus cover), CPU or GPU encoder."""
from .compositor import FrameRenderer, render_still
from .encode import QUALITY, EncodeResult, aigc_metadata, choose_encoder, rate_limits, render_video, write_cover
from .style import VideoStyle
from .layers import LAYER_KINDS, AiLabel, Clip, Headline, Inset, Layer, Photo, PriceTag, Title, layer_from_dict
from .timeline import AudioTrack, CaptionTrack, Timeline, build_timeline

__all__ = [
    "LAYER_KINDS", "AiLabel", "Clip", "Headline", "Inset", "Photo", "PriceTag", "Title", "layer_from_dict",
    "CaptionTrack", "AudioTrack", "aigc_metadata", "EncodeResult", "FrameRenderer", "Layer", "Timeline", "VideoStyle",
    "build_timeline", "choose_encoder", "render_still", "render_video", "write_cover", "QUALITY",
    "rate_limits",
]
