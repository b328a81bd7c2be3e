"""Batch scans through their services: listings screened while the request waits, the flagged ones kept and
alerts raised at the marketplace's thresholds; files and large batches screened in the background in chunks,
each counted once whatever order they finish in or however often they are delivered; every listing that cannot
be screened named with its line, field and reason, and nothing written when a file is refused."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import AuditEvent
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from ipbridge.engine.screening import MARK, RISK_KEYWORD
from ipbridge.screening import monitoring, scans, scans_input, scans_selectors
from ipbridge.screening.models import Alert, Scan, ScanChunk, ScannedItem, ScanStatus
from tests.screening.factories import (
    aurora_right,
    innocent,
    listing,
    scanned,
    screening_world,
    thresholds_set,
)

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]


def jsonl(*items: Any) -> bytes:
    return b"".join(
        (item if isinstance(item, bytes) else json.dumps(item, ensure_ascii=False).encode()) + b"\n" for item in items
    )


def files_left() -> list[str]:
    directory = Path(settings.MEDIA_ROOT) / "scans"
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def rejections(scan: Scan) -> list[tuple[int, str, str]]:
    return [(r["line"], r["field"], r["code"]) for r in sorted(scan.rejections, key=lambda r: (r["line"], r["field"]))]


# While the request waits -------------------------------------------------------------------------------------------


def test_a_marketplace_screens_listings_while_it_waits_and_the_counterfeit_raises_an_alert_for_its_holder() -> None:
    w = screening_world()
    thresholds_set(w.marketplace, alert=0.3, hold=1.0)

    outcome = scanned(w.marketplace, [listing(), innocent(), {"id": "L-3"}])

    scan = Scan.objects.get()
    assert outcome.scan == scan
    assert [(r.item.id, r.item.position, r.level) for r in outcome.results or []] == [
        ("L-1", 1, "alert"),
        ("L-2", 2, ""),
    ]
    counterfeit, towel = outcome.results or []
    assert counterfeit.result.risk_score > 0.3
    assert {f.detector for f in counterfeit.result.flags} >= {MARK, RISK_KEYWORD}
    assert (towel.result.risk_score, towel.result.flags) == (0, ())
    assert [(r.position, r.id, [(p.field, p.code) for p in r.problems]) for r in outcome.rejected or []] == [
        (3, "L-3", [("title", "required")])
    ]
    assert (scan.status, scan.source, scan.items_total, scan.items_done) == (ScanStatus.DONE, "api", 3, 3)
    assert (scan.items_flagged, scan.items_rejected, scan.alerts_raised) == (1, 1, 1)
    assert scan.rejections == [
        {
            "line": 3,
            "id": "L-3",
            "field": "title",
            "code": "required",
            "params": {},
            "reason": "This field is required.",
        }
    ]
    item = ScannedItem.objects.get()
    assert (item.position, item.listing_id, item.title, item.price_minor, item.currency, item.shop_id) == (
        1,
        "L-1",
        "AURORA Rouge lipstick 高仿 replica",
        990,
        "EUR",
        "shop-9",
    )
    assert item.risk_score == counterfeit.result.risk_score
    assert item.level == "alert"
    assert item.detectors[:2] == [MARK, RISK_KEYWORD]
    assert {f["detector"] for f in item.flags} == set(item.detectors)
    alert = Alert.objects.get()
    assert counterfeit.alert_id == alert.pk
    assert (alert.scanned_item, alert.marketplace, alert.level, alert.listing_id, alert.brand) == (
        item,
        w.marketplace,
        "alert",
        "L-1",
        "AURORA",
    )
    assert list(alert.holders.all()) == [w.holder.organisation]
    assert list(alert.rights.all()) == [aurora_right()]
    events = AuditEvent.objects.filter(subject_type="screening.scan").order_by("pk")
    assert [(e.action, e.organisation, e.details) for e in events] == [
        ("screening.scan_started", w.marketplace, {"source": "api", "items": 3}),
        ("screening.scan_finished", w.marketplace, {"items": 3, "flagged": 1, "rejected": 1, "alerts": 1}),
    ]


def test_a_score_at_or_over_the_hold_threshold_holds_the_listing_and_under_the_alert_threshold_raises_nothing() -> None:
    w = screening_world()
    thresholds_set(w.marketplace, alert=0.01, hold=0.02)
    held = scanned(w.marketplace, [listing()])
    thresholds_set(w.marketplace, alert=1.0, hold=1.0)

    quiet = scanned(w.marketplace, [listing(title="AURORA lipstick")])

    assert [r.level for r in held.results or []] == ["hold"]
    assert Alert.objects.get().level == "hold"
    assert [(r.result.risk_score < 1, r.level) for r in quiet.results or []] == [(True, "")]
    assert quiet.scan.alerts_raised == 0
    assert ScannedItem.objects.filter(scan=quiet.scan).get().level == ""


def test_a_listing_matching_a_watch_is_kept_and_raises_an_alert_whatever_its_score_and_the_hit_is_counted() -> None:
    w = screening_world()
    thresholds_set(w.marketplace, alert=1.0, hold=1.0)
    system = actor_for_system(w.marketplace)
    shop = monitoring.watch_add(actor=system, kind="shop", label="Bright Deals", shop_id="shop-9")
    towels = monitoring.watch_add(actor=system, kind="product", label="Striped towels", keywords=["striped", "towel"])

    outcome = scanned(
        w.marketplace,
        [
            innocent(id="T-1", title="Plain towel", shop_id="shop-9"),
            innocent(id="T-2", title="Striped beach TOWEL", shop_id="shop-1"),
            innocent(id="T-3", title="Plain towel", shop_id="shop-1"),
        ],
    )

    assert [(r.item.id, r.level, r.alert_id is not None) for r in outcome.results or []] == [
        ("T-1", "alert", True),
        ("T-2", "alert", True),
        ("T-3", "", False),
    ]
    kept = {item.listing_id: item for item in ScannedItem.objects.all()}
    assert sorted(kept) == ["T-1", "T-2"]
    assert (kept["T-1"].risk_score, kept["T-1"].level, kept["T-1"].detectors) == (0.0, "alert", ["watch"])
    assert [(f["detector"], f["field"], f["term"], f["watch"]) for f in kept["T-1"].flags] == [
        ("watch", "shop_id", "Bright Deals", shop.pk)
    ]
    assert [(f["term"], f["watch"]) for f in kept["T-2"].flags] == [("Striped towels", towels.pk)]
    assert [f["detector"] for r in outcome.results or [] for f in r.flags] == ["watch", "watch"]
    assert sorted(Alert.objects.values_list("listing_id", "level")) == [("T-1", "alert"), ("T-2", "alert")]
    shop.refresh_from_db()
    towels.refresh_from_db()
    assert (shop.hits, towels.hits) == (1, 1)
    assert (outcome.scan.items_flagged, outcome.scan.alerts_raised) == (2, 2)
    assert list(
        scans_selectors.scan_items(scan=outcome.scan, detector="watch").values_list("listing_id", flat=True)
    ) == [
        "T-1",
        "T-2",
    ]


@pytest.mark.parametrize(
    ("item", "problems"),
    [
        ({"title": "AURORA"}, [("id", "required")]),
        ({"id": "  ", "title": "AURORA"}, [("id", "required")]),
        ({"id": "x"}, [("title", "required")]),
        ({"id": ["x"], "title": 5}, [("id", "not_text"), ("title", "not_text")]),
        ({"id": "x", "title": "t" * 1001}, [("title", "too_long")]),
        ({"id": "x" * 201, "title": "t"}, [("id", "too_long")]),
        ({"id": "x", "title": "a\x00b"}, [("title", "invalid_characters")]),
        ({"id": "x", "title": "t", "price": "abc", "currency": "EUR"}, [("price", "invalid_price")]),
        ({"id": "x", "title": "t", "price": "-1", "currency": "EUR"}, [("price", "invalid_price")]),
        ({"id": "x", "title": "t", "price": "1.999", "currency": "EUR"}, [("price", "invalid_price")]),
        ({"id": "x", "title": "t", "price": "1.5", "currency": "JPY"}, [("price", "invalid_price")]),
        ({"id": "x", "title": "t", "price": "1,50", "currency": "EUR"}, [("price", "invalid_price")]),
        ({"id": "x", "title": "t", "price": True, "currency": "EUR"}, [("price", "invalid_price")]),
        ({"id": "x", "title": "t", "price": "NaN", "currency": "EUR"}, [("price", "invalid_price")]),
        ({"id": "x", "title": "t", "price": "9.90"}, [("currency", "currency_required")]),
        ({"id": "x", "title": "t", "price": "9.90", "currency": "EURO"}, [("currency", "invalid_currency")]),
        ({"id": "x", "title": "t", "currency": 978}, [("currency", "invalid_currency")]),
        ({"id": "x", "title": "t", "url": "javascript:alert(1)"}, [("url", "invalid_url")]),
        ({"id": "x", "title": "t", "url": "megamart.example/1"}, [("url", "invalid_url")]),
        ({"id": "x", "title": "t", "shop_domain": "d" * 254}, [("shop_domain", "too_long")]),
        ("AURORA replica", [("", "not_an_object")]),
        (None, [("", "not_an_object")]),
    ],
)
def test_a_listing_that_cannot_be_screened_is_rejected_naming_each_field_and_the_others_are_screened(
    item: Any, problems: list[tuple[str, str]]
) -> None:
    w = screening_world()

    outcome = scanned(w.marketplace, [listing(), item])

    assert [r.item.id for r in outcome.results or []] == ["L-1"]
    assert [[(p.field, p.code) for p in r.problems] for r in outcome.rejected or []] == [problems]
    assert rejections(outcome.scan) == sorted((2, field, code) for field, code in problems)
    assert all(r["reason"] and r["reason"] != r["code"] for r in outcome.scan.rejections)


@pytest.mark.parametrize(
    ("price", "currency", "minor"),
    [
        ("9.90", "EUR", 990),
        (12.5, "eur", 1250),
        (500, "JPY", 500),
        ("0", "CNY", 0),
        ("1.234", "KWD", 1234),
        ("", "", None),
    ],
)
def test_a_price_is_kept_in_minor_units_of_its_currency(price: Any, currency: str, minor: int | None) -> None:
    w = screening_world()

    scanned(w.marketplace, [listing(price=price, currency=currency)])

    item = ScannedItem.objects.get()
    assert (item.price_minor, item.currency) == (minor, currency.upper() if minor is not None else "")


def test_numeric_ids_are_read_as_text_and_shop_domains_lower_cased() -> None:
    w = screening_world()

    outcome = scanned(w.marketplace, [listing(id=1234567, shop_domain="Aurora-Deals.EXAMPLE")])

    item = ScannedItem.objects.get()
    assert [r.item.id for r in outcome.results or []] == ["1234567"]
    assert (item.listing_id, item.shop_domain) == ("1234567", "aurora-deals.example")


def test_an_empty_request_is_refused_and_writes_nothing() -> None:
    w = screening_world()

    with pytest.raises(ValidationFailed) as refused:
        scanned(w.marketplace, [])

    assert (refused.value.code, refused.value.field) == ("required", "items")
    assert not Scan.objects.exists()


def test_only_marketplaces_with_the_screening_write_permission_scan() -> None:
    w = screening_world()
    reader = Actor(organisation=w.marketplace, user=None, role=None, scopes=frozenset({"screening:read"}))

    with pytest.raises(PermissionDenied) as scope:
        scans.scan_listings(actor=reader, items=[listing()])
    with pytest.raises(PermissionDenied) as kind:
        scans.scan_listings(actor=actor_for_system(w.holder.organisation), items=[listing()])

    assert (scope.value.code, kind.value.code) == ("missing_scope", "wrong_organisation_kind")
    assert not Scan.objects.exists()


# In the background -------------------------------------------------------------------------------------------------


def test_more_listings_than_are_screened_while_waiting_are_screened_in_the_background(
    django_capture_on_commit_callbacks: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = screening_world()
    thresholds_set(w.marketplace, alert=0.3, hold=1.0)
    monkeypatch.setattr(scans, "SYNC_LIMIT", 3)
    monkeypatch.setattr(scans, "CHUNK_SIZE", 2)
    items = [listing(id=f"L-{n}") for n in range(1, 4)] + [innocent(id="L-4"), {"id": "L-5", "price": "x"}]

    with django_capture_on_commit_callbacks(execute=True):
        outcome = scanned(w.marketplace, items)

    scan = Scan.objects.get()
    assert (outcome.finished, outcome.results, outcome.scan.status) == (False, None, ScanStatus.QUEUED)
    assert (scan.status, scan.source, scan.items_total, scan.items_done) == (ScanStatus.DONE, "api", 5, 5)
    assert (scan.items_flagged, scan.items_rejected, scan.alerts_raised) == (3, 1, 3)
    assert rejections(scan) == [(5, "currency", "currency_required"), (5, "title", "required")]
    assert sorted(ScannedItem.objects.values_list("position", flat=True)) == [1, 2, 3]
    assert list(ScanChunk.objects.values_list("number", "records")) == [(1, 2), (2, 2), (3, 1)]
    assert ScanChunk.objects.filter(done_at=None).count() == 0
    assert files_left() == []
    events = AuditEvent.objects.filter(subject_type="screening.scan").order_by("pk")
    assert [(e.action, e.actor_label, e.details) for e in events] == [
        ("screening.scan_started", "command line", {"source": "api", "format": "jsonl", "items": 5}),
        ("screening.scan_finished", "system", {"items": 5, "flagged": 3, "rejected": 1, "alerts": 3}),
    ]


def test_a_json_lines_file_is_screened_naming_each_line_that_cannot_be_read(
    django_capture_on_commit_callbacks: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = screening_world()
    monkeypatch.setattr(scans, "CHUNK_SIZE", 2)
    content = jsonl(
        listing(),
        b"",
        b"{not json",
        b"[1, 2]",
        b'{"id": "L-5", "title": "\xff\xfe"}',
        innocent(),
        listing(id="L-7", title="奥罗拉 口红 A货"),
    )

    with django_capture_on_commit_callbacks(execute=True):
        started = scans.scan_upload(
            actor=actor_for_system(w.marketplace), upload=io.BytesIO(content), file_name="x.jsonl"
        )

    scan = Scan.objects.get()
    assert started.pk == scan.pk
    assert (scan.status, scan.source, scan.file_name) == (ScanStatus.DONE, "upload", "x.jsonl")
    assert (scan.items_total, scan.items_done, scan.items_flagged, scan.items_rejected) == (6, 6, 2, 3)
    assert rejections(scan) == [(3, "", "invalid_json"), (4, "", "not_an_object"), (5, "", "not_utf8")]
    assert sorted(ScannedItem.objects.values_list("position", "listing_id")) == [(1, "L-1"), (7, "L-7")]
    assert files_left() == []
    started_event = AuditEvent.objects.get(action="screening.scan_started")
    assert started_event.details["format"] == "jsonl"
    assert started_event.details["bytes"] == len(content)


def test_a_csv_file_is_read_by_its_header_rows_numbered_by_their_first_line(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    w = screening_world()
    content = (
        "\ufeffID,Title,Description,Price,Currency,Shop_Name,ignored\r\n"
        'L-1,"AURORA Rouge, 高仿","two\nlines",9.90,EUR,Bright Deals,x\r\n'
        "L-2,Plain towel,,3,EUR,,\r\n"
        ",AURORA replica,,,,,\r\n"
        "\r\n"
        "L-4,AURORA 1:1,,9.9.9,EUR,,\r\n"
    ).encode()

    with django_capture_on_commit_callbacks(execute=True):
        scans.scan_upload(actor=actor_for_system(w.marketplace), upload=content, file_name="listings.CSV")

    scan = Scan.objects.get()
    assert (scan.status, scan.items_total, scan.items_flagged, scan.items_rejected) == (ScanStatus.DONE, 4, 1, 2)
    assert rejections(scan) == [(5, "id", "required"), (7, "price", "invalid_price")]
    item = ScannedItem.objects.get()
    assert (item.position, item.title, item.description, item.price_minor, item.shop_name) == (
        2,
        "AURORA Rouge, 高仿",
        "two\nlines",
        990,
        "Bright Deals",
    )


def test_lines_too_long_or_not_utf8_in_a_csv_file_are_rejected_and_the_rest_read(
    django_capture_on_commit_callbacks: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ipbridge.screening import scans_input

    w = screening_world()
    monkeypatch.setattr(scans_input, "MAX_LINE_BYTES", 64)
    content = b"id,title\nL-1," + b"x" * 100 + b"\nL-2,\xff AURORA\nL-3,AURORA replica\n"

    with django_capture_on_commit_callbacks(execute=True):
        scans.scan_upload(actor=actor_for_system(w.marketplace), upload=content, file_name="a.csv")

    scan = Scan.objects.get()
    assert rejections(scan) == [(2, "", "line_too_long"), (3, "", "not_utf8")]
    assert list(ScannedItem.objects.values_list("listing_id", flat=True)) == ["L-3"]


def test_the_chunk_that_completes_the_count_finishes_the_scan_whatever_order_they_run_in(
    django_capture_on_commit_callbacks: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = screening_world()
    monkeypatch.setattr(scans, "CHUNK_SIZE", 2)
    content = jsonl(*(listing(id=f"L-{n}") for n in range(1, 6)))
    with django_capture_on_commit_callbacks(execute=False):
        scan = scans.scan_upload(actor=actor_for_system(w.marketplace), upload=content, file_name="a.jsonl")
    with django_capture_on_commit_callbacks(execute=False):
        scans.scan_prepare(scan_id=scan.pk)

    progress = []
    for number in (3, 1, 2):
        with django_capture_on_commit_callbacks(execute=True):
            scans.scan_chunk_run(scan_id=scan.pk, number=number)
        scan.refresh_from_db()
        progress.append((scan.status, scan.items_done, scan.items_flagged))

    assert progress == [(ScanStatus.RUNNING, 1, 1), (ScanStatus.RUNNING, 3, 3), (ScanStatus.DONE, 5, 5)]
    assert AuditEvent.objects.filter(action="screening.scan_finished").count() == 1
    assert files_left() == []


def test_a_chunk_or_a_preparation_delivered_twice_counts_once(
    django_capture_on_commit_callbacks: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = screening_world()
    monkeypatch.setattr(scans, "CHUNK_SIZE", 2)
    content = jsonl(*(listing(id=f"L-{n}") for n in range(1, 5)))
    with django_capture_on_commit_callbacks(execute=False):
        scan = scans.scan_upload(actor=actor_for_system(w.marketplace), upload=content, file_name="a.jsonl")
    with django_capture_on_commit_callbacks(execute=False):
        scans.scan_prepare(scan_id=scan.pk)
    with django_capture_on_commit_callbacks(execute=True):
        scans.scan_chunk_run(scan_id=scan.pk, number=1)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        scans.scan_prepare(scan_id=scan.pk)  # delivered again: queues the chunk not done
    with django_capture_on_commit_callbacks(execute=True):
        scans.scan_chunk_run(scan_id=scan.pk, number=1)
        scans.scan_chunk_run(scan_id=scan.pk, number=2)
        scans.scan_chunk_run(scan_id=scan.pk, number=2)

    scan.refresh_from_db()
    assert len(queued) == 1
    assert (scan.status, scan.items_total, scan.items_done, scan.items_flagged, scan.alerts_raised) == (
        ScanStatus.DONE,
        4,
        4,
        4,
        Alert.objects.count(),
    )
    assert ScannedItem.objects.count() == 4


def test_a_scan_keeps_the_first_hundred_rejections_by_line(
    django_capture_on_commit_callbacks: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = screening_world()
    monkeypatch.setattr(scans, "CHUNK_SIZE", 40)
    content = jsonl(*({"id": f"L-{n}"} for n in range(1, 151)))
    with django_capture_on_commit_callbacks(execute=False):
        scan = scans.scan_upload(actor=actor_for_system(w.marketplace), upload=content, file_name="a.jsonl")
    with django_capture_on_commit_callbacks(execute=False):
        scans.scan_prepare(scan_id=scan.pk)
    for number in (4, 3, 2, 1):
        with django_capture_on_commit_callbacks(execute=True):
            scans.scan_chunk_run(scan_id=scan.pk, number=number)

    scan.refresh_from_db()
    assert (scan.status, scan.items_rejected) == (ScanStatus.DONE, 150)
    assert [r["line"] for r in scan.rejections] == list(range(1, 101))


def test_a_file_with_no_listings_finishes_at_once(django_capture_on_commit_callbacks: Capture) -> None:
    w = screening_world()

    with django_capture_on_commit_callbacks(execute=True):
        scans.scan_upload(actor=actor_for_system(w.marketplace), upload=b"id,title\n\n", file_name="a.csv")

    scan = Scan.objects.get()
    assert (scan.status, scan.items_total, scan.items_done) == (ScanStatus.DONE, 0, 0)
    assert files_left() == []


def test_a_scan_whose_file_went_missing_fails_saying_so(django_capture_on_commit_callbacks: Capture) -> None:
    w = screening_world()
    with django_capture_on_commit_callbacks(execute=False):
        scan = scans.scan_upload(actor=actor_for_system(w.marketplace), upload=jsonl(listing()), file_name="a.jsonl")
    for name in files_left():
        (Path(settings.MEDIA_ROOT) / "scans" / name).unlink()

    scans.scan_prepare(scan_id=scan.pk)

    scan.refresh_from_db()
    assert (scan.status, scan.error) == (ScanStatus.FAILED, "The file to screen is no longer there; send it again.")
    assert AuditEvent.objects.get(action="screening.scan_finished").details["error"] == scan.error


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("a.jsonl", b"", "empty_file"),
        ("a.json", b'[{"id": "1", "title": "t"}]', "not_jsonl"),
        ("a.jsonl", b"id,title\n1,t\n", "not_jsonl"),
        ("a.csv", b"sku,name\n1,t\n", "not_csv"),
        ("a.txt", b"hello\n", "not_csv"),
        ("a.csv", b'{"id": "1", "title": "t"}\n', "not_csv"),
        ("a.csv", b"\x00\r\x00", "not_csv"),
        ("a.csv", b"id,\rtitle\n1,t\n", "not_csv"),
    ],
)
def test_a_file_neither_json_lines_nor_csv_with_its_header_is_refused_and_nothing_is_kept(
    name: str, content: bytes, code: str
) -> None:
    w = screening_world()

    with pytest.raises(ValidationFailed) as refused:
        scans.scan_upload(actor=actor_for_system(w.marketplace), upload=content, file_name=name)

    assert (refused.value.code, refused.value.field) == (code, "file")
    assert not Scan.objects.exists()
    assert files_left() == []


def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    w = screening_world()
    monkeypatch.setattr(scans, "MAX_FILE_BYTES", 10)

    with pytest.raises(ApplicationError) as refused:
        scans.scan_upload(actor=actor_for_system(w.marketplace), upload=jsonl(listing()), file_name="a.jsonl")

    assert (refused.value.code, refused.value.status, refused.value.field) == ("file_too_large", 413, "file")
    assert not Scan.objects.exists()
    assert files_left() == []


def test_a_file_is_told_by_its_first_bytes_when_its_name_says_nothing(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    w = screening_world()

    with django_capture_on_commit_callbacks(execute=True):
        scans.scan_upload(actor=actor_for_system(w.marketplace), upload=jsonl(listing()), file_name="")
        scans.scan_upload(
            actor=actor_for_system(w.marketplace), upload=b"id,title\nL-9,AURORA replica\n", file_name="x"
        )

    assert sorted(ScannedItem.objects.values_list("listing_id", flat=True)) == ["L-1", "L-9"]


@examples(max_examples=300, deadline=None)
@given(
    content=st.binary(max_size=400)
    | st.lists(st.sampled_from([b"id,title", b'"', b",", b"\r", b"\n", b"\x00", b"\xff", b"{", b"}", b"AURORA"])).map(
        b"".join
    ),
    format=st.sampled_from(scans_input.FORMATS),
)
def test_any_bytes_are_read_as_records_or_lines_that_cannot_be_read_never_an_error(content: bytes, format: str) -> None:
    records = list(scans_input.file_records(io.BytesIO(content), format=format))
    header = scans_input.csv_header(content.split(b"\n", 1)[0])

    assert all((r.raw is None) != (r.problem is None) for r in records)
    assert [r.position for r in records] == sorted(r.position for r in records)
    assert isinstance(header, list)
