"""Writes of mandates: grant, revoke, and the check of every agent action against them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act
from ipbridge.accounts.models import Organisation, OrganisationKind, VerificationStatus
from ipbridge.core.errors import Conflict, PermissionDenied, ValidationFailed
from ipbridge.core.validation import choice_field, text_field
from ipbridge.identity.files import document_discard, document_store
from ipbridge.identity.models import (
    ClaimStatus,
    Mandate,
    MandateAction,
    RightClaim,
)
from ipbridge.identity.selectors import (
    access_mandate,
)
from ipbridge.identity.services._shared import (
    _right,
)
from ipbridge.rights.models import Right
from ipbridge.rights.selectors import right_find

MAX_MANDATE_YEARS = 5


def _both(actor: Actor, action: AuditAction, mandate: Mandate, **details: Any) -> None:
    """Mandate events are recorded for the right holder and for the agent, each seeing them in its own log."""
    for organisation in (mandate.principal, mandate.agent):
        audit_act(actor, action, subject=mandate, organisation=organisation, **details)


def _mandate_rights(actor: Actor, rights: Iterable[tuple[str, str]]) -> list[Right]:
    chosen: list[Right] = []
    for office, number in rights:
        right = right_find(office=office, number=number)
        held = (
            right is not None
            and RightClaim.objects.filter(
                organisation=actor.organisation, right=right, status=ClaimStatus.APPROVED
            ).exists()
        )
        if right is None or not held:
            raise ValidationFailed(
                "right_not_held",
                _("%(office)s %(number)s is not among your authenticated rights.")
                % {"office": office.upper(), "number": number},
                field="rights",
            )
        if right not in chosen:
            chosen.append(right)
    if not chosen:
        raise ValidationFailed("required", _("Choose at least one of your rights."), field="rights")
    return chosen


def mandate_grant(
    *,
    actor: Actor,
    agent_slug: str,
    rights: list[tuple[str, str]],
    actions: list[str],
    valid_from: date,
    valid_until: date,
    document: Any,
    document_name: str,
    marketplace_slugs: list[str] | None = None,
    note: str = "",
) -> Mandate:
    """Authorise a verified agent to act for the organisation on some of its rights, on all or some marketplaces,
    for some actions, between two dates. The signed authorisation document is stored and its hash kept."""
    actor.require("identity:write")
    actor.require_kind(OrganisationKind.RIGHT_HOLDER)
    agent = Organisation.objects.filter(slug=(agent_slug or "").strip(), kind=OrganisationKind.AGENT).first()
    if agent is None:
        raise ValidationFailed("agent_not_found", _("No agent organisation with this name."), field="agent")
    if agent.verification_status != VerificationStatus.VERIFIED:
        raise ValidationFailed(
            "agent_not_verified", _("%(agent)s is not verified yet.") % {"agent": agent.name}, field="agent"
        )
    chosen_actions = sorted(set(actions or []))
    if not chosen_actions or not set(chosen_actions) <= set(MandateAction.values):
        raise ValidationFailed(
            "invalid_choice",
            _("Choose among: %(choices)s.") % {"choices": ", ".join(MandateAction.values)},
            field="actions",
        )
    if valid_until < valid_from:
        raise ValidationFailed("invalid_dates", _("The mandate must end after it starts."), field="valid_until")
    if valid_until < timezone.localdate():
        raise ValidationFailed("invalid_dates", _("The mandate would already have ended."), field="valid_until")
    if valid_until > valid_from + timedelta(days=366 * MAX_MANDATE_YEARS):
        raise ValidationFailed(
            "too_long", _("A mandate runs at most %(n)d years.") % {"n": MAX_MANDATE_YEARS}, field="valid_until"
        )
    marketplaces = []
    for slug in marketplace_slugs or []:
        marketplace = Organisation.objects.filter(slug=slug.strip(), kind=OrganisationKind.MARKETPLACE).first()
        if marketplace is None:
            raise ValidationFailed(
                "marketplace_not_found", _("No marketplace “%(slug)s”.") % {"slug": slug}, field="marketplaces"
            )
        marketplaces.append(marketplace)
    chosen_rights = _mandate_rights(actor, rights)
    note = text_field(note, field="note", max_length=2000, required=False)
    stored = document_store(document, field="document")
    try:
        with transaction.atomic():
            mandate = Mandate.objects.create(
                principal=actor.organisation,
                agent=agent,
                all_marketplaces=not marketplaces,
                actions=chosen_actions,
                valid_from=valid_from,
                valid_until=valid_until,
                document_name=text_field(document_name, field="document", max_length=255, required=False) or "mandate",
                document_storage_name=stored.storage_name,
                document_sha256=stored.sha256,
                document_size=stored.size,
                note=note,
                created_by=actor.user,
            )
            mandate.rights.set(chosen_rights)
            mandate.marketplaces.set(marketplaces)
            _both(
                actor,
                AuditAction.MANDATE_GRANTED,
                mandate,
                agent=agent.slug,
                rights=[f"{r.office} {r.number}" for r in chosen_rights],
                marketplaces=[m.slug for m in marketplaces] or "all",
                actions=chosen_actions,
                valid_from=valid_from.isoformat(),
                valid_until=valid_until.isoformat(),
                document_sha256=stored.sha256,
            )
    except BaseException:
        if not Mandate.objects.filter(document_storage_name=stored.storage_name).exists():
            document_discard(stored)
        raise
    return mandate


@transaction.atomic
def mandate_revoke(*, actor: Actor, mandate_id: int, reason: str = "") -> Mandate:
    """Revoke at once: the agent can no longer act under it, and credentials that name it are revoked."""
    actor.require("identity:write")
    mandate = access_mandate(actor=actor, mandate_id=mandate_id, for_update=True)
    if mandate.principal_id != actor.organisation.pk:
        raise PermissionDenied(_("Only the right holder who gave a mandate can revoke it."), code="not_principal")
    if mandate.revoked_at is not None:
        raise Conflict("already_revoked", _("This mandate is already revoked."))
    now = timezone.now()
    mandate.revoked_at, mandate.revoked_by = now, actor.user
    mandate.revocation_reason = reason.strip()[:2000]
    mandate.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    revoked = mandate.credentials.filter(revoked_at=None).update(
        revoked_at=now, revocation_reason=f"mandate {mandate.pk} revoked"
    )
    _both(actor, AuditAction.MANDATE_REVOKED, mandate, reason=mandate.revocation_reason, credentials_revoked=revoked)
    return mandate


@dataclass(frozen=True)
class Authorisation:
    """Whether an agent may take an action for a right holder, and under which mandate (or why not)."""

    allowed: bool
    reason: str
    code: str
    mandate: Mandate | None


def _refusal(
    mandates: list[Mandate], *, right: Right, marketplace: Organisation | None, action: str, on: date
) -> tuple[str, str]:
    """The most telling reason none of the agent's mandates from this right holder allows the action."""
    if not mandates:
        return "no_mandate", _("You hold no mandate from this right holder.")
    if all(m.revoked_at is not None for m in mandates):
        return "mandate_revoked", _("Your mandate from this right holder was revoked.")
    live = [m for m in mandates if m.revoked_at is None]
    if all(not m.valid_from <= on <= m.valid_until for m in live):
        return "mandate_not_in_force", _("Your mandate from this right holder is not in force on %(date)s.") % {
            "date": on
        }
    live = [m for m in live if m.valid_from <= on <= m.valid_until]
    if all(right not in m.rights.all() for m in live):
        return "right_not_covered", _("Your mandate does not cover %(right)s.") % {
            "right": f"{right.office} {right.number}"
        }
    live = [m for m in live if right in m.rights.all()]
    if marketplace is not None and all(
        not m.all_marketplaces and marketplace not in m.marketplaces.all() for m in live
    ):
        return "marketplace_not_covered", _("Your mandate does not cover %(marketplace)s.") % {
            "marketplace": marketplace.name
        }
    return "action_not_covered", _("Your mandate does not allow this action: %(action)s.") % {
        "action": MandateAction(action).label
    }


@transaction.atomic
def mandate_authorise(
    *,
    actor: Actor,
    principal_slug: str,
    office: str,
    number: str,
    action: str,
    marketplace_slug: str = "",
    on: date | None = None,
) -> Authorisation:
    """Check an agent's action against its mandates, and record the answer for both organisations. Every
    service through which an agent acts for a right holder asks this first."""
    actor.require("identity:read")
    actor.require_kind(OrganisationKind.AGENT)
    choice_field(action, MandateAction.values, field="action")
    principal = Organisation.objects.filter(
        slug=(principal_slug or "").strip(), kind=OrganisationKind.RIGHT_HOLDER
    ).first()
    if principal is None:
        raise ValidationFailed("principal_not_found", _("No right holder with this name."), field="principal")
    right = _right(office, number)
    marketplace = None
    if marketplace_slug:
        marketplace = Organisation.objects.filter(
            slug=marketplace_slug.strip(), kind=OrganisationKind.MARKETPLACE
        ).first()
        if marketplace is None:
            raise ValidationFailed(
                "marketplace_not_found",
                _("No marketplace “%(slug)s”.") % {"slug": marketplace_slug},
                field="marketplace",
            )
    on = on or timezone.localdate()
    mandates = list(
        Mandate.objects.filter(principal=principal, agent=actor.organisation)
        .prefetch_related("rights", "marketplaces")
        .order_by("-valid_until", "-id")
    )
    held = RightClaim.objects.filter(organisation=principal, right=right, status=ClaimStatus.APPROVED).exists()
    granting = next(
        (
            m
            for m in mandates
            if m.in_force_on(on)
            and right in m.rights.all()
            and (marketplace is None or m.all_marketplaces or marketplace in m.marketplaces.all())
            and action in m.actions
        ),
        None,
    )
    if granting is not None and held:
        result = Authorisation(
            True,
            _("Allowed under the mandate valid until %(date)s.") % {"date": granting.valid_until},
            "allowed",
            granting,
        )
    elif granting is not None:
        result = Authorisation(
            False, _("The right holder no longer holds this right on IPBridge."), "right_no_longer_held", granting
        )
    else:
        code, reason = _refusal(mandates, right=right, marketplace=marketplace, action=action, on=on)
        result = Authorisation(False, reason, code, mandates[0] if mandates else None)
    details = {
        "principal": principal.slug,
        "agent": actor.organisation.slug,
        "right": f"{right.office} {right.number}",
        "marketplace": marketplace.slug if marketplace else "",
        "action_taken": action,
        "outcome": result.code,
    }
    for organisation in (principal, actor.organisation):
        audit_act(
            actor,
            AuditAction.MANDATE_USED if result.allowed else AuditAction.MANDATE_REFUSED,
            subject=result.mandate,
            organisation=organisation,
            **details,
        )
    return result
