"""Text normalisation shared by the similar-mark search and listing screening.

Every function is pure and deterministic: the same text gives the same key in every process, so keys
can be stored in an index file and compared later. The chain, each step building on the one before:

- :func:`normalise` — NFKC, homoglyphs folded to the Latin letter they imitate, case folded, accents
  stripped, traditional Chinese turned into simplified, runs of white space collapsed;
- :func:`skeleton` — the normalised text with leetspeak folded (N1KE → nike) and everything but letters
  and digits dropped, so that "N I K E", "N.I.K.E" and "N1KE" share the skeleton "nike";
- :func:`tokens` — the words of the text, each as its skeleton;
- :func:`pinyin_key` — the skeleton with every run of Chinese characters written as toneless pinyin, so
  that 耐克 and NAIKE share the key "naike";
- :func:`phonetic_key` — the Metaphone code of the pinyin key, so that marks that sound alike share it.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import jellyfish
import opencc
import pypinyin
from pypinyin.constants import PHRASES_DICT

from ipbridge.engine.text._fold import ACCENTS, HAN, HOMOGLYPHS, HOMOGLYPHS_SMALL, LEETSPEAK, NOT_WORD, SPACES

__all__ = [
    "fold_homoglyphs",
    "fold_leetspeak",
    "has_han",
    "normalise",
    "phonetic_key",
    "pinyin_key",
    "romanise",
    "skeleton",
    "to_simplified",
    "tokens",
]

_T2S = opencc.OpenCC("t2s")


def has_han(text: str) -> bool:
    """Whether ``text`` holds at least one Chinese (Han) character."""
    return HAN.search(text) is not None


def to_simplified(text: str) -> str:
    """Traditional Chinese characters turned into simplified ones (OpenCC's ``t2s``); other text is kept."""
    return _T2S.convert(text) if has_han(text) else text


def fold_homoglyphs(text: str) -> str:
    """Each character that imitates an ASCII letter or digit (Greek Ν, Cyrillic і, ...) replaced by it.

    The table is a subset of Unicode's confusables data (``data/homoglyphs.tsv`` says which). Capital and
    small letters are looked up as they are: Greek capital Ν reads as N, Greek small ν as v.
    """
    return text.translate(HOMOGLYPHS)


def fold_leetspeak(text: str) -> str:
    """Digits and symbols used as letters replaced by those letters: 0→o, 1→i, 3→e, 4→a, 5→s, 7→t, @→a, $→s, ...

    Expects normalised (case-folded) text.
    """
    return text.translate(LEETSPEAK)


def normalise(text: str, *, homoglyphs: bool = True) -> str:
    """The text as a person reads it, whatever characters spell it.

    NFKC (fullwidth and mathematical letters become plain ones), homoglyphs folded, case folded, Latin,
    Greek and Cyrillic accents stripped, traditional Chinese turned into simplified, runs of white space
    collapsed to one space and the ends trimmed. Punctuation is kept. Idempotent.

    ``homoglyphs=False`` leaves out the homoglyph fold; the search uses it to tell whether the fold is
    what made two marks equal.
    """
    if text.isascii():
        # Most register texts: none of the Unicode steps can change them, case folding is lower().
        return SPACES.sub(" ", text.lower()).strip()
    text = unicodedata.normalize("NFKC", text)
    if homoglyphs:
        # Folded before case folding, because a capital and its small letter may imitate different
        # Latin letters (Greek Ν is N, its small ν is v), and after it for the small letters that case
        # folding produces.
        text = fold_homoglyphs(text)
    text = ACCENTS.sub("", unicodedata.normalize("NFD", text.casefold()))
    if homoglyphs:
        text = text.translate(HOMOGLYPHS_SMALL)
    text = to_simplified(unicodedata.normalize("NFC", text))
    return SPACES.sub(" ", text).strip()


def skeleton(text: str, *, homoglyphs: bool = True) -> str:
    """The normalised text with leetspeak folded and all but letters and digits of any script dropped.

    >>> skeleton("N.1.K.E")
    'nike'
    """
    return NOT_WORD.sub("", fold_leetspeak(normalise(text, homoglyphs=homoglyphs)))


def tokens(text: str, *, homoglyphs: bool = True) -> list[str]:
    """The words of the text, each as its skeleton, in order; words are separated by anything but letters and digits."""
    # Space collapsing, the only step of normalise that changes ASCII text beyond lower(), cannot change
    # the words, so ASCII text skips it.
    folded = text.lower() if text.isascii() else normalise(text, homoglyphs=homoglyphs)
    return [word for word in NOT_WORD.split(fold_leetspeak(folded)) if word]


@lru_cache(maxsize=65536)
def _char_pinyin(char: str) -> str:
    return "".join(pypinyin.lazy_pinyin(char, style=pypinyin.Style.NORMAL))


def _han_pinyin(run: str) -> str:
    # pypinyin's phrase analysis costs ~100 µs a call; it matters only where the run holds a word of its
    # phrase table (银行 is yinhang, not yinxing). Other runs, most brand names, are read character by
    # character, each character with its most common reading.
    n = len(run)
    if n > 1 and any(run[i:j] in PHRASES_DICT for i in range(n - 1) for j in range(i + 2, n + 1)):
        return "".join(pypinyin.lazy_pinyin(run, style=pypinyin.Style.NORMAL))
    return "".join(map(_char_pinyin, run))


def romanise(word: str) -> str:
    """Every run of Chinese characters in ``word`` written as toneless pinyin, without separators; the rest kept.

    >>> romanise("耐克")
    'naike'
    """
    if not has_han(word):
        return word
    return HAN.sub(lambda match: _han_pinyin(match.group()), word)


def pinyin_key(text: str, *, homoglyphs: bool = True) -> str:
    """The skeleton with Chinese characters written as toneless pinyin: 耐克, NAIKE and N.A.I.K.E all give "naike".

    Each word is romanised on its own, so the key is the concatenation of ``romanise`` over :func:`tokens`.
    """
    return "".join(romanise(word) for word in tokens(text, homoglyphs=homoglyphs))


def phonetic_key(text: str) -> str:
    """The Metaphone code (Lawrence Philips, 1990, as implemented by jellyfish) of the pinyin key.

    Metaphone keeps the consonant sounds of English spelling: NIKE, NYKE and NAIKE all give "NK". Letters
    outside A-Z add nothing to the code, so a text without Latin letters or Chinese characters gives "".
    """
    key = pinyin_key(text)
    return jellyfish.metaphone(key) if key else ""
