"""Every directory endpoint against every organisation kind and role, API keys of the directory's scopes (and of
none of them) and anonymous callers.

The world: a profile curated by operators for a marketplace not on IPBridge, the profile of another marketplace on
IPBridge, and — when the acting organisation is a marketplace — its own profile. Each call runs in a savepoint
rolled back after it, so each meets the world as built; a refusal carries an error code and changes nothing:
profiles, versions, figures, audit rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.http.response import HttpResponseBase
from django.test import Client

from ipbridge.accounts.models import AuditEvent, OrganisationKind, Role
from ipbridge.accounts.scopes import ALL_SCOPES, ROLE_SCOPES
from ipbridge.marketplaces.models import MarketplaceProfile, MeasuredFigures, ProfileVersion
from tests.factories import OrganisationFactory, api_key, member, verified_client
from tests.marketplaces.factories import POLICY, curated, own

pytestmark = pytest.mark.django_db

NO_DIRECTORY_SCOPES = tuple(s for s in ALL_SCOPES if not s.startswith("marketplaces:"))
EDITORS = ("marketplace", "operator")


@dataclass(frozen=True)
class Principal:
    label: str
    kind: str = ""
    role: str | None = None
    key_scopes: tuple[str, ...] | None = None

    @property
    def anonymous(self) -> bool:
        return not self.kind

    @property
    def person(self) -> bool:
        return self.role is not None

    def has(self, scope: str) -> bool:
        if self.key_scopes is not None:
            return scope in self.key_scopes
        return self.role is not None and scope in ROLE_SCOPES[self.role]


PRINCIPALS = (
    [Principal(f"{kind}-{role}", kind, role) for kind in OrganisationKind.values for role in Role.values]
    + [
        Principal(f"{kind}-key-{name}", kind, key_scopes=tuple(scopes))
        for kind in ("marketplace", "operator", "right_holder")
        for name, scopes in (
            ("all", ALL_SCOPES),
            ("read", ("marketplaces:read",)),
            ("write", ("marketplaces:write",)),
            ("none", NO_DIRECTORY_SCOPES),
        )
    ]
    + [Principal("anonymous")]
)


def public(p: Principal) -> int:
    return 200


def history(p: Principal) -> int:
    if p.anonymous:
        return 401
    return 200 if p.has("marketplaces:read") else 403


def _writer(p: Principal) -> int | None:
    """The refusal every write starts with, or None when the principal may go on."""
    if p.anonymous:
        return 401
    if not p.has("marketplaces:write") or p.kind not in EDITORS:
        return 403
    return None


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


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    expect: Callable[[Principal], int]
    body: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


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
        {"slug": "new-market", "fields": {"name": {"value": "New", "source_url": POLICY}}},
    ),
    *[Endpoint("put", f"/api/v1/marketplaces/{{{p}}}", changes(p), CHANGE) for p in ("curated", "theirs", "mine")],
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
    if principal.anonymous:
        return Client(), ids
    if principal.key_scopes is not None:
        return Client(HTTP_AUTHORIZATION=f"Bearer {api_key(acting.organisation, list(principal.key_scopes))}"), ids
    return verified_client(acting.user), ids


def _answer(client: Client, endpoint: Endpoint, ids: dict[str, str]) -> HttpResponseBase:
    path = endpoint.path.format(**ids)
    call = getattr(client, endpoint.method)
    if endpoint.body is not None:
        return call(path, endpoint.body, content_type="application/json")
    return call(path)


@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.label)
def test_every_directory_endpoint_answers_the_principal_as_designed(principal: Principal) -> None:
    client, ids = build_world(principal)
    answers: dict[str, tuple[int, bool]] = {}
    uncoded: list[str] = []

    for endpoint in ENDPOINTS:
        with transaction.atomic():
            before = state()
            response = _answer(client, endpoint, ids)
            answers[endpoint.label] = (response.status_code, state() != before)
            if response.status_code >= 400 and not response.json().get("error", {}).get("code"):
                uncoded.append(endpoint.label)
            transaction.set_rollback(True)

    expected = {}
    for endpoint in ENDPOINTS:
        status = endpoint.expect(principal)
        expected[endpoint.label] = (status, status in (200, 201) and endpoint.method in ("post", "put"))
    assert answers == expected
    assert uncoded == []


def test_the_world_holds_what_the_matrix_relies_on() -> None:
    _client, ids = build_world(Principal("marketplace-admin", "marketplace", Role.ADMIN))

    mine = MarketplaceProfile.objects.get(slug=ids["mine"])
    theirs = MarketplaceProfile.objects.get(slug=ids["theirs"])
    assert MarketplaceProfile.objects.get(slug=ids["curated"]).organisation is None
    assert mine.organisation is not None
    assert theirs.organisation is not None
    assert mine.organisation != theirs.organisation
    assert len({e.label for e in ENDPOINTS}) == len(ENDPOINTS)
