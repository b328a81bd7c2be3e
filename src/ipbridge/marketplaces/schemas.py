from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field, create_model

from ipbridge.marketplaces.fields import FIELDS

VALUES = (
    "`name` text (required); `website`, `ip_policy_url` web addresses; `countries` ISO 3166 alpha-2 codes and "
    "`languages` ISO 639-1 codes (lists); `categories` a list of general, fashion, beauty, electronics, home, "
    "luxury, handmade, second_hand, wholesale, food, toys, sports, media; `live_streaming` true, false or null; "
    "`size` small, medium, large or very_large; `ip_policy_summary`, `counter_notice_procedure`, "
    "`appeal_procedure`, `repeat_infringer_policy`, `proactive_measures` texts; `counter_notice_window_days`, "
    "`appeal_window_days` whole days or null; `contact_point` text; `channels` a list of "
    '`{"kind": "ipbridge"|"api"|"web_form"|"email", "address", "notes", "requirements": {"trademark"|"copyright"|'
    '"design"|"patent"|"geographical_indication": {"fields": [...], "documents": [...]}}}`, one per kind; '
    '`programmes` a list of `{"name", "url", "description"}`.'
)


class ProvenanceOut(Schema):
    source_url: str = Field(description="The page the value comes from; empty for the marketplace's own word")
    stated_by_marketplace: bool = Field(description="Written by the marketplace itself on IPBridge")
    reviewed_on: dt.date | None = Field(description="When the value was last checked against its source")
    changed_at: dt.datetime | None


class FieldOut(Schema):
    value: Any
    provenance: ProvenanceOut | None = Field(description="None for a field never filled in")


ProfileFieldsOut = create_model(  # type: ignore[call-overload]
    "ProfileFieldsOut",
    __base__=Schema,
    **{f.name: (FieldOut, ...) for f in FIELDS},
)


class ClaimedOut(Schema):
    response_hours: int = Field(description="The time the marketplace commits to decide a case in")
    default: bool = Field(description="The instance's default response time: the marketplace has set none")
    channels: list[str] = Field(description="How it receives cases on IPBridge: inbox, api, webhooks, email")


class MeasuredOut(Schema):
    computed_at: dt.datetime
    window_start: dt.datetime
    window_end: dt.datetime
    minimum_cases: int = Field(description="Below this many decided cases the figures are not given")
    enough_cases: bool
    cases_decided: int
    median_hours: float | None = Field(description="From delivery to decision, median")
    p90_hours: float | None = Field(description="From delivery to decision, 90th percentile (nearest rank)")
    items_decided: int | None
    items_acted: int | None = Field(description="Decided items that carry a measure")
    share_acted_percent: float | None
    cases_forwarded: int | None = Field(description="Decided cases whose measures were forwarded to the merchant")
    cases_counter_noticed: int | None
    counter_notice_rate_percent: float | None


class ProfileOut(Schema):
    slug: str
    name: str
    on_ipbridge: bool
    version: int
    updated_at: dt.datetime
    fields: ProfileFieldsOut  # type: ignore[valid-type]
    claimed: ClaimedOut | None = Field(description="For a marketplace on IPBridge: what it commits to")
    measured: MeasuredOut | None = Field(description="For a marketplace on IPBridge: computed from its cases")


class SummaryOut(Schema):
    slug: str
    name: str
    website: str
    countries: list[str]
    languages: list[str]
    categories: list[str]
    live_streaming: bool | None
    size: str
    channels: list[str]
    on_ipbridge: bool
    claimed_response_hours: int | None
    measured: MeasuredOut | None


class CompareOut(Schema):
    marketplaces: list[ProfileOut]


class VersionOut(Schema):
    number: int
    at: dt.datetime
    organisation: str = Field(description="The organisation that wrote the version")
    actor: str = Field(description="The person or key, for the marketplace itself and operators only")
    changes: dict[str, Any] = Field(description="Per field: before, after (when the value changed), provenance")


class FieldIn(Schema):
    value: Any = None
    source_url: str = Field(
        "",
        max_length=500,
        description="The page it comes from: required unless you write your own marketplace's profile",
    )
    reviewed_on: dt.date | None = Field(None, description="When you checked it against the source; today if left out")


class ProfileUpdateIn(Schema):
    fields: dict[str, FieldIn] = Field(
        min_length=1, description="The fields to set, by name; the others stay as they are. Values: " + VALUES
    )
    expected_version: int | None = Field(None, description="Refused with 409 if the profile is at another version")


class ProfileCreateIn(Schema):
    slug: str = Field("", max_length=80, description="Its name in addresses; a marketplace's own by default")
    organisation: str = Field(
        "", max_length=80, description="Operators: the slug of the marketplace on IPBridge it belongs to, if any"
    )
    fields: dict[str, FieldIn] = Field(min_length=1, description="At least the name. Values: " + VALUES)
