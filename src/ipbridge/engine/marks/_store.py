"""Per-mark columns of the index: texts and words in packed byte tables, filter fields in NumPy arrays.

One Python object per mark would cost more than the whole index (a small ``str`` alone takes 50-60
bytes), so each field is a column and the texts are UTF-8 bytes laid end to end with an offsets array.
Columns only grow: a removed mark is flagged dead and skipped; its row is never reused.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ipbridge.engine.marks._hashing import bigram_masks, letter_masks
from ipbridge.engine.marks._records import Filters, Mark, class_mask, owner_key
from ipbridge.engine.marks._scoring import is_latin

COLUMNS = {
    "ids": np.int64,
    "alive": np.bool_,
    "office": np.uint16,
    "status": np.uint16,
    "classes": np.uint64,
    "owner": np.int32,
    "filing": np.int32,
    "registration": np.int32,
    "key_length": np.uint16,
    "latin": np.bool_,
    "letters": np.uint64,
    "bigrams": np.uint64,
}


class _Vocabulary:
    """Strings numbered in order of first appearance, so that a column can hold small integers."""

    def __init__(self, values: Sequence[str] = ()) -> None:
        self.values = list(values)
        self.codes = {value: code for code, value in enumerate(self.values)}

    def code(self, value: str) -> int:
        found = self.codes.get(value)
        if found is None:
            found = self.codes[value] = len(self.values)
            self.values.append(value)
        return found


class _Packed:
    """Strings as one UTF-8 byte array and an offsets array; row ``i`` is ``data[offsets[i]:offsets[i + 1]]``."""

    def __init__(self, data: npt.NDArray[np.uint8], offsets: npt.NDArray[np.int64]) -> None:
        self.data = data
        self.offsets = offsets

    def append(self, strings: Sequence[str]) -> None:
        encoded = [s.encode() for s in strings]
        lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
        end = int(self.offsets[-1])
        self.offsets = np.concatenate((self.offsets, end + np.cumsum(lengths)))
        self.data = np.concatenate((self.data, np.frombuffer(b"".join(encoded), dtype=np.uint8)))

    def get_many(self, rows: npt.NDArray[np.int64]) -> list[str]:
        """The strings of ``rows``, gathered with one vector operation and decoded at once."""
        if len(rows) == 0:
            return []
        starts, ends = self.offsets[rows], self.offsets[rows + 1]
        sizes = ends - starts
        total = int(sizes.sum())
        bounds = np.concatenate(([0], np.cumsum(sizes))).tolist()
        gathered = self.data[np.arange(total) + np.repeat(starts - bounds[:-1], sizes)].tobytes()
        if gathered.isascii():
            text = gathered.decode("ascii")
            return [text[bounds[i] : bounds[i + 1]] for i in range(len(sizes))]
        return [gathered[bounds[i] : bounds[i + 1]].decode() for i in range(len(sizes))]

    def get(self, row: int) -> str:
        return self.data[self.offsets[row] : self.offsets[row + 1]].tobytes().decode()


def _ordinal(date: object) -> int:
    return date.toordinal() if hasattr(date, "toordinal") else 0


class Store:
    """The per-mark columns; rows are numbered from 0 in order of addition."""

    def __init__(self) -> None:
        self.columns: dict[str, npt.NDArray[Any]] = {name: np.zeros(0, dtype) for name, dtype in COLUMNS.items()}
        self.texts = _Packed(np.zeros(0, np.uint8), np.zeros(1, np.int64))
        self.words = _Packed(np.zeros(0, np.uint8), np.zeros(1, np.int64))
        self.offices = _Vocabulary()
        self.statuses = _Vocabulary()
        self.owners = _Vocabulary([""])
        self._owner_codes: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.columns["ids"])

    def append(self, marks: Sequence[Mark], words: Sequence[tuple[str, ...]]) -> None:
        """Add rows for ``marks``; the caller publishes them to searches afterwards."""
        keys = ["".join(w) for w in words]
        new: dict[str, Any] = {
            "ids": [mark.id for mark in marks],
            "alive": [True] * len(marks),
            "office": [self.offices.code(mark.office) for mark in marks],
            "status": [self.statuses.code(mark.status) for mark in marks],
            "classes": [class_mask(mark.classes) for mark in marks],
            "owner": [self._owner_code(mark.owner) for mark in marks],
            "filing": [_ordinal(mark.filing_date) for mark in marks],
            "registration": [_ordinal(mark.registration_date) for mark in marks],
            "key_length": [len(key) for key in keys],
            "latin": [is_latin(key, mark.text) for mark, key in zip(marks, keys, strict=True)],
            "letters": letter_masks(keys),
            "bigrams": bigram_masks(keys),
        }
        # Columns are replaced, never resized in place, so that a search running meanwhile keeps a
        # consistent (older) array.
        for name, values in new.items():
            self.columns[name] = np.concatenate((self.columns[name], np.array(values, dtype=COLUMNS[name])))
        self.texts.append([mark.text for mark in marks])
        self.words.append([" ".join(w) for w in words])

    def _owner_code(self, owner: str) -> int:
        # Owners hold many marks: normalise each name once.
        code = self._owner_codes.get(owner)
        if code is None:
            code = self._owner_codes[owner] = self.owners.code(owner_key(owner))
        return code

    def text(self, row: int) -> str:
        return self.texts.get(row)

    def keys(self, rows: npt.NDArray[np.int64]) -> list[str]:
        """The keys (words joined) of ``rows``."""
        return [joined.replace(" ", "") for joined in self.words.get_many(rows)]

    def mark_words(self, row: int) -> tuple[str, ...]:
        joined = self.words.get(row)
        return tuple(joined.split(" ")) if joined else ()

    def keep(self, rows: npt.NDArray[np.int64], filters: Filters) -> npt.NDArray[np.int64]:
        """The rows that are alive and pass ``filters``, vectorised."""
        c = self.columns
        keep = c["alive"][rows]
        if filters.empty:
            return rows[keep]
        if filters.offices is not None:
            codes = [self.offices.codes[o] for o in filters.offices if o in self.offices.codes]
            keep &= np.isin(c["office"][rows], codes)
        if filters.statuses is not None:
            codes = [self.statuses.codes[s] for s in filters.statuses if s in self.statuses.codes]
            keep &= np.isin(c["status"][rows], codes)
        if filters.classes is not None:
            keep &= (c["classes"][rows] & np.uint64(filters.classes)) != 0
        if filters.owner is not None:
            keep &= c["owner"][rows] == self.owners.codes.get(filters.owner, -1)
        if filters.date_from is not None or filters.date_to is not None:
            filing = c["filing"][rows]
            keep &= filing > 0
            if filters.date_from is not None:
                keep &= filing >= filters.date_from.toordinal()
            if filters.date_to is not None:
                keep &= filing <= filters.date_to.toordinal()
        return rows[keep]

    def save(self, folder: Path) -> None:
        for name, column in self.columns.items():
            np.save(folder / f"{name}.npy", column)
        for name, packed in (("texts", self.texts), ("words", self.words)):
            np.save(folder / f"{name}.data.npy", packed.data)
            np.save(folder / f"{name}.offsets.npy", packed.offsets)
        for name, vocabulary in (("offices", self.offices), ("statuses", self.statuses), ("owners", self.owners)):
            np.save(folder / f"{name}.npy", np.array(vocabulary.values, dtype=np.str_))

    @classmethod
    def load(cls, folder: Path, *, mmap: bool) -> Store:
        mode: Literal["r"] | None = "r" if mmap else None

        def read(name: str) -> npt.NDArray[Any]:
            # A plain array over the mapped file: a memory map's subclass costs microseconds on every indexing.
            return np.load(folder / f"{name}.npy", mmap_mode=mode).view(np.ndarray)

        store = cls()
        for name in COLUMNS:
            store.columns[name] = read(name)
        # The alive flags change on removal, so they are always read into memory.
        store.columns["alive"] = np.array(store.columns["alive"])
        store.texts = _Packed(read("texts.data"), np.load(folder / "texts.offsets.npy"))
        store.words = _Packed(read("words.data"), np.load(folder / "words.offsets.npy"))
        store.offices = _Vocabulary(np.load(folder / "offices.npy").tolist())
        store.statuses = _Vocabulary(np.load(folder / "statuses.npy").tolist())
        store.owners = _Vocabulary(np.load(folder / "owners.npy").tolist())
        return store
