"""The records the screener reads and writes. No Django here: the platform builds these from its database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# Detector codes, as they appear in a flag's ``detector`` and in the command line's output.
MARK = "mark"  # a protected mark, exact or look-alike, in the title or description
RISK_KEYWORD = "risk_keyword"  # a term of the risk-keyword catalogue (高仿, replica, 1:1, ...)
GEOGRAPHICAL_INDICATION = "geographical_indication"  # a GI used by a seller outside its producers
SHOP_NAME = "shop_name"  # a protected mark in the shop's name or domain
PRICE = "price"  # a price far under the right holder's reference price for the product
DETECTORS = (MARK, RISK_KEYWORD, GEOGRAPHICAL_INDICATION, SHOP_NAME, PRICE)

# How a mark was matched (a flag's ``how``), strongest first.
EXACT = "exact"  # the mark's own spelling, case and width aside
FOLDED = "folded"  # the same once homoglyphs, leetspeak, spacing and punctuation tricks are undone
TRANSLITERATION = "transliteration"  # the mark's registered Chinese (or Latin) form, traditional or simplified
PINYIN = "pinyin"  # Chinese characters that read as the mark (奈克 for NAIKE)
EDIT = "edit"  # one or two letters changed, added, dropped or swapped
PHONETIC = "phonetic"  # sounds like the mark
EMBEDDED = "embedded"  # the mark inside a longer word
HOWS = (EXACT, FOLDED, TRANSLITERATION, PINYIN, EDIT, PHONETIC, EMBEDDED)


@dataclass(frozen=True, slots=True)
class Listing:
    """One marketplace listing. ``price_minor`` is the price in minor units of ``currency`` (ISO 4217)."""

    id: str
    title: str
    description: str = ""
    marketplace: str = ""
    price_minor: int | None = None
    currency: str = ""
    category: str = ""
    shop_id: str = ""
    shop_name: str = ""
    shop_domain: str = ""
    image_hashes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment of a live stream's transcript: what ``speaker`` said from ``start_ms`` to ``end_ms``."""

    id: str
    stream_id: str
    start_ms: int
    end_ms: int
    text: str
    speaker: str = ""
    marketplace: str = ""
    shop_id: str = ""


@dataclass(frozen=True, slots=True)
class ProtectedMark:
    """A registered mark of a participating right holder.

    ``id`` is the right's identifier; ``holders`` the keys (organisation identifiers, as strings) of the
    right holders who proved they hold it. ``transliterations`` are other registered forms of the same mark
    (耐克 for NIKE). ``weight`` is what an exact match adds to the risk before combining.
    """

    id: int
    text: str
    office: str = ""
    number: str = ""
    holders: frozenset[str] = frozenset()
    transliterations: tuple[str, ...] = ()
    weight: float = 0.6


@dataclass(frozen=True, slots=True)
class RiskTerm:
    """A term of the risk-keyword catalogue; ``language`` is "zh" or "en". ``exceptions`` are longer phrases
    holding the term in an innocent sense (高仿真, lifelike, for 高仿): inside one, the term is not flagged."""

    text: str
    weight: float
    language: str = ""
    exceptions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GITerm:
    """A name of a geographical indication; ``producers`` are the shops allowed to use it, as
    (marketplace, shop id) pairs. ``exceptions`` are longer phrases holding the name in another sense (香槟色,
    champagne gold: a colour): inside one, the name is not flagged."""

    text: str
    gi: str
    producers: frozenset[tuple[str, str]] = frozenset()
    weight: float = 0.5
    exceptions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReferencePrice:
    """A right holder's reference price for a product of a mark: listings of the mark naming the product
    (all of ``product``'s words in the title) far under it are flagged."""

    mark_id: int
    product: str
    currency: str
    price_minor: int
    category: str = ""


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Everything one screener matches against.

    ``authorised`` maps a (marketplace, shop id) pair to the holder keys whose marks that shop may use
    (the holder's own shops and its licensees): such a shop is never flagged for those holders' marks.
    ``price_ratio``: a price under this share of the reference price is an anomaly.
    """

    marks: Sequence[ProtectedMark] = ()
    risk_terms: Sequence[RiskTerm] = ()
    gi_terms: Sequence[GITerm] = ()
    reference_prices: Sequence[ReferencePrice] = ()
    authorised: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    price_ratio: float = 0.4


@dataclass(frozen=True, slots=True)
class RightRef:
    """The registered right behind a flag."""

    id: int
    office: str
    number: str
    text: str
    holders: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Flag:
    """One reason an item is risky, explaining itself.

    ``field`` is the item's field the match is in ("title", "description", "shop_name", "shop_domain",
    "price", "text"); ``start``/``end`` the span of ``matched_text`` in that field's original text (both 0
    for the price detector). ``term`` is the catalogue entry matched (the mark's text, the risk term, the GI
    name); ``how`` one of ``HOWS`` for marks, "" otherwise. ``explanation`` is a sentence in English.
    """

    detector: str
    field: str
    start: int
    end: int
    matched_text: str
    term: str
    weight: float
    explanation: str
    how: str = ""
    right: RightRef | None = None


@dataclass(frozen=True, slots=True)
class Result:
    """The screening of one item: its id, a risk score in [0, 1] and the flags behind it."""

    id: str
    risk_score: float
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A marketplace's thresholds: a score at or over ``alert`` raises an alert; at or over ``hold`` the
    listing is also held for review."""

    alert: float = 0.5
    hold: float = 0.85

    def level(self, score: float) -> str:
        """ "hold", "alert" or "" for the score."""
        if score >= self.hold:
            return "hold"
        if score >= self.alert:
            return "alert"
        return ""
