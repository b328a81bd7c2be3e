"""The fast screener: a batch filter in C over many texts at once, then the rules on the few that hit.

For a batch of texts (titles, descriptions, shop names, transcript segments):

1. the texts are joined with NUL and folded in one ``str.translate`` (``_forms._filter_char``: skeletons,
   Chinese characters as their syllables, digits in capitals, separators as spaces);
2. the spaces dropped, one Aho-Corasick scan (pyahocorasick) finds every pattern of every mark (its forms,
   its syllable sequences, its pinyin) and indication, a second one the risk keywords; a hit's position gives
   its text by bisection; the hits of patterns that match far more than the rules accept (a Chinese mark's
   syllables, read by homophones of everyday words; a mark that is an everyday English word) are checked
   there and then against the batch's skeleton;
3. the words of the folded batch (``findall``) not seen before are looked up once for look-alikes by edit
   (deletion neighbourhoods of the Latin marks, checked by optimal string alignment distance) and by sound
   (Metaphone codes); texts holding a word with look-alikes are found by a scan for those words;
4. only texts with a hit are read again, character by character, with ``_match``'s rules, for the marks and
   terms that hit there: spans, how, weights, explanations.

The filter is a superset of what the rules accept (everything the rules match has its pattern in the folded
text), so the result is the reference's; ``tests/engine/test_screening_agreement.py`` checks that it is.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from itertools import accumulate, compress, islice, repeat
from typing import Any

import ahocorasick  # type: ignore[import-not-found]
import jellyfish
import numpy as np
from rapidfuzz.distance import OSA

from ipbridge.engine.screening._forms import (
    MIN_PHONETIC,
    MIN_PHONETIC_CODE,
    MIN_PHONETIC_WORD,
    TermForm,
    close_reading,
    common_words,
    edit_limit,
    excepted,
    filter_key,
    mark_forms,
    phonetic_close,
    tables,
    term_form,
    wordish,
)
from ipbridge.engine.screening._match import Match, View, mark_matches
from ipbridge.engine.screening._report import (
    SHOP_FIELDS,
    PriceFacts,
    cue_in,
    gi_flag,
    mark_flag,
    price_flags,
    prices_by_mark,
    result,
    risk_flag,
)
from ipbridge.engine.screening._types import (
    EDIT,
    MARK,
    PHONETIC,
    SHOP_NAME,
    Catalogue,
    Flag,
    GITerm,
    Listing,
    ProtectedMark,
    Result,
    RiskTerm,
    Segment,
)
from ipbridge.engine.text import has_han
from ipbridge.engine.text._fast import BMP

__all__ = ["Screener"]

CHUNK = 8192
WORD_CACHE = 1 << 20
_WORDS = re.compile("[a-z][a-zA-Z]+[a-z]")
_WIDE = re.compile("[\U00010000-\U0010ffff]")

# A hit of the filter for one text: codes of marks and indications, codes of risk terms, whether a word of
# the text has look-alikes.
_Hits = tuple[set[int], set[int], bool]
_WordMatch = tuple[int, int, str, str]  # mark number, form number, how, form text
# A pattern's hit to check before it makes its text a candidate: mark number, kind, and what to check.
_Check = tuple[int, int, str, str]
_READING, _COMMON, _SAME = 0, 1, 2


def _deletions(word: str, depth: int) -> list[str]:
    """The word and every string made by deleting up to ``depth`` (1 or 2) of its letters, each once."""
    ones = {word[:at] + word[at + 1 :] for at in range(len(word))}
    if depth == 1:
        return [word, *ones]
    twos = {word[:i] + word[i + 1 : j] + word[j + 1 :] for i in range(len(word)) for j in range(i + 1, len(word))}
    return [word, *ones, *twos]


def _automaton(patterns: Mapping[str, object]) -> ahocorasick.Automaton | None:
    if not patterns:
        return None
    automaton = ahocorasick.Automaton()
    for pattern, value in patterns.items():
        automaton.add_word(pattern, value)
    automaton.make_automaton()
    return automaton


class _View(View):
    """A text folded through the tables, each folded character knowing the original one it comes from."""

    def __init__(self, text: str) -> None:
        t = tables()
        self.text = text
        if _WIDE.search(text) is None:
            codes = list(map(ord, text))
            self.skeletons = skeletons = list(map(t.skeleton.__getitem__, codes))
            self.classes = list(map(t.classes.__getitem__, codes))
        else:
            self.skeletons = skeletons = [t.wide_skeleton[ord(char)] for char in text]
            self.classes = [t.char_class(char) for char in text]
        self.skeleton = "".join(skeletons)
        owners = list(compress(range(len(text)), skeletons))
        if len(owners) != len(self.skeleton):  # a character folds to several: ß is ss
            owners = [at for at, folded in enumerate(skeletons) for _ in folded]
        self.owners = owners
        self.readings = self.skeleton.translate(t.readings)

    def occurrences(self, pattern: str, *, readings: bool = False) -> Iterator[tuple[int, int]]:
        folded = self.readings if readings else self.skeleton
        owners = self.owners
        size = len(pattern)
        at = folded.find(pattern)
        while at >= 0:
            end = at + size
            if (at == 0 or owners[at - 1] != owners[at]) and (end == len(folded) or owners[end] != owners[end - 1]):
                yield owners[at], owners[end - 1] + 1
            at = folded.find(pattern, at + 1)


def _normal(text: str) -> tuple[str, list[int]]:
    """The text's normal form (``_forms.normal_key`` without trimming) and, for each of its characters,
    the original character it comes from."""
    t = tables()
    if _WIDE.search(text) is None:
        normal = text.translate(t.normal)
        if not text.translate(t.normal_uneven) and "  " not in normal:
            return normal, list(range(len(text)))
    chars: list[str] = []
    owners: list[int] = []
    for at, char in enumerate(text):
        code = ord(char)
        for folded in t.normal[code] if code < BMP else t.wide_normal[code]:
            if folded == " " and chars and chars[-1] == " ":
                continue
            chars.append(folded)
            owners.append(at)
    return "".join(chars), owners


def _term_spans(normal: str, owners: list[int], term: TermForm) -> list[tuple[int, int]]:
    spans = []
    start = normal.find(term.normal)
    while start >= 0:
        end = start + len(term.normal)
        if (
            (start == 0 or owners[start - 1] != owners[start])
            and (end == len(normal) or owners[end] != owners[end - 1])
            and not (term.latin_start and start > 0 and wordish(normal[start - 1]))
            and not (term.latin_end and end < len(normal) and wordish(normal[end]))
            and not (term.exceptions and excepted(normal, start, term))
        ):
            spans.append((owners[start], owners[end - 1] + 1))
        start = normal.find(term.normal, start + 1)
    return spans


def _edge(folded: str, left: int, right: int) -> bool:
    if left < 0 or right >= len(folded):
        return True
    a, b = folded[left], folded[right]
    return not (("a" <= a <= "z" and "a" <= b <= "z") or ("A" <= a <= "Z" and "A" <= b <= "Z"))


class _Checker:
    """Checks, while scanning a batch, the hits of patterns that match far more than their rules accept: the
    readings of Chinese marks (homophones of everyday words are everywhere) and marks that are everyday
    English words. Rejects a hit only where the rules cannot accept it, so the filter stays a superset."""

    def __init__(self, values: list[str], joined: str, folded: str, squeezed: str, limits: list[int]) -> None:
        self.values = values
        self.joined = joined
        self.folded = folded
        self.size = len(squeezed)
        self.limits = limits
        self.skeleton: str | None = None
        self.places: Any = None

    def _batch(self) -> tuple[str, Any]:
        """The batch's skeleton, character for character with its squeezed form (Chinese characters as they are,
        not as syllables), and where each squeezed character is in the folded form (with the separators)."""
        if self.skeleton is None:
            t = tables()
            table = t.wide_batch_skeleton if _WIDE.search(self.joined) else t.batch_skeleton
            self.skeleton = self.joined.translate(table)
        return self.skeleton, self._places()

    def _places(self) -> Any:
        if self.places is None:
            codes = np.frombuffer(self.folded.encode("utf-32-le"), dtype=np.uint32)
            self.places = np.flatnonzero(codes != 32)
        return self.places

    def placed(self, begin: int, end: int) -> bool:
        """Whether a hit on ``[begin, end)`` of the squeezed batch can be a match at all: inside one word (no
        separator in it) or with a word boundary at both ends. Two letters (a-z) or two digit-like characters
        (capitals) side by side in the folded batch are never a boundary, whatever the rules; any other pair
        may be."""
        places = self._places()
        first = int(places[begin])
        last = int(places[end - 1])
        if last - first == end - 1 - begin:
            return True
        folded = self.folded
        return _edge(folded, first - 1, first) and _edge(folded, last, last + 1)

    def accepted(self, checks: tuple[_Check, ...], number: int, end: int) -> tuple[int, ...]:
        """The codes of ``checks`` (all of one pattern, ending at ``end`` of the squeezed batch) that pass."""
        accepted = []
        span: str | None = None
        for code, kind, key, upper in checks:
            if kind == _COMMON:
                text = self.values[number]
                text = text if text.isascii() else unicodedata.normalize("NFKC", text)
                if key in text or upper in text:
                    accepted.append(code)
                continue
            if span is None:
                skeleton = self._batch()[0]
                # "" when a character folds unevenly, which the check cannot place: every code passes then.
                span = skeleton[end - len(key) : end] if len(skeleton) == self.size else ""
            if not span or span == key:
                accepted.append(code)
            elif kind == _READING and (
                (span[0] == key[0] or span[1] == key[1]) if len(key) == 2 else close_reading(span, key)
            ):
                places = self._places()
                begin = end - len(key)
                if places[end - 1] - places[begin] == end - 1 - begin:
                    accepted.append(code)
        return tuple(accepted)


class _MarkIndex:
    """The expensive part: marks and indications compiled into an automaton, and the look-alike tables.
    Shared by the screeners of :meth:`Screener.with_risk_terms`."""

    def __init__(self, marks: Sequence[ProtectedMark], gi_terms: Sequence[GITerm], *, lookalikes: bool) -> None:
        self.marks = list(marks)
        self.forms = [mark_forms(mark) for mark in self.marks]
        self.by_id = {mark.id: mark for mark in self.marks}
        self.gi = [(term, found) for term in gi_terms if (found := term_form(term.text, term.exceptions))]
        self.lookalikes = lookalikes
        patterns: dict[str, list[int]] = {}
        checked: dict[str, list[_Check]] = {}
        for number, forms in enumerate(self.forms):
            read = {key for _reading, key in forms.readings} if lookalikes else set()
            for form in forms.forms:
                if form.key in read:
                    continue  # found through its readings below
                if form.common:
                    written = unicodedata.normalize("NFKC", form.text)
                    check = (number, _COMMON, written, written.upper())
                    checked.setdefault(filter_key(form.key), []).append(check)
                elif has_han(form.key):  # its syllables: homophones hit, the characters must be the form's
                    checked.setdefault(filter_key(form.key), []).append((number, _SAME, form.key, ""))
                else:
                    patterns.setdefault(filter_key(form.key), []).append(number)
            if lookalikes:
                for reading, key in forms.readings:
                    if key:
                        checked.setdefault(reading, []).append((number, _READING, key, ""))
                    else:
                        patterns.setdefault(reading, []).append(number)
                for key, _source in forms.pinyin_keys:
                    patterns.setdefault(key, []).append(number)
        for number, (_term, name) in enumerate(self.gi, start=len(self.marks)):
            patterns.setdefault(filter_key(name.key), []).append(number)
        values: dict[str, tuple[tuple[int, ...], tuple[_Check, ...], int]] = {
            pattern: (tuple(dict.fromkeys(codes)), (), len(pattern)) for pattern, codes in patterns.items()
        }
        for pattern, checks in checked.items():
            plain = values.get(pattern, ((), (), 0))[0]
            values[pattern] = (plain, tuple(dict.fromkeys(checks)), len(pattern))
        self.automaton = _automaton(values)
        self.latin: list[tuple[int, int, str, str]] = []  # mark number, form number, skeleton, text
        self.deletions: list[_Hashed] = []
        self.phonetic: dict[str, tuple[int, ...]] = {}
        if lookalikes:
            self._index_lookalikes()
        self.words: dict[str, tuple[_WordMatch, ...]] = {}
        self.seen: set[str] = set()
        self.hit_words: set[str] = set()

    def _index_lookalikes(self) -> None:
        phonetic: dict[str, list[int]] = {}
        deletions: list[list[str]] = [[], [], []]
        entries: list[list[int]] = [[], [], []]
        for number, forms in enumerate(self.forms):
            for form_number, form in enumerate(forms.forms):
                if not (form.latin and form.lookalike_rules):
                    continue
                entry = len(self.latin)
                self.latin.append((number, form_number, form.key, form.text))
                limit = edit_limit(len(form.key))
                if limit:
                    variants = _deletions(form.key, limit)
                    deletions[limit] += variants
                    entries[limit] += [entry] * len(variants)
                code = jellyfish.metaphone(form.key)
                if len(form.key) >= MIN_PHONETIC and len(code) >= MIN_PHONETIC_CODE:
                    phonetic.setdefault(code, []).append(entry)
        self.phonetic = {code: tuple(entries) for code, entries in phonetic.items()}
        self.deletions = [_Hashed(variants, numbers) for variants, numbers in zip(deletions, entries, strict=True)]

    def word_matches(self, key: str) -> tuple[_WordMatch, ...]:
        """The marks a word (its skeleton, a-z) is an edit or phonetic look-alike of."""
        found = self.words.get(key)
        if found is None:
            self._look_up([key])
            found = self.words[key]
        return found

    def _look_up(self, keys: list[str]) -> None:
        """Finds the look-alikes of words, all at once: their deletion neighbourhoods are looked up in the
        marks' in one vectorised search, and the few candidates checked by distance."""
        if len(self.words) + len(keys) >= WORD_CACHE:
            self.words.clear()
        common = common_words()
        self.words.update(dict.fromkeys(keys, ()))
        keys = [key for key in keys if key not in common and len(key) >= MIN_PHONETIC_WORD]
        candidates: list[set[int]] = [set() for _ in keys]
        for depth, low, high in ((1, 4, 9), (2, 7, 1 << 30)):
            queries: list[str] = []
            owners: list[int] = []
            for number, key in enumerate(keys):
                if low <= len(key) <= high:
                    variants = _deletions(key, depth)
                    queries += variants
                    owners += [number] * len(variants)
            for query, entry in self.deletions[depth].find(queries):
                candidates[owners[query]].add(entry)
        for key, entries in zip(keys, candidates, strict=True):
            matches: list[_WordMatch] = []
            for entry in sorted(entries):
                number, form_number, skeleton, text = self.latin[entry]
                limit = edit_limit(len(skeleton))
                if 1 <= OSA.distance(key, skeleton, score_cutoff=limit) <= limit:
                    matches.append((number, form_number, EDIT, text))
            for entry in self.phonetic.get(jellyfish.metaphone(key), ()):
                number, form_number, skeleton, text = self.latin[entry]
                if skeleton != key and phonetic_close(key, skeleton):
                    matches.append((number, form_number, PHONETIC, text))
            self.words[key] = tuple(matches)

    def lookalike_words(self, raw: set[str]) -> set[str]:
        """Of the words of a folded batch (digits in capitals), those with look-alikes."""
        if not self.latin:
            return set()
        new = raw - self.seen
        if new:
            if len(self.seen) >= WORD_CACHE:
                self.seen.clear()
                self.hit_words.clear()
                new = raw
            self.seen |= new
            keys = {word.lower() for word in new}
            self._look_up([key for key in keys if key not in self.words])
            self.hit_words.update(word for word in new if self.words.get(word.lower()))
        return raw & self.hit_words


class _Hashed:
    """A multiset of strings as sorted 64-bit hashes (``hash``, stable within a process and its forks) with
    a number each: 12 bytes an entry where a dict of strings takes about a hundred, and found in one
    vectorised binary search. A hash collision only adds a candidate, which the caller checks."""

    def __init__(self, strings: list[str], numbers: list[int]) -> None:
        hashes = np.fromiter(map(hash, strings), dtype=np.int64, count=len(strings))
        order = np.argsort(hashes, kind="stable")
        self.hashes = hashes[order]
        self.numbers = np.asarray(numbers, dtype=np.int32)[order]

    def find(self, strings: list[str]) -> Iterator[tuple[int, int]]:
        """(position in ``strings``, number) for each string's hash found."""
        if not strings or not len(self.hashes):
            return
        queries = np.fromiter(map(hash, strings), dtype=np.int64, count=len(strings))
        order = np.argsort(queries)  # sorted queries walk the table in order: far fewer cache misses
        ordered = queries[order]
        lefts = np.searchsorted(self.hashes, ordered, side="left")
        rights = np.searchsorted(self.hashes, ordered, side="right")
        found = np.flatnonzero(rights > lefts)
        counts = (rights - lefts)[found]
        positions = np.repeat(order[found], counts)
        offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        numbers = self.numbers[np.repeat(lefts[found], counts) + offsets]
        yield from zip(positions.tolist(), numbers.tolist(), strict=True)


class _RiskIndex:
    def __init__(self, terms: Sequence[RiskTerm]) -> None:
        self.terms = [(term, form) for term in terms if (form := term_form(term.text, term.exceptions))]
        patterns: dict[str, list[int]] = {}
        for number, (_term, form) in enumerate(self.terms):
            patterns.setdefault(filter_key(form.key), []).append(number)
        self.automaton = _automaton(
            {pattern: (tuple(dict.fromkeys(codes)), len(pattern)) for pattern, codes in patterns.items()}
        )


_new = object.__new__
_set_id = vars(Result)["id"].__set__
_set_score = vars(Result)["risk_score"].__set__
_set_flags = vars(Result)["flags"].__set__


def _clean_results(ids: list[str]) -> list[Result]:
    """``[Result(id, 0.0) for id in ids]``, made a third as fast by setting the slots in C loops rather
    than calling the frozen dataclass's ``__init__`` once per listing."""
    results: list[Result] = list(map(_new, repeat(Result, len(ids))))
    deque(map(_set_id, results, ids), maxlen=0)
    deque(map(_set_score, results, repeat(0.0)), maxlen=0)
    deque(map(_set_flags, results, repeat(())), maxlen=0)
    return results


class Screener:
    """Screens listings and transcript segments against a catalogue of marks, risk keywords and indications.

    ``lookalikes=False`` looks for marks only as written or disguised (exact, folded, transliteration), not
    for pinyin, edit, phonetic or embedded look-alikes. Building one for 50,000 marks takes some seconds;
    keep it, and derive one per marketplace with :meth:`with_risk_terms`.
    """

    def __init__(self, catalogue: Catalogue, *, lookalikes: bool = True) -> None:
        self._catalogue = catalogue
        self._lookalikes = lookalikes
        self._marks = _MarkIndex(catalogue.marks, catalogue.gi_terms, lookalikes=lookalikes)
        self._risk = _RiskIndex(catalogue.risk_terms)
        self._prices = prices_by_mark(catalogue)

    @property
    def catalogue(self) -> Catalogue:
        """What the screener was built from (with this screener's risk keywords)."""
        return self._catalogue

    def with_risk_terms(self, terms: Sequence[RiskTerm]) -> Screener:
        """A screener with another risk-keyword catalogue, sharing this one's compiled marks."""
        other = object.__new__(Screener)
        other._catalogue = replace(self._catalogue, risk_terms=tuple(terms))
        other._lookalikes = self._lookalikes
        other._marks = self._marks
        other._risk = _RiskIndex(terms)
        other._prices = self._prices
        return other

    def screen(self, items: Iterable[Listing]) -> list[Result]:
        """One result per listing, in order; a clean listing's has risk 0.0 and no flags."""
        results: list[Result] = []
        iterator = iter(items)
        while chunk := list(islice(iterator, CHUNK)):
            results.extend(self._screen_chunk(chunk))
        return results

    def screen_listing(self, item: Listing) -> Result:
        return self._screen_chunk([item])[0]

    def screen_segment(self, segment: Segment) -> Result:
        """A live stream's transcript segment: its text through the mark, risk-keyword and indication
        detectors (field "text")."""
        hits = self._scan([segment.text] if segment.text else [])
        if not hits:
            return Result(segment.id, 0.0)
        allowed = self._catalogue.authorised.get((segment.marketplace, segment.shop_id), frozenset())
        shop = (segment.marketplace, segment.shop_id)
        return result(segment.id, self._text_flags("text", segment.text, hits[0], allowed, shop))

    def _screen_chunk(self, items: list[Listing]) -> list[Result]:
        values = [item.title for item in items]
        owners: list[tuple[int, str]] = []
        for field in ("description", *SHOP_FIELDS):
            texts = [getattr(item, field) for item in items]
            if any(texts):
                for number, text in enumerate(texts):
                    if text:
                        values.append(text)
                        owners.append((number, field))
        hits = self._scan(values)
        by_item: dict[int, dict[str, _Hits]] = {}
        count = len(items)
        for number, found in hits.items():
            item, field = (number, "title") if number < count else owners[number - count]
            by_item.setdefault(item, {})[field] = found
        results = _clean_results([item.id for item in items])
        for number, fields in by_item.items():
            results[number] = self._listing(items[number], fields)
        return results

    def _scan(self, values: list[str]) -> dict[int, _Hits]:
        """The filter: for each text with a hit, its codes."""
        if not values:
            return {}
        joined = "\x00".join(values)
        if joined.count("\x00") != len(values) - 1:
            joined = "\x00".join(value.replace("\x00", " ") for value in values)
        t = tables()
        folded = joined.translate(t.wide_filter if _WIDE.search(joined) else t.filter)
        squeezed = folded.replace(" ", "").lower()
        hits: dict[int, _Hits] = {}
        marks, risk = self._marks.automaton, self._risk.automaton
        limits = list(accumulate(len(part) + 1 for part in squeezed.split("\x00")))
        checker = _Checker(values, joined, folded, squeezed, limits)
        if marks is not None:
            for end, (codes, checks, size) in marks.iter(squeezed):
                if codes and not checker.placed(end + 1 - size, end + 1):
                    codes = ()
                if checks:
                    number = bisect_right(limits, end + 1)
                    codes = codes + checker.accepted(checks, number, end + 1)
                if not codes:
                    continue
                number = bisect_right(limits, end + 1)
                found = hits.get(number)
                if found is None:
                    found = hits[number] = (set(), set(), False)
                found[0].update(codes)
        if risk is not None:
            for end, (codes, size) in risk.iter(squeezed):
                if not checker.placed(end + 1 - size, end + 1):
                    continue
                number = bisect_right(limits, end + 1)
                found = hits.get(number)
                if found is None:
                    found = hits[number] = (set(), set(), False)
                found[1].update(codes)
        if self._lookalikes and self._marks.latin:
            words = self._marks.lookalike_words(set(_WORDS.findall(folded)))
            if words:
                automaton = _automaton(dict.fromkeys(words, 0))
                assert automaton is not None
                limits = list(accumulate(len(part) + 1 for part in folded.split("\x00")))
                for end, _code in automaton.iter(folded):
                    number = bisect_right(limits, end + 1)
                    found = hits.get(number)
                    hits[number] = (found[0], found[1], True) if found else (set(), set(), True)
        return hits

    def _listing(self, item: Listing, fields: dict[str, _Hits]) -> Result:
        allowed = self._catalogue.authorised.get((item.marketplace, item.shop_id), frozenset())
        shop = (item.marketplace, item.shop_id)
        flags: list[Flag] = []
        named: set[int] = set()
        for field in ("title", "description"):
            if field in fields:
                flags += self._text_flags(field, getattr(item, field), fields[field], allowed, shop, named)
        for field in SHOP_FIELDS:
            if field in fields:
                flags += self._shop_flags(field, getattr(item, field), fields[field][0], allowed)
        if named and item.price_minor is not None:
            facts = PriceFacts(item.title, item.price_minor, item.currency, item.category)
            marks = [self._marks.marks[number] for number in sorted(named)]
            flags += price_flags(self._catalogue, facts, marks, self._prices)
        return result(item.id, flags)

    def _text_flags(
        self,
        field: str,
        text: str,
        hits: _Hits,
        allowed: frozenset[str],
        shop: tuple[str, str],
        named: set[int] | None = None,
    ) -> list[Flag]:
        """The flags of a title, description or segment; adds to ``named`` the marks it names (a mark
        flag not after a referential cue)."""
        codes, risk_codes, has_words = hits
        index = self._marks
        count = len(index.marks)
        flags: list[Flag] = []
        view = _View(text)
        words: dict[int, list[Match]] = {}
        if has_words:
            for start, end, key in view.words():
                if key.isascii() and key.isalpha():
                    for number, form_number, how, form in index.word_matches(key):
                        words.setdefault(number, []).append((start, end, how, form_number, form))
        normal: tuple[str, list[int]] | None = None
        for number in sorted({code for code in codes if code < count} | words.keys()):
            mark = index.marks[number]
            if mark.holders & allowed:
                continue
            found = mark_matches(
                view, index.forms[number], words.get(number, ()), lookalikes=self._lookalikes, shop=False
            )
            for (start, end), (how, form) in found.items():
                if normal is None:
                    normal = _normal(text)
                cue = cue_in(normal[0][: bisect_left(normal[1], start)])
                if not cue and named is not None:
                    named.add(number)
                flags.append(mark_flag(MARK, field, text, (start, end), how, mark, form, cue))
        if risk_codes or any(code >= count for code in codes):
            if normal is None:
                normal = _normal(text)
            for code in sorted(risk_codes):
                term, term_key = self._risk.terms[code]
                flags += [risk_flag(field, text, span, term) for span in _term_spans(*normal, term_key)]
            for code in sorted(code for code in codes if code >= count):
                gi, gi_key = index.gi[code - count]
                if shop not in gi.producers:
                    flags += [gi_flag(field, text, span, gi) for span in _term_spans(*normal, gi_key)]
        return flags

    def _shop_flags(self, field: str, text: str, codes: set[int], allowed: frozenset[str]) -> list[Flag]:
        index = self._marks
        view = _View(text)
        flags: list[Flag] = []
        for number in sorted(code for code in codes if code < len(index.marks)):
            mark = index.marks[number]
            if mark.holders & allowed:
                continue
            found = mark_matches(view, index.forms[number], (), lookalikes=self._lookalikes, shop=True)
            flags += [mark_flag(SHOP_NAME, field, text, span, how, mark, form) for span, (how, form) in found.items()]
        return flags
