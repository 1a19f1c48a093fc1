"""Subtitles stage: Whisper transcription, script alignment, caption pages and caption files."""
from .align import align_lines, align_script
from .captions import build_captions
from .export import CAPTION_KINDS, CaptionStyle, contrast_ratio, write_ass, write_srt, write_vtt
from .sheet_forms import apply_sheet_forms, with_sheet_forms
from .whisper import ModelChoice, choose_model, priming_prompt, transcribe

__all__ = ["CAPTION_KINDS", "ModelChoice", "choose_model", "CaptionStyle", "contrast_ratio", "align_lines", "align_script", "build_captions", "priming_prompt", "transcribe", "apply_sheet_forms", "with_sheet_forms", "write_ass", "write_srt", "write_vtt"]
