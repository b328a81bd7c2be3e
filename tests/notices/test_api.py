"""Notice and action through the HTTP API, the way a brand-protection tool and a marketplace's systems call it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ipbridge.engine.statements import statement_problems
from tests.factories import api_key
from tests.notices.factories import EXPLANATION, World, world

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(organisation: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_key(organisation, ['notices:read', 'notices:write'])}")


def body(**changes: Any) -> dict[str, Any]:
    return {
        "rights": ["EM 018000001"],
        "items": [
            {"marketplace": "megamart", "url": "https://megamart.example/item/1", "title": "AURORA lipstick"},
            {"marketplace": "little-bazaar", "listing_id": "LB-77"},
        ],
        "explanation": EXPLANATION,
        "good_faith": True,
        "notifier_name": "Amélie Laurent",
        "notifier_email": "brand@aurora.example",
        **changes,
    }


def sent(w: World, **changes: Any) -> dict[str, Any]:
    response = client_for(w.organisation).post("/api/v1/notices", body(**changes), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def test_the_checklist_names_what_is_missing_and_stores_nothing() -> None:
    w = world()
    client = client_for(w.organisation)

    answer = client.post(
        "/api/v1/notices/check", body(good_faith=False, explanation=""), content_type="application/json"
    ).json()

    assert answer == {
        "complete": False,
        "gaps": [
            {
                "code": "explanation",
                "field": "explanation",
                "message": "Explain why the items infringe, in at least 30 characters.",
            },
            {
                "code": "good_faith",
                "field": "good_faith",
                "message": "Confirm in good faith that the information is accurate and complete.",
            },
        ],
    }
    assert client.get("/api/v1/notices").json()["count"] == 0


def test_a_retried_send_with_the_same_idempotency_key_creates_one_notice() -> None:
    w = world()
    client = client_for(w.organisation)

    first = client.post("/api/v1/notices", body(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/notices", body(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = client.post("/api/v1/notices", body(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2")

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert other.json()["id"] != first.json()["id"]
    assert other.json()["merged_items"] == 2  # the same listings, still open: merged, not sent twice


def test_the_marketplace_reads_its_case_with_the_senders_authentication() -> None:
    w = world()
    notice = sent(w)

    cases = client_for(w.megamart).get("/api/v1/cases?status=delivered").json()

    assert cases["count"] == 1
    case = cases["items"][0]
    assert case["notice_id"] == notice["id"]
    assert case["sender"] == {
        "id": w.organisation.slug,
        "name": "Aurora Cosmetics S.A.",
        "kind": "right_holder",
        "verified": True,
        "on_behalf_of": w.organisation.slug,
        "mandate_id": None,
        "credential": None,
    }
    assert [(i["url"], i["title"], i["status"]) for i in case["items"]] == [
        ("https://megamart.example/item/1", "AURORA lipstick", "pending")
    ]
    assert [e["status"] for e in case["timeline"]] == ["delivered"]


def test_the_whole_statutory_path_through_the_api() -> None:
    w = world()
    notice = sent(w)
    shop = client_for(w.megamart)
    case_id = next(c["id"] for c in notice["cases"] if c["marketplace"] == "megamart")
    item_id = shop.get(f"/api/v1/cases/{case_id}").json()["items"][0]["id"]

    decided = shop.post(
        f"/api/v1/cases/{case_id}/decisions",
        {
            "decisions": [{"item_id": item_id, "measure": "disconnect_links"}],
            "facts": "The listing shows the AURORA mark on lipsticks the right holder did not make.",
            "legal_ground": "Regulation (EU) 2017/1001 art. 9(2)(a)",
            "merchant": "bright-deals",
            "territorial_scope": ["DE", "CN"],
        },
        content_type="application/json",
    ).json()
    answered = client_for(w.merchant.organisation).post(
        f"/api/v1/cases/{case_id}/counter-notices",
        {"statement": "Bought from the brand's distributor.", "evidence": ["invoice-2026-11.pdf"]},
        content_type="application/json",
    )
    complained = (
        client_for(w.organisation)
        .post(
            f"/api/v1/cases/{case_id}/complaint",
            {"authority": "Landgericht Hamburg", "reference": "312 O 14/26"},
            content_type="application/json",
        )
        .json()
    )
    export = shop.get("/api/v1/statements-of-reasons").json()

    assert decided["status"] == "forwarded"
    assert answered.status_code == 201
    assert answered.json()["status"] == "counter_noticed"
    assert complained["status"] == "complaint_filed"
    assert [e["status"] for e in complained["timeline"]] == [
        "delivered",
        "decided",
        "forwarded",
        "counter_noticed",
        "complaint_filed",
    ]
    assert (export["count"], export["next_after"]) == (1, None)
    statement = export["statements"][0]
    assert statement_problems(statement) == []
    assert statement["territorial_scope"] == ["DE"]
    assert statement["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert statement["puid"].startswith("ipbridge-megamart-")


def test_the_statement_export_comes_in_batches_of_one_hundred() -> None:
    w = world()
    items = [{"marketplace": "megamart", "url": f"https://megamart.example/item/{n}"} for n in range(130)]
    notice = sent(w, items=items)
    shop = client_for(w.megamart)
    case_id = notice["cases"][0]["id"]
    item_ids = [i["id"] for i in shop.get(f"/api/v1/cases/{case_id}").json()["items"]]
    shop.post(
        f"/api/v1/cases/{case_id}/decisions",
        {"decisions": [{"item_id": i, "measure": "delete"} for i in item_ids], "facts": "f", "legal_ground": "g"},
        content_type="application/json",
    )

    first = shop.get("/api/v1/statements-of-reasons").json()
    second = shop.get("/api/v1/statements-of-reasons", {"after": first["next_after"]}).json()

    assert (first["count"], second["count"], second["next_after"]) == (100, 30, None)
    assert len({s["puid"] for s in first["statements"] + second["statements"]}) == 130


def test_bad_input_names_the_field() -> None:
    w = world()
    client = client_for(w.organisation)

    bad_right = client.post("/api/v1/notices", body(rights=["018000001"]), content_type="application/json")
    not_an_id = client.get("/api/v1/cases/abc")

    assert (bad_right.status_code, bad_right.json()["error"]["field"]) == (422, "rights")
    assert not_an_id.status_code == 404
