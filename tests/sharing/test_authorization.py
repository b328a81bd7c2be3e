"""Every sharing endpoint against every organisation kind and role, API keys with and without the sharing scopes,
and anonymous callers.

The acting organisation plays its part in the world: a right holder writes the guides and lists the sellers; a
marketplace is MegaMart, named in one guide's audience and the marketplace of the authorised seller; an authority
is in the audience of the guide shared with authorities; an operator sees every published guide and every seller;
otherwise it is a bystander. Another right holder's guide, addressed to another marketplace, and its seller are
seen by operators only. Each call is checked for its answer and for what it changed: nothing on a refusal, only
the read log on a read by another organisation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ipbridge.accounts.models import AuditEvent, Organisation, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import NotFound
from ipbridge.sharing import selectors, services
from ipbridge.sharing.models import AuthorisedSeller, Guide, GuideImage, GuideVersion, ShareRead
from tests.authorization import (
    Endpoint,
    Principal,
    app_keys,
    call_each,
    client_for,
    expected_answers,
    files_under,
    needs,
    other_organisation,
    principals,
    refusal,
)
from tests.factories import member, verified_client
from tests.identity.factories import held
from tests.rights.factories import right
from tests.sharing.factories import (
    GUIDE_FIELDS,
    aurora_right,
    guide_published,
    guide_written,
    holder_member,
    image_added,
    png,
    seller_listed,
)

pytestmark = pytest.mark.django_db

GUIDES = ("draft", "published", "named", "foreign")
SELLERS = ("seller", "foreign_seller")
HOLDER = "right_holder"
MARKETPLACE = "marketplace"

PRINCIPALS = principals(
    key_kinds=("right_holder", "marketplace", "authority", "operator", "agent"), keys=app_keys("sharing")
)


def relation(p: Principal, item: str) -> str:
    """What the acting organisation is to a guide or a seller of the world: owner, audience (it reads it), operator,
    or none."""
    if p.kind == HOLDER and item in ("draft", "published", "named", "seller"):
        return "owner"
    if p.kind == "operator":
        return "none" if item == "draft" else "operator"
    if item == "published" and p.kind in (MARKETPLACE, "authority"):
        return "audience"
    if item in ("named", "seller") and p.kind == MARKETPLACE:
        return "audience"
    return "none"


lists = needs("sharing:read", then=200)


def creates(success: int) -> Callable[[Principal], int]:
    """Verified right holders with sharing:write."""
    return needs("sharing:write", kinds=(HOLDER,), then=success)


def reads(item: str) -> Callable[[Principal], int]:
    def expect(p: Principal) -> int:
        return refusal(p, "sharing:read") or (404 if relation(p, item) == "none" else 200)

    return expect


def manages(item: str, success: int) -> Callable[[Principal], int]:
    """Only the owner; whoever else sees the item is refused (403), whoever does not is told it is not there."""

    def expect(p: Principal) -> int:
        refused = refusal(p, "sharing:write", "sharing:read")
        if refused:
            return refused
        if p.kind != HOLDER:
            return 403  # a write is for right holders, whatever the item
        seen = relation(p, item)
        return 404 if seen == "none" else success

    return expect


checks = needs("sharing:read", kinds=(MARKETPLACE, "operator"), then=200)
exports = needs("sharing:read", kinds=(MARKETPLACE,), then=200)


def read_effect(item: str) -> Callable[[Principal], str]:
    """A read by another organisation is recorded; the owner's is not."""
    return lambda p: "nothing" if relation(p, item) == "owner" else "read"


def seller_list_effect(p: Principal) -> str:
    return "read" if p.kind in (MARKETPLACE, "operator") else "nothing"


API = "/api/v1/sharing"
CSV = "brand,marketplace,shop_id,relation\nAURORA,{megamart},imp-1,own_shop\n"

ENDPOINTS = [
    Endpoint("get", f"{API}/guides", lists),
    Endpoint(
        "post",
        f"{API}/guides",
        creates(201),
        "write",
        body=lambda ids: {**GUIDE_FIELDS, "audience_all_marketplaces": True},
    ),
    *[Endpoint("get", f"{API}/guides/{{{g}}}", reads(g), read_effect(g)) for g in GUIDES],
    *[Endpoint("get", f"{API}/guides/{{{g}}}/versions", reads(g)) for g in GUIDES],
    *[
        Endpoint("patch", f"{API}/guides/{{{g}}}", manages(g, 200), "write", body=lambda ids: {"title": "New"})
        for g in GUIDES
    ],
    Endpoint("post", f"{API}/guides/{{draft}}/publish", manages("draft", 200), "write"),
    Endpoint("post", f"{API}/guides/{{published}}/withdraw", manages("published", 200), "write"),
    Endpoint("delete", f"{API}/guides/{{draft}}", manages("draft", 204), "write"),
    Endpoint("delete", f"{API}/guides/{{foreign}}", manages("foreign", 204), "write"),
    *[
        Endpoint(
            "post",
            f"{API}/guides/{{{g}}}/images",
            manages(g, 201),
            "write",
            form=lambda ids: {"file": SimpleUploadedFile("p.png", png(5, 5)), "caption": "c"},
        )
        for g in ("draft", "foreign")
    ],
    Endpoint("get", f"{API}/guides/{{published}}/images/{{image}}", reads("published"), read_effect("published")),
    Endpoint("get", f"{API}/guides/{{foreign}}/images/{{foreign_image}}", reads("foreign"), read_effect("foreign")),
    Endpoint("delete", f"{API}/guides/{{published}}/images/{{image}}", manages("published", 204), "write"),
    Endpoint("get", f"{API}/reads", lists),
    Endpoint("get", f"{API}/reads/by-organisation", lists),
    Endpoint("get", f"{API}/authorised-sellers", lists, seller_list_effect),
    Endpoint(
        "post",
        f"{API}/authorised-sellers",
        creates(201),
        "write",
        body=lambda ids: {"brand": "AURORA", "marketplace": ids["megamart"], "shop_id": "new", "relation": "own_shop"},
    ),
    Endpoint(
        "post",
        f"{API}/authorised-sellers/import",
        creates(200),
        "write",
        form=lambda ids: {"file": SimpleUploadedFile("s.csv", CSV.format(megamart=ids["megamart"]).encode())},
    ),
    Endpoint(
        "get", f"{API}/authorised-sellers/check?brand=AURORA&shop_id=shop-1&marketplace={{megamart}}", checks, "read"
    ),
    *[Endpoint("get", f"{API}/authorised-sellers/{{{s}}}", reads(s), read_effect(s)) for s in SELLERS],
    *[
        Endpoint(
            "patch", f"{API}/authorised-sellers/{{{s}}}", manages(s, 200), "write", body=lambda ids: {"shop_name": "x"}
        )
        for s in SELLERS
    ],
    *[
        Endpoint("post", f"{API}/authorised-sellers/{{{s}}}/end", manages(s, 200), "write", body=lambda ids: {})
        for s in SELLERS
    ],
    *[Endpoint("delete", f"{API}/authorised-sellers/{{{s}}}", manages(s, 204), "write") for s in SELLERS],
    Endpoint("get", f"{API}/export", exports, "read"),
    Endpoint("get", f"{API}/export?format=csv", exports, "read"),
]


def state() -> dict[str, Any]:
    return {
        "guides": sorted(Guide.objects.values_list("id", "status", "version", "title", "unpublished_changes")),
        "versions": sorted(GuideVersion.objects.values_list("id", flat=True)),
        "images": sorted(GuideImage.objects.values_list("id", "removed_at")),
        "sellers": sorted(AuthorisedSeller.objects.values_list("id", "shop_name", "valid_until")),
        "audit": AuditEvent.objects.count(),
        "files": files_under(Path(default_storage.location)),  # type: ignore[attr-defined]
    }


def effect(before: tuple[dict[str, Any], int], after: tuple[dict[str, Any], int]) -> str:
    """A write, else a read by another organisation recorded in the read log, else nothing."""
    if after[0] != before[0]:
        return "write"
    return "read" if after[1] > before[1] else "nothing"


def snapshot() -> tuple[dict[str, Any], int]:
    return state(), ShareRead.objects.count()


def build_world(principal: Principal) -> tuple[Client, dict[str, Any]]:
    kind = principal.kind or HOLDER
    names = {"slug": "megamart", "name": "MegaMart"} if kind == MARKETPLACE else {}
    acting = member(kind, principal.role or Role.ADMIN, verification_status="verified", **names)
    own = acting.organisation
    if kind == HOLDER:
        held(own, aurora_right())
        holder = own
    else:
        holder = holder_member(slug="aurora").organisation
    megamart = own if kind == MARKETPLACE else other_organisation(MARKETPLACE, "megamart")
    bazaar = other_organisation(MARKETPLACE, "little-bazaar")
    rival = other_organisation(HOLDER, "rival")
    held(rival, right(number="018000002", mark="RIVAL"))

    draft = guide_written(holder, audience_all_marketplaces=True, audience_authorities=True)
    published = guide_written(holder, audience_all_marketplaces=True, audience_authorities=True)
    image = image_added(published, png(3, 3))
    guide_published_now(holder, published)
    named = guide_published(holder, audience_marketplaces=["megamart"])
    foreign = guide_written(rival, rights=["EM 018000002"], audience_marketplaces=["little-bazaar"])
    foreign_image = image_added(foreign, png(4, 4))
    guide_published_now(rival, foreign)
    seller = seller_listed(holder, megamart, valid_from=None)
    foreign_seller = seller_listed(rival, bazaar, brand="RIVAL", shop_id="r-1", valid_from=None)
    ids = {
        "draft": draft.pk,
        "published": published.pk,
        "named": named.pk,
        "foreign": foreign.pk,
        "image": image.pk,
        "foreign_image": foreign_image.pk,
        "seller": seller.pk,
        "foreign_seller": foreign_seller.pk,
        "megamart": megamart.slug,
        "own": own,
    }
    return client_for(principal, acting), ids


def guide_published_now(holder: Organisation, guide: Guide) -> None:
    services.guide_publish(actor=actor_for_system(holder), guide_id=guide.pk)


@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.label)
def test_every_sharing_endpoint_answers_the_principal_as_designed(principal: Principal) -> None:
    """One world per principal; each endpoint is called in a savepoint rolled back after it, so each meets the
    world as built. A refusal carries an error code and changes nothing, not even the read log."""
    client, ids = build_world(principal)

    calls = call_each(client, ENDPOINTS, ids, snapshot=snapshot, effect=effect)

    assert calls.answers == expected_answers(principal, ENDPOINTS)
    assert calls.uncoded == []


@pytest.mark.parametrize("kind", OrganisationKind.values)
def test_the_world_holds_what_the_matrix_relies_on(kind: str) -> None:
    """The refusals above are refusals of access, not of a missing object: each guide and seller exists, and the
    acting organisation is to each what ``relation`` says."""
    principal = Principal(f"{kind}-admin", kind, Role.ADMIN)
    _client, ids = build_world(principal)
    actor = actor_for_system(ids["own"])

    assert len({endpoint.label for endpoint in ENDPOINTS}) == len(ENDPOINTS)
    for item in (*GUIDES, *SELLERS):
        seen = relation(principal, item)
        access = selectors.access_guide if item in GUIDES else selectors.access_seller
        key = "guide_id" if item in GUIDES else "seller_id"
        if seen == "none":
            with pytest.raises(NotFound):
                access(actor=actor, **{key: ids[item]})  # type: ignore[operator]
        else:
            found = access(actor=actor, **{key: ids[item]})  # type: ignore[operator]
            assert (found.holder_id == actor.organisation.pk) == (seen == "owner")


# Each audience sees exactly what is addressed to it ---------------------------------------------------------------


def test_each_audience_reads_exactly_the_guides_addressed_to_it_and_a_merchant_never() -> None:
    holder = holder_member(slug="aurora").organisation
    megamart = member(MARKETPLACE, slug="megamart", verification_status="verified")
    shopzilla = member(MARKETPLACE, slug="shopzilla", verification_status="verified")
    unverified_marketplace = member(MARKETPLACE, slug="tiny-shop")
    authority = member("authority", slug="customs", verification_status="verified")
    merchant = member("merchant", slug="bright-deals", verification_status="verified")
    named = guide_published(holder, title="named", audience_marketplaces=["megamart"])
    everyone = guide_published(holder, title="all marketplaces", audience_all_marketplaces=True)
    authorities = guide_published(holder, title="authorities", audience_authorities=True)
    combined = guide_published(holder, title="combined", audience_marketplaces=["tiny-shop"], audience_authorities=True)
    guides = {"named": named, "all marketplaces": everyone, "authorities": authorities, "combined": combined}

    def seen(reader: Any) -> tuple[list[str], list[str]]:
        client = verified_client(reader.user)
        listed = sorted(g["title"] for g in client.get(f"{API}/guides").json()["items"])
        opened = sorted(title for title, g in guides.items() if client.get(f"{API}/guides/{g.pk}").status_code == 200)
        return listed, opened

    assert seen(megamart) == (["all marketplaces", "named"],) * 2
    assert seen(shopzilla) == (["all marketplaces"],) * 2
    assert seen(unverified_marketplace) == (["combined"],) * 2
    assert seen(authority) == (["authorities", "combined"],) * 2
    assert seen(merchant) == ([], [])
    assert all(verified_client(merchant.user).get(f"{API}/guides/{g.pk}").status_code == 404 for g in guides.values())
