"""The label sets: the class order is the model's output order, so it is pinned here."""

import re

import pytest

from kakite.core.charset import DIGITS, HIRAGANA73, char_from_folder, class_index, folder_name

DAKUTEN = "がぎぐげござじずぜぞだぢづでどばびぶべぼ"
HANDAKUTEN = "ぱぴぷぺぽ"


def test_hiragana73_has_73_distinct_classes():
    assert len(HIRAGANA73) == 73
    assert len(set(HIRAGANA73)) == 73


def test_hiragana73_holds_the_rare_kana_and_every_voiced_form():
    assert "ゐ" in HIRAGANA73 and "ゑ" in HIRAGANA73
    assert set(DAKUTEN + HANDAKUTEN) <= set(HIRAGANA73)
    # No small kana and no iteration mark: hiragana73 has none.
    assert not set("ぁぃぅぇぉっゃゅょゎゝゞ") & set(HIRAGANA73)


def test_hiragana73_is_in_ndl_folder_order():
    assert sorted(HIRAGANA73, key=folder_name) == list(HIRAGANA73)
    assert HIRAGANA73[0] == "あ" and HIRAGANA73[-1] == "ん"


def test_digits_in_order():
    assert DIGITS == "0123456789"


def test_folder_name_examples():
    assert folder_name("あ") == "U3042"
    assert folder_name("ん") == "U3093"
    assert folder_name("7") == "U0037"


@pytest.mark.parametrize("char", list(HIRAGANA73 + DIGITS))
def test_folder_round_trip(char):
    name = folder_name(char)
    assert char_from_folder(name) == char
    assert folder_name(char_from_folder(name)) == name


@pytest.mark.parametrize("name", ["3042", "u3042", "U30", "U3042000", "UXYZW", "hiragana73", "", "U-001"])
def test_bad_folder_raises_naming_it(name):
    with pytest.raises(ValueError, match=re.escape(repr(name))) as err:
        char_from_folder(name)
    assert "U3042" in str(err.value)  # says what a good name looks like


@pytest.mark.parametrize("name", ["U+3042", "U 3042", "U30_42", "U304a"])
def test_non_canonical_folder_is_rejected(name):
    with pytest.raises(ValueError):
        char_from_folder(name)


def test_class_index():
    assert class_index(HIRAGANA73, "あ") == 0
    assert class_index(HIRAGANA73, "ん") == 72
    assert class_index(DIGITS, "9") == 9


@pytest.mark.parametrize("char", ["ア", "ぁ", "A"])
def test_class_index_names_the_unknown_char(char):
    with pytest.raises(ValueError, match=f"unknown class '{char}'.*U\\+{ord(char):04X}.*73-class"):
        class_index(HIRAGANA73, char)


@pytest.mark.parametrize("label", ["", "あい", "xy"])
def test_class_index_rejects_anything_but_one_known_char(label):
    with pytest.raises(ValueError, match="unknown class"):
        class_index(HIRAGANA73, label)
