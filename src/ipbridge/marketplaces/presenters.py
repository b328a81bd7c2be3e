"""Profiles as the API answers them and the pages show them: each field with its provenance, the claims of a
marketplace on IPBridge beside the figures measured from its cases."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ipbridge.core.api import Rendered
from ipbridge.marketplaces import selectors
from ipbridge.marketplaces.fields import FIELDS, ProfileField
from ipbridge.marketplaces.figures import MIN_DECIDED_CASES, percent
from ipbridge.marketplaces.models import MarketplaceProfile, MeasuredFigures, ProfileVersion
from ipbridge.marketplaces.vocabulary import (
    SIZE_CRITERION,
    Category,
    ChannelKind,
    RightType,
    Size,
    country_name,
    language_name,
)


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def provenance_out(profile: MarketplaceProfile, name: str) -> dict[str, Any] | None:
    found = profile.provenance.get(name)
    if not found:
        return None
    return {
        "source_url": found.get("source_url", ""),
        "stated_by_marketplace": bool(found.get("stated_by_marketplace")),
        "reviewed_on": found.get("reviewed_on"),
        "changed_at": found.get("changed_at"),
    }


def measured_out(figures: MeasuredFigures | None) -> dict[str, Any] | None:
    """The measured figures; below the minimum of decided cases only their count and when they were computed."""
    if figures is None:
        return None
    enough = selectors.figures_enough(figures)
    return {
        "computed_at": figures.computed_at,
        "window_start": figures.window_start,
        "window_end": figures.window_end,
        "minimum_cases": MIN_DECIDED_CASES,
        "enough_cases": enough,
        "cases_decided": figures.cases_decided,
        "median_hours": _number(figures.median_hours) if enough else None,
        "p90_hours": _number(figures.p90_hours) if enough else None,
        "items_decided": figures.items_decided if enough else None,
        "items_acted": figures.items_acted if enough else None,
        "share_acted_percent": _number(percent(figures.items_acted, figures.items_decided)) if enough else None,
        "cases_forwarded": figures.cases_forwarded if enough else None,
        "cases_counter_noticed": figures.cases_counter_noticed if enough else None,
        "counter_notice_rate_percent": (
            _number(percent(figures.cases_counter_noticed, figures.cases_forwarded)) if enough else None
        ),
    }


def claimed_out(claimed: selectors.Claimed | None) -> dict[str, Any] | None:
    if claimed is None:
        return None
    return {"response_hours": claimed.response_hours, "default": not claimed.configured, "channels": claimed.channels}


def profile_out(profile: MarketplaceProfile, *, claimed: selectors.Claimed | None = None) -> dict[str, Any]:
    return {
        "slug": profile.slug,
        "name": profile.name,
        "on_ipbridge": profile.organisation_id is not None,
        "version": profile.version,
        "updated_at": profile.updated_at,
        "fields": {
            f.name: {"value": getattr(profile, f.name), "provenance": provenance_out(profile, f.name)} for f in FIELDS
        },
        "claimed": claimed_out(claimed),
        "measured": measured_out(selectors.figures_of(profile)),
    }


def summary_out(profile: MarketplaceProfile, *, response_hours: int | None) -> dict[str, Any]:
    """A profile as the list answers it: its facts without provenance, the claimed response time and the measured
    figures."""
    return {
        "slug": profile.slug,
        "name": profile.name,
        "website": profile.website,
        "countries": profile.countries,
        "languages": profile.languages,
        "categories": profile.categories,
        "live_streaming": profile.live_streaming,
        "size": profile.size,
        "channels": channel_kinds(profile),
        "on_ipbridge": profile.organisation_id is not None,
        "claimed_response_hours": response_hours,
        "measured": measured_out(selectors.figures_of(profile)),
    }


class Summaries(Rendered):
    """The list, a page at a time: the claimed response times of a page's marketplaces in one read."""

    def __init__(self, rows: QuerySet[MarketplaceProfile]):
        super().__init__(rows, lambda row: row)

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        profiles = list(self.rows[window])
        hours = selectors.response_hours_of(profiles)
        return [summary_out(p, response_hours=hours.get(p.pk)) for p in profiles]


def version_out(version: ProfileVersion, *, people: bool) -> dict[str, Any]:
    return {
        "number": version.number,
        "at": version.at,
        "organisation": version.organisation.name if version.organisation is not None else "",
        "actor": version.actor_label if people else "",
        "changes": version.changes,
    }


# What the pages show ---------------------------------------------------------------------------------------------


def channel_kinds(profile: MarketplaceProfile) -> list[str]:
    """The kinds of channel the marketplace takes notices through; on IPBridge always its integration."""
    kinds = {c["kind"] for c in profile.channels}
    if profile.organisation_id is not None:
        kinds.add(ChannelKind.IPBRIDGE)
    return [k for k in ChannelKind.values if k in kinds]


def _contact(text: str) -> dict[str, str]:
    if text.startswith(("http://", "https://")):
        return {"kind": "url", "text": text}
    try:
        validate_email(text)
    except ValidationError:
        return {"kind": "text", "text": text}
    return {"kind": "email", "text": text}


def _channel_shown(channel: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": channel["kind"],
        "label": ChannelKind(channel["kind"]).label,
        "address": channel["address"],
        "is_email": channel["kind"] == ChannelKind.EMAIL,
        "notes": channel["notes"],
        "requirements": [
            {"right": RightType(right).label, "fields": needs["fields"], "documents": needs["documents"]}
            for right, needs in channel["requirements"].items()
        ],
    }


def value_shown(field: ProfileField, value: Any) -> Any:
    """The value as a page shows it, in the reader's language where the value is a code."""
    kind = field.kind
    if kind == "countries":
        return [(code, country_name(code)) for code in value]
    if kind == "languages":
        return [(code, language_name(code)) for code in value]
    if kind == "categories":
        return [Category(code).label for code in value]
    if kind == "size":
        return {"label": Size(value).label, "criterion": SIZE_CRITERION} if value else None
    if kind == "channels":
        return [_channel_shown(channel) for channel in value]
    if kind == "contact":
        return _contact(value) if value else None
    return value


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def provenance_shown(profile: MarketplaceProfile, name: str) -> dict[str, Any] | None:
    found = profile.provenance.get(name)
    if not found:
        return None
    reviewed = found.get("reviewed_on")
    source = found.get("source_url", "")
    return {
        "source_url": source,
        "source_host": (urlsplit(source).hostname or "") if source else "",
        "stated_by_marketplace": bool(found.get("stated_by_marketplace")),
        "reviewed_on": date.fromisoformat(reviewed) if reviewed else None,
    }


def profile_rows(profile: MarketplaceProfile) -> list[dict[str, Any]]:
    """Each field of the profile with its value and provenance, in order."""
    rows = []
    for field in FIELDS:
        value = getattr(profile, field.name)
        rows.append(
            {
                "field": field,
                "name": field.name,
                "kind": field.kind,
                "empty": _is_empty(value),
                "value": value_shown(field, value) if not _is_empty(value) else None,
                "provenance": provenance_shown(profile, field.name),
            }
        )
    return rows


def history_text(value: Any) -> str:
    """A value of a version as the history shows it: lists joined, channels and programmes as indented JSON."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return ", ".join(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, indent=2)
    return str(value)


def measured_shown(figures: MeasuredFigures | None) -> dict[str, Any] | None:
    """The figures as the pages show them: the percentages computed, only when there are enough cases."""
    found = measured_out(figures)
    if found is None:
        return None
    return {**found, "window_days": (found["window_end"] - found["window_start"]).days}
