from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from ipbridge.rights.models import ChangeField, Right, RightChange
from tests.rights.factories import right

pytestmark = pytest.mark.django_db


def test_verify_needs_no_login_and_explains_every_check() -> None:
    right(expiry_date=date(2029, 3, 1), classes={3: "Cosmetics", 25: "Clothing"})

    response = Client().post(
        "/api/v1/rights/verify",
        {
            "office": "EM",
            "number": "018000001",
            "claimant": "Aurora Cosmetics",
            "goods": "lipstick",
            "territory": "FR",
            "date": "2026-11-22",
        },
        content_type="application/json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "verified"
    assert [(c["name"], c["passed"]) for c in body["checks"]] == [
        ("exists", True),
        ("in_force", True),
        ("owner", True),
        ("goods", True),
        ("territory", True),
    ]
    assert body["checks"][3]["detail"] == "“lipstick” maps to class 3 (lipsticks), which it covers."
    assert body["right"]["owners"] == [{"name": "Aurora Cosmetics S.A.", "country": "FR"}]
    assert "ip@aurora.example" not in response.content.decode()


def test_verify_answers_not_found_for_an_unknown_right() -> None:
    response = Client().post("/api/v1/rights/verify", {"office": "CN", "number": "1"}, content_type="application/json")

    assert response.json() == {
        "verdict": "not_found",
        "right": None,
        "checks": [{"name": "exists", "passed": False, "detail": "No right “CN 1” in the register."}],
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "office"),
        ({"office": "EM"}, "number"),
        ({"mark": "AURORA", "nice_class": 0}, "nice_class"),
        ({"mark": "AURORA", "territory": "D1"}, "territory"),
        ({"mark": "AURORA", "date": "yesterday"}, "date"),
    ],
)
def test_bad_verification_input_names_the_field(body: dict[str, Any], field: str) -> None:
    response = Client().post("/api/v1/rights/verify", body, content_type="application/json")

    assert response.status_code == 422
    error = response.json()["error"]
    assert error.get("field") == field or [f["field"] for f in error.get("fields", [])] == [field]


def test_right_detail_is_public_without_contacts() -> None:
    right(former_owners=("Old Owner Ltd",), territories=["CN"])

    response = Client().get("/api/v1/rights/EM/018000001")

    assert response.status_code == 200
    body = response.json()
    assert (body["mark"], body["status"], body["former_owners"]) == (
        "AURORA",
        "registered",
        [{"name": "Old Owner Ltd", "country": ""}],
    )
    assert body["classes"] == [{"scheme": "nice", "class_number": "3", "description": "Cosmetics; perfumes; lipsticks"}]
    assert Client().get("/api/v1/rights/EM/404").json()["error"]["code"] == "not_found"


def test_the_public_endpoints_are_rate_limited_per_address(monkeypatch: pytest.MonkeyPatch) -> None:
    from ipbridge.rights.api.register import router

    monkeypatch.setattr(router.throttle[0], "num_requests", 2)  # type: ignore[index]
    client = Client(REMOTE_ADDR="198.51.100.1")
    other = Client(REMOTE_ADDR="198.51.100.2")

    answers = [client.get("/api/v1/rights/EM/1").status_code for _ in range(3)]

    assert answers == [404, 404, 429]
    assert other.get("/api/v1/rights/EM/1").status_code == 404
    assert Right.objects.count() == 0


def test_the_public_register_history_masks_contact_addresses() -> None:
    """Regression: contact changes were shown with the full addresses to anyone."""
    target = right()
    RightChange.objects.create(
        right=target, field=ChangeField.CONTACT, old_value=["old@aurora.example"], new_value=["new-ip@aurora.example"]
    )

    html = Client().get("/rights/EM/018000001/").content.decode()

    assert "Contact e-mail: o***@aurora.example → n*****@aurora.example" in html
    assert "old@aurora.example" not in html
    assert "new-ip@aurora.example" not in html
