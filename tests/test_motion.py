"""Motion: shots from few photos, transitions at scene boundaries, text in motion, cuts on beats, the
motion styles as template data."""
from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from studio.render import FrameRenderer, Shot, Transition, VideoStyle, build_timeline, motion_style
from studio.render.beats import BeatGrid, beat_grid, track_beats
from studio.render.compositor import counting_text
from studio.render.motion import PRESETS, motion_override, product_box
from studio.script import load_template
from studio.types import Captions, LineSpan, Product, Scene, Script, Voiceover
from studio.util import ASSETS_DIR

from .conftest import make_photo

MUSIC = ASSETS_DIR / "music" / "upbeat_loop.m4a"
W, H, FPS = 270, 480, 30


def _silence(path: Path, seconds: float) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\0\0" * int(seconds * 16000))
    return path


def _video(tmp_path: Path, photos: list[Path], seconds: float = 30.0, variant: int = 0, style: dict | None = None,
           music: Path | None = MUSIC):
    """A timeline for a product with these photos: a hook, four selling points, the price, a call to
    action, the scenes spread over `seconds` of narration."""
    product = Product(name="小熊保温杯", price=59.9, original_price=89, brand="小熊",
                      selling_points=["316不锈钢内胆", "保温12小时", "一键开盖", "只有260克"], images=photos)
    kinds = [("hook", "小熊保温杯"), ("point", "316不锈钢内胆"), ("point", "保温12小时"), ("point", "一键开盖"),
             ("point", "只有260克"), ("offer", ""), ("cta", "")]
    scenes = [Scene(kind, [f"第{k}句。"], image=k, overlay=overlay) for k, (kind, overlay) in enumerate(kinds)]
    script = Script(scenes, "zh", "t", "h", variant=variant)
    per = seconds / len(scenes)
    spans = [LineSpan(s.lines[0], 0.3 + k * per, 0.3 + (k + 0.8) * per, k) for k, s in enumerate(scenes)]
    voice = Voiceover(_silence(tmp_path / "v.wav", seconds + 0.6), 16000, seconds + 0.6, spans, "test")
    vs = VideoStyle.from_template(style or {}, width=W, height=H)
    return build_timeline(product, script, voice, Captions([], "zh", "test"), vs, music=music, fps=FPS)


def _mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


# ---------------------------------------------------------------- the motion style as data
@pytest.mark.unit
def test_motion_styles_are_presets_tuned_by_the_template():
    lively = motion_style({})
    assert lively.name == "lively" and lively.shot_seconds == tuple(PRESETS["lively"]["shot_seconds"])
    tuned = motion_style({"motion_style": "calm", "motion": {"shot_seconds": [3, 4], "transitions": {"hook": ["wipe"]}}})
    assert tuned.shot_seconds == (3.0, 4.0) and tuned.transitions_for("hook") == ("wipe",)
    assert tuned.transitions_for("point") == tuple(PRESETS["calm"]["transitions"]["point"])  # untouched keys stay
    with pytest.raises(ValueError, match="motion_style must be one of"):
        motion_style({"motion_style": "wild"})
    with pytest.raises(ValueError, match="unknown motion key"):
        motion_style({"motion": {"shot_secs": [1, 2]}})
    with pytest.raises(ValueError, match="motion.transitions.point"):
        motion_style({"motion": {"transitions": {"point": ["spin"]}}})
    with pytest.raises(ValueError, match="shot_seconds"):
        motion_style({"motion": {"shot_seconds": [3, 1]}})
    # what the app sets to switch styles: the preset, without the template's own tuning
    merged = {**{"motion_style": "lively", "motion": {"shot_seconds": [1.2, 1.3]}}, **motion_override("calm")}
    assert motion_style(merged).shot_seconds == tuple(PRESETS["calm"]["shot_seconds"])


@pytest.mark.unit
def test_every_bundled_template_has_its_own_motion_and_the_tutorials_stay_calm():
    from studio.util import TEMPLATES_DIR

    styles = {}
    for folder in sorted(p for p in TEMPLATES_DIR.iterdir() if (p / "template.yaml").exists()):
        t = load_template(folder)
        assert "motion_style" in t.meta["style"], f"{t.name} does not choose a motion style"
        styles[t.name] = motion_style(t.style)
    for name in ("zh_elder_tutorial", "en_easy_tutorial"):
        m = styles[name]
        used = {k for _, kinds in m.transitions for k in kinds}
        assert m.shot_seconds[0] >= 2.5 and not used & {"whip", "zoom"}, name
    assert styles["zh_digital_flash"].shot_seconds[1] < styles["zh_promo"].shot_seconds[1]
    assert len({(m.name, m.shot_seconds, m.title_enter, m.transitions) for m in styles.values()}) >= 6


@pytest.mark.unit
def test_a_bad_motion_key_in_a_template_names_the_file_and_line(tmp_path):
    from studio.script.templates import TemplateError

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "template.yaml").write_text("name: mine\nlanguage: zh\nstyle:\n  motion_style: lively\n"
                                          "  motion: {title_enter: spin}\n", encoding="utf-8")
    (folder / "script.j2").write_text("[hook]\n你好。\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"line 5.*title_enter must be one of"):
        load_template(folder)


# ---------------------------------------------------------------- shots from few photos
@pytest.mark.unit
def test_one_photo_gives_thirty_seconds_of_many_different_shots(tmp_path):
    photo = make_photo(tmp_path / "cup.png", size=(800, 800))
    tl = _video(tmp_path, [photo], 30.0)
    shots = sorted((l for l in tl.layers if isinstance(l, Shot)), key=lambda l: l.start)
    lengths = [(b.start - a.start) / FPS for a, b in zip(shots, shots[1:])]
    lo, hi = tl.style.motion.shot_seconds
    assert len(shots) >= 12 and max(lengths) <= hi + 0.2 and min(lengths) >= lo * 0.75 - 0.2, lengths
    renderer = FrameRenderer(tl)
    middles = [renderer.frame((s.start + s.end) // 2) for s in shots]
    distinct: list[np.ndarray] = []
    for m in middles:  # a shot counts when its picture differs clearly from every one counted before
        if all(_mad(m, d) > 6 for d in distinct):
            distinct.append(m)
    assert len(distinct) >= 10, f"{len(distinct)} visibly different shots of {len(shots)}"
    assert len({s.label for s in shots}) >= 5  # push-in, detail, pan, card, grid…


@pytest.mark.unit
def test_crops_keep_the_product_and_not_the_centre(tmp_path):
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (1200, 800), (240, 240, 240))
    ImageDraw.Draw(im).rectangle((820, 200, 1000, 700), fill=(200, 30, 30))  # the product, off to the right
    im.save(tmp_path / "side.png")
    box = product_box(tmp_path / "side.png")
    assert 0.66 < box.box[0] < 0.7 and 0.82 < box.box[2] < 0.86
    tl = _video(tmp_path, [tmp_path / "side.png"], 12.0)
    renderer = FrameRenderer(tl)
    full = [l for l in tl.layers if isinstance(l, Shot) and l.layout == "full" and l.label in ("full", "push-in")]
    assert full
    for shot in full:
        frame = renderer.frame((shot.start + shot.end) // 2)
        red = (frame[:, :, 0] > 150) & (frame[:, :, 1] < 80)
        assert red.mean() > 0.1, f"{shot.label}: the product is not in the picture"


@pytest.mark.unit
def test_variants_choose_shots_differently(tmp_path):
    photos = [make_photo(tmp_path / "a.png"), make_photo(tmp_path / "b.png", color=(200, 40, 40))]
    a = [(l.label, l.sources) for l in _video(tmp_path, photos, 20.0, variant=0).layers if isinstance(l, Shot)]
    b = [(l.label, l.sources) for l in _video(tmp_path, photos, 20.0, variant=1).layers if isinstance(l, Shot)]
    assert a != b
    assert a == [(l.label, l.sources) for l in _video(tmp_path, photos, 20.0, variant=0).layers
                 if isinstance(l, Shot)]  # and the same variant is the same video again


# ---------------------------------------------------------------- transitions
@pytest.mark.unit
def test_scene_boundaries_get_transitions_and_not_every_cut_does(tmp_path):
    tl = _video(tmp_path, [make_photo(tmp_path / "a.png")], 30.0)
    cuts = tl.cuts()
    moves = [l for l in tl.layers if isinstance(l, Transition)]
    assert moves and len(moves) < len(cuts)  # never on every cut
    assert len({m.style for m in moves}) >= 2


@pytest.mark.unit
@pytest.mark.parametrize("style", ["crossfade", "push", "slide", "zoom", "whip", "wipe"])
def test_a_transition_moves_from_one_picture_to_the_other(tmp_path, style):
    from PIL import Image, ImageDraw

    from studio.render import AudioTrack, Timeline

    red, blue = str(tmp_path / "r.png"), str(tmp_path / "b.png")
    for path, colour in ((red, (220, 30, 30)), (blue, (30, 60, 220))):  # two pictures different all over
        im = Image.new("RGB", (540, 960), colour)
        ImageDraw.Draw(im).ellipse((150, 300, 390, 660), fill=(250, 250, 250))
        im.save(path)

    layers = [Shot(start=0, end=18, sources=(red,)), Shot(start=12, end=30, sources=(blue,)),
              Transition(start=12, end=18, style=style, direction="right")]
    tl = Timeline(FPS, W, H, 30, layers, [AudioTrack("voice", "v.wav")], VideoStyle.from_template({}, width=W, height=H))
    r = FrameRenderer(tl)
    before, after = r.frame(11), r.frame(18)
    assert _mad(before, after) > 10
    inside = [r.frame(n) for n in range(12, 18)]
    # every frame under the transition is a new picture: neither the outgoing nor the incoming one
    mid = inside[2]  # a little before halfway
    apart = _mad(before, after)
    assert _mad(mid, before) > 0.15 * apart and _mad(mid, after) > 0.15 * apart, style
    # and it travels: closer to the incoming picture at the end than at the start
    assert _mad(inside[-1], after) < _mad(inside[0], after)


# ---------------------------------------------------------------- text in motion
def _ink(frame: np.ndarray, bare: np.ndarray) -> np.ndarray:
    return np.abs(frame.astype(np.int16) - bare.astype(np.int16)).sum(axis=2) > 40


@pytest.mark.unit
@pytest.mark.parametrize("enter", ["pop", "slide_up", "stagger", "stamp", "fade"])
def test_titles_enter_with_motion(tmp_path, enter):
    from studio.render import AudioTrack, Timeline, Title

    photo = str(make_photo(tmp_path / "p.png", size=(540, 960)))
    shot = Shot(start=0, end=30, sources=(photo,))
    title = Title(start=0, end=30, z=2, text="保温杯不锈钢内胆", enter=enter, enter_frames=10, exit="fade", exit_frames=6)
    style = VideoStyle.from_template({}, width=W, height=H)
    with_title = FrameRenderer(Timeline(FPS, W, H, 30, [shot, title], [], style))
    bare = FrameRenderer(Timeline(FPS, W, H, 30, [shot], [], style))
    ink = {n: _ink(with_title.frame(n), bare.frame(n)) for n in (1, 4, 12, 20, 27)}
    at_rest = ink[12].sum()
    assert at_rest > 200
    assert ink[1].sum() < 0.8 * at_rest or (enter == "stamp" and ink[1].sum() > 1.2 * at_rest), enter
    assert abs(int(ink[20].sum()) - int(at_rest)) < 0.05 * at_rest  # settled
    assert ink[27].sum() < 0.9 * at_rest  # leaving
    ys, xs = np.nonzero(ink[12])
    if enter == "slide_up":
        assert np.nonzero(ink[4])[0].mean() > ys.mean() + 2  # still below its place
    if enter == "stagger":
        early = np.nonzero(ink[4])[1]
        assert early.max() < xs.max() - 20  # the last characters are not in yet


@pytest.mark.unit
def test_the_price_counts_up_and_numbers_are_emphasised(tmp_path):
    assert counting_text("¥80.0", 0.5) == "¥40.0" and counting_text("¥59.9", 1.0) == "¥59.9"
    assert counting_text("$1,299", 0.0) == "$0"
    tl = _video(tmp_path, [make_photo(tmp_path / "a.png")], 20.0)
    tags = [l for l in tl.layers if l.kind == "price"]
    assert tags and tags[0].enter == "count" and tags[0].enter_frames >= 10
    heads = [l for l in tl.layers if l.kind == "headline"]
    assert ("12小时" in h.emphasis for h in heads) and any("316" in h.emphasis for h in heads)
    title = next(l for l in tl.layers if l.kind == "title")
    assert "小熊" in title.emphasis  # the brand
    stickers = [l for l in tl.layers if l.kind == "sticker"]
    assert {s.icon for s in stickers} >= {"clock", "shield"}


# ---------------------------------------------------------------- beats
def test_librosa_finds_the_beats_of_a_click_track(tmp_path, monkeypatch):
    """The tracker, run for real (no cache, no sidecar), on a 120 BPM click track made here."""
    import subprocess

    from studio.util import ffmpeg_exe

    sr, bpm = 22050, 120
    x = np.zeros(int(sr * 12), np.float32)
    for k in range(int(12 * bpm / 60)):
        i = int(k * 60 / bpm * sr) + int(0.1 * sr)
        x[i:i + 400] += np.hanning(400) * np.sin(np.arange(400) * 0.6) * 0.8
    wav = tmp_path / "click.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes((x * 32767).astype("<i2").tobytes())
    m4a = tmp_path / "click.m4a"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(wav), "-c:a", "aac", str(m4a)], check=True)
    beats, tempo, length = track_beats(m4a)
    assert abs(tempo - bpm) < 3 and abs(length - 12) < 0.1
    clicks = 0.1 + np.arange(24) * 0.5
    off = np.array([np.min(np.abs(clicks - b)) for b in beats])
    assert len(beats) >= 20 and np.median(off) < 0.04, off  # on the clicks, not only at their pace
    grid = beat_grid(m4a, 30)  # looped as the mix loops it
    assert grid.times[-1] > 29 and np.all(np.diff(grid.times) > 0.25)


_TRACK_IN_A_PROCESS = """
import sys
from pathlib import Path
from studio.render.beats import track_beats
beats, tempo, length = track_beats(Path(sys.argv[1]))
print(len(beats), round(tempo))
"""


@pytest.mark.ffmpeg
def test_processes_tracking_beats_at_once_on_a_fresh_install_all_live(tmp_path):
    """Four workers compiling librosa's numba code at once on a cold cache, then a fifth loading it.

    Without one writer at a time numba's cache came out corrupt and the processes that loaded it
    died of a segmentation fault (CI, a two-node farm on a fresh install)."""
    import os
    import subprocess
    import sys

    sr = 22050
    x = np.zeros(sr * 6, np.float32)
    for k in range(12):
        i = int(k * 0.5 * sr)
        x[i:i + 400] += np.hanning(400) * 0.8
    wav = tmp_path / "click.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes((x * 32767).astype("<i2").tobytes())
    env = {**os.environ, "STUDIO_HOME": str(tmp_path / "home"), "STUDIO_CACHE": "off"}
    env.pop("NUMBA_CACHE_DIR", None)
    root = str(Path(__file__).resolve().parents[1])

    def start():
        return subprocess.Popen([sys.executable, "-c", _TRACK_IN_A_PROCESS, str(wav)], env=env, cwd=root,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    at_once = [start() for _ in range(4)]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in at_once]
    after = start()
    results.append((after.wait(timeout=300), after.stdout.read(), after.stderr.read()))
    assert [rc for rc, _, _ in results] == [0] * 5, results
    assert all(out.split()[1] == "120" for _, out, _ in results), results
    assert list((tmp_path / "home" / "numba").rglob("*.nbi")), "numba's cache is in the studio's folder"


@pytest.mark.unit
def test_cuts_and_text_land_on_beats(tmp_path):
    tl = _video(tmp_path, [make_photo(tmp_path / "a.png"), make_photo(tmp_path / "b.png", color=(200, 40, 40))], 30.0)
    beats = np.asarray(tl.beats.times)
    assert len(beats) > 40 and tl.beats.source.endswith("upbeat_loop.m4a")
    cuts = np.asarray(tl.cuts()) / FPS
    offsets = np.array([np.min(np.abs(beats - c)) for c in cuts])
    tolerance = tl.style.motion.beat_snap_ms / 1000
    assert np.median(offsets) <= 0.5 / FPS + 1e-6, offsets  # on the beat's frame
    assert np.all(offsets <= tolerance + 0.5 / FPS), offsets
    entrances = np.asarray([l.start for l in tl.layers if l.kind in ("title", "headline", "price", "sticker")
                            and l.start > 0]) / FPS
    on_beat = np.array([np.min(np.abs(beats - t)) for t in entrances])
    assert np.median(on_beat) <= 0.5 / FPS + 1e-6


@pytest.mark.unit
def test_without_music_the_cuts_keep_the_style_rhythm(tmp_path):
    tl = _video(tmp_path, [make_photo(tmp_path / "a.png")], 20.0, music=None)
    assert tl.beats == BeatGrid(())
    shots = sorted((l for l in tl.layers if isinstance(l, Shot)), key=lambda l: l.start)
    assert len(shots) >= 8


@pytest.mark.unit
def test_the_still_style_is_one_shot_a_scene(tmp_path):
    tl = _video(tmp_path, [make_photo(tmp_path / "a.png")], 20.0, style={"motion_style": "still"})
    assert len([l for l in tl.layers if isinstance(l, Shot)]) == 7
    assert not [l for l in tl.layers if isinstance(l, Transition)]


@pytest.mark.ffmpeg
def test_the_rendered_mp4_is_cut_on_the_beat(tmp_path):
    """From the MP4 alone (the project's measuring script: PySceneDetect, frame differences): the
    hard cuts are found, they sit on the music's beats, and nearly every frame moves."""
    import importlib.util

    from studio.render import render_video
    from studio.util import TEMPLATES_DIR

    spec = importlib.util.spec_from_file_location("measure_motion", TEMPLATES_DIR.parent / "scripts" / "measure_motion.py")
    measure_motion = importlib.util.module_from_spec(spec)
    import sys

    sys.modules.setdefault("measure_motion", measure_motion)  # its dataclasses look their module up
    spec.loader.exec_module(measure_motion)
    photos = [make_photo(tmp_path / "a.png", size=(800, 800)),
              make_photo(tmp_path / "b.png", color=(200, 40, 40), size=(800, 800))]
    tl = _video(tmp_path, photos, 14.0)
    out = tmp_path / "cut.mp4"
    render_video(tl, out, tmp_path / "work", quality="draft", encoder="libx264")
    fig = measure_motion.measure(out, tmp_path / "sheets", music=MUSIC)
    hard = len(tl.cuts()) - len([l for l in tl.layers if isinstance(l, Transition)])
    assert fig.shot_changes >= 0.6 * hard, (fig.cuts_s, [c / FPS for c in tl.cuts()])
    assert fig.cut_beat_median_ms is not None and fig.cut_beat_median_ms <= 40
    assert fig.motion_share >= 0.8
    assert Path(fig.contact_sheet).is_file()


@pytest.mark.ffmpeg
def test_a_clip_scene_plays_the_footage_cuts_to_the_product_and_shows_it_in_a_window(tmp_path):
    import subprocess

    from studio.render import Clip
    from studio.util import ffmpeg_exe

    clip = tmp_path / "street.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30:d=3",
                    "-c:v", "libx264", "-preset", "ultrafast", str(clip)], check=True)
    photo = make_photo(tmp_path / "cup.png", color=(220, 30, 30))
    product = Product(name="保温杯", price=59.9, images=[clip, photo])
    scenes = [Scene("point", ["保温十二小时。"], image=0, overlay="保温12小时"), Scene("cta", ["快来买。"], image=1)]
    script = Script(scenes, "zh", "t", "h")
    voice = Voiceover(_silence(tmp_path / "v.wav", 9.0), 16000, 9.0,
                      [LineSpan("保温十二小时。", 0.2, 7.0, 0), LineSpan("快来买。", 7.2, 8.8, 1)], "t")
    style = VideoStyle.from_template({}, width=W, height=H)
    tl = build_timeline(product, script, voice, Captions([], "zh", "test"), style, music=MUSIC, fps=FPS)
    first = sorted((l for l in tl.layers if l.visual and l.kind != "transition" and l.start < 200),
                   key=lambda l: l.start)[:3]
    assert [l.kind for l in first] == ["clip", "shot", "clip"]
    assert not first[0].window and first[2].window and first[2].backdrop == str(photo)
    assert first[2].clip_start > first[0].clip_start  # the footage plays on
    r = FrameRenderer(tl)
    frame = r.frame((first[2].start + first[2].end) // 2)
    x0, y0, x1, y1 = first[2].window
    inside = frame[int(y0 * H) + 4:int(y1 * H) - 4, int(x0 * W) + 4:int(x1 * W) - 4]
    outside = frame[int(y0 * H) + 4:int(y1 * H) - 4, : int(x0 * W) - 4]
    assert inside.std() > 30 and np.abs(inside.mean(axis=(0, 1)) - outside.mean(axis=(0, 1))).mean() > 10
    r.close()


@pytest.mark.ffmpeg
def test_karaoke_words_pop_as_they_are_spoken(tmp_path):
    """libass animates the pop: a word is wider just after it starts than once it has settled; the
    calm style's captions keep still."""
    import subprocess

    from studio.render.captions import FONTS_DIR
    from studio.subtitles import write_ass
    from studio.types import CaptionPage, Word
    from studio.util import cjk_font_path, ffmpeg_exe

    words = [Word("保温", 0.0, 0.5), Word("十二", 0.5, 1.0), Word("小时", 1.0, 1.5)]
    captions = Captions([CaptionPage(["保温十二小时"], 0.0, 1.5, words, [0])], "zh", "test")
    (tmp_path / FONTS_DIR).mkdir()
    (tmp_path / FONTS_DIR / cjk_font_path().name).symlink_to(cjk_font_path())

    def ink_width(style_keys: dict, t: float) -> int:
        vs = VideoStyle.from_template(style_keys, width=540, height=960)
        write_ass(captions, tmp_path / "c.ass", vs.caption_style(), 540, 960)
        raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=540x960:d=2:r=25",
                              "-vf", f"subtitles=c.ass:fontsdir={FONTS_DIR}", "-ss", f"{t:.3f}", "-frames:v", "1",
                              "-f", "rawvideo", "-pix_fmt", "gray", "-"], cwd=tmp_path, capture_output=True,
                             check=True).stdout
        cols = np.nonzero((np.frombuffer(raw, np.uint8).reshape(960, 540) > 60).any(axis=0))[0]
        return int(cols.max() - cols.min())

    assert "\\t(500,570,\\fscx112" in (write_ass(captions, tmp_path / "c.ass", VideoStyle.from_template(
        {}, width=540, height=960).caption_style(), 540, 960) or (tmp_path / "c.ass").read_text(encoding="utf-8"))
    popping, settled = ink_width({}, 0.56), ink_width({}, 0.9)
    assert popping > settled + 2, (popping, settled)
    calm = {"motion_style": "calm"}
    assert "\\t(" not in (write_ass(captions, tmp_path / "c.ass", VideoStyle.from_template(
        calm, width=540, height=960).caption_style(), 540, 960) or (tmp_path / "c.ass").read_text(encoding="utf-8"))
    assert abs(ink_width(calm, 0.56) - ink_width(calm, 0.9)) <= 1
