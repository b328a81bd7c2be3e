"""The matched text marked: a text cut into plain pieces and the pieces its flags of one field matched, overlapping
matches joined, matches out of the text or not holding their matched text left out, and every piece escaped where
a page shows them."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from ipbridge.screening.spans import Span, matched_spans

TITLE = "AURORA Rouge lipstick 高仿 replica"


def flag(detector: str, start: int, matched: str, *, field: str = "title") -> dict[str, Any]:
    return {"detector": detector, "field": field, "start": start, "end": start + len(matched), "matched_text": matched}


def pieces(spans: list[Span]) -> list[tuple[str, str]]:
    return [(span.text, span.detector) for span in spans]


def test_the_text_is_cut_into_the_spans_its_flags_matched() -> None:
    flags = [
        flag("mark", 0, "AURORA"),
        flag("risk_keyword", 22, "高仿"),
        flag("risk_keyword", 23, "replica"),  # the matched text is not there: left out
        flag("risk_keyword", 13, "lipstick"),
        flag("risk_keyword", 16, "stick"),  # overlaps the one before: joined
        flag("mark", 500, "AURORA"),  # outside the text: left out
        {"detector": "price", "field": "price", "start": 0, "end": 0, "matched_text": "9.90 EUR"},
    ]

    assert pieces(matched_spans(TITLE, flags, field="title")) == [
        ("AURORA", "mark"),
        (" Rouge ", ""),
        ("lipstick", "risk_keyword"),
        (" ", ""),
        ("高仿", "risk_keyword"),
        (" replica", ""),
    ]


def test_overlapping_spans_are_joined_under_the_flag_that_starts_first() -> None:
    flags = [
        flag("mark", 0, "AURORA", field="text"),
        flag("risk_keyword", 4, "RA 高仿", field="text"),
        flag("risk_keyword", 10, "elsewhere", field="text"),
        {"detector": "price", "field": "price", "start": 0, "end": 0, "matched_text": ""},
    ]

    spans = matched_spans("AURORA 高仿 正品", flags, field="text")

    assert pieces(spans) == [("AURORA 高仿", "mark"), (" 正品", "")]


def test_spans_that_only_touch_stay_apart() -> None:
    flags = [flag("mark", 0, "AURORA"), flag("risk_keyword", 6, "高仿")]

    assert pieces(matched_spans("AURORA高仿", flags, field="title")) == [("AURORA", "mark"), ("高仿", "risk_keyword")]


def test_only_the_flags_of_the_field_asked_for_count() -> None:
    flags = [flag("mark", 0, "AURORA", field="shop_name"), flag("risk_keyword", 7, "高仿", field="description")]

    assert pieces(matched_spans("AURORA 高仿", flags, field="description")) == [
        ("AURORA ", ""),
        ("高仿", "risk_keyword"),
    ]
    assert pieces(matched_spans("AURORA 高仿", flags, field="title")) == [("AURORA 高仿", "")]


def test_flags_that_name_no_span_are_left_out() -> None:
    flags: list[Any] = [
        "not a flag",
        {"detector": "watch", "field": "title", "start": 0, "end": 0, "matched_text": ""},
        {"detector": "mark", "field": "title", "start": "0", "end": 6},
        {"detector": "mark", "field": "title", "start": 3, "end": 2},
        {"detector": "mark", "field": "title", "start": -1, "end": 2},
        {"field": "title", "start": 7, "end": 9},  # no detector, no matched text: marked all the same
    ]

    assert pieces(matched_spans("AURORA 高仿", flags, field="title")) == [("AURORA ", ""), ("高仿", "flag")]
    assert matched_spans("", flags, field="title") == []


def test_the_page_escapes_every_piece() -> None:
    text = '<b>x</b> AURORA "高仿" & co'
    spans = matched_spans(text, [flag("mark", 9, "AURORA"), flag("risk_keyword", 17, "高仿")], field="title")

    shown = render_to_string("screening/_matched.html", {"spans": spans}).strip()

    assert shown == (
        '&lt;b&gt;x&lt;/b&gt; <mark class="px-0 flag-mark" data-detector="mark">AURORA</mark> '
        '&quot;<mark class="px-0 flag-risk_keyword" data-detector="risk_keyword">高仿</mark>&quot; &amp; co'
    )
