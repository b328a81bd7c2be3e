"""Portable credentials: a JWS (EdDSA, Ed25519) naming the organisation, the rights it has proved it holds and
the mandates it acts under, verifiable by anyone with the keys published at ``/.well-known/jwks.json``, with a
public status endpoint for revocation. Writes and reads of credentials and signing keys."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_record
from ipbridge.accounts.models import Organisation, OrganisationKind, VerificationStatus
from ipbridge.core.errors import Conflict, NotFound, ValidationFailed
from ipbridge.engine import credentials as jws
from ipbridge.identity.models import Credential, Mandate, SigningKey
from ipbridge.identity.selectors import mandates_in_force, rights_held
from ipbridge.identity.signing import published_jwks, signing_key_create, signing_key_current


def _site() -> str:
    return settings.SITE_URL.rstrip("/")


def status_url(jti: object) -> str:
    return f"{_site()}/api/v1/credentials/{jti}/status"


def _mandate_claim(mandate: Mandate) -> dict[str, Any]:
    return {
        "id": mandate.pk,
        "principal": {"name": mandate.principal.name, "id": mandate.principal.slug},
        "rights": [{"office": r.office, "number": r.number} for r in mandate.rights.all()],
        "marketplaces": "all" if mandate.all_marketplaces else [m.slug for m in mandate.marketplaces.all()],
        "actions": list(mandate.actions),
        "valid_from": mandate.valid_from.isoformat(),
        "valid_until": mandate.valid_until.isoformat(),
        "document_sha256": mandate.document_sha256,
    }


@transaction.atomic
def credential_issue(*, actor: Actor, organisation: Organisation | None = None) -> Credential:
    """Sign a credential for the actor's organisation (operators: for any). It needs a verified organisation and
    something to state: rights it holds, or mandates it acts under. It ends when the first of its mandates does."""
    actor.require("identity:write")
    organisation = organisation or actor.organisation
    if organisation.pk != actor.organisation.pk:
        actor.require_operator()
    organisation = Organisation.objects.get(pk=organisation.pk)
    if organisation.kind not in (OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT):
        raise ValidationFailed(
            "wrong_organisation_kind", _("Credentials are for right holders and agents."), field="organisation"
        )
    if organisation.verification_status != VerificationStatus.VERIFIED:
        raise ValidationFailed(
            "organisation_not_verified", _("The organisation must be verified first."), field="organisation"
        )
    held = list(rights_held(organisation=organisation))
    mandates = mandates_in_force(organisation=organisation) if organisation.kind == OrganisationKind.AGENT else []
    if not held and not mandates:
        raise ValidationFailed(
            "nothing_to_state",
            _("Authenticate at least one right, or hold a mandate, before asking for a credential."),
            field="organisation",
        )
    now = timezone.now().replace(microsecond=0)
    expires = now + timedelta(days=settings.CREDENTIAL_VALIDITY_DAYS)
    for mandate in mandates:
        ends = datetime.combine(
            mandate.valid_until + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone()
        )
        expires = min(expires, ends)
    key = signing_key_current()
    credential = Credential(
        organisation=organisation, kid=key.kid, issued_by=actor.user, issued_at=now, expires_at=expires
    )
    claims: dict[str, Any] = {
        "iss": _site(),
        "sub": f"org:{organisation.slug}",
        "jti": str(credential.jti),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "organisation": {
            "id": organisation.slug,
            "name": organisation.name,
            "kind": organisation.kind,
            "country": organisation.country,
            "verification": organisation.verification_status,
        },
        "rights": [
            {
                "office": c.right.office,
                "number": c.right.number,
                "mark": c.right.label,
                "relation": c.relation,
                "proof": c.method,
                "since": (c.decided_at or c.created_at).date().isoformat(),
            }
            for c in held
        ],
        "mandates": [_mandate_claim(m) for m in mandates],
        "status": status_url(credential.jti),
    }
    credential.claims = claims
    credential.token = jws.sign(claims, key=key)
    credential.save()
    credential.mandates.set(mandates)
    audit_record(
        action=AuditAction.CREDENTIAL_ISSUED,
        actor=actor.user,
        actor_label=actor.label,
        organisation=organisation,
        subject=credential,
        details={"jti": str(credential.jti), "kid": key.kid, "rights": len(held), "mandates": [m.pk for m in mandates]},
    )
    return credential


def _credentials_for(actor: Actor) -> QuerySet[Credential]:
    actor.require("identity:read")
    credentials = Credential.objects.select_related("organisation", "issued_by")
    return credentials if actor.is_operator else credentials.filter(organisation=actor.organisation)


def credentials_visible(*, actor: Actor) -> QuerySet[Credential]:
    return _credentials_for(actor).order_by("-issued_at", "-id")


def credentials_current(*, organisation: Organisation) -> Credential | None:
    """The organisation's newest credential that is neither revoked nor expired, to attach to what it sends."""
    return (
        Credential.objects.filter(organisation=organisation, revoked_at=None, expires_at__gt=timezone.now())
        .order_by("-issued_at", "-id")
        .first()
    )


def access_credential(*, actor: Actor, credential_id: int) -> Credential:
    credential = _credentials_for(actor).filter(pk=credential_id).first()
    if credential is None:
        raise NotFound()
    return credential


@transaction.atomic
def credential_revoke(*, actor: Actor, credential_id: int, reason: str = "") -> Credential:
    actor.require("identity:write")
    credential = access_credential(actor=actor, credential_id=credential_id)
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.revoked_at is not None:
        raise Conflict("already_revoked", _("This credential is already revoked."))
    credential.revoked_at = timezone.now()
    credential.revocation_reason = reason.strip()[:2000] or "revoked by its holder"
    credential.save(update_fields=["revoked_at", "revocation_reason"])
    audit_record(
        action=AuditAction.CREDENTIAL_REVOKED,
        actor=actor.user,
        actor_label=actor.label,
        organisation=credential.organisation,
        subject=credential,
        details={"jti": str(credential.jti), "reason": credential.revocation_reason},
    )
    return credential


@transaction.atomic
def signing_key_rotate(*, actor: Actor) -> SigningKey:
    """A new signing key; credentials signed by the old one keep verifying, since it stays published."""
    actor.require_operator()
    actor.require("identity:write")
    key = signing_key_create()
    audit_record(
        action=AuditAction.SIGNING_KEY_ROTATED,
        actor=actor.user,
        actor_label=actor.label,
        organisation=actor.organisation,
        subject=key,
        details={"kid": key.kid},
    )
    return key


@dataclass(frozen=True)
class CredentialStatus:
    jti: str
    revoked: bool
    revoked_at: datetime | None
    reason: str
    expires_at: datetime


def credential_status(*, jti: str) -> CredentialStatus:
    """Public: whether a credential is revoked. Says nothing else about it."""
    credential = Credential.objects.filter(jti=jti).first() if _is_uuid(jti) else None
    if credential is None:
        raise NotFound()
    return CredentialStatus(
        jti=str(credential.jti),
        revoked=credential.revoked_at is not None,
        revoked_at=credential.revoked_at,
        reason=credential.revocation_reason if credential.revoked_at else "",
        expires_at=credential.expires_at,
    )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


def jwks_document() -> dict[str, list[dict[str, str]]]:
    """The public keys of every credential this instance signed (empty until the first is issued)."""
    return published_jwks()


def credential_check(*, token: str) -> tuple[jws.Verification, CredentialStatus | None]:
    """Verify a token as any outsider would (signature with the published keys, expiry), then its status here."""
    result = jws.verify(token or "", keys=published_jwks())
    if not result.valid:
        return result, None
    try:
        status = credential_status(jti=str(result.claims.get("jti", "")))
    except NotFound:
        return jws.Verification(
            False, "unknown_key", _("This instance did not issue the credential."), {}, result.kid
        ), None
    if status.revoked:
        detail = _("The credential was revoked on %(date)s: %(reason)s.") % {
            "date": f"{status.revoked_at:%Y-%m-%d %H:%M} UTC",
            "reason": status.reason,
        }
        return jws.Verification(False, "revoked", detail, result.claims, result.kid), status
    return result, status
