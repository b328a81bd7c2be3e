"""Every read of the marketplace directory. Profiles, their provenance and their measured figures are public;
who changed a profile is told by organisation to everyone, and by person only to the marketplace itself and to
operators. ``profile_edit_access`` is the one door to a profile someone wants to change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import OrganisationKind, Role
from ipbridge.core.errors import NotFound, PermissionDenied, ValidationFailed
from ipbridge.marketplaces.figures import MIN_DECIDED_CASES
from ipbridge.marketplaces.models import MarketplaceProfile, MeasuredFigures, ProfileVersion
from ipbridge.marketplaces.vocabulary import Category, ChannelKind, countries, languages
from ipbridge.notices import intake

MIN_COMPARED = 2
MAX_QUERY = 200
MAX_COMPARED = 4
EDITORS = (OrganisationKind.MARKETPLACE, OrganisationKind.OPERATOR)


@dataclass(frozen=True)
class Filters:
    """What the public search narrows the directory by; empty means any."""

    q: str = ""
    country: str = ""
    language: str = ""
    category: str = ""
    live_streaming: bool | None = None
    channel: str = ""


def filters_clean(
    *,
    q: str = "",
    country: str = "",
    language: str = "",
    category: str = "",
    live_streaming: bool | None = None,
    channel: str = "",
) -> Filters:
    """The search's filters, or the refusal naming the one that is not a code the directory knows."""
    country, language = country.strip().upper(), language.strip().lower()
    category, channel = category.strip(), channel.strip()
    checks = (
        ("country", country, countries()),
        ("language", language, languages()),
        ("category", category, Category.values),
        ("channel", channel, ChannelKind.values),
    )
    for name, value, known in checks:
        if value and value not in known:
            raise ValidationFailed(
                "unknown_code", _("“%(code)s” is not a code this field accepts.") % {"code": value}, field=name
            )
    if len(q) > MAX_QUERY:
        raise ValidationFailed("too_long", _("At most %(n)d characters.") % {"n": MAX_QUERY}, field="q")
    return Filters(q, country, language, category, live_streaming, channel)


def facet(kind: str, value: str) -> str:
    """How a filterable value is written in a profile's ``facets``."""
    return f"|{kind}:{value}|"


def _profiles() -> QuerySet[MarketplaceProfile]:
    return MarketplaceProfile.objects.select_related("organisation", "figures")


def profiles_search(*, filters: Filters) -> QuerySet[MarketplaceProfile]:
    """The profiles matching every filter given, by name; ``q`` is looked for in the name, the address, the
    policy summary, the programmes and the procedures."""
    found = _profiles()
    if filters.country:
        found = found.filter(facets__contains=facet("country", filters.country.upper()))
    if filters.language:
        found = found.filter(facets__contains=facet("language", filters.language.lower()))
    if filters.category:
        found = found.filter(facets__contains=facet("category", filters.category))
    if filters.channel:
        found = found.filter(facets__contains=facet("channel", filters.channel))
    if filters.live_streaming is not None:
        found = found.filter(live_streaming=filters.live_streaming)
    text = " ".join(filters.q.split()).casefold()
    if text:
        found = found.filter(Q(search_text__contains=text) | Q(slug__icontains=text))
    return found.order_by(Lower("name"), "id")


def profile_get(*, slug: str) -> MarketplaceProfile:
    profile = _profiles().filter(slug=slug.strip()).first()
    if profile is None:
        raise NotFound(_("No marketplace with this name in the directory."))
    return profile


def profiles_compare(*, slugs: Sequence[str]) -> list[MarketplaceProfile]:
    """The chosen profiles, in the order chosen (each once): from two to four."""
    chosen = list(dict.fromkeys(slug.strip() for slug in slugs if slug.strip()))
    if not MIN_COMPARED <= len(chosen) <= MAX_COMPARED:
        raise ValidationFailed(
            "compare_count",
            _("Choose from %(low)d to %(high)d marketplaces to compare.") % {"low": MIN_COMPARED, "high": MAX_COMPARED},
            field="m",
        )
    found = {p.slug: p for p in _profiles().filter(slug__in=chosen)}
    missing = [slug for slug in chosen if slug not in found]
    if missing:
        raise ValidationFailed(
            "unknown_marketplace",
            _("Not in the directory: %(slugs)s.") % {"slugs": ", ".join(missing)},
            field="m",
        )
    return [found[slug] for slug in chosen]


def profile_history(*, profile: MarketplaceProfile) -> QuerySet[ProfileVersion]:
    return ProfileVersion.objects.filter(profile=profile).select_related("organisation").order_by("-number")


def profile_versions(*, actor: Actor, slug: str) -> tuple[list[ProfileVersion], bool]:
    """A profile's versions for a member with the directory's read permission, and whether they may be told the
    people who made them."""
    actor.require("marketplaces:read")
    profile = profile_get(slug=slug)
    return list(profile_history(profile=profile)), history_names_people(actor=actor, profile=profile)


def history_names_people(*, actor: Actor | None, profile: MarketplaceProfile) -> bool:
    """Whether the history may name the people who changed the profile: for the marketplace itself and
    operators; everyone else sees the organisation."""
    if actor is None:
        return False
    return actor.is_operator or (
        profile.organisation_id is not None and profile.organisation_id == actor.organisation.pk
    )


def profile_edit_access(*, actor: Actor, slug: str, for_update: bool = False) -> MarketplaceProfile:
    """The profile, if the actor may change it: the marketplace's own administrators (or its API keys) for a
    marketplace on IPBridge, operators for one that is not. Refused otherwise; "not found" when there is none."""
    actor.require("marketplaces:write")
    actor.require_kind(*EDITORS)
    profiles = MarketplaceProfile.objects.select_related("organisation")
    if for_update:
        profiles = profiles.select_for_update(of=("self",))
    profile = profiles.filter(slug=slug.strip()).first()
    if profile is None:
        raise NotFound(_("No marketplace with this name in the directory."))
    profile_edit_check(actor=actor, profile=profile)
    return profile


def profile_edit_check(*, actor: Actor, profile: MarketplaceProfile) -> None:
    if actor.is_operator:
        if profile.organisation_id is not None:
            raise PermissionDenied(
                _("This marketplace is on IPBridge: its own administrators keep its profile."),
                code="marketplace_on_ipbridge",
            )
        return
    if profile.organisation_id != actor.organisation.pk:
        raise PermissionDenied(_("Only the marketplace itself may change its profile."), code="not_marketplace")
    if actor.user is not None and actor.role != Role.ADMIN:
        raise PermissionDenied(
            _("Only the marketplace's administrators may change its profile."), code="administrators_only"
        )


def profile_editable(*, actor: Actor | None, profile: MarketplaceProfile) -> bool:
    """Whether the page offers the actor to change the profile."""
    if actor is None or not actor.can("marketplaces:write") or actor.organisation.kind not in EDITORS:
        return False
    try:
        profile_edit_check(actor=actor, profile=profile)
    except PermissionDenied:
        return False
    return True


def profile_of_organisation(*, actor: Actor) -> MarketplaceProfile | None:
    """The profile of the actor's own marketplace, if it has one."""
    return MarketplaceProfile.objects.filter(organisation=actor.organisation).first()


def profiles_with_organisation() -> QuerySet[MarketplaceProfile]:
    """The profiles of marketplaces on IPBridge: those whose figures are measured."""
    return MarketplaceProfile.objects.filter(
        organisation__isnull=False, organisation__kind=OrganisationKind.MARKETPLACE
    ).select_related("organisation")


def figures_of(profile: MarketplaceProfile) -> MeasuredFigures | None:
    """The profile's newest figures, when it is on IPBridge and they were computed."""
    if profile.organisation_id is None:
        return None
    try:
        return profile.figures
    except MeasuredFigures.DoesNotExist:
        return None


def figures_enough(figures: MeasuredFigures | None) -> bool:
    return figures is not None and figures.cases_decided >= MIN_DECIDED_CASES


@dataclass(frozen=True)
class Claimed:
    """What a marketplace on IPBridge commits to, from its intake settings: the response time and the channels
    it receives cases through."""

    response_hours: int
    configured: bool
    channels: tuple[str, ...]


def claims_of(profiles: Sequence[MarketplaceProfile]) -> dict[int, Claimed]:
    """The claims of the profiles' marketplaces on IPBridge, by profile id."""
    found = {}
    for profile in profiles:
        if profile.organisation is not None and profile.organisation.kind == OrganisationKind.MARKETPLACE:
            settings = intake.intake_of(profile.organisation)
            found[profile.pk] = Claimed(settings.response_hours, settings.configured, settings.channels)
    return found


def response_hours_of(profiles: Sequence[MarketplaceProfile]) -> dict[int, int]:
    """The response time each listed marketplace on IPBridge commits to, by profile id, in one read."""
    by_organisation = {p.organisation_id: p.pk for p in profiles if p.organisation_id is not None}
    hours = intake.response_hours_by_marketplace(set(by_organisation))
    return {by_organisation[organisation]: value for organisation, value in hours.items()}


def facet_values(kind: str) -> list[str]:
    """The values of a facet some profile has, for the search form's choices."""
    values: set[str] = set()
    prefix = f"{kind}:"
    for facets in MarketplaceProfile.objects.exclude(facets="").values_list("facets", flat=True):
        values.update(part[len(prefix) :] for part in facets.split("|") if part.startswith(prefix))
    return sorted(values)
