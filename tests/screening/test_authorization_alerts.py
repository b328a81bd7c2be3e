"""Every alert endpoint against every organisation kind and role, API keys with and without the screening scopes,
and anonymous callers.

The acting organisation plays its part in the world: a marketplace is MegaMart, whose alert names Aurora's mark; a
right holder is Aurora; an agent holds Aurora's mandate to send notices for that mark on every marketplace; an
operator sees every alert; otherwise it is a bystander. Little Bazaar's alert naming Aurora's mark is not shared
(Little Bazaar keeps its alerts to itself) and its alert naming a rival's mark is shared with the rival only: both
are seen by operators alone. Each call is checked for its answer and for what it changed: nothing on a refusal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.http.response import HttpResponseBase
from django.test import Client

from ipbridge.accounts.models import AuditEvent, Organisation, OrganisationKind, Role
from ipbridge.accounts.scopes import ALL_SCOPES, ROLE_SCOPES
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import NotFound
from ipbridge.screening import alerts_selectors as selectors
from ipbridge.screening.models import Alert, RiskKeyword, ScreeningSettings
from tests.factories import OrganisationFactory, api_key, member, verified_client
from tests.identity.factories import held, mandate_given
from tests.rights.factories import right
from tests.screening.alert_factories import alert_for, keyword, mark_flag, sharing_set
from tests.screening.factories import aurora_right

pytestmark = pytest.mark.django_db

ALERTS = ("own", "unshared", "foreign")
NO_SCREENING_SCOPES = tuple(s for s in ALL_SCOPES if not s.startswith("screening:"))
HOLDER = OrganisationKind.RIGHT_HOLDER
MARKETPLACE = OrganisationKind.MARKETPLACE
AGENT = OrganisationKind.AGENT
OPERATOR = OrganisationKind.OPERATOR


@dataclass(frozen=True)
class Principal:
    label: str
    kind: str = ""
    role: str | None = None
    key_scopes: tuple[str, ...] | None = None

    @property
    def anonymous(self) -> bool:
        return not self.kind

    def has(self, scope: str) -> bool:
        if self.key_scopes is not None:
            return scope in self.key_scopes
        return self.role is not None and scope in ROLE_SCOPES[self.role]


PRINCIPALS = (
    [Principal(f"{kind}-{role}", kind, role) for kind in OrganisationKind.values for role in Role.values]
    + [
        Principal(f"{kind}-key-{name}", kind, key_scopes=tuple(scopes))
        for kind in (HOLDER, MARKETPLACE, AGENT, OPERATOR, "merchant")
        for name, scopes in (
            ("all", ALL_SCOPES),
            ("read", ("screening:read",)),
            ("write", ("screening:write",)),
            ("read-write", ("screening:read", "screening:write")),
            ("none", NO_SCREENING_SCOPES),
        )
    ]
    + [Principal("anonymous")]
)


def sees(p: Principal, alert: str) -> bool:
    if p.kind == OPERATOR:
        return True
    return alert == "own" and p.kind in (MARKETPLACE, HOLDER, AGENT)


def _base(p: Principal, scope: str) -> int | None:
    if p.anonymous:
        return 401
    if not p.has(scope):
        return 403
    return None


def lists(p: Principal) -> int:
    return _base(p, "screening:read") or 200


def reads(alert: str) -> Callable[[Principal], int]:
    def expect(p: Principal) -> int:
        return _base(p, "screening:read") or (200 if sees(p, alert) else 404)

    return expect


def triages(alert: str) -> Callable[[Principal], int]:
    """Only the alert's marketplace; other kinds are refused whatever the alert, other marketplaces do not see it."""

    def expect(p: Principal) -> int:
        refused = _base(p, "screening:write") or (403 if p.kind != MARKETPLACE else None)
        refused = refused or _base(p, "screening:read")
        if refused:
            return refused
        return 200 if sees(p, alert) else 404

    return expect


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    expect: Callable[[Principal], int]
    changes: str = "nothing"
    body: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


API = "/api/v1/screening/alerts"
FILTERED = "?status=open&level=alert&detector=mark&brand=AURORA&min_score=0.5"

ENDPOINTS = [
    Endpoint("get", API, lists),
    Endpoint("get", f"{API}{FILTERED}", lists),
    *[Endpoint("get", f"{API}/{{{a}}}", reads(a)) for a in ALERTS],
    *[
        Endpoint("post", f"{API}/{{{a}}}/confirm", triages(a), "write", {"measure": "delete", "note": "Taken down."})
        for a in ALERTS
    ],
    *[Endpoint("post", f"{API}/{{{a}}}/dismiss", triages(a), "write", {"reason": "authorised"}) for a in ALERTS],
]


def state() -> dict[str, Any]:
    return {
        "alerts": sorted(
            Alert.objects.values_list("pk", "status", "outcome", "measure", "dismiss_reason", "note", "notice_id")
        ),
        "keywords": sorted(RiskKeyword.objects.values_list("pk", "tuned_weight", "confirmed", "dismissed")),
        "settings": sorted(
            ScreeningSettings.objects.values_list("pk", "catalogue_version", "share_with_right_holders")
        ),
        "audit": AuditEvent.objects.count(),
    }


def _organisation(kind: str, slug: str) -> Organisation:
    return OrganisationFactory(kind=kind, slug=slug, name=slug.title(), verification_status="verified")


def build_world(principal: Principal) -> tuple[Client, dict[str, Any]]:
    kind = principal.kind or HOLDER
    names = {HOLDER: {"slug": "aurora", "name": "Aurora"}, MARKETPLACE: {"slug": "megamart", "name": "MegaMart"}}
    acting = member(kind, principal.role or Role.ADMIN, verification_status="verified", **names.get(kind, {}))
    own = acting.organisation
    holder = own if kind == HOLDER else _organisation(HOLDER, "aurora")
    held(holder, aurora_right())
    if kind == AGENT:
        mandate_given(holder, own, [aurora_right()])
    megamart = own if kind == MARKETPLACE else _organisation(MARKETPLACE, "megamart")
    bazaar = _organisation(MARKETPLACE, "little-bazaar")
    rival = _organisation(HOLDER, "rival")
    rival_right = right(number="018000002", mark="RIVAL")
    held(rival, rival_right)
    keyword(megamart, "高仿", 0.4)
    keyword(bazaar, "高仿", 0.4)

    alerts = {
        "own": alert_for(megamart, holder=holder),
        "unshared": alert_for(bazaar, holder=holder),
        "foreign": alert_for(bazaar, flags=[mark_flag(rival_right, [rival], matched="RIVAL")], title="RIVAL shoes"),
    }
    sharing_set(bazaar, False)
    ids: dict[str, Any] = {name: alert.pk for name, alert in alerts.items()}
    ids["own_org"] = own
    if principal.anonymous:
        return Client(), ids
    if principal.key_scopes is not None:
        return Client(HTTP_AUTHORIZATION=f"Bearer {api_key(own, list(principal.key_scopes))}"), ids
    return verified_client(acting.user), ids


def _answer(client: Client, endpoint: Endpoint, ids: dict[str, Any]) -> HttpResponseBase:
    path = endpoint.path.format(**ids)
    call = getattr(client, endpoint.method)
    if endpoint.body is not None:
        return call(path, endpoint.body, content_type="application/json")
    return call(path)


@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.label)
def test_every_alert_endpoint_answers_the_principal_as_designed(principal: Principal) -> None:
    """One world per principal; each endpoint is called in a savepoint rolled back after it, so each meets the
    world as built. A refusal carries an error code and changes nothing; a list shows only what may be seen."""
    client, ids = build_world(principal)
    answers: dict[str, tuple[int, str]] = {}
    uncoded: list[str] = []
    listed: list[int] = []

    for endpoint in ENDPOINTS:
        with transaction.atomic():
            before = state()
            response = _answer(client, endpoint, ids)
            answers[endpoint.label] = (response.status_code, "write" if state() != before else "nothing")
            if response.status_code >= 400 and not response.json().get("error", {}).get("code"):
                uncoded.append(endpoint.label)
            if endpoint.path == API and response.status_code == 200:
                listed = [item["id"] for item in response.json()["items"]]
            transaction.set_rollback(True)

    expected = {}
    for endpoint in ENDPOINTS:
        status = endpoint.expect(principal)
        expected[endpoint.label] = (status, endpoint.changes if status < 400 else "nothing")
    assert answers == expected
    assert uncoded == []
    if expected[f"GET {API}"][0] == 200:
        assert sorted(listed) == sorted(ids[a] for a in ALERTS if sees(principal, a))


@pytest.mark.parametrize("kind", OrganisationKind.values)
def test_the_world_holds_what_the_matrix_relies_on(kind: str) -> None:
    """The refusals above are refusals of access, not of a missing alert: each alert exists, and the acting
    organisation sees exactly those ``sees`` says."""
    principal = Principal(f"{kind}-admin", kind, Role.ADMIN)
    _client, ids = build_world(principal)
    actor = actor_for_system(ids["own_org"])

    assert len({endpoint.label for endpoint in ENDPOINTS}) == len(ENDPOINTS)
    assert Alert.objects.filter(pk__in=[ids[a] for a in ALERTS]).count() == len(ALERTS)
    for alert in ALERTS:
        if sees(principal, alert):
            assert selectors.access_alert(actor=actor, alert_id=ids[alert]).pk == ids[alert]
        else:
            with pytest.raises(NotFound):
                selectors.access_alert(actor=actor, alert_id=ids[alert])
