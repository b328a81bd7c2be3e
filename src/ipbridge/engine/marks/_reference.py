"""The slow, obviously correct similar-mark search: every mark is compared with the query.

It keeps each mark and its words in plain lists and, for a query, runs :func:`match` on every mark that
passes the filters. :meth:`ReferenceMatcher.search` first narrows the marks with vectorised tests that are
each a direct consequence of a resemblance's definition (keys at most two edits apart, equal Metaphone
codes, equal sorted words, one key inside the other), so that it stays usable on millions of marks;
:meth:`ReferenceMatcher.scan` leaves that out and compares every mark one by one. The tests check that
both give the same answer, and that :class:`~ipbridge.engine.marks.MarkIndex` gives it too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ipbridge.engine.marks._records import Filters, Mark
from ipbridge.engine.marks._scoring import (
    MIN_CONTAINED,
    Hit,
    Match,
    Query,
    _metaphone,
    explain,
    mark_words,
    match,
    order_key,
)

DEFAULT_CUTOFF = 0.7
# Marks grouped by key length (rows, keys, keys as bytes, hashes of keys), then Metaphone codes and sorted
# words by row.
_Columns = tuple[
    dict[int, tuple[npt.NDArray[np.int64], list[str], npt.NDArray[np.bytes_], npt.NDArray[np.int64]]],
    npt.NDArray[np.bytes_],
    npt.NDArray[np.bytes_],
]


class ReferenceMatcher:
    """Exhaustive similar-mark search with the same scoring and the same answers as the index."""

    def __init__(self, marks: Iterable[Mark] = ()) -> None:
        self._marks: list[Mark] = []
        self._words: list[tuple[str, ...]] = []
        self._keys: list[str] = []
        self._columns: _Columns | None = None
        self.add(marks)

    def __len__(self) -> int:
        return len(self._marks)

    def add(self, marks: Iterable[Mark]) -> None:
        """Add marks; a mark whose id is already present replaces it."""
        incoming = list(marks)
        replaced = {mark.id for mark in incoming}
        if replaced & {mark.id for mark in self._marks}:
            self.remove(replaced)
        for mark in incoming:
            words = mark_words(mark.text)
            self._marks.append(mark)
            self._words.append(words)
            self._keys.append("".join(words))
        self._columns = None

    def remove(self, ids: Iterable[int]) -> None:
        """Forget the marks with these ids."""
        gone = set(ids)
        kept = [i for i, mark in enumerate(self._marks) if mark.id not in gone]
        self._marks = [self._marks[i] for i in kept]
        self._words = [self._words[i] for i in kept]
        self._keys = [self._keys[i] for i in kept]
        self._columns = None

    def _column_arrays(self) -> _Columns:
        if self._columns is None:
            lengths = np.fromiter(map(len, self._keys), dtype=np.int64, count=len(self._keys))
            by_length = {}
            for length in np.unique(lengths).tolist():
                rows = np.flatnonzero(lengths == length)
                keys = [self._keys[row] for row in rows.tolist()]
                encoded = np.array([key.encode() for key in keys], dtype=np.bytes_)
                by_length[length] = (rows, keys, encoded, np.fromiter(map(hash, keys), dtype=np.int64, count=len(keys)))
            phonetic = np.array([_metaphone(key).encode() for key in self._keys], dtype=np.bytes_)
            orders = np.array([order_key(words).encode() for words in self._words], dtype=np.bytes_)
            self._columns = (by_length, phonetic, orders)
        return self._columns

    def _narrow(self, query: Query) -> npt.NDArray[np.int64]:
        """The marks that pass at least one necessary condition of a resemblance; the others score 0."""
        if not self._keys:
            return np.zeros(0, dtype=np.int64)
        by_length, phonetic, orders = self._column_arrays()
        n = len(query.key)
        near = [np.flatnonzero(phonetic == query.phonetic.encode())]
        if query.order:
            near.append(np.flatnonzero(orders == query.order.encode()))
        inner = {query.key[i:j] for i in range(n) for j in range(i + MIN_CONTAINED, n + 1) if j - i < n}
        for length, (rows, keys, encoded, hashes) in by_length.items():
            if abs(length - n) <= 2:
                # Keys two edits apart differ in length by two at most.
                distances = process.cdist([query.key], keys, scorer=Levenshtein.distance, score_cutoff=2, workers=-1)
                near.append(rows[distances[0] <= 2])
            if length > n >= MIN_CONTAINED:
                near.append(rows[np.strings.find(encoded, query.key.encode()) >= 0])
            if MIN_CONTAINED <= length < n and inner:
                # Equal hashes first (Python's hash of str, within this process), equal strings in ``match``.
                wanted = np.sort(np.fromiter(map(hash, inner), dtype=np.int64, count=len(inner)))
                at = np.minimum(np.searchsorted(wanted, hashes), len(wanted) - 1)
                near.append(rows[wanted[at] == hashes])
        return np.unique(np.concatenate(near))

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        score_cutoff: float = DEFAULT_CUTOFF,
        office: str | Collection[str] | None = None,
        nice_class: int | Collection[int] | None = None,
        status: str | Collection[str] | None = None,
        owner: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
    ) -> list[Hit]:
        """The ``limit`` best marks scoring at least ``score_cutoff``, best first, ties by id."""
        filters = Filters.of(
            office=office, nice_class=nice_class, status=status, owner=owner, date_from=date_from, date_to=date_to
        )
        keys = Query.of(query)
        return self._rank(keys, self._narrow(keys).tolist(), limit, score_cutoff, filters)

    def scan(
        self, query: str, *, limit: int = 10, score_cutoff: float = DEFAULT_CUTOFF, filters: Filters | None = None
    ) -> list[Hit]:
        """Like :meth:`search`, comparing every mark with the query, one by one."""
        keys = Query.of(query)
        return self._rank(keys, range(len(self._marks)), limit, score_cutoff, filters or Filters())

    def _rank(self, query: Query, rows: Iterable[int], limit: int, score_cutoff: float, filters: Filters) -> list[Hit]:
        found: list[tuple[float, int, int, Match]] = []
        for row in rows:
            mark = self._marks[row]
            if not filters.keeps(mark):
                continue
            result = match(query, mark.text, self._words[row])
            if result is not None and result.score >= score_cutoff:
                found.append((-result.score, mark.id, row, result))
        found.sort(key=lambda item: (item[0], item[1]))
        return [
            Hit(mark_id, self._marks[row].text, -negative, explain(query, self._marks[row].text, self._words[row], m))
            for negative, mark_id, row, m in found[:limit]
        ]
