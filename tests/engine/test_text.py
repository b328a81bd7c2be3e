"""The normalisation keys shared by the similar-mark search and screening."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ipbridge.engine.text import (
    fold_homoglyphs,
    fold_leetspeak,
    normalise,
    phonetic_key,
    pinyin_key,
    romanise,
    skeleton,
    to_simplified,
    tokens,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NIKE", "nike"),
        ("  Nike   Air\tMax ", "nike air max"),
        ("ΝΙΚΕ", "nike"),  # Greek capitals
        ("Ｎｉｋｅ", "nike"),  # fullwidth
        ("𝐍𝐢𝐤𝐞", "nike"),  # mathematical bold
        ("Café Délice", "cafe delice"),
        ("Straße", "strasse"),
        ("臺灣啤酒", "台湾啤酒"),
        ("N.I.K.E", "n.i.k.e"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_normalise_can_leave_homoglyphs_alone() -> None:
    assert normalise("ΝΙΚΕ", homoglyphs=False) == "νικε"


def test_a_greek_capital_and_its_small_letter_imitate_different_latin_letters() -> None:
    assert fold_homoglyphs("Νν") == "Nv"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("N1KE", "nike"),
        ("N I K E", "nike"),
        ("N.I.K.E", "nike"),
        ("n-i_k/e", "nike"),
        ("AD1DA$", "adidas"),
        ("L0G1T3CH", "logitech"),
        ("@PPLE", "apple"),
        ("美华 SPORT", "美华sport"),
    ],
)
def test_skeleton(text: str, expected: str) -> None:
    assert skeleton(text) == expected


def test_leetspeak_folds_digits_and_symbols() -> None:
    assert fold_leetspeak("0123456789@$!|+") == "oizeasgtbgasiit"


def test_tokens_are_the_skeletons_of_the_words() -> None:
    assert tokens("Nike AIR-max 9O") == ["nike", "air", "max", "go"]


def test_traditional_chinese_becomes_simplified() -> None:
    assert to_simplified("華為 Mate") == "华为 Mate"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("耐克", "naike"), ("NAIKE", "naike"), ("N.A.I.K.E", "naike"), ("银行", "yinhang"), ("華為", "huawei")],
)
def test_pinyin_key(text: str, expected: str) -> None:
    assert pinyin_key(text) == expected


def test_romanise_keeps_what_is_not_chinese() -> None:
    assert romanise("美华sport") == "meihuasport"


@pytest.mark.parametrize(
    ("text", "expected"), [("NIKE", "NK"), ("NYKE", "NK"), ("耐克", "NK"), ("Phone", "FN"), ("★", "")]
)
def test_phonetic_key(text: str, expected: str) -> None:
    assert phonetic_key(text) == expected


@settings(max_examples=200, deadline=None)
@given(st.text())
@example("ᗰ")  # a caseless look-alike of a capital: folded to a small letter
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)

    assert normalise(once) == once


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1), st.data())
def test_skeleton_ignores_inserted_spaces_and_punctuation(word: str, data: st.DataObject) -> None:
    separators = data.draw(st.lists(st.sampled_from(" .-_/,*'"), min_size=len(word), max_size=len(word)))
    spaced = "".join(letter + separator for letter, separator in zip(word, separators, strict=True))

    assert skeleton(spaced) == skeleton(word)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1))
def test_greek_and_cyrillic_look_alikes_share_the_skeleton(word: str) -> None:
    look_alike = word.upper().translate(str.maketrans("ABEHIKMNOPTXY", "ΑΒΕΗΙΚΜΝΟΡΤΧΥ"))

    assert skeleton(look_alike) == skeleton(word)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789 .-$@"))
def test_the_pinyin_key_of_latin_text_is_its_skeleton(text: str) -> None:
    assert pinyin_key(text) == skeleton(text)
