"""The similar-mark index: exact answers on a small register, updates, filters, files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ipbridge.engine.marks import REASON_CODES, Filters, Hit, Mark, MarkIndex, Reason, ReferenceMatcher

REGISTER = [
    Mark(1, "NIKE", office="US", classes=frozenset({25}), status="registered", owner="Nike, Inc."),
    Mark(2, "NIKE AIR MAX", office="EM", classes=frozenset({25, 35}), status="registered", owner="Nike, Inc."),
    Mark(3, "耐克", office="CN", classes=frozenset({25}), status="registered", owner="耐克创新有限合伙公司"),
    Mark(4, "ADIDAS", office="EM", classes=frozenset({25}), status="registered", owner="adidas AG"),
    Mark(5, "NIKKO", office="JP", classes=frozenset({9}), status="expired", owner="Nikko K.K."),
    Mark(6, "AIR NIKE", office="US", classes=frozenset({25}), status="filed", owner="Other Co."),
    Mark(7, "KODAK", office="US", classes=frozenset({1, 9}), status="registered", owner="Eastman Kodak"),
    Mark(8, "PUMA", office="DE", classes=frozenset({25}), status="registered", owner="PUMA SE"),
]
DATED = [
    Mark(10, "SOLARA", filing_date=dt.date(2001, 5, 1)),
    Mark(11, "SOLARA", filing_date=dt.date(2015, 5, 1)),
    Mark(12, "SOLARA"),
]


@pytest.fixture(scope="module")
def index() -> MarkIndex:
    return MarkIndex(REGISTER)


def ids(hits: list[Hit]) -> list[int]:
    return [hit.id for hit in hits]


def test_leetspeak_finds_the_mark_first(index: MarkIndex) -> None:
    hits = index.search("N1KE")

    assert hits[0] == Hit(1, "NIKE", 0.94, (Reason("leetspeak"),))


def test_greek_letters_are_homoglyphs(index: MarkIndex) -> None:
    assert index.search("ΝΙΚΕ")[0] == Hit(1, "NIKE", 0.98, (Reason("normalised"), Reason("homoglyph")))


def test_an_identical_text_is_exact(index: MarkIndex) -> None:
    assert index.search("NIKE")[0] == Hit(1, "NIKE", 1.0, (Reason("exact"),))


@pytest.mark.parametrize("query", ["N I K E", "N.I.K.E", "n-i-k-e"])
def test_spacing_and_punctuation(index: MarkIndex, query: str) -> None:
    assert index.search(query)[0] == Hit(1, "NIKE", 0.96, (Reason("spacing"),))


def test_pinyin_bridges_chinese_and_latin(index: MarkIndex) -> None:
    assert index.search("NAIKE")[0] == Hit(3, "耐克", 0.92, (Reason("pinyin", "naike"),))
    assert index.search("耐克")[0].id == 3


def test_a_typo_is_an_edit(index: MarkIndex) -> None:
    hit = index.search("KODDAK")[0]

    assert (hit.id, hit.score, hit.reasons[0]) == (7, 1 - 1 / 6, Reason("edit_distance", "1 edit"))


def test_words_in_another_order(index: MarkIndex) -> None:
    assert index.search("MAX AIR NIKE")[0] == Hit(2, "NIKE AIR MAX", 0.9, (Reason("word_order"),))


def test_the_query_inside_a_longer_mark(index: MarkIndex) -> None:
    hits = {hit.id: hit for hit in index.search("NIKE AIR")}

    assert hits[2].reasons == (Reason("contained", "query inside mark"),)
    assert hits[2].score == pytest.approx(0.7 + 0.2 * 7 / 10)


def test_a_mark_inside_a_longer_query(index: MarkIndex) -> None:
    hits = {hit.id: hit for hit in index.search("nikeairmax shoes")}

    assert hits[1].reasons == (Reason("contained", "mark inside query"),)
    assert hits[2].reasons == (Reason("contained", "mark inside query"),)


def test_sound_alikes_are_phonetic(index: MarkIndex) -> None:
    hits = {hit.id: hit for hit in index.search("NYKEE")}

    assert Reason("phonetic", "sounds like NK") in hits[5].reasons


def test_reason_codes_come_from_the_vocabulary(index: MarkIndex) -> None:
    for query in ["N1KE", "ΝΙΚΕ", "NAIKE", "nike air", "nikeairmax", "PUMMA", "KODAK"]:
        for hit in index.search(query, score_cutoff=0.5):
            assert hit.reasons
            assert {reason.code for reason in hit.reasons} <= set(REASON_CODES)


def test_nothing_alike_gives_nothing(index: MarkIndex) -> None:
    assert index.search("ZEBRAFISH") == []
    assert index.search("") == []
    assert index.search("★★★") == []


def test_limit_and_cutoff(index: MarkIndex) -> None:
    assert len(index.search("NIKE", limit=2)) == 2
    assert all(hit.score >= 0.95 for hit in index.search("NIKE", score_cutoff=0.95))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"office": "US"}, [1, 6]),
        ({"office": ["US", "EM"]}, [1, 2, 6]),
        ({"nice_class": 25, "status": "filed"}, [6]),
        ({"nice_class": [9, 35]}, [2, 5]),
        ({"owner": "NIKE, INC."}, [1, 2]),
        ({"status": "unknown"}, []),
    ],
)
def test_filters(index: MarkIndex, filters: dict[str, object], expected: list[int]) -> None:
    hits = index.search("NIKE", score_cutoff=0.5, **filters)  # type: ignore[arg-type]

    assert sorted(ids(hits)) == expected
    assert hits == ReferenceMatcher(REGISTER).search("NIKE", score_cutoff=0.5, **filters)  # type: ignore[arg-type]


def test_date_filters_bound_the_filing_date() -> None:
    index = MarkIndex(DATED)

    assert ids(index.search("SOLARA", date_from=dt.date(2010, 1, 1))) == [11]
    assert ids(index.search("SOLARA", date_to=dt.date(2010, 1, 1))) == [10]
    assert ids(index.search("SOLARA")) == [10, 11, 12]


def test_add_replaces_a_mark_with_the_same_id() -> None:
    index = MarkIndex(REGISTER)

    index.add([Mark(8, "PUMAX")])

    assert len(index) == len(REGISTER)
    assert [(hit.id, hit.text) for hit in index.search("PUMAX", limit=1)] == [(8, "PUMAX")]
    assert 8 not in ids(index.search("PUMA", score_cutoff=0.95))


def test_remove_forgets_marks() -> None:
    index = MarkIndex(REGISTER)

    index.remove([1, 6, 999])

    assert len(index) == len(REGISTER) - 2
    assert {1, 6}.isdisjoint(ids(index.search("NIKE", score_cutoff=0.5)))


def test_many_small_updates_keep_few_segments() -> None:
    index = MarkIndex()
    for number in range(64):
        index.add([Mark(number, f"BRAND{number}")])

    assert len(index) == 64
    assert len(index._segments) <= 7
    assert ids(index.search("BRAND42", limit=1)) == [42]


def test_the_last_of_two_marks_with_one_id_wins() -> None:
    index = MarkIndex([Mark(1, "FIRST"), Mark(1, "SECOND")])

    assert len(index) == 1
    assert index.search("FIRST") == []
    assert ids(index.search("SECOND")) == [1]


def test_save_and_load_give_the_same_answers(tmp_path: Path) -> None:
    index = MarkIndex(REGISTER)
    index.add([Mark(20, "NIKEY")])
    index.remove([4])
    index.save(tmp_path / "marks")

    for mmap in (True, False):
        loaded = MarkIndex.load(tmp_path / "marks", mmap=mmap)
        assert len(loaded) == len(index)
        for query in ["N1KE", "NAIKE", "ADIDAS", "nikeairmax shoes"]:
            assert loaded.search(query, office="US") == index.search(query, office="US")
            assert loaded.search(query) == index.search(query)


def test_a_loaded_index_takes_updates(tmp_path: Path) -> None:
    MarkIndex(REGISTER).save(tmp_path / "marks")
    loaded = MarkIndex.load(tmp_path / "marks")

    loaded.add([Mark(30, "REEBOK")])
    loaded.remove([7])

    assert ids(loaded.search("REEBOK")) == [30]
    assert loaded.search("KODAK") == []


def test_load_refuses_another_folder(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{"format": "other"}', encoding="utf-8")

    with pytest.raises(ValueError, match="does not hold"):
        MarkIndex.load(tmp_path)


def test_filters_of_a_mark() -> None:
    mark = Mark(1, "X", office="EM", classes=frozenset({3}), status="registered", owner="ACME Ltd")

    assert Filters.of(office="EM", nice_class=3, owner="acme  ltd").keeps(mark)
    assert not Filters.of(nice_class=4).keeps(mark)
    assert not Filters.of(date_from=dt.date(2000, 1, 1)).keeps(mark)


def test_two_edits_to_a_key_outside_a_z_do_not_count_nor_crowd_out_one_inside() -> None:
    corpus = [Mark(1, "ABCDEFЖ"), Mark(2, "ABCDEFX")]

    hits = MarkIndex(corpus).search("ABCDEFGH", limit=1)

    assert [(hit.id, hit.reasons) for hit in hits] == [(2, (Reason("edit_distance", "2 edits"),))]
    assert hits == ReferenceMatcher(corpus).search("ABCDEFGH", limit=1)


def test_marks_come_back_as_stored() -> None:
    mark = Mark(5, "Solara", "EM", frozenset({3, 45}), "filed", "ACME  Ltd", dt.date(2020, 2, 29), dt.date(2021, 1, 4))
    index = MarkIndex([mark, Mark(6, "OTHER")])
    index.remove([6])

    assert list(index.marks()) == [
        Mark(5, "Solara", "EM", frozenset({3, 45}), "filed", "acme ltd", dt.date(2020, 2, 29), dt.date(2021, 1, 4))
    ]


def test_a_compacted_index_answers_the_same() -> None:
    index = MarkIndex(REGISTER)
    index.add([Mark(8, "PUMAX"), Mark(9, "NIKY")])
    index.remove([4])

    compacted = index.compacted()

    assert len(compacted) == len(index)
    assert compacted.nbytes < index.nbytes
    for query in ["NIKE", "PUMA", "ADIDAS", "nikeairmax shoes"]:
        assert compacted.search(query, score_cutoff=0.5) == index.search(query, score_cutoff=0.5)


def test_a_listing_title_finds_the_marks_inside_it(index: MarkIndex) -> None:
    title = "Brand new NIKE AIR MAX running shoes, original box, fast shipping, best price " * 3

    hits = index.search(title, score_cutoff=0.7)

    assert ids(hits) == [2, 1]
    assert hits == ReferenceMatcher(REGISTER).search(title, score_cutoff=0.7)


def test_many_marks_with_the_query_key_rank_by_how_equal_their_texts_are() -> None:
    corpus = [Mark(i, "N I K E") for i in range(1, 15)] + [Mark(20, "nike"), Mark(21, "NIKE"), Mark(22, "NIKE")]

    hits = MarkIndex(corpus).search("NIKE", limit=3)

    assert [(hit.id, hit.score) for hit in hits] == [(21, 1.0), (22, 1.0), (20, 0.98)]
    assert hits == ReferenceMatcher(corpus).search("NIKE", limit=3)
