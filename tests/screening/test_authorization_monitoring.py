"""Every endpoint of focused monitoring and early warning against every organisation kind and role, API keys with
and without the screening scopes, and anonymous callers.

The acting organisation plays its part: a marketplace is MegaMart, with an alert about shop-9, the shop's
identifiers, an active and an ended watch, a waiting and an acknowledged warning; Little Bazaar's alert, shop, watch
and warning are foreign to it. Only marketplaces monitor and are warned; right holders, agents and operators read the
trends of their alert queues; any other kind is refused. Each call is checked for its answer and for what it
changed: nothing on a refusal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ipbridge.accounts.models import AuditEvent, Organisation, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.screening import monitoring
from ipbridge.screening.models import EarlyWarning, ShopIdentifier, Watch
from ipbridge.screening.monitoring import ShopIdentifiersIn
from tests.authorization import (
    Endpoint,
    Principal,
    app_keys,
    call_each,
    client_for,
    expected_answers,
    needs,
    principals,
)
from tests.factories import member
from tests.screening.factories import holder_member, marketplace_member
from tests.screening.test_monitoring import PHONE, raised

pytestmark = pytest.mark.django_db

MARKETPLACE = OrganisationKind.MARKETPLACE
OPERATOR = OrganisationKind.OPERATOR
HOLDER = OrganisationKind.RIGHT_HOLDER
TREND_READERS = (MARKETPLACE, HOLDER, OrganisationKind.AGENT, OPERATOR)

PRINCIPALS = principals(key_kinds=(MARKETPLACE, OPERATOR, HOLDER, OrganisationKind.AGENT), keys=app_keys("screening"))


def reads(status: int = 200) -> Callable[[Principal], int]:
    """A marketplace's own reads; ``status`` is what the marketplace itself gets (404 for a foreign item)."""
    return needs("screening:read", kinds=(MARKETPLACE,), then=status)


def writes(status: int) -> Callable[[Principal], int]:
    return needs("screening:write", kinds=(MARKETPLACE,), then=status)


trend_reads = needs("screening:read", kinds=TREND_READERS, then=200)


API = "/api/v1/screening"
IDENTIFIERS = {"shops": [{"shop_id": "shop-3", "identifiers": [{"kind": "device", "value": "imei-1"}]}]}
ENDPOINTS = [
    Endpoint("get", f"{API}/watches", reads()),
    Endpoint("get", f"{API}/watches?state=all", reads()),
    Endpoint("post", f"{API}/watches", writes(201), "write", {"kind": "shop", "shop_id": "shop-new"}),
    Endpoint("get", f"{API}/watches/{{watch}}", reads()),
    Endpoint("get", f"{API}/watches/{{foreign_watch}}", reads(404)),
    Endpoint("post", f"{API}/watches/{{watch}}/end", writes(200), "write", {}),
    Endpoint("post", f"{API}/watches/{{ended_watch}}/end", writes(409), body={}),
    Endpoint("post", f"{API}/watches/{{foreign_watch}}/end", writes(404), body={}),
    Endpoint("post", f"{API}/alerts/{{alert}}/watch", writes(201), "write", {"kind": "product"}),
    Endpoint("post", f"{API}/alerts/{{foreign_alert}}/watch", writes(404), body={"kind": "shop"}),
    Endpoint("post", f"{API}/shops/identifiers", writes(201), "write", IDENTIFIERS),
    Endpoint("get", f"{API}/shops/shop-9/associated", reads()),
    Endpoint("get", f"{API}/shops/b-1/associated", reads(404)),
    Endpoint("get", f"{API}/shops/repeat", reads()),
    Endpoint("get", f"{API}/trends", trend_reads),
    Endpoint("get", f"{API}/trends?days=7&brand=AURORA", trend_reads),
    Endpoint("get", f"{API}/warnings", reads()),
    Endpoint("get", f"{API}/warnings?state=all", reads()),
    Endpoint("post", f"{API}/warnings/check", writes(200), body={}),
    Endpoint("post", f"{API}/warnings/{{warning}}/acknowledge", writes(200), "write", {}),
    Endpoint("post", f"{API}/warnings/{{acknowledged}}/acknowledge", writes(409), body={}),
    Endpoint("post", f"{API}/warnings/{{foreign_warning}}/acknowledge", writes(404), body={}),
]


def state() -> dict[str, Any]:
    return {
        "watches": sorted(Watch.objects.values_list("pk", "active", "hits")),
        "identifiers": sorted(ShopIdentifier.objects.values_list("pk", "shop_name")),
        "warnings": sorted(EarlyWarning.objects.values_list("pk", "count", "acknowledged_at")),
        "audit": AuditEvent.objects.count(),
    }


def monitoring_of(marketplace: Organisation, bazaar: Organisation, holder: Organisation) -> dict[str, int]:
    own, theirs = actor_for_system(marketplace), actor_for_system(bazaar)
    alert = raised(marketplace, holders=[holder])
    foreign_alert = raised(bazaar, holders=[holder], shop_id="b-1")
    monitoring.shop_identifiers_record(actor=own, shops=[ShopIdentifiersIn("shop-9", [("phone", PHONE)])])
    monitoring.shop_identifiers_record(actor=theirs, shops=[ShopIdentifiersIn("b-1", [("phone", PHONE)])])
    watch = monitoring.watch_add(actor=own, kind="shop", shop_id="shop-1")
    ended = monitoring.watch_add(actor=own, kind="shop", shop_id="shop-2")
    monitoring.watch_end(actor=own, watch_id=ended.pk)
    foreign_watch = monitoring.watch_add(actor=theirs, kind="shop", shop_id="b-1")
    day = date(2026, 11, 30)
    warning = EarlyWarning.objects.create(marketplace=marketplace, day=day, brand="AURORA", count=9, baseline=1.0)
    acknowledged = EarlyWarning.objects.create(
        marketplace=marketplace, day=day, category="cosmetics", count=9, baseline=1.0, acknowledged_at=timezone.now()
    )
    foreign_warning = EarlyWarning.objects.create(marketplace=bazaar, day=day, brand="AURORA", count=9, baseline=1.0)
    return {
        "alert": alert.pk,
        "foreign_alert": foreign_alert.pk,
        "watch": watch.pk,
        "ended_watch": ended.pk,
        "foreign_watch": foreign_watch.pk,
        "warning": warning.pk,
        "acknowledged": acknowledged.pk,
        "foreign_warning": foreign_warning.pk,
    }


def build_world(principal: Principal) -> tuple[Client, dict[str, int]]:
    kind = principal.kind or MARKETPLACE
    if kind == HOLDER:
        acting = holder_member(role=principal.role or Role.ADMIN)
        holder = acting.organisation
    else:
        holder = holder_member().organisation
    if kind == MARKETPLACE:
        acting = marketplace_member(role=principal.role or Role.ADMIN)
        marketplace = acting.organisation
    else:
        if kind != HOLDER:
            acting = member(kind, principal.role or Role.ADMIN, verification_status="verified")
        marketplace = marketplace_member().organisation
    bazaar = marketplace_member(name="Little Bazaar", slug="little-bazaar").organisation
    ids = monitoring_of(marketplace, bazaar, holder)
    return client_for(principal, acting), ids


@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.label)
def test_every_monitoring_endpoint_answers_the_principal_as_designed(principal: Principal) -> None:
    """One world per principal; each endpoint is called in a savepoint rolled back after it, so each meets the
    world as built. A refusal carries an error code and changes nothing."""
    client, ids = build_world(principal)

    calls = call_each(client, ENDPOINTS, ids, snapshot=state)

    assert calls.answers == expected_answers(principal, ENDPOINTS)
    assert calls.uncoded == []


def test_the_world_holds_what_the_matrix_relies_on() -> None:
    """The refusals above are refusals of access, not of a missing object: each item exists, and the foreign ones
    belong to Little Bazaar."""
    _client, ids = build_world(Principal("marketplace-admin", MARKETPLACE, Role.ADMIN))

    assert len({endpoint.label for endpoint in ENDPOINTS}) == len(ENDPOINTS)
    assert Watch.objects.get(pk=ids["foreign_watch"]).marketplace.slug == "little-bazaar"
    assert EarlyWarning.objects.get(pk=ids["foreign_warning"]).marketplace.slug == "little-bazaar"
    assert ShopIdentifier.objects.get(shop_id="b-1").marketplace.slug == "little-bazaar"
