from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory

from ipbridge.accounts.models import AuditEvent, Invitation, OrganisationKind, User
from ipbridge.accounts.scopes import ALL_SCOPES
from ipbridge.core.middleware import client_ip
from tests.factories import PASSWORD, api_key, enrol_two_factor, member, verified_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.2"),
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the first entry is the client's own claim
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (1, "", "10.0.0.2"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(
    settings: Any, proxies: int, forwarded: str, expected: str
) -> None:
    settings.NUM_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_behind_a_proxy_lockouts_and_audit_use_the_real_client(settings: Any) -> None:
    settings.NUM_PROXIES = 1
    settings.AXES_FAILURE_LIMIT = 2
    membership = member()
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    owner = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")

    for _ in range(3):
        attacker.post("/accounts/login/", {"username": membership.user.email, "password": "wrong"})
    response = owner.post("/accounts/login/", {"username": membership.user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert set(AuditEvent.objects.filter(action="user.login_failed").values_list("ip", flat=True)) == {"203.0.113.66"}
    assert AuditEvent.objects.get(action="user.logged_in").ip == "198.51.100.7"


def test_an_unreachable_mail_server_does_not_fail_the_invitation(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    secret = api_key(member().organisation, ["accounts:write"])

    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/api/v1/invitations",
            {"email": "x@example.com"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )

    assert response.status_code == 201
    assert Invitation.objects.get().email == "x@example.com"
    assert mail.outbox == []


def test_unknown_api_paths_and_methods_answer_in_json() -> None:
    secret = api_key(member().organisation, ["accounts:read"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    missing = client.get("/api/v1/no-such-thing")
    wrong_method = client.put("/api/v1/me", {}, content_type="application/json")

    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    assert (wrong_method.status_code, wrong_method.json()["error"]["code"]) == (405, "method_not_allowed")
    assert wrong_method["Allow"] == "GET"


def test_pages_are_capped_at_500_items() -> None:
    secret = api_key(member().organisation, ["audit:read"])

    response = Client().get("/api/v1/audit-events?limit=100000", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "limit"


def test_the_admin_site_asks_for_the_second_factor() -> None:
    staff = User.objects.create_superuser(email="root@example.com", password=PASSWORD, full_name="Root")
    password_only = Client()
    password_only.force_login(staff)

    assert password_only.get("/admin/")["Location"].startswith("/admin/login/")
    enrol_two_factor(staff)
    assert verified_client(staff).get("/admin/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "body", "content_type"),
    [
        ("get", "/api/v1/identity/holders/a\x00b", None, None),
        ("get", "/api/v1/rights/search?q=AUR%00ORA", None, None),
        ("post", "/api/v1/rights/verify", '{"office": "EM", "number": "0\\u00001"}', "application/json"),
        ("post", "/accounts/login/", "username=a%00b&password=x", "application/x-www-form-urlencoded"),
    ],
)
def test_a_nul_character_is_refused_before_it_reaches_the_database(
    method: str, path: str, body: str | None, content_type: str | None
) -> None:
    """Regression: PostgreSQL cannot store NUL, so a NUL in a path parameter was a server error there."""
    client = Client()

    response = getattr(client, method)(path, body, content_type=content_type) if body is not None else client.get(path)

    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.json()["error"]["code"] == "invalid_characters"


@pytest.mark.django_db
def test_a_file_upload_may_hold_nul_bytes() -> None:
    response = Client().post(
        "/api/v1/identity/documents", {"kind": "other", "file": SimpleUploadedFile("a.pdf", b"%PDF\x00")}
    )

    assert response.status_code == 401  # refused for want of a key, not for the NUL bytes


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/audit-events", "/api/v1/notices", "/api/v1/evidence", "/api/v1/marketplaces"]
)
def test_an_offset_past_what_a_database_integer_holds_is_refused_naming_it(path: str) -> None:
    """Regression: an offset of 2**63 was a server error on SQLite."""
    membership = member(OrganisationKind.RIGHT_HOLDER)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_key(membership.organisation, list(ALL_SCOPES))}")

    answer = client.get(path, {"offset": 2**63})

    assert answer.status_code == 422
    assert "offset" in json.dumps(answer.json())
