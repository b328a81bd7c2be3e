"""Every alert endpoint against every organisation kind and role, API keys with and without the screening scopes,
and anonymous callers.

The acting organisation plays its part in the world: a marketplace is MegaMart, whose alert names Aurora's mark; a
right holder is Aurora; an agent holds Aurora's mandate to send notices for that mark on every marketplace; an
operator sees every alert; otherwise it is a bystander. Little Bazaar's alert naming Aurora's mark is not shared
(Little Bazaar keeps its alerts to itself) and its alert naming a rival's mark is shared with the rival only: both
are seen by operators alone. Each call is checked for its answer and for what it changed: nothing on a refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ipbridge.accounts.models import AuditEvent, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import NotFound
from ipbridge.screening import alerts_selectors as selectors
from ipbridge.screening.models import Alert, RiskKeyword, ScreeningSettings
from tests.authorization import (
    Endpoint,
    Principal,
    app_keys,
    call_each,
    client_for,
    expected_answers,
    needs,
    other_organisation,
    principals,
    refusal,
)
from tests.factories import member
from tests.identity.factories import held, mandate_given
from tests.rights.factories import right
from tests.screening.alert_factories import alert_for, keyword, mark_flag, sharing_set
from tests.screening.factories import aurora_right

pytestmark = pytest.mark.django_db

ALERTS = ("own", "unshared", "foreign")
HOLDER = OrganisationKind.RIGHT_HOLDER
MARKETPLACE = OrganisationKind.MARKETPLACE
AGENT = OrganisationKind.AGENT
OPERATOR = OrganisationKind.OPERATOR

PRINCIPALS = principals(
    key_kinds=(HOLDER, MARKETPLACE, AGENT, OPERATOR, "merchant"), keys=app_keys("screening", read_write=True)
)


def sees(p: Principal, alert: str) -> bool:
    if p.kind == OPERATOR:
        return True
    return alert == "own" and p.kind in (MARKETPLACE, HOLDER, AGENT)


lists = needs("screening:read", then=200)


def reads(alert: str) -> Callable[[Principal], int]:
    def expect(p: Principal) -> int:
        return refusal(p, "screening:read") or (200 if sees(p, alert) else 404)

    return expect


def triages(alert: str) -> Callable[[Principal], int]:
    """Only the alert's marketplace; other kinds are refused whatever the alert, other marketplaces do not see it."""

    def expect(p: Principal) -> int:
        refused = refusal(p, "screening:write") or (403 if p.kind != MARKETPLACE else None)
        refused = refused or refusal(p, "screening:read")
        if refused:
            return refused
        return 200 if sees(p, alert) else 404

    return expect


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


def build_world(principal: Principal) -> tuple[Client, dict[str, Any]]:
    kind = principal.kind or HOLDER
    names = {HOLDER: {"slug": "aurora", "name": "Aurora"}, MARKETPLACE: {"slug": "megamart", "name": "MegaMart"}}
    acting = member(kind, principal.role or Role.ADMIN, verification_status="verified", **names.get(kind, {}))
    own = acting.organisation
    holder = own if kind == HOLDER else other_organisation(HOLDER, "aurora")
    held(holder, aurora_right())
    if kind == AGENT:
        mandate_given(holder, own, [aurora_right()])
    megamart = own if kind == MARKETPLACE else other_organisation(MARKETPLACE, "megamart")
    bazaar = other_organisation(MARKETPLACE, "little-bazaar")
    rival = other_organisation(HOLDER, "rival")
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
    return client_for(principal, acting), ids


@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.label)
def test_every_alert_endpoint_answers_the_principal_as_designed(principal: Principal) -> None:
    """One world per principal; each endpoint is called in a savepoint rolled back after it, so each meets the
    world as built. A refusal carries an error code and changes nothing; a list shows only what may be seen."""
    client, ids = build_world(principal)

    calls = call_each(client, ENDPOINTS, ids, snapshot=state)

    expected = expected_answers(principal, ENDPOINTS)
    assert calls.answers == expected
    assert calls.uncoded == []
    if expected[f"GET {API}"][0] == 200:
        listed = [item["id"] for item in calls.responses[f"GET {API}"].json()["items"]]
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
