"""Writes of an organisation's identity: what it states, its documents, its e-mail domain, its review."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act
from ipbridge.accounts.models import Organisation, OrganisationKind, VerificationStatus
from ipbridge.accounts.services import organisation_verification_decided, organisation_verification_pending
from ipbridge.core.errors import Conflict, NotFound, ValidationFailed
from ipbridge.core.validation import email_field, text_field
from ipbridge.identity import codes
from ipbridge.identity.models import (
    ORGANISATION_DOCUMENT_KINDS,
    ClaimStatus,
    CodePurpose,
    IdentityDocument,
    IdentityProfile,
    VerificationCode,
)
from ipbridge.identity.selectors import (
    identity_missing,
)
from ipbridge.identity.services._shared import (
    _code_send,
    _decision,
    _document_add,
    _invalid_code,
    _wrong_code,
)

# Addresses anyone can open prove nothing about an organisation's domain.
FREE_MAIL_DOMAINS = frozenset(
    "gmail.com googlemail.com outlook.com hotmail.com live.com msn.com yahoo.com yahoo.co.jp icloud.com me.com "  # noqa: SIM905
    "aol.com gmx.de gmx.net web.de mail.ru yandex.ru proton.me protonmail.com qq.com foxmail.com 163.com 126.com "
    "sina.com sohu.com yeah.net aliyun.com".split()
)


def _profile_for_update(organisation: Organisation) -> IdentityProfile:
    IdentityProfile.objects.get_or_create(organisation=organisation)  # created on first use
    return IdentityProfile.objects.select_for_update().get(organisation=organisation)


def _organisation_status(actor: Actor) -> str:
    return Organisation.objects.values_list("verification_status", flat=True).get(pk=actor.organisation.pk)


def _editable(actor: Actor) -> None:
    if _organisation_status(actor) == VerificationStatus.PENDING:
        raise Conflict("in_review", _("Your identity is with the operators; wait for their answer to change it."))


@transaction.atomic
def identity_profile_update(
    *,
    actor: Actor,
    legal_name: str,
    registration_number: str,
    registration_country: str,
    address: str = "",
    email_domain: str = "",
) -> IdentityProfile:
    """The organisation's stated identity. Changing a stated legal name or registration number of a verified
    organisation makes it unverified until reviewed again; changing the e-mail domain asks for a new
    confirmation."""
    actor.require("identity:write")
    _editable(actor)
    profile = _profile_for_update(actor.organisation)
    country = (registration_country or "").strip().upper()
    if not (len(country) == 2 and country.isalpha()):
        raise ValidationFailed(
            "invalid_country", _("A two-letter country code such as CN, DE or FR."), field="registration_country"
        )
    domain = (email_domain or "").strip().lower().lstrip("@")
    if domain and ("." not in domain or " " in domain or len(domain) > 253):
        raise ValidationFailed("invalid_domain", _("A domain such as example.com."), field="email_domain")
    if domain in FREE_MAIL_DOMAINS:
        raise ValidationFailed(
            "free_mail_domain",
            _("%(domain)s is a public e-mail service; give your organisation's own domain.") % {"domain": domain},
            field="email_domain",
        )
    values = {
        "legal_name": text_field(legal_name, field="legal_name", max_length=300),
        "registration_number": text_field(registration_number, field="registration_number", max_length=100),
        "registration_country": country,
        "address": text_field(address, field="address", max_length=2000, required=False),
        "email_domain": domain,
    }
    changed = {name: value for name, value in values.items() if getattr(profile, name) != value}
    restated = {name for name in ("legal_name", "registration_number") if name in changed and getattr(profile, name)}
    if not changed:
        return profile
    for name, value in changed.items():
        setattr(profile, name, value)
    if "email_domain" in changed:
        profile.domain_confirmed_at = None
        profile.domain_confirmed_email = ""
    profile.updated_at = timezone.now()
    profile.save()
    if restated and _organisation_status(actor) == VerificationStatus.VERIFIED:
        Organisation.objects.filter(pk=actor.organisation.pk).update(verification_status=VerificationStatus.UNVERIFIED)
        actor.organisation.verification_status = VerificationStatus.UNVERIFIED
        changed["verification_status"] = VerificationStatus.UNVERIFIED
    audit_act(actor, AuditAction.IDENTITY_PROFILE_UPDATED, subject=profile, changed=sorted(changed))
    return profile


def identity_document_add(*, actor: Actor, kind: str, upload: Any, file_name: str) -> IdentityDocument:
    """A document proving the organisation's identity (business registration, the signatory's identity)."""
    actor.require("identity:write")
    _editable(actor)
    return _document_add(
        actor, kind=kind, upload=upload, file_name=file_name, allowed=ORGANISATION_DOCUMENT_KINDS, claim=None
    )


@transaction.atomic
def identity_document_remove(*, actor: Actor, document_id: int) -> None:
    actor.require("identity:write")
    document = (
        IdentityDocument.objects.select_for_update(of=("self",))
        .select_related("claim")
        .filter(pk=document_id, organisation=actor.organisation)
        .first()
    )
    if document is None:
        raise NotFound()
    if document.claim is None:
        _editable(actor)
    elif document.claim.status not in {ClaimStatus.IN_REVIEW, ClaimStatus.MORE_INFORMATION}:
        raise Conflict("claim_decided", _("The documents of a decided claim are kept as its record."))
    audit_act(
        actor, AuditAction.IDENTITY_DOCUMENT_REMOVED, subject=document, kind=document.kind, sha256=document.sha256
    )
    document.delete()


@transaction.atomic
def identity_domain_code_send(*, actor: Actor, email: str) -> VerificationCode:
    """Send a code to an address on the organisation's own e-mail domain."""
    actor.require("identity:write")
    profile = _profile_for_update(actor.organisation)
    if not profile.email_domain:
        raise ValidationFailed("required", _("Give your organisation's e-mail domain first."), field="email_domain")
    email = email_field(email, field="email")
    if email.rpartition("@")[2] != profile.email_domain:
        raise ValidationFailed(
            "wrong_domain",
            _("The address must be on your organisation's domain, %(domain)s.") % {"domain": profile.email_domain},
            field="email",
        )
    return _code_send(actor, purpose=CodePurpose.DOMAIN, email=email)


def identity_domain_code_confirm(*, actor: Actor, code: str) -> IdentityProfile:
    actor.require("identity:write")
    with transaction.atomic():
        profile = _profile_for_update(actor.organisation)
        if codes.code_check(organisation=actor.organisation, purpose=CodePurpose.DOMAIN, code=code):
            sent_to = (
                VerificationCode.objects.filter(organisation=actor.organisation, purpose=CodePurpose.DOMAIN)
                .exclude(used_at=None)
                .order_by("-used_at")
                .values_list("email", flat=True)
                .first()
            )
            profile.domain_confirmed_at = timezone.now()
            profile.domain_confirmed_email = sent_to or ""
            profile.save(update_fields=["domain_confirmed_at", "domain_confirmed_email"])
            audit_act(actor, AuditAction.IDENTITY_DOMAIN_CONFIRMED, subject=profile, domain=profile.email_domain)
            return profile
        _wrong_code(actor, purpose=CodePurpose.DOMAIN, subject=profile)
    raise _invalid_code()


@transaction.atomic
def identity_submit(*, actor: Actor, note: str = "") -> IdentityProfile:
    """Send the organisation's identity to the operators, once nothing is missing."""
    actor.require("identity:write")
    profile = _profile_for_update(actor.organisation)
    missing = identity_missing(organisation=actor.organisation)
    if missing:
        raise ValidationFailed(
            "incomplete",
            _("Still missing: %(missing)s.") % {"missing": "; ".join(str(m.label) for m in missing)},
            field=missing[0].field,
            details={"missing": [m.code for m in missing]},
        )
    organisation_verification_pending(actor=actor, note=note)
    profile.submitted_at = timezone.now()
    profile.save(update_fields=["submitted_at"])
    audit_act(actor, AuditAction.IDENTITY_SUBMITTED, subject=profile)
    return profile


@transaction.atomic
def identity_review_decide(*, actor: Actor, organisation_id: int, decision: str, reason: str = "") -> Organisation:
    """Operators approve an organisation's identity, reject it, or ask for more, always saying why."""
    actor.require_operator()
    actor.require("identity:write")
    reason = _decision(decision, reason)
    organisation = Organisation.objects.filter(pk=organisation_id).exclude(kind=OrganisationKind.OPERATOR).first()
    if organisation is None:
        raise NotFound()
    if organisation.verification_status != VerificationStatus.PENDING:
        raise Conflict("not_in_review", _("This organisation's identity is not waiting for review."))
    status = {
        "approve": VerificationStatus.VERIFIED,
        "reject": VerificationStatus.REJECTED,
        "more_information": VerificationStatus.MORE_INFORMATION,
    }[decision]
    organisation = organisation_verification_decided(
        actor=actor, organisation_id=organisation.pk, status=status, reason=reason
    )
    profile = _profile_for_update(organisation)
    profile.review_note = reason
    profile.save(update_fields=["review_note"])
    audit_act(
        actor,
        AuditAction.IDENTITY_REVIEWED,
        subject=profile,
        organisation=organisation,
        decision=decision,
        reason=reason,
    )
    return organisation
