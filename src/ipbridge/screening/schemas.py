from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from ipbridge.engine.screening import DETECTORS

DETECTOR_CODES = ", ".join((*DETECTORS, "watch"))


class OrganisationRef(Schema):
    slug: str = Field(description="Its id on IPBridge")
    name: str


class ScanIn(Schema):
    items: list[Any] = Field(
        description="The listings, each a JSON object: id and title required; description, url, price (a decimal "
        "string or a number) with currency (ISO 4217), category, shop_id, shop_name, shop_domain. Up to 1,000 are "
        "screened while you wait (200); more are screened in the background (202)"
    )


class FlagRightOut(Schema):
    id: int
    office: str
    number: str
    mark: str
    holders: list[str] = Field(description="Ids on IPBridge of the right holders who proved they hold it")


class FlagOut(Schema):
    detector: str = Field(
        description=f"What found it: one of {DETECTOR_CODES} (a watch of focused monitoring the listing matched)"
    )
    field: str = Field(description="The listing's field the match is in (title, description, shop_name, …)")
    start: int = Field(description="Where the matched text starts in that field, in characters from 0")
    end: int = Field(description="Where it ends (exclusive); both 0 for a price")
    matched_text: str
    term: str = Field(description="The catalogue entry matched: the mark, the risk keyword, the indication")
    weight: float
    how: str = Field(description="For marks: exact, folded, transliteration, pinyin, edit, phonetic or embedded")
    explanation: str = Field(description="A sentence in English")
    sentence: str = Field(description="What the flag says, in the language of the request")
    right: FlagRightOut | None = Field(description="The registered right behind a mark's flag")


class RejectionOut(Schema):
    line: int = Field(description="The line of the file, or the item's place in the request, from 1")
    id: str = Field(description="The listing's id, when it could be read")
    field: str = Field(description="The field at fault; empty when the whole line is")
    code: str
    reason: str


class ScanOut(Schema):
    id: int
    marketplace: OrganisationRef
    source: str = Field(description="api or upload")
    file_name: str
    status: str = Field(description="queued, running, done or failed")
    items_total: int = Field(description="Listings in the scan (known once its file has been read)")
    items_done: int = Field(description="Listings screened or rejected so far")
    items_flagged: int = Field(description="Listings with a risk score over 0, kept with their flags")
    items_rejected: int
    alerts_raised: int
    progress: float = Field(description="Share done, from 0 to 1")
    error: str
    created_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    url: str = Field(description="Where to follow its progress")
    items_url: str = Field(description="Where its flagged listings are listed")


class ScanDetailOut(ScanOut):
    rejections: list[RejectionOut] = Field(description="The first 100 rejections, by line")


class ItemResultOut(Schema):
    id: str
    position: int = Field(description="Its place in the request, from 1")
    risk_score: float = Field(description="From 0 (nothing found) to 1")
    level: str = Field(description='"hold" (held for review), "alert" or "" by your thresholds')
    flags: list[FlagOut]
    alert: int | None = Field(description="The alert raised, at or over your alert threshold")


class ScanResultOut(Schema):
    scan: ScanOut
    results: list[ItemResultOut] = Field(description="One per listing screened, in the order sent")
    rejections: list[RejectionOut] = Field(description="The listings not screened, each field at fault and why")


class ScanQueuedOut(Schema):
    scan: ScanOut
    status_url: str = Field(description="Where to follow its progress")


class ScannedItemOut(Schema):
    position: int = Field(description="Its line in the file or its place in the request, from 1")
    id: str
    url: str
    title: str
    description: str
    price_minor: int | None = Field(description="The price in minor units of the currency (cents, fen)")
    currency: str
    category: str
    shop_id: str
    shop_name: str
    shop_domain: str
    risk_score: float
    level: str
    detectors: list[str]
    flags: list[FlagOut]
    alert: int | None


class SettingsIn(Schema):
    """The settings sent change; those left out stay as they are."""

    alert_threshold: float | None = Field(
        default=None, description="A score at or over it raises an alert: more than 0, at most hold_threshold"
    )
    hold_threshold: float | None = Field(
        default=None, description="At or over it the listing is also held for review: at most 1"
    )
    lookalikes: bool | None = Field(default=None, description="Flag look-alike spellings of marks, not only exact")
    share_with_right_holders: bool | None = Field(
        default=None, description="Right holders whose marks an alert names see it in their own queue"
    )


class SettingsOut(Schema):
    alert_threshold: float
    hold_threshold: float
    lookalikes: bool
    share_with_right_holders: bool
    catalogue_version: int = Field(description="Goes up with every change of the settings or the catalogue")
    updated_at: dt.datetime


class KeywordIn(Schema):
    term: str = Field(max_length=100, description="A word or phrase signalling infringement, e.g. 高仿, replica")
    language: str = Field(default="", description='"zh", "en" or "" for any')
    weight: float = Field(default=0.5, description="What the term adds to a listing's risk: more than 0, at most 1")


class KeywordChangeIn(Schema):
    weight: float | None = Field(default=None, description="More than 0, at most 1; replaces the tuned weight")
    enabled: bool | None = None


class KeywordOut(Schema):
    id: int
    term: str
    language: str
    weight: float = Field(description="The weight you set")
    tuned_weight: float | None = Field(description="The weight triage outcomes led to, used instead when set")
    effective_weight: float
    enabled: bool
    origin: str = Field(description="default (the shipped catalogue) or marketplace (added by you)")
    confirmed: int = Field(description="Alerts it raised that were confirmed")
    dismissed: int = Field(description="Alerts it raised that were dismissed")
    created_at: dt.datetime
    updated_at: dt.datetime


class IndicationOut(Schema):
    name: str
    terms: list[str] = Field(description="Every name it is known by")
    country: str
    product: str


class ProducerIn(Schema):
    indication: str = Field(max_length=200, description="The geographical indication, by one of its names")
    shop_id: str = Field(max_length=200)
    shop_name: str = Field(default="", max_length=200)


class ProducerOut(Schema):
    id: int
    indication: str
    shop_id: str
    shop_name: str
    created_at: dt.datetime
