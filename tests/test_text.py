"""Shared text helpers: Chinese characters and Chinese numerals, read and written."""
import pytest

from studio.core.text import has_han, int_to_zh, is_han, number_key, number_to_zh, zh_number, zh_numerals_to_digits

pytestmark = pytest.mark.unit


def test_chinese_characters_are_told_from_everything_else():
    assert has_han("保温杯 316") and not has_han("Cup 316 ，。") and is_han("杯") and not is_han("，")
    assert has_han("㐀") and not is_han("杯子")  # extension A counts; two characters are not one


@pytest.mark.parametrize("text, value", [
    ("99", 99), ("九十九", 99), ("一百九十九", 199), ("两千", 2000), ("十", 10), ("一九九", 199),
    ("三万五千", 35000), ("五十九点九", 59.9), ("59.9", 59.9),
])
def test_numbers_are_read_in_digits_or_chinese(text, value):
    assert zh_number(text) == pytest.approx(value)


def test_what_is_not_one_number_is_none():
    assert zh_number("九十九块") is None and zh_number("") is None and zh_number("点点") is None


def test_numerals_and_digits_meet_in_one_key():
    assert zh_numerals_to_digits("五十九点九") == "59.9" and zh_numerals_to_digits("一百") == "100"
    assert number_key("只要五十九点九元") == number_key("只要59.9元") == "599"


def test_numbers_are_written_the_way_mandarin_says_them():
    assert [int_to_zh(n) for n in (0, 12, 105, 1010, 20000, 200)] == ["零", "十二", "一百零五", "一千零一十", "两万", "两百"]
    assert number_to_zh("59.9") == "五十九点九" and number_to_zh("0.50") == "零点五零"
    for n in (7, 59, 199, 2024, 35000, 100005):
        assert zh_number(int_to_zh(n)) == n  # what the voice says reads back to the same number
