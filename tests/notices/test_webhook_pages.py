"""The webhook pages: who may open and change what (every page and action against every organisation kind and
role), the secret shown once when an endpoint is added or its secret rotated and never again, refusals that change
nothing, form errors on their fields, the deliveries with their filter and "send again"; and the callbacks that
describe the posts in the OpenAPI document."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ipbridge.accounts.models import AuditEvent, Membership, Organisation, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.engine.webhooks import signature_header
from ipbridge.notices import services, webhooks
from ipbridge.notices.completeness import ItemIn
from ipbridge.notices.models import Case, WebhookDelivery, WebhookEndpoint
from tests.factories import OrganisationFactory, member, verified_client
from tests.notices.factories import send, world

pytestmark = pytest.mark.django_db

RECEIVERS = {OrganisationKind.MARKETPLACE, OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT}
WRITERS = {Role.ADMIN, Role.MEMBER}
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def html(response: Any) -> str:
    return str(response.content.decode())


def field_error(response: Any, field: str) -> str:
    """The error text shown under a form field."""
    found = re.search(rf'data-field="{re.escape(field)}">([^<]*)<', html(response))
    assert found is not None, f"no error on {field}"
    return found.group(1)


def alerts(response: Any) -> list[str]:
    return re.findall(r'<div class="alert alert-\w+" role="alert"[^>]*>([^<]*)</div>', html(response))


def endpoint_for(organisation: Organisation, url: str = "https://hooks.shop.example/in", events: Any = None) -> Any:
    endpoint, _secret = webhooks.webhook_endpoint_create(
        actor=actor_for_system(organisation), url=url, events=events or ["*"]
    )
    return endpoint


def delivery_to(endpoint: WebhookEndpoint, status: str, **fields: Any) -> WebhookDelivery:
    """A delivery of case 31's decision, created at T0 and ended as ``status``."""
    ended = {
        "pending": {"attempts": 2, "next_attempt_at": T0 + timedelta(minutes=6), "last_error": "HTTP 503"},
        "delivered": {"attempts": 1, "delivered_at": T0 + timedelta(seconds=1), "last_status": 200},
        "dead": {"attempts": 8, "dead_at": T0 + timedelta(hours=4), "last_error": "ConnectionRefusedError: refused"},
    }[status]
    if status == "pending":
        ended["last_status"] = 503
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="case.decided",
        payload={"id": "x", "event": "case.decided", "case": {"id": 31, "status": "decided"}},
        created_at=T0,
        **{**ended, **fields},
    )


def state() -> dict[str, Any]:
    return {
        "endpoints": sorted(
            WebhookEndpoint.objects.values_list(
                "id", "url", "events", "active", "secret_encrypted", "previous_secret_encrypted"
            )
        ),
        "deliveries": sorted(
            WebhookDelivery.objects.values_list("id", "attempts", "next_attempt_at", "delivered_at", "dead_at")
        ),
        "audit": AuditEvent.objects.filter(action__startswith="webhook.").count(),
    }


def current_secret(endpoint: WebhookEndpoint) -> str:
    endpoint.refresh_from_db()
    key, _previous = webhooks._signing_keys(endpoint, now=timezone.now())
    return key.decode()


# Who may open which page ------------------------------------------------------------------------------------------


def acting_with_endpoint(kind: str, role: str) -> tuple[Membership, WebhookEndpoint]:
    """A person of ``kind`` and ``role``; an endpoint of theirs (of another marketplace for the kinds that have
    none) with a dead delivery."""
    person = member(kind=kind, role=role)
    owner = person.organisation if kind in RECEIVERS else OrganisationFactory(kind=OrganisationKind.MARKETPLACE)
    endpoint = endpoint_for(owner)
    delivery_to(endpoint, "dead")
    return person, endpoint


@pytest.mark.parametrize("page", ["/webhooks/", "/webhooks/deliveries/", "/webhooks/deliveries/?endpoint={id}"])
@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("kind", list(OrganisationKind.values))
def test_every_page_answers_every_kind_and_role_as_designed(page: str, role: str, kind: str) -> None:
    person, endpoint = acting_with_endpoint(kind, role)

    response = verified_client(person.user).get(page.format(id=endpoint.pk))

    if kind not in RECEIVERS:
        assert response.status_code == 403
        assert alerts(response) == ["This page is for these organisations: Marketplace, Right holder, Agent."]
        return
    assert response.status_code == 200
    content = html(response)
    assert content.count(f'data-endpoint="{endpoint.pk}"' if page == "/webhooks/" else "data-delivery=") == 1
    writes = role in WRITERS
    if page == "/webhooks/":
        assert ('id="endpoint-form"' in content, "Rotate secret" in content, "Deactivate" in content) == (
            writes,
            writes,
            writes,
        )
        assert "IPBridge-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;" in content
        assert 'href="/api/v1/docs#/webhooks/webhook_endpoint_create"' in content
    else:
        assert ("Send again" in content) == writes


@pytest.mark.parametrize("kind", list(OrganisationKind.values))
def test_the_menu_has_webhooks_for_marketplaces_and_senders_only(kind: str) -> None:
    person = member(kind=kind, role=Role.REVIEWER)

    content = html(verified_client(person.user).get("/dashboard/"))

    assert ('href="/webhooks/"' in content) == (kind in RECEIVERS)


@pytest.mark.parametrize(
    "page", ["/webhooks/", "/webhooks/new/", "/webhooks/deliveries/", "/webhooks/1/rotate-secret/"]
)
def test_pages_send_anonymous_visitors_to_login(page: str) -> None:
    response = Client().get(page)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# Who may change what ----------------------------------------------------------------------------------------------

ACTIONS = {
    "add": ("/webhooks/new/", 200),
    "rotate": ("/webhooks/{endpoint}/rotate-secret/", 200),
    "deactivate": ("/webhooks/{endpoint}/deactivate/", 302),
    "send again": ("/webhooks/deliveries/{delivery}/redeliver/", 302),
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("kind", list(OrganisationKind.values))
def test_every_action_answers_every_kind_and_role_as_designed_and_a_refusal_changes_nothing(
    action: str, role: str, kind: str
) -> None:
    person, endpoint = acting_with_endpoint(kind, role)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    path, success = ACTIONS[action]
    before = state()

    response = verified_client(person.user).post(
        path.format(endpoint=endpoint.pk, delivery=delivery.pk),
        {"url": "https://hooks.example/new", "events": ["case.decided"]},
    )

    if kind not in RECEIVERS:
        assert (response.status_code, alerts(response)) == (
            403,
            ["This page is for these organisations: Marketplace, Right holder, Agent."],
        )
    elif role not in WRITERS:
        assert (response.status_code, alerts(response)) == (
            403,
            ["This action needs the “notices:write” permission, which you do not have here."],
        )
    else:
        assert response.status_code == success
        assert state() != before
        return
    assert state() == before


@pytest.mark.parametrize("action", ["rotate", "deactivate", "send again"])
def test_another_organisations_endpoint_is_not_found_and_stays_as_it_was(action: str) -> None:
    shop = member(kind=OrganisationKind.MARKETPLACE)
    endpoint = endpoint_for(OrganisationFactory(kind=OrganisationKind.MARKETPLACE))
    delivery = delivery_to(endpoint, "dead")
    before = state()

    response = verified_client(shop.user).post(ACTIONS[action][0].format(endpoint=endpoint.pk, delivery=delivery.pk))

    assert response.status_code == 404
    assert state() == before


def test_another_organisations_endpoints_and_deliveries_are_not_listed() -> None:
    shop = member(kind=OrganisationKind.MARKETPLACE)
    theirs = endpoint_for(OrganisationFactory(kind=OrganisationKind.MARKETPLACE), "https://hooks.other.example/in")
    delivery_to(theirs, "dead")
    client = verified_client(shop.user)

    endpoints = html(client.get("/webhooks/"))
    deliveries = client.get(f"/webhooks/deliveries/?endpoint={theirs.pk}")

    assert "hooks.other.example" not in endpoints
    assert 'id="no-endpoints"' in endpoints
    assert field_error(deliveries, "endpoint") == (
        f"Select a valid choice. {theirs.pk} is not one of the available choices."
    )
    assert "data-delivery=" not in html(deliveries)


# Adding an endpoint: the secret once -----------------------------------------------------------------------------


def test_an_added_endpoint_shows_its_secret_once_and_never_again() -> None:
    shop = member(kind=OrganisationKind.MARKETPLACE)
    client = verified_client(shop.user)

    added = client.post(
        "/webhooks/new/", {"url": " https://hooks.shop.example/in ", "events": ["case.lifted", "case.decided"]}
    )

    endpoint = WebhookEndpoint.objects.get()
    secret = current_secret(endpoint)
    assert (endpoint.organisation, endpoint.url, endpoint.events) == (
        shop.organisation,
        "https://hooks.shop.example/in",
        ["case.decided", "case.lifted"],
    )
    assert secret.startswith("whsec_")
    assert added.status_code == 200
    assert html(added).count(secret) == 1
    assert re.search(r'id="new-secret-value">([^<]*)<', html(added)).group(1) == secret  # type: ignore[union-attr]
    assert (
        "Endpoint https://hooks.shop.example/in added. Copy its signing secret now: it will not be shown again."
        in html(added)
    )
    assert "no-store" in added["Cache-Control"]
    row = re.search(rf'<tr data-endpoint="{endpoint.pk}">.*?</tr>', html(added), re.S).group(0)  # type: ignore[union-attr]
    assert re.findall(r"<div>([^<]*)</div>", row) == ["case.decided — Decided", "case.lifted — Measures lifted"]
    assert 'data-active="true">active<' in row
    for again in ("/webhooks/", "/webhooks/deliveries/", "/webhooks/new/"):
        later = client.get(again, follow=True)
        assert secret not in html(later)
        assert 'id="new-secret"' not in html(later)
    assert secret not in str(list(AuditEvent.objects.values_list("details", flat=True)))


def test_all_events_subscribes_to_every_event_and_keeps_the_ticks_on_an_error() -> None:
    holder = member(kind=OrganisationKind.RIGHT_HOLDER)
    client = verified_client(holder.user)

    refused = client.post("/webhooks/new/", {"url": "http://hooks.aurora.example/in", "events": ["*", "case.closed"]})
    added = client.post("/webhooks/new/", {"url": "https://hooks.aurora.example/in", "events": ["*", "case.closed"]})

    assert field_error(refused, "url") == "Webhooks are sent over https:// only."
    assert 'value="*" id="id_events_0" checked' in html(refused)
    assert 'value="https://hooks.aurora.example/in"' not in html(refused)
    assert added.status_code == 200
    assert WebhookEndpoint.objects.get().events == ["*"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"url": "", "events": ["*"]}, "url", "This field is required."),
        ({"url": "hooks.shop.example/in", "events": ["*"]}, "url", "Enter an https:// address."),
        (
            {"url": "https://me:pw@hooks.shop.example/in", "events": ["*"]},
            "url",
            "Leave credentials out of the address; deliveries are signed.",
        ),
        (
            {"url": "https://10.0.0.5/in", "events": ["*"]},
            "url",
            "Give an address on the internet, not one of a private network.",
        ),
        ({"url": "https://hooks.shop.example/in" + "x" * 2000, "events": ["*"]}, "url", None),
        ({"url": "https://hooks.shop.example/in"}, "events", "Choose at least one event."),
        (
            {"url": "https://hooks.shop.example/in", "events": ["case.submitted"]},
            "events",
            "Select a valid choice. case.submitted is not one of the available choices.",
        ),
        ({"url": "https://hooks.shop.example/in\x00", "events": ["*"]}, "url", "Null characters are not allowed."),
    ],
)
def test_bad_input_is_shown_on_its_field_and_adds_nothing(
    fields: dict[str, Any], field: str, message: str | None
) -> None:
    shop = member(kind=OrganisationKind.MARKETPLACE)
    before = state()

    response = verified_client(shop.user).post("/webhooks/new/", fields)

    assert state() == before
    assert response.status_code == 200
    if message is None:
        assert field_error(response, field).startswith("Ensure this value has at most 2000 characters")
    else:
        assert field_error(response, field) == message
    assert 'id="new-secret"' not in html(response)


def test_an_organisation_at_its_limit_is_told_so_above_the_form(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhooks, "MAX_ENDPOINTS", 1)
    shop = member(kind=OrganisationKind.MARKETPLACE)
    endpoint_for(shop.organisation)
    before = state()

    response = verified_client(shop.user).post(
        "/webhooks/new/", {"url": "https://hooks.shop.example/two", "events": ["*"]}
    )

    assert state() == before
    assert re.findall(r'<div class="alert alert-danger" role="alert">\s*<div>([^<]*)</div>', html(response)) == [
        "An organisation has at most 1 webhook endpoints; remove one first."
    ]


def test_a_get_of_the_form_target_goes_back_to_the_page() -> None:
    shop = member(kind=OrganisationKind.MARKETPLACE)

    response = verified_client(shop.user).get("/webhooks/new/")

    assert (response.status_code, response["Location"]) == (302, "/webhooks/")


# Rotating and deactivating -----------------------------------------------------------------------------------------


def test_a_rotated_secret_is_shown_once_and_the_previous_one_signs_for_24_hours() -> None:
    shop = member(kind=OrganisationKind.MARKETPLACE)
    endpoint = endpoint_for(shop.organisation)
    old = current_secret(endpoint)
    client = verified_client(shop.user)

    rotated = client.post(f"/webhooks/{endpoint.pk}/rotate-secret/")

    new = current_secret(endpoint)
    until = endpoint.previous_secret_until
    assert until is not None
    assert timedelta(hours=23, minutes=59) < until - timezone.now() <= timedelta(hours=24)
    assert new != old
    content = html(rotated)
    assert (content.count(new), content.count(old)) == (1, 0)
    assert "New signing secret for https://hooks.shop.example/in. Copy it now: it will not be shown again." in content
    assert (
        "The previous secret keeps signing too for 24 hours, until "
        f"{until:%Y-%m-%d %H:%M}: switch your system over before then."
    ) in content
    assert "no-store" in rotated["Cache-Control"]
    later = html(client.get("/webhooks/"))
    assert (new in later, old in later) == (False, False)
    assert f"previous secret signs too until {until:%Y-%m-%d %H:%M}" in later


def test_deactivating_an_endpoint_ends_its_pending_deliveries_and_leaves_it_listed_without_actions() -> None:
    shop = member(kind=OrganisationKind.MARKETPLACE)
    endpoint = endpoint_for(shop.organisation)
    pending = delivery_to(endpoint, "pending")
    client = verified_client(shop.user)

    response = client.post(f"/webhooks/{endpoint.pk}/deactivate/", follow=True)

    pending.refresh_from_db()
    endpoint.refresh_from_db()
    assert endpoint.active is False
    assert (pending.status, pending.last_error) == ("dead", "endpoint removed")
    assert response.redirect_chain == [("/webhooks/", 302)]
    assert alerts(response) == [
        "Endpoint deactivated: nothing more is sent to it, and its pending deliveries end as dead."
    ]
    row = re.search(rf'<tr data-endpoint="{endpoint.pk}">.*?</tr>', html(response), re.S).group(0)  # type: ignore[union-attr]
    assert 'data-active="false">deactivated<' in row
    assert ("Rotate secret" in row, "Deactivate" in row) == (False, False)
    again = client.post(f"/webhooks/{endpoint.pk}/rotate-secret/")
    assert again.status_code == 404


# Deliveries ------------------------------------------------------------------------------------------------------


def rows(response: Any) -> list[dict[str, str]]:
    """Each delivery row: its status and the text of its cells."""
    found = []
    for status, cells in re.findall(r'<tr data-delivery="\d+" data-status="(\w+)">(.*?)</tr>', html(response), re.S):
        texts = [
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
        found.append({"status": status, "cells": texts})  # type: ignore[dict-item]
    return found


def test_the_deliveries_show_what_happened_to_each_and_filter_by_status_and_endpoint() -> None:
    shop = member(kind=OrganisationKind.MARKETPLACE)
    first = endpoint_for(shop.organisation, "https://hooks.shop.example/a")
    second = endpoint_for(shop.organisation, "https://hooks.shop.example/b")
    delivery_to(first, "pending")
    delivery_to(first, "delivered")
    delivery_to(second, "dead")
    client = verified_client(shop.user)

    everything = client.get("/webhooks/deliveries/")
    dead = client.get("/webhooks/deliveries/?status=dead")
    of_first = client.get(f"/webhooks/deliveries/?endpoint={first.pk}&status=delivered")

    assert rows(everything) == [
        {
            "status": "dead",
            "cells": [
                "case.decided Case #31",
                "https://hooks.shop.example/b",
                "2026-12-01 09:00",
                "Dead",
                "8",
                "ConnectionRefusedError: refused",
                "—",
                "2026-12-01 13:00",
                "Send again",
            ],
        },
        {
            "status": "delivered",
            "cells": [
                "case.decided Case #31",
                "https://hooks.shop.example/a",
                "2026-12-01 09:00",
                "Delivered",
                "1",
                "HTTP 200",
                "—",
                "2026-12-01 09:00",
                "Send again",
            ],
        },
        {
            "status": "pending",
            "cells": [
                "case.decided Case #31",
                "https://hooks.shop.example/a",
                "2026-12-01 09:00",
                "Pending",
                "2",
                "HTTP 503",
                "2026-12-01 09:06",
                "—",
                "",
            ],
        },
    ]
    assert [row["status"] for row in rows(dead)] == ["dead"]
    assert [(row["status"], len(row["cells"])) for row in rows(of_first)] == [("delivered", 8)]
    assert "Deliveries to https://hooks.shop.example/a, newest first." in html(of_first)


def test_a_bad_filter_is_shown_on_its_field_and_everything_is_listed() -> None:
    shop = member(kind=OrganisationKind.MARKETPLACE)
    delivery_to(endpoint_for(shop.organisation), "dead")

    response = verified_client(shop.user).get("/webhooks/deliveries/?status=lost&endpoint=abc&page=x")

    assert response.status_code == 200
    assert field_error(response, "status") == "Select a valid choice. lost is not one of the available choices."
    assert field_error(response, "endpoint") == "Select a valid choice. abc is not one of the available choices."
    assert [row["status"] for row in rows(response)] == ["dead"]


def test_the_deliveries_page_asks_the_same_number_of_queries_for_one_delivery_or_many() -> None:
    shop = member(kind=OrganisationKind.MARKETPLACE)
    endpoint = endpoint_for(shop.organisation)
    delivery_to(endpoint, "dead")
    client = verified_client(shop.user)
    client.get("/webhooks/deliveries/")

    with CaptureQueriesContext(connection) as one:
        client.get("/webhooks/deliveries/")
    for _ in range(5):
        delivery_to(endpoint, "delivered")
    with CaptureQueriesContext(connection) as six:
        client.get("/webhooks/deliveries/")

    assert len(six.captured_queries) == len(one.captured_queries)


def test_sending_again_starts_a_new_series_and_keeps_the_filter() -> None:
    holder = member(kind=OrganisationKind.RIGHT_HOLDER)
    endpoint = endpoint_for(holder.organisation)
    dead = delivery_to(endpoint, "dead")
    client = verified_client(holder.user)

    response = client.post(f"/webhooks/deliveries/{dead.pk}/redeliver/", {"status": "dead", "endpoint": endpoint.pk})
    sent = client.get(response["Location"])
    dead.refresh_from_db()
    refused = client.post(f"/webhooks/deliveries/{dead.pk}/redeliver/", {"status": "<script>", "endpoint": "1 OR 1"})

    assert (response.status_code, response["Location"]) == (
        302,
        f"/webhooks/deliveries/?status=dead&endpoint={endpoint.pk}",
    )
    assert alerts(sent) == ["Sent again: a new series of attempts, with the same delivery id."]
    assert [row["status"] for row in rows(sent)] == []  # no longer dead
    assert (dead.status, dead.attempts, dead.dead_at) == ("pending", 0, None)
    assert (refused.status_code, refused["Location"]) == (302, "/webhooks/deliveries/")
    page = client.get(refused["Location"])
    assert alerts(page) == ["This delivery is still being tried."]
    assert list(AuditEvent.objects.filter(action="webhook.delivery_redelivered").values_list("details", flat=True)) == [
        {"previous": "dead"}
    ]


def test_a_delivery_of_a_deactivated_endpoint_is_listed_but_not_sent_again() -> None:
    shop = member(kind=OrganisationKind.MARKETPLACE)
    endpoint = endpoint_for(shop.organisation)
    dead = delivery_to(endpoint, "dead")
    webhooks.webhook_endpoint_remove(actor=actor_for_system(shop.organisation), endpoint_id=endpoint.pk)
    client = verified_client(shop.user)
    before = state()

    page = client.get(f"/webhooks/deliveries/?endpoint={endpoint.pk}")
    refused = client.post(f"/webhooks/deliveries/{dead.pk}/redeliver/", follow=True)

    assert [row["status"] for row in rows(page)] == ["dead"]
    assert "Send again" not in html(page)
    assert "https://hooks.shop.example/in (deactivated)" in html(page)
    assert alerts(refused) == ["The endpoint of this delivery was removed."]
    assert state() == before


def test_a_real_case_event_is_listed_for_the_marketplace_and_the_sender_with_a_link_to_the_case() -> None:
    w = world()
    endpoint_for(w.megamart, "https://hooks.megamart.example/in", ["case.delivered"])
    endpoint_for(w.organisation, "https://hooks.aurora.example/in", ["*"])
    # One case, delivered as the notice is sent.
    notice = send(w.organisation, items=[ItemIn("megamart", "https://megamart.example/item/1")])
    case = Case.objects.get(notice=notice, marketplace=w.megamart)

    for person in (w.marketplace_person, w.holder):
        response = verified_client(person.user).get("/webhooks/deliveries/?status=pending")
        assert [row["cells"][0] for row in rows(response)] == [f"case.delivered Case #{case.pk}"]
        assert f'href="/cases/{case.pk}/"' in html(response)


# 中文 ----------------------------------------------------------------------------------------------------------


def test_the_pages_speak_chinese() -> None:
    shop = member(kind=OrganisationKind.MARKETPLACE)
    client = verified_client(shop.user)
    client.post("/accounts/language/", {"language": "zh-hans", "next": "/webhooks/"})

    added = client.post("/webhooks/new/", {"url": "https://hooks.shop.example/in", "events": ["case.decided"]})
    refused = client.post("/webhooks/new/", {"url": "https://hooks.shop.example/in"})
    deliveries = html(client.get("/webhooks/deliveries/"))

    content = html(added)
    assert "<title>Webhook · IPBridge</title>" in content
    assert "请立即复制" in content
    assert "case.decided — 已决定" in content
    assert field_error(refused, "events") == "请至少选择一个事件。"
    assert "Webhook 投递" in deliveries
    for english in ("Deliveries", "Rotate secret", "Deactivate", "Checking a delivery", "No deliveries."):
        assert english not in content + deliveries


# The posts, in the OpenAPI document ---------------------------------------------------------------------------------


def test_the_openapi_document_describes_each_event_post_with_its_signature_header_and_body() -> None:
    w = world()
    endpoint_for(w.megamart, "https://hooks.megamart.example/in", ["case.delivered"])
    case = Case.objects.get(notice=send(w.organisation), marketplace=w.megamart)
    services.case_deliver(case_id=case.pk)
    payload = WebhookDelivery.objects.get().payload

    document = Client().get("/api/v1/openapi.json").json()

    callbacks = document["paths"]["/api/v1/webhooks/endpoints"]["post"]["callbacks"]
    assert list(callbacks) == [event for event in webhooks.EVENTS if event != "*"]
    post = callbacks["case.delivered"]["{$request.body#/url}"]["post"]
    headers = {p["name"]: p for p in post["parameters"]}
    assert list(headers) == ["IPBridge-Signature", "IPBridge-Delivery", "IPBridge-Event", "User-Agent"]
    assert all(p["in"] == "header" and p["required"] for p in headers.values())
    signature = signature_header(secret=b"whsec_a", body=b"{}", timestamp=1764579600, secrets=[b"whsec_b"])
    assert re.fullmatch(headers["IPBridge-Signature"]["schema"]["pattern"], signature)
    assert headers["IPBridge-Delivery"]["schema"] == {"type": "string", "format": "uuid"}
    assert headers["IPBridge-Event"]["schema"] == {"const": "case.delivered", "type": "string"}
    assert headers["User-Agent"]["schema"]["const"] == webhooks.USER_AGENT
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert (set(body["properties"]), set(body["required"])) == (set(payload), set(payload))
    assert body["properties"]["event"]["const"] == payload["event"] == "case.delivered"
    assert set(body["properties"]["case"]["properties"]) == set(payload["case"])
    assert "$ref" not in str(body)
    assert set(post["responses"]) == {"2XX", "default"}
    assert post["security"] == []
    operation_ids = [
        op["operationId"]
        for path in document["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    ] + [event["{$request.body#/url}"]["post"]["operationId"] for event in callbacks.values()]
    assert len(operation_ids) == len(set(operation_ids))
