"""HTTP API of the marketplace directory (平台目录): public search, profiles and comparison; creating and changing
profiles with the provenance of each field; their history. Parse, call a service or a selector, serialise."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate
from ninja.throttling import AnonRateThrottle

from ipbridge.accounts.actors import Actor
from ipbridge.core.api import ERRORS, Pagination
from ipbridge.marketplaces import selectors, services
from ipbridge.marketplaces.presenters import Summaries, profile_out, version_out
from ipbridge.marketplaces.schemas import (
    CompareOut,
    FieldIn,
    ProfileCreateIn,
    ProfileOut,
    ProfileUpdateIn,
    SummaryOut,
    VersionOut,
)

router = Router(tags=["marketplaces"])
public = Router(auth=None, throttle=[AnonRateThrottle(settings.PUBLIC_RATE_LIMIT)], tags=["marketplaces"])


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]


def _changes(fields: dict[str, FieldIn]) -> dict[str, services.FieldChange]:
    return {
        name: services.FieldChange(value=given.value, source_url=given.source_url, reviewed_on=given.reviewed_on)
        for name, given in fields.items()
    }


def _profile(profile: Any) -> dict[str, Any]:
    return profile_out(profile, claimed=selectors.claims_of([profile]).get(profile.pk))


@public.get("/marketplaces/compare", response={200: CompareOut, **ERRORS}, operation_id="marketplaces_compare")
def marketplaces_compare(request: HttpRequest, m: Query[list[str]]) -> dict[str, Any]:
    """Two to four marketplaces side by side (``?m=taobao&m=megamart``), in the order given: every field with
    its provenance, and for those on IPBridge their claimed response time beside their measured figures."""
    profiles = selectors.profiles_compare(slugs=m)
    claims = selectors.claims_of(profiles)
    return {"marketplaces": [profile_out(p, claimed=claims.get(p.pk)) for p in profiles]}


@router.get(
    "/marketplaces",
    response={200: list[SummaryOut], **ERRORS},
    operation_id="marketplaces_list",
    auth=None,
    throttle=[AnonRateThrottle(settings.PUBLIC_RATE_LIMIT)],
)
@paginate(Pagination)
def marketplaces_list(
    request: HttpRequest,
    q: str = "",
    country: str = "",
    language: str = "",
    category: str = "",
    live_streaming: bool | None = None,
    channel: str = "",
) -> Any:
    """The directory (public), by name: ``country`` (ISO 3166 alpha-2), ``language`` (ISO 639-1), ``category``,
    ``live_streaming``, ``channel`` (ipbridge, api, web_form, email) and ``q`` (text in the name, the address, the
    policy and the programmes) narrow it."""
    filters = selectors.filters_clean(
        q=q, country=country, language=language, category=category, live_streaming=live_streaming, channel=channel
    )
    return Summaries(selectors.profiles_search(filters=filters))


@router.post("/marketplaces", response={201: ProfileOut, **ERRORS}, operation_id="marketplace_create")
def marketplace_create(request: HttpRequest, payload: ProfileCreateIn) -> Status[dict[str, Any]]:
    """A new profile: by an operator, for a marketplace not on IPBridge (or, with ``organisation``, for one on it
    that has none yet), each field with the page it comes from; or by a marketplace's administrators for their
    own marketplace, in their own word."""
    profile = services.profile_create(
        actor=_actor(request), slug=payload.slug, organisation=payload.organisation, changes=_changes(payload.fields)
    )
    return Status(201, _profile(profile))


@router.get(
    "/marketplaces/{slug}",
    response={200: ProfileOut, **ERRORS},
    operation_id="marketplace_get",
    auth=None,
    throttle=[AnonRateThrottle(settings.PUBLIC_RATE_LIMIT)],
)
def marketplace_get(request: HttpRequest, slug: str) -> dict[str, Any]:
    """A marketplace's profile (public): every field with its source and the date it was last reviewed."""
    return _profile(selectors.profile_get(slug=slug))


@router.put("/marketplaces/{slug}", response={200: ProfileOut, **ERRORS}, operation_id="marketplace_update")
def marketplace_update(request: HttpRequest, slug: str, payload: ProfileUpdateIn) -> dict[str, Any]:
    """Set fields of a profile, each with its provenance (``source_url``, ``reviewed_on``): the marketplace's
    own administrators or API keys for a marketplace on IPBridge (their word is the source), operators for one
    that is not (a source page is required for every changed field). Fields not named stay as they are."""
    profile = services.profile_update(
        actor=_actor(request),
        slug=slug,
        changes=_changes(payload.fields),
        expected_version=payload.expected_version,
    )
    return _profile(selectors.profile_get(slug=profile.slug))


@router.get(
    "/marketplaces/{slug}/history", response={200: list[VersionOut], **ERRORS}, operation_id="marketplace_history"
)
def marketplace_history(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    """The profile's versions, newest first: when, by which organisation, and what changed. The people who made
    them are named to the marketplace itself and to operators."""
    versions, people = selectors.profile_versions(actor=_actor(request), slug=slug)
    return [version_out(v, people=people) for v in versions]
