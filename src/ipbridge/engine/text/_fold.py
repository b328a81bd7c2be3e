"""Character tables: homoglyphs (from the shipped data file), leetspeak, and which characters are Han."""

from __future__ import annotations

import re
from importlib import resources


def _load_homoglyphs() -> dict[int, str]:
    table: dict[int, str] = {}
    data = resources.files("ipbridge.engine").joinpath("data/homoglyphs.tsv").read_text(encoding="utf-8")
    for line in data.splitlines():
        if not line or line.startswith("#"):
            continue
        code, ascii_char, _name = line.split("\t", 2)
        table[int(code, 16)] = ascii_char
    return table


# A str.translate table: one C-level pass per string, whatever its length.
HOMOGLYPHS: dict[int, str] = _load_homoglyphs()
# The same, to small letters: used after case folding, which must stay the last word on case.
HOMOGLYPHS_SMALL: dict[int, str] = {code: letter.lower() for code, letter in HOMOGLYPHS.items()}

# Digits and symbols that stand in for letters in "leetspeak" spellings (N1KE, AD1DA$, L0GO).
# Every ASCII digit is folded, so that a skeleton never mixes a digit and the letter it imitates;
# a mark that really is a number (501, 7-ELEVEN) folds the same way on both sides of a comparison.
LEETSPEAK: dict[int, str] = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "2": "z",
        "3": "e",
        "4": "a",
        "5": "s",
        "6": "g",
        "7": "t",
        "8": "b",
        "9": "g",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "i",
        "+": "t",
        "€": "e",
        "£": "l",
        "¥": "y",
    }
)

# The combining diacritical marks block (U+0300-U+036F): accents on Latin, Greek and Cyrillic letters.
# Marks of other scripts (Devanagari vowel signs, ...) carry meaning and are kept.
ACCENTS = re.compile("[\u0300-\u036f]")

# CJK Unified Ideographs, extension A and the compatibility block: enough to decide whether a string
# needs the traditional-to-simplified and pinyin passes at all.
HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

NOT_WORD = re.compile(r"[\W_]+")
SPACES = re.compile(r"\s+")
