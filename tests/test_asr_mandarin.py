"""Mandarin recordings: which recogniser runs, and homophone slips put right after recognition."""
import re
from pathlib import Path

import pytest

from studio.subtitles.whisper import EMBEDDED_MODEL, choose_model, to_simplified
from studio.subtitles.zh_lexicon import CorrectionCosts, Lexicon, correct_homophones, correct_text
from studio.types import Product, Transcript, Word
from studio.util import StudioError

# a tiny dictionary in jieba's form: word counts, and the toned pinyin of its multi-character words
COUNTS = {"获": 3000, "行": 60000, "获刑": 300, "出现": 50000, "出线": 900, "交易": 20000, "几乎": 9000,
          "停滞": 400, "停止": 5000, "的": 900000, "情况": 30000, "燕": 800, "之": 90000, "屋": 3000,
          "污": 800, "艳之屋": 500, "是": 800000, "在": 700000, "实在": 9000, "事": 50000,
          "(the rest of the 60 million counts)": 60_000_000}
PINYIN = {"获刑": ("huo4", "xing2"), "出现": ("chu1", "xian4"), "出线": ("chu1", "xian4"), "交易": ("jiao1", "yi4"),
          "几乎": ("ji1", "hu1"), "停滞": ("ting2", "zhi4"), "停止": ("ting2", "zhi3"), "情况": ("qing2", "kuang4"),
          "艳之屋": ("yan4", "zhi1", "wu1"), "实在": ("shi2", "zai4")}


@pytest.fixture
def lex() -> Lexicon:
    return Lexicon.from_counts(COUNTS, PINYIN)


def _chars(text: str) -> list[Word]:
    return [Word(c, i * 0.2, i * 0.2 + 0.2, 0.9) for i, c in enumerate(text)]


@pytest.mark.unit
def test_a_non_word_becomes_the_word_that_sounds_the_same(lex):
    assert correct_text("获行", lex) == "获刑"


@pytest.mark.unit
def test_a_real_word_is_kept_even_when_a_homophone_is_more_frequent(lex):
    assert correct_text("出线", lex) == "出线"
    assert correct_text("是在", lex) == "是在"  # two frequent words, not 实在


@pytest.mark.unit
def test_the_same_tone_wins_over_a_more_frequent_word_with_another_tone(lex):
    assert correct_text("几乎停制的情况", lex) == "几乎停滞的情况"  # not 停止 (zhi3 for 制 zhi4)
    free_tone = CorrectionCosts(tone=0.0)
    assert correct_text("几乎停制的情况", lex, free_tone) == "几乎停止的情况"


@pytest.mark.unit
def test_single_characters_are_never_changed_and_sheet_words_are_protected(lex):
    assert correct_text("污", lex) == "污"
    words = correct_homophones(_chars("燕之屋"), lex=lex)
    assert "".join(w.text for w in words) == "艳之屋"  # without a sheet the dictionary's word wins
    words = correct_homophones(_chars("燕之屋"), protected_terms=["燕之屋"], lex=lex)
    assert "".join(w.text for w in words) == "燕之屋"


@pytest.mark.unit
def test_times_and_punctuation_are_kept_and_runs_stop_at_other_tokens(lex):
    heard = [Word("获", 0.0, 0.2), Word("行，", 0.2, 0.4), Word("获", 0.4, 0.6), Word("3", 0.6, 0.8), Word("行", 0.8, 1.0)]
    fixed = correct_homophones(heard, lex=lex)
    assert [w.text for w in fixed] == ["获", "刑，", "获", "3", "行"]
    assert [(w.start, w.end) for w in fixed] == [(w.start, w.end) for w in heard]


@pytest.mark.unit
def test_the_embedded_model_serves_both_languages_and_a_named_model_wins(tmp_path):
    zh, en = choose_model("zh"), choose_model("en")
    assert zh.model is None and en.model is None and zh.label == en.label == EMBEDDED_MODEL
    assert "Mandarin" in zh.reason
    named = choose_model("zh", "faster-whisper", tmp_path)
    assert named.model == tmp_path and named.label == tmp_path.name
    assert choose_model("en", "openai-whisper").engine == "openai-whisper"
    with pytest.raises(StudioError, match="unknown Whisper engine"):
        choose_model("zh", "vosk")


@pytest.mark.unit
def test_taiwan_forms_of_whisper_become_simplified():
    assert to_simplified("換著喝，很顯著，著名的頭髮") == "换着喝，很显著，著名的头发"


@pytest.mark.models
def test_the_real_dictionary_mends_slips_but_keeps_the_sheets_brand():
    from studio.subtitles import with_sheet_forms

    text = "吃燕窝就选燕之污甚至出现交易几乎停制的情况"
    tr = Transcript(_chars(text), text, "zh", "faster-whisper", "base")
    fixed = with_sheet_forms(tr, Product("燕之屋燕窝", brand="燕之屋"))
    assert fixed.text == "吃燕窝就选燕之屋甚至出现交易几乎停滞的情况"
    assert [t for w in fixed.words for t in (w.start, w.end)] == pytest.approx([t for w in tr.words for t in (w.start, w.end)])
    unchanged = "这款保温杯可以保温十二小时，现在下单还送杯套"
    tr = Transcript(_chars(unchanged), unchanged, "zh", "faster-whisper", "base")
    assert with_sheet_forms(tr, Product("")).text == unchanged


@pytest.mark.models
def test_the_chosen_mandarin_recogniser_hears_a_studio_voice(tmp_path: Path):
    from studio.subtitles import transcribe, with_sheet_forms
    from studio.voice import synthesize

    line = "这款保温杯采用不锈钢内胆，保温效果很好。"
    path = tmp_path / "zh.wav"
    synthesize([line], "zh", path)
    heard = with_sheet_forms(transcribe(path, "zh", speech_only=True), Product("保温杯"))
    assert heard.language == "zh" and Path(heard.model).name.startswith(EMBEDDED_MODEL)
    plain = lambda s: re.sub(r"[^\u4e00-\u9fff]", "", s)
    import difflib

    assert difflib.SequenceMatcher(None, plain(heard.text), plain(line)).ratio() >= 0.85, heard.text
    assert [w.start for w in heard.words] == sorted(w.start for w in heard.words)


@pytest.mark.models
def test_the_pinyin_index_is_built_once_and_read_back(tmp_path, monkeypatch):
    from studio.subtitles import zh_lexicon

    monkeypatch.setenv("STUDIO_HOME", str(tmp_path))
    monkeypatch.setattr(zh_lexicon, "_lexicon", None)
    first = zh_lexicon.lexicon()
    index = zh_lexicon.index_path()
    assert index.is_file() and index.parent == tmp_path / "lexicon"
    assert [p.name for p in index.parent.iterdir()] == [index.name]  # no temp file left
    monkeypatch.setattr(zh_lexicon, "_lexicon", None)
    again = zh_lexicon.lexicon()
    assert again is not first and again.by_sound == first.by_sound and again.logp("微信") is not None
