"""The ``sharing.updated`` webhook event: a marketplace's systems hear when a guide addressed to it is published or
an authorised seller on it changes — and no other marketplace does. The payload names the thing, never its
content."""

from __future__ import annotations

import io
from typing import Any

import pytest

from ipbridge.accounts.models import Organisation
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.api import api
from ipbridge.notices import webhooks
from ipbridge.notices.models import WebhookDelivery
from ipbridge.sharing import imports, sellers
from tests.sharing.factories import guide_published, seller_listed, sharing_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_hooks(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_HTTP_LOCALHOST = True


def _endpoint(organisation: Organisation, events: list[str]) -> Any:
    endpoint, _secret = webhooks.webhook_endpoint_create(
        actor=actor_for_system(organisation), url=f"http://127.0.0.1:9/{organisation.slug}", events=events
    )
    return endpoint


def _shared(organisation: Organisation) -> list[dict[str, Any]]:
    return [
        {**d.payload["shared"], "event": d.event}
        for d in WebhookDelivery.objects.filter(endpoint__organisation=organisation).order_by("id")
    ]


def test_a_guide_published_to_named_marketplaces_is_told_to_them_only() -> None:
    world = sharing_world()
    _endpoint(world.megamart.organisation, ["sharing.updated"])
    _endpoint(world.bazaar.organisation, ["*"])

    guide = guide_published(world.organisation, audience_marketplaces=["little-bazaar"])

    assert _shared(world.bazaar.organisation) == [
        {
            "event": "sharing.updated",
            "kind": "guide",
            "change": "published",
            "id": guide.pk,
            "version": 1,
            "holder": "aurora",
            "marketplace": None,
            "shop_id": None,
        }
    ]
    assert _shared(world.megamart.organisation) == []
    [delivery] = WebhookDelivery.objects.filter(endpoint__organisation=world.bazaar.organisation)
    assert set(delivery.payload) == {"id", "event", "created_at", "shared"}


def test_a_guide_for_every_verified_marketplace_reaches_the_verified_ones_subscribed() -> None:
    world = sharing_world()
    _endpoint(world.megamart.organisation, ["sharing.updated"])
    _endpoint(world.bazaar.organisation, ["sharing.updated"])  # not verified: not in "every verified marketplace"
    subscribed_elsewhere = _endpoint(world.megamart.organisation, ["case.decided"])

    guide_published(world.organisation, audience_all_marketplaces=True)

    assert [s["kind"] for s in _shared(world.megamart.organisation)] == ["guide"]
    assert _shared(world.bazaar.organisation) == []
    assert not WebhookDelivery.objects.filter(endpoint=subscribed_elsewhere).exists()


def test_each_change_of_an_authorised_seller_is_told_to_its_marketplace() -> None:
    world = sharing_world()
    _endpoint(world.megamart.organisation, ["sharing.updated"])
    holder = actor_for_system(world.organisation)

    seller = seller_listed(world.organisation, world.megamart.organisation, shop_id="mm-5120")
    sellers.seller_update(actor=holder, seller_id=seller.pk, changes={"shop_name": "Glow Cosmetics Outlet"})
    sellers.seller_end(actor=holder, seller_id=seller.pk)
    sellers.seller_delete(actor=holder, seller_id=seller.pk)
    seller_listed(
        world.organisation, None, marketplace_name="Shop Elsewhere", marketplace_url="https://elsewhere.example"
    )

    assert [(s["change"], s["id"], s["marketplace"], s["shop_id"]) for s in _shared(world.megamart.organisation)] == [
        ("added", seller.pk, "megamart", "mm-5120"),
        ("changed", seller.pk, "megamart", "mm-5120"),
        ("ended", seller.pk, "megamart", "mm-5120"),
        ("removed", seller.pk, "megamart", "mm-5120"),
    ]


def test_an_import_is_told_once_to_each_marketplace_it_changed() -> None:
    world = sharing_world()
    _endpoint(world.megamart.organisation, ["sharing.updated"])
    _endpoint(world.bazaar.organisation, ["sharing.updated"])
    csv = (
        "brand,marketplace,shop_id,shop_name,relation\n"
        "AURORA,megamart,mm-1,One,own_shop\n"
        "AURORA,megamart,mm-2,Two,licensee\n"
        "AURORA,little-bazaar,lb-1,Three,reseller\n"
    )

    imports.sellers_import(actor=actor_for_system(world.organisation), upload=io.BytesIO(csv.encode()))

    for organisation, slug in ((world.megamart.organisation, "megamart"), (world.bazaar.organisation, "little-bazaar")):
        assert [(s["change"], s["marketplace"], s["id"]) for s in _shared(organisation)] == [("imported", slug, None)]


def test_the_openapi_document_describes_what_is_posted_for_sharing_updated() -> None:
    schema = api.get_openapi_schema()
    callbacks = schema["paths"]["/api/v1/webhooks/endpoints"]["post"]["callbacks"]

    body = callbacks["sharing.updated"]["{$request.body#/url}"]["post"]["requestBody"]["content"]["application/json"]
    properties = body["schema"]["properties"]
    assert properties["event"]["const"] == "sharing.updated"
    assert set(properties["shared"]["properties"]) == {
        "kind",
        "change",
        "id",
        "version",
        "holder",
        "marketplace",
        "shop_id",
    }
    assert "case" not in properties
