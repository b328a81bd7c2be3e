"""Stable 64-bit hashes of strings, their one- and two-character deletions and substrings, in NumPy.

A string's hash is the polynomial ``sum((ord(c) + 1) * B**(n - 1 - i))`` modulo 2**64, passed through the
SplitMix64 finaliser. The polynomial form is what lets the hash of a string with one or two characters
deleted, or of any substring, be computed from the prefix hashes with a few vector operations, for
millions of strings at once; the finaliser spreads the bits so that the top ones can stand for the whole.
The hashes depend on nothing but the string, so they can be stored in an index file
(:mod:`~ipbridge.engine.marks._table` says how).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TypeVar

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
T = TypeVar("T", bound=np.generic)

BASE = np.uint64(0x100000001B3)


def _powers(count: int) -> U64:
    powers = np.ones(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(1, count):
            powers[i] = powers[i - 1] * BASE
    return powers


POWERS = _powers(256)


def codes(strings: Sequence[str], width: int | None = None) -> tuple[U64, npt.NDArray[np.int64]]:
    """The strings as a matrix of ``code point + 1`` (0 pads), one row each, and their lengths."""
    array = np.array(strings, dtype=f"<U{width}") if width else np.array(strings, dtype=np.str_)
    if array.dtype.itemsize == 0:
        array = array.astype("<U1")
    points = array.view(np.uint32).reshape(len(strings), -1).astype(np.uint64)
    lengths = np.count_nonzero(points, axis=1).astype(np.int64)
    points[points > 0] += np.uint64(1)
    return points, lengths


def prefix_hashes(points: U64) -> U64:
    """``P[:, j]``: the polynomial hash of each row's first ``j`` characters.

    Past a row's end the values are meaningless (padding counts as a character); callers read only
    ``P[:, j]`` with ``j <= length``.
    """
    rows, width = points.shape
    # Built column by column in a transposed array, so that each step reads and writes contiguous memory.
    columns = np.ascontiguousarray(points.T)
    prefixes = np.zeros((width + 1, rows), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(width):
            np.multiply(prefixes[j], BASE, out=prefixes[j + 1])
            prefixes[j + 1] += columns[j]
    return prefixes.T


def finalise(values: U64) -> U64:
    """SplitMix64's finaliser, vectorised."""
    with np.errstate(over="ignore"):
        x = values ^ (values >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def letter_masks(strings: Sequence[str]) -> U64:
    """For each string, one bit per distinct character: a-z on bits 0-25, any other character on 26-63.

    A Levenshtein edit adds at most one character to a string and removes at most one, so two strings
    ``d`` edits apart have masks differing in at most ``2 * d`` bits (sharing a bit between characters
    only makes masks closer). That makes the mask a cheap filter before computing distances.
    """
    if not strings:
        return np.zeros(0, dtype=np.uint64)
    points, _ = codes(strings)
    letter = points - np.uint64(ord("a") + 1)
    bit = np.where(letter < 26, letter, np.uint64(26) + points % np.uint64(38))
    masks = np.where(points > 0, np.left_shift(np.uint64(1), bit), np.uint64(0))
    return np.bitwise_or.reduce(masks, axis=1)


_MASK = (1 << 64) - 1
_BASE = int(BASE)
_BIGRAM = 0x9E3779B97F4A7C15


def _finalise_one(x: int) -> int:
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _prefixes_one(text: str) -> list[int]:
    prefixes = [0]
    for char in text:
        prefixes.append((prefixes[-1] * _BASE + ord(char) + 1) & _MASK)
    return prefixes


def text_prefixes(text: str) -> tuple[U64, U64]:
    """The prefix hashes of one string (``P[j]`` for its first ``j`` characters) and ``B**j``, ``j`` = 0 ... len.

    Computed with Python integers, which for one string costs less than the matrix functions, then turned
    into arrays for the vector operations that combine them.
    """
    powers = [1]
    for _ in text:
        powers.append(powers[-1] * _BASE & _MASK)
    return np.array(_prefixes_one(text), dtype=np.uint64), np.array(powers, dtype=np.uint64)


@lru_cache(maxsize=512)
def _pairs(n: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    first, second = np.triu_indices(n, k=1)
    return first.astype(np.int64), second.astype(np.int64)


def neighbourhood_hashes(text: str, depth: int) -> U64:
    """The hashes of ``text`` and of every string left after deleting up to ``depth`` (0-2) of its characters.

    The empty string is left out; repeats are left in.
    """
    n = len(text)
    p, powers = text_prefixes(text)
    found = [p[n:]]
    with np.errstate(over="ignore"):
        if depth >= 1 and n >= 2:
            # H(s without s[i]) = H(s) + (P[i] - P[i+1]) * B**(n-1-i)
            found.append(p[n] + (p[:-1] - p[1:]) * powers[n - 1 :: -1])
        if depth >= 2 and n >= 3:
            i, j = _pairs(n)
            # s[:i] + s[i+1:j] + s[j+1:], each piece shifted by the length of what follows it.
            tail = n - 1 - j
            found.append(
                p[i] * powers[n - 2 - i]
                + (p[j] - p[i + 1] * powers[j - i - 1]) * powers[tail]
                + (p[n] - p[j + 1] * powers[tail])
            )
    return finalise(np.concatenate(found))


def query_masks(key: str) -> tuple[np.uint64, np.uint64]:
    """:func:`letter_masks` and :func:`bigram_masks` of one string, with Python integers."""
    letters = bigrams = 0
    previous = 0
    for char in key:
        point = ord(char) + 1
        letter = point - (ord("a") + 1)
        letters |= 1 << (letter if 0 <= letter < 26 else 26 + point % 38)
        if previous:
            bigrams |= 1 << (_finalise_one((previous * _BIGRAM + point) & _MASK) >> 58)
        previous = point
    return np.uint64(letters), np.uint64(bigrams)


def bigram_masks(strings: Sequence[str]) -> U64:
    """For each string, one bit per distinct pair of neighbouring characters, hashed onto 64 bits.

    A substitution removes at most two pairs and adds at most two, an insertion or a deletion removes one
    and adds two or the other way round, so two strings ``d`` edits apart have masks differing in at most
    ``4 * d`` bits: a second filter, sharper than :func:`letter_masks` on long keys that share a word.
    """
    if not strings:
        return np.zeros(0, dtype=np.uint64)
    points, _ = codes(strings)
    if points.shape[1] < 2:
        return np.zeros(len(strings), dtype=np.uint64)
    with np.errstate(over="ignore"):
        pairs = finalise(points[:, :-1] * np.uint64(_BIGRAM) + points[:, 1:]) >> np.uint64(58)
    masks = np.where(points[:, 1:] > 0, np.left_shift(np.uint64(1), pairs), np.uint64(0))
    return np.bitwise_or.reduce(masks, axis=1)


def hash_strings(strings: Sequence[str]) -> U64:
    """The finalised hash of each string."""
    if not strings:
        return np.zeros(0, dtype=np.uint64)
    if len(strings) <= 8:
        return np.array([_finalise_one(_prefixes_one(s)[-1]) for s in strings], dtype=np.uint64)
    points, lengths = codes(strings)
    return finalise(prefix_hashes(points)[np.arange(len(strings)), lengths])


def whole_hashes(prefixes: U64, lengths: npt.NDArray[np.int64]) -> U64:
    """The finalised hash of each row, from its prefix hashes."""
    return finalise(prefixes[np.arange(len(lengths)), lengths])


def deletion_hashes(points: U64, lengths: npt.NDArray[np.int64], prefixes: U64) -> tuple[U64, npt.NDArray[np.int64]]:
    """The finalised hashes of every string with one character deleted, and the row each comes from.

    Deleting either of two equal neighbours gives the same string; only the first is kept.
    """
    rows, width = points.shape
    if rows == 0 or width == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    whole = prefixes[np.arange(rows), lengths][:, None]
    positions = np.arange(width)[None, :]
    valid = positions < lengths[:, None]
    valid[:, 1:] &= points[:, 1:] != points[:, :-1]
    exponent = np.clip(lengths[:, None] - 1 - positions, 0, None)
    with np.errstate(over="ignore"):
        # H(s without s[j]) = P[j] * B**(n-1-j) + (H(s) - P[j+1] * B**(n-1-j))
        hashes = whole + (prefixes[:, :-1] - prefixes[:, 1:]) * POWERS[exponent]
    source = np.broadcast_to(np.arange(rows)[:, None], (rows, width))
    return finalise(hashes[valid]), source[valid]


def tagged_substring_hashes(
    prefixes: U64, lengths: npt.NDArray[np.int64], starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64], tag: U64
) -> U64:
    """The finalised hash of ``tag`` characters (one row of code points + 1 each) followed by ``s[start:end]``.

    Equal to ``hash_strings`` of the same strings, computed from each row's prefix hashes.
    """
    rows = np.arange(len(lengths))
    size = ends - starts
    with np.errstate(over="ignore"):
        inner = prefixes[rows, ends] - prefixes[rows, starts] * POWERS[size]
        head = np.zeros(len(lengths), dtype=np.uint64)
        for column in range(tag.shape[1]):
            head = head * BASE + tag[:, column]
        return finalise(head * POWERS[size] + inner)


def double_deletion_hashes(
    lengths: npt.NDArray[np.int64], prefixes: U64, max_length: int
) -> tuple[U64, npt.NDArray[np.int64]]:
    """The finalised hashes of every string with exactly two characters deleted, for rows up to ``max_length``.

    Returns the hashes and the row each comes from, with repeats (equal neighbours) left for the caller.
    """
    first, second = np.triu_indices(max_length, k=1)
    chosen = np.flatnonzero((lengths >= 2) & (lengths <= max_length))
    n = lengths[chosen][:, None]
    valid = second[None, :] < n
    p = prefixes[chosen]
    i, j = first[None, :], second[None, :]
    rows = np.arange(len(chosen))[:, None]

    def piece(start: npt.NDArray[np.int64], end: npt.NDArray[np.int64]) -> U64:
        # H(s[start:end]) from the prefix hashes; clipped indices only occur where ``valid`` is false.
        end = np.minimum(end, n)
        start = np.minimum(start, end)
        with np.errstate(over="ignore"):
            return p[rows, end] - p[rows, start] * POWERS[end - start]

    with np.errstate(over="ignore"):
        # s[:i] + s[i+1:j] + s[j+1:], each piece shifted by the length of what follows it.
        tail = np.clip(n - 1 - j, 0, None)
        middle = np.clip(j - i - 1, 0, None)
        hashes = (
            piece(np.zeros_like(i), i) * POWERS[middle + tail]
            + piece(i + 1, j) * POWERS[tail]
            + piece(j + 1, np.broadcast_to(n, valid.shape))
        )
    source = np.broadcast_to(chosen[:, None], valid.shape)
    return finalise(hashes[valid]), source[valid]


@lru_cache(maxsize=512)
def _spans(n: int, min_length: int, max_length: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    starts, ends = np.triu_indices(n + 1, k=min_length)
    keep = ends - starts <= max_length
    return starts[keep].astype(np.int64), ends[keep].astype(np.int64)


def substring_hashes(text: str, min_length: int, max_length: int) -> U64:
    """The finalised hashes of every substring of ``text`` whose length is in ``[min_length, max_length]``."""
    prefixes, powers = text_prefixes(text)
    starts, ends = _spans(len(text), min_length, max_length)
    with np.errstate(over="ignore"):
        return finalise(prefixes[ends] - prefixes[starts] * powers[ends - starts])


def distinct(values: npt.NDArray[T]) -> npt.NDArray[T]:
    """The distinct values, sorted (``np.unique`` without its hash-table path, slow on these sizes)."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]
