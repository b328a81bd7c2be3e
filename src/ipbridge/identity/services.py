"""Every write of authentication (鉴权): the organisation's identity, claims on register rights, mandates to
agents. Credentials are in ``ipbridge.identity.credentials``. One keyword-only function per use case, each in one
transaction with its audit rows.

A wrong code is the one refusal that must leave a trace (the attempt counts), so the code-checking services
commit that trace first and raise afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_record
from ipbridge.accounts.models import Organisation, OrganisationKind, VerificationStatus
from ipbridge.accounts.services import organisation_verification_decided, organisation_verification_pending
from ipbridge.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ipbridge.core.jobs import enqueue_after_commit
from ipbridge.core.privacy import email_masked
from ipbridge.engine.names import same_organisation
from ipbridge.identity import codes, tasks
from ipbridge.identity.files import document_discard, document_store
from ipbridge.identity.models import (
    CLAIM_DOCUMENT_KINDS,
    OPEN_CLAIM_STATUSES,
    ORGANISATION_DOCUMENT_KINDS,
    ClaimMethod,
    ClaimRelation,
    ClaimStatus,
    CodePurpose,
    IdentityDocument,
    IdentityProfile,
    Mandate,
    MandateAction,
    ReviewReason,
    RightClaim,
    VerificationCode,
)
from ipbridge.identity.selectors import (
    access_claim,
    access_mandate,
    claim_contacts,
    identity_missing,
    identity_profile,
    register_contact_changed,
)
from ipbridge.rights.models import Right
from ipbridge.rights.selectors import right_find

# Addresses anyone can open prove nothing about an organisation's domain.
FREE_MAIL_DOMAINS = frozenset(
    "gmail.com googlemail.com outlook.com hotmail.com live.com msn.com yahoo.com yahoo.co.jp icloud.com me.com "  # noqa: SIM905
    "aol.com gmx.de gmx.net web.de mail.ru yandex.ru proton.me protonmail.com qq.com foxmail.com 163.com 126.com "
    "sina.com sohu.com yeah.net aliyun.com".split()
)
MAX_MANDATE_YEARS = 5
DECISIONS = ("approve", "reject", "more_information")


def _audit(
    actor: Actor, action: AuditAction, *, subject: Any, organisation: Organisation | None = None, **details: Any
) -> None:
    audit_record(
        action=action,
        actor=actor.user,
        actor_label=actor.label,
        organisation=organisation or actor.organisation,
        subject=subject,
        details=details,
    )


def _require_kind(actor: Actor, *kinds: str) -> None:
    if actor.organisation.kind not in kinds:
        labels = ", ".join(str(OrganisationKind(k).label) for k in kinds)
        raise PermissionDenied(
            _("Only these organisations may do this: %(kinds)s.") % {"kinds": labels}, code="wrong_organisation_kind"
        )


def _text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed("required", _("This field is required."), field=field)
    if len(value) > max_length:
        raise ValidationFailed("too_long", _("At most %(n)d characters.") % {"n": max_length}, field=field)
    return value


def _decision(decision: str, reason: str) -> str:
    if decision not in DECISIONS:
        raise ValidationFailed(
            "invalid_choice", _("Choose one of: %(choices)s.") % {"choices": ", ".join(DECISIONS)}, field="decision"
        )
    if decision != "approve" and not reason.strip():
        raise ValidationFailed("required", _("Say why, so that the organisation knows what to do."), field="reason")
    return reason.strip()[:2000]


def code_email_deliver(*, code_id: int, code: str, language: str) -> None:
    """Send a code (a background job); nothing is sent once the code is used or expired."""
    record = VerificationCode.objects.select_related("organisation", "claim__right").filter(pk=code_id).first()
    if record is None or record.used_at is not None or record.expires_at <= timezone.now():
        return
    with translation.override(language):
        context = {
            "purpose": record.purpose,
            "organisation": record.organisation.name,
            "right": str(record.claim.right) if record.claim else "",
            "code": code,
            "minutes": int(codes.CODE_VALIDITY.total_seconds() // 60),
        }
        subject = _("Your IPBridge verification code")
        body = render_to_string("identity/email/code.txt", context)
    send_mail(subject, body, None, [record.email])


def _code_send(actor: Actor, *, purpose: str, email: str, claim: RightClaim | None = None) -> VerificationCode:
    record, code = codes.code_issue(organisation=actor.organisation, purpose=purpose, email=email, claim=claim)
    _audit(
        actor,
        AuditAction.IDENTITY_CODE_SENT,
        subject=claim or record,
        purpose=purpose,
        to=email_masked(email),
    )
    language = translation.get_language() or settings.LANGUAGE_CODE
    enqueue_after_commit(tasks.code_email_send, record.pk, code, language)
    return record


def _wrong_code(actor: Actor, *, purpose: str, subject: Any) -> None:
    _audit(actor, AuditAction.IDENTITY_CODE_FAILED, subject=subject, purpose=purpose)


def _invalid_code() -> ValidationFailed:
    return ValidationFailed("invalid_code", _("That code is not right."), field="code")


# The organisation's identity ------------------------------------------------------------------------------------


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
        "legal_name": _text(legal_name, field="legal_name", max_length=300),
        "registration_number": _text(registration_number, field="registration_number", max_length=100),
        "registration_country": country,
        "address": _text(address, field="address", max_length=2000, required=False),
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
    _audit(actor, AuditAction.IDENTITY_PROFILE_UPDATED, subject=profile, changed=sorted(changed))
    return profile


def _document_add(
    actor: Actor, *, kind: str, upload: Any, file_name: str, allowed: frozenset[str], claim: RightClaim | None
) -> IdentityDocument:
    if kind not in allowed:
        raise ValidationFailed(
            "invalid_choice",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(allowed))},
            field="kind",
        )
    name = _text(file_name, field="file", max_length=255, required=False) or "document"
    stored = document_store(upload)
    try:
        with transaction.atomic():
            document = IdentityDocument.objects.create(
                organisation=actor.organisation,
                claim=claim,
                kind=kind,
                file_name=name,
                storage_name=stored.storage_name,
                sha256=stored.sha256,
                size=stored.size,
                content_type=stored.content_type,
                uploaded_by=actor.user,
            )
            _audit(
                actor,
                AuditAction.IDENTITY_DOCUMENT_ADDED,
                subject=document,
                kind=kind,
                sha256=stored.sha256,
                claim=claim.pk if claim else None,
            )
    except BaseException:
        if not IdentityDocument.objects.filter(storage_name=stored.storage_name).exists():
            document_discard(stored)
        raise
    return document


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
        IdentityDocument.objects.select_for_update()
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
    _audit(actor, AuditAction.IDENTITY_DOCUMENT_REMOVED, subject=document, kind=document.kind, sha256=document.sha256)
    document.delete()


@transaction.atomic
def identity_domain_code_send(*, actor: Actor, email: str) -> VerificationCode:
    """Send a code to an address on the organisation's own e-mail domain."""
    actor.require("identity:write")
    profile = _profile_for_update(actor.organisation)
    if not profile.email_domain:
        raise ValidationFailed("required", _("Give your organisation's e-mail domain first."), field="email_domain")
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationFailed("invalid_email", _("Enter a valid e-mail address."), field="email") from exc
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
            _audit(actor, AuditAction.IDENTITY_DOMAIN_CONFIRMED, subject=profile, domain=profile.email_domain)
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
    _audit(actor, AuditAction.IDENTITY_SUBMITTED, subject=profile)
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
    _audit(
        actor,
        AuditAction.IDENTITY_REVIEWED,
        subject=profile,
        organisation=organisation,
        decision=decision,
        reason=reason,
    )
    return organisation


# Claims on register rights --------------------------------------------------------------------------------------


def _claim_conflicts(right: Right, organisation: Organisation) -> list[RightClaim]:
    return list(
        RightClaim.objects.select_related("organisation")
        .filter(right=right, status__in=OPEN_CLAIM_STATUSES - {ClaimStatus.AWAITING_CODE})
        .exclude(organisation=organisation)
    )


def _current_owners(right: Right) -> list[str]:
    return [p.name for p in right.parties.all() if p.role == "owner"]


@transaction.atomic
def right_claim_start(
    *,
    actor: Actor,
    office: str,
    number: str,
    method: str,
    relation: str = ClaimRelation.OWNER,
    contact_email: str = "",
) -> RightClaim:
    """Claim a right of the register, proved by a code sent to its contact of record, by documents for an
    operator, or automatically when the verified organisation is the register's current owner. A claim that
    conflicts with another organisation's, or a code path whose register contact changed recently, goes to
    review instead."""
    actor.require("identity:write")
    _require_kind(actor, OrganisationKind.RIGHT_HOLDER)
    if method not in ClaimMethod.values:
        raise ValidationFailed(
            "invalid_choice",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(ClaimMethod.values)},
            field="method",
        )
    if relation not in ClaimRelation.values:
        raise ValidationFailed(
            "invalid_choice",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(ClaimRelation.values)},
            field="relation",
        )
    if relation == ClaimRelation.EXCLUSIVE_LICENSEE and method != ClaimMethod.DOCUMENTS:
        raise ValidationFailed(
            "licence_needs_documents",
            _("A licence is proved by the licence contract: choose documents."),
            field="method",
        )
    right = right_find(office=office, number=number)
    if right is None:
        raise ValidationFailed(
            "right_not_found",
            _("No right %(office)s %(number)s in the register.") % {"office": office.upper(), "number": number},
            field="number",
        )
    if RightClaim.objects.filter(organisation=actor.organisation, right=right, status__in=OPEN_CLAIM_STATUSES).exists():
        raise Conflict("already_claimed", _("Your organisation already has a claim on this right."), field="number")
    claim = RightClaim(
        organisation=actor.organisation,
        right=right,
        relation=relation,
        method=method,
        created_by=actor.user,
    )
    reasons: list[str] = []
    evidence: dict[str, Any] = {"owners_of_record": _current_owners(right)}
    conflicts = _claim_conflicts(right, actor.organisation)
    if conflicts:
        reasons.append(ReviewReason.CONFLICT)
        evidence["conflicting_claims"] = [c.pk for c in conflicts]
    send_to = ""
    if method == ClaimMethod.AUTOMATIC:
        organisation = Organisation.objects.get(pk=actor.organisation.pk)
        if organisation.verification_status != VerificationStatus.VERIFIED:
            raise ValidationFailed(
                "organisation_not_verified",
                _("Automatic proof needs a verified organisation; get verified first, or choose another proof."),
                field="method",
            )
        names = [organisation.name, identity_profile(organisation=organisation).legal_name]
        owner = next((o for o in _current_owners(right) for n in names if n and same_organisation(n, o)), None)
        if owner is None:
            raise ValidationFailed(
                "name_mismatch",
                _("Your organisation's name does not match the owner of record (%(owners)s); choose another proof.")
                % {"owners": "; ".join(_current_owners(right)) or "—"},
                field="method",
            )
        evidence.update(matched_owner=owner, organisation_name=organisation.name)
    elif method == ClaimMethod.CONTACT_CODE:
        contacts = claim_contacts(right=right)
        if not contacts:
            raise ValidationFailed(
                "no_contact",
                _("The register holds no e-mail address for this right; prove it with documents."),
                field="method",
            )
        send_to = (contact_email or "").strip().lower() or contacts[0].email
        if send_to not in {c.email for c in contacts}:
            raise ValidationFailed(
                "not_a_contact", _("Choose one of the register's contact addresses."), field="contact_email"
            )
        evidence["contact_of_record"] = email_masked(send_to)
        changed = register_contact_changed(right=right, within_days=settings.CONTACT_CHANGE_HOLD_DAYS)
        if changed is not None:
            reasons.append(ReviewReason.CONTACT_CHANGED)
            evidence["register_change"] = {"field": changed.field, "changed_at": changed.changed_at.isoformat()}
    else:
        reasons.append(
            ReviewReason.LICENSEE if relation == ClaimRelation.EXCLUSIVE_LICENSEE else ReviewReason.DOCUMENTS
        )
    claim.review_reasons = reasons
    claim.evidence = evidence
    if reasons:
        claim.status = ClaimStatus.IN_REVIEW
    elif method == ClaimMethod.CONTACT_CODE:
        claim.status = ClaimStatus.AWAITING_CODE
    else:
        claim.status = ClaimStatus.APPROVED
        claim.decided_at = timezone.now()
    claim.save()
    _audit(
        actor,
        AuditAction.CLAIM_STARTED,
        subject=claim,
        right=f"{right.office} {right.number}",
        method=method,
        relation=relation,
    )
    if claim.status == ClaimStatus.AWAITING_CODE:
        _code_send(actor, purpose=CodePurpose.CONTACT_OF_RECORD, email=send_to, claim=claim)
    elif claim.status == ClaimStatus.IN_REVIEW:
        _audit(actor, AuditAction.CLAIM_SENT_TO_REVIEW, subject=claim, reasons=reasons)
    else:
        _audit(actor, AuditAction.CLAIM_APPROVED, subject=claim, method=method)
    return claim


@transaction.atomic
def right_claim_code_resend(*, actor: Actor, claim_id: int) -> VerificationCode:
    actor.require("identity:write")
    claim = access_claim(actor=actor, claim_id=claim_id, for_update=True)
    if claim.status != ClaimStatus.AWAITING_CODE:
        raise Conflict("not_awaiting_code", _("This claim is not waiting for a code."))
    previous = claim.codes.order_by("-created_at", "-id").first()
    if previous is None:
        raise Conflict("not_awaiting_code", _("This claim is not waiting for a code."))
    return _code_send(actor, purpose=CodePurpose.CONTACT_OF_RECORD, email=previous.email, claim=claim)


def right_claim_code_confirm(*, actor: Actor, claim_id: int, code: str) -> RightClaim:
    """The code the contact of record received proves the claim. The register is read again first: a contact
    that changed since the code was sent sends the claim to review."""
    actor.require("identity:write")
    with transaction.atomic():
        claim = access_claim(actor=actor, claim_id=claim_id, for_update=True)
        if claim.status != ClaimStatus.AWAITING_CODE:
            raise Conflict("not_awaiting_code", _("This claim is not waiting for a code."))
        if codes.code_check(
            organisation=actor.organisation, purpose=CodePurpose.CONTACT_OF_RECORD, code=code, claim=claim
        ):
            changed = register_contact_changed(right=claim.right, within_days=settings.CONTACT_CHANGE_HOLD_DAYS)
            conflicts = _claim_conflicts(claim.right, actor.organisation)
            reasons = ([ReviewReason.CONTACT_CHANGED] if changed else []) + (
                [ReviewReason.CONFLICT] if conflicts else []
            )
            claim.evidence = {**claim.evidence, "code_confirmed_at": timezone.now().isoformat()}
            if reasons:
                claim.status, claim.review_reasons = ClaimStatus.IN_REVIEW, reasons
                claim.save(update_fields=["status", "review_reasons", "evidence"])
                _audit(actor, AuditAction.CLAIM_SENT_TO_REVIEW, subject=claim, reasons=reasons)
            else:
                claim.status, claim.decided_at = ClaimStatus.APPROVED, timezone.now()
                claim.save(update_fields=["status", "decided_at", "evidence"])
                _audit(actor, AuditAction.CLAIM_APPROVED, subject=claim, method=claim.method)
            return claim
        _wrong_code(actor, purpose=CodePurpose.CONTACT_OF_RECORD, subject=claim)
    raise _invalid_code()


def right_claim_document_add(
    *, actor: Actor, claim_id: int, kind: str, upload: Any, file_name: str
) -> IdentityDocument:
    """A registration certificate, assignment or licence for a claim that an operator reviews."""
    actor.require("identity:write")
    claim = access_claim(actor=actor, claim_id=claim_id)
    if claim.status not in {ClaimStatus.IN_REVIEW, ClaimStatus.MORE_INFORMATION}:
        raise Conflict("not_in_review", _("Documents can be added while the claim is in review."))
    document = _document_add(
        actor, kind=kind, upload=upload, file_name=file_name, allowed=CLAIM_DOCUMENT_KINDS, claim=claim
    )
    if claim.status == ClaimStatus.MORE_INFORMATION:
        RightClaim.objects.filter(pk=claim.pk, status=ClaimStatus.MORE_INFORMATION).update(status=ClaimStatus.IN_REVIEW)
    return document


@transaction.atomic
def right_claim_withdraw(*, actor: Actor, claim_id: int) -> RightClaim:
    actor.require("identity:write")
    claim = access_claim(actor=actor, claim_id=claim_id, for_update=True)
    if claim.status in {ClaimStatus.REJECTED, ClaimStatus.WITHDRAWN}:
        raise Conflict("claim_closed", _("This claim is already closed."))
    previous = claim.status
    claim.status = ClaimStatus.WITHDRAWN
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "decided_at"])
    _audit(actor, AuditAction.CLAIM_WITHDRAWN, subject=claim, previous=previous)
    return claim


@transaction.atomic
def right_claim_review_decide(*, actor: Actor, claim_id: int, decision: str, reason: str = "") -> RightClaim:
    """Operators decide a claim in review. Approving one claim never silently overrides another: the other
    organisation's approved claim stays until it is itself reviewed."""
    actor.require_operator()
    actor.require("identity:write")
    reason = _decision(decision, reason)
    claim = RightClaim.objects.select_for_update().select_related("organisation", "right").filter(pk=claim_id).first()
    if claim is None:
        raise NotFound()
    if claim.status not in {ClaimStatus.IN_REVIEW, ClaimStatus.MORE_INFORMATION}:
        raise Conflict("not_in_review", _("This claim is not waiting for review."))
    claim.status = {
        "approve": ClaimStatus.APPROVED,
        "reject": ClaimStatus.REJECTED,
        "more_information": ClaimStatus.MORE_INFORMATION,
    }[decision]
    claim.decided_by = actor.user
    claim.decided_at = timezone.now()
    claim.decision_reason = reason
    claim.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    _audit(
        actor,
        AuditAction.CLAIM_REVIEWED,
        subject=claim,
        organisation=claim.organisation,
        decision=decision,
        reason=reason,
        right=f"{claim.right.office} {claim.right.number}",
    )
    return claim


# Mandates -------------------------------------------------------------------------------------------------------


def _both(actor: Actor, action: AuditAction, mandate: Mandate, **details: Any) -> None:
    """Mandate events are recorded for the right holder and for the agent, each seeing them in its own log."""
    for organisation in (mandate.principal, mandate.agent):
        _audit(actor, action, subject=mandate, organisation=organisation, **details)


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
    _require_kind(actor, OrganisationKind.RIGHT_HOLDER)
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
    note = _text(note, field="note", max_length=2000, required=False)
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
                document_name=_text(document_name, field="document", max_length=255, required=False) or "mandate",
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
    _require_kind(actor, OrganisationKind.AGENT)
    if action not in MandateAction.values:
        raise ValidationFailed(
            "invalid_choice",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(MandateAction.values)},
            field="action",
        )
    principal = Organisation.objects.filter(
        slug=(principal_slug or "").strip(), kind=OrganisationKind.RIGHT_HOLDER
    ).first()
    if principal is None:
        raise ValidationFailed("principal_not_found", _("No right holder with this name."), field="principal")
    right = right_find(office=office, number=number)
    if right is None:
        raise ValidationFailed(
            "right_not_found",
            _("No right %(office)s %(number)s in the register.") % {"office": office.upper(), "number": number},
            field="number",
        )
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
        _audit(
            actor,
            AuditAction.MANDATE_USED if result.allowed else AuditAction.MANDATE_REFUSED,
            subject=result.mandate,
            organisation=organisation,
            **details,
        )
    return result
