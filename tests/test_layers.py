"""Typed timeline layers: one class per kind, a registry, validated on load; captions as a track."""
from __future__ import annotations

import json

import pytest

from studio.render import LAYER_KINDS, Clip, Photo, PriceTag, Timeline, VideoStyle, layer_from_dict
from studio.render.compositor import OVERLAYS, VISUAL_DRAWERS
from studio.render.timeline import CaptionTrack
from studio.subtitles import CaptionStyle
from studio.types import CaptionPage, Captions, Word

pytestmark = pytest.mark.unit


def test_every_registered_kind_has_a_drawer():
    for kind, cls in LAYER_KINDS.items():
        assert cls in (VISUAL_DRAWERS if cls.visual else OVERLAYS), kind


def test_layers_are_validated_when_made_and_when_loaded():
    with pytest.raises(ValueError, match="photo layer: zoom"):
        Photo(start=0, end=10, source="a.png", zoom=9)
    with pytest.raises(ValueError, match=r"empty or negative"):
        Clip(start=10, end=10, source="a.mp4")
    with pytest.raises(ValueError, match="unknown layer kind 'sparkle'"):
        layer_from_dict({"kind": "sparkle", "start": 0, "end": 5})
    with pytest.raises(ValueError, match="price layer: unknown field"):
        layer_from_dict({"kind": "price", "start": 0, "end": 5, "text": "¥9", "params": {}})
    tag = PriceTag(start=0, end=5, text="¥9.9", was="¥19")
    assert layer_from_dict(tag.to_dict()) == tag


def test_timeline_with_captions_round_trips_through_json(tmp_path):
    style = VideoStyle(font_path=tmp_path / "font.otf")
    page = CaptionPage(["保温杯"], 0.2, 1.0, [Word("保温杯", 0.2, 1.0)], [0])
    track = CaptionTrack(Captions([page], "zh", "script-aligned"), CaptionStyle(kind="karaoke"), (("保温杯", "Cup"),))
    tl = Timeline(30, 1080, 1920, 30, [Photo(start=0, end=30, source="a.png")], [], style, "zh", captions=track)
    again = Timeline.from_json(tl.to_json())
    assert again == tl and "captions 1 pages" in str(again)
    broken = json.loads(tl.to_json())
    broken["layers"][0]["zoom"] = "lots"
    with pytest.raises(ValueError, match="timeline layer 0"):
        Timeline.from_json(json.dumps(broken))
