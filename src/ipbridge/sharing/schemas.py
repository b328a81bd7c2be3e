from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from ipbridge.sharing.models import SellerRelation

RELATIONS = ", ".join(SellerRelation.values)


class OrganisationRef(Schema):
    slug: str = Field(description="Its id on IPBridge")
    name: str


class PriceIn(Schema):
    product: str = Field(max_length=200, description="The product or pack the price is for")
    amount: int = Field(ge=0, description="In the currency's minor units: 3900 EUR is 39.00 EUR, 500 JPY is 500 JPY")
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 code, e.g. EUR, CNY, USD")


class PriceOut(Schema):
    product: str
    amount: int = Field(description="In the currency's minor units")
    currency: str
    display: str = Field(description='Written out, e.g. "39.00 EUR"')


class RightRef(Schema):
    office: str
    number: str
    mark: str
    kind: str


class ImageOut(Schema):
    id: int
    caption: str
    sha256: str
    content_type: str = Field(description="image/png, image/jpeg or image/webp, as its bytes say")
    size: int
    url: str = Field(description="Where its bytes are served, to whoever may read a version showing it")


class AudienceOut(Schema):
    all_marketplaces: bool = Field(description="Every verified marketplace")
    marketplaces: list[str] = Field(description="The marketplaces named, by slug")
    authorities: bool = Field(description="Every verified authority")


_LIST = Field(default=None, max_length=50, description="One entry per item, each at most 500 characters")


class GuideIn(Schema):
    """A guide's fields; on a change (PATCH) those left out stay as they are."""

    title: str | None = Field(default=None, max_length=200)
    summary: str | None = Field(default=None, max_length=5000)
    rights: list[str] | None = Field(
        default=None,
        max_length=50,
        description='The rights the guide covers, as "OFFICE NUMBER" (EM 018234567), each one your organisation '
        "holds on IPBridge",
    )
    products: list[str] | None = _LIST
    genuine_features: list[str] | None = _LIST
    counterfeit_features: list[str] | None = _LIST
    packaging: str | None = Field(default=None, max_length=5000)
    serial_schemes: list[str] | None = Field(
        default=None, max_length=50, description="How serial numbers, batch codes or QR codes are formed and checked"
    )
    reference_prices: list[PriceIn] | None = Field(default=None, max_length=50)
    audience_all_marketplaces: bool | None = None
    audience_marketplaces: list[str] | None = Field(
        default=None, max_length=200, description="Marketplaces named by slug"
    )
    audience_authorities: bool | None = None


class GuideSummaryOut(Schema):
    id: int
    holder: OrganisationRef
    title: str
    status: str = Field(description="draft, published or withdrawn")
    version: int | None = Field(description="The newest published version")
    published_at: dt.datetime | None
    owned: bool = Field(description="Whether your organisation wrote it")
    unpublished_changes: bool = Field(description="Whether its working copy differs from the newest version (yours)")


class GuideOut(GuideSummaryOut):
    shown_version: int | None = Field(description="The version this body shows; null: the working copy")
    audience: AudienceOut | None = Field(description="Who may read it (its right holder and operators are told)")
    summary: str
    rights: list[RightRef]
    products: list[str]
    genuine_features: list[str]
    counterfeit_features: list[str]
    packaging: str
    serial_schemes: list[str]
    reference_prices: list[PriceOut]
    images: list[ImageOut]


class VersionOut(Schema):
    number: int
    published_at: dt.datetime
    published_by: str
    title: str


class ReadOut(Schema):
    id: int
    at: dt.datetime
    reader: OrganisationRef
    reader_kind: str
    by: str = Field(description="The person (e-mail) or the API key that read it")
    subject: str = Field(description="guide, guide_image, seller_list, seller_check or export")
    guide_id: int | None
    guide_title: str
    version: int | None = Field(description="The version of the guide read")
    image_id: int | None
    details: dict[str, Any]


class ReaderCountOut(Schema):
    reader: OrganisationRef
    reader_kind: str
    reads: int
    guide_reads: int
    image_reads: int
    seller_reads: int = Field(description="Reads of your authorised sellers: lists, checks of shops, exports")
    last_read_at: dt.datetime


class SellerIn(Schema):
    """An authorised seller; on a change (PATCH) the fields left out stay as they are."""

    brand: str | None = Field(default=None, max_length=200, description="One of the names of a right you hold")
    right: str | None = Field(default=None, max_length=100, description='Or the right itself, "OFFICE NUMBER"')
    marketplace: str | None = Field(default=None, max_length=100, description="A marketplace of IPBridge, by slug")
    marketplace_name: str | None = Field(default=None, max_length=200, description="Or one not on IPBridge: its name")
    marketplace_url: str | None = Field(default=None, max_length=500, description="… and its address")
    shop_id: str | None = Field(default=None, max_length=200, description="The shop's id on the marketplace")
    shop_name: str | None = Field(default=None, max_length=200)
    relation: str | None = Field(default=None, description=f"One of: {RELATIONS}")
    valid_from: dt.date | None = Field(default=None, description="The first day; empty: open")
    valid_until: dt.date | None = Field(default=None, description="The last day; empty: open")


class SellerOut(Schema):
    id: int
    holder: OrganisationRef
    brand: str
    right: str
    marketplace: str | None = Field(description="The marketplace's slug, when it is on IPBridge")
    marketplace_name: str
    marketplace_url: str
    shop_id: str
    shop_name: str
    relation: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    state: str = Field(description="current, upcoming or ended, today")
    updated_at: dt.datetime


class EndIn(Schema):
    on: dt.date | None = Field(default=None, description="The last day of the authorisation; today when not given")


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int


class CheckOut(Schema):
    authorised: bool = Field(description="Whether a verified right holder of the brand authorises the shop today")
    brand: str
    shop_id: str
    marketplace: str
    holder: OrganisationRef | None = Field(description="The right holder whose list the answer rests on")
    relation: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None = Field(description="Its last day; in the past when the authorisation ended")


class ExportGuideOut(Schema):
    id: int
    holder: OrganisationRef
    version: int
    published_at: dt.datetime
    title: str
    summary: str
    rights: list[RightRef]
    products: list[str]
    genuine_features: list[str]
    counterfeit_features: list[str]
    packaging: str
    serial_schemes: list[str]
    reference_prices: list[PriceOut]
    images: list[ImageOut]


class ExportOut(Schema):
    format: str = Field(description="ipbridge-sharing-export/1")
    marketplace: OrganisationRef
    generated_at: dt.datetime
    guides: list[ExportGuideOut] = Field(description="The newest version of each guide addressed to you")
    authorised_sellers: list[SellerOut]
