"""Free-talk captions write numbers the way the product sheet writes them, keeping the times."""
import pytest

from studio.subtitles import apply_sheet_forms, with_sheet_forms
from studio.types import Product, Transcript, Word

pytestmark = pytest.mark.unit


def _chars(text: str) -> list[Word]:
    return [Word(c, i * 0.1, i * 0.1 + 0.1) for i, c in enumerate(text)]


def test_numbers_take_the_sheets_form_and_times_are_kept():
    product = Product("保温杯", 59.9, ["覆盖一二线城市", "保温12小时"], original_price=89)
    words = apply_sheet_forms(_chars("覆盖12线城市，原价八十九块，现在五十九块九，保温十二小时"), product, "zh")
    text = "".join(w.text for w in words)
    assert text == "覆盖一二线城市，原价¥89，现在¥59.9，保温12小时"
    price = next(w for w in words if w.text.startswith("¥59.9"))
    assert abs(price.start - 1.7) < 1e-6 and price.end >= 2.2 - 1e-6  # from 五 to the end of 九块九
    assert all(b.start >= a.start for a, b in zip(words, words[1:]))


def test_text_without_sheet_numbers_is_untouched():
    product = Product("保温杯", None, ["一键开盖", "单手就能喝"])
    words = _chars("一键开盖，单手就能喝，三天发货")
    assert apply_sheet_forms(words, product, "zh") == words
    en = Product("Tote", 24.99, ["Holds 12 pounds"], language="en")
    got = apply_sheet_forms([Word("only", 0, 0.2), Word("twenty-four", 0.2, 0.5), Word("$24.99", 0.5, 0.9)], en, "en")
    assert [w.text for w in got] == ["only", "twenty-four", "$24.99"]


def test_transcript_words_are_split_and_rewritten():
    product = Product("保温杯", 59.9, [])
    tr = Transcript([Word("现在只要五十九块九", 0.0, 1.8)], "现在只要五十九块九", "zh", "faster-whisper", "base")
    fixed = with_sheet_forms(tr, product)
    assert fixed.text == "现在只要¥59.9" and fixed.words[-1].end == 1.8


def test_homophones_of_the_sheets_words_take_the_sheets_characters():
    from studio.subtitles.sheet_forms import apply_sheet_words

    p = Product("小熊保温杯", 59.9, selling_points=["316不锈钢内胆", "保温12小时"], category="保温杯")
    heard = [Word(c, i * 0.2, i * 0.2 + 0.2) for i, c in enumerate("这 款 不 秀 钢， 宝 温 效 果 好 报 温".split())]
    fixed = apply_sheet_words(heard, p)
    assert "".join(w.text for w in fixed) == "这款不锈钢，保温效果好报温"  # 报温 has another tone: left alone
    assert [(w.start, w.end) for w in fixed] == [(w.start, w.end) for w in heard]  # each character keeps its time
    assert apply_sheet_words(heard, Product("Tote", 9.9, selling_points=["Strong canvas"])) == heard


def test_transcript_of_free_talk_gets_the_sheets_numbers_and_words():
    from studio.types import Transcript

    p = Product("小熊保温杯", 59.9, selling_points=["316不锈钢内胆"], language="zh")
    heard = Transcript([Word("不秀钢内胆", 0.0, 1.0), Word("只要五十九块九", 1.0, 2.0)], "不秀钢内胆只要五十九块九",
                       "zh", "faster-whisper", "base")
    assert with_sheet_forms(heard, p).text == "不锈钢内胆只要¥59.9"
