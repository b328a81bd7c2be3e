from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ipbridge.accounts import selectors, services
from ipbridge.accounts.models import (
    ApiKey,
    AuditEvent,
    Invitation,
    Membership,
    Organisation,
    Role,
    User,
    VerificationStatus,
)
from ipbridge.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.factories import PASSWORD, UserFactory, member

pytestmark = pytest.mark.django_db


def current_code(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_sign_up_creates_organisation_admin_and_audit_trail() -> None:
    organisation, user = services.organisation_sign_up(
        organisation_name="Aurora Cosmetics",
        kind="right_holder",
        full_name="Amélie Laurent",
        email="Amelie@Aurora.example",
        password=PASSWORD,
        country="fr",
    )

    assert (organisation.slug, organisation.kind, organisation.country) == ("aurora-cosmetics", "right_holder", "FR")
    assert organisation.verification_status == VerificationStatus.UNVERIFIED
    assert user.email == "amelie@aurora.example"
    assert user.check_password(PASSWORD)
    assert user.active_organisation == organisation
    assert list(Membership.objects.values_list("user__email", "organisation__slug", "role")) == [
        ("amelie@aurora.example", "aurora-cosmetics", "admin")
    ]
    assert actions() == ["user.created", "organisation.created", "membership.created"]


def test_sign_up_gives_unique_slugs_to_same_names() -> None:
    first, _ = services.organisation_sign_up(
        organisation_name="Acme", kind="merchant", full_name="A", email="a@acme.example", password=PASSWORD
    )
    second, _ = services.organisation_sign_up(
        organisation_name="Acme", kind="merchant", full_name="B", email="b@acme.example", password=PASSWORD
    )
    chinese, _ = services.organisation_sign_up(
        organisation_name="金龙贸易", kind="merchant", full_name="C", email="c@acme.example", password=PASSWORD
    )

    assert [first.slug, second.slug, chinese.slug] == ["acme", "acme-2", "org"]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"password": "password"}, "password", "weak_password"),
        ({"password": "aurora2026"}, "password", "weak_password"),
        ({"email": "not-an-address"}, "email", "invalid_email"),
        ({"kind": "operator"}, "kind", "invalid_choice"),
        ({"kind": "pirate"}, "kind", "invalid_choice"),
        ({"organisation_name": "   "}, "name", "required"),
        ({"full_name": ""}, "full_name", "required"),
    ],
)
def test_sign_up_refuses_bad_input_and_writes_nothing(overrides: dict[str, str], field: str, code: str) -> None:
    data = {
        "organisation_name": "Aurora",
        "kind": "right_holder",
        "full_name": "Amélie",
        "email": "amelie@aurora.example",
        "password": PASSWORD,
    } | overrides

    with pytest.raises(ValidationFailed) as caught:
        services.organisation_sign_up(**data)

    assert (caught.value.field, caught.value.code) == (field, code)
    assert (Organisation.objects.count(), User.objects.count(), AuditEvent.objects.count()) == (0, 0, 0)


def test_sign_up_with_taken_email_is_a_conflict_on_the_email_field() -> None:
    UserFactory(email="taken@example.com")

    with pytest.raises(Conflict) as caught:
        services.organisation_sign_up(
            organisation_name="X", kind="agent", full_name="X", email="TAKEN@example.com", password=PASSWORD
        )

    assert (caught.value.field, caught.value.code, caught.value.status) == ("email", "email_taken", 409)
    assert Organisation.objects.count() == 0


def test_invitation_is_mailed_after_commit_and_accepted_by_a_new_person(
    django_capture_on_commit_callbacks: Any,
) -> None:
    admin = member(role=Role.ADMIN)
    actor = selectors.actor_for_user(admin.user)
    assert actor is not None

    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_send(actor=actor, email="New.Colleague@example.com", role=Role.REVIEWER)
        assert mail.outbox == []

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.colleague@example.com"]
    token = message.body.split("/invitations/")[1].split("/")[0]
    assert Invitation.objects.get().token_hash != token

    membership = services.invitation_accept(token=token, full_name="New Colleague", password=PASSWORD)

    assert (membership.user.email, membership.organisation, membership.role) == (
        "new.colleague@example.com",
        admin.organisation,
        "reviewer",
    )
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    with pytest.raises(NotFound):
        services.invitation_accept(token=token, full_name="Again", password=PASSWORD)


def test_invitation_cannot_be_accepted_by_someone_else_or_after_expiry(
    django_capture_on_commit_callbacks: Any,
) -> None:
    admin = member()
    actor = selectors.actor_for_user(admin.user)
    assert actor is not None
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(actor=actor, email="invitee@example.com")
    token = mail.outbox[0].body.split("/invitations/")[1].split("/")[0]
    stranger = UserFactory(email="stranger@example.com")

    with pytest.raises(PermissionDenied):
        services.invitation_accept(token=token, user=stranger)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(NotFound):
        services.invitation_accept(token=token, full_name="Late", password=PASSWORD)
    assert Membership.objects.count() == 1


def test_a_new_invitation_to_the_same_address_revokes_the_old_one() -> None:
    actor = selectors.actor_for_user(member().user)
    assert actor is not None

    first = services.invitation_send(actor=actor, email="x@example.com")
    second = services.invitation_send(actor=actor, email="x@example.com")

    first.refresh_from_db()
    assert first.revoked_at is not None
    assert list(selectors.invitations_pending(actor=actor)) == [second]


def test_the_last_administrator_can_be_neither_demoted_nor_removed() -> None:
    admin = member(role=Role.ADMIN)
    actor = selectors.actor_for_user(admin.user)
    assert actor is not None

    with pytest.raises(Conflict) as caught:
        services.membership_change_role(actor=actor, membership_id=admin.pk, role=Role.MEMBER)
    assert caught.value.code == "last_admin"
    with pytest.raises(Conflict):
        services.membership_remove(actor=actor, membership_id=admin.pk)

    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_api_key_secret_is_shown_once_and_stored_hashed() -> None:
    actor = selectors.actor_for_user(member().user)
    assert actor is not None

    key, secret = services.api_key_create(actor=actor, name="ERP", scopes=["notices:read", "accounts:read"])

    assert secret.startswith(f"ipb_{key.prefix}_")
    assert len(secret) > 40
    assert secret not in key.key_hash
    assert key.scopes == ["accounts:read", "notices:read"]
    assert key.expires_at is not None
    assert services.api_key_authenticate(secret) == key
    assert services.api_key_authenticate(secret + "x") is None
    assert services.api_key_authenticate("ipb_nothing_here") is None
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_revoked_and_expired_keys_do_not_authenticate() -> None:
    actor = selectors.actor_for_user(member().user)
    assert actor is not None
    revoked, revoked_secret = services.api_key_create(actor=actor, name="a", scopes=["rights:read"])
    expired, expired_secret = services.api_key_create(actor=actor, name="b", scopes=["rights:read"])

    services.api_key_revoke(actor=actor, key_id=revoked.pk)
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert services.api_key_authenticate(revoked_secret) is None
    assert services.api_key_authenticate(expired_secret) is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "k", "scopes": ["notices:delete"]}, "scopes"),
        ({"name": "k", "scopes": []}, "scopes"),
        ({"name": "", "scopes": ["notices:read"]}, "name"),
        ({"name": "k", "scopes": ["notices:read"], "expires_in_days": 0}, "expires_in_days"),
        ({"name": "k", "scopes": ["notices:read"], "expires_in_days": 731}, "expires_in_days"),
    ],
)
def test_api_key_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    actor = selectors.actor_for_user(member().user)
    assert actor is not None

    with pytest.raises(ValidationFailed) as caught:
        services.api_key_create(actor=actor, **kwargs)  # type: ignore[arg-type]

    assert caught.value.field == field
    assert ApiKey.objects.count() == 0


def test_two_factor_enrolment_confirms_with_a_real_code_and_gives_ten_recovery_codes() -> None:
    user = UserFactory()
    device = services.two_factor_enrol_start(user=user)

    wrong = "000000" if current_code(device) != "000000" else "111111"
    with pytest.raises(ValidationFailed) as caught:
        services.two_factor_enrol_confirm(user=user, device_id=device.pk, code=wrong)
    assert caught.value.field == "code"

    confirmed, codes = services.two_factor_enrol_confirm(user=user, device_id=device.pk, code=current_code(device))

    assert confirmed.confirmed
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert selectors.user_has_two_factor(user=user)
    assert services.two_factor_verify(user=user, code=codes[0]) is not None
    assert services.two_factor_verify(user=user, code=codes[0]) is None  # each recovery code works once
    assert actions()[-2:] == ["two_factor.enrolled", "two_factor.recovery_code_used"]


def test_switching_to_an_organisation_one_is_not_a_member_of_is_not_found() -> None:
    mine = member()
    other = member()

    with pytest.raises(NotFound):
        services.organisation_switch(user=mine.user, organisation_id=other.organisation.pk)

    mine.user.refresh_from_db()
    assert mine.user.active_organisation == mine.organisation


def test_only_operators_set_verification() -> None:
    right_holder = member(kind="right_holder")
    operator = member(kind="operator")
    rh_actor = selectors.actor_for_user(right_holder.user)
    op_actor = selectors.actor_for_user(operator.user)
    assert rh_actor is not None
    assert op_actor is not None

    with pytest.raises(PermissionDenied):
        services.organisation_set_verification(
            actor=rh_actor, organisation_id=right_holder.organisation.pk, status="verified"
        )
    services.organisation_set_verification(
        actor=op_actor,
        organisation_id=right_holder.organisation.pk,
        status="verified",
        reason="registration extract checked",
    )

    right_holder.organisation.refresh_from_db()
    assert right_holder.organisation.verification_status == "verified"
    event = AuditEvent.objects.get(action="organisation.verification_set")
    assert event.details == {"from": "unverified", "to": "verified", "reason": "registration extract checked"}
    assert event.actor == operator.user


def test_audit_events_cannot_be_changed_or_deleted_through_the_orm() -> None:
    services.login_record(user=None, succeeded=False, email="x@example.com")
    event = AuditEvent.objects.get()

    event.action = "tampered"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().update(action="tampered")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().action == "user.login_failed"


def test_the_database_refuses_to_update_audit_rows() -> None:
    services.login_record(user=None, succeeded=False, email="x@example.com")

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditevent SET action = 'tampered'")
    if connection.vendor == "postgresql":  # the shared production database refuses deletes as well
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_auditevent")

    assert AuditEvent.objects.get().action == "user.login_failed"


def test_application_errors_serialise_with_code_message_and_field() -> None:
    error = ValidationFailed("invalid_email", "Enter a valid e-mail address.", field="email")

    assert error.as_dict() == {"code": "invalid_email", "message": "Enter a valid e-mail address.", "field": "email"}
    assert isinstance(error, ApplicationError)
    assert error.status == 422


def test_an_organisation_goes_to_the_review_queue_once() -> None:
    applicant = member(kind="marketplace")
    actor = selectors.actor_for_user(applicant.user)
    assert actor is not None

    services.organisation_verification_pending(actor=actor, note="Commercial register HRB 1234")

    applicant.organisation.refresh_from_db()
    assert applicant.organisation.verification_status == "pending"
    with pytest.raises(Conflict) as caught:
        services.organisation_verification_pending(actor=actor)
    assert caught.value.code == "already_pending"
    event = AuditEvent.objects.get(action="organisation.verification_requested")
    assert event.details == {"from": "unverified", "note": "Commercial register HRB 1234"}
    Organisation.objects.filter(pk=applicant.organisation.pk).update(verification_status="verified")
    with pytest.raises(Conflict) as again:
        services.organisation_verification_pending(actor=actor)
    assert again.value.code == "already_verified"
