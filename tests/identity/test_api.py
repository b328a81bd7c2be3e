"""Authentication through the HTTP API, the way a brand-protection system or a marketplace calls it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from ipbridge.accounts.models import OrganisationKind
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.identity import credentials
from tests.factories import OrganisationFactory, api_key
from tests.identity.factories import PNG, agent, held, pdf, right_holder, right_with_contacts

# Codes go out by e-mail after the transaction commits, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

ALL_IDENTITY = ["identity:read", "identity:write"]


def client_for(organisation: Any, scopes: list[str] = ALL_IDENTITY) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_key(organisation, scopes)}")


def code_in_last_mail() -> str:
    found = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert found is not None
    return found.group(1)


def test_an_organisation_completes_its_identity_through_the_api() -> None:
    organisation = right_holder(verified=False).organisation
    client = client_for(organisation)

    early = client.post("/api/v1/identity/submit", {}, content_type="application/json")
    profile = client.put(
        "/api/v1/identity",
        {
            "legal_name": "Aurora Cosmetics S.A.",
            "registration_number": "552 100 554",
            "registration_country": "FR",
            "email_domain": "aurora.example",
        },
        content_type="application/json",
    )
    document = client.post("/api/v1/identity/documents", {"kind": "business_registration", "file": pdf()})
    sent = client.post(
        "/api/v1/identity/domain-code", {"email": "legal@aurora.example"}, content_type="application/json"
    )
    confirmed = client.post(
        "/api/v1/identity/domain-code/confirm", {"code": code_in_last_mail()}, content_type="application/json"
    )
    submitted = client.post("/api/v1/identity/submit", {"note": "see extract"}, content_type="application/json")

    assert early.status_code == 422
    assert early.json()["error"]["code"] == "incomplete"
    assert early.json()["error"]["field"] == "legal_name"
    assert [m["code"] for m in profile.json()["missing"]] == ["business_registration", "domain"]
    assert document.status_code == 201
    assert document.json()["content_type"] == "application/pdf"
    assert sent.status_code == 201
    assert sent.json()["sent_to"] == "l****@aurora.example"
    assert confirmed.json()["missing"] == []
    assert submitted.json()["verification_status"] == "pending"


def test_bad_input_gets_the_field_and_the_reason() -> None:
    client = client_for(right_holder().organisation)

    not_a_scan = client.post(
        "/api/v1/identity/documents", {"kind": "business_registration", "file": pdf("notes.pdf", b"hello")}
    )
    wrong_kind = client.post("/api/v1/identity/documents", {"kind": "selfie", "file": pdf()})
    missing_field = client.put("/api/v1/identity", {"legal_name": "A"}, content_type="application/json")
    not_an_id = client.get("/api/v1/identity/claims/abc")

    assert not_a_scan.status_code == 422
    assert not_a_scan.json()["error"]["field"] == "file"
    assert wrong_kind.json()["error"] == {
        "code": "invalid_choice",
        "message": "Choose one of: business_registration, other, signatory_identity.",
        "field": "kind",
    }
    assert missing_field.status_code == 422
    assert {f["field"] for f in missing_field.json()["error"]["fields"]} == {
        "registration_number",
        "registration_country",
    }
    assert not_an_id.status_code == 404
    assert not_an_id.json()["error"]["code"] == "not_found"


def test_a_document_over_the_limit_is_refused_with_413(settings: Any) -> None:
    settings.IDENTITY_DOCUMENT_MAX_BYTES = 1024
    client = client_for(right_holder().organisation)

    response = client.post("/api/v1/identity/documents", {"kind": "other", "file": pdf("big.png", PNG * 100)})

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"


def test_a_right_is_claimed_by_the_code_sent_to_its_contact_of_record() -> None:
    right_with_contacts()
    client = client_for(right_holder(name="Aurora Trading", verified=False).organisation)

    contacts = client.get("/api/v1/identity/rights/EM/018000001/contacts")
    started = client.post(
        "/api/v1/identity/claims",
        {"office": "EM", "number": "018000001", "method": "contact_code", "contact_email": "ip@aurora.example"},
        content_type="application/json",
    )
    claim_id = started.json()["id"]
    wrong = client.post(f"/api/v1/identity/claims/{claim_id}/code", {"code": "12345x"}, content_type="application/json")
    confirmed = client.post(
        f"/api/v1/identity/claims/{claim_id}/code", {"code": code_in_last_mail()}, content_type="application/json"
    )

    assert contacts.json() == [
        {"email": "i***@aurora.example", "role": "owner"},
        {"email": "t***@lefevre.example", "role": "representative"},
    ]
    assert started.status_code == 201
    assert started.json()["status"] == "awaiting_code"
    assert mail.outbox[-1].to == ["ip@aurora.example"]
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (422, "invalid_code")
    assert confirmed.json()["status"] == "approved"


def test_a_mandate_is_granted_with_its_document_and_an_agent_checks_its_authority() -> None:
    holder = right_holder().organisation
    held(holder, right_with_contacts())
    held(holder, right_with_contacts(number="018000002"))
    to = agent()
    OrganisationFactory(kind=OrganisationKind.MARKETPLACE, slug="megamart")
    OrganisationFactory(kind=OrganisationKind.MARKETPLACE, slug="little-bazaar")
    today = timezone.localdate()

    granted = client_for(holder).post(
        "/api/v1/identity/mandates",
        {
            "agent": to.slug,
            "rights": ["EM 018000001", "EM 018000002"],
            "actions": ["notify", "intelligence"],
            "marketplaces": ["megamart"],
            "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=90)).isoformat(),
            "document": pdf("授权委托书.pdf"),
        },
    )
    agent_client = client_for(to)

    def authorise(**body: str) -> dict[str, Any]:
        payload = {"principal": holder.slug, "office": "EM", "number": "018000001", "action": "notify", **body}
        response = agent_client.post("/api/v1/identity/mandates/authorise", payload, content_type="application/json")
        assert response.status_code == 200
        return response.json()

    assert granted.status_code == 201, granted.content
    mandate = granted.json()
    assert [r["number"] for r in mandate["rights"]] == ["018000001", "018000002"]
    assert (mandate["actions"], mandate["marketplaces"], mandate["all_marketplaces"]) == (
        ["intelligence", "notify"],
        ["megamart"],
        False,
    )
    assert mandate["document_name"] == "授权委托书.pdf"
    assert authorise(marketplace="megamart") == {
        "allowed": True,
        "code": "allowed",
        "reason": f"Allowed under the mandate valid until {today + timedelta(days=90)}.",
        "mandate_id": mandate["id"],
    }
    assert authorise(marketplace="little-bazaar")["code"] == "marketplace_not_covered"
    assert authorise(action="respond")["code"] == "action_not_covered"

    revoked = client_for(holder).post(
        f"/api/v1/identity/mandates/{mandate['id']}/revoke", {"reason": "ended"}, content_type="application/json"
    )

    assert revoked.json()["in_force"] is False
    assert authorise(marketplace="megamart")["code"] == "mandate_revoked"


def test_a_mandate_names_its_rights_as_office_and_number() -> None:
    holder = right_holder().organisation
    held(holder, right_with_contacts())
    today = timezone.localdate()

    response = client_for(holder).post(
        "/api/v1/identity/mandates",
        {
            "agent": agent().slug,
            "rights": ["018000001"],
            "actions": ["notify"],
            "valid_from": today.isoformat(),
            "valid_until": today.isoformat(),
            "document": pdf(),
        },
    )

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "rights"


def test_anyone_verifies_a_credential_and_sees_its_revocation() -> None:
    holder = right_holder().organisation
    held(holder, right_with_contacts())
    client = client_for(holder)
    anonymous = Client()

    issued = client.post("/api/v1/credentials", {}, content_type="application/json").json()
    token = issued["token"]
    keys = anonymous.get("/.well-known/jwks.json").json()
    valid = anonymous.post("/api/v1/credentials/verify", {"token": token}, content_type="application/json").json()
    tampered_token = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    tampered = anonymous.post(
        "/api/v1/credentials/verify", {"token": tampered_token}, content_type="application/json"
    ).json()
    client.post(f"/api/v1/credentials/{issued['id']}/revoke", {"reason": "key lost"}, content_type="application/json")
    status = anonymous.get(f"/api/v1/credentials/{issued['jti']}/status").json()
    after = anonymous.post("/api/v1/credentials/verify", {"token": token}, content_type="application/json").json()

    assert [k["kid"] for k in keys["keys"]] == [issued["kid"]]
    assert set(keys["keys"][0]) == {"kty", "crv", "x", "kid", "alg", "use"}
    assert (valid["valid"], valid["revoked"], valid["claims"]["rights"][0]["number"]) == (True, False, "018000001")
    assert (tampered["valid"], tampered["reason"]) == (False, "bad_signature")
    assert (status["revoked"], status["reason"]) == (True, "key lost")
    assert (after["valid"], after["reason"], after["revoked"]) == (False, "revoked", True)


def test_a_marketplace_sees_how_a_notices_sender_is_authenticated() -> None:
    holder = right_holder(name="Aurora Cosmetics S.A.").organisation
    held(holder, right_with_contacts())
    marketplace = OrganisationFactory(kind=OrganisationKind.MARKETPLACE, verification_status="verified")

    answer = client_for(marketplace, ["identity:read"]).get(f"/api/v1/identity/holders/{holder.slug}").json()

    assert answer == {
        "organisation": holder.slug,
        "name": "Aurora Cosmetics S.A.",
        "kind": "right_holder",
        "verified": True,
        "rights": [
            {
                "office": "EM",
                "number": "018000001",
                "mark": "AURORA",
                "relation": "owner",
                "proof": "documents",
                "since": timezone.localdate().isoformat(),
            }
        ],
        "mandates": [],
    }


def test_the_public_verdict_reports_an_agent_under_mandate() -> None:
    holder = right_holder(name="Aurora Cosmetics S.A.").organisation
    target = right_with_contacts()
    held(holder, target)
    to = agent(name="BrandGuard IP Services")
    today = timezone.localdate()
    client_for(holder).post(
        "/api/v1/identity/mandates",
        {
            "agent": to.slug,
            "rights": ["EM 018000001"],
            "actions": ["notify"],
            "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=30)).isoformat(),
            "document": pdf(),
        },
    )

    verdict = (
        Client()
        .post(
            "/api/v1/rights/verify",
            {"office": "EM", "number": "018000001", "claimant": "BrandGuard IP Services"},
            content_type="application/json",
        )
        .json()
    )

    assert verdict["verdict"] == "verified"
    assert [c["name"] for c in verdict["checks"]] == ["exists", "in_force", "owner"]
    assert "acts for Aurora Cosmetics S.A., the authenticated owner, under a mandate" in verdict["checks"][2]["detail"]
    assert credentials.credential_issue(actor=actor_for_system(to)).claims["mandates"][0]["rights"] == [
        {"office": "EM", "number": "018000001"}
    ]
