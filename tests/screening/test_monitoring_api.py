"""Focused monitoring and early warning through the HTTP API, as a marketplace's systems call it: watches added by
hand and from alerts, listed and ended; shops' identifiers recorded in bulk and their associations read back as a
graph of kinds, never values; repeat infringers; trends, warnings, check now and acknowledgement. Every refusal is
a JSON error naming the field, never a 5xx, and leaves nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ipbridge.accounts.audit import AuditAction
from ipbridge.accounts.models import ApiKey, AuditEvent
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.screening import monitoring, trends
from ipbridge.screening.models import EarlyWarning, ShopIdentifier, Watch
from tests.factories import api_key
from tests.screening.factories import Screening, screening_world
from tests.screening.test_monitoring import ADDRESS, LICENCE, PHONE, TITLE, raised
from tests.screening.test_trends import at

pytestmark = pytest.mark.django_db

API = "/api/v1/screening"
WRITE = ["screening:read", "screening:write"]


@pytest.fixture
def world() -> Screening:
    return screening_world()


def keyed(organisation: Any, scopes: list[str] = WRITE) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_key(organisation, scopes)}")


def post(client: Client, path: str, data: Any = None, **headers: Any) -> Any:
    return client.post(path, data if data is not None else {}, content_type="application/json", **headers)


def key_label(organisation: Any) -> str:
    return f"API key {ApiKey.objects.get(organisation=organisation).prefix}"


# Watches -----------------------------------------------------------------------------------------------------------


def test_a_watch_is_added_listed_read_and_ended(world: Screening) -> None:
    client = keyed(world.marketplace)

    added = post(client, f"{API}/watches", {"kind": "same_type", "keywords": ["AURORA"], "category": "cosmetics"})
    watch_id = added.json()["id"]
    listed = client.get(f"{API}/watches").json()
    ended = post(client, f"{API}/watches/{watch_id}/end")
    after = (client.get(f"{API}/watches").json(), client.get(f"{API}/watches?state=ended").json())

    body = added.json()
    assert added.status_code == 201
    assert {k: v for k, v in body.items() if k != "created_at"} == {
        "id": watch_id,
        "kind": "same_type",
        "label": "cosmetics: AURORA",
        "keywords": ["AURORA"],
        "category": "cosmetics",
        "shop_id": "",
        "reason": "",
        "source_alert": None,
        "active": True,
        "hits": 0,
        "created_by": key_label(world.marketplace),
    }
    assert (listed["count"], [w["id"] for w in listed["items"]]) == (1, [watch_id])
    assert client.get(f"{API}/watches/{watch_id}").json()["id"] == watch_id
    assert (ended.status_code, ended.json()["active"]) == (200, False)
    assert (after[0]["count"], after[1]["count"]) == (0, 1)
    assert post(client, f"{API}/watches/{watch_id}/end").json()["error"]["code"] == "already_ended"


def test_watch_this_shop_from_an_alert(world: Screening) -> None:
    alert = raised(world.marketplace)

    answer = post(keyed(world.marketplace), f"{API}/alerts/{alert.pk}/watch", {"kind": "shop", "reason": "again"})

    assert answer.status_code == 201
    body = answer.json()
    assert (body["kind"], body["shop_id"], body["label"], body["source_alert"], body["reason"]) == (
        "shop",
        "shop-9",
        "Bright Deals",
        alert.pk,
        "again",
    )
    product = post(keyed(world.marketplace), f"{API}/alerts/{alert.pk}/watch", {"kind": "product"}).json()
    assert (product["keywords"], product["category"], product["label"]) == (["AURORA", "高仿"], "cosmetics", TITLE)


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"kind": "product"}, 422, "required", "keywords"),
        ({"kind": "shop", "shop_id": "s", "category": "c"}, 422, "not_for_kind", "category"),
        ({"kind": "nothing", "keywords": ["x"]}, 422, "invalid_choice", "kind"),
        ({"kind": "product", "keywords": "AURORA"}, 422, "invalid_input", None),
        ({"kind": "product", "keywords": ["x"] * 21}, 422, "invalid_input", None),
        ({"keywords": ["x"]}, 422, "invalid_input", None),
        ({"kind": "product", "keywords": ["x\u0000"]}, 400, "invalid_characters", None),  # refused before the view
    ],
)
def test_a_bad_watch_is_a_json_error_naming_the_field(
    world: Screening, body: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    answer = post(keyed(world.marketplace), f"{API}/watches", body)

    assert answer.status_code == status
    error = answer.json()["error"]
    assert (error["code"], error.get("field")) == (code, field)
    assert Watch.objects.count() == 0


def test_an_already_watched_shop_answers_409_with_the_watch(world: Screening) -> None:
    client = keyed(world.marketplace)
    first = post(client, f"{API}/watches", {"kind": "shop", "shop_id": "shop-9"}).json()

    again = post(client, f"{API}/watches", {"kind": "shop", "shop_id": "shop-9"})

    assert again.status_code == 409
    assert again.json()["error"]["details"] == {"watch": first["id"]}


# Shops -------------------------------------------------------------------------------------------------------------


IDENTIFIERS = {
    "shops": [
        {
            "shop_id": "shop-9",
            "shop_name": "Bright Deals",
            "identifiers": [
                {"kind": "phone", "value": PHONE},
                {"kind": "business_licence", "value": LICENCE},
                {"kind": "address", "value": ADDRESS},
            ],
        },
        {
            "shop_id": "shop-7",
            "shop_name": "Twin",
            "identifiers": [
                {"kind": "phone", "value": "0086 13800138000"},
                {"kind": "business_licence", "value": LICENCE.lower()},
            ],
        },
        {"shop_id": "shop-5", "identifiers": [{"kind": "address", "value": ADDRESS.upper()}]},
    ]
}


def test_identifiers_are_recorded_in_bulk_and_associations_read_back_as_kinds(world: Screening) -> None:
    client = keyed(world.marketplace)
    raised(world.marketplace, status="confirmed")
    raised(world.marketplace, shop_id="shop-7", shop_name="Twin", status="open")

    recorded = post(client, f"{API}/shops/identifiers", IDENTIFIERS)
    again = post(client, f"{API}/shops/identifiers", IDENTIFIERS)
    graph = client.get(f"{API}/shops/shop-7/associated")

    assert (recorded.status_code, recorded.json()) == (201, {"shops": 3, "recorded": 6, "already": 0})
    assert again.json() == {"shops": 3, "recorded": 0, "already": 6}
    assert graph.status_code == 200
    assert graph.json() == {
        "shop_id": "shop-7",
        "nodes": [
            {
                "shop_id": "shop-7",
                "shop_name": "Twin",
                "depth": 0,
                "alerts": {"open": 1, "confirmed": 0, "dismissed": 0},
                "watched": False,
            },
            {
                "shop_id": "shop-9",
                "shop_name": "Bright Deals",
                "depth": 1,
                "alerts": {"open": 0, "confirmed": 1, "dismissed": 0},
                "watched": False,
            },
            {
                "shop_id": "shop-5",
                "shop_name": "",
                "depth": 2,
                "alerts": {"open": 0, "confirmed": 0, "dismissed": 0},
                "watched": False,
            },
        ],
        "edges": [
            {"source": "shop-5", "target": "shop-9", "kinds": ["address"]},
            {"source": "shop-7", "target": "shop-9", "kinds": ["business_licence", "phone"]},
        ],
        "truncated": False,
    }
    text = graph.content.decode()
    for fragment in ("8613800138000", "91440300", "keji"):
        assert fragment not in text.lower()
    assert client.get(f"{API}/shops/shop-7/associated?depth=1").json()["edges"] == [
        {"source": "shop-7", "target": "shop-9", "kinds": ["business_licence", "phone"]}
    ]


def test_a_shop_id_with_slashes_is_addressed_as_it_is(world: Screening) -> None:
    raised(world.marketplace, shop_id="cn/shop/9", shop_name="Slashes")

    answer = keyed(world.marketplace).get(f"{API}/shops/cn/shop/9/associated")

    assert (answer.status_code, answer.json()["nodes"][0]["shop_id"]) == (200, "cn/shop/9")


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"shops": []}, "invalid_input", None),
        ({"shops": [{"shop_id": "a", "identifiers": []}]}, "invalid_input", None),
        (
            {"shops": [{"shop_id": "a", "identifiers": [{"kind": "phone", "value": "138 0013 8000"}]}]},
            "phone_without_country_code",
            "shops[0].identifiers[0].value",
        ),
        (
            {
                "shops": [
                    {"shop_id": "a", "identifiers": [{"kind": "phone", "value": PHONE}]},
                    {"shop_id": "b", "identifiers": [{"kind": "email", "value": "x@example.com"}]},
                ]
            },
            "invalid_choice",
            "shops[1].identifiers[0].kind",
        ),
    ],
)
def test_a_bad_identifier_refuses_the_whole_request(
    world: Screening, body: dict[str, Any], code: str, field: str | None
) -> None:
    answer = post(keyed(world.marketplace), f"{API}/shops/identifiers", body)

    assert answer.status_code == 422
    error = answer.json()["error"]
    assert (error["code"], error.get("field")) == (code, field)
    assert ShopIdentifier.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.SHOP_IDENTIFIERS_RECORDED).exists()


def test_unknown_shop_and_bad_depth(world: Screening) -> None:
    raised(world.marketplace)
    client = keyed(world.marketplace)

    assert client.get(f"{API}/shops/nowhere/associated").status_code == 404
    bad = client.get(f"{API}/shops/shop-9/associated?depth=9")
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "depth")
    assert client.get(f"{API}/shops/shop-9/associated?depth=x").status_code == 422


def test_repeat_infringers_are_ranked_and_paginated_in_a_fixed_number_of_queries(
    world: Screening, django_assert_max_num_queries: Any
) -> None:
    now = timezone.now()
    for n in range(6):
        for _ in range(n % 3):
            raised(world.marketplace, shop_id=f"s{n}", status="confirmed", at=now - timedelta(hours=n))
        raised(world.marketplace, shop_id=f"s{n}", status="open", at=now - timedelta(hours=n))
    client = keyed(world.marketplace)
    post(
        client,
        f"{API}/shops/identifiers",
        {
            "shops": [
                {"shop_id": "s2", "identifiers": [{"kind": "phone", "value": PHONE}]},
                {"shop_id": "s0", "identifiers": [{"kind": "phone", "value": PHONE}]},
            ]
        },
    )

    page = client.get(f"{API}/shops/repeat?limit=4")
    with django_assert_max_num_queries(14):
        second = client.get(f"{API}/shops/repeat?limit=4&offset=4")

    body = page.json()
    assert body["count"] == 6
    assert [(s["shop_id"], s["confirmed"], s["open"], s["associated"]) for s in body["items"]] == [
        ("s2", 2, 1, 1),
        ("s5", 2, 1, 0),
        ("s1", 1, 1, 0),
        ("s4", 1, 1, 0),
    ]
    assert [s["shop_id"] for s in second.json()["items"]] == ["s0", "s3"]


# Trends and warnings -----------------------------------------------------------------------------------------------


def test_trends_warnings_check_now_and_acknowledgement(world: Screening) -> None:
    today = trends.today()
    for _ in range(5):
        raised(world.marketplace, holders=[world.holder.organisation], at=at(today, 0))
    client = keyed(world.marketplace)

    found = client.get(f"{API}/trends?days=2")
    checked = post(client, f"{API}/warnings/check")
    waiting = client.get(f"{API}/warnings").json()
    warning_id = waiting["items"][0]["id"]
    acknowledged = post(client, f"{API}/warnings/{warning_id}/acknowledge")

    assert found.json() == {
        "scope": "marketplace",
        "days": [(today - timedelta(days=1)).isoformat(), today.isoformat()],
        "total": [0, 5],
        "brands": [{"name": "AURORA", "counts": [0, 5], "total": 5}],
        "categories": [{"name": "cosmetics", "counts": [0, 5], "total": 5}],
        "spikes": [
            {"day": today.isoformat(), "brand": "", "category": "cosmetics", "count": 5, "baseline": 0.0},
            {"day": today.isoformat(), "brand": "AURORA", "category": "", "count": 5, "baseline": 0.0},
        ],
    }
    assert checked.status_code == 200
    assert sorted((w["brand"], w["category"], w["count"]) for w in checked.json()) == [
        ("", "cosmetics", 5),
        ("AURORA", "", 5),
    ]
    assert post(client, f"{API}/warnings/check").json() == []
    assert waiting["count"] == 2
    assert acknowledged.status_code == 200
    assert acknowledged.json()["acknowledged_at"] is not None
    assert post(client, f"{API}/warnings/{warning_id}/acknowledge").status_code == 409
    assert client.get(f"{API}/warnings?state=acknowledged").json()["count"] == 1
    assert client.get(f"{API}/warnings?state=all").json()["count"] == 2
    assert client.get(f"{API}/warnings?state=later").status_code == 422
    event = AuditEvent.objects.get(action=AuditAction.EARLY_WARNING_ACKNOWLEDGED)
    assert event.actor_label == key_label(world.marketplace)


def test_a_right_holder_reads_its_trends_but_no_warnings(world: Screening) -> None:
    raised(world.marketplace, holders=[world.holder.organisation], at=at(trends.today(), 0))
    client = keyed(world.holder.organisation)

    found = client.get(f"{API}/trends?days=1&brand=AURORA").json()

    assert (found["scope"], found["total"]) == ("right_holder", [1])
    assert client.get(f"{API}/warnings").json()["error"]["code"] == "wrong_organisation_kind"


@pytest.mark.parametrize(
    ("query", "field"), [("days=0", "days"), ("days=1000", "days"), ("brand=" + "x" * 201, "brand"), ("days=x", "days")]
)
def test_bad_trend_filters_are_refused_naming_them(world: Screening, query: str, field: str) -> None:
    answer = keyed(world.marketplace).get(f"{API}/trends?{query}")

    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error.get("field", error.get("fields", [{}])[0].get("field")) == field


def test_a_warning_of_another_marketplace_is_not_found(world: Screening) -> None:
    today = trends.today()
    for _ in range(5):
        raised(world.bazaar.organisation, at=at(today, 0))
    trends.warnings_check_now(actor=actor_for_system(world.bazaar.organisation))
    theirs = EarlyWarning.objects.first()
    assert theirs is not None

    answer = post(keyed(world.marketplace), f"{API}/warnings/{theirs.pk}/acknowledge")

    assert answer.status_code == 404
    theirs.refresh_from_db()
    assert theirs.acknowledged_at is None


def test_a_watch_added_through_the_api_is_what_the_matcher_finds(world: Screening) -> None:
    post(keyed(world.marketplace), f"{API}/watches", {"kind": "product", "keywords": ["AURORA", "rouge"]})

    hits = monitoring.watch_hits(marketplace=world.marketplace, title=TITLE, category="", shop_id="")

    assert [w.keywords for w in hits] == [["AURORA", "rouge"]]
