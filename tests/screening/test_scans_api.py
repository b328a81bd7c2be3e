"""Batch scans and screening settings through the HTTP API, as a marketplace's systems call it: listings screened
while they wait or in the background, a file uploaded and its progress followed, flagged listings filtered and paged
in a fixed number of queries, the settings, the risk-keyword catalogue and producers of geographical indications;
every refusal a JSON error naming the field, never a 5xx; Idempotency-Key on the creates."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipbridge.screening import scans
from ipbridge.screening.models import Alert, GIProducer, RiskKeyword, Scan, ScannedItem, ScreeningSettings
from tests.factories import api_key
from tests.screening.factories import innocent, listing, scanned, screening_world, thresholds_set
from tests.strategies import bodies

pytestmark = pytest.mark.django_db

API = "/api/v1/screening"
WRITE = ["screening:read", "screening:write"]
Capture = Callable[..., Any]


def keyed(organisation: Any, scopes: list[str] = WRITE) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_key(organisation, scopes)}")


def post(client: Client, path: str, data: Any = None, **headers: Any) -> Any:
    return client.post(path, data if data is not None else {}, content_type="application/json", **headers)


def error(response: Any) -> tuple[int, str, str]:
    body = response.json()["error"]
    return response.status_code, body["code"], body.get("field", "")


def fields_of(response: Any) -> list[tuple[str, str]]:
    return [(f["field"], f["type"]) for f in response.json()["error"]["fields"]]


# Scans -------------------------------------------------------------------------------------------------------------


def test_a_marketplace_screens_listings_and_gets_each_result_while_it_waits() -> None:
    w = screening_world()
    thresholds_set(w.marketplace, alert=0.3, hold=1.0)
    megamart = keyed(w.marketplace)

    answer = post(
        megamart, f"{API}/scan", {"items": [listing(), innocent(), {"id": "L-3", "price": "1.234", "currency": "EUR"}]}
    )

    assert answer.status_code == 200
    body = answer.json()
    scan = Scan.objects.get()
    alert = Alert.objects.get()
    assert body["scan"] | {"created_at": "", "started_at": "", "finished_at": ""} == {
        "id": scan.pk,
        "marketplace": {"slug": "megamart", "name": "MegaMart"},
        "source": "api",
        "file_name": "",
        "status": "done",
        "items_total": 3,
        "items_done": 3,
        "items_flagged": 1,
        "items_rejected": 1,
        "alerts_raised": 1,
        "progress": 1.0,
        "error": "",
        "created_by": scan.created_by_label,
        "created_at": "",
        "started_at": "",
        "finished_at": "",
        "url": f"/api/v1/screening/scans/{scan.pk}",
        "items_url": f"/api/v1/screening/scans/{scan.pk}/items",
    }
    assert scan.created_by_label.startswith("API key ")
    counterfeit, towel = body["results"]
    assert (counterfeit["id"], counterfeit["position"], counterfeit["level"], counterfeit["alert"]) == (
        "L-1",
        1,
        "alert",
        alert.pk,
    )
    assert counterfeit["risk_score"] == ScannedItem.objects.get().risk_score
    mark = next(f for f in counterfeit["flags"] if f["detector"] == "mark")
    assert mark["right"] == {
        "id": alert.rights.get().pk,
        "office": "EM",
        "number": "018234567",
        "mark": "AURORA",
        "holders": [str(w.holder.organisation.pk)],
    }
    assert (mark["field"], mark["matched_text"], mark["start"], mark["end"]) == ("title", "AURORA", 0, 6)
    assert mark["sentence"].startswith("“AURORA” matches the mark AURORA (EM 018234567)")
    assert towel == {"id": "L-2", "position": 2, "risk_score": 0.0, "level": "", "flags": [], "alert": None}
    assert body["rejections"] == [
        {"line": 3, "id": "L-3", "field": "title", "code": "required", "reason": "This field is required."},
        {
            "line": 3,
            "id": "L-3",
            "field": "price",
            "code": "invalid_price",
            "reason": "Give the price as a number of at most 2 decimals, not negative, such as 19.90.",
        },
    ]


def test_reasons_are_told_in_the_language_of_the_request() -> None:
    w = screening_world()
    megamart = keyed(w.marketplace)

    answer = post(megamart, f"{API}/scan", {"items": [{"id": "L-1"}]}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert answer.json()["rejections"][0]["reason"] != "This field is required."


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"items": []}, 422, "required", "items"),
        ({}, 422, "invalid_input", ""),
        ({"items": "AURORA"}, 422, "invalid_input", ""),
        ([listing()], 422, "invalid_input", ""),
    ],
)
def test_a_request_without_listings_is_refused(body: Any, status: int, code: str, field: str) -> None:
    w = screening_world()

    answer = post(keyed(w.marketplace), f"{API}/scan", body)

    assert error(answer)[:2] == (status, code)
    if field:
        assert error(answer)[2] == field
    else:
        assert fields_of(answer)
    assert not Scan.objects.exists()


def test_more_than_a_thousand_listings_answer_202_and_are_screened_in_the_background(
    django_capture_on_commit_callbacks: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = screening_world()
    monkeypatch.setattr(scans, "SYNC_LIMIT", 2)
    megamart = keyed(w.marketplace)

    with django_capture_on_commit_callbacks(execute=True):
        answer = post(megamart, f"{API}/scan", {"items": [listing(id="L-1"), listing(id="L-2"), innocent()]})
    status = megamart.get(answer.json()["status_url"])

    scan = Scan.objects.get()
    assert answer.status_code == 202
    assert (answer.json()["scan"]["status"], answer.json()["status_url"]) == (
        "queued",
        f"/api/v1/screening/scans/{scan.pk}",
    )
    assert status.status_code == 200
    assert {
        k: status.json()[k] for k in ("status", "items_total", "items_done", "items_flagged", "progress", "rejections")
    } == {
        "status": "done",
        "items_total": 3,
        "items_done": 3,
        "items_flagged": 2,
        "progress": 1.0,
        "rejections": [],
    }


def test_a_file_is_uploaded_screened_in_the_background_and_its_rejections_read_back(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    w = screening_world()
    megamart = keyed(w.marketplace)
    content = b"id,title,price,currency\nL-1,AURORA replica,9.90,EUR\nL-2,Towel,1,XXX\n"

    with django_capture_on_commit_callbacks(execute=True):
        answer = megamart.post(f"{API}/scans", {"file": SimpleUploadedFile("listings.csv", content, "text/csv")})
    status = megamart.get(answer.json()["status_url"]).json()

    assert answer.status_code == 202
    assert answer.json()["scan"]["file_name"] == "listings.csv"
    assert (status["status"], status["source"], status["items_total"], status["items_flagged"]) == (
        "done",
        "upload",
        2,
        1,
    )
    assert status["rejections"] == [
        {
            "line": 3,
            "id": "L-2",
            "field": "currency",
            "code": "invalid_currency",
            "reason": "Give an ISO 4217 currency code, such as EUR, CNY or USD.",
        }
    ]


@pytest.mark.parametrize(
    ("upload", "status", "code"),
    [
        (SimpleUploadedFile("a.csv", b""), 422, "empty_file"),
        (SimpleUploadedFile("a.json", b"[]"), 422, "not_jsonl"),
        (SimpleUploadedFile("a.csv", b"name,price\n"), 422, "not_csv"),
    ],
)
def test_a_file_that_is_not_listings_is_refused_naming_the_file(upload: Any, status: int, code: str) -> None:
    w = screening_world()

    answer = keyed(w.marketplace).post(f"{API}/scans", {"file": upload})

    assert error(answer) == (status, code, "file")
    assert not Scan.objects.exists()


def test_an_upload_without_a_file_is_refused() -> None:
    w = screening_world()

    answer = keyed(w.marketplace).post(f"{API}/scans", {})

    assert error(answer)[:2] == (422, "invalid_input")
    assert fields_of(answer)[0][0].split(".")[0] == "file"


def test_the_same_idempotency_key_screens_once() -> None:
    w = screening_world()
    megamart = keyed(w.marketplace)

    first = post(megamart, f"{API}/scan", {"items": [listing()]}, HTTP_IDEMPOTENCY_KEY="scan-1")
    again = post(megamart, f"{API}/scan", {"items": [listing()]}, HTTP_IDEMPOTENCY_KEY="scan-1")

    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (200, 200, "true")
    assert again.json() == first.json()
    assert Scan.objects.count() == 1


def test_the_scans_are_listed_newest_first_in_a_fixed_number_of_queries() -> None:
    w = screening_world()
    megamart = keyed(w.marketplace, ["screening:read"])
    first = scanned(w.marketplace, [listing()]).scan
    scanned(w.bazaar.organisation, [listing()])
    with CaptureQueriesContext(connection) as few:
        megamart.get(f"{API}/scans")
    more = [scanned(w.marketplace, [innocent()]).scan for _ in range(3)]
    with CaptureQueriesContext(connection) as many:
        listed = megamart.get(f"{API}/scans").json()
    done = megamart.get(f"{API}/scans?status=done&limit=2&offset=1").json()
    bad = megamart.get(f"{API}/scans?status=finished")

    assert [s["id"] for s in listed["items"]] == [s.pk for s in reversed([first, *more])]
    assert listed["count"] == 4
    assert len(many.captured_queries) == len(few.captured_queries)
    assert [s["id"] for s in done["items"]] == [more[1].pk, more[0].pk]
    assert error(bad) == (422, "invalid_choice", "status")


def test_an_operator_reads_every_marketplaces_scans() -> None:
    w = screening_world()
    mine = scanned(w.marketplace, [listing()]).scan
    theirs = scanned(w.bazaar.organisation, [listing()]).scan
    operator = keyed(w.operator.organisation, ["screening:read"])

    listed = operator.get(f"{API}/scans").json()
    read = operator.get(f"{API}/scans/{mine.pk}")

    assert [s["id"] for s in listed["items"]] == [theirs.pk, mine.pk]
    assert read.json()["marketplace"] == {"slug": "megamart", "name": "MegaMart"}


def test_the_flagged_listings_are_filtered_by_score_and_detector_and_paged_in_a_fixed_number_of_queries() -> None:
    w = screening_world()
    thresholds_set(w.marketplace, alert=0.3, hold=1.0)
    items = [
        listing(id="L-1"),
        listing(id="L-2", title="AURORA lipstick"),
        listing(id="L-3", title="Towel replica"),
        innocent(id="L-4"),
    ]
    scan = scanned(w.marketplace, items).scan
    megamart = keyed(w.marketplace, ["screening:read"])
    path = f"{API}/scans/{scan.pk}/items"

    with CaptureQueriesContext(connection) as queries:
        every = megamart.get(path).json()
    scores = {i["id"]: i["risk_score"] for i in every["items"]}
    high = megamart.get(f"{path}?min_score={scores['L-1']}").json()
    marks = megamart.get(f"{path}?detector=mark").json()
    keywords = megamart.get(f"{path}?detector=risk_keyword").json()
    paged = megamart.get(f"{path}?limit=1&offset=1").json()
    bad_detector = megamart.get(f"{path}?detector=magic")
    bad_score = megamart.get(f"{path}?min_score=2")
    other = keyed(w.bazaar.organisation, ["screening:read"]).get(path)

    assert [i["id"] for i in every["items"]] == sorted(scores, key=lambda k: (-scores[k], k))
    assert set(scores) == {"L-1", "L-2", "L-3"}
    assert len(queries.captured_queries) <= 8
    assert [i["id"] for i in high["items"]] == ["L-1"]
    assert sorted(i["id"] for i in marks["items"]) == ["L-1", "L-2"]
    assert sorted(i["id"] for i in keywords["items"]) == ["L-1", "L-3"]
    assert (paged["count"], len(paged["items"])) == (3, 1)
    first = every["items"][0]
    assert first | {"risk_score": 0, "flags": []} == {
        "position": 1,
        "id": "L-1",
        "url": "https://megamart.example/item/L-1",
        "title": "AURORA Rouge lipstick 高仿 replica",
        "description": "",
        "price_minor": 990,
        "currency": "EUR",
        "category": "cosmetics",
        "shop_id": "shop-9",
        "shop_name": "Bright Deals",
        "shop_domain": "",
        "risk_score": 0,
        "level": "alert",
        "detectors": first["detectors"],
        "flags": [],
        "alert": Alert.objects.get(listing_id="L-1").pk,
    }
    assert error(bad_detector) == (422, "invalid_choice", "detector")
    assert error(bad_score) == (422, "out_of_range", "min_score")
    assert error(other) == (404, "not_found", "")


def test_another_marketplaces_scan_is_not_found() -> None:
    w = screening_world()
    scan = scanned(w.bazaar.organisation, [listing()]).scan

    answers = [keyed(w.marketplace).get(f"{API}/scans/{scan.pk}"), keyed(w.marketplace).get(f"{API}/scans/999999")]

    assert [error(a) for a in answers] == [(404, "not_found", "")] * 2


# Settings ----------------------------------------------------------------------------------------------------------


def test_a_marketplace_reads_and_changes_its_settings() -> None:
    w = screening_world()
    megamart = keyed(w.marketplace)

    read = megamart.get(f"{API}/settings").json()
    changed = megamart.put(
        f"{API}/settings", {"alert_threshold": 0.4, "lookalikes": False}, content_type="application/json"
    )
    refused = megamart.put(f"{API}/settings", {"hold_threshold": 0.2}, content_type="application/json")
    not_a_number = megamart.put(f"{API}/settings", {"alert_threshold": "high"}, content_type="application/json")

    assert read | {"updated_at": ""} == {
        "alert_threshold": 0.5,
        "hold_threshold": 0.85,
        "lookalikes": True,
        "share_with_right_holders": True,
        "catalogue_version": 0,
        "updated_at": "",
    }
    assert changed.status_code == 200
    assert {k: changed.json()[k] for k in ("alert_threshold", "hold_threshold", "lookalikes", "catalogue_version")} == {
        "alert_threshold": 0.4,
        "hold_threshold": 0.85,
        "lookalikes": False,
        "catalogue_version": 1,
    }
    assert error(refused) == (422, "hold_under_alert", "hold_threshold")
    assert error(not_a_number)[:2] == (422, "invalid_input")
    assert fields_of(not_a_number)[0][0] == "alert_threshold"
    assert ScreeningSettings.objects.get().hold_threshold == 0.85


def test_a_marketplace_manages_its_risk_keyword_catalogue() -> None:
    w = screening_world()
    megamart = keyed(w.marketplace)

    added = post(megamart, f"{API}/keywords", {"term": "贴牌货", "language": "zh", "weight": 0.6})
    again = post(megamart, f"{API}/keywords", {"term": "贴牌货"})
    keyword_id = added.json()["id"]
    changed = megamart.patch(
        f"{API}/keywords/{keyword_id}", {"weight": 0.8, "enabled": False}, content_type="application/json"
    )
    wrong = megamart.patch(f"{API}/keywords/{keyword_id}", {"weight": 2}, content_type="application/json")
    disabled = megamart.get(f"{API}/keywords?enabled=false").json()
    chinese = megamart.get(f"{API}/keywords?language=zh&search=贴牌").json()
    bad_language = megamart.get(f"{API}/keywords?language=fr")
    removed = megamart.delete(f"{API}/keywords/{keyword_id}")
    gone = megamart.delete(f"{API}/keywords/{keyword_id}")

    assert added.status_code == 201
    assert added.json() | {"id": 0, "created_at": "", "updated_at": ""} == {
        "id": 0,
        "term": "贴牌货",
        "language": "zh",
        "weight": 0.6,
        "tuned_weight": None,
        "effective_weight": 0.6,
        "enabled": True,
        "origin": "marketplace",
        "confirmed": 0,
        "dismissed": 0,
        "created_at": "",
        "updated_at": "",
    }
    assert error(again) == (409, "keyword_exists", "term")
    assert (changed.json()["weight"], changed.json()["enabled"]) == (0.8, False)
    assert error(wrong) == (422, "out_of_range", "weight")
    assert [k["term"] for k in disabled["items"]] == ["贴牌货"]
    assert [k["term"] for k in chinese["items"]] == ["贴牌货"]
    assert error(bad_language) == (422, "invalid_choice", "language")
    assert (removed.status_code, error(gone)) == (204, (404, "not_found", ""))
    assert ScreeningSettings.objects.get().catalogue_version == 3
    assert not RiskKeyword.objects.filter(term="贴牌货").exists()


def test_the_catalogue_is_paged_in_a_fixed_number_of_queries() -> None:
    w = screening_world()
    megamart = keyed(w.marketplace, ["screening:read"])
    megamart.get(f"{API}/keywords")
    with CaptureQueriesContext(connection) as queries:
        listed = megamart.get(f"{API}/keywords?limit=2").json()

    assert listed["count"] == RiskKeyword.objects.filter(marketplace=w.marketplace).count()
    assert len(listed["items"]) == 2
    assert len(queries.captured_queries) <= 8


def test_a_marketplace_names_and_removes_producers_of_geographical_indications() -> None:
    w = screening_world()
    megamart = keyed(w.marketplace)
    indications = megamart.get(f"{API}/geographical-indications").json()
    name = indications[0]["name"]

    added = post(megamart, f"{API}/gi-producers", {"indication": name, "shop_id": "tea-1", "shop_name": "Tea Garden"})
    unknown = post(megamart, f"{API}/gi-producers", {"indication": "Atlantis Tea", "shop_id": "tea-1"})
    listed = megamart.get(f"{API}/gi-producers").json()
    removed = megamart.delete(f"{API}/gi-producers/{added.json()['id']}")

    assert indications
    assert all(set(i) == {"name", "terms", "country", "product"} for i in indications)
    assert added.status_code == 201
    assert added.json() | {"id": 0, "created_at": ""} == {
        "id": 0,
        "indication": name,
        "shop_id": "tea-1",
        "shop_name": "Tea Garden",
        "created_at": "",
    }
    assert error(unknown) == (422, "unknown_indication", "indication")
    assert [p["shop_id"] for p in listed["items"]] == ["tea-1"]
    assert removed.status_code == 204
    assert not GIProducer.objects.exists()


def test_the_openapi_document_describes_every_screening_endpoint_of_scans_and_settings() -> None:
    document = Client().get("/api/v1/openapi.json").json()
    operations = {
        op["operationId"]: (method, path, op)
        for path, methods in document["paths"].items()
        for method, op in methods.items()
        if op.get("operationId", "").startswith("screening_")
    }

    ours = {
        "screening_scan",
        "screening_scan_upload",
        "screening_scans_list",
        "screening_scan_get",
        "screening_scan_items",
        "screening_settings_get",
        "screening_settings_update",
        "screening_keywords_list",
        "screening_keyword_add",
        "screening_keyword_update",
        "screening_keyword_remove",
        "screening_indications_list",
        "screening_gi_producers_list",
        "screening_gi_producer_add",
        "screening_gi_producer_remove",
    }
    assert ours <= set(operations)
    for name in ours:
        method, path, op = operations[name]
        assert op["tags"] == ["screening"], path
        assert {"403", "404", "422"} <= set(op["responses"]), path
        if method == "post":
            assert "Idempotency-Key" in [p["name"] for p in op.get("parameters", [])], path
    assert {"200", "202"} <= set(operations["screening_scan"][2]["responses"])


# Generated input -----------------------------------------------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
VALUE = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
ITEM = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from(["L-1", "", 7]) | VALUE,
        "title": st.sampled_from(["AURORA replica", "奥罗拉 高仿", ""]) | VALUE,
        "description": VALUE,
        "url": st.sampled_from(["https://x.example/1", "javascript:alert(1)"]) | VALUE,
        "price": st.sampled_from(["9.90", "1e400", "-0", "1.000000001"]) | VALUE,
        "currency": st.sampled_from(["EUR", "JPY", "eur", "XAU"]) | VALUE,
        "shop_name": VALUE,
        "shop_domain": VALUE,
    },
)
SCAN_BODIES = st.one_of(
    bodies(["items"]),
    st.fixed_dictionaries({"items": st.lists(ITEM | VALUE, max_size=4)}).map(json.dumps),
)
SETTINGS_BODIES = bodies(["alert_threshold", "hold_threshold", "lookalikes", "share_with_right_holders"])
KEYWORD_BODIES = bodies(["term", "language", "weight", "enabled"])
PRODUCER_BODIES = bodies(["indication", "shop_id", "shop_name"])


def test_generated_input_never_makes_the_scan_and_settings_api_answer_5xx(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    w = screening_world()
    megamart = keyed(w.marketplace)
    keyword_id = post(megamart, f"{API}/keywords", {"term": "overrun", "weight": 0.5}).json()["id"]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        scan=SCAN_BODIES,
        setting=SETTINGS_BODIES,
        keyword=KEYWORD_BODIES,
        producer=PRODUCER_BODIES,
        upload=st.binary(max_size=300) | TEXT.map(str.encode),
        query=st.sampled_from(["min_score=-1", "min_score=x", "detector=", "detector=%00", "limit=0", "offset=-1"]),
    )
    def answers_below_500(scan: str, setting: str, keyword: str, producer: str, upload: bytes, query: str) -> None:
        cache.clear()  # the rate limit is not what this test is about
        with django_capture_on_commit_callbacks(execute=True):
            answers = [
                megamart.post(f"{API}/scan", scan, content_type="application/json"),
                megamart.post(f"{API}/scans", {"file": SimpleUploadedFile("l.jsonl", upload)}),
                megamart.post(f"{API}/scans", {"file": SimpleUploadedFile("l.csv", upload)}),
                megamart.put(f"{API}/settings", setting, content_type="application/json"),
                megamart.post(f"{API}/keywords", keyword, content_type="application/json"),
                megamart.patch(f"{API}/keywords/{keyword_id}", keyword, content_type="application/json"),
                megamart.post(f"{API}/gi-producers", producer, content_type="application/json"),
                megamart.get(f"{API}/keywords?{query}"),
            ]
        scan_ids = list(Scan.objects.values_list("pk", flat=True)[:1])
        if scan_ids:
            answers.append(megamart.get(f"{API}/scans/{scan_ids[0]}/items?{query}"))
        assert [a.status_code for a in answers if a.status_code >= 500] == []
        assert not Scan.objects.filter(status="failed").exists()

    answers_below_500()
