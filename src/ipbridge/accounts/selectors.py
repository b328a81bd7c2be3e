"""Every read of the accounts app. Each takes the acting organisation and returns only what it may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import (
    ApiKey,
    AuditEvent,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    User,
    VerificationStatus,
)
from ipbridge.accounts.scopes import ALL_SCOPES, ROLE_SCOPES
from ipbridge.core.errors import NotFound


def actor_for_user(user: User) -> Actor | None:
    """The person acting for their active organisation (or their first one), or None without any membership."""
    memberships = Membership.objects.select_related("organisation").filter(user=user)
    chosen = None
    for membership in memberships:
        if membership.organisation_id == user.active_organisation_id:
            chosen = membership
            break
        chosen = chosen or membership
    if chosen is None:
        return None
    return Actor(organisation=chosen.organisation, user=user, role=chosen.role, scopes=ROLE_SCOPES[chosen.role])


def actor_for_api_key(key: ApiKey) -> Actor:
    return Actor(organisation=key.organisation, user=None, role=None, scopes=frozenset(key.scopes), api_key=key)


def actor_for_system(organisation: Organisation) -> Actor:
    """The server's own command line acting for an organisation, with every permission."""
    return Actor(organisation=organisation, user=None, role=None, scopes=frozenset(ALL_SCOPES), system=True)


def organisation_by_slug(slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise NotFound(_("No organisation with slug “%(slug)s”.") % {"slug": slug})
    return organisation


def operator_organisation() -> Organisation | None:
    return Organisation.objects.filter(kind=OrganisationKind.OPERATOR).order_by("pk").first()


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.select_related("organisation").filter(user=user).order_by("organisation__name")


def user_has_memberships(*, user: User) -> bool:
    return Membership.objects.filter(user=user).exists()


def two_factor_passed(*, user: object) -> bool:
    """Whether this request's person has passed the second factor (django-otp marks the user per request)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified()) if callable(is_verified) else False


def user_has_two_factor(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def users_with_two_factor(*, user_ids: list[int]) -> set[int]:
    return set(TOTPDevice.objects.filter(user_id__in=user_ids, confirmed=True).values_list("user_id", flat=True))


def members_for_organisation(*, actor: Actor) -> QuerySet[Membership]:
    actor.require("accounts:read")
    return (
        Membership.objects.select_related("user")
        .filter(organisation=actor.organisation)
        .order_by("user__full_name", "user__email")
    )


def invitations_pending(*, actor: Actor) -> QuerySet[Invitation]:
    actor.require("accounts:read")
    return Invitation.objects.select_related("invited_by").filter(
        organisation=actor.organisation, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    )


def api_keys_for_organisation(*, actor: Actor) -> QuerySet[ApiKey]:
    actor.require("accounts:read")
    return ApiKey.objects.select_related("created_by").filter(organisation=actor.organisation)


def access_organisation(*, actor: Actor, slug: str) -> Organisation:
    """An organisation the actor may see: its own, or any for operators. Missing and forbidden look alike."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None or not (actor.is_operator or organisation.pk == actor.organisation.pk):
        raise NotFound()
    return organisation


def organisations_visible(*, actor: Actor, kind: str | None = None) -> QuerySet[Organisation]:
    actor.require("accounts:read")
    organisations = (
        Organisation.objects.all() if actor.is_operator else Organisation.objects.filter(pk=actor.organisation.pk)
    )
    if kind:
        organisations = organisations.filter(kind=kind)
    return organisations.annotate(member_count=Count("memberships")).order_by("name")


def audit_events_visible(*, actor: Actor, action: str | None = None) -> QuerySet[AuditEvent]:
    """Operators see every event; an organisation's administrators see their organisation's."""
    actor.require("audit:read")
    events = AuditEvent.objects.select_related("organisation")
    if not actor.is_operator:
        events = events.filter(organisation=actor.organisation)
    if action:
        events = events.filter(action=action)
    return events.order_by("-created_at", "-id")


@dataclass(frozen=True)
class OrganisationFigures:
    members: int
    members_with_two_factor: int
    pending_invitations: int
    active_api_keys: int
    events_last_7_days: int


def organisation_figures(*, actor: Actor) -> OrganisationFigures:
    now = timezone.now()
    member_ids = Membership.objects.filter(organisation=actor.organisation).values("user_id")
    return OrganisationFigures(
        members=Membership.objects.filter(organisation=actor.organisation).count(),
        members_with_two_factor=TOTPDevice.objects.filter(user_id__in=member_ids, confirmed=True)
        .values("user_id")
        .distinct()
        .count(),
        pending_invitations=Invitation.objects.filter(
            organisation=actor.organisation, accepted_at=None, revoked_at=None, expires_at__gt=now
        ).count(),
        active_api_keys=ApiKey.objects.filter(organisation=actor.organisation, revoked_at=None)
        .filter(Q(expires_at=None) | Q(expires_at__gt=now))
        .count(),
        events_last_7_days=AuditEvent.objects.filter(
            organisation=actor.organisation, created_at__gte=now - timedelta(days=7)
        ).count(),
    )


@dataclass(frozen=True)
class PlatformFigures:
    organisations_by_kind: dict[str, int]
    awaiting_verification: int
    users: int


def platform_figures(*, actor: Actor) -> PlatformFigures:
    actor.require_operator()
    by_kind = dict(Organisation.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return PlatformFigures(
        organisations_by_kind=by_kind,
        awaiting_verification=Organisation.objects.filter(verification_status=VerificationStatus.PENDING).count(),
        users=User.objects.filter(is_active=True).count(),
    )
