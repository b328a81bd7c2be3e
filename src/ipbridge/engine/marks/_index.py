"""The fast similar-mark index: candidates from hash tables, then the shared scoring function on them.

A search gathers candidates through channels, one for each resemblance, each complete for it:

1. **Keys within edit distance.** The query key's deletion neighbourhood (every string left after
   deleting up to ``k`` characters, ``k`` the most edits that can still reach ``score_cutoff``) is looked
   up in the ``exact`` and ``deletions`` tables. Two strings at distance 1 always share a string of the
   two neighbourhoods, so this finds every mark within one edit, and all those at two edits that need at
   most one deletion from the mark's side. The other marks two edits away come from two more tables, and
   only when the marks found so far do not already fill the answer with scores above what two edits can
   reach: short keys (under ``PART_MIN`` letters) from ``deletions2``, their two-character deletions,
   which must meet the query's neighbourhood; long keys from ``parts``, since any key two edits away
   shares one of its three parts with the query, where the part starts shifted by at most the edits
   before it (``shared_part_hashes``).
2. **Same sound, same words, containment.** Equal-hash lookups in ``phonetic``, ``orders`` and
   ``runs``, and every substring of the query key of four characters or more in ``exact``. These
   resemblances score by key lengths alone, so a channel's candidates are ranked by vector operations and
   only its best ``limit`` are passed on: any mark that would rank higher overall already ranks higher
   within the channel.

Before any channel, the marks whose key is the query's are counted: equal keys score at least
``MIN_EQUAL`` and every other resemblance at most ``MAX_UNEQUAL``, below it, so when there are ``limit``
of them the answer is their best ``limit`` and no channel is needed.

Every candidate then goes through :func:`~ipbridge.engine.marks._scoring.match`, the very function the
reference matcher runs on every mark, so the index and the reference can only differ in which marks they
look at, never in a score.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from itertools import islice
from pathlib import Path

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ipbridge.engine.marks._hashing import (
    U64,
    distinct,
    hash_strings,
    neighbourhood_hashes,
    query_masks,
    substring_hashes,
)
from ipbridge.engine.marks._records import Filters, Mark
from ipbridge.engine.marks._reference import DEFAULT_CUTOFF
from ipbridge.engine.marks._scoring import (
    EDIT_CAP,
    LEVEL_SCORES,
    MAX_UNEQUAL,
    MIN_CONTAINED,
    MIN_EQUAL,
    MIN_PHONETIC,
    Hit,
    Match,
    Query,
    _metaphone,
    contained_score,
    edit_score,
    explain,
    level,
    mark_words,
    match,
    phonetic_score,
    runs,
)
from ipbridge.engine.marks._segment import PART_MIN, Segment, build, merge, shared_part_hashes
from ipbridge.engine.marks._store import Store
from ipbridge.engine.marks._table import MAX_ROWS

FORMAT = "ipbridge-mark-index/2"
BATCH = 200_000
Rows = npt.NDArray[np.int64]


def _reachable_edits(query: Query, score_cutoff: float) -> int:
    """The most edits a mark may be from the query and still score ``score_cutoff`` by edit distance."""
    limit = 2 if query.latin else 1
    n = len(query.key)
    return max((d for d in range(limit + 1) if edit_score(d, n, n + d) >= score_cutoff), default=0)


class MarkIndex:
    """Similar-mark search over millions of marks, in memory, with incremental updates.

    Searches may run from any number of threads at once; writes (:meth:`add`, :meth:`remove`) take a lock
    and publish their result in one assignment, so a search sees the index before or after a write.
    """

    def __init__(self, marks: Iterable[Mark] = ()) -> None:
        self._store = Store()
        self._segments: tuple[Segment, ...] = ()
        self._lock = threading.Lock()
        self._live = 0
        self._max_key = 0
        self.add(marks)

    def __len__(self) -> int:
        """The number of marks in the index."""
        return self._live

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays (hash tables, columns and packed texts)."""
        store = self._store
        columns = sum(c.nbytes for c in store.columns.values())
        packed = sum(p.data.nbytes + p.offsets.nbytes for p in (store.texts, store.words))
        return columns + packed + sum(s.nbytes for s in self._segments)

    # Writes

    def add(self, marks: Iterable[Mark]) -> None:
        """Add marks, replacing any already indexed under the same id; the rest of the index is kept.

        Marks are read in batches, each turned into sorted tables at once, so that no Python object per
        mark outlives its batch; the batches then form one new segment. Segments of similar sizes are
        merged, so that a search looks at a few segments and each mark is re-sorted a logarithmic number
        of times over the life of the index.
        """
        with self._lock:
            start = len(self._store)
            batches: list[Segment] = []
            iterator: Iterator[Mark] = iter(marks)
            while batch := list(islice(iterator, BATCH)):
                if len(self._store) + len(batch) > MAX_ROWS:
                    raise OverflowError(f"an index holds at most {MAX_ROWS} rows")
                words = [mark_words(mark.text) for mark in batch]
                first = len(self._store)
                self._store.append(batch, words)
                latin, bigrams = self._store.columns["latin"][first:], self._store.columns["bigrams"][first:]
                batches.append(build(first, [mark.id for mark in batch], words, latin, bigrams))
            if not batches:
                return
            alive = self._store.columns["alive"]
            ids = np.concatenate([b.ids[np.argsort(b.id_rows)] for b in batches])
            # A mark listed twice in one call: the last one wins.
            last = len(ids) - 1 - np.unique(ids[::-1], return_index=True)[1]
            dead = np.ones(len(ids), dtype=bool)
            dead[last] = False
            alive[start + np.flatnonzero(dead)] = False
            new = batches[0] if len(batches) == 1 and not dead.any() else merge(batches, alive)
            alive_ids = distinct(ids)
            self._forget(alive_ids)
            self._live += len(alive_ids)
            self._max_key = max(self._max_key, int(self._store.columns["key_length"].max(initial=0)))
            self._segments = self._merged((*self._segments, new))

    def remove(self, ids: Iterable[int]) -> None:
        """Remove the marks with these ids (unknown ids are ignored)."""
        with self._lock:
            self._forget(distinct(np.fromiter(ids, dtype=np.int64)))

    def _forget(self, ids: npt.NDArray[np.int64]) -> None:
        alive = self._store.columns["alive"]
        for segment in self._segments:
            rows = segment.rows_of(ids)
            rows = rows[alive[rows]]
            alive[rows] = False
            self._live -= len(rows)

    def _merged(self, segments: tuple[Segment, ...]) -> tuple[Segment, ...]:
        alive = self._store.columns["alive"]
        while len(segments) >= 2 and 2 * segments[-1].size >= segments[-2].size:
            segments = (*segments[:-2], merge(segments[-2:], alive))
        return segments

    def compacted(self) -> MarkIndex:
        """A new index of the same marks without the rows of removed and replaced ones, which an index keeps.

        Worth it after many updates: each replaced mark leaves its old row (text, words and filter
        fields, about half of the bytes per mark) behind.
        """
        return MarkIndex(self.marks())

    # Reads

    def marks(self) -> Iterator[Mark]:
        """Every mark in the index, in the order added, as stored: owner names come back normalised."""
        store = self._store
        columns = store.columns
        for start in range(0, len(store), BATCH):
            rows = np.flatnonzero(columns["alive"][start : start + BATCH]) + start
            for row, text in zip(rows.tolist(), store.texts.get_many(rows), strict=True):
                mask = int(columns["classes"][row])
                filing, registration = int(columns["filing"][row]), int(columns["registration"][row])
                yield Mark(
                    id=int(columns["ids"][row]),
                    text=text,
                    office=store.offices.values[int(columns["office"][row])],
                    classes=frozenset(c for c in range(1, 46) if mask >> c & 1),
                    status=store.statuses.values[int(columns["status"][row])],
                    owner=store.owners.values[int(columns["owner"][row])],
                    filing_date=dt.date.fromordinal(filing) if filing else None,
                    registration_date=dt.date.fromordinal(registration) if registration else None,
                )

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
        """The ``limit`` marks most similar to ``query`` scoring at least ``score_cutoff``, best first.

        Ties are broken by the smaller id. Filters: ``office`` and ``status`` (one value or several),
        ``nice_class`` (one or several; a mark in any of them passes), ``owner`` (compared normalised),
        ``date_from``/``date_to`` (filing date, both included).
        """
        filters = Filters.of(
            office=office, nice_class=nice_class, status=status, owner=owner, date_from=date_from, date_to=date_to
        )
        return self._search(Query.of(query), limit, score_cutoff, filters)

    def _search(self, query: Query, limit: int, score_cutoff: float, filters: Filters) -> list[Hit]:
        if not query.key or limit <= 0 or not self._segments:
            return []
        store, segments = self._store, self._segments
        n = len(query.key)
        lengths = store.columns["key_length"]
        reach = _reachable_edits(query, score_cutoff)
        if MIN_EQUAL > MAX_UNEQUAL and score_cutoff <= MIN_EQUAL:
            equal = self._equal(query, filters)
            if len(equal) >= limit:
                # A short Chinese mark's reading is shared by thousands of marks: the answer is among them.
                return self._hits(query, self._score(query, self._by_level(query, equal)[:limit], score_cutoff), limit)
        masks = query_masks(query.key)
        candidates: list[Rows] = [np.zeros(0, dtype=np.int64)]
        # A long query (a listing title) is farther than ``reach`` edits from every mark: only the
        # containment channel can find anything for it.
        within_reach = n - reach <= self._max_key
        if within_reach:
            hashes = neighbourhood_hashes(query.key, reach)
            rows = [s.exact.rows(hashes) for s in segments] + [s.deletions.rows(hashes) for s in segments]
            near = distinct(np.concatenate(rows))
            near = near[np.abs(lengths[near].astype(np.int64) - n) <= reach]
            candidates.append(self._nearest(query, masks, store.keep(near, filters), reach, limit))
        if query.order:
            order_hash = hash_strings([query.order])
            candidates += [store.keep(s.orders.rows(order_hash), filters) for s in segments]
        candidates += self._length_channels(query, score_cutoff, limit, filters)
        scored = self._score(query, distinct(np.concatenate(candidates)), score_cutoff)
        if within_reach and reach == 2:
            ceiling = edit_score(2, n, n + 2)
            above = sum(1 for s, *_ in scored.values() if s > ceiling)
            if ceiling >= score_cutoff and above < limit:
                extra = self._two_edits(query, masks, hashes, segments)
                extra = extra[np.abs(lengths[extra].astype(np.int64) - n) <= 2]
                extra = store.keep(extra, filters)
                extra = extra[~np.isin(extra, np.fromiter(scored, dtype=np.int64, count=len(scored)))]
                extra = self._nearest(query, masks, extra, 2, limit)
                scored.update(self._score(query, extra, score_cutoff))
        return self._hits(query, scored, limit)

    def _hits(
        self, query: Query, scored: dict[int, tuple[float, str, tuple[str, ...], Match]], limit: int
    ) -> list[Hit]:
        ids = self._store.columns["ids"]
        best = sorted(scored.items(), key=lambda item: (-item[1][0], int(ids[item[0]])))[:limit]
        return [
            Hit(int(ids[row]), text, score, explain(query, text, words, found))
            for row, (score, text, words, found) in best
        ]

    def _equal(self, query: Query, filters: Filters) -> Rows:
        """The live rows passing ``filters`` whose key is the query's."""
        store = self._store
        whole = hash_strings([query.key])
        rows = store.keep(np.concatenate([s.exact.rows(whole) for s in self._segments]), filters)
        rows = rows[store.columns["key_length"][rows] == len(query.key)]
        return rows[np.array([key == query.key for key in store.keys(rows)], dtype=bool)]

    def _by_level(self, query: Query, equal: Rows) -> Rows:
        """Rows with the query's key, best first: by the level at which their texts become equal, then id."""
        columns = self._store.columns
        texts = self._store.texts.get_many(equal)
        levels = {text: LEVEL_SCORES[level(query, text)] for text in set(texts)}
        level_scores = np.array([levels[text] for text in texts], dtype=np.float64)
        return equal[np.lexsort((columns["ids"][equal], -level_scores))]

    @staticmethod
    def _two_edits(query: Query, masks: tuple[np.uint64, np.uint64], hashes: U64, segments: Iterable[Segment]) -> Rows:
        """The marks two edits from the query that the deletion neighbourhood of radius one may miss, and others.

        A part shared by many keys (a common last word) gives a long run of the ``parts`` table; the
        bigram masks stored beside it throw most of the run out before any row is looked at.
        """
        n = len(query.key)
        found = [np.zeros(0, dtype=np.int64)]
        if n - 2 < PART_MIN:
            found += [s.deletions2.rows(hashes) for s in segments]
        if n + 2 >= PART_MIN:
            shared = shared_part_hashes(query.key)
            for s in segments:
                at = s.parts.positions(shared)
                at = at[np.bitwise_count(s.part_bigrams[at] ^ masks[1]) <= 8]
                found.append(s.parts.rows_at(at))
        return distinct(np.concatenate(found))

    def _nearest(self, query: Query, masks: tuple[np.uint64, np.uint64], rows: Rows, edits: int, limit: int) -> Rows:
        """Of ``rows``, those with the same key and the ``limit`` best by edit score within ``edits`` edits.

        ``masks`` are the query key's letter and bigram masks. The distances come from RapidFuzz in one
        call. The edit score depends on the distance and the key lengths alone, so ranking by it here
        cannot drop a mark that belongs in the answer because of it; a candidate that belongs there for
        another resemblance is found by that resemblance's channel.
        """
        columns = self._store.columns
        key = query.key
        rows = rows[np.bitwise_count(columns["letters"][rows] ^ masks[0]) <= 2 * edits]
        rows = rows[np.bitwise_count(columns["bigrams"][rows] ^ masks[1]) <= 4 * edits]
        if len(rows) == 0:
            return rows
        keys = self._store.keys(rows)
        distances = process.cdist([key], keys, scorer=Levenshtein.distance, score_cutoff=edits)[0]
        near = distances <= edits
        if edits >= 2:
            # Two edits count between Latin marks only (``max_edits``).
            near &= (distances < 2) | self._store.columns["latin"][rows]
        rows, distances = rows[near], distances[near].astype(np.int64)
        same = distances == 0
        others, distances = rows[~same], distances[~same]
        longer = np.maximum(len(query.key), columns["key_length"][others].astype(np.int64))
        scores = np.minimum(EDIT_CAP, 1.0 - distances / longer)
        ranked = others[np.lexsort((columns["ids"][others], -scores))]
        equal = rows[same]
        if len(equal) > limit:
            # Many marks with the query's very key: their score is that of the level at which the texts
            # become equal, one per distinct text.
            equal = self._by_level(query, equal)
        return np.concatenate((equal[:limit], ranked[:limit]))

    def _score(
        self, query: Query, rows: Rows, score_cutoff: float
    ) -> dict[int, tuple[float, str, tuple[str, ...], Match]]:
        store = self._store
        scored = {}
        texts, joined = store.texts.get_many(rows), store.words.get_many(rows)
        for row, text, spaced in zip(rows.tolist(), texts, joined, strict=True):
            words = tuple(spaced.split(" ")) if spaced else ()
            found = match(query, text, words)
            if found is not None and found.score >= score_cutoff:
                scored[row] = (found.score, text, words, found)
        return scored

    def _length_channels(self, query: Query, score_cutoff: float, limit: int, filters: Filters) -> list[Rows]:
        """The best ``limit`` candidates of each channel whose score depends on key lengths alone."""
        store, segments = self._store, self._segments
        n = len(query.key)
        lengths = store.columns["key_length"]
        ids = store.columns["ids"]
        picked: list[Rows] = []

        def best(rows: Rows, score: Callable[[int], float], holds: Callable[[int], bool], *, many: bool) -> None:
            if len(rows) == 0:
                return
            # One hash gives each row once; several hashes may give a row twice, and a row must not
            # take two places.
            rows = store.keep(distinct(rows) if many else rows, filters)
            # The channel's score depends on the key length alone: one table lookup per row.
            table = np.array([score(m) for m in range(self._max_key + 1)], dtype=np.float64)
            scores = table[lengths[rows]]
            keep = scores >= score_cutoff
            rows, scores = rows[keep], scores[keep]
            if len(rows) > limit:
                # The best ``limit`` by (score, smaller id) without sorting them all: everything above the
                # limit-th score, then the smallest ids among those tied with it.
                kth = np.partition(scores, len(scores) - limit)[len(scores) - limit]
                above, tied = rows[scores > kth], rows[scores == kth]
                need = limit - len(above)
                if len(tied) > need:
                    tied = tied[np.argpartition(ids[tied], need - 1)[:need]]
                head = np.concatenate((above, tied))
            else:
                head = rows
            chosen = self._verified(head, table, holds, limit)
            if len(chosen) < limit < len(rows):
                # A hash collision took a place: rank them all (rare).
                chosen = self._verified(rows, table, holds, limit)
            picked.append(np.array(chosen, dtype=np.int64))

        def key_of(row: int) -> str:
            return "".join(store.mark_words(row))

        if len(query.phonetic) >= MIN_PHONETIC:
            code = hash_strings([query.phonetic])
            best(
                np.concatenate([s.phonetic.rows(code) for s in segments]),
                lambda m: phonetic_score(n, m),
                lambda row: _metaphone(key_of(row)) == query.phonetic,
                many=False,
            )
        if n >= MIN_CONTAINED:
            whole = hash_strings([query.key])
            best(
                np.concatenate([s.runs.rows(whole) for s in segments]),
                lambda m: contained_score(n, m) if m > n else 0.0,
                lambda row: query.key in runs(store.mark_words(row)),
                many=False,
            )
        if n > MIN_CONTAINED and self._max_key >= MIN_CONTAINED:
            parts = substring_hashes(query.key, MIN_CONTAINED, min(n - 1, self._max_key))
            best(
                np.concatenate([s.exact.rows(parts) for s in segments]),
                lambda m: contained_score(m, n) if m < n else 0.0,
                lambda row: key_of(row) in query.key,
                many=True,
            )
        return picked

    def _verified(
        self, rows: Rows, table: npt.NDArray[np.float64], holds: Callable[[int], bool], limit: int
    ) -> list[int]:
        """Up to ``limit`` of ``rows`` for which the resemblance holds, best score first, then smaller id."""
        columns = self._store.columns
        chosen = []
        for row in rows[np.lexsort((columns["ids"][rows], -table[columns["key_length"][rows]]))].tolist():
            if holds(row):
                chosen.append(row)
                if len(chosen) == limit:
                    break
        return chosen

    # Files

    def save(self, path: str | Path) -> None:
        """Write the index to the folder ``path`` (created if missing) as ``.npy`` arrays and a JSON manifest."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._store.save(folder)
            for number, segment in enumerate(self._segments):
                segment.save(folder, f"segment{number}")
            manifest = {
                "format": FORMAT,
                "segments": len(self._segments),
                "live": self._live,
                "max_key": self._max_key,
            }
            (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path, *, mmap: bool = True) -> MarkIndex:
        """Read an index written by :meth:`save`.

        With ``mmap`` (the default) the large arrays are mapped from the files rather than read, so that a
        process starts at once and several processes share the pages; they are copied on the first write.
        """
        folder = Path(path)
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise ValueError(f"{folder} does not hold a {FORMAT} index")
        index = cls()
        index._store = Store.load(folder, mmap=mmap)
        index._segments = tuple(
            Segment.load(folder, f"segment{number}", mmap=mmap) for number in range(manifest["segments"])
        )
        index._live = int(manifest["live"])
        index._max_key = int(manifest["max_key"])
        return index
