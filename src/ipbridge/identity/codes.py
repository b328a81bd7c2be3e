"""One-time codes sent by e-mail: six digits, single-use, short-lived, a few attempts each, a few sends an hour;
only a keyed hash is stored and codes are compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.models import Organisation
from ipbridge.core.errors import TooManyRequests, ValidationFailed
from ipbridge.identity.models import RightClaim, VerificationCode

CODE_VALIDITY = timedelta(minutes=15)
MAX_ATTEMPTS = 5
MAX_SENDS_PER_HOUR = 5


def _hash(code_id: int, code: str) -> str:
    key = hashlib.sha256(f"ipbridge-identity-code:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, f"{code_id}:{code}".encode(), hashlib.sha256).hexdigest()


def code_issue(
    *, organisation: Organisation, purpose: str, email: str, claim: RightClaim | None = None
) -> tuple[VerificationCode, str]:
    """A new code for ``email``; earlier unused codes of the same purpose (and claim) stop working."""
    now = timezone.now()
    recent = VerificationCode.objects.filter(
        organisation=organisation, purpose=purpose, created_at__gte=now - timedelta(hours=1)
    ).count()
    if recent >= MAX_SENDS_PER_HOUR:
        raise TooManyRequests(
            "too_many_codes", _("Too many codes were sent in the last hour. Try again later."), field="email"
        )
    VerificationCode.objects.filter(organisation=organisation, purpose=purpose, claim=claim, used_at=None).update(
        expires_at=now
    )
    code = f"{secrets.randbelow(10**6):06d}"
    record = VerificationCode.objects.create(
        organisation=organisation,
        purpose=purpose,
        claim=claim,
        email=email,
        code_hash="",
        expires_at=now + CODE_VALIDITY,
    )
    record.code_hash = _hash(record.pk, code)
    record.save(update_fields=["code_hash"])
    return record, code


def code_check(*, organisation: Organisation, purpose: str, code: str, claim: RightClaim | None = None) -> bool:
    """Whether ``code`` is the live code of this purpose (and claim); a right code is used up, a wrong one counts
    as an attempt. Raises ``ValidationFailed`` when there is no live code to try."""
    now = timezone.now()
    record = (
        VerificationCode.objects.select_for_update()
        .filter(organisation=organisation, purpose=purpose, claim=claim, used_at=None)
        .order_by("-created_at", "-id")
        .first()
    )
    if record is None or record.expires_at <= now:
        raise ValidationFailed("code_expired", _("This code has expired. Ask for a new one."), field="code")
    if record.attempts >= MAX_ATTEMPTS:
        raise ValidationFailed("too_many_attempts", _("Too many wrong codes. Ask for a new code."), field="code")
    given = "".join((code or "").split())
    if hmac.compare_digest(record.code_hash, _hash(record.pk, given)):
        record.used_at = now
        record.save(update_fields=["used_at"])
        return True
    record.attempts += 1
    record.save(update_fields=["attempts"])
    return False
