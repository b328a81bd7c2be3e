"""The alerts API: the queue with its filters and pages in a fixed number of queries, one alert as each reader
sees it, triage with its refusals naming the field, and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ipbridge.accounts.models import AuditEvent
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.screening import alerts_services as services
from ipbridge.screening.models import Alert, RiskKeyword
from tests.factories import api_key
from tests.screening.alert_factories import agent_for, alert_for, keyword, keyword_flag, price_flag
from tests.screening.factories import Screening, screening_world

pytestmark = pytest.mark.django_db

API = "/api/v1/screening/alerts"


def client_of(organisation: Any, *scopes: str) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {api_key(organisation, list(scopes or ('screening:read', 'screening:write')))}"
    )


@pytest.fixture
def w() -> Screening:
    return screening_world()


def test_the_queue_answers_each_alert_with_its_flags_explained(w: Screening) -> None:
    alert = alert_for(w.marketplace, holder=w.holder.organisation)

    body = client_of(w.marketplace).get(API).json()

    assert body["count"] == 1
    item = body["items"][0]
    assert {k: item[k] for k in ("id", "status", "level", "risk_score", "title", "brand", "detectors")} == {
        "id": alert.pk,
        "status": "open",
        "level": "alert",
        "risk_score": 0.8,
        "title": "AURORA Rouge lipstick 高仿 replica",
        "brand": "AURORA",
        "detectors": ["mark", "risk_keyword"],
    }
    assert item["marketplace"] == {"slug": "megamart", "name": "MegaMart"}
    assert item["flags"][0] == {
        "detector": "mark",
        "detector_label": "Protected mark",
        "field": "title",
        "field_label": "the title",
        "start": 0,
        "end": 6,
        "matched_text": "AURORA",
        "term": "AURORA",
        "weight": 0.6,
        "how": "exact",
        "how_label": "exact",
        "sentence": "“AURORA” matches the mark AURORA (EM 018234567): exact.",
        "right": {"id": item["flags"][0]["right"]["id"], "office": "EM", "number": "018234567", "mark": "AURORA"},
    }
    assert item["flags"][1]["sentence"] == "“高仿” is in the risk-keyword catalogue."
    assert item["source"]["kind"] == ""
    assert (item["outcome"], item["measure"], item["dismiss_reason"], item["notice"]) == ("", "", "", None)


def test_the_queue_filters_and_pages(w: Screening) -> None:
    holder = w.holder.organisation
    marks = [alert_for(w.marketplace, holder=holder, score=0.5 + i / 100) for i in range(5)]
    priced = alert_for(w.marketplace, flags=[keyword_flag(), price_flag()], level="hold", score=0.95)
    client = client_of(w.marketplace)

    def listed(query: str) -> list[int]:
        return [item["id"] for item in client.get(f"{API}?{query}").json()["items"]]

    assert listed("") == [priced.pk, *reversed([a.pk for a in marks])]
    assert listed("detector=price") == [priced.pk]
    assert listed("level=hold") == [priced.pk]
    assert listed("brand=Aurora&min_score=0.53") == [marks[4].pk, marks[3].pk]
    assert listed("limit=2&offset=1") == [marks[4].pk, marks[3].pk]
    assert client.get(f"{API}?limit=2").json()["count"] == 6


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=closed", "status"),
        ("level=x", "level"),
        ("detector=image", "detector"),
        ("min_score=2", "min_score"),
        ("min_score=abc", "min_score"),
        ("offset=-1", "offset"),
    ],
)
def test_a_bad_filter_is_a_422_naming_it(w: Screening, query: str, field: str) -> None:
    response = client_of(w.marketplace).get(f"{API}?{query}")

    assert response.status_code == 422
    error = response.json()["error"]
    assert error.get("field") == field or field in [f["field"] for f in error.get("fields", [])]


def test_the_queue_reads_a_page_in_the_same_queries_however_many_alerts(w: Screening) -> None:
    """The key, the page and the count: three queries for one alert or sixteen."""
    client = client_of(w.marketplace)
    client.get(API)  # the key's first use is recorded once
    alert_for(w.marketplace, holder=w.holder.organisation)
    with CaptureQueriesContext(connection) as few:
        assert client.get(API).json()["count"] == 1
    for _ in range(15):
        alert_for(w.marketplace, holder=w.holder.organisation)
    with CaptureQueriesContext(connection) as many:
        assert client.get(API).json()["count"] == 16

    assert len(few.captured_queries) == len(many.captured_queries) == 3


def test_the_right_holder_and_its_agent_read_the_decision_but_not_the_marketplaces_note(w: Screening) -> None:
    holder = w.holder.organisation
    agent = agent_for(holder).organisation
    alert = alert_for(w.marketplace, holder=holder)
    services.alert_confirm(
        actor=actor_for_system(w.marketplace), alert_id=alert.pk, measure="block", note="Seller warned twice."
    )

    seen = {
        name: client_of(org, "screening:read").get(f"{API}/{alert.pk}").json()
        for name, org in (
            ("marketplace", w.marketplace),
            ("holder", holder),
            ("agent", agent),
            ("operator", w.operator.organisation),
        )
    }

    assert {name: (body["status"], body["measure"], body["note"]) for name, body in seen.items()} == {
        "marketplace": ("confirmed", "block", "Seller warned twice."),
        "holder": ("confirmed", "block", ""),
        "agent": ("confirmed", "block", ""),
        "operator": ("confirmed", "block", "Seller warned twice."),
    }
    assert seen["holder"]["decided_by"] == ""
    assert seen["marketplace"]["decided_by"] == "command line"


def test_confirming_through_the_api(w: Screening) -> None:
    keyword(w.marketplace, "高仿", 0.4)
    alert = alert_for(w.marketplace, holder=w.holder.organisation)

    response = client_of(w.marketplace).post(
        f"{API}/{alert.pk}/confirm",
        {"measure": "disconnect_links", "note": "Links cut."},
        content_type="application/json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["outcome"], body["measure"], body["note"]) == (
        "confirmed",
        "measure",
        "disconnect_links",
        "Links cut.",
    )
    assert body["decided_at"] is not None
    assert RiskKeyword.objects.get(marketplace=w.marketplace).tuned_weight == 0.42


def test_dismissing_through_the_api_then_once_more_is_a_409(w: Screening) -> None:
    alert = alert_for(w.marketplace, holder=w.holder.organisation)
    client = client_of(w.marketplace)

    first = client.post(f"{API}/{alert.pk}/dismiss", {"reason": "referential"}, content_type="application/json")
    again = client.post(f"{API}/{alert.pk}/confirm", {"measure": "delete"}, content_type="application/json")

    assert (first.status_code, first.json()["dismiss_reason"]) == (200, "referential")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "alert_decided"
    assert Alert.objects.get(pk=alert.pk).status == "dismissed"


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("confirm", {"measure": "burn"}, "measure"),
        ("confirm", {}, "measure"),
        ("confirm", {"measure": "delete", "note": "n" * 2001}, "note"),
        ("confirm", {"measure": 7}, "measure"),
        ("dismiss", {"reason": "other"}, "note"),
        ("dismiss", {"reason": "nope"}, "reason"),
    ],
)
def test_bad_triage_input_is_a_422_naming_the_field_and_changes_nothing(
    w: Screening, action: str, body: dict[str, Any], field: str
) -> None:
    alert = alert_for(w.marketplace, holder=w.holder.organisation)
    client = client_of(w.marketplace)
    audit = AuditEvent.objects.count()

    response = client.post(f"{API}/{alert.pk}/{action}", body, content_type="application/json")

    assert response.status_code == 422
    error = response.json()["error"]
    assert error.get("field") == field or field in [f["field"] for f in error.get("fields", [])]
    assert Alert.objects.get(pk=alert.pk).status == "open"
    assert AuditEvent.objects.count() == audit


def test_a_body_that_is_not_json_is_refused_not_a_500(w: Screening) -> None:
    alert = alert_for(w.marketplace, holder=w.holder.organisation)

    response = client_of(w.marketplace).post(f"{API}/{alert.pk}/confirm", "{", content_type="application/json")

    assert 400 <= response.status_code < 500


def test_the_openapi_document_describes_the_alert_endpoints() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    operations = {
        op["operationId"]: (method, path)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if op.get("operationId", "").startswith("screening_alert")
    }

    assert operations == {
        "screening_alerts_list": ("get", "/api/v1/screening/alerts"),
        "screening_alert_get": ("get", "/api/v1/screening/alerts/{alert_id}"),
        "screening_alert_confirm": ("post", "/api/v1/screening/alerts/{alert_id}/confirm"),
        "screening_alert_dismiss": ("post", "/api/v1/screening/alerts/{alert_id}/dismiss"),
    }
