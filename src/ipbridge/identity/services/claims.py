"""Writes of claims on register rights: the three proofs, the hold on changed contacts, operators' decisions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act
from ipbridge.accounts.models import Organisation, OrganisationKind, VerificationStatus
from ipbridge.core.errors import Conflict, NotFound, ValidationFailed
from ipbridge.core.privacy import email_masked
from ipbridge.core.validation import choice_field
from ipbridge.engine.names import same_organisation
from ipbridge.identity import codes
from ipbridge.identity.models import (
    CLAIM_DOCUMENT_KINDS,
    OPEN_CLAIM_STATUSES,
    ClaimMethod,
    ClaimRelation,
    ClaimStatus,
    CodePurpose,
    IdentityDocument,
    ReviewReason,
    RightClaim,
    VerificationCode,
)
from ipbridge.identity.selectors import (
    access_claim,
    claim_contacts,
    identity_profile,
    register_contact_changed,
)
from ipbridge.identity.services._shared import (
    _code_send,
    _decision,
    _document_add,
    _invalid_code,
    _right,
    _wrong_code,
)
from ipbridge.rights.models import Right


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
    actor.require_kind(OrganisationKind.RIGHT_HOLDER)
    choice_field(method, ClaimMethod.values, field="method")
    choice_field(relation, ClaimRelation.values, field="relation")
    if relation == ClaimRelation.EXCLUSIVE_LICENSEE and method != ClaimMethod.DOCUMENTS:
        raise ValidationFailed(
            "licence_needs_documents",
            _("A licence is proved by the licence contract: choose documents."),
            field="method",
        )
    right = _right(office, number)
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
    audit_act(
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
        audit_act(actor, AuditAction.CLAIM_SENT_TO_REVIEW, subject=claim, reasons=reasons)
    else:
        audit_act(actor, AuditAction.CLAIM_APPROVED, subject=claim, method=method)
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
                audit_act(actor, AuditAction.CLAIM_SENT_TO_REVIEW, subject=claim, reasons=reasons)
            else:
                claim.status, claim.decided_at = ClaimStatus.APPROVED, timezone.now()
                claim.save(update_fields=["status", "decided_at", "evidence"])
                audit_act(actor, AuditAction.CLAIM_APPROVED, subject=claim, method=claim.method)
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
    audit_act(actor, AuditAction.CLAIM_WITHDRAWN, subject=claim, previous=previous)
    return claim


@transaction.atomic
def right_claim_review_decide(*, actor: Actor, claim_id: int, decision: str, reason: str = "") -> RightClaim:
    """Operators decide a claim in review. Approving one claim never silently overrides another: the other
    organisation's approved claim stays until it is itself reviewed."""
    actor.require_operator()
    actor.require("identity:write")
    reason = _decision(decision, reason)
    claim = (
        RightClaim.objects.select_for_update(of=("self",))
        .select_related("organisation", "right")
        .filter(pk=claim_id)
        .first()
    )
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
    audit_act(
        actor,
        AuditAction.CLAIM_REVIEWED,
        subject=claim,
        organisation=claim.organisation,
        decision=decision,
        reason=reason,
        right=f"{claim.right.office} {claim.right.number}",
    )
    return claim
