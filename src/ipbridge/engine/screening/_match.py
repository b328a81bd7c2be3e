"""The rules a match of a mark must meet, over a view of one text; how a view finds occurrences is its own
(plain loops in ``_reference``, ``str.find`` over folded strings in ``_screener``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ipbridge.engine.screening._forms import (
    DIGIT,
    HAN,
    LETTER,
    MIN_EMBEDDED,
    MIN_UNITS,
    Form,
    MarkForms,
    as_registered,
    close_reading,
    common_words,
    light,
)
from ipbridge.engine.screening._report import SHOP_HOWS, keep_strongest
from ipbridge.engine.screening._types import EMBEDDED, EXACT, FOLDED, PINYIN, TRANSLITERATION

# (start, end, how, form number, form text): a span of the original text and how a form was found there.
Match = tuple[int, int, str, int, str]
_WORD = (LETTER, DIGIT)


class View:
    """One text, with the class of each of its characters; subclasses find occurrences."""

    text: str
    classes: list[int]
    skeletons: list[str]

    def occurrences(self, pattern: str, *, readings: bool = False) -> Iterator[tuple[int, int]]:
        raise NotImplementedError

    def boundary(self, at: int) -> bool:
        """Whether a word may end between characters ``at - 1`` and ``at``."""
        if at <= 0 or at >= len(self.text):
            return True
        before, after = self.classes[at - 1], self.classes[at]
        return not (before == after and before in _WORD)

    def aligned(self, start: int, end: int) -> bool:
        return self.boundary(start) and self.boundary(end)

    def word_around(self, start: int, end: int) -> str:
        """The skeleton of the word holding the span, digit-like characters trimmed at its ends."""
        classes = self.classes
        while start > 0 and classes[start - 1] in _WORD:
            start -= 1
        while end < len(classes) and classes[end] in _WORD:
            end += 1
        while start < end and classes[start] == DIGIT:
            start += 1
        while end > start and classes[end - 1] == DIGIT:
            end -= 1
        return "".join(self.skeletons[start:end])

    def words(self) -> Iterator[tuple[int, int, str]]:
        """Each word as (start, end, skeleton): a run of letters and digit-like characters, digit-like ones
        trimmed at its ends, with a letter left."""
        classes = self.classes
        at = 0
        while at < len(classes):
            if classes[at] not in _WORD:
                at += 1
                continue
            end = at
            while end < len(classes) and classes[end] in _WORD:
                end += 1
            start, stop = at, end
            while start < stop and classes[start] == DIGIT:
                start += 1
            while stop > start and classes[stop - 1] == DIGIT:
                stop -= 1
            if start < stop:
                yield start, stop, "".join(self.skeletons[start:stop])
            at = end


def form_matches(view: View, form: Form, number: int, *, lookalikes: bool) -> Iterator[Match]:
    """Exact, folded, transliterated and embedded occurrences of one form."""
    if form.units < MIN_UNITS:
        return
    text, classes = view.text, view.classes
    for start, end in view.occurrences(form.key):
        if view.aligned(start, end):
            exact = light(text[start:end]) == form.light
            if form.units == MIN_UNITS or form.common:
                if not exact or (form.common and not as_registered(text[start:end], form)):
                    continue
            elif not exact and not any(classes[at] in (LETTER, HAN) for at in range(start, end)):
                continue
            how = TRANSLITERATION if form.transliteration else EXACT if exact else FOLDED
            yield start, end, how, number, form.text
        elif (
            lookalikes
            and form.latin
            and not form.common
            and len(form.key) >= MIN_EMBEDDED
            and all(classes[at] in _WORD for at in range(start, end))
            and view.word_around(start, end) not in common_words()
        ):
            yield start, end, EMBEDDED, number, form.text


def mark_matches(
    view: View, forms: MarkForms, words: Iterable[Match], *, lookalikes: bool, shop: bool
) -> dict[tuple[int, int], tuple[str, str]]:
    """Every span of the text where a mark is found, with the strongest way it was found there and the form.

    ``words`` are the mark's edit and phonetic look-alikes among the text's words. In a shop's name or
    domain only exact, folded, transliterated and embedded occurrences count.
    """
    found: list[Match] = []
    for number, form in enumerate(forms.forms):
        found.extend(form_matches(view, form, number, lookalikes=lookalikes))
    if lookalikes and not shop:
        after = len(forms.forms)
        for reading, key in forms.readings:
            found.extend(
                (start, end, PINYIN, after, "")
                for start, end in view.occurrences(reading, readings=True)
                if all(view.classes[at] == HAN for at in range(start, end))
                and (not key or close_reading("".join(view.skeletons[start:end]), key))
            )
        for key, source in forms.pinyin_keys:
            found.extend(
                (start, end, PINYIN, after, source)
                for start, end in view.occurrences(key)
                if view.aligned(start, end) and any(view.classes[at] == LETTER for at in range(start, end))
            )
        found.extend(words)
    if shop:
        found = [match for match in found if match[2] in SHOP_HOWS]
    return keep_strongest(found)
