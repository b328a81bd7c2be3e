"""The listing and transcript screener: each detector, each way a mark is found, the weights and the score."""

from __future__ import annotations

import pytest

from ipbridge.engine.screening import (
    EDIT,
    EMBEDDED,
    EXACT,
    FOLDED,
    GEOGRAPHICAL_INDICATION,
    MARK,
    PHONETIC,
    PINYIN,
    PRICE,
    RISK_KEYWORD,
    SHOP_NAME,
    TRANSLITERATION,
    Catalogue,
    Flag,
    GITerm,
    Listing,
    ProtectedMark,
    ReferencePrice,
    ReferenceScreener,
    Result,
    RiskTerm,
    Screener,
    Segment,
    Thresholds,
    combine,
    default_gi_terms,
    default_risk_terms,
    money,
)

NIKE = ProtectedMark(1, "NIKE", "EM", "001234567", frozenset({"nike-inc"}), ("耐克",))
ADIDAS = ProtectedMark(2, "ADIDAS", "EM", "000000002", frozenset({"adidas-ag"}))
APPLE = ProtectedMark(3, "Apple", "US", "3", frozenset({"apple-inc"}))
BMW = ProtectedMark(4, "BMW", "DE", "4")
LOUIS_VUITTON = ProtectedMark(5, "LOUIS VUITTON", "FR", "5", transliterations=("路易威登",))
BALENCIAGA = ProtectedMark(6, "BALENCIAGA", "FR", "6")
HUAWEI = ProtectedMark(7, "华为", "CN", "7")
ERKE = ProtectedMark(8, "鸿星尔克", "CN", "8")
LV = ProtectedMark(9, "LV", "FR", "9")
TIMBERLAND = ProtectedMark(10, "Timberland", "US", "10")
MARKS = (NIKE, ADIDAS, APPLE, BMW, LOUIS_VUITTON, BALENCIAGA, HUAWEI, ERKE, LV, TIMBERLAND)
RISK = (RiskTerm("高仿", 0.9, "zh", ("高仿真",)), RiskTerm("A货", 0.85, "zh"), RiskTerm("1:1", 0.8))
RISK += (RiskTerm("AAA", 0.5, "en"), RiskTerm("replica", 0.9, "en"), RiskTerm("inspired by", 0.3, "en"))
RISK += (RiskTerm("fake", 0.7, "en", ("fake fur",)),)
CHAMPAGNE_SENSES = ("香槟色", "champagne gold", "champagne flutes")
GI = (
    GITerm("Champagne", "Champagne", frozenset({("tmall", "moet-shop")}), exceptions=CHAMPAGNE_SENSES),
    GITerm("香槟", "Champagne", frozenset({("tmall", "moet-shop")}), exceptions=CHAMPAGNE_SENSES),
)
CATALOGUE = Catalogue(
    marks=MARKS,
    risk_terms=RISK,
    gi_terms=GI,
    reference_prices=(
        ReferencePrice(1, "air max", "EUR", 12000),
        ReferencePrice(1, "air max", "EUR", 15000, category="shoes"),
        ReferencePrice(2, "", "CNY", 50000),
    ),
    authorised={("tmall", "nike-store"): frozenset({"nike-inc"})},
)


@pytest.fixture(scope="module", params=["fast", "reference"])
def screener(request: pytest.FixtureRequest) -> Screener | ReferenceScreener:
    return Screener(CATALOGUE) if request.param == "fast" else ReferenceScreener(CATALOGUE)


def flags_of(screener: Screener | ReferenceScreener, title: str, **fields: object) -> list[Flag]:
    return list(screener.screen_listing(Listing("1", title, **fields)).flags)  # type: ignore[arg-type]


def marks_found(screener: Screener | ReferenceScreener, title: str) -> list[tuple[str, int, int, str, str]]:
    """(how, start, end, matched text, mark) of the mark flags of a title."""
    return [
        (flag.how, flag.start, flag.end, flag.matched_text, flag.term)
        for flag in flags_of(screener, title)
        if flag.detector == MARK
    ]


def test_an_exact_mark_explains_itself(screener: Screener | ReferenceScreener) -> None:
    result = screener.screen_listing(Listing("7", "正品 Nike 跑鞋"))

    assert result == Result(
        "7",
        0.6,
        (
            Flag(
                detector=MARK,
                field="title",
                start=3,
                end=7,
                matched_text="Nike",
                term="NIKE",
                weight=0.6,
                explanation="The registered mark “NIKE” (EM 001234567) appears as registered in the title.",
                how=EXACT,
                right=result.flags[0].right,
            ),
        ),
    )
    right = result.flags[0].right
    assert right is not None
    assert (right.id, right.office, right.number, right.text, right.holders) == (
        1,
        "EM",
        "001234567",
        "NIKE",
        frozenset({"nike-inc"}),
    )


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Νike shoes", [(FOLDED, 0, 4, "Νike", "NIKE")]),  # Greek capital Nu
        ("N1KE shoes", [(FOLDED, 0, 4, "N1KE", "NIKE")]),
        ("N1K3", [(FOLDED, 0, 4, "N1K3", "NIKE")]),
        ("N.I.K.E shoes", [(FOLDED, 0, 7, "N.I.K.E", "NIKE")]),
        ("best N I K E", [(FOLDED, 5, 12, "N I K E", "NIKE")]),
        ("𝐍𝐈𝐊𝐄 tee", [(EXACT, 0, 4, "𝐍𝐈𝐊𝐄", "NIKE")]),  # compatibility letters (bold), past the BMP
        ("ＮＩＫＥ 鞋", [(EXACT, 0, 4, "ＮＩＫＥ", "NIKE")]),  # width aside
        ("Nike2024新款", [(EXACT, 0, 4, "Nike", "NIKE")]),  # letters then digits: a word boundary
        ("Louis-Vuitton bag", [(FOLDED, 0, 13, "Louis-Vuitton", "LOUIS VUITTON")]),
        ("louis   vuitton", [(EXACT, 0, 15, "louis   vuitton", "LOUIS VUITTON")]),
        ("華為手機", [(FOLDED, 0, 2, "華為", "华为")]),  # traditional characters
        ("耐克运动鞋", [(TRANSLITERATION, 0, 2, "耐克", "NIKE")]),
        ("奈克 跑鞋", [(PINYIN, 0, 2, "奈克", "NIKE")]),  # reads naike, like 耐克
        ("hongxingerke 外套", [(PINYIN, 0, 12, "hongxingerke", "鸿星尔克")]),
        ("鸿星尔可 外套", [(PINYIN, 0, 4, "鸿星尔可", "鸿星尔克")]),
        ("Adidsa shoes", [(EDIT, 0, 6, "Adidsa", "ADIDAS")]),
        ("Ballenciage bag", [(EDIT, 0, 11, "Ballenciage", "BALENCIAGA")]),  # two edits, ten letters
        ("Nyke shoes", [(PHONETIC, 0, 4, "Nyke", "NIKE")]),
        ("superadidasx", [(EMBEDDED, 5, 11, "adidas", "ADIDAS")]),
        ("BMW X5", [(EXACT, 0, 3, "BMW", "BMW")]),
    ],
)
def test_each_way_a_mark_is_found(screener: Screener | ReferenceScreener, title: str, expected: list[object]) -> None:
    assert marks_found(screener, title) == expected


@pytest.mark.parametrize(
    "title",
    [
        "B.M.W parts",  # three letters: only as written
        "bmwx",
        "LV bag, L V",  # two letters: never
        "Nikr",  # four letters: no edit look-alikes
        "sneakers snike",  # nor embedded
        "同城 通城",  # homophones of no Chinese form of a mark
        "fresh apple juice",  # an everyday word written small
        "pineapple",
        "Air neck tee",  # an everyday word is never a look-alike
        "耐 可",  # read alike, but apart
        "timberland trees",  # an everyday word (timberland) as a mark: only as registered or in capitals
        "",
    ],
)
def test_what_is_not_a_mark(screener: Screener | ReferenceScreener, title: str) -> None:
    assert marks_found(screener, title) == []


def test_an_everyday_word_mark_counts_as_registered_or_in_capitals(screener: Screener | ReferenceScreener) -> None:
    assert marks_found(screener, "Apple iPhone, apple juice, APPLE") == [
        (EXACT, 0, 5, "Apple", "Apple"),
        (EXACT, 27, 32, "APPLE", "Apple"),
    ]


def test_weights_by_how(screener: Screener | ReferenceScreener) -> None:
    title = "Nike 奈克 Adidsa superadidasx"

    weights = [(flag.how, flag.weight) for flag in flags_of(screener, title)]

    assert weights == [(EXACT, 0.6), (PINYIN, 0.51), (EDIT, 0.51), (EMBEDDED, 0.36)]
    # NIKE by its strongest (0.6), ADIDAS by its (0.51): 1 - 0.4 × 0.49
    assert screener.screen_listing(Listing("1", title)).risk_score == 0.804


def test_a_lone_lookalike_reaches_the_alert_line(screener: Screener | ReferenceScreener) -> None:
    result = screener.screen_listing(Listing("1", "Adidsa running shoes"))

    assert Thresholds().level(result.risk_score) == "alert"


@pytest.mark.parametrize(
    ("title", "cue"),
    [
        ("Case for Nike Air", "for"),
        ("strap compatible with Nike watches", "compatible with"),
        ("fits: NIKE", "fits"),
        ("表带适用于耐克手表", "适用于"),
        ("兼容 耐克", "兼容"),
    ],
)
def test_a_referential_use_weighs_a_quarter(screener: Screener | ReferenceScreener, title: str, cue: str) -> None:
    (flag,) = flags_of(screener, title)

    assert flag.weight == 0.15
    assert flag.explanation.endswith(
        f" It follows “{cue}”, which names what a product fits rather than who made it (a descriptive use), "
        "so it weighs a quarter."
    )


def test_a_cue_must_be_a_word(screener: Screener | ReferenceScreener) -> None:
    assert [flag.weight for flag in flags_of(screener, "comfort Nike")] == [0.6]


def test_an_authorised_shop_is_not_flagged_for_its_holders_marks(screener: Screener | ReferenceScreener) -> None:
    listing = Listing(
        "1",
        "Nike Air Max 高仿 adidas",
        marketplace="tmall",
        shop_id="nike-store",
        shop_name="Nike Store",
        price_minor=1000,
        currency="EUR",
    )

    flags = screener.screen_listing(listing).flags

    assert [(flag.detector, flag.term) for flag in flags] == [(RISK_KEYWORD, "高仿"), (MARK, "ADIDAS")]


def test_risk_keywords(screener: Screener | ReferenceScreener) -> None:
    flags = flags_of(screener, "高仿A货 REPLICA 1:1 aaa AAAA 11:1 Inspired  by")

    assert [(flag.start, flag.end, flag.matched_text, flag.term, flag.weight) for flag in flags] == [
        (0, 2, "高仿", "高仿", 0.9),
        (2, 4, "A货", "A货", 0.85),
        (5, 12, "REPLICA", "replica", 0.9),
        (13, 16, "1:1", "1:1", 0.8),
        (17, 20, "aaa", "AAA", 0.5),
        (31, 43, "Inspired  by", "inspired by", 0.3),
    ]
    assert (
        flags[0].explanation
        == "“高仿” in the title is the risk keyword “高仿” (weight 0.9), a word sellers of copies use."
    )


def test_a_geographical_indication_outside_its_producers(screener: Screener | ReferenceScreener) -> None:
    title = "Champagne 香槟 gift"

    flags = flags_of(screener, title, marketplace="tmall", shop_id="other")
    by_producer = flags_of(screener, title, marketplace="tmall", shop_id="moet-shop")

    assert [(flag.detector, flag.start, flag.end, flag.term, flag.weight) for flag in flags] == [
        (GEOGRAPHICAL_INDICATION, 0, 9, "Champagne", 0.5),
        (GEOGRAPHICAL_INDICATION, 10, 12, "香槟", 0.5),
    ]
    assert flags[1].explanation == (
        "“香槟” in the title is the protected geographical indication Champagne, and this shop is not one of its "
        "producers."
    )
    assert by_producer == []


def test_marks_in_the_shop_name_and_domain(screener: Screener | ReferenceScreener) -> None:
    flags = flags_of(screener, "运动鞋", shop_name="N1KE 官方店", shop_domain="superadidasx.shop")

    assert [(flag.detector, flag.field, flag.how, flag.start, flag.end, flag.matched_text) for flag in flags] == [
        (SHOP_NAME, "shop_name", FOLDED, 0, 4, "N1KE"),
        (SHOP_NAME, "shop_domain", EMBEDDED, 5, 11, "adidas"),
    ]
    assert flags[0].explanation == (
        "“N1KE” is the registered mark “NIKE” (EM 001234567) disguised (look-alike characters, leetspeak, spacing "
        "or punctuation) in the shop's name."
    )


def test_a_price_far_under_the_reference(screener: Screener | ReferenceScreener) -> None:
    result = screener.screen_listing(Listing("1", "Nike Air Max 90", price_minor=1200, currency="EUR"))

    assert [
        (flag.detector, flag.field, flag.start, flag.end, flag.matched_text, flag.weight) for flag in result.flags
    ] == [
        (MARK, "title", 0, 4, "Nike", 0.6),
        (PRICE, "price", 0, 0, "12.00 EUR", 0.5),
    ]
    assert result.flags[1].explanation == (
        "The price 12.00 EUR is 10% of the reference price 120.00 EUR of NIKE air max, under the 40% that marks a "
        "price anomaly."
    )
    assert result.risk_score == 0.8


@pytest.mark.parametrize(
    ("title", "price", "currency", "category", "expected"),
    [
        ("Nike Air Max", 4799, "EUR", "", True),
        ("Nike Air Max", 4800, "EUR", "", False),  # 40% exactly is no anomaly
        ("Nike Air", 100, "EUR", "", False),  # the product's words are not all there
        ("Nike Air Max", 100, "USD", "", False),
        ("Nike Air Max", 5000, "EUR", "shoes", True),  # under 40% of the shoes' reference price
        ("case for Nike Air Max", 100, "EUR", "", False),  # a referential use names no product
        ("Adidas tee", 19999, "CNY", "", True),  # a reference price for any product of the mark
    ],
)
def test_the_price_rule(
    screener: Screener | ReferenceScreener, title: str, price: int, currency: str, category: str, expected: bool
) -> None:
    listing = Listing("1", title, price_minor=price, currency=currency, category=category)

    flags = screener.screen_listing(listing).flags

    assert any(flag.detector == PRICE for flag in flags) is expected


def test_the_risk_score_counts_each_reason_once(screener: Screener | ReferenceScreener) -> None:
    # NIKE 0.6 (twice, counted once, the pinyin look-alike weaker), 高仿 0.9 twice, counted once.
    result = screener.screen_listing(Listing("1", "Nike 高仿 耐克 奈克 高仿"))

    assert result.risk_score == 0.96
    assert [flag.weight for flag in result.flags] == [0.6, 0.9, 0.6, 0.51, 0.9]


def test_combine() -> None:
    assert combine([]) == 0.0
    assert combine([0.5, 0.5]) == 0.75
    assert combine([0.6, 0.9]) == 0.96
    assert combine([0.3, 0.3, 0.3]) == 0.657
    assert combine([0.123456]) == 0.1235
    assert combine([1.5, -1]) == 1.0


def test_thresholds_level() -> None:
    thresholds = Thresholds(alert=0.5, hold=0.85)

    assert [thresholds.level(score) for score in (0.0, 0.4999, 0.5, 0.8499, 0.85, 1.0)] == [
        "",
        "",
        "alert",
        "alert",
        "hold",
        "hold",
    ]


def test_money() -> None:
    assert [money(1200, "EUR"), money(5, "CNY"), money(1200, "JPY"), money(1234, "KWD")] == [
        "12.00 EUR",
        "0.05 CNY",
        "1200 JPY",
        "1.234 KWD",
    ]


@pytest.mark.parametrize("kind", [Screener, ReferenceScreener])
def test_an_empty_catalogue_flags_nothing(kind: type[Screener] | type[ReferenceScreener]) -> None:
    screener = kind(Catalogue())

    results = screener.screen([Listing("a", "Nike 高仿 Champagne"), Listing("b", "")])

    assert results == [Result("a", 0.0), Result("b", 0.0)]
    assert screener.screen([]) == []


@pytest.mark.parametrize(
    "title",
    [
        "",
        " ",
        "\x00Nike\x00",
        "\ud800 lone surrogate Nike",
        "e\u0301\u0301 Straße ǅ ß ﬁ İ",
        "🙂👟🏻 emoji Nike",
        "עברית العربية Nike",
        "\u200b\u200dN\u200bike",
        "Ꭺ Cherokee ꭰ",
        "Nike " * 20_000,
        "高仿" + "耐克" * 5000,
    ],
)
def test_odd_titles_never_raise(screener: Screener | ReferenceScreener, title: str) -> None:
    if isinstance(screener, ReferenceScreener) and len(title) > 1000:
        pytest.skip("the reference is quadratic")
    result = screener.screen_listing(Listing("x", title, description=title, shop_name=title))

    assert 0.0 <= result.risk_score <= 1.0
    assert all(
        flag.matched_text == Listing("x", title).title[flag.start : flag.end]
        for flag in result.flags
        if flag.field == "title"
    )


def test_the_batch_keeps_order_and_clean_listings_are_clean() -> None:
    screener = Screener(CATALOGUE)
    listings = [Listing(str(number), title) for number, title in enumerate(["clean", "Nike", "干净", "高仿"] * 3000)]

    results = screener.screen(listings)

    assert [result.id for result in results] == [listing.id for listing in listings]
    assert [result.risk_score for result in results[:4]] == [0.0, 0.6, 0.0, 0.9]
    assert results[0] == Result("0", 0.0, ())


def test_with_risk_terms_swaps_only_the_risk_catalogue() -> None:
    screener = Screener(CATALOGUE)

    other = screener.with_risk_terms([RiskTerm("dupe", 0.55, "en")])

    flags = other.screen_listing(Listing("1", "Nike dupe 高仿")).flags
    assert [(flag.detector, flag.term, flag.weight) for flag in flags] == [
        (MARK, "NIKE", 0.6),
        (RISK_KEYWORD, "dupe", 0.55),
    ]
    assert [flag.term for flag in screener.screen_listing(Listing("1", "Nike dupe 高仿")).flags] == ["NIKE", "高仿"]
    assert other.catalogue.marks is screener.catalogue.marks


def test_a_transcript_segment(screener: Screener | ReferenceScreener) -> None:
    segment = Segment("s1", "stream", 1000, 4000, "家人们这款耐克是高仿的", marketplace="douyin", shop_id="x")

    result = screener.screen_segment(segment)

    assert [(flag.detector, flag.field, flag.start, flag.end, flag.how) for flag in result.flags] == [
        (MARK, "text", 5, 7, TRANSLITERATION),
        (RISK_KEYWORD, "text", 8, 10, ""),
    ]
    assert result.risk_score == 0.96


def test_without_lookalikes_only_marks_as_written_or_disguised() -> None:
    screener = Screener(CATALOGUE, lookalikes=False)

    found = [
        (flag.how, flag.matched_text)
        for flag in screener.screen_listing(Listing("1", "N1KE 奈克 Adidsa Nyke 耐克")).flags
    ]

    assert found == [(FOLDED, "N1KE"), (TRANSLITERATION, "耐克")]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("高仿真 婴儿 硅胶 娃娃", []),
        ("高仿 高仿真 娃娃", [(RISK_KEYWORD, "高仿")]),
        ("Fake fur coat", []),
        ("FAKE FUR coat, fake bag", [(RISK_KEYWORD, "fake")]),
        ("香槟色 连衣裙", []),
        ("Champagne gold kitchen tap", []),
        ("Champagne flutes and a Champagne brut", [(GEOGRAPHICAL_INDICATION, "Champagne")]),
    ],
)
def test_a_term_inside_one_of_its_exceptions_is_not_flagged(
    screener: Screener | ReferenceScreener, title: str, expected: list[tuple[str, str]]
) -> None:
    flags = screener.screen_listing(Listing("1", title)).flags

    assert [(flag.detector, flag.term) for flag in flags] == expected


def test_the_shipped_catalogues() -> None:
    risk = {term.text: term for term in default_risk_terms()}
    names = {term.text: term for term in default_gi_terms()}

    assert risk["高仿"].weight == 0.9
    assert risk["代购"].weight == 0.25
    assert risk["replica"].language == "en"
    assert all(0 < term.weight <= 1 for term in risk.values())
    assert {"高仿", "A货", "原单", "跟单", "原厂", "平价替代", "super copy", "1:1", "AAA"} <= risk.keys()
    assert {"一比一", "纯原", "公司级", "莆田", "同厂", "super clone", "grade A copy"} <= risk.keys()
    assert risk["高仿"].exceptions == ("高仿真",)
    assert "champagne gold" in names["Champagne"].exceptions
    assert names["香槟"].gi == names["Champagne"].gi == "Champagne"
    assert names["西湖龙井"].producers == frozenset()
    assert len({term.gi for term in names.values()}) >= 40


def test_spans_stay_right_when_characters_fold_unevenly(screener: Screener | ReferenceScreener) -> None:
    # ¨ normalises to nothing and ß to two letters: together the text keeps its length, its offsets not.
    listing = Listing("1", "x", description="¨ Champagne ß")

    (flag,) = screener.screen_listing(listing).flags

    assert (flag.field, flag.start, flag.end, flag.matched_text) == ("description", 2, 11, "Champagne")
