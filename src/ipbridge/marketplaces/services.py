"""Every write to the marketplace directory: creating a profile, changing its fields with their provenance (a new
version each time, audited), loading the seed profiles, and computing the measured figures.

A changed field carries where it comes from: the address of the page it was taken from, or — when the
marketplace itself writes it on IPBridge — its own word. Each field also carries the date it was last reviewed:
today when it changes, or the date given."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act, audit_system
from ipbridge.accounts.models import Organisation, OrganisationKind, Role, User
from ipbridge.accounts.selectors import operator_organisation
from ipbridge.core.errors import Conflict, PermissionDenied, ValidationFailed
from ipbridge.core.validation import url_field
from ipbridge.marketplaces import figures as measured
from ipbridge.marketplaces.fields import BY_NAME, value_clean
from ipbridge.marketplaces.models import MarketplaceProfile, MeasuredFigures, ProfileVersion
from ipbridge.marketplaces.selectors import facet, profile_edit_access, profiles_with_organisation
from ipbridge.marketplaces.vocabulary import ChannelKind

SEED_FILE = Path(__file__).resolve().parent / "data" / "seed_profiles.json"
SEED_LABEL = "seed data"
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class FieldChange:
    """A field's new value with its provenance: the page it comes from, and the date it was reviewed (today when
    not given)."""

    value: Any
    source_url: str = ""
    reviewed_on: date | None = None


@dataclass(frozen=True)
class _Author:
    """Who writes a version: an actor, or the seed loader."""

    organisation: Organisation | None
    user: User | None
    label: str
    own_word: bool  # the marketplace writes its own profile


def _today() -> date:
    return timezone.now().date()


def _reviewed_on(value: date | None, name: str) -> date:
    reviewed = value or _today()
    if not isinstance(reviewed, date):
        raise ValidationFailed("invalid_date", _("Give the date as YYYY-MM-DD."), field=f"{name}.reviewed_on")
    if reviewed > _today():
        raise ValidationFailed(
            "in_the_future", _("A review date cannot be later than today."), field=f"{name}.reviewed_on"
        )
    return reviewed


def _derived(profile: MarketplaceProfile) -> None:
    """The filters' facets and the search text, from the fields."""
    parts = [facet("country", c) for c in profile.countries]
    parts += [facet("language", code) for code in profile.languages]
    parts += [facet("category", c) for c in profile.categories]
    kinds = {channel["kind"] for channel in profile.channels}
    if profile.organisation_id is not None:
        kinds.add(ChannelKind.IPBRIDGE)
    parts += [facet("channel", kind) for kind in ChannelKind.values if kind in kinds]
    profile.facets = "".join(parts)
    words = [
        profile.name,
        profile.slug,
        profile.website,
        profile.ip_policy_summary,
        profile.counter_notice_procedure,
        profile.appeal_procedure,
        profile.repeat_infringer_policy,
        profile.proactive_measures,
        *(f"{p['name']} {p['description']}" for p in profile.programmes),
    ]
    profile.search_text = " ".join(" ".join(words).split()).casefold()


def _refuse_integration(channels: list[dict[str, Any]]) -> None:
    """A marketplace not on IPBridge states no IPBridge integration (the channels as given, already checked)."""
    for index, channel in enumerate(channels or []):
        if channel.get("kind") == ChannelKind.IPBRIDGE:
            raise ValidationFailed(
                "not_on_ipbridge",
                _("Only a marketplace on IPBridge receives notices through IPBridge."),
                field=f"channels.{index}.kind",
            )


def _apply(profile: MarketplaceProfile, changes: Mapping[str, FieldChange], author: _Author) -> dict[str, Any]:
    """Set the changed fields and their provenance on ``profile`` (not saved); what changed, for the version.
    Checks every field before changing any."""
    now = timezone.now()
    planned: list[tuple[str, Any, dict[str, Any], bool]] = []
    for name, change in changes.items():
        if name not in BY_NAME:
            raise ValidationFailed("unknown_field", _("A marketplace profile has no such field."), field=name)
        value = value_clean(name, change.value)
        if name == "channels" and profile.organisation_id is None:
            _refuse_integration(change.value)
        source = url_field(change.source_url or "", field=f"{name}.source_url", max_length=500, required=False)
        before = getattr(profile, name)
        old = profile.provenance.get(name, {})
        value_changed = value != before
        source_changed = source != old.get("source_url", "")
        if not value_changed and not source_changed and change.reviewed_on is None:
            continue
        reviewed = _reviewed_on(change.reviewed_on, name)
        if not value_changed and not source_changed and reviewed.isoformat() == old.get("reviewed_on"):
            continue
        if not source and not author.own_word:
            raise ValidationFailed(
                "source_required",
                _("Give the address of the page this comes from: a changed field needs its source."),
                field=f"{name}.source_url",
            )
        provenance = {
            "source_url": source,
            "stated_by_marketplace": author.own_word,
            "reviewed_on": reviewed.isoformat(),
            "changed_at": now.isoformat() if value_changed else old.get("changed_at", now.isoformat()),
            "by": author.organisation.name if author.organisation is not None else "",
        }
        planned.append((name, value, provenance, value_changed))
    changed: dict[str, Any] = {}
    for name, value, provenance, value_changed in planned:
        entry: dict[str, Any] = {"provenance": provenance}
        if value_changed:
            entry["before"], entry["after"] = getattr(profile, name), value
            setattr(profile, name, value)
        profile.provenance[name] = provenance
        changed[name] = entry
    return changed


def _version_write(profile: MarketplaceProfile, changed: dict[str, Any], author: _Author, *, new: bool) -> None:
    now = timezone.now()
    if not new:
        profile.version += 1
    profile.updated_at = now
    _derived(profile)
    profile.save()
    ProfileVersion.objects.create(
        profile=profile,
        number=profile.version,
        organisation=author.organisation,
        actor=author.user,
        actor_label=author.label,
        at=now,
        changes=changed,
    )


def _author(actor: Actor, profile: MarketplaceProfile) -> _Author:
    own = profile.organisation_id is not None and profile.organisation_id == actor.organisation.pk
    return _Author(actor.organisation, actor.user, actor.label, own)


def _expected(profile: MarketplaceProfile, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != profile.version:
        raise Conflict(
            "version_conflict",
            _("The profile changed since you read it (now version %(version)d): read it again, then change it.")
            % {"version": profile.version},
            field="expected_version",
        )


@transaction.atomic
def profile_update(
    *, actor: Actor, slug: str, changes: Mapping[str, FieldChange], expected_version: int | None = None
) -> MarketplaceProfile:
    """Change some fields of a profile, each with its provenance: by the marketplace's own administrators (its
    word is the source, a page may be named too) or, for a marketplace not on IPBridge, by an operator (a source
    page is required). Fields given unchanged, with no new source or review date, change nothing; when nothing
    changes, no version is written."""
    profile = profile_edit_access(actor=actor, slug=slug, for_update=True)
    _expected(profile, expected_version)
    author = _author(actor, profile)
    changed = _apply(profile, changes, author)
    if not changed:
        return profile
    _version_write(profile, changed, author, new=False)
    audit_act(
        actor,
        AuditAction.MARKETPLACE_PROFILE_UPDATED,
        subject=profile,
        slug=profile.slug,
        version=profile.version,
        fields=sorted(changed),
    )
    return profile


def _new_slug(slug: str) -> str:
    slug = slug.strip().lower()
    if not _SLUG.fullmatch(slug) or len(slug) > 80:
        raise ValidationFailed(
            "invalid_slug",
            _("Use lower-case letters, digits and single hyphens, at most 80 characters."),
            field="slug",
        )
    if MarketplaceProfile.objects.filter(slug=slug).exists():
        raise Conflict("slug_taken", _("The directory already has a marketplace with this name."), field="slug")
    return slug


def _organisation_for(actor: Actor, organisation: str) -> Organisation | None:
    """The marketplace the new profile belongs to: an operator names one on IPBridge (or none, for a marketplace
    not on it); a marketplace's administrators create their own."""
    if not actor.is_operator:
        if actor.user is not None and actor.role != Role.ADMIN:
            raise PermissionDenied(
                _("Only the marketplace's administrators may change its profile."), code="administrators_only"
            )
        if organisation.strip() and organisation.strip() != actor.organisation.slug:
            raise PermissionDenied(_("Only the marketplace itself may change its profile."), code="not_marketplace")
        target: Organisation | None = actor.organisation
    elif organisation.strip():
        target = Organisation.objects.filter(slug=organisation.strip(), kind=OrganisationKind.MARKETPLACE).first()
        if target is None:
            raise ValidationFailed(
                "unknown_marketplace", _("No marketplace on IPBridge has this name."), field="organisation"
            )
    else:
        target = None
    if target is not None and MarketplaceProfile.objects.filter(organisation=target).exists():
        raise Conflict(
            "profile_exists", _("This marketplace has a profile already: change it instead."), field="organisation"
        )
    return target


@transaction.atomic
def profile_create(
    *, actor: Actor, slug: str, changes: Mapping[str, FieldChange], organisation: str = ""
) -> MarketplaceProfile:
    """A new profile: by an operator, for a marketplace not on IPBridge or for one on it that has none yet
    (``organisation``), every field with its source page; or by a marketplace's administrators, for their own
    marketplace, in their own word. The name is required."""
    actor.require("marketplaces:write")
    actor.require_kind(OrganisationKind.MARKETPLACE, OrganisationKind.OPERATOR)
    target = _organisation_for(actor, organisation)
    slug = _new_slug(slug or (target.slug if target is not None else ""))
    if "name" not in changes:
        raise ValidationFailed("required", _("This field is required."), field="name")
    profile = MarketplaceProfile(organisation=target, slug=slug, name="")
    author = _Author(actor.organisation, actor.user, actor.label, own_word=target == actor.organisation)
    changed = _apply(profile, changes, author)
    _version_write(profile, changed, author, new=True)
    audit_act(actor, AuditAction.MARKETPLACE_PROFILE_CREATED, subject=profile, slug=profile.slug)
    return profile


# Seed profiles ---------------------------------------------------------------------------------------------------


def _seed_changes(entry: dict[str, Any]) -> dict[str, FieldChange]:
    reviewed = date.fromisoformat(entry["reviewed_on"])
    return {
        name: FieldChange(
            value=spec["value"],
            source_url=spec["source_url"],
            reviewed_on=date.fromisoformat(spec["reviewed_on"]) if "reviewed_on" in spec else reviewed,
        )
        for name, spec in entry["fields"].items()
    }


def seed_profiles_load(*, path: Path = SEED_FILE) -> int:
    """Add the seed profiles (written from the marketplaces' public IP policies, every field with its source
    page) that the directory does not have yet; a profile already there, perhaps changed since, is left as it
    is. Returns how many were added."""
    entries = json.loads(path.read_text(encoding="utf-8"))["profiles"]
    operators = operator_organisation()
    author = _Author(operators, None, SEED_LABEL, own_word=False)
    added = 0
    for entry in entries:
        with transaction.atomic():
            if MarketplaceProfile.objects.filter(slug=entry["slug"]).exists():
                continue
            profile = MarketplaceProfile(slug=_new_slug(entry["slug"]), name="")
            changed = _apply(profile, _seed_changes(entry), author)
            _version_write(profile, changed, author, new=True)
            if operators is not None:
                audit_system(
                    AuditAction.MARKETPLACE_PROFILE_CREATED,
                    organisations=[operators],
                    subject=profile,
                    slug=profile.slug,
                    seed=True,
                )
            added += 1
    return added


# Measured figures ------------------------------------------------------------------------------------------------


def figures_store(*, profile: MarketplaceProfile, now: datetime) -> MeasuredFigures:
    """Compute a marketplace's figures over the window ending ``now`` and keep them, with the time computed."""
    assert profile.organisation_id is not None
    found = measured.figures_compute(marketplace_id=profile.organisation_id, now=now)
    row, _created = MeasuredFigures.objects.update_or_create(
        profile=profile,
        defaults={
            "computed_at": now,
            "window_start": found.window_start,
            "window_end": found.window_end,
            "cases_decided": found.cases_decided,
            "median_hours": found.median_hours,
            "p90_hours": found.p90_hours,
            "items_decided": found.items_decided,
            "items_acted": found.items_acted,
            "cases_forwarded": found.cases_forwarded,
            "cases_counter_noticed": found.cases_counter_noticed,
        },
    )
    return row


def figures_refresh(*, now: datetime | None = None) -> int:
    """Recompute the figures of every marketplace on IPBridge that has a profile (a daily job); returns how
    many. Each is its own transaction: one marketplace's failure leaves the others' figures fresh."""
    now = now or timezone.now()
    count = 0
    for profile in profiles_with_organisation().order_by("pk"):
        with transaction.atomic():
            figures_store(profile=profile, now=now)
        count += 1
    return count
