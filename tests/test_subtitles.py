"""Subtitles stage: alignment and caption rules on synthetic transcripts; Whisper on real speech."""
import difflib
import re
from pathlib import Path

import pytest

from studio.subtitles import build_captions, transcribe, write_ass, write_srt, write_vtt
from studio.subtitles.align import WHISPER_LAG_S, align_script, tokenize
from studio.subtitles.captions import break_lines
from studio.types import LineSpan, Transcript, Voiceover, Word
from studio.util import StudioError, cjk_font_path

LINES = ["还在找好用的保温杯吗？", "现在只要59.9元，前100名下单送杯套！", "喜欢的话，点击下方链接马上下单吧！"]


def _voiceover(lines=LINES, per_char=0.22, pause=0.3) -> Voiceover:
    spans, t = [], 0.15
    for i, line in enumerate(lines):
        n = len(tokenize(line, "zh"))
        spans.append(LineSpan(line, t, t + n * per_char, i))
        t += n * per_char + pause
    return Voiceover(Path("unused.wav"), 24000, t + 0.2, spans, "test")


def _heard(vo: Voiceover, edit=lambda line: line, drift=0.0) -> Transcript:
    """A transcript as Whisper might give it: per-character words with typos from `edit`."""
    words = []
    for span in vo.lines:
        text = edit(span.text)
        toks = tokenize(text, "zh")
        step = (span.end - span.start) / max(1, len(toks))
        for i, tok in enumerate(toks):
            words.append(Word(tok, span.start + i * step + drift, span.start + (i + 1) * step + drift))
    return Transcript(words, "".join(w.text for w in words), "zh", "test", "test")


def _assert_sane(vo: Voiceover, caps) -> None:
    shown = "".join(p.text.replace("\n", "") for p in caps.pages)
    assert re.sub(r"\W", "", shown) == re.sub(r"\W", "", "".join(vo.lines[i].text for i in range(len(vo.lines))))
    prev_end = 0.0
    for p in caps.pages:
        assert p.end > p.start >= prev_end - 1e-9, p
        prev_end = p.end
        assert len(p.lines) <= 2
        for line in p.lines:
            assert len(re.sub(r"\W", "", line)) <= 16 and not re.match(r"^[，。！？、；：,.!?]", line)
        for a, b in zip(p.words, p.words[1:]):
            assert a.start < b.start and a.end > a.start
    assert prev_end <= vo.duration


@pytest.mark.unit
@pytest.mark.parametrize("edit", [
    lambda s: s,  # perfect
    lambda s: s.replace("保温", "宝温").replace("套", "桐"),  # homophone typos
    lambda s: s.replace("59.9", "五十九点九").replace("100", "一百"),  # number forms
    lambda s: s[: 2 * len(s) // 3],  # Whisper dropped the end of each line
    lambda s: "嗯" + s + "啊",  # extra words
])
def test_script_words_with_whisper_times(edit):
    vo = _voiceover()
    caps = build_captions(vo, _heard(vo, edit), "zh")
    assert caps.source == "script-aligned"
    _assert_sane(vo, caps)
    for page in caps.pages:  # every word inside its own line's span
        span = next(s for s in vo.lines if s.start - 1e-6 <= page.words[0].start <= s.end)
        assert page.words[-1].end <= span.end + 1e-6


@pytest.mark.unit
@pytest.mark.parametrize("edit, min_score", [
    (lambda s: s, 1.0),
    (lambda s: s.replace("59.9", "五十九点九").replace("100", "一百"), 1.0),  # numbers count as heard
    (lambda s: s.replace("找", "照").replace("链接", "连结"), 0.85),
])
def test_align_script_tokens_timed_inside_their_lines(edit, min_score):
    vo = _voiceover()
    words, score = align_script(vo, _heard(vo, edit), "zh")
    assert score >= min_score
    assert "".join(w.text for w in words) == "".join(LINES)
    assert words[0].text == "还" and words[4].text == "用" and words[9].text == "吗？"  # punctuation rides along
    k = 0
    for span in vo.lines:
        for w in words[k:k + len(tokenize(span.text, "zh"))]:
            assert span.start - 1e-9 <= w.start < w.end <= span.end + 1e-9 and w.end - w.start >= 0.039
        k += len(tokenize(span.text, "zh"))
    assert all(a.start < b.start and a.end <= b.end for a, b in zip(words, words[1:]))


@pytest.mark.unit
def test_english_script_alignment_keeps_script_words():
    lines = ["Heavy cotton canvas", "that lasts for years."]
    vo = Voiceover(Path("x.wav"), 22050, 4.0, [LineSpan(lines[0], 0.1, 1.6), LineSpan(lines[1], 1.9, 3.6)], "t")
    heard = [Word("Heavy", 0.12, 0.5), Word("cottin", 0.5, 0.9), Word("canvas,", 0.9, 1.5),
             Word("that", 1.95, 2.2), Word("last", 2.2, 2.6), Word("for", 2.6, 2.8), Word("years.", 2.8, 3.5)]
    words, score = align_script(vo, Transcript(heard, "", "en", "t", "t"), "en")
    assert [w.text for w in words] == "Heavy cotton canvas that lasts for years.".split() and score > 0.6
    lag = WHISPER_LAG_S["en"]  # Whisper's measured lead, undone; a line's first word starts with its audio
    assert words[1].start == pytest.approx(0.5 + lag) and words[3].start == pytest.approx(1.9)
    caps = build_captions(vo, Transcript(heard, "", "en", "t", "t"), "en")
    assert [p.text for p in caps.pages] == ["Heavy cotton canvas", "that lasts for years"]


@pytest.mark.unit
def test_slow_line_is_split_into_pages_of_at_most_max_duration():
    vo = _voiceover(per_char=0.6)  # 19 tokens * 0.6 s = 11 s for the second line
    caps = build_captions(vo, _heard(vo), "zh")
    _assert_sane(vo, caps)
    assert all(p.end - p.start <= 7.0 + 1e-9 for p in caps.pages)


@pytest.mark.unit
def test_cut_repetition_loop():
    from studio.subtitles.whisper import _cut_loop

    words = [Word(c, i, i + 1) for i, c in enumerate("甚至出现交易我认认认认论论论论论")]
    assert "".join(w.text for w in _cut_loop(words)) == "甚至出现交易我"
    assert _cut_loop([Word(c, 0, 1) for c in "请问问问问问问"]) == []


@pytest.mark.unit
def test_timing_never_drifts_across_lines():
    vo = _voiceover()
    caps = build_captions(vo, _heard(vo, drift=0.8), "zh")  # Whisper 0.8 s late everywhere
    _assert_sane(vo, caps)
    for page in caps.pages:
        assert any(s.start - 1e-6 <= page.start and page.end <= s.end + 1e-6 + 5 / 6 for s in vo.lines)


@pytest.mark.unit
def test_unrelated_audio_falls_back_to_what_was_heard():
    vo = _voiceover()
    heard = _heard(vo, lambda s: "今天天气很好我们出去玩" )
    caps = build_captions(vo, heard, "zh")
    assert caps.source == "transcript" and caps.warnings and caps.alignment_score < 0.5
    assert all(p.end > p.start for p in caps.pages)


@pytest.mark.unit
def test_aligned_times_are_never_all_zero():
    vo = _voiceover()
    heard = Transcript([Word(c, 0.0, 0.0) for c in "还在找好用的"], "还在找好用的", "zh", "t", "t")
    words, _ = align_script(vo, heard, "zh")
    starts = [w.start for w in words]
    assert starts == sorted(starts) and len(set(starts)) == len(starts) and starts[0] >= vo.lines[0].start


@pytest.mark.unit
def test_line_breaking_measures_pixels_and_prefers_punctuation():
    tokens = tokenize("今天给大家推荐一款保温杯，保温十二小时，单手就能打开。", "zh")
    lines = break_lines(tokens, "zh", max_width_px=800, font_path=cjk_font_path(), font_size=62)
    texts = ["".join(tokens[i] for i in line) for line in lines]
    from PIL import ImageFont

    font = ImageFont.truetype(str(cjk_font_path()), 62)
    assert all(font.getlength(t.rstrip("，。")) <= 800 for t in texts)
    assert texts[0].endswith("，")


def _cue_times(text: str, pattern: str) -> list[tuple[float, float]]:
    def sec(h, m, s, frac):
        return int(h) * 3600 + int(m) * 60 + int(s) + int(frac) / 10 ** len(frac)

    return [(sec(*m[:4]), sec(*m[4:])) for m in re.findall(pattern, text)]


@pytest.mark.unit
def test_caption_files(tmp_path: Path):
    vo = _voiceover()
    caps = build_captions(vo, _heard(vo), "zh")
    write_srt(caps, tmp_path / "c.srt")
    write_vtt(caps, tmp_path / "c.vtt")
    write_ass(caps, tmp_path / "c.ass")
    srt = (tmp_path / "c.srt").read_text(encoding="utf-8")
    vtt = (tmp_path / "c.vtt").read_text(encoding="utf-8")
    ass = (tmp_path / "c.ass").read_text(encoding="utf-8")
    assert srt.startswith("1\n00:00:00,150 --> ") and "保温杯" in srt
    assert vtt.startswith("WEBVTT\n\n")
    assert "Style: Caption,Noto Sans SC" in ass and "{\\k" in ass and "PlayResY: 1920" in ass
    for text, pattern in [
        (srt, r"(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})"),
        (vtt, r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})"),
        (ass, r"Dialogue: 0,(\d):(\d\d):(\d\d)\.(\d\d),(\d):(\d\d):(\d\d)\.(\d\d),"),
    ]:
        cues = _cue_times(text, pattern)
        assert len(cues) == len(caps.pages)
        assert all(a < b for a, b in cues) and all(b1 <= a2 + 0.01 for (_, b1), (a2, _) in zip(cues, cues[1:]))
    blocks = srt.strip().split("\n\n")
    assert [b.split("\n")[0] for b in blocks] == [str(i) for i in range(1, len(caps.pages) + 1)]
    assert [b.split("\n", 2)[2] for b in blocks] == [p.text for p in caps.pages]
    karaoke = re.sub(r"\{\\k\d+\}", "", ass.split("Dialogue:")[1].split(",", 9)[9].strip())
    assert karaoke.replace("\\N", "\n") == caps.pages[0].text


@pytest.fixture(scope="module")
def english_speech(tmp_path_factory) -> tuple[Path, str]:
    from studio.voice import synthesize

    # "Heavy cotton canvas that lasts for years." was misheard ("cotton candy step", "can this") in 3
    # of 25 random takes of the slow voice and failed CI once; this plain sentence was heard word for
    # word in 25 of 25 (takes are now fixed: Piper's noise comes from a seeded block)
    text = "This water bottle keeps your drink cold all day long."
    path = tmp_path_factory.mktemp("asr") / "en.wav"
    synthesize([text], "en", path, voice="en-joe-slow")
    return path, text


@pytest.mark.models
def test_faster_whisper_hears_the_voice(english_speech):
    path, text = english_speech
    progress = []
    heard = transcribe(path, "en", on_progress=progress.append)
    assert progress and progress[-1] == 1.0 and progress == sorted(progress)
    assert heard.engine == "faster-whisper" and heard.words
    starts = [w.start for w in heard.words]
    assert starts == sorted(starts)
    plain = lambda s: re.sub(r"[^a-z ]", "", s.lower()).split()
    assert difflib.SequenceMatcher(None, plain(heard.text), plain(text)).ratio() >= 0.8


@pytest.mark.models
def test_chinese_output_is_simplified(tmp_path: Path):
    from studio.voice import synthesize

    path = tmp_path / "zh.wav"
    synthesize(["这个保温杯很轻。"], "zh", path)
    heard = transcribe(path, "zh")
    from studio.subtitles.whisper import to_simplified

    assert heard.text == to_simplified(heard.text) and heard.language == "zh"


@pytest.mark.models
def test_cancel_stops_transcription(english_speech):
    from studio.util import CancelToken, Cancelled

    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        transcribe(english_speech[0], "en", cancel=token)


@pytest.mark.unit
def test_model_assembly_is_atomic_and_idempotent(tmp_path, monkeypatch):
    from studio.models_setup import ensure_whisper_base

    monkeypatch.setenv("STUDIO_HOME", str(tmp_path))
    first = ensure_whisper_base()
    assert first == tmp_path / "models" / "whisper-base-ct2" and (first / "model.bin").stat().st_size > 100e6
    mtime = (first / "model.bin").stat().st_mtime_ns
    assert ensure_whisper_base() == first and (first / "model.bin").stat().st_mtime_ns == mtime
    assert [p.name for p in first.parent.iterdir()] == ["whisper-base-ct2"]  # no temp folders left


@pytest.mark.unit
def test_openai_whisper_needs_a_checkpoint_or_ct2_folder(english_speech, tmp_path):
    (tmp_path / "model.bin").write_bytes(b"")
    with pytest.raises(StudioError, match=r"\.pt"):
        transcribe(english_speech[0], "en", engine="openai-whisper", model=tmp_path / "model.bin")
    with pytest.raises(StudioError, match="unknown Whisper engine"):
        transcribe(english_speech[0], "en", engine="vosk")


@pytest.mark.models
def test_ct2_model_converts_to_an_openai_checkpoint_that_hears_and_cancels(english_speech):
    """The built-in CTranslate2 base, converted once to .pt (cached in the data folder), run by
    openai-whisper: the words, word times, progress, and cancel at the window boundary."""
    from studio.subtitles.convert import ensure_openai_checkpoint
    from studio.util import CancelToken, Cancelled

    checkpoint = ensure_openai_checkpoint()
    assert checkpoint.suffix == ".pt" and checkpoint.stat().st_size > 100e6
    assert ensure_openai_checkpoint() == checkpoint  # reused
    path, text = english_speech
    progress = []
    heard = transcribe(path, "en", engine="openai-whisper", on_progress=progress.append, temperatures=(0.0,))
    assert heard.engine == "openai-whisper" and heard.model == str(checkpoint) and progress[-1] == 1.0
    plain = lambda s: re.sub(r"[^a-z ]", "", s.lower()).split()
    assert difflib.SequenceMatcher(None, plain(heard.text), plain(text)).ratio() >= 0.8
    assert [w.start for w in heard.words] == sorted(w.start for w in heard.words) and heard.words[-1].end > 1.0
    # cancel is honoured where openai-whisper's loop reports a finished 30 s window
    import whisper  # noqa: F401
    import sys

    from studio.subtitles.whisper import _progress

    bar_class = sys.modules["whisper.transcribe"].tqdm.tqdm  # our stand-in, installed by the run above
    token, seen = CancelToken(), []
    _progress.hooks = (token, seen.append)
    try:
        with bar_class(total=3000, unit="frames", disable=False) as bar:
            bar.update(1500)
            token.cancel()
            with pytest.raises(Cancelled):
                bar.update(1500)
    finally:
        _progress.hooks = (None, None)
    assert seen == [0.5, 1.0]


def _frame_with(ass: Path, tmp_path: Path, t: float):
    """One 1080x1920 frame with the captions burned in by libass (as the renderer does)."""
    import subprocess

    import numpy as np
    from PIL import Image

    from studio.util import ffmpeg_exe

    out = tmp_path / f"{ass.stem}.png"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x406080:s=1080x1920:d=30",
                    "-vf", f"subtitles={ass.name}:fontsdir={cjk_font_path().parent}", "-ss", f"{t:.2f}",
                    "-frames:v", "1", str(out)], check=True, cwd=ass.parent)
    return np.asarray(Image.open(out).convert("RGB")).astype(int)


@pytest.mark.ffmpeg
def test_caption_styles_standard_karaoke_elder_bilingual(tmp_path):
    from studio.subtitles import CAPTION_KINDS, CaptionStyle, contrast_ratio
    from studio.subtitles.export import page_lines

    vo = _voiceover()
    caps = build_captions(vo, _heard(vo), "zh")
    translations = [(LINES[0], "Still looking for a good thermos?"), (LINES[1], "Only 59.9 now, sleeve free for the first 100!"),
                    (LINES[2], "Like it? Tap the link below to order.")]
    assert page_lines(caps, LINES)[0] == 0 and page_lines(caps, LINES)[-1] == 2
    base = CaptionStyle()
    files = {}
    for kind in CAPTION_KINDS:
        style = CaptionStyle.preset(kind, base)
        files[kind] = tmp_path / f"{kind}.ass"
        write_ass(caps, files[kind], style, translations=translations)
    text = {k: f.read_text(encoding="utf-8") for k, f in files.items()}
    assert "{\\k" not in text["standard"] and "{\\k" in text["karaoke"] and "{\\k" not in text["elder"]
    elder = CaptionStyle.preset("elder", base)
    assert elder.font_size == round(base.font_size * 1.4) and elder.box
    assert contrast_ratio(elder.primary, elder.outline_colour) >= 4.5
    assert f"Style: Caption,Noto Sans SC,{elder.font_size}," in text["elder"] and ",3,8,0,2," in text["elder"]
    for kind in ("standard", "karaoke", "elder"):
        assert "thermos" not in text[kind]  # only the bilingual style shows translations
    dialogues = [l for l in text["bilingual"].splitlines() if l.startswith("Dialogue:")]
    assert len(dialogues) == len(caps.pages)
    assert "Still looking for a good thermos?" in dialogues[0] and "Tap the link below" in dialogues[-1]
    assert re.search(r"\\N\{\\fs\d+\\1c&H00[0-9A-F]{6}", dialogues[0])
    with pytest.raises(ValueError, match="caption style"):
        CaptionStyle.preset("comic")
    # burned in by libass: elder's text box is bigger, bilingual's has the extra translation line
    t = (caps.pages[0].start + caps.pages[0].end) / 2
    background = _frame_with(files["standard"], tmp_path, 29.0)

    def drawn_rows(kind):
        diff = np.abs(_frame_with(files[kind], tmp_path, t) - background).sum(axis=2) > 60
        rows = np.flatnonzero(diff.any(axis=1))
        return rows.max() - rows.min() if rows.size else 0, diff.sum()

    import numpy as np

    std_h, std_px = drawn_rows("standard")
    elder_h, elder_px = drawn_rows("elder")
    bi_h, _ = drawn_rows("bilingual")
    assert std_h > 40 and elder_h > 1.3 * std_h and elder_px > 1.5 * std_px
    assert bi_h > 1.4 * std_h


def _loads(library: str) -> bool:
    import ctypes

    try:
        ctypes.CDLL(library)
        return True
    except OSError:
        return False


@pytest.mark.unit
def test_a_gpu_whose_cuda_is_not_ctranslate2s_leaves_faster_whisper_on_the_cpu(monkeypatch):
    """ctranslate2 counts a GPU even where CUDA 12's cuBLAS, which it computes with, is missing
    (a machine with torch's CUDA 13 only): 'auto' must not pick that GPU, 'cuda' must say why."""
    import ctranslate2

    from studio.subtitles import whisper

    if _loads(whisper.CT2_CUDA_LIBRARY):
        pytest.skip(f"{whisper.CT2_CUDA_LIBRARY} loads on this machine")
    whisper.faster_whisper_cuda.cache_clear()
    assert whisper.faster_whisper_device("auto")[0] == "cpu"  # no GPU here at all
    assert "sees no CUDA device" in whisper.faster_whisper_cuda()[1]
    whisper.faster_whisper_cuda.cache_clear()
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)  # the GPU it would count
    try:
        device, why = whisper.faster_whisper_device("auto")
        assert device == "cpu" and whisper.CT2_CUDA_LIBRARY in why
        with pytest.raises(StudioError, match="cannot run on the GPU here.*libcublas.so.12"):
            whisper.faster_whisper_device("cuda")
        assert whisper.faster_whisper_device("cpu")[0] == "cpu"
    finally:
        whisper.faster_whisper_cuda.cache_clear()
