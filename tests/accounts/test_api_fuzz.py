"""Generated input never makes the API answer 5xx, and a refused request leaves nothing behind."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipbridge.accounts.models import ApiKey, Invitation, Membership, Organisation
from tests.factories import member, verified_client
from tests.strategies import bodies

pytestmark = pytest.mark.django_db

BODIES = bodies(["email", "role", "name", "scopes", "expires_in_days", "status", "reason", "note"])
WRITES = [
    ("post", "/api/v1/invitations"),
    ("post", "/api/v1/api-keys"),
    ("post", "/api/v1/organisations/{slug}/verification"),
    ("patch", "/api/v1/members/{member}"),
]
IDS = st.one_of(st.integers(min_value=-5, max_value=10**12).map(str), st.text(min_size=1, max_size=20))


@pytest.fixture
def admin_client() -> tuple[Client, dict[str, Any]]:
    admin = member(kind="operator")
    return verified_client(admin.user), {"slug": admin.organisation.slug, "member": admin.pk}


def state() -> tuple[int, ...]:
    return (
        Organisation.objects.count(),
        Membership.objects.count(),
        Invitation.objects.count(),
        ApiKey.objects.count(),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(endpoint=st.sampled_from(WRITES), body=BODIES)
def test_generated_bodies_get_an_answer_below_500(
    admin_client: tuple[Client, dict[str, Any]], endpoint: tuple[str, str], body: str
) -> None:
    client, ids = admin_client
    method, path = endpoint
    before = state()

    response = getattr(client, method)(path.format(**ids), body, content_type="application/json")

    assert response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json")
    if response.status_code >= 400:
        assert response.json()["error"]["code"]
        assert state() == before


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    identifier=IDS,
    query=st.dictionaries(st.sampled_from(["limit", "offset", "kind", "action"]), st.text(max_size=12), max_size=3),
)
def test_generated_ids_and_queries_get_an_answer_below_500(
    admin_client: tuple[Client, dict[str, Any]], identifier: str, query: dict[str, str]
) -> None:
    client, _ids = admin_client

    answers = [
        client.get(f"/api/v1/organisations/{identifier}"),
        client.delete(f"/api/v1/members/{identifier}"),
        client.delete(f"/api/v1/invitations/{identifier}"),
        client.delete(f"/api/v1/api-keys/{identifier}"),
        client.get("/api/v1/audit-events", query),
        client.get("/api/v1/organisations", query),
    ]

    assert [a.status_code for a in answers if a.status_code >= 500] == []
