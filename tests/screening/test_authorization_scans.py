"""Every endpoint and page action of batch scans and screening settings against every organisation kind and role,
API keys with and without the screening scopes, and anonymous callers.

The acting organisation plays its part in the world: a marketplace is MegaMart, which sent a scan and keeps its own
settings, a risk keyword and a producer of a geographical indication; Little Bazaar, another marketplace, has the
same of its own. Marketplaces scan and read their own scans (``screening:write``, ``screening:read``); operators read
every scan; everyone else is refused. Another marketplace's scan, keyword or producer is not found. Each call is
checked for its answer and for what it changed: nothing on a refusal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http.response import HttpResponseBase
from django.test import Client

from ipbridge.accounts.models import AuditEvent, Organisation, OrganisationKind, Role
from ipbridge.accounts.scopes import ALL_SCOPES, ROLE_SCOPES
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import NotFound
from ipbridge.screening import scans_selectors, settings_selectors, settings_services
from ipbridge.screening.models import (
    Alert,
    GIProducer,
    RiskKeyword,
    Scan,
    ScanChunk,
    ScannedItem,
    ScreeningSettings,
)
from tests.factories import OrganisationFactory, api_key, member, verified_client
from tests.screening.factories import holder_member, listing, scanned

pytestmark = pytest.mark.django_db

MARKETPLACE = OrganisationKind.MARKETPLACE
OPERATOR = OrganisationKind.OPERATOR
NO_SCREENING_SCOPES = tuple(s for s in ALL_SCOPES if not s.startswith("screening:"))


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
        for kind in (MARKETPLACE, OPERATOR, "right_holder", "authority", "merchant")
        for name, scopes in (
            ("all", ALL_SCOPES),
            ("read", ("screening:read",)),
            ("write", ("screening:write",)),
            ("none", NO_SCREENING_SCOPES),
        )
    ]
    + [Principal("anonymous")]
)


def _refused(p: Principal, *scopes: str) -> int | None:
    if p.anonymous:
        return 401
    if not all(p.has(scope) for scope in scopes):
        return 403
    return None


def scan_reads(own: bool) -> Callable[[Principal], int]:
    """Marketplaces read their own scans, operators every scan."""

    def expect(p: Principal) -> int:
        refused = _refused(p, "screening:read")
        if refused:
            return refused
        if p.kind == OPERATOR:
            return 200
        if p.kind != MARKETPLACE:
            return 403
        return 200 if own else 404

    return expect


def marketplace_only(success: int, *scopes: str, own: bool = True) -> Callable[[Principal], int]:
    """The marketplace's own business; another marketplace's entry is not found."""

    def expect(p: Principal) -> int:
        refused = _refused(p, *scopes)
        if refused:
            return refused
        if p.kind != MARKETPLACE:
            return 403
        return success if own else 404

    return expect


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    expect: Callable[[Principal], int]
    changes: bool = False  # whether a success writes
    body: Callable[[dict[str, Any]], Any] | None = None
    files: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


API = "/api/v1/screening"
READ, WRITE = "screening:read", "screening:write"

ENDPOINTS = [
    Endpoint("get", f"{API}/scans", scan_reads(own=True)),
    Endpoint(
        "post",
        f"{API}/scan",
        marketplace_only(200, WRITE),
        changes=True,
        body=lambda ids: {"items": [listing(id="new")]},
    ),
    Endpoint(
        "post",
        f"{API}/scans",
        marketplace_only(202, WRITE),
        changes=True,
        files=lambda ids: {"file": SimpleUploadedFile("a.jsonl", b'{"id": "n", "title": "AURORA replica"}\n')},
    ),
    Endpoint("get", f"{API}/scans/{{scan}}", scan_reads(own=True)),
    Endpoint("get", f"{API}/scans/{{foreign_scan}}", scan_reads(own=False)),
    Endpoint("get", f"{API}/scans/{{scan}}/items", scan_reads(own=True)),
    Endpoint("get", f"{API}/scans/{{foreign_scan}}/items?min_score=0.1", scan_reads(own=False)),
    Endpoint("get", f"{API}/settings", marketplace_only(200, READ)),
    Endpoint(
        "put", f"{API}/settings", marketplace_only(200, WRITE), changes=True, body=lambda ids: {"alert_threshold": 0.4}
    ),
    Endpoint("get", f"{API}/keywords", marketplace_only(200, READ)),
    Endpoint(
        "post",
        f"{API}/keywords",
        marketplace_only(201, WRITE),
        changes=True,
        body=lambda ids: {"term": "贴牌货", "weight": 0.5},
    ),
    Endpoint(
        "patch",
        f"{API}/keywords/{{keyword}}",
        marketplace_only(200, WRITE, READ),
        changes=True,
        body=lambda ids: {"weight": 0.9},
    ),
    Endpoint(
        "patch",
        f"{API}/keywords/{{foreign_keyword}}",
        marketplace_only(200, WRITE, READ, own=False),
        changes=True,
        body=lambda ids: {"weight": 0.9},
    ),
    Endpoint("delete", f"{API}/keywords/{{keyword}}", marketplace_only(204, WRITE, READ), changes=True),
    Endpoint(
        "delete", f"{API}/keywords/{{foreign_keyword}}", marketplace_only(204, WRITE, READ, own=False), changes=True
    ),
    Endpoint("get", f"{API}/geographical-indications", marketplace_only(200, READ)),
    Endpoint("get", f"{API}/gi-producers", marketplace_only(200, READ)),
    Endpoint(
        "post",
        f"{API}/gi-producers",
        marketplace_only(201, WRITE),
        changes=True,
        body=lambda ids: {"indication": ids["indication"], "shop_id": "new-shop"},
    ),
    Endpoint("delete", f"{API}/gi-producers/{{producer}}", marketplace_only(204, WRITE, READ), changes=True),
    Endpoint(
        "delete",
        f"{API}/gi-producers/{{foreign_producer}}",
        marketplace_only(204, WRITE, READ, own=False),
        changes=True,
    ),
]


def spooled() -> list[str]:
    directory = Path(settings.MEDIA_ROOT) / "scans"
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def state() -> dict[str, Any]:
    return {
        "scans": sorted(Scan.objects.values_list("id", "status", "items_done")),
        "items": ScannedItem.objects.count(),
        "chunks": ScanChunk.objects.count(),
        "alerts": Alert.objects.count(),
        "settings": sorted(ScreeningSettings.objects.values_list("id", "alert_threshold", "catalogue_version")),
        "keywords": sorted(RiskKeyword.objects.values_list("id", "weight", "enabled")),
        "producers": sorted(GIProducer.objects.values_list("id", "shop_id")),
        "audit": AuditEvent.objects.count(),
        "files": spooled(),
    }


def _organisation(kind: str, slug: str) -> Organisation:
    return OrganisationFactory(kind=kind, slug=slug, name=slug.title(), verification_status="verified")


def _marketplace_world(marketplace: Organisation, shop: str) -> dict[str, int]:
    """A scan, a keyword of its own and a producer, all written through the services."""
    system = actor_for_system(marketplace)
    scan = scanned(marketplace, [listing()]).scan
    keyword = settings_services.risk_keyword_add(actor=system, term=f"overrun {shop}", weight=0.5)
    indication = settings_selectors.indications().first()
    assert indication is not None
    producer = settings_services.gi_producer_add(actor=system, indication=indication.name, shop_id=shop)
    return {"scan": scan.pk, "keyword": keyword.pk, "producer": producer.pk}


def build_world(principal: Principal) -> tuple[Client, dict[str, Any], Any]:
    kind = principal.kind or OrganisationKind.RIGHT_HOLDER
    names = {"slug": "megamart", "name": "MegaMart"} if kind == MARKETPLACE else {}
    if kind == OrganisationKind.RIGHT_HOLDER:
        acting = holder_member(role=principal.role or Role.ADMIN)
    else:
        holder_member()
        acting = member(kind, principal.role or Role.ADMIN, verification_status="verified", **names)
    own = acting.organisation
    megamart = own if kind == MARKETPLACE else _organisation(MARKETPLACE, "megamart")
    bazaar = _organisation(MARKETPLACE, "little-bazaar")
    mine = _marketplace_world(megamart, "tea-1")
    theirs = _marketplace_world(bazaar, "tea-2")
    ids: dict[str, Any] = {
        **mine,
        "foreign_scan": theirs["scan"],
        "foreign_keyword": theirs["keyword"],
        "foreign_producer": theirs["producer"],
        "indication": settings_selectors.indications().values_list("name", flat=True).first(),
        "own": own,
    }
    if principal.anonymous:
        return Client(), ids, acting
    if principal.key_scopes is not None:
        return Client(HTTP_AUTHORIZATION=f"Bearer {api_key(own, list(principal.key_scopes))}"), ids, acting
    return verified_client(acting.user), ids, acting


def _answer(client: Client, endpoint: Endpoint, ids: dict[str, Any]) -> HttpResponseBase:
    path = endpoint.path.format(**ids)
    call = getattr(client, endpoint.method)
    if endpoint.files is not None:
        return call(path, endpoint.files(ids))
    if endpoint.body is not None:
        return call(path, endpoint.body(ids), content_type="application/json")
    return call(path)


@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.label)
def test_every_scan_and_settings_endpoint_answers_the_principal_as_designed(principal: Principal) -> None:
    """One world per principal; each endpoint is called in a savepoint rolled back after it, so each meets the
    world as built. A refusal carries an error code and changes nothing."""
    client, ids, _acting = build_world(principal)
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
        expected[endpoint.label] = (status, endpoint.changes and status < 400)
    assert answers == expected
    assert uncoded == []


# Pages -------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    path: str
    data: Callable[[dict[str, Any]], dict[str, Any]]
    own: bool = True

    @property
    def label(self) -> str:
        return f"POST {self.path}"


ACTIONS = [
    Action("/screening/scans/new/", lambda ids: {"lines": '{"id": "n", "title": "AURORA replica"}'}),
    Action("/screening/settings/thresholds/", lambda ids: {"alert_threshold": "0.4", "hold_threshold": "0.9"}),
    Action("/screening/settings/keywords/", lambda ids: {"term": "贴牌货", "weight": "0.5"}),
    Action("/screening/settings/keywords/{keyword}/", lambda ids: {"weight": "0.9"}),
    Action("/screening/settings/keywords/{foreign_keyword}/", lambda ids: {"enabled": "0"}, own=False),
    Action("/screening/settings/keywords/{keyword}/remove/", lambda ids: {}),
    Action("/screening/settings/keywords/{foreign_keyword}/remove/", lambda ids: {}, own=False),
    Action("/screening/settings/gi-producers/", lambda ids: {"indication": ids["indication"], "shop_id": "new-shop"}),
    Action("/screening/settings/gi-producers/{producer}/remove/", lambda ids: {}),
    Action("/screening/settings/gi-producers/{foreign_producer}/remove/", lambda ids: {}, own=False),
]


def page_expect(p: Principal, action: Action) -> int:
    """Marketplaces' people with the screening permission; another marketplace's entry is not found."""
    if p.kind != MARKETPLACE:
        return 403
    if not p.has(WRITE):
        return 403
    return 302 if action.own else 404


@pytest.mark.parametrize(
    "principal", [p for p in PRINCIPALS if p.role is not None and p.key_scopes is None], ids=lambda p: p.label
)
def test_every_page_action_answers_the_person_as_designed_and_a_refusal_changes_nothing(principal: Principal) -> None:
    client, ids, _acting = build_world(principal)
    answers = {}

    for action in ACTIONS:
        with transaction.atomic():
            before = state()
            response = client.post(action.path.format(**ids), action.data(ids))
            answers[action.label] = (response.status_code, state() != before)
            transaction.set_rollback(True)

    expected = {a.label: (status, status < 400) for a in ACTIONS for status in [page_expect(principal, a)]}
    assert answers == expected


@pytest.mark.parametrize(
    "path",
    [
        "/screening/scans/",
        "/screening/scans/new/",
        "/screening/scans/1/",
        "/screening/scans/1/progress/",
        "/screening/settings/",
    ],
)
def test_pages_send_anonymous_visitors_to_login(path: str) -> None:
    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_anonymous_posts_change_nothing() -> None:
    _client, ids, _acting = build_world(Principal("anonymous"))
    before = state()

    answers = [Client().post(a.path.format(**ids), a.data(ids)).status_code for a in ACTIONS]

    assert set(answers) == {302}
    assert state() == before


@pytest.mark.parametrize("kind", [MARKETPLACE, OPERATOR])
def test_the_world_holds_what_the_matrix_relies_on(kind: str) -> None:
    """The refusals above are refusals of access, not of a missing object."""
    _client, ids, acting = build_world(Principal(f"{kind}-admin", kind, Role.ADMIN))
    actor = actor_for_system(ids["own"])

    assert len({endpoint.label for endpoint in ENDPOINTS}) == len(ENDPOINTS)
    assert scans_selectors.access_scan(actor=actor, scan_id=ids["scan"]).marketplace.slug == "megamart"
    if kind == OPERATOR:
        assert scans_selectors.access_scan(actor=actor, scan_id=ids["foreign_scan"]).marketplace.slug == "little-bazaar"
    else:
        with pytest.raises(NotFound):
            scans_selectors.access_scan(actor=actor, scan_id=ids["foreign_scan"])
        assert (
            settings_selectors.access_keyword(actor=actor, keyword_id=ids["keyword"]).marketplace == acting.organisation
        )
        with pytest.raises(NotFound):
            settings_selectors.access_keyword(actor=actor, keyword_id=ids["foreign_keyword"])
        with pytest.raises(NotFound):
            settings_selectors.access_gi_producer(actor=actor, producer_id=ids["foreign_producer"])
    assert RiskKeyword.objects.filter(pk=ids["foreign_keyword"]).exists()
    assert GIProducer.objects.filter(pk=ids["foreign_producer"]).exists()
