"""What the authentication services share: audit rows for the acting organisation, input checks, codes by
e-mail, documents."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act
from ipbridge.core.errors import ValidationFailed
from ipbridge.core.jobs import enqueue_after_commit
from ipbridge.core.privacy import email_masked
from ipbridge.core.validation import choice_field, text_field
from ipbridge.identity import codes, tasks
from ipbridge.identity.files import document_discard, document_store
from ipbridge.identity.models import (
    IdentityDocument,
    RightClaim,
    VerificationCode,
)
from ipbridge.rights.models import Right
from ipbridge.rights.selectors import right_find

DECISIONS = ("approve", "reject", "more_information")


def _right(office: str, number: str) -> Right:
    """The register's right, or the refusal naming the number."""
    right = right_find(office=office, number=number)
    if right is None:
        raise ValidationFailed(
            "right_not_found",
            _("No right %(office)s %(number)s in the register.") % {"office": office.upper(), "number": number},
            field="number",
        )
    return right


def _decision(decision: str, reason: str) -> str:
    choice_field(decision, DECISIONS, field="decision")
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
    audit_act(
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
    audit_act(actor, AuditAction.IDENTITY_CODE_FAILED, subject=subject, purpose=purpose)


def _invalid_code() -> ValidationFailed:
    return ValidationFailed("invalid_code", _("That code is not right."), field="code")


def _document_add(
    actor: Actor, *, kind: str, upload: Any, file_name: str, allowed: frozenset[str], claim: RightClaim | None
) -> IdentityDocument:
    choice_field(kind, sorted(allowed), field="kind")
    name = text_field(file_name, field="file", max_length=255, required=False) or "document"
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
            audit_act(
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
