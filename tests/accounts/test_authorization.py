"""Every API endpoint against every organisation kind and role, and against API keys of different scopes.

Each case asserts the answer and, when the answer is a refusal, that nothing in the database changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from ipbridge.accounts import services
from ipbridge.accounts.models import ApiKey, Invitation, Membership, Organisation, Role
from ipbridge.accounts.scopes import ALL_SCOPES, READ_SCOPES
from ipbridge.accounts.selectors import actor_for_system
from tests.authorization import BROAD_AND_NARROW_KEYS, Principal, client_for, principals
from tests.factories import MembershipFactory, OrganisationFactory, member, verified_client

pytestmark = pytest.mark.django_db

PRINCIPALS = principals(key_kinds=("right_holder", "operator"), keys=BROAD_AND_NARROW_KEYS)


def promised_scopes(p: Principal) -> set[str]:
    """What the product promises each principal: the role table of the design, or the key's scopes. Written out
    here rather than read from ROLE_SCOPES, so that this matrix checks the role table too."""
    if p.key_scopes is not None:
        return set(p.key_scopes)
    if p.role == "admin":
        return set(ALL_SCOPES)
    if p.role == "member":
        return set(ALL_SCOPES) - {"accounts:write", "audit:read", "audit:write"}
    if p.role == "reviewer":
        return set(READ_SCOPES) - {"audit:read"}
    return set()


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # formatted with the world's ids
    body: dict[str, Any] | None
    scope: str | None
    success: int
    operator_only: bool = False
    person_only: bool = False
    not_found_unless_operator: bool = False
    public: bool = False


ENDPOINTS = [
    Endpoint("get", "/api/v1/me", None, None, 200),
    Endpoint("get", "/api/v1/organisations", None, "accounts:read", 200),
    Endpoint("get", "/api/v1/organisations/{own_slug}", None, "accounts:read", 200),
    Endpoint("get", "/api/v1/organisations/{other_slug}", None, "accounts:read", 200, not_found_unless_operator=True),
    Endpoint(
        "post",
        "/api/v1/organisations/{other_slug}/verification",
        {"status": "verified"},
        "accounts:write",
        200,
        operator_only=True,
    ),
    Endpoint("get", "/api/v1/members", None, "accounts:read", 200),
    Endpoint("patch", "/api/v1/members/{colleague_id}", {"role": "reviewer"}, "accounts:write", 200),
    Endpoint("delete", "/api/v1/members/{colleague_id}", None, "accounts:write", 204),
    Endpoint("get", "/api/v1/invitations", None, "accounts:read", 200),
    Endpoint("post", "/api/v1/invitations", {"email": "new@example.com", "role": "member"}, "accounts:write", 201),
    Endpoint("delete", "/api/v1/invitations/{invitation_id}", None, "accounts:write", 204),
    Endpoint("get", "/api/v1/api-keys", None, "accounts:read", 200),
    Endpoint(
        "post", "/api/v1/api-keys", {"name": "k", "scopes": ["rights:read"]}, "accounts:write", 201, person_only=True
    ),
    Endpoint("delete", "/api/v1/api-keys/{key_id}", None, "accounts:write", 204),
    Endpoint("get", "/api/v1/audit-events", None, "audit:read", 200),
    Endpoint("get", "/api/v1/rights/search?q=AURORA", None, None, 200, public=True),
    Endpoint("post", "/api/v1/rights/verify", {"office": "EM", "number": "018000001"}, None, 200, public=True),
]


def expected_status(principal: Principal, endpoint: Endpoint) -> int:
    if endpoint.public:
        return endpoint.success
    if principal.anonymous:
        return 401
    if endpoint.operator_only and principal.kind != "operator":
        return 403
    if endpoint.scope and endpoint.scope not in promised_scopes(principal):
        return 403
    if endpoint.person_only and not principal.person:
        return 403
    if endpoint.not_found_unless_operator and principal.kind != "operator":
        return 404
    return endpoint.success


def state() -> dict[str, Any]:
    return {
        "memberships": sorted(Membership.objects.values_list("id", "organisation_id", "user_id", "role")),
        "invitations": sorted(Invitation.objects.values_list("id", "email", "revoked_at", "accepted_at")),
        "keys": sorted(ApiKey.objects.values_list("id", "revoked_at")),
        "organisations": sorted(Organisation.objects.values_list("id", "verification_status")),
    }


def build_world(principal: Principal) -> tuple[Client, dict[str, Any]]:
    kind = principal.kind or "right_holder"
    acting = member(kind=kind, role=principal.role or Role.ADMIN)
    organisation = acting.organisation
    colleague = MembershipFactory(organisation=organisation, role=Role.MEMBER)
    MembershipFactory(organisation=organisation, role=Role.ADMIN)  # so the actor is never the last admin
    system = actor_for_system(organisation)
    invitation = services.invitation_send(actor=system, email="pending@example.com")
    key, _secret = services.api_key_create(actor=system, name="existing", scopes=["rights:read"])
    other = OrganisationFactory(kind="merchant")
    ids = {
        "own_slug": organisation.slug,
        "other_slug": other.slug,
        "colleague_id": colleague.pk,
        "invitation_id": invitation.pk,
        "key_id": key.pk,
    }
    return client_for(principal, acting), ids


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.label)
def test_endpoint_answers_each_principal_as_designed(principal: Principal, endpoint: Endpoint) -> None:
    client, ids = build_world(principal)
    before = state()
    call = getattr(client, endpoint.method)
    kwargs: dict[str, Any] = {"content_type": "application/json"} if endpoint.body is not None else {}

    response = (
        call(endpoint.path.format(**ids), endpoint.body, **kwargs)
        if endpoint.body is not None
        else call(endpoint.path.format(**ids))
    )

    expected = expected_status(principal, endpoint)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["error"]["code"]
        assert state() == before
    elif endpoint.method != "get" and not endpoint.public:
        assert state() != before
    if endpoint.public:
        assert state() == before


def test_administrators_cannot_reach_another_organisations_members_invitations_or_keys() -> None:
    mine = member(role=Role.ADMIN)
    theirs = member(role=Role.ADMIN)
    their_colleague = MembershipFactory(organisation=theirs.organisation, role=Role.MEMBER)
    system = actor_for_system(theirs.organisation)
    invitation = services.invitation_send(actor=system, email="pending@example.com")
    key, _ = services.api_key_create(actor=system, name="theirs", scopes=["rights:read"])
    client = verified_client(mine.user)
    before = state()

    answers = [
        client.patch(f"/api/v1/members/{their_colleague.pk}", {"role": "admin"}, content_type="application/json"),
        client.delete(f"/api/v1/members/{their_colleague.pk}"),
        client.delete(f"/api/v1/invitations/{invitation.pk}"),
        client.delete(f"/api/v1/api-keys/{key.pk}"),
        client.get(f"/api/v1/organisations/{theirs.organisation.slug}"),
    ]

    assert [a.status_code for a in answers] == [404, 404, 404, 404, 404]
    assert state() == before
    assert theirs.organisation.slug not in str(client.get("/api/v1/audit-events").json())


def test_operators_see_every_organisations_audit_events_and_others_only_their_own() -> None:
    operator = member(kind="operator")
    right_holder = member(kind="right_holder")
    services.invitation_send(actor=actor_for_system(right_holder.organisation), email="x@example.com")
    services.invitation_send(actor=actor_for_system(operator.organisation), email="y@example.com")

    operator_view = verified_client(operator.user).get("/api/v1/audit-events?limit=100").json()
    holder_view = verified_client(right_holder.user).get("/api/v1/audit-events?limit=100").json()

    assert {e["organisation"] for e in operator_view["items"]} == {
        operator.organisation.slug,
        right_holder.organisation.slug,
    }
    assert [(e["organisation"], e["action"]) for e in holder_view["items"]] == [
        (right_holder.organisation.slug, "user.logged_in"),
        (right_holder.organisation.slug, "invitation.sent"),
    ]
