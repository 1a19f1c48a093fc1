"""Free-talk captions write numbers the way the product sheet writes them, keeping the times."""
from studio.subtitles import apply_sheet_forms, with_sheet_forms
from studio.types import Product, Transcript, Word


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
