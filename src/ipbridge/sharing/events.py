"""The webhook event of shared information: ``sharing.updated`` tells a marketplace's systems that a guide
addressed to it was published, or that an authorised seller listed on it was added, changed, ended or removed.
The payload names the thing, never its content: the receiver reads it with its API key (which records the read)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ipbridge.accounts.models import Organisation, OrganisationKind, VerificationStatus
from ipbridge.notices.webhooks import webhook_event_queue_to
from ipbridge.sharing.models import AuthorisedSeller, Guide

EVENT = "sharing.updated"


def _queue(marketplace_ids: Collection[int], shared: dict[str, Any]) -> None:
    if marketplace_ids:
        webhook_event_queue_to(organisation_ids=marketplace_ids, event=EVENT, subject={"shared": shared})


def guide_published(guide: Guide) -> None:
    """To every marketplace of the guide's audience."""
    audience = set(guide.audience_marketplaces.values_list("pk", flat=True))
    if guide.audience_all_marketplaces:
        audience |= set(
            Organisation.objects.filter(
                kind=OrganisationKind.MARKETPLACE, verification_status=VerificationStatus.VERIFIED
            ).values_list("pk", flat=True)
        )
    shared = {"kind": "guide", "change": "published", "id": guide.pk, "version": guide.version}
    _queue(audience, {**shared, "holder": guide.holder.slug, "marketplace": None, "shop_id": None})


def seller_changed(seller: AuthorisedSeller, change: str) -> None:
    """To the marketplace the seller is listed on, when it is on IPBridge."""
    if seller.marketplace_id is None:
        return
    _queue(
        {seller.marketplace_id},
        {
            "kind": "authorised_seller",
            "change": change,
            "id": seller.pk,
            "version": None,
            "holder": seller.holder.slug,
            "marketplace": seller.marketplace.slug if seller.marketplace else None,
            "shop_id": seller.shop_id,
        },
    )


def sellers_imported(*, holder: Organisation, marketplace_ids: Collection[int]) -> None:
    """One event to each marketplace whose list an import changed, rather than one a row."""
    for marketplace in Organisation.objects.filter(pk__in=set(marketplace_ids)).order_by("pk"):
        _queue(
            {marketplace.pk},
            {
                "kind": "authorised_seller",
                "change": "imported",
                "id": None,
                "version": None,
                "holder": holder.slug,
                "marketplace": marketplace.slug,
                "shop_id": None,
            },
        )
