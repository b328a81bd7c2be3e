"""Generated input never makes the authentication API answer 5xx, and a refused request leaves nothing behind."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipbridge.identity.models import Credential, IdentityDocument, IdentityProfile, Mandate, RightClaim
from tests.factories import member, verified_client
from tests.identity.factories import held, right_with_contacts
from tests.strategies import bodies

pytestmark = pytest.mark.django_db

FIELDS = [
    "legal_name",
    "registration_number",
    "registration_country",
    "email_domain",
    "email",
    "code",
    "office",
    "number",
    "method",
    "relation",
    "contact_email",
    "principal",
    "action",
    "marketplace",
    "date",
    "token",
    "decision",
    "reason",
    "organisation",
]
BODIES = bodies(FIELDS)
WRITES = [
    ("put", "/api/v1/identity"),
    ("post", "/api/v1/identity/domain-code"),
    ("post", "/api/v1/identity/domain-code/confirm"),
    ("post", "/api/v1/identity/submit"),
    ("post", "/api/v1/identity/claims"),
    ("post", "/api/v1/identity/claims/{claim}/code"),
    ("post", "/api/v1/identity/claims/{claim}/review"),
    ("post", "/api/v1/identity/mandates/authorise"),
    ("post", "/api/v1/credentials"),
    ("post", "/api/v1/credentials/verify"),
]


@pytest.fixture
def holder_client() -> tuple[Client, dict[str, Any]]:
    admin = member(kind="right_holder", name="Aurora Cosmetics S.A.", verification_status="verified")
    claim = held(admin.organisation, right_with_contacts())
    return verified_client(admin.user), {"claim": claim.pk}


def state() -> tuple[Any, ...]:
    return (
        sorted(IdentityProfile.objects.values_list("legal_name", "email_domain", "domain_confirmed_at")),
        IdentityDocument.objects.count(),
        sorted(RightClaim.objects.values_list("id", "status")),
        Mandate.objects.count(),
        Credential.objects.count(),
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(endpoint=st.sampled_from(WRITES), body=BODIES)
def test_generated_bodies_get_an_answer_below_500(
    holder_client: tuple[Client, dict[str, Any]], endpoint: tuple[str, str], body: str
) -> None:
    client, ids = holder_client
    method, path = endpoint
    before = state()

    response = getattr(client, method)(path.format(**ids), body, content_type="application/json")

    assert response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json")
    if response.status_code >= 400:
        assert response.json()["error"]["code"]
        assert state() == before


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(identifier=st.text(min_size=1, max_size=40).filter(lambda s: "/" not in s and "?" not in s and "#" not in s))
def test_generated_ids_get_an_answer_below_500(holder_client: tuple[Client, dict[str, Any]], identifier: str) -> None:
    client, _ids = holder_client

    answers = [
        client.get(f"/api/v1/identity/claims/{identifier}"),
        client.get(f"/api/v1/identity/mandates/{identifier}"),
        client.get(f"/api/v1/identity/holders/{identifier}"),
        client.get(f"/api/v1/identity/rights/EM/{identifier}/contacts"),
        client.get(f"/api/v1/credentials/{identifier}/status"),
        client.get(f"/api/v1/identity/documents/{identifier}/content"),
    ]

    assert [(a.status_code, a.content[:200]) for a in answers if a.status_code >= 500] == []
