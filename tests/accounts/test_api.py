from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from ipbridge.accounts.models import ApiKey, AuditEvent, Invitation, Role
from tests.factories import MembershipFactory, api_key, enrol_two_factor, member, verified_client

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_me_with_an_api_key_names_the_organisation_and_scopes() -> None:
    membership = member(kind="marketplace", name="MegaMart", slug="megamart")
    secret = api_key(membership.organisation, ["notices:read", "accounts:read"])

    response = Client().get("/api/v1/me", **bearer(secret))

    assert response.status_code == 200
    body = response.json()
    assert body["acting_for"] == {
        "id": membership.organisation.pk,
        "slug": "megamart",
        "name": "MegaMart",
        "kind": "marketplace",
        "verification_status": "unverified",
        "country": "",
    }
    assert (body["email"], body["role"], body["via_api_key"]) == (None, None, True)
    assert body["scopes"] == ["accounts:read", "notices:read"]


def test_me_with_a_verified_session_lists_memberships() -> None:
    membership = member(role=Role.REVIEWER)
    second = MembershipFactory(user=membership.user, role=Role.ADMIN)

    body = verified_client(membership.user).get("/api/v1/me").json()

    assert (body["email"], body["role"], body["via_api_key"]) == (membership.user.email, "reviewer", False)
    assert sorted(m["organisation"]["slug"] for m in body["memberships"]) == sorted(
        [membership.organisation.slug, second.organisation.slug]
    )
    assert "audit:read" not in body["scopes"]


def test_a_session_without_the_second_factor_is_not_authenticated() -> None:
    membership = member()
    client = Client()
    client.force_login(membership.user)

    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("header", ["Bearer ipb_00000000_wrong", "Bearer ", "Basic abc", "ipb_x"])
def test_bad_credentials_get_401_json(header: str) -> None:
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_authenticated"


def test_session_writes_need_the_csrf_token() -> None:
    membership = member()
    client = verified_client(membership.user)
    client.handler.enforce_csrf_checks = True

    response = client.post("/api/v1/invitations", {"email": "x@example.com"}, content_type="application/json")

    assert response.status_code == 403
    assert Invitation.objects.count() == 0


def test_malformed_json_is_a_400_with_a_code() -> None:
    secret = api_key(member().organisation, ["accounts:write"])

    response = Client().post("/api/v1/invitations", "{not json", content_type="application/json", **bearer(secret))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert Invitation.objects.count() == 0


def test_wrong_types_are_422_naming_each_field() -> None:
    membership = member()
    client = verified_client(membership.user)

    response = client.post(
        "/api/v1/api-keys",
        {"name": ["x"], "scopes": "notices:read", "expires_in_days": "soon"},
        content_type="application/json",
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert sorted({f["field"] for f in error["fields"]}) == ["expires_in_days", "name", "scopes"]
    assert ApiKey.objects.count() == 0


def test_service_refusals_are_json_with_code_and_field() -> None:
    client = verified_client(member().user)

    response = client.post(
        "/api/v1/api-keys", {"name": "ERP", "scopes": ["notices:delete"]}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json() == {
        "error": {"code": "invalid_scope", "message": "Unknown scopes: notices:delete.", "field": "scopes"}
    }


def test_oversized_bodies_are_refused_with_413(settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    secret = api_key(member().organisation, ["accounts:write"])

    response = Client().post(
        "/api/v1/invitations",
        json.dumps({"email": "x" * 5000 + "@example.com"}),
        content_type="application/json",
        **bearer(secret),
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"
    assert Invitation.objects.count() == 0


def test_api_key_created_through_the_api_works_once_shown() -> None:
    client = verified_client(member().user)

    created = client.post(
        "/api/v1/api-keys",
        {"name": "ERP", "scopes": ["accounts:read"], "expires_in_days": None},
        content_type="application/json",
    )

    assert created.status_code == 201
    body = created.json()
    assert (body["name"], body["scopes"], body["expires_at"], body["revoked_at"]) == (
        "ERP",
        ["accounts:read"],
        None,
        None,
    )
    assert Client().get("/api/v1/me", **bearer(body["secret"])).status_code == 200
    listed = client.get("/api/v1/api-keys").json()
    assert [k["prefix"] for k in listed] == [body["prefix"]]
    assert "secret" not in listed[0]


def test_an_api_key_cannot_create_keys() -> None:
    secret = api_key(member().organisation, ["accounts:write"])

    response = Client().post(
        "/api/v1/api-keys",
        {"name": "x", "scopes": ["accounts:read"]},
        content_type="application/json",
        **bearer(secret),
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "session_required"
    assert ApiKey.objects.count() == 1


def test_audit_events_are_paginated_newest_first() -> None:
    membership = member()
    secret = api_key(membership.organisation, ["audit:read"])
    client = Client()

    page = client.get("/api/v1/audit-events?limit=1&offset=0", **bearer(secret)).json()
    everything = client.get("/api/v1/audit-events?limit=100", **bearer(secret)).json()

    organisation_events = AuditEvent.objects.filter(organisation=membership.organisation).count()
    assert page["count"] == everything["count"] == organisation_events == 1
    assert [e["action"] for e in everything["items"]] == ["api_key.created"]
    assert everything["items"][0]["actor"] == "command line"


def test_member_list_runs_a_fixed_number_of_queries(django_assert_max_num_queries: Any) -> None:
    admin = member()
    for _ in range(15):
        extra = MembershipFactory(organisation=admin.organisation, role=Role.MEMBER)
        enrol_two_factor(extra.user)
    secret = api_key(admin.organisation, ["accounts:read"])

    with django_assert_max_num_queries(5):
        response = Client().get("/api/v1/members", **bearer(secret))

    assert len(response.json()) == 16
    assert all(m["two_factor"] for m in response.json())


def test_openapi_document_is_served() -> None:
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    operation_ids = {op["operationId"] for path in document["paths"].values() for op in path.values()}
    assert {"me_get", "api_key_create", "audit_events_list", "invitation_send"} <= operation_ids


def test_a_key_that_calls_too_often_is_rate_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    from ipbridge.core.api import api

    throttle = api.throttle[0]  # type: ignore[index]
    monkeypatch.setattr(throttle, "num_requests", 3)
    secret = api_key(member().organisation, ["accounts:read"])
    other = api_key(member().organisation, ["accounts:read"])
    client = Client()

    answers = [client.get("/api/v1/me", **bearer(secret)).status_code for _ in range(4)]
    limited = client.get("/api/v1/me", **bearer(secret))

    assert answers == [200, 200, 200, 429]
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0
    assert client.get("/api/v1/me", **bearer(other)).status_code == 200
