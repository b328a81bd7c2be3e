"""Shared information as the API answers it, the export writes it and the pages show it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import Organisation
from ipbridge.sharing import selectors
from ipbridge.sharing.currencies import amount_display
from ipbridge.sharing.models import AuthorisedSeller, Guide, ShareRead


def organisation_out(organisation: Organisation | None) -> dict[str, str] | None:
    if organisation is None:
        return None
    return {"slug": organisation.slug, "name": organisation.name}


API_PREFIX = "/api/v1"


def image_url(guide_id: int, image_id: int) -> str:
    """Where the API serves a picture of a guide (to whoever may read a version showing it)."""
    return f"{API_PREFIX}/sharing/guides/{guide_id}/images/{image_id}"


def content_out(
    guide_id: int, content: dict[str, Any], *, url: Callable[[int, int], str] = image_url
) -> dict[str, Any]:
    """A version's (or the working copy's) content, with each price written out and each picture's address (the
    API's, or the one ``url`` gives)."""
    return {
        "title": content["title"],
        "summary": content["summary"],
        "rights": content["rights"],
        "products": content["products"],
        "genuine_features": content["genuine_features"],
        "counterfeit_features": content["counterfeit_features"],
        "packaging": content["packaging"],
        "serial_schemes": content["serial_schemes"],
        "reference_prices": [
            {**price, "display": amount_display(price["amount"], price["currency"])}
            for price in content["reference_prices"]
        ],
        "images": [{**image, "url": url(guide_id, image["id"])} for image in content["images"]],
    }


def audience_out(guide: Guide) -> dict[str, Any]:
    return {
        "all_marketplaces": guide.audience_all_marketplaces,
        "marketplaces": [m.slug for m in selectors.guide_audience(guide=guide)],
        "authorities": guide.audience_authorities,
    }


def guide_title(guide: Guide, *, owned: bool) -> str:
    """The title its reader knows the guide by: the working copy's for its right holder, the newest version's
    for everyone else."""
    current = selectors.guide_current(guide)
    if owned or current is None:
        return guide.title
    return str(current.content.get("title", guide.title))


def guide_summary_out(guide: Guide, *, actor: Actor) -> dict[str, Any]:
    owned = selectors.guide_owned(actor=actor, guide=guide)
    return {
        "id": guide.pk,
        "holder": organisation_out(guide.holder),
        "title": guide_title(guide, owned=owned),
        "status": guide.status,
        "version": guide.version or None,
        "published_at": guide.published_at,
        "owned": owned,
        "unpublished_changes": guide.unpublished_changes if owned else False,
    }


def guide_out(guide: Guide, content: dict[str, Any], *, version: int | None, actor: Actor) -> dict[str, Any]:
    owned = selectors.guide_owned(actor=actor, guide=guide)
    return {
        **guide_summary_out(guide, actor=actor),
        "title": content["title"],
        "shown_version": version,
        "audience": audience_out(guide) if owned or actor.is_operator else None,
        **{k: v for k, v in content_out(guide.pk, content).items() if k != "title"},
    }


def seller_out(seller: AuthorisedSeller) -> dict[str, Any]:
    return {
        "id": seller.pk,
        "holder": organisation_out(seller.holder),
        "brand": seller.brand,
        "right": f"{seller.right.office} {seller.right.number}",
        "marketplace": seller.marketplace.slug if seller.marketplace else None,
        "marketplace_name": seller.marketplace.name if seller.marketplace else seller.marketplace_name,
        "marketplace_url": seller.marketplace_url or (seller.marketplace.website if seller.marketplace else ""),
        "shop_id": seller.shop_id,
        "shop_name": seller.shop_name,
        "relation": seller.relation,
        "valid_from": seller.valid_from,
        "valid_until": seller.valid_until,
        "state": selectors.seller_state(seller),
        "updated_at": seller.updated_at,
    }


def read_out(read: ShareRead) -> dict[str, Any]:
    return {
        "id": read.pk,
        "at": read.at,
        "reader": organisation_out(read.reader),
        "reader_kind": read.reader.kind,
        "by": read.reader_label,
        "subject": read.subject,
        "guide_id": read.guide_id,
        "guide_title": read.guide_title,
        "version": read.version,
        "image_id": read.image_id,
        "details": read.details,
    }
