"""Every authentication endpoint against every organisation kind and role, API keys of different scopes and
anonymous callers. Each case asserts the answer and, when it is a refusal, that nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ipbridge.accounts.models import Organisation, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.identity import codes, credentials, services
from ipbridge.identity.models import (
    ClaimMethod,
    ClaimStatus,
    CodePurpose,
    Credential,
    IdentityDocument,
    IdentityProfile,
    Mandate,
    RightClaim,
    SigningKey,
    VerificationCode,
)
from tests.authorization import BROAD_AND_NARROW_KEYS, Principal, client_for, needs, principals, public, refusal
from tests.factories import OrganisationFactory, member
from tests.identity.factories import PDF, held, pdf, right_with_contacts

pytestmark = pytest.mark.django_db

PRINCIPALS = principals(key_kinds=("right_holder", "agent", "operator"), keys=BROAD_AND_NARROW_KEYS)


def operator_only(scope: str, then: int) -> Callable[[Principal], int]:
    return needs(scope, kinds=("operator",), then=then)


def read_or_not_found(p: Principal) -> int:
    """Another organisation's object: operators read it, others are told it does not exist."""
    return refusal(p, "identity:read") or (200 if p.kind == "operator" else 404)


def write_then_operator(then: int) -> Callable[[Principal], int]:
    def expect(p: Principal) -> int:
        return refusal(p, "identity:write") or (then if p.kind == "operator" else 404)

    return expect


def revoke_own_mandate(p: Principal) -> int:
    return refusal(p, "identity:write") or (403 if p.kind == "agent" else 200)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    body: dict[str, Any] | None
    expect: Callable[[Principal], int]
    multipart: bool = False


def mandate_form() -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "agent": "guard",
        "rights": ["EM 018000005"],
        "actions": ["notify"],
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=30)).isoformat(),
    }


ENDPOINTS = [
    Endpoint("get", "/api/v1/identity", None, needs("identity:read", then=200)),
    Endpoint(
        "put",
        "/api/v1/identity",
        {"legal_name": "New Name Ltd", "registration_number": "9", "registration_country": "GB"},
        needs("identity:write", then=200),
    ),
    Endpoint(
        "post", "/api/v1/identity/documents", {"kind": "other"}, needs("identity:write", then=201), multipart=True
    ),
    Endpoint("delete", "/api/v1/identity/documents/{own_document}", None, needs("identity:write", then=204)),
    Endpoint("get", "/api/v1/identity/documents/{own_document}/content", None, needs("identity:read", then=200)),
    Endpoint("get", "/api/v1/identity/documents/{other_document}/content", None, read_or_not_found),
    Endpoint("post", "/api/v1/identity/domain-code", {"email": "it@own.example"}, needs("identity:write", then=201)),
    Endpoint(
        "post", "/api/v1/identity/domain-code/confirm", {"code": "{domain_code}"}, needs("identity:write", then=200)
    ),
    Endpoint("post", "/api/v1/identity/submit", {"note": ""}, needs("identity:write", then=200)),
    Endpoint("get", "/api/v1/identity/reviews", None, operator_only("identity:read", 200)),
    Endpoint(
        "post", "/api/v1/identity/reviews/{applicant}", {"decision": "approve"}, operator_only("identity:write", 200)
    ),
    Endpoint("get", "/api/v1/identity/holders/{holder}", None, needs("identity:read", then=200)),
    Endpoint("get", "/api/v1/identity/rights/EM/018000001/contacts", None, needs("identity:read", then=200)),
    Endpoint("get", "/api/v1/identity/claims", None, needs("identity:read", then=200)),
    Endpoint(
        "post",
        "/api/v1/identity/claims",
        {"office": "EM", "number": "018000009", "method": "documents"},
        needs("identity:write", kinds=("right_holder",), then=201),
    ),
    Endpoint("get", "/api/v1/identity/claims/{own_claim_review}", None, needs("identity:read", then=200)),
    Endpoint("get", "/api/v1/identity/claims/{holder_claim}", None, read_or_not_found),
    Endpoint(
        "post",
        "/api/v1/identity/claims/{own_claim_code}/code",
        {"code": "{claim_code}"},
        needs("identity:write", then=200),
    ),
    Endpoint("post", "/api/v1/identity/claims/{own_claim_code}/code/resend", None, needs("identity:write", then=201)),
    Endpoint(
        "post",
        "/api/v1/identity/claims/{own_claim_review}/documents",
        {"kind": "registration_certificate"},
        needs("identity:write", then=201),
        multipart=True,
    ),
    Endpoint("post", "/api/v1/identity/claims/{own_claim_review}/withdraw", None, needs("identity:write", then=200)),
    Endpoint(
        "post",
        "/api/v1/identity/claims/{holder_claim_review}/review",
        {"decision": "approve"},
        operator_only("identity:write", 200),
    ),
    Endpoint("get", "/api/v1/identity/mandates", None, needs("identity:read", then=200)),
    Endpoint(
        "post",
        "/api/v1/identity/mandates",
        mandate_form(),
        needs("identity:write", kinds=("right_holder",), then=201),
        multipart=True,
    ),
    Endpoint("get", "/api/v1/identity/mandates/{own_mandate}", None, needs("identity:read", then=200)),
    Endpoint("get", "/api/v1/identity/mandates/{holder_mandate}", None, read_or_not_found),
    Endpoint("post", "/api/v1/identity/mandates/{own_mandate}/revoke", {"reason": "r"}, revoke_own_mandate),
    Endpoint(
        "post",
        "/api/v1/identity/mandates/authorise",
        {"principal": "{holder}", "office": "EM", "number": "018000001", "action": "notify"},
        needs("identity:read", kinds=("agent",), then=200),
    ),
    Endpoint("get", "/api/v1/credentials", None, needs("identity:read", then=200)),
    Endpoint("post", "/api/v1/credentials", {"organisation": "{holder}"}, operator_only("identity:write", 201)),
    Endpoint("get", "/api/v1/credentials/{holder_credential}", None, read_or_not_found),
    Endpoint("post", "/api/v1/credentials/{holder_credential}/revoke", {"reason": "r"}, write_then_operator(200)),
    Endpoint("post", "/api/v1/identity/signing-keys/rotate", None, operator_only("identity:write", 201)),
    Endpoint("get", "/api/v1/credentials/{holder_jti}/status", None, public),
    Endpoint("post", "/api/v1/credentials/verify", {"token": "{holder_token}"}, public),
    Endpoint("get", "/.well-known/jwks.json", None, public),
]


def state() -> dict[str, Any]:
    return {
        "organisations": sorted(Organisation.objects.values_list("id", "verification_status")),
        "profiles": sorted(IdentityProfile.objects.values_list("id", "legal_name", "domain_confirmed_at")),
        "documents": sorted(IdentityDocument.objects.values_list("id", flat=True)),
        "claims": sorted(RightClaim.objects.values_list("id", "status")),
        "codes": sorted(VerificationCode.objects.values_list("id", "attempts", "used_at")),
        "mandates": sorted(Mandate.objects.values_list("id", "revoked_at")),
        "credentials": sorted(Credential.objects.values_list("id", "revoked_at")),
        "keys": SigningKey.objects.count(),
    }


def build_world(principal: Principal) -> tuple[Client, dict[str, Any]]:
    acting = member(kind=principal.kind or "right_holder", role=principal.role or Role.ADMIN)
    own = acting.organisation
    system = actor_for_system(own)
    holder = OrganisationFactory(kind="right_holder", name="Aurora Cosmetics S.A.", verification_status="verified")
    guard = OrganisationFactory(kind="agent", slug="guard", name="Guard Agents", verification_status="verified")
    applicant = OrganisationFactory(kind="merchant", verification_status="pending")
    rights = {n: right_with_contacts(number=f"01800000{n}") for n in (1, 2, 3, 4, 5, 9)}
    holder_claim = held(holder, rights[1])
    holder_claim_review = RightClaim.objects.create(
        organisation=holder, right=rights[4], relation="owner", method=ClaimMethod.DOCUMENTS, status="in_review"
    )
    holder_mandate = Mandate.objects.create(
        principal=holder,
        agent=guard,
        all_marketplaces=True,
        actions=["notify"],
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate() + timedelta(days=30),
        document_name="m.pdf",
        document_storage_name="identity/x",
        document_sha256="0" * 64,
        document_size=1,
    )
    holder_mandate.rights.set([rights[1]])
    holder_credential = credentials.credential_issue(actor=actor_for_system(holder))
    other_document = services.identity_document_add(
        actor=actor_for_system(holder), kind="business_registration", upload=pdf(), file_name="kbis.pdf"
    )

    services.identity_profile_update(
        actor=system,
        legal_name="Own Organisation Ltd",
        registration_number="1",
        registration_country="GB",
        email_domain="own.example",
    )
    own_document = services.identity_document_add(
        actor=system, kind="business_registration", upload=pdf(), file_name="kbis.pdf"
    )
    _record, domain_code = codes.code_issue(organisation=own, purpose=CodePurpose.DOMAIN, email="it@own.example")
    IdentityProfile.objects.filter(organisation=own).update(domain_confirmed_at=timezone.now())
    own_claim_review = RightClaim.objects.create(
        organisation=own, right=rights[2], relation="owner", method=ClaimMethod.DOCUMENTS, status="in_review"
    )
    own_claim_code = RightClaim.objects.create(
        organisation=own, right=rights[3], relation="owner", method=ClaimMethod.CONTACT_CODE, status="awaiting_code"
    )
    _record, claim_code = codes.code_issue(
        organisation=own, purpose=CodePurpose.CONTACT_OF_RECORD, email="ip@aurora.example", claim=own_claim_code
    )
    held(own, rights[5])
    own_mandate = Mandate.objects.create(
        principal=holder if principal.kind == "agent" else own,
        agent=own if principal.kind == "agent" else guard,
        all_marketplaces=True,
        actions=["notify"],
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate() + timedelta(days=30),
        document_name="m.pdf",
        document_storage_name="identity/y",
        document_sha256="1" * 64,
        document_size=1,
    )
    own_mandate.rights.set([rights[1]])
    assert holder_claim.status == ClaimStatus.APPROVED
    ids = {
        "own_document": own_document.pk,
        "other_document": other_document.pk,
        "domain_code": domain_code,
        "applicant": applicant.slug,
        "holder": holder.slug,
        "holder_claim": holder_claim.pk,
        "holder_claim_review": holder_claim_review.pk,
        "own_claim_review": own_claim_review.pk,
        "own_claim_code": own_claim_code.pk,
        "claim_code": claim_code,
        "own_mandate": own_mandate.pk,
        "holder_mandate": holder_mandate.pk,
        "holder_credential": holder_credential.pk,
        "holder_jti": str(holder_credential.jti),
        "holder_token": holder_credential.token,
    }
    return client_for(principal, acting), ids


def _filled(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_filled(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _filled(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.label)
def test_identity_endpoint_answers_each_principal_as_designed(principal: Principal, endpoint: Endpoint) -> None:
    client, ids = build_world(principal)
    before = state()
    path = endpoint.path.format(**ids)
    call = getattr(client, endpoint.method)

    if endpoint.multipart:
        files = {"document": pdf()} if "mandates" in path else {"file": pdf()}
        response = call(path, {**_filled(endpoint.body, ids), **files})
    elif endpoint.body is not None:
        response = call(path, _filled(endpoint.body, ids), content_type="application/json")
    else:
        response = call(path)

    expected = endpoint.expect(principal)
    assert response.status_code == expected, response.content[:500]
    if expected >= 400:
        assert response.json()["error"]["code"]
        assert state() == before
    if endpoint.method == "get" or endpoint.expect is public:  # reads, and public checks, change nothing
        assert state() == before


def test_the_world_holds_what_the_matrix_relies_on() -> None:
    """The refusals above are refusals of access, not of a missing object: each id exists."""
    _client, ids = build_world(Principal("right_holder-admin", "right_holder", "admin"))

    assert IdentityDocument.objects.filter(pk=ids["own_document"]).exists()
    assert Mandate.objects.filter(pk=ids["holder_mandate"]).exists()
    assert len(ids["domain_code"]) == 6
    assert PDF.startswith(b"%PDF")
