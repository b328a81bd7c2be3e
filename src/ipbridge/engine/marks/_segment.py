"""A segment: the sorted hash tables of a batch of rows, built at once and merged with others later.

Each table is a :class:`~ipbridge.engine.marks._table.Table`: sorted packed words and a directory, so a
lookup reads a few neighbouring entries. The tables, for each row's key (its words joined):

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
  three parts, and shift the third by at most two). ``part_bigrams`` holds each entry's key's
  :func:`~ipbridge.engine.marks._hashing.bigram_masks`, in the table's order: a common last word (SPORT)
  makes some parts shared by many thousands of keys, and the masks throw most of them out while they are
  still a contiguous run of the table, before any per-mark column is read.
- ``ids``/``id_rows``: the callers' ids, sorted, and their rows, to find a mark again to replace or remove it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ipbridge.engine.marks._hashing import (
    BASE,
    U64,
    codes,
    deletion_hashes,
    distinct,
    double_deletion_hashes,
    finalise,
    hash_strings,
    prefix_hashes,
    tagged_substring_hashes,
    text_prefixes,
    whole_hashes,
)
from ipbridge.engine.marks._scoring import MIN_CONTAINED, MIN_PHONETIC, _metaphone, order_key, runs
from ipbridge.engine.marks._table import ROW_MASK, Table, pack

TABLES = ("exact", "deletions", "deletions2", "phonetic", "orders", "runs", "parts")
COLUMNS = ("part_bigrams", "ids", "id_rows")
# Keys in a-z this long or longer are cut into three parts for the ``parts`` table; shorter ones have their
# two-character deletions in ``deletions2`` instead.
PART_MIN = 10
_TAG = 0xE000
# Rows hashed at once when building deletion tables: bounds the temporary code-point matrices.
CHUNK = 100_000


@dataclass(frozen=True, slots=True)
class Segment:
    exact: Table
    deletions: Table
    deletions2: Table
    phonetic: Table
    orders: Table
    runs: Table
    parts: Table
    part_bigrams: U64
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
        for table in TABLES:
            getattr(self, table).save(folder, f"{name}.{table}")
        for column in COLUMNS:
            np.save(folder / f"{name}.{column}.npy", getattr(self, column))

    @classmethod
    def load(cls, folder: Path, name: str, *, mmap: bool) -> Segment:
        mode: Literal["r"] | None = "r" if mmap else None
        tables: dict[str, Any] = {table: Table.load(folder, f"{name}.{table}", mmap=mmap) for table in TABLES}
        # Plain arrays over the mapped files: a memory map's subclass costs microseconds on every indexing.
        columns = {c: np.load(folder / f"{name}.{c}.npy", mmap_mode=mode).view(np.ndarray) for c in COLUMNS}
        return cls(**tables, **columns)


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


def shared_part_hashes(key: str) -> U64:
    """The hashes of the part keys one of which a Latin key at most two edits from ``key`` shares with it.

    For a key of ``length`` characters, ``n - length = inserted - deleted`` and ``inserted + deleted <= 2``
    bound the edits on the query's side; a part no edit touches lies in the query ``key`` shifted by the
    insertions before it less the deletions before it. Nothing can be deleted before the first part, nor
    inserted after the last one.
    """
    n = len(key)
    prefixes, powers = text_prefixes(key)
    starts, sizes, heads = [], [], []
    for length in range(max(PART_MIN, n - 2), n + 3):
        grown = n - length
        inserted = (2 + grown) // 2
        deleted = inserted - grown
        for number, (start, end) in enumerate(part_bounds(length)):
            size = end - start
            low = 0 if number == 0 else -deleted
            high = grown if number == 2 else inserted
            head = ((_TAG + length + 1) * int(BASE) + _TAG + number + 1) % 2**64
            for at in range(max(0, start + low), min(n - size, start + high) + 1):
                starts.append(at)
                sizes.append(size)
                heads.append(head)
    begin, width = np.array(starts, dtype=np.int64), np.array(sizes, dtype=np.int64)
    with np.errstate(over="ignore"):
        inner = prefixes[begin + width] - prefixes[begin] * powers[width]
        return finalise(np.array(heads, dtype=np.uint64) * powers[width] + inner)


def _packed(parts: list[tuple[U64, npt.NDArray[np.int64]]], *, distinct_entries: bool = False) -> Table:
    if not parts:
        return Table.of(np.zeros(0, dtype=np.uint64))
    table = np.concatenate([pack(hashes, rows) for hashes, rows in parts])
    # Deleting any two of "aab" gives the same strings more than once: stored once each.
    return Table.of(distinct(table) if distinct_entries else np.sort(table))


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
    first_row: int,
    ids: Sequence[int],
    words: Sequence[tuple[str, ...]],
    latin: npt.NDArray[np.bool_],
    bigrams: U64,
) -> Segment:
    """The segment of rows ``first_row ...``, for marks with these ids, words, :func:`is_latin` flags and
    :func:`bigram_masks` of their keys."""
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
    part_entries = np.concatenate([pack(hashes, part_rows) for hashes, part_rows in parts])
    by_part = np.argsort(part_entries)
    return Segment(
        exact=_packed(exact),
        deletions=_packed(deletions),
        deletions2=_packed(deletions2, distinct_entries=True),
        phonetic=_packed([(hash_strings(phonetic_codes), np.array(phonetic_rows, dtype=np.int64))]),
        orders=_packed([(hash_strings(order_keys), np.array(order_rows, dtype=np.int64))]),
        runs=_packed([(hash_strings(run_keys), np.array(run_rows, dtype=np.int64))]),
        parts=Table.of(part_entries[by_part]),
        part_bigrams=bigrams[(part_entries[by_part] & ROW_MASK).astype(np.int64) - first_row],
        ids=id_array[order],
        id_rows=rows[order],
    )


def merge(segments: Sequence[Segment], alive: npt.NDArray[np.bool_]) -> Segment:
    """One segment holding the live rows of ``segments``."""

    tables = {}
    for name in TABLES:
        if name != "parts":
            entries = np.concatenate([getattr(s, name).live(alive) for s in segments])
            # Timsort: each segment's entries are a sorted run already.
            entries.sort(kind="stable")
            tables[name] = Table.of(entries)
    # The parts table's masks follow its entries.
    keep = [alive[s.parts.rows_at(np.arange(len(s.parts)))] for s in segments]
    part_entries = np.concatenate([s.parts.entries[k] for s, k in zip(segments, keep, strict=True)])
    part_bigrams = np.concatenate([s.part_bigrams[k] for s, k in zip(segments, keep, strict=True)])
    by_part = np.argsort(part_entries, kind="stable")
    ids = np.concatenate([s.ids for s in segments])
    id_rows = np.concatenate([s.id_rows for s in segments])
    keep_ids = alive[id_rows]
    ids, id_rows = ids[keep_ids], id_rows[keep_ids]
    order = np.argsort(ids, kind="stable")
    return Segment(
        **tables,
        parts=Table.of(part_entries[by_part]),
        part_bigrams=part_bigrams[by_part],
        ids=ids[order],
        id_rows=id_rows[order],
    )
