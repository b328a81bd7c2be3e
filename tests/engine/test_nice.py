from __future__ import annotations

import pytest

from ipbridge.engine.nice import nice


def test_the_classification_has_45_classes_and_every_official_term() -> None:
    classification = nice()

    assert sorted(classification.headings) == list(range(1, 46))
    assert classification.kinds[25] == "good"
    assert classification.kinds[35] == "service"
    assert classification.headings[25][0] == "Clothing, footwear, headwear"
    assert len({(c, b) for c, b, _ in classification.terms}) == 9915
    assert classification.edition == "NCL 12-2024"


@pytest.mark.parametrize(
    ("text", "expected_first", "term"),
    [
        ("running shoes", 25, "shoes"),
        ("leather handbags", 18, "handbags"),
        ("Lipstick", 3, "lipsticks"),
        ("cases for smartphones", 9, "cases for smartphones"),
        ("运动鞋 男款 透气", 25, "运动鞋"),
        ("red wine", 33, "wine"),
        ("watches", 14, "watches"),
    ],
)
def test_a_product_description_maps_to_its_class(text: str, expected_first: int, term: str) -> None:
    guesses = nice().guess(text)

    assert guesses[0].class_number == expected_first
    assert guesses[0].term == term


def test_text_with_no_known_word_maps_to_nothing() -> None:
    assert nice().guess("zzqx vlorp") == []
