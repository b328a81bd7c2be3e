"""Every directory endpoint against every organisation kind and role, API keys of the directory's scopes (and of
none of them) and anonymous callers.

The world: a profile curated by operators for a marketplace not on IPBridge, the profile of another marketplace on
IPBridge, and — when the acting organisation is a marketplace — its own profile. Each call runs in a savepoint
rolled back after it, so each meets the world as built; a refusal carries an error code and changes nothing:
profiles, versions, figures, audit rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ipbridge.accounts.models import AuditEvent, OrganisationKind, Role
from ipbridge.marketplaces.models import MarketplaceProfile, MeasuredFigures, ProfileVersion
from tests.authorization import (
    Endpoint,
    Principal,
    app_keys,
    call_each,
    client_for,
    expected_answers,
    needs,
    principals,
    public,
    refusal,
)
from tests.factories import OrganisationFactory, member
from tests.marketplaces.factories import POLICY, curated, own

pytestmark = pytest.mark.django_db

EDITORS = ("marketplace", "operator")

PRINCIPALS = principals(key_kinds=("marketplace", "operator", "right_holder"), keys=app_keys("marketplaces"))

history = needs("marketplaces:read", then=200)


def _writer(p: Principal) -> int | None:
    """The refusal every write starts with, or None when the principal may go on."""
    return refusal(p, "marketplaces:write") or (403 if p.kind not in EDITORS else None)


def creates(p: Principal) -> int:
    refusal = _writer(p)
    if refusal is not None:
        return refusal
    if p.kind == "operator":
        return 201
    if p.person and p.role != Role.ADMIN:
        return 403
    return 409  # the marketplace has its profile already


def changes(profile: str) -> Callable[[Principal], int]:
    """Operators change the curated profile; a marketplace's administrators (or keys) change its own only."""

    def expect(p: Principal) -> int:
        refusal = _writer(p)
        if refusal is not None:
            return refusal
        if p.kind == "operator":
            return 200 if profile == "curated" else 403
        if profile != "mine" or (p.person and p.role != Role.ADMIN):
            return 403
        return 200

    return expect


CHANGE = {"fields": {"name": {"value": "Renamed", "source_url": POLICY}}}

ENDPOINTS = [
    Endpoint("get", "/api/v1/marketplaces", public),
    Endpoint("get", "/api/v1/marketplaces?country=CN&channel=ipbridge", public),
    Endpoint("get", "/api/v1/marketplaces/compare?m={curated}&m={theirs}", public),
    *[Endpoint("get", f"/api/v1/marketplaces/{{{p}}}", public) for p in ("curated", "theirs", "mine")],
    *[Endpoint("get", f"/api/v1/marketplaces/{{{p}}}/history", history) for p in ("curated", "theirs", "mine")],
    Endpoint(
        "post",
        "/api/v1/marketplaces",
        creates,
        "write",
        {"slug": "new-market", "fields": {"name": {"value": "New", "source_url": POLICY}}},
    ),
    *[
        Endpoint("put", f"/api/v1/marketplaces/{{{p}}}", changes(p), "write", CHANGE)
        for p in ("curated", "theirs", "mine")
    ],
]


def state() -> dict[str, Any]:
    return {
        "profiles": list(MarketplaceProfile.objects.order_by("pk").values()),
        "versions": ProfileVersion.objects.count(),
        "figures": MeasuredFigures.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def build_world(principal: Principal) -> tuple[Client, dict[str, str]]:
    kind = principal.kind or OrganisationKind.RIGHT_HOLDER
    acting = member(kind, principal.role or Role.ADMIN)
    operators = OrganisationFactory(kind=OrganisationKind.OPERATOR)
    curated(operators, slug="curated-bazaar", countries=["CN"])
    other = OrganisationFactory(kind=OrganisationKind.MARKETPLACE, slug="other-market", name="Other Market")
    own(other, countries=["CN"])
    ids = {"curated": "curated-bazaar", "theirs": "other-market", "mine": "other-market"}
    if kind == OrganisationKind.MARKETPLACE:
        ids["mine"] = own(acting.organisation).slug
    return client_for(principal, acting), ids


@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.label)
def test_every_directory_endpoint_answers_the_principal_as_designed(principal: Principal) -> None:
    client, ids = build_world(principal)

    calls = call_each(client, ENDPOINTS, ids, snapshot=state)

    assert calls.answers == expected_answers(principal, ENDPOINTS)
    assert calls.uncoded == []


def test_the_world_holds_what_the_matrix_relies_on() -> None:
    _client, ids = build_world(Principal("marketplace-admin", "marketplace", Role.ADMIN))

    mine = MarketplaceProfile.objects.get(slug=ids["mine"])
    theirs = MarketplaceProfile.objects.get(slug=ids["theirs"])
    assert MarketplaceProfile.objects.get(slug=ids["curated"]).organisation is None
    assert mine.organisation is not None
    assert theirs.organisation is not None
    assert mine.organisation != theirs.organisation
    assert len({e.label for e in ENDPOINTS}) == len(ENDPOINTS)
