"""Every write of the accounts app: one keyword-only function per use case, each in one transaction with its
audit row."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ipbridge.accounts import tasks
from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import SYSTEM_LABEL, AuditAction, audit_record
from ipbridge.accounts.models import (
    ApiKey,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
    VerificationStatus,
)
from ipbridge.accounts.scopes import ALL_SCOPES
from ipbridge.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ipbridge.core.jobs import enqueue_after_commit
from ipbridge.core.validation import email_field

INVITATION_VALIDITY = timedelta(days=7)
API_KEY_PREFIX = "ipb_"
RECOVERY_CODE_COUNT = 10
SELF_SERVICE_KINDS = frozenset(OrganisationKind.values) - {OrganisationKind.OPERATOR}


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _clean_name(value: str, *, field: str, max_length: int = 200) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed("required", _("This field is required."), field=field)
    if len(value) > max_length:
        raise ValidationFailed("too_long", _("At most %(n)d characters.") % {"n": max_length}, field=field)
    return value


def _check_password(password: str, *, user: User | None, field: str = "password") -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed("weak_password", " ".join(exc.messages), field=field) from exc


def _unique_slug(name: str) -> str:
    base = slugify(name)[:60].strip("-") or "org"
    slug, n = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _clean_kind(kind: str, *, allowed: frozenset[str]) -> str:
    if kind not in allowed:
        raise ValidationFailed(
            "invalid_choice",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(allowed))},
            field="kind",
        )
    return kind


@transaction.atomic
def organisation_create(
    *,
    name: str,
    kind: str,
    country: str = "",
    creator: User | None = None,
    allow_operator: bool = False,
) -> Organisation:
    """Create an organisation, by the person signing it up (``creator``) or from the command line.
    Operator organisations come only from the command line (``allow_operator``)."""
    allowed = frozenset(OrganisationKind.values) if allow_operator else SELF_SERVICE_KINDS
    organisation = Organisation.objects.create(
        name=_clean_name(name, field="name"),
        kind=_clean_kind(kind, allowed=allowed),
        country=(country or "").strip().upper()[:2],
        slug=_unique_slug(name),
    )
    audit_record(
        action=AuditAction.ORGANISATION_CREATED,
        actor=creator,
        actor_label=creator.email if creator else SYSTEM_LABEL,
        organisation=organisation,
        subject=organisation,
        details={"kind": kind, "name": organisation.name},
    )
    return organisation


@transaction.atomic
def user_create(*, email: str, full_name: str, password: str, check_strength: bool = True) -> User:
    email = email_field(email, field="email")
    full_name = _clean_name(full_name, field="full_name")
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict("email_taken", _("An account with this e-mail address already exists."), field="email")
    if check_strength:
        _check_password(password, user=User(email=email, full_name=full_name))
    user = User.objects.create_user(email=email, password=password, full_name=full_name)
    audit_record(action=AuditAction.USER_CREATED, actor=user, organisation=None, subject=user)
    return user


def _membership_add(*, user: User, organisation: Organisation, role: str, actor_user: User | None) -> Membership:
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    except IntegrityError as exc:
        raise Conflict("already_member", _("This person is already a member."), field="email") from exc
    if user.active_organisation_id is None:
        user.active_organisation = organisation
        user.save(update_fields=["active_organisation"])
    audit_record(
        action=AuditAction.MEMBERSHIP_CREATED,
        actor=actor_user,
        organisation=organisation,
        subject=membership,
        details={"user": user.email, "role": role},
    )
    return membership


@transaction.atomic
def organisation_sign_up(
    *, organisation_name: str, kind: str, full_name: str, email: str, password: str, country: str = ""
) -> tuple[Organisation, User]:
    """A new organisation with its first administrator."""
    user = user_create(email=email, full_name=full_name, password=password)
    organisation = organisation_create(name=organisation_name, kind=kind, country=country, creator=user)
    _membership_add(user=user, organisation=organisation, role=Role.ADMIN, actor_user=user)
    return organisation, user


@transaction.atomic
def membership_grant(*, user: User, organisation: Organisation, role: str = Role.MEMBER) -> Membership:
    """Add an existing person to an organisation (command line and demo; people use invitations)."""
    if role not in Role.values:
        raise ValidationFailed("invalid_choice", _("Unknown role."), field="role")
    return _membership_add(user=user, organisation=organisation, role=role, actor_user=None)


@transaction.atomic
def organisation_switch(*, user: User, organisation_id: int) -> Organisation:
    membership = (
        Membership.objects.select_related("organisation").filter(user=user, organisation_id=organisation_id).first()
    )
    if membership is None:
        raise NotFound(_("You are not a member of that organisation."))
    user.active_organisation = membership.organisation
    user.save(update_fields=["active_organisation"])
    audit_record(
        action=AuditAction.USER_ORGANISATION_SWITCHED,
        actor=user,
        organisation=membership.organisation,
        subject=membership.organisation,
    )
    return membership.organisation


@transaction.atomic
def organisation_set_verification(*, actor: Actor, organisation_id: int, status: str, reason: str = "") -> Organisation:
    """Operators' administrators set an organisation's verification status directly."""
    actor.require_operator()
    actor.require("accounts:write")
    return organisation_verification_decided(actor=actor, organisation_id=organisation_id, status=status, reason=reason)


@transaction.atomic
def organisation_verification_decided(
    *, actor: Actor, organisation_id: int, status: str, reason: str = ""
) -> Organisation:
    """Record an operator's verification decision. The caller has checked the permission beyond being an
    operator (an administrator's direct change, or an identity review)."""
    actor.require_operator()
    if status not in VerificationStatus.values:
        raise ValidationFailed(
            "invalid_choice",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(VerificationStatus.values)},
            field="status",
        )
    organisation = Organisation.objects.select_for_update().filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound()
    previous = organisation.verification_status
    organisation.verification_status = status
    organisation.save(update_fields=["verification_status"])
    audit_record(
        action=AuditAction.ORGANISATION_VERIFICATION_SET,
        actor=actor.user,
        actor_label=actor.label,
        organisation=organisation,
        subject=organisation,
        details={"from": previous, "to": status, "reason": reason[:1000]},
    )
    return organisation


@transaction.atomic
def organisation_verification_pending(*, actor: Actor, note: str = "") -> Organisation:
    """Put the actor's organisation in the operators' review queue. Called once its identity is complete
    (``ipbridge.identity.services.identity_submit``), which checks the actor's permission."""
    organisation = Organisation.objects.select_for_update().get(pk=actor.organisation.pk)
    if organisation.verification_status == VerificationStatus.VERIFIED:
        raise Conflict("already_verified", _("Your organisation is already verified."))
    if organisation.verification_status == VerificationStatus.PENDING:
        raise Conflict("already_pending", _("Your request is already with the operators."))
    previous = organisation.verification_status
    organisation.verification_status = VerificationStatus.PENDING
    organisation.save(update_fields=["verification_status"])
    audit_record(
        action=AuditAction.ORGANISATION_VERIFICATION_REQUESTED,
        actor=actor.user,
        actor_label=actor.label,
        organisation=organisation,
        subject=organisation,
        details={"from": previous, "note": note[:1000]},
    )
    return organisation


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    codes = {code for code, _label in settings.LANGUAGES}
    if language not in codes:
        raise ValidationFailed("invalid_choice", _("Unknown language."), field="language")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
        audit_record(
            action=AuditAction.USER_LANGUAGE_SET,
            actor=user,
            organisation=None,
            subject=user,
            details={"language": language},
        )
    return user


# Invitations ----------------------------------------------------------------------------------------------------


def invitation_email_deliver(*, invitation_id: int, token: str, language: str) -> None:
    """Send the invitation message (a background job); does nothing once the invitation is no longer pending."""
    invitation = Invitation.objects.select_related("organisation", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        return
    with translation.override(language):
        context = {
            "invitation": invitation,
            "url": f"{settings.SITE_URL.rstrip('/')}/invitations/{token}/",
        }
        subject = _("You are invited to join %(organisation)s on IPBridge") % {
            "organisation": invitation.organisation.name
        }
        body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


@transaction.atomic
def invitation_send(*, actor: Actor, email: str, role: str = Role.MEMBER) -> Invitation:
    actor.require("accounts:write")
    email = email_field(email, field="email")
    if role not in Role.values:
        raise ValidationFailed("invalid_choice", _("Unknown role."), field="role")
    if Membership.objects.filter(organisation=actor.organisation, user__email__iexact=email).exists():
        raise Conflict("already_member", _("This person is already a member."), field="email")
    now = timezone.now()
    Invitation.objects.filter(organisation=actor.organisation, email=email, accepted_at=None, revoked_at=None).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=actor.organisation,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by=actor.user,
        expires_at=now + INVITATION_VALIDITY,
    )
    audit_record(
        action=AuditAction.INVITATION_SENT,
        actor=actor.user,
        actor_label=actor.label,
        organisation=actor.organisation,
        subject=invitation,
        details={"email": email, "role": role},
    )
    language = translation.get_language() or settings.LANGUAGE_CODE
    enqueue_after_commit(tasks.invitation_email_send, invitation.pk, token, language)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Actor, invitation_id: int) -> Invitation:
    actor.require("accounts:write")
    invitation = (
        Invitation.objects.select_for_update().filter(pk=invitation_id, organisation=actor.organisation).first()
    )
    if invitation is None:
        raise NotFound()
    if not invitation.is_pending:
        raise Conflict("not_pending", _("This invitation is no longer pending."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        action=AuditAction.INVITATION_REVOKED,
        actor=actor.user,
        actor_label=actor.label,
        organisation=actor.organisation,
        subject=invitation,
        details={"email": invitation.email},
    )
    return invitation


def invitation_by_token(token: str) -> Invitation:
    invitation = Invitation.objects.select_related("organisation").filter(token_hash=_token_hash(token or "")).first()
    if invitation is None or not invitation.is_pending:
        raise NotFound(_("This invitation is unknown, expired or already used."), code="invitation_invalid")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User | None = None, full_name: str = "", password: str = "") -> Membership:
    """Accept as the signed-in ``user``, or create the invited person's account from ``full_name`` and
    ``password``."""
    invitation = invitation_by_token(token)
    Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if user is None:
        user = user_create(email=invitation.email, full_name=full_name, password=password)
    elif user.email.lower() != invitation.email.lower():
        raise PermissionDenied(_("This invitation was sent to another e-mail address."), code="invitation_other_email")
    membership = _membership_add(user=user, organisation=invitation.organisation, role=invitation.role, actor_user=user)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(
        action=AuditAction.INVITATION_ACCEPTED,
        actor=user,
        organisation=invitation.organisation,
        subject=invitation,
        details={"email": invitation.email, "role": invitation.role},
    )
    return membership


# Members --------------------------------------------------------------------------------------------------------


def _member_for_update(*, actor: Actor, membership_id: int) -> Membership:
    actor.require("accounts:write")
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(pk=membership_id, organisation=actor.organisation)
        .first()
    )
    if membership is None:
        raise NotFound()
    return membership


def _ensure_an_admin_remains(membership: Membership) -> None:
    others = Membership.objects.filter(organisation_id=membership.organisation_id, role=Role.ADMIN).exclude(
        pk=membership.pk
    )
    if membership.role == Role.ADMIN and not others.exists():
        raise Conflict("last_admin", _("An organisation must keep at least one administrator."), field="role")


@transaction.atomic
def membership_change_role(*, actor: Actor, membership_id: int, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationFailed("invalid_choice", _("Unknown role."), field="role")
    membership = _member_for_update(actor=actor, membership_id=membership_id)
    if role != Role.ADMIN:
        _ensure_an_admin_remains(membership)
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        action=AuditAction.MEMBERSHIP_ROLE_CHANGED,
        actor=actor.user,
        actor_label=actor.label,
        organisation=actor.organisation,
        subject=membership,
        details={"user": membership.user.email, "from": previous, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: Actor, membership_id: int) -> None:
    membership = _member_for_update(actor=actor, membership_id=membership_id)
    _ensure_an_admin_remains(membership)
    user = membership.user
    audit_record(
        action=AuditAction.MEMBERSHIP_REMOVED,
        actor=actor.user,
        actor_label=actor.label,
        organisation=actor.organisation,
        subject=membership,
        details={"user": user.email, "role": membership.role},
    )
    membership.delete()
    if user.active_organisation_id == actor.organisation.pk:
        user.active_organisation = Organisation.objects.filter(memberships__user=user).order_by("name").first()
        user.save(update_fields=["active_organisation"])


# API keys -------------------------------------------------------------------------------------------------------


@transaction.atomic
def api_key_create(
    *, actor: Actor, name: str, scopes: list[str], expires_in_days: int | None = 90
) -> tuple[ApiKey, str]:
    """Returns the key and its secret; the secret is shown once and only its hash is kept."""
    actor.require("accounts:write")
    name = _clean_name(name, field="name", max_length=100)
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        raise ValidationFailed(
            "invalid_scope", _("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)}, field="scopes"
        )
    if not scopes:
        raise ValidationFailed("required", _("Choose at least one scope."), field="scopes")
    if expires_in_days is not None and not 1 <= expires_in_days <= 730:
        raise ValidationFailed("out_of_range", _("Expiry must be between 1 and 730 days."), field="expires_in_days")
    prefix = secrets.token_hex(4)
    while ApiKey.objects.filter(prefix=prefix).exists():  # one chance in four billion, but never a 500
        prefix = secrets.token_hex(4)
    secret = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        organisation=actor.organisation,
        name=name,
        prefix=prefix,
        key_hash=_token_hash(secret),
        scopes=sorted(set(scopes)),
        created_by=actor.user,
        expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    audit_record(
        action=AuditAction.API_KEY_CREATED,
        actor=actor.user,
        actor_label=actor.label,
        organisation=actor.organisation,
        subject=key,
        details={"name": name, "prefix": prefix, "scopes": key.scopes},
    )
    return key, secret


@transaction.atomic
def api_key_revoke(*, actor: Actor, key_id: int) -> ApiKey:
    actor.require("accounts:write")
    key = ApiKey.objects.select_for_update().filter(pk=key_id, organisation=actor.organisation).first()
    if key is None:
        raise NotFound()
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(
            action=AuditAction.API_KEY_REVOKED,
            actor=actor.user,
            actor_label=actor.label,
            organisation=actor.organisation,
            subject=key,
            details={"name": key.name, "prefix": key.prefix},
        )
    return key


def api_key_authenticate(secret: str) -> ApiKey | None:
    """The active key for ``secret``, or None. Marks when it was last used."""
    if not secret.startswith(API_KEY_PREFIX):
        return None
    prefix = secret[len(API_KEY_PREFIX) :].split("_", 1)[0]
    key = ApiKey.objects.select_related("organisation").filter(prefix=prefix).first()
    if key is None or not key.is_active or not secrets.compare_digest(key.key_hash, _token_hash(secret)):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


# Two-factor authentication --------------------------------------------------------------------------------------


@transaction.atomic
def two_factor_enrol_start(*, user: User) -> TOTPDevice:
    """A fresh, unconfirmed authenticator; confirmed ones are kept until the new one is confirmed."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def _recovery_codes_renew(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name="recovery")
    device.token_set.all().delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def two_factor_enrol_confirm(*, user: User, device_id: int, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator with a code it shows; returns it and the new recovery codes (shown once)."""
    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        raise NotFound(_("Start the enrolment again."), code="enrolment_expired")
    if not device.verify_token((code or "").strip().replace(" ", "")):
        raise ValidationFailed("invalid_code", _("That code is not right. Check your device's clock."), field="code")
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_renew(user)
    audit_record(action=AuditAction.TWO_FACTOR_ENROLLED, actor=user, organisation=None, subject=user)
    return device, codes


@transaction.atomic
def two_factor_recovery_codes_renew(*, user: User) -> list[str]:
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise Conflict("not_enrolled", _("Enrol an authenticator first."))
    codes = _recovery_codes_renew(user)
    audit_record(action=AuditAction.TWO_FACTOR_RECOVERY_CODES_RENEWED, actor=user, organisation=None, subject=user)
    return codes


@transaction.atomic
def two_factor_verify(*, user: User, code: str) -> TOTPDevice | StaticDevice | None:
    """The device that accepts ``code`` (authenticator first, then a one-time recovery code), or None.
    Raises ``ValidationFailed`` while wrong codes have throttled the authenticator."""
    code = (code or "").strip().replace(" ", "").lower()
    if not code:
        return None
    # Authenticator codes are digits, recovery codes are not: a recovery code must not count as a wrong
    # authenticator code, or it would throttle the authenticator.
    totp_devices = TOTPDevice.objects.filter(user=user, confirmed=True) if code.isdigit() else []
    for device in totp_devices:
        allowed, _why = device.verify_is_allowed()
        if not allowed:
            # Each wrong code doubles the wait before the next try (django-otp's throttling).
            raise ValidationFailed(
                "throttled", _("Too many wrong codes. Wait a few seconds, then try again."), field="code"
            )
        if device.verify_token(code):
            return device
    for static in StaticDevice.objects.filter(user=user, confirmed=True):
        if static.verify_token(code):
            audit_record(action=AuditAction.TWO_FACTOR_RECOVERY_CODE_USED, actor=user, organisation=None, subject=user)
            return static
    return None


def login_record(*, user: User | None, succeeded: bool, email: str = "") -> None:
    """Logins are recorded for the organisation the person acts for, so its administrators see them."""
    audit_record(
        action=AuditAction.USER_LOGGED_IN if succeeded else AuditAction.USER_LOGIN_FAILED,
        actor=user,
        actor_label=email if user is None else None,
        organisation=user.active_organisation if user is not None else None,
        subject=user,
    )


def logout_record(*, user: User) -> None:
    audit_record(action=AuditAction.USER_LOGGED_OUT, actor=user, organisation=user.active_organisation, subject=user)
