"""A segment: the sorted hash tables of a batch of rows, built at once and merged with others later.

Each table is one sorted ``uint64`` array of :func:`~ipbridge.engine.marks._hashing.pack` words, so a
lookup is two binary searches and a slice. The tables, for each row's key (its words joined):

- ``exact``: the key itself;
- ``deletions``: the key with any one character deleted (the deletion neighbourhood of radius 1);
- ``deletions2``: for Latin marks (``is_latin``) with keys under ``PART_MIN`` letters, the key with any two
  characters deleted;
- ``phonetic``: the key's Metaphone code, when it has two symbols or more;
- ``orders``: the words sorted, for marks of two words or more;
- ``runs``: every run of one to three consecutive words (not the whole mark) of four characters or more;
- ``parts``: for Latin marks with keys of ``PART_MIN`` letters or more, the key cut into three parts, each
  tagged with the key's length and the part's number: two keys at most two edits apart always share one
  part, found in the other key within two characters of where it starts (two edits touch at most two of
  three parts, and shift the third by at most two).
- ``ids``/``id_rows``: the callers' ids, sorted, and their rows, to find a mark again to replace or remove it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from ipbridge.engine.marks._hashing import (
    ROW_MASK,
    U64,
    codes,
    deletion_hashes,
    distinct,
    double_deletion_hashes,
    hash_strings,
    pack,
    prefix_hashes,
    tagged_substring_hashes,
    whole_hashes,
)
from ipbridge.engine.marks._scoring import MIN_CONTAINED, MIN_PHONETIC, _metaphone, order_key, runs

TABLES = ("exact", "deletions", "deletions2", "phonetic", "orders", "runs", "parts")
# Keys in a-z this long or longer are cut into three parts for the ``parts`` table; shorter ones have their
# two-character deletions in ``deletions2`` instead.
PART_MIN = 10
_TAG = 0xE000
# Rows hashed at once when building deletion tables: bounds the temporary code-point matrices.
CHUNK = 100_000


@dataclass(frozen=True, slots=True)
class Segment:
    exact: U64
    deletions: U64
    deletions2: U64
    phonetic: U64
    orders: U64
    runs: U64
    parts: U64
    ids: npt.NDArray[np.int64]
    id_rows: npt.NDArray[np.int64]

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self))

    def rows_of(self, ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The rows holding any of ``ids`` in this segment."""
        at = np.searchsorted(self.ids, ids, side="left")
        stop = np.searchsorted(self.ids, ids, side="right")
        # An id may sit on several rows of a segment (replaced in a later batch before a merge).
        counts = stop - at
        starts = np.repeat(at - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        return self.id_rows[np.arange(int(counts.sum())) + starts]

    def save(self, folder: Path, name: str) -> None:
        for f in fields(self):
            np.save(folder / f"{name}.{f.name}.npy", getattr(self, f.name))

    @classmethod
    def load(cls, folder: Path, name: str, *, mmap: bool) -> Segment:
        mode: Literal["r"] | None = "r" if mmap else None
        return cls(**{f.name: np.load(folder / f"{name}.{f.name}.npy", mmap_mode=mode) for f in fields(cls)})


def part_bounds(length: int) -> list[tuple[int, int]]:
    """Where the three parts of a key of ``length`` characters start and end."""
    base, longer = divmod(length, 3)
    bounds, start = [], 0
    for number in range(3):
        size = base + (1 if number >= 3 - longer else 0)
        bounds.append((start, start + size))
        start += size
    return bounds


def part_key(length: int, number: int, part: str) -> str:
    """The string hashed for one part: the key length and the part number as private-use characters, then the part."""
    return f"{chr(_TAG + length)}{chr(_TAG + number)}{part}"


def _packed(parts: list[tuple[U64, npt.NDArray[np.int64]]], *, distinct_entries: bool = False) -> U64:
    if not parts:
        return np.zeros(0, dtype=np.uint64)
    table = np.concatenate([pack(hashes, rows) for hashes, rows in parts])
    # Deleting any two of "aab" gives the same strings more than once: stored once each.
    return distinct(table) if distinct_entries else np.sort(table)


def _part_hashes(
    prefixes: U64, lengths: npt.NDArray[np.int64], latin: npt.NDArray[np.bool_]
) -> tuple[U64, npt.NDArray[np.int64]]:
    """The hashes of the ``part_key`` strings of the rows with ``PART_MIN`` letters a-z or more, and their rows."""
    chosen = np.flatnonzero(latin & (lengths >= PART_MIN))
    n = lengths[chosen]
    base, longer = n // 3, n % 3
    hashes, rows = [], []
    start = np.zeros(len(chosen), dtype=np.int64)
    for number in range(3):
        size = base + (number >= 3 - longer)
        tag = np.stack((n + (_TAG + 1), np.full(len(chosen), _TAG + number + 1)), axis=1).astype(np.uint64)
        hashes.append(tagged_substring_hashes(prefixes[chosen], n, start, start + size, tag))
        rows.append(chosen)
        start = start + size
    return np.concatenate(hashes), np.concatenate(rows)


def build(
    first_row: int, ids: Sequence[int], words: Sequence[tuple[str, ...]], latin: npt.NDArray[np.bool_]
) -> Segment:
    """The segment of rows ``first_row ...``, for marks with these ids, words and :func:`is_latin` flags."""
    rows = np.arange(first_row, first_row + len(words), dtype=np.int64)
    keys = ["".join(w) for w in words]
    exact, deletions, deletions2, parts = [], [], [], []
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        points, lengths = codes(chunk)
        prefixes = prefix_hashes(points)
        chunk_rows = rows[start : start + len(chunk)]
        has_key = lengths > 0
        exact.append((whole_hashes(prefixes, lengths)[has_key], chunk_rows[has_key]))
        hashes, source = deletion_hashes(points, lengths, prefixes)
        deletions.append((hashes, chunk_rows[source]))
        chunk_latin = latin[start : start + len(chunk)]
        hashes, source = _part_hashes(prefixes, lengths, chunk_latin)
        parts.append((hashes, chunk_rows[source]))
        hashes, source = double_deletion_hashes(np.where(chunk_latin, lengths, 0), prefixes, PART_MIN - 1)
        deletions2.append((hashes, chunk_rows[source]))
    phonetic_rows, phonetic_codes = [], []
    order_rows, order_keys, run_rows, run_keys = [], [], [], []
    for row, key, w in zip(rows.tolist(), keys, words, strict=True):
        code = _metaphone(key)
        if len(code) >= MIN_PHONETIC:
            phonetic_rows.append(row)
            phonetic_codes.append(code)
        if len(w) >= 2:
            order_rows.append(row)
            order_keys.append(order_key(w))
            for run in runs(w):
                if len(run) >= MIN_CONTAINED:
                    run_rows.append(row)
                    run_keys.append(run)
    id_array = np.array(ids, dtype=np.int64)
    order = np.argsort(id_array, kind="stable")
    return Segment(
        exact=_packed(exact),
        deletions=_packed(deletions),
        deletions2=_packed(deletions2, distinct_entries=True),
        phonetic=_packed([(hash_strings(phonetic_codes), np.array(phonetic_rows, dtype=np.int64))]),
        orders=_packed([(hash_strings(order_keys), np.array(order_rows, dtype=np.int64))]),
        runs=_packed([(hash_strings(run_keys), np.array(run_rows, dtype=np.int64))]),
        parts=_packed(parts),
        ids=id_array[order],
        id_rows=rows[order],
    )


def merge(segments: Sequence[Segment], alive: npt.NDArray[np.bool_]) -> Segment:
    """One segment holding the live rows of ``segments``."""

    def live(table: U64) -> U64:
        return table[alive[(table & ROW_MASK).astype(np.int64)]]

    tables = {}
    for name in TABLES:
        table = np.concatenate([live(getattr(s, name)) for s in segments])
        # Timsort: the parts are sorted runs already.
        table.sort(kind="stable")
        tables[name] = table
    ids = np.concatenate([s.ids for s in segments])
    id_rows = np.concatenate([s.id_rows for s in segments])
    keep = alive[id_rows]
    ids, id_rows = ids[keep], id_rows[keep]
    order = np.argsort(ids, kind="stable")
    return Segment(**tables, ids=ids[order], id_rows=id_rows[order])
