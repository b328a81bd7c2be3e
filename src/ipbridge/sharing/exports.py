"""The daily export of a marketplace: everything it is entitled to see — the newest version of each guide addressed
to it and every authorised seller listed on it — as one JSON document or one CSV file, for its own systems to load
each day. Each guide and each right holder's list in it is recorded as read."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import Organisation, OrganisationKind
from ipbridge.sharing import selectors
from ipbridge.sharing.models import AuthorisedSeller, Guide, GuideVersion, ReadSubject
from ipbridge.sharing.presenters import content_out, organisation_out, seller_out
from ipbridge.sharing.readlog import read_row, reads_write

FORMAT = "ipbridge-sharing-export/1"
FORMATS = ("json", "csv")
CSV_COLUMNS = (
    "record",
    "holder",
    "holder_name",
    "brand",
    "rights",
    "guide_id",
    "version",
    "published_at",
    "title",
    "products",
    "genuine_features",
    "counterfeit_features",
    "packaging",
    "serial_schemes",
    "reference_prices",
    "images",
    "seller_id",
    "marketplace",
    "shop_id",
    "shop_name",
    "relation",
    "valid_from",
    "valid_until",
    "state",
)
# Joins the entries of a list in one CSV cell.
SEPARATOR = " | "
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Export:
    marketplace: Organisation
    generated_at: datetime
    guides: list[tuple[Guide, GuideVersion]]
    sellers: list[AuthorisedSeller]

    def file_name(self, extension: str) -> str:
        return f"ipbridge-sharing-{self.marketplace.slug}-{self.generated_at:%Y-%m-%d}.{extension}"


def export_build(*, actor: Actor) -> Export:
    """What the actor's marketplace is entitled to see now; recorded as read, one row per guide and per right
    holder's list."""
    actor.require("sharing:read")
    actor.require_kind(OrganisationKind.MARKETPLACE)
    marketplace = actor.organisation
    guides = []
    for guide in selectors.guides_addressed(marketplace=marketplace):
        version = selectors.guide_current(guide)
        if version is not None:
            guides.append((guide, version))
    sellers = list(selectors.sellers_listed_on(marketplace=marketplace))
    reads = [
        read_row(actor, holder_id=guide.holder_id, subject=ReadSubject.EXPORT, guide=guide, version=version.number)
        for guide, version in guides
    ]
    reads += [
        read_row(actor, holder_id=holder, subject=ReadSubject.EXPORT, details={"authorised_sellers": True})
        for holder in sorted({seller.holder_id for seller in sellers})
    ]
    reads_write(reads)
    return Export(marketplace, timezone.now(), guides, sellers)


def _guide_entry(guide: Guide, version: GuideVersion) -> dict[str, Any]:
    return {
        "id": guide.pk,
        "holder": organisation_out(guide.holder),
        "version": version.number,
        "published_at": version.published_at,
        **content_out(guide.pk, version.content),
    }


def export_document(export: Export) -> dict[str, Any]:
    """The JSON document."""
    return {
        "format": FORMAT,
        "marketplace": organisation_out(export.marketplace),
        "generated_at": export.generated_at,
        "guides": [_guide_entry(guide, version) for guide, version in export.guides],
        "authorised_sellers": [seller_out(seller) for seller in export.sellers],
    }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return SEPARATOR.join(_text(v) for v in value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _cell(value: Any) -> str:
    """The value as a cell; one a spreadsheet would take for a formula is written as text (OWASP CSV injection),
    since right holders write what marketplaces open."""
    text = _text(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def _csv_rows(export: Export) -> Iterator[dict[str, Any]]:
    for guide, version in export.guides:
        entry = _guide_entry(guide, version)
        rights = [f"{r['office']} {r['number']}" for r in entry["rights"]]
        yield {
            "record": "guide",
            "holder": guide.holder.slug,
            "holder_name": guide.holder.name,
            "brand": sorted({str(r["mark"]) for r in entry["rights"]}),
            "rights": rights,
            "guide_id": guide.pk,
            "version": version.number,
            "published_at": version.published_at,
            "title": entry["title"],
            "products": entry["products"],
            "genuine_features": entry["genuine_features"],
            "counterfeit_features": entry["counterfeit_features"],
            "packaging": entry["packaging"],
            "serial_schemes": entry["serial_schemes"],
            "reference_prices": [f"{p['product']}: {p['display']}" for p in entry["reference_prices"]],
            "images": [image["url"] for image in entry["images"]],
        }
    for seller in export.sellers:
        out = seller_out(seller)
        yield {
            "record": "authorised_seller",
            "holder": seller.holder.slug,
            "holder_name": seller.holder.name,
            "brand": seller.brand,
            "rights": out["right"],
            **{name: out[name] for name in ("marketplace", "shop_id", "shop_name", "relation")},
            "seller_id": seller.pk,
            "valid_from": seller.valid_from,
            "valid_until": seller.valid_until,
            "state": out["state"],
        }


def export_csv_lines(export: Export) -> Iterator[str]:
    """The CSV file, a line at a time: one row per guide and per authorised seller, lists joined by " | "."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")

    def flushed() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writeheader()
    yield "\ufeff" + flushed()
    for row in _csv_rows(export):
        writer.writerow({name: _cell(row.get(name)) for name in CSV_COLUMNS})
        yield flushed()
