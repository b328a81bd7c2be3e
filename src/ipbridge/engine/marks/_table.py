"""A hash table as one sorted array of packed words, with a directory of where each bucket begins.

Each entry is one unsigned 64-bit word, a hash's top ``HASH_BITS`` bits above a row number
(:func:`pack`), so that sorting groups the rows of equal hashes and one array is both the hash table and
its posting lists. The directory maps the top bits of a hash to the first entry that starts with them:
a lookup reads the directory once and then one short run of neighbouring entries, where a binary search
over hundreds of millions of entries would touch a new page at almost every step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from ipbridge.engine.marks._hashing import U64, distinct

ROW_BITS = 28
HASH_BITS = 64 - ROW_BITS
ROW_MASK = np.uint64((1 << ROW_BITS) - 1)
MAX_ROWS = 1 << ROW_BITS
# Entries per directory bucket, on average, between this and twice it: a run of a few cache lines, for a
# directory of a quarter to half a byte per entry.
BUCKET = 16
Positions = npt.NDArray[np.int64]


def pack(hashes: U64, rows: npt.NDArray[np.int64]) -> U64:
    """One word per entry: the hash's top bits above the row number, so that sorting groups equal hashes."""
    return ((hashes >> np.uint64(ROW_BITS)) << np.uint64(ROW_BITS)) | rows.astype(np.uint64)


def _ranges(starts: Positions, counts: Positions) -> Positions:
    """The positions ``starts[i] ... starts[i] + counts[i] - 1`` of every range, one after the other."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    begins = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) + np.repeat(starts - begins, counts)


@dataclass(frozen=True, slots=True)
class Table:
    """Sorted packed entries and the directory: ``starts[b]`` is the first entry whose top bits are ``>= b``."""

    entries: U64
    starts: Positions

    @classmethod
    def of(cls, entries: U64) -> Table:
        """The table of ``entries``, which must be sorted."""
        bits = max(1, (len(entries) // BUCKET).bit_length() - 1)
        buckets = (entries >> np.uint64(64 - bits)).astype(np.intp)
        starts = np.zeros((1 << bits) + 1, dtype=np.int64)
        np.cumsum(np.bincount(buckets, minlength=1 << bits), out=starts[1:])
        return cls(entries, starts)

    @property
    def nbytes(self) -> int:
        return self.entries.nbytes + self.starts.nbytes

    def __len__(self) -> int:
        return len(self.entries)

    def positions(self, hashes: U64) -> Positions:
        """The positions of the entries stored under any of ``hashes``, each once, in order."""
        if len(self.entries) == 0 or len(hashes) == 0:
            return np.zeros(0, dtype=np.int64)
        shift = (len(self.starts) - 1).bit_length() - 1
        if len(hashes) == 1:
            # One key, the common case: two numbers from the directory and a slice.
            key = int(hashes[0]) >> ROW_BITS
            bucket = key >> (HASH_BITS - shift)
            begin, end = int(self.starts[bucket]), int(self.starts[bucket + 1])
            found = np.flatnonzero((self.entries[begin:end] >> np.uint64(ROW_BITS)) == np.uint64(key))
            return found + begin
        keys = distinct(hashes >> np.uint64(ROW_BITS))
        buckets = (keys >> np.uint64(HASH_BITS - shift)).astype(np.intp)
        first = self.starts[buckets]
        counts = self.starts[buckets + 1] - first
        at = _ranges(first, counts)
        found = (self.entries[at] >> np.uint64(ROW_BITS)) == np.repeat(keys, counts)
        return at[found]

    def rows(self, hashes: U64) -> npt.NDArray[np.int64]:
        """The rows stored under any of ``hashes``; a row stored under several of them comes several times."""
        return self.rows_at(self.positions(hashes))

    def rows_at(self, positions: Positions) -> npt.NDArray[np.int64]:
        return (self.entries[positions] & ROW_MASK).astype(np.int64)

    def live(self, alive: npt.NDArray[np.bool_]) -> U64:
        """The entries whose rows are alive."""
        return self.entries[alive[(self.entries & ROW_MASK).astype(np.int64)]]

    def save(self, folder: Path, name: str) -> None:
        np.save(folder / f"{name}.npy", self.entries)
        np.save(folder / f"{name}.starts.npy", self.starts)

    @classmethod
    def load(cls, folder: Path, name: str, *, mmap: bool) -> Table:
        mode: Literal["r"] | None = "r" if mmap else None
        return cls(
            np.load(folder / f"{name}.npy", mmap_mode=mode).view(np.ndarray),
            np.load(folder / f"{name}.starts.npy"),
        )
