"""The fast screener agrees with the reference's plain loops: same flags, same scores, on generated titles and
catalogues."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipbridge.engine.screening import (
    Catalogue,
    GITerm,
    Listing,
    ProtectedMark,
    ReferencePrice,
    ReferenceScreener,
    Result,
    RiskTerm,
    Screener,
    Segment,
    default_gi_terms,
    default_risk_terms,
)
from ipbridge.engine.synthetic import marks as synthetic_marks
from ipbridge.engine.synthetic import perturb

LATIN = [mark.text for mark in synthetic_marks(60, seed=7) if mark.text.isascii()]
CHINESE = [mark.text for mark in synthetic_marks(200, seed=7) if not mark.text.isascii()][:30]
KNOWN = ["NIKE", "ADIDAS", "Apple", "BMW", "LV", "LOUIS VUITTON", "BALENCIAGA", "华为", "鸿星尔克", "耐克", "NAIKE"]
NOISE = [
    "新款",
    "正品",
    "运动鞋",
    "同城",
    "包邮",
    "奈克",
    "for",
    "compatible with",
    "适用于",
    "shoes",
    "2024",
    "1:1",
    "XXL",
    "apple",
    "Νike",
    "N I K E",
    "ß",
    "ﬁ",
    "İ",
    "e\u0301",
    "𝐍𝐈𝐊𝐄",
    "華為",
    "\u200b",
    "!",
    "-",
    "@",
    "$",
    "  ",
    "\t",
]
RISK = [*default_risk_terms()[:12], RiskTerm("dupe", 0.55, "en"), RiskTerm("A货", 0.85, "zh")]
GI = [*default_gi_terms()[:6], GITerm("Bofu Valley", "Bofu Valley", frozenset({("m", "producer")}))]


@st.composite
def catalogues(draw: st.DrawFn) -> Catalogue:
    texts = draw(st.lists(st.sampled_from(LATIN + CHINESE + KNOWN), min_size=0, max_size=12, unique=True))
    marks = []
    for number, text in enumerate(texts, start=1):
        transliterations = tuple(draw(st.lists(st.sampled_from(CHINESE + KNOWN), max_size=2, unique=True)))
        holders = frozenset(draw(st.sets(st.sampled_from(["h1", "h2", "h3"]), max_size=1)))
        weight = draw(st.sampled_from([0.6, 0.5, 0.9, 1.0]))
        marks.append(ProtectedMark(number, text, "EM", str(number), holders, transliterations, weight))
    prices = [
        ReferencePrice(mark.id, draw(st.sampled_from(["", "shoes", "新款"])), "EUR", draw(st.integers(1, 50_000)))
        for mark in marks[:3]
    ]
    return Catalogue(
        marks=marks,
        risk_terms=draw(st.lists(st.sampled_from(RISK), max_size=8, unique=True)),
        gi_terms=draw(st.lists(st.sampled_from(GI), max_size=4, unique=True)),
        reference_prices=prices,
        authorised={("m", "shop-2"): frozenset({"h2"})},
    )


@st.composite
def titles(draw: st.DrawFn, catalogue: Catalogue) -> str:
    sources = [mark.text for mark in catalogue.marks] + [t for m in catalogue.marks for t in m.transliterations]
    sources += [term.text for term in catalogue.risk_terms] + [term.text for term in catalogue.gi_terms]
    rng = random.Random(draw(st.integers(0, 2**32)))
    parts = []
    for _ in range(draw(st.integers(0, 7))):
        kind = draw(st.integers(0, 3))
        if kind == 0 and sources:
            parts.append(rng.choice(sources))
        elif kind == 1 and sources:
            parts.append(perturb(rng.choice(sources), rng))
        elif kind == 2:
            parts.append(draw(st.sampled_from(NOISE + LATIN + CHINESE)))
        else:
            parts.append(draw(st.text(max_size=4)))
    glue = draw(st.sampled_from([" ", "", "/", "，"]))
    return glue.join(parts)


def agree(catalogue: Catalogue, listings: list[Listing], *, lookalikes: bool = True) -> None:
    fast = Screener(catalogue, lookalikes=lookalikes).screen(listings)
    reference = ReferenceScreener(catalogue, lookalikes=lookalikes).screen(listings)
    assert [_key(result) for result in fast] == [_key(result) for result in reference]
    assert fast == reference  # explanations and rights too


def _key(result: Result) -> tuple[str, float, set[tuple[str, str, int, int, str, str]]]:
    return (
        result.id,
        result.risk_score,
        {(flag.detector, flag.field, flag.start, flag.end, flag.term, flag.how) for flag in result.flags},
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_fast_agrees_with_the_reference_on_titles(data: st.DataObject) -> None:
    catalogue = data.draw(catalogues())
    listings = [
        Listing(
            str(number),
            data.draw(titles(catalogue)),
            description=data.draw(st.one_of(st.just(""), titles(catalogue))),
            marketplace="m",
            shop_id=data.draw(st.sampled_from(["shop-1", "shop-2", "producer"])),
            shop_name=data.draw(st.one_of(st.just(""), titles(catalogue))),
            shop_domain=data.draw(st.sampled_from(["", "nike-outlet.shop", "superadidasx.com", "n1ke.cn"])),
            price_minor=data.draw(st.one_of(st.none(), st.integers(0, 60_000))),
            currency="EUR",
            category=data.draw(st.sampled_from(["", "shoes"])),
        )
        for number in range(data.draw(st.integers(1, 6)))
    ]

    agree(catalogue, listings)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fast_agrees_with_the_reference_without_lookalikes(data: st.DataObject) -> None:
    catalogue = data.draw(catalogues())
    titles_drawn = data.draw(st.lists(titles(catalogue), min_size=1, max_size=4))
    listings = [Listing(str(number), title, shop_name=title) for number, title in enumerate(titles_drawn)]

    agree(catalogue, listings, lookalikes=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fast_agrees_with_the_reference_on_any_text(data: st.DataObject) -> None:
    catalogue = data.draw(catalogues())
    texts = data.draw(st.lists(st.text(max_size=30), min_size=1, max_size=5))

    agree(catalogue, [Listing(str(number), text) for number, text in enumerate(texts)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fast_agrees_with_the_reference_on_segments(data: st.DataObject) -> None:
    catalogue = data.draw(catalogues())
    segment = Segment("s", "stream", 0, 1000, data.draw(titles(catalogue)), marketplace="m", shop_id="shop-2")

    assert Screener(catalogue).screen_segment(segment) == ReferenceScreener(catalogue).screen_segment(segment)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fast_agrees_with_the_reference_with_other_risk_terms(data: st.DataObject) -> None:
    catalogue = data.draw(catalogues())
    terms = data.draw(st.lists(st.sampled_from(RISK), max_size=5, unique=True))
    listings = [Listing("1", data.draw(titles(catalogue)))]

    fast = Screener(catalogue).with_risk_terms(terms).screen(listings)

    assert fast == ReferenceScreener(catalogue).with_risk_terms(terms).screen(listings)


def test_fast_agrees_without_lookalikes() -> None:
    catalogue = Catalogue(marks=[ProtectedMark(1, "NIKE", transliterations=("耐克",)), ProtectedMark(2, "ADIDAS")])
    listings = [Listing(str(n), t) for n, t in enumerate(["N1KE 奈克 耐克", "adidsa superadidasx", "Nyke N.I.K.E"])]

    fast = Screener(catalogue, lookalikes=False).screen(listings)

    assert fast == ReferenceScreener(catalogue, lookalikes=False).screen(listings)
