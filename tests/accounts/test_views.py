from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ipbridge.accounts.models import (
    ApiKey,
    AuditEvent,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from tests.factories import PASSWORD, enrol_two_factor, member, verified_client

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def test_sign_up_then_two_factor_enrolment_then_dashboard() -> None:
    client = Client()

    response = client.post(
        "/accounts/sign-up/",
        {
            "organisation_name": "Aurora Cosmetics",
            "kind": "right_holder",
            "country": "FR",
            "full_name": "Amélie Laurent",
            "email": "amelie@aurora.example",
            "password": PASSWORD,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/enrol/"
    assert client.get("/dashboard/")["Location"] == "/accounts/two-factor/enrol/"
    page = client.get("/accounts/two-factor/enrol/")
    secret = re.search(r'id="totp-secret">([A-Z2-7= ]+)<', page.content.decode())
    assert secret is not None
    device = TOTPDevice.objects.get(user__email="amelie@aurora.example", confirmed=False)

    confirmed = client.post("/accounts/two-factor/enrol/", {"code": code_for(device)})

    assert confirmed.status_code == 200
    assert len(re.findall(r"<li>[0-9a-f]{6}-[0-9a-f]{6}</li>", confirmed.content.decode())) == 10
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 200
    assert "Aurora Cosmetics" in dashboard.content.decode()


def test_sign_up_errors_are_shown_on_their_fields_and_nothing_is_created() -> None:
    response = Client().post(
        "/accounts/sign-up/",
        {
            "organisation_name": "Aurora",
            "kind": "operator",
            "full_name": "A",
            "email": "bad",
            "password": "x",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-field="kind"' in html
    assert 'data-field="email"' in html
    assert Organisation.objects.count() == 0


def test_login_asks_for_the_second_factor_and_rejects_a_wrong_code() -> None:
    membership = member()
    device = TOTPDevice.objects.get(user=membership.user)
    client = Client()

    response = client.post("/accounts/login/", {"username": membership.user.email, "password": PASSWORD})

    assert response["Location"] == "/accounts/two-factor/verify/?next=/dashboard/"
    wrong = "000000" if code_for(device) != "000000" else "111111"
    refused = client.post("/accounts/two-factor/verify/", {"code": wrong})
    assert 'data-field="code"' in refused.content.decode()
    assert client.get("/dashboard/").status_code == 302
    throttled = client.post("/accounts/two-factor/verify/", {"code": code_for(device)})
    assert "Too many wrong codes" in throttled.content.decode()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)  # the wait has passed
    accepted = client.post("/accounts/two-factor/verify/", {"code": code_for(device), "next": "/dashboard/"})
    assert accepted["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_login_never_redirects_to_another_site() -> None:
    membership = member()
    client = Client()
    client.post(
        "/accounts/login/?next=https://evil.example/",
        {"username": membership.user.email, "password": PASSWORD, "next": "https://evil.example/"},
    )
    device = TOTPDevice.objects.get(user=membership.user)

    response = client.post("/accounts/two-factor/verify/", {"code": code_for(device), "next": "https://evil.example/"})

    assert response["Location"] == "/dashboard/"


def test_repeated_failed_logins_lock_the_account_out(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    membership = member()
    client = Client(REMOTE_ADDR="203.0.113.9")

    answers = [
        client.post("/accounts/login/", {"username": membership.user.email, "password": "wrong"}).status_code
        for _ in range(3)
    ]
    locked = client.post("/accounts/login/", {"username": membership.user.email, "password": PASSWORD})

    assert answers == [200, 200, 429]
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="user.login_failed").count() >= 3


def test_language_choice_is_kept_on_the_account() -> None:
    membership = member()
    client = verified_client(membership.user)

    response = client.post("/accounts/language/", {"language": "zh-hans", "next": "/dashboard/"})

    assert response["Location"] == "/dashboard/"
    membership.user.refresh_from_db()
    assert membership.user.language == "zh-hans"
    fresh = verified_client(membership.user)  # another device: no language cookie
    assert '<html lang="zh-hans">' in fresh.get("/dashboard/").content.decode()


def test_switching_organisation_changes_who_you_act_for() -> None:
    first = member(name="First Org")
    second = Membership.objects.create(
        user=first.user, organisation=member(name="Second Org").organisation, role=Role.MEMBER
    )
    client = verified_client(first.user)

    client.post("/accounts/switch/", {"organisation": second.organisation_id})

    assert client.get("/api/v1/me").json()["acting_for"]["name"] == "Second Org"


def test_administrators_invite_and_the_invited_person_joins(django_capture_on_commit_callbacks: Any) -> None:
    admin = member(name="Aurora")
    with django_capture_on_commit_callbacks(execute=True):
        response = verified_client(admin.user).post(
            "/organisation/members/", {"email": "colleague@example.com", "role": "member"}
        )
    assert response.status_code == 302
    link = re.search(r"/invitations/[\w-]+/", mail.outbox[0].body)
    assert link is not None
    invited = Client()

    joined = invited.post(link.group(0), {"full_name": "Col League", "password": PASSWORD})

    assert joined["Location"] == "/dashboard/"
    assert Membership.objects.get(user__email="colleague@example.com").organisation == admin.organisation
    assert invited.get("/dashboard/")["Location"] == "/accounts/two-factor/enrol/"


def test_members_who_are_not_administrators_cannot_invite() -> None:
    plain = member(role=Role.MEMBER)

    response = verified_client(plain.user).post("/organisation/members/", {"email": "x@example.com", "role": "admin"})

    assert "Send invitation" not in response.content.decode()
    assert Invitation.objects.count() == 0


def test_api_key_page_shows_the_secret_once_and_revokes_with_htmx() -> None:
    admin = member()
    client = verified_client(admin.user)

    created = client.post(
        "/organisation/api-keys/", {"name": "ERP", "scopes": ["notices:read"], "expires_in_days": "30"}
    )
    secret = re.search(r'id="new-key-secret">(ipb_[^<]+)<', created.content.decode())
    assert secret is not None
    key = ApiKey.objects.get()
    assert secret.group(1) not in client.get("/organisation/api-keys/").content.decode()

    revoked = client.post(f"/organisation/api-keys/{key.pk}/revoke/", HTTP_HX_REQUEST="true")

    assert revoked.content.decode().strip().startswith(f'<tr id="key-{key.pk}">')
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret.group(1)}").status_code == 401


def test_operators_set_an_organisations_verification() -> None:
    operator = member(kind="operator")
    applicant = member(kind="marketplace")

    client = verified_client(operator.user)
    response = client.post(
        f"/operator/organisations/{applicant.organisation.slug}/verification/",
        {"status": "verified", "reason": "commercial register checked"},
    )

    assert response["Location"] == "/operator/organisations/"
    applicant.organisation.refresh_from_db()
    assert applicant.organisation.verification_status == "verified"


def test_password_reset_by_email_link(django_capture_on_commit_callbacks: Any) -> None:
    membership = member()
    client = Client()

    client.post("/accounts/password/reset/", {"email": membership.user.email})
    link = re.search(r"/accounts/password/reset/[\w-]+/[\w-]+/", mail.outbox[0].body)
    assert link is not None
    form = client.get(link.group(0), follow=True)
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a brand new long passphrase 77", "new_password2": "a brand new long passphrase 77"},
    )

    assert response["Location"] == "/accounts/password/reset/complete/"
    assert User.objects.get(pk=membership.user.pk).check_password("a brand new long passphrase 77")


PAGES = [
    "/dashboard/",
    "/organisation/members/",
    "/organisation/api-keys/",
    "/organisation/audit/",
    "/operator/organisations/",
    "/accounts/security/",
]


def expected_page_status(page: str, kind: str, role: str) -> int:
    if page == "/organisation/audit/" and role != Role.ADMIN:
        return 403
    if page == "/operator/organisations/" and kind != OrganisationKind.OPERATOR:
        return 403
    return 200


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("kind", list(OrganisationKind.values))
def test_every_page_answers_every_kind_and_role_as_designed(page: str, role: str, kind: str) -> None:
    membership = member(kind=kind, role=role)

    response = verified_client(membership.user).get(page)

    assert response.status_code == expected_page_status(page, kind, role)


@pytest.mark.parametrize("page", PAGES)
def test_pages_send_anonymous_visitors_to_login(page: str) -> None:
    response = Client().get(page)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_person_without_organisation_is_told_so() -> None:
    user = User.objects.create_user(email="alone@example.com", password=PASSWORD, full_name="Alone")
    enrol_two_factor(user)
    client = Client()
    client.force_login(user)

    response = client.get("/dashboard/")

    assert response.status_code == 403
    assert "not a member of any organisation" in response.content.decode()


def test_the_dashboard_sends_an_unverified_organisation_to_its_identity_page() -> None:
    admin = member(kind="merchant")
    client = verified_client(admin.user)

    html = client.get("/dashboard/").content.decode()

    assert '<a href="/identity/">Get your organisation verified</a>' in html
    assert client.post("/organisation/verification/request/").status_code == 404
