from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from ipbridge.rights.models import Right
from ipbridge.rights.selectors import rights_search
from tests.rights.factories import right

pytestmark = pytest.mark.django_db


@pytest.fixture
def register() -> None:
    right(number="1", mark="NIKO", classes={25: "Clothing"})
    right(number="2", mark="AURORA", classes={3: "Cosmetics"})
    right(number="3", mark="欧若拉", office="CN", classes={3: "化妆品"})
    right(number="4", mark="AURORA LIGHT", classes={11: "Lamps"}, status="expired")
    right(number="5", mark="LUMINA", owner="Lumina Electronics", classes={9: "Earphones"})


@pytest.mark.parametrize(
    ("query", "first", "reason"),
    [
        ("AURORA", "AURORA", "exact"),
        ("aurora", "AURORA", "normalised"),
        ("A U R O R A", "AURORA", "spacing"),
        ("4UR0RA", "AURORA", "leetspeak"),
        ("ΑURΟRΑ", "AURORA", "homoglyph"),  # Greek capitals alpha and omicron
        ("AURORRA", "AURORA", "edit_distance"),
        ("LIGHT AURORA", "AURORA LIGHT", "word_order"),
        ("OURUOLA", "欧若拉", "pinyin"),
    ],
)
def test_search_finds_the_mark_and_says_why(register: None, query: str, first: str, reason: str) -> None:
    results = rights_search(q=query)

    assert results[0].right.verbal_element == first
    assert reason in [r.code for r in results[0].reasons]


def test_filters_keep_only_matching_rights(register: None) -> None:
    assert [r.right.number for r in rights_search(q="AURORA", status="expired")] == ["4"]
    assert [r.right.number for r in rights_search(q="AURORA", nice_class=3, office="EM")] == ["2"]
    assert rights_search(q="AURORA", office="US") == []


def test_rights_imported_later_are_found_without_a_rebuild(register: None) -> None:
    assert [r.right.number for r in rights_search(q="VELOCITA")] == []

    right(number="6", mark="VELOCITA", classes={25: "Clothing"})

    assert [r.right.number for r in rights_search(q="VELOCITA")] == ["6"]


def test_a_changed_mark_is_searched_by_its_new_words(register: None) -> None:
    rights_search(q="LUMINA")
    Right.objects.filter(number="5").update(verbal_element="LUMINOX", updated_at=timezone.now())

    assert [r.right.number for r in rights_search(q="LUMINOX")][:1] == ["5"]
    assert "5" not in [r.right.number for r in rights_search(q="LUMINA") if r.score == 1.0]


def test_the_search_api_is_public_and_lists_reasons(register: None) -> None:
    response = Client().get("/api/v1/rights/search", {"q": "N1K0", "limit": 3})

    assert response.status_code == 200
    first = response.json()["results"][0]
    assert (first["office"], first["number"], first["mark"], first["nice_classes"], first["status"]) == (
        "EM",
        "1",
        "NIKO",
        [25],
        "registered",
    )
    assert first["owners"] == ["Aurora Cosmetics S.A."]
    assert "leetspeak" in [r["code"] for r in first["reasons"]]
    assert 0 < first["score"] <= 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": " "}, "q"),
        ({"q": "x", "limit": 0}, "limit"),
        ({"q": "x", "status": "alive"}, "status"),
        ({"q": "x", "nice_class": 99}, "nice_class"),
    ],
)
def test_bad_search_input_names_the_field(params: dict[str, object], field: str) -> None:
    response = Client().get("/api/v1/rights/search", params)

    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


def test_the_search_page_shows_reasons_in_words(register: None) -> None:
    html = Client().get("/rights/", {"q": "4UR0RA"}).content.decode()

    assert 'data-reason="leetspeak"' in html
    assert "Digits or symbols for letters" in html
    assert '<a href="/rights/EM/2/">AURORA</a>' in html
