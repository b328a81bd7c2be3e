"""The normalisation one character at a time, as tables for :meth:`str.translate`.

Screening folds millions of short texts: one ``str.translate`` over many of them joined costs about 20 ns a
character, where calling :func:`~ipbridge.engine.text.normalise` on each text costs microseconds. The tables
hold, for every character, what the functions of :mod:`ipbridge.engine.text` make of that character alone:

- :func:`char_normal` — :func:`~ipbridge.engine.text.normalise` of the character, white space as one space;
- :func:`char_skeleton` — :func:`~ipbridge.engine.text.skeleton` of the character ("" for white space and
  punctuation, leetspeak folded: "1" gives "i");
- :func:`char_reading` — the toneless pinyin of a Chinese character, its most common reading.

Folding character by character equals folding the whole text except where a conversion needs more than
one character: OpenCC's phrase conversions from traditional to simplified Chinese (a few hundred words)
and the canonical composition of a letter with a separate combining accent (whose accent is dropped
either way). In exchange, every folded character is known to come from one character of the original,
so a match in the folded text is a span of the original.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from ipbridge.engine.text import _char_pinyin, has_han, normalise, skeleton

__all__ = ["BMP", "CharTable", "char_normal", "char_reading", "char_skeleton", "table"]

# Tables are lists indexed by code point for the Basic Multilingual Plane: ``str.translate`` reads a list
# twice as fast as a dict. Characters past it are looked up in a :class:`CharTable`.
BMP = 0x10000


def char_normal(char: str) -> str:
    """:func:`~ipbridge.engine.text.normalise` of one character, except that white space gives one space.

    >>> char_normal("Ｎ"), char_normal("\\u00a0"), char_normal("馬")
    ('n', ' ', '马')
    """
    return " " if char.isspace() else normalise(char)


def char_skeleton(char: str) -> str:
    """:func:`~ipbridge.engine.text.skeleton` of one character: "" for white space, punctuation and symbols.

    >>> char_skeleton("Ν"), char_skeleton("1"), char_skeleton("."), char_skeleton("@")
    ('n', 'i', '', 'a')
    """
    return skeleton(char)


def char_reading(char: str) -> str:
    """The toneless pinyin of one Chinese character, its most common reading (ü written v); "" for others.

    >>> char_reading("耐"), char_reading("绿"), char_reading("a")
    ('nai', 'lv', '')
    """
    if len(char) != 1 or not has_han(char):
        return ""
    reading = _char_pinyin(char)
    return reading if reading.isascii() and reading.isalpha() else ""


class CharTable(dict[int, str]):
    """A ``str.translate`` table that computes a character's entry the first time it is read."""

    def __init__(self, function: Callable[[str], str]) -> None:
        super().__init__()
        self._function = function

    def __missing__(self, code: int) -> str:
        value = self._function(chr(code))
        self[code] = value
        return value


@cache
def table(function: Callable[[str], str]) -> list[str]:
    """``function`` of every character of the Basic Multilingual Plane, as a list for ``str.translate``.

    Built once per function and process (a few hundred milliseconds for the normalisation).
    """
    return [function(chr(code)) for code in range(BMP)]
