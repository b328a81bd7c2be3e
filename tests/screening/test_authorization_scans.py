"""Every endpoint and page action of batch scans and screening settings against every organisation kind and role,
API keys with and without the screening scopes, and anonymous callers.

The acting organisation plays its part in the world: a marketplace is MegaMart, which sent a scan and keeps its own
settings, a risk keyword and a producer of a geographical indication; Little Bazaar, another marketplace, has the
same of its own. Marketplaces scan and read their own scans (``screening:write``, ``screening:read``); operators read
every scan; everyone else is refused. Another marketplace's scan, keyword or producer is not found. Each call is
checked for its answer and for what it changed: nothing on a refusal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ipbridge.accounts.models import AuditEvent, Organisation, OrganisationKind, Role
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
from tests.screening.factories import holder_member, listing, scanned

pytestmark = pytest.mark.django_db

MARKETPLACE = OrganisationKind.MARKETPLACE
OPERATOR = OrganisationKind.OPERATOR

PRINCIPALS = principals(
    key_kinds=(MARKETPLACE, OPERATOR, "right_holder", "authority", "merchant"), keys=app_keys("screening")
)


def scan_reads(own: bool) -> Callable[[Principal], int]:
    """Marketplaces read their own scans, operators every scan."""

    def expect(p: Principal) -> int:
        refused = refusal(p, "screening:read")
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
    return needs(*scopes, kinds=(MARKETPLACE,), then=success if own else 404)


API = "/api/v1/screening"
READ, WRITE = "screening:read", "screening:write"

ENDPOINTS = [
    Endpoint("get", f"{API}/scans", scan_reads(own=True)),
    Endpoint(
        "post",
        f"{API}/scan",
        marketplace_only(200, WRITE),
        changes="write",
        body=lambda ids: {"items": [listing(id="new")]},
    ),
    Endpoint(
        "post",
        f"{API}/scans",
        marketplace_only(202, WRITE),
        changes="write",
        form=lambda ids: {"file": SimpleUploadedFile("a.jsonl", b'{"id": "n", "title": "AURORA replica"}\n')},
    ),
    Endpoint("get", f"{API}/scans/{{scan}}", scan_reads(own=True)),
    Endpoint("get", f"{API}/scans/{{foreign_scan}}", scan_reads(own=False)),
    Endpoint("get", f"{API}/scans/{{scan}}/items", scan_reads(own=True)),
    Endpoint("get", f"{API}/scans/{{foreign_scan}}/items?min_score=0.1", scan_reads(own=False)),
    Endpoint("get", f"{API}/settings", marketplace_only(200, READ)),
    Endpoint(
        "put",
        f"{API}/settings",
        marketplace_only(200, WRITE),
        changes="write",
        body=lambda ids: {"alert_threshold": 0.4},
    ),
    Endpoint("get", f"{API}/keywords", marketplace_only(200, READ)),
    Endpoint(
        "post",
        f"{API}/keywords",
        marketplace_only(201, WRITE),
        changes="write",
        body=lambda ids: {"term": "贴牌货", "weight": 0.5},
    ),
    Endpoint(
        "patch",
        f"{API}/keywords/{{keyword}}",
        marketplace_only(200, WRITE, READ),
        changes="write",
        body=lambda ids: {"weight": 0.9},
    ),
    Endpoint(
        "patch",
        f"{API}/keywords/{{foreign_keyword}}",
        marketplace_only(200, WRITE, READ, own=False),
        changes="write",
        body=lambda ids: {"weight": 0.9},
    ),
    Endpoint("delete", f"{API}/keywords/{{keyword}}", marketplace_only(204, WRITE, READ), changes="write"),
    Endpoint(
        "delete", f"{API}/keywords/{{foreign_keyword}}", marketplace_only(204, WRITE, READ, own=False), changes="write"
    ),
    Endpoint("get", f"{API}/geographical-indications", marketplace_only(200, READ)),
    Endpoint("get", f"{API}/gi-producers", marketplace_only(200, READ)),
    Endpoint(
        "post",
        f"{API}/gi-producers",
        marketplace_only(201, WRITE),
        changes="write",
        body=lambda ids: {"indication": ids["indication"], "shop_id": "new-shop"},
    ),
    Endpoint("delete", f"{API}/gi-producers/{{producer}}", marketplace_only(204, WRITE, READ), changes="write"),
    Endpoint(
        "delete",
        f"{API}/gi-producers/{{foreign_producer}}",
        marketplace_only(204, WRITE, READ, own=False),
        changes="write",
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
    megamart = own if kind == MARKETPLACE else other_organisation(MARKETPLACE, "megamart")
    bazaar = other_organisation(MARKETPLACE, "little-bazaar")
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
    return client_for(principal, acting), ids, acting


@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.label)
def test_every_scan_and_settings_endpoint_answers_the_principal_as_designed(principal: Principal) -> None:
    """One world per principal; each endpoint is called in a savepoint rolled back after it, so each meets the
    world as built. A refusal carries an error code and changes nothing."""
    client, ids, _acting = build_world(principal)

    calls = call_each(client, ENDPOINTS, ids, snapshot=state)

    assert calls.answers == expected_answers(principal, ENDPOINTS)
    assert calls.uncoded == []


# Pages -------------------------------------------------------------------------------------------------------------


def page_action(path: str, form: Callable[[dict[str, Any]], dict[str, Any]], *, own: bool = True) -> Endpoint:
    """Marketplaces' people with the screening permission; another marketplace's entry is not found. Anonymous
    visitors are sent to log in (below)."""
    return Endpoint("post", path, marketplace_only(302, WRITE, own=own), "write", form=form)


ACTIONS = [
    page_action("/screening/scans/new/", lambda ids: {"lines": '{"id": "n", "title": "AURORA replica"}'}),
    page_action("/screening/settings/thresholds/", lambda ids: {"alert_threshold": "0.4", "hold_threshold": "0.9"}),
    page_action("/screening/settings/keywords/", lambda ids: {"term": "贴牌货", "weight": "0.5"}),
    page_action("/screening/settings/keywords/{keyword}/", lambda ids: {"weight": "0.9"}),
    page_action("/screening/settings/keywords/{foreign_keyword}/", lambda ids: {"enabled": "0"}, own=False),
    page_action("/screening/settings/keywords/{keyword}/remove/", lambda ids: {}),
    page_action("/screening/settings/keywords/{foreign_keyword}/remove/", lambda ids: {}, own=False),
    page_action(
        "/screening/settings/gi-producers/", lambda ids: {"indication": ids["indication"], "shop_id": "new-shop"}
    ),
    page_action("/screening/settings/gi-producers/{producer}/remove/", lambda ids: {}),
    page_action("/screening/settings/gi-producers/{foreign_producer}/remove/", lambda ids: {}, own=False),
]


@pytest.mark.parametrize("principal", [p for p in PRINCIPALS if p.person], ids=lambda p: p.label)
def test_every_page_action_answers_the_person_as_designed_and_a_refusal_changes_nothing(principal: Principal) -> None:
    client, ids, _acting = build_world(principal)

    calls = call_each(client, ACTIONS, ids, snapshot=state)

    assert calls.answers == expected_answers(principal, ACTIONS)


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

    answers = [action.call(Client(), ids).status_code for action in ACTIONS]

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
