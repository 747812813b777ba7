"""The label sets. Order matters: it is the class index everywhere (model output, npz labels, web)."""

import re

# NDL Lab hiragana73 order: the sort order of its folder names (U3042, U3044, ...).
HIRAGANA73 = (
    "あいうえおかがきぎくぐけげこごさざしじすずせぜそぞただちぢつづてでとどなにぬねのはばぱひびぴふぶぷへべぺほぼぽ"
    "まみむめもやゆよらりるれろわゐゑをん"
)
DIGITS = "0123456789"


def folder_name(char: str) -> str:
    """hiragana73's folder name for a character, e.g. 'あ' -> 'U3042'."""
    return f"U{ord(char):04X}"


def char_from_folder(name: str) -> str:
    """Inverse of folder_name; raises ValueError naming the folder if it is not U + 4-5 upper-case hex digits."""
    if not re.fullmatch(r"U[0-9A-F]{4,5}", name):
        raise ValueError(f"folder {name!r} is not a hiragana73 class folder (expected U+hex, e.g. U3042)")
    return chr(int(name[1:], 16))


def class_index(charset: str, char: str) -> int:
    """Index of char in charset, with an error that names the unknown label."""
    i = charset.find(char) if len(char) == 1 else -1
    if i < 0:
        code = f" (U+{ord(char):04X})" if len(char) == 1 else ""
        raise ValueError(f"unknown class {char!r}{code}; not in the {len(charset)}-class set")
    return i
