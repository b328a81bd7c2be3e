"""The screener as plain loops over every mark and term: slow, and meant to be obviously right.

What is matched, for a text and each form of a mark (``_forms.mark_forms``), character by character:

- an *occurrence* of a skeleton is a span of whole characters of the text, starting and ending on a character
  that has a skeleton, whose characters' skeletons joined equal it;
- a span is *aligned* when neither of its ends cuts a run of letters or a run of digit-like characters
  (a change from letters to digits is a boundary: Nike2024 holds Nike as a word);
- an aligned occurrence of the mark's text is exact when the span, width, case and spacing aside, is the
  mark as registered, folded otherwise (which needs a letter in it); of a transliteration, transliteration;
  forms of three letters and everyday English words count only exact, the latter only capitalised;
- an occurrence inside one word of letters and digits that is not aligned is embedded (Latin forms of five
  letters or more, when the word around it is not an everyday word);
- pinyin: an occurrence of one of the mark's syllable sequences among the text's Chinese characters, each
  read by its most common reading, or an aligned occurrence of a Chinese form's pinyin in Latin letters;
- edit and phonetic: each word of the text (a run of letters and digit-like characters, digits trimmed at
  its ends, all a-z once folded, not an everyday word) against each Latin form: one or two edits
  (optimal string alignment distance), or the same Metaphone code.

At each span, the strongest way a mark was found is kept. Risk keywords and indications are found in the
normal form (each character normalised, runs of spaces as one), on word boundaries where they start or end
with a letter or a digit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import jellyfish

from ipbridge.engine.screening._forms import (
    MIN_PHONETIC,
    MIN_PHONETIC_CODE,
    MIN_PHONETIC_WORD,
    Form,
    TermForm,
    char_class,
    common_words,
    edit_limit,
    excepted,
    mark_forms,
    phonetic_close,
    readings_of,
    term_form,
    wordish,
)
from ipbridge.engine.screening._match import Match, View, mark_matches
from ipbridge.engine.screening._report import (
    SHOP_FIELDS,
    PriceFacts,
    cue_before,
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
    Listing,
    ProtectedMark,
    Result,
    RiskTerm,
    Segment,
)
from ipbridge.engine.text._fast import char_normal, char_skeleton

__all__ = ["ReferenceScreener", "osa_distance"]


def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent transpositions."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


class _Chars(View):
    """A text, character by character."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.skeletons = [char_skeleton(c) for c in text]
        self.readings = [readings_of(k) for k in self.skeletons]
        self.classes = [char_class(c) for c in text]

    def occurrences(self, pattern: str, *, readings: bool = False) -> Iterator[tuple[int, int]]:
        parts = self.readings if readings else self.skeletons
        for start in range(len(parts)):
            if not parts[start]:
                continue
            joined = ""
            for end in range(start, len(parts)):
                joined += parts[end]
                if not pattern.startswith(joined):
                    break
                if joined == pattern:
                    yield start, end + 1
                    break


def _word_matches(chars: _Chars, forms: Sequence[Form]) -> Iterator[Match]:
    common = common_words()
    for start, end, key in chars.words():
        if not (key.isascii() and key.isalpha()) or key in common:
            continue
        for number, form in enumerate(forms):
            if not (form.latin and form.lookalike_rules):
                continue
            limit = edit_limit(len(form.key))
            if limit and 1 <= osa_distance(key, form.key) <= limit:
                yield start, end, EDIT, number, form.text
            if len(form.key) >= MIN_PHONETIC and len(key) >= MIN_PHONETIC_WORD and key != form.key:
                code = jellyfish.metaphone(form.key)
                if (
                    len(code) >= MIN_PHONETIC_CODE
                    and jellyfish.metaphone(key) == code
                    and phonetic_close(key, form.key)
                ):
                    yield start, end, PHONETIC, number, form.text


def _normal(text: str) -> tuple[str, list[int]]:
    """The normal form of ``text`` with, for each of its characters, the original character it comes from."""
    chars: list[str] = []
    owners: list[int] = []
    for at, char in enumerate(text):
        for folded in char_normal(char):
            if folded == " " and chars and chars[-1] == " ":
                continue
            chars.append(folded)
            owners.append(at)
    return "".join(chars), owners


def _term_spans(text: str, term: TermForm) -> list[tuple[int, int]]:
    normal, owners = _normal(text)
    spans = []
    for start in range(len(normal)):
        if not normal.startswith(term.normal, start):
            continue
        end = start + len(term.normal)
        if start > 0 and owners[start - 1] == owners[start]:
            continue
        if end < len(normal) and owners[end] == owners[end - 1]:
            continue
        if term.latin_start and start > 0 and wordish(normal[start - 1]):
            continue
        if term.latin_end and end < len(normal) and wordish(normal[end]):
            continue
        if excepted(normal, start, term):
            continue
        spans.append((owners[start], owners[end - 1] + 1))
    return spans


class ReferenceScreener:
    """The same interface as :class:`~ipbridge.engine.screening.Screener`, by plain loops."""

    def __init__(self, catalogue: Catalogue, *, lookalikes: bool = True) -> None:
        self._catalogue = catalogue
        self._lookalikes = lookalikes
        self._marks = [(mark, mark_forms(mark)) for mark in catalogue.marks]
        self._risk = [(term, form) for term in catalogue.risk_terms if (form := term_form(term.text, term.exceptions))]
        self._gi = [(term, form) for term in catalogue.gi_terms if (form := term_form(term.text, term.exceptions))]
        self._prices = prices_by_mark(catalogue)
        self._by_id = {mark.id: mark for mark in catalogue.marks}

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue

    def with_risk_terms(self, terms: Sequence[RiskTerm]) -> ReferenceScreener:
        catalogue = self._catalogue
        return ReferenceScreener(
            Catalogue(
                catalogue.marks,
                tuple(terms),
                catalogue.gi_terms,
                catalogue.reference_prices,
                catalogue.authorised,
                catalogue.price_ratio,
            ),
            lookalikes=self._lookalikes,
        )

    def screen(self, items: Iterable[Listing]) -> list[Result]:
        return [self.screen_listing(item) for item in items]

    def screen_listing(self, item: Listing) -> Result:
        allowed = self._catalogue.authorised.get((item.marketplace, item.shop_id), frozenset())
        shop = (item.marketplace, item.shop_id)
        flags: list[Flag] = []
        for field, text in (("title", item.title), ("description", item.description)):
            flags += self._text_flags(field, text, allowed, shop)
        for field, text in zip(SHOP_FIELDS, (item.shop_name, item.shop_domain), strict=True):
            chars = _Chars(text)
            for mark, forms in self._marks:
                if mark.holders & allowed:
                    continue
                found = mark_matches(chars, forms, (), lookalikes=self._lookalikes, shop=True)
                flags += [
                    mark_flag(SHOP_NAME, field, text, span, how, mark, form) for span, (how, form) in found.items()
                ]
        named: dict[int, ProtectedMark] = {}
        for flag in flags:
            if flag.detector == MARK and flag.right and not cue_before(getattr(item, flag.field), flag.start):
                named.setdefault(flag.right.id, self._by_id[flag.right.id])
        facts = PriceFacts(item.title, item.price_minor, item.currency, item.category)
        flags += price_flags(self._catalogue, facts, list(named.values()), self._prices)
        return result(item.id, flags)

    def screen_segment(self, segment: Segment) -> Result:
        allowed = self._catalogue.authorised.get((segment.marketplace, segment.shop_id), frozenset())
        flags = self._text_flags("text", segment.text, allowed, (segment.marketplace, segment.shop_id))
        return result(segment.id, flags)

    def _text_flags(self, field: str, text: str, allowed: frozenset[str], shop: tuple[str, str]) -> list[Flag]:
        flags: list[Flag] = []
        if not text:
            return flags
        chars = _Chars(text)
        for mark, forms in self._marks:
            if mark.holders & allowed:
                continue
            words = list(_word_matches(chars, forms.forms)) if self._lookalikes else []
            found = mark_matches(chars, forms, words, lookalikes=self._lookalikes, shop=False)
            flags += [
                mark_flag(MARK, field, text, span, how, mark, form, cue_before(text, span[0]))
                for span, (how, form) in found.items()
            ]
        for term, form in self._risk:
            flags += [risk_flag(field, text, span, term) for span in _term_spans(text, form)]
        for gi, form in self._gi:
            if shop not in gi.producers:
                flags += [gi_flag(field, text, span, gi) for span in _term_spans(text, form)]
        return flags
