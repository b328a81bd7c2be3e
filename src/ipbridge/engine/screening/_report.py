"""From matches to flags and a score: weights, explanations, the price rule and the combination. Both
screeners call these, so that they can only differ in what they find."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import jellyfish
from rapidfuzz.distance import OSA

from ipbridge.engine.screening._forms import CUE_FACTOR, FACTORS, light, normal_key, skeleton_of, wordish
from ipbridge.engine.screening._types import (
    DETECTORS,
    EDIT,
    EMBEDDED,
    EXACT,
    FOLDED,
    GEOGRAPHICAL_INDICATION,
    HOWS,
    PHONETIC,
    PINYIN,
    PRICE,
    RISK_KEYWORD,
    TRANSLITERATION,
    Catalogue,
    Flag,
    GITerm,
    ProtectedMark,
    ReferencePrice,
    Result,
    RightRef,
    RiskTerm,
)
from ipbridge.engine.text import has_han
from ipbridge.engine.text._fast import char_reading

FIELDS = ("title", "description", "text", "shop_name", "shop_domain", "price")
RANK = {how: rank for rank, how in enumerate(HOWS)}
PRICE_WEIGHT = 0.5

# Words before a mark that make it a reference to the mark (what a product fits) rather than a use of it.
# Longest first: the explanation names the longest that matches.
CUES = ("compatible with", "compatible for", "for use with", "works with", "fits", "fit", "for")
HAN_CUES = ("适用于", "适用", "兼容", "适配")
CUE_WINDOW = 40

# ISO 4217 currencies whose minor unit is not a hundredth.
_EXPONENTS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND"), 0),
    **dict.fromkeys(("VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


def combine(weights: Iterable[float]) -> float:
    """Noisy-OR of independent reasons: ``1 - Π(1 - w)``, in [0, 1], rounded to 4 decimals.

    >>> combine([0.6, 0.9])
    0.96
    """
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - min(1.0, max(0.0, weight))
    return round(min(1.0, max(0.0, 1.0 - remaining)), 4)


def score(flags: Iterable[Flag]) -> float:
    """The risk of an item: its flags combined, each (detector, right or term) once, by its strongest flag."""
    strongest: dict[tuple[str, object], float] = {}
    for flag in flags:
        key = (flag.detector, flag.right.id if flag.right is not None else flag.term)
        strongest[key] = max(strongest.get(key, 0.0), flag.weight)
    return combine(strongest.values())


def _flag_order(flag: Flag) -> tuple[int, int, int, int, str, int]:
    return (
        FIELDS.index(flag.field),
        flag.start,
        flag.end,
        DETECTORS.index(flag.detector),
        flag.term,
        RANK.get(flag.how, -1),
    )


def result(item_id: str, flags: Iterable[Flag]) -> Result:
    ordered = tuple(sorted(flags, key=_flag_order))
    return Result(item_id, score(ordered), ordered)


def right_of(mark: ProtectedMark) -> RightRef:
    return RightRef(mark.id, mark.office, mark.number, mark.text, mark.holders)


def _label(mark: ProtectedMark) -> str:
    registration = " ".join(part for part in (mark.office, mark.number) if part)
    return f"the registered mark “{mark.text}”" + (f" ({registration})" if registration else "")


def _where(field: str) -> str:
    return {"text": "what is said", "shop_name": "the shop's name", "shop_domain": "the shop's domain"}.get(
        field, f"the {field}"
    )


def _word_around(text: str, start: int, end: int) -> str:
    while start > 0 and wordish(text[start - 1]):
        start -= 1
    while end < len(text) and wordish(text[end]):
        end += 1
    return text[start:end]


def cue_in(before: str) -> str:
    """The referential cue ("compatible with", "for", "适用于", ...) that ``before``, the normal form of the
    text before a mark (``_forms.normal_key``), ends with, punctuation aside; or ""."""
    end = len(before)
    while end and not before[end - 1].isalnum():
        end -= 1
    before = before[max(0, end - CUE_WINDOW) : end]
    for cue in HAN_CUES:
        if before.endswith(cue):
            return cue
    for cue in CUES:
        if before.endswith(cue):
            head = before[: -len(cue)]
            if not head or not wordish(head[-1]):
                return cue
    return ""


def cue_before(text: str, start: int) -> str:
    """The referential cue right before ``start`` of ``text``, or ""."""
    return cue_in(normal_key(text[:start]))


def mark_flag(
    detector: str,
    field: str,
    text: str,
    span: tuple[int, int],
    how: str,
    mark: ProtectedMark,
    form_text: str,
    cue: str = "",
) -> Flag:
    """The flag of a mark found at ``span`` of ``text``, found ``how`` through the form ``form_text``, after
    the referential ``cue`` if any (which lowers its weight)."""
    start, end = span
    matched = text[start:end]
    label = _label(mark)
    if how == EXACT:
        reason = f"{label} appears as registered"
    elif how == FOLDED:
        reason = f"“{matched}” is {label} disguised (look-alike characters, leetspeak, spacing or punctuation)"
    elif how == TRANSLITERATION:
        reason = f"“{matched}” is “{form_text}”, a registered form of {label}"
        if light(matched) == light(form_text):
            reason = f"“{matched}” is a registered form of {label}"
    elif how == PINYIN:
        if has_han(matched):
            reading = " ".join(filter(None, map(char_reading, skeleton_of(matched))))
            reason = f"“{matched}” reads “{reading}”, like {label}"
        else:
            reason = f"“{matched}” is the pinyin of “{form_text}”, a registered form of {label}"
    elif how == EDIT:
        distance = OSA.distance(skeleton_of(matched), skeleton_of(form_text))
        letters = "one letter" if distance == 1 else f"{distance} letters"
        reason = f"“{matched}” is {letters} away from {label}"
    elif how == PHONETIC:
        code = jellyfish.metaphone(skeleton_of(form_text))
        reason = f"“{matched}” sounds like {label} (Metaphone {code})"
    else:
        reason = f"{label} is inside the longer word “{_word_around(text, start, end)}”"
    weight = mark.weight * FACTORS[how]
    explanation = f"{reason[0].upper()}{reason[1:]} in {_where(field)}."
    if cue:
        weight *= CUE_FACTOR
        explanation += (
            f" It follows “{cue}”, which names what a product fits rather than who made it (a descriptive"
            f" use), so it weighs a quarter."
        )
    return Flag(
        detector=detector,
        field=field,
        start=start,
        end=end,
        matched_text=matched,
        term=mark.text,
        weight=round(weight, 4),
        explanation=explanation,
        how=how,
        right=right_of(mark),
    )


def risk_flag(field: str, text: str, span: tuple[int, int], term: RiskTerm) -> Flag:
    start, end = span
    return Flag(
        detector=RISK_KEYWORD,
        field=field,
        start=start,
        end=end,
        matched_text=text[start:end],
        term=term.text,
        weight=round(term.weight, 4),
        explanation=(
            f"“{text[start:end]}” in {_where(field)} is the risk keyword “{term.text}” "
            f"(weight {term.weight:g}), a word sellers of copies use."
        ),
    )


def gi_flag(field: str, text: str, span: tuple[int, int], term: GITerm) -> Flag:
    start, end = span
    return Flag(
        detector=GEOGRAPHICAL_INDICATION,
        field=field,
        start=start,
        end=end,
        matched_text=text[start:end],
        term=term.text,
        weight=round(term.weight, 4),
        explanation=(
            f"“{text[start:end]}” in {_where(field)} is the protected geographical indication {term.gi}, "
            f"and this shop is not one of its producers."
        ),
    )


def money(minor: int, currency: str) -> str:
    """Minor units as written: ``money(1200, "EUR")`` is "12.00 EUR"."""
    exponent = _EXPONENTS.get(currency.upper(), 2)
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10**exponent)
    return f"{sign}{whole}.{part:0{exponent}d} {currency}" if exponent else f"{sign}{whole} {currency}"


def _has_word(title: str, word: str) -> bool:
    start = title.find(word)
    while start >= 0:
        end = start + len(word)
        if has_han(word) or (
            (start == 0 or not title[start - 1].isalnum() or has_han(title[start - 1]))
            and (end == len(title) or not title[end].isalnum() or has_han(title[end]))
        ):
            return True
        start = title.find(word, start + 1)
    return False


@dataclass(frozen=True, slots=True)
class PriceFacts:
    title: str
    price_minor: int | None
    currency: str
    category: str


def price_flags(
    catalogue: Catalogue,
    facts: PriceFacts,
    named: Sequence[ProtectedMark],
    prices: dict[int, list[ReferencePrice]],
) -> list[Flag]:
    """A flag for each named mark with a reference price the listing's price is far under (the lowest share
    of a reference price naming products all of whose words are in the title)."""
    if facts.price_minor is None or not facts.currency:
        return []
    title = normal_key(facts.title)
    currency = facts.currency.upper()
    category = facts.category.casefold()
    flags = []
    for mark in named:
        best: tuple[float, ReferencePrice] | None = None
        for reference in prices.get(mark.id, ()):
            if reference.currency.upper() != currency or reference.price_minor <= 0:
                continue
            if reference.category and reference.category.casefold() != category:
                continue
            if not all(_has_word(title, word) for word in normal_key(reference.product).split(" ") if word):
                continue
            share = facts.price_minor / reference.price_minor
            if facts.price_minor < catalogue.price_ratio * reference.price_minor and (best is None or share < best[0]):
                best = (share, reference)
        if best is None:
            continue
        share, reference = best
        product = f" {reference.product}" if reference.product else ""
        flags.append(
            Flag(
                detector=PRICE,
                field="price",
                start=0,
                end=0,
                matched_text=money(facts.price_minor, facts.currency),
                term=mark.text,
                weight=PRICE_WEIGHT,
                explanation=(
                    f"The price {money(facts.price_minor, facts.currency)} is {math.floor(share * 100)}% of "
                    f"the reference price {money(reference.price_minor, reference.currency)} of "
                    f"{mark.text}{product}, under the {catalogue.price_ratio:.0%} that marks a price anomaly."
                ),
                right=right_of(mark),
            )
        )
    return flags


def prices_by_mark(catalogue: Catalogue) -> dict[int, list[ReferencePrice]]:
    prices: dict[int, list[ReferencePrice]] = {}
    for reference in catalogue.reference_prices:
        prices.setdefault(reference.mark_id, []).append(reference)
    return prices


def keep_strongest(found: Iterable[tuple[int, int, str, int, str]]) -> dict[tuple[int, int], tuple[str, str]]:
    """Of the matches of one mark, (start, end, how, form number, form text), the strongest at each span
    (the first form on a tie), leaving out a span inside another where the mark is found at least as
    strongly (UR0RA inside 4UR0RA): span -> (how, form text)."""
    best: dict[tuple[int, int], tuple[int, int, str]] = {}
    for start, end, how, number, form in found:
        candidate = (RANK[how], number, form)
        if (start, end) not in best or candidate < best[(start, end)]:
            best[(start, end)] = candidate
    return {
        (start, end): (HOWS[rank], form)
        for (start, end), (rank, _number, form) in best.items()
        if not any(
            outer_start <= start and end <= outer_end and (outer_start, outer_end) != (start, end) and outer[0] <= rank
            for (outer_start, outer_end), outer in best.items()
        )
    }


SHOP_HOWS = frozenset((EXACT, FOLDED, TRANSLITERATION, EMBEDDED))
SHOP_FIELDS = ("shop_name", "shop_domain")
