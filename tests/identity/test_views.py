"""The authentication pages: who may open which, the main flows through them, and refusals that change nothing."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from ipbridge.accounts.models import AuditEvent, OrganisationKind, Role
from ipbridge.identity.models import (
    Credential,
    IdentityDocument,
    IdentityProfile,
    Mandate,
    RightClaim,
    SigningKey,
    VerificationCode,
)
from ipbridge.identity.views.credentials import _token_qr
from ipbridge.rights.records import GoodsRecord, PartyRecord, RightRecord
from ipbridge.rights.services import rights_import_records
from tests.factories import OrganisationFactory, member, verified_client
from tests.identity.factories import agent, held, last_code, mandate_given, pdf, right_holder, right_with_contacts

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def html(response: Any) -> str:
    return str(response.content.decode())


def field_error(response: Any, field: str) -> str:
    """The error text shown under a form field."""
    found = re.search(rf'data-field="{field}">([^<]*)<', html(response))
    assert found is not None, f"no error on {field}"
    return found.group(1)


def imported(*, owner_email: str, number: str = "018234567") -> None:
    """The office's register as an import would leave it: one trademark whose owner is reached at
    ``owner_email``. Importing again with another address records a change of contact."""
    owner = PartyRecord("Aurora Cosmetics S.A.", "12 rue de la Paix, Paris", "FR", owner_email)
    record = RightRecord(
        office="EM",
        number=number,
        kind="trademark",
        status="registered",
        registration_number=number,
        verbal_element="AURORA",
        mark_feature="word",
        owners=(owner,),
        goods=(GoodsRecord("3", "Cosmetics; lipsticks"),),
    )
    rights_import_records(records=[record], source="test", format="synthetic")


def counts() -> dict[str, int]:
    return {
        "profiles": IdentityProfile.objects.count(),
        "documents": IdentityDocument.objects.count(),
        "codes": VerificationCode.objects.count(),
        "claims": RightClaim.objects.count(),
        "mandates": Mandate.objects.count(),
        "credentials": Credential.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


# Who may open which page ----------------------------------------------------------------------------------------

PAGES = ["/identity/", "/identity/claims/", "/identity/mandates/", "/identity/credentials/", "/operator/identity/"]


def expected_status(page: str, kind: str) -> int:
    if page == "/identity/claims/":
        return 200 if kind == OrganisationKind.RIGHT_HOLDER else 403
    if page in {"/identity/mandates/", "/identity/credentials/"}:
        return 200 if kind in {OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT} else 403
    if page == "/operator/identity/":
        return 200 if kind == OrganisationKind.OPERATOR else 403
    return 200


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("kind", list(OrganisationKind.values))
def test_every_page_answers_every_kind_and_role_as_designed(page: str, role: str, kind: str) -> None:
    membership = member(kind=kind, role=role)

    response = verified_client(membership.user).get(page)

    assert response.status_code == expected_status(page, kind)


@pytest.mark.parametrize("page", [*PAGES, "/identity/claims/1/", "/identity/credentials/1/"])
def test_pages_send_anonymous_visitors_to_login(page: str) -> None:
    response = Client().get(page)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_verification_page_is_public() -> None:
    response = Client().get("/credentials/verify/")

    assert response.status_code == 200
    assert "Paste the whole token" in html(response)


def test_reviewers_read_the_identity_page_without_forms() -> None:
    reviewer = member(role=Role.REVIEWER)

    page = html(verified_client(reviewer.user).get("/identity/"))

    assert 'id="read-only"' in page
    assert 'id="profile-form"' not in page
    assert 'id="document-form"' not in page


def test_another_organisations_objects_are_not_found() -> None:
    owner = right_holder(name="Aurora Cosmetics S.A.")
    target = right_with_contacts()
    claim = held(owner.organisation, target)
    client = verified_client(owner.user)
    client.post("/identity/documents/", {"kind": "business_registration", "file": pdf()})
    document = IdentityDocument.objects.get()
    stranger = verified_client(right_holder(name="Someone Else Ltd").user)

    assert client.get(f"/identity/documents/{document.pk}/").status_code == 200
    assert stranger.get(f"/identity/documents/{document.pk}/").status_code == 404
    assert stranger.get(f"/identity/claims/{claim.pk}/").status_code == 404
    assert stranger.get("/identity/claims/99999/").status_code == 404
    assert stranger.get("/identity/claims/abc/").status_code == 404
    assert stranger.get("/identity/mandates/99999/").status_code == 404
    assert stranger.get("/identity/credentials/99999/").status_code == 404


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/identity/profile/", {"legal_name": "X", "registration_number": "1", "registration_country": "FR"}),
        ("/identity/documents/", {"kind": "business_registration"}),
        ("/identity/domain/code/", {"email": "legal@aurora.example"}),
        ("/identity/submit/", {}),
        ("/identity/claims/new/", {"office": "EM", "number": "018000001", "relation": "owner", "method": "documents"}),
        ("/identity/credentials/issue/", {}),
    ],
)
def test_reviewers_cannot_write_and_nothing_changes(path: str, data: dict[str, Any]) -> None:
    reviewer = right_holder(role=Role.REVIEWER)
    right_with_contacts()
    IdentityProfile.objects.create(organisation=reviewer.organisation, email_domain="aurora.example")
    if path == "/identity/documents/":
        data = {**data, "file": pdf()}
    client = verified_client(reviewer.user)
    before = counts()

    response = client.post(path, data)

    assert response.status_code in {200, 302, 403}
    assert counts() == before


def test_an_agent_cannot_claim_a_right_or_give_a_mandate() -> None:
    acting_agent = member(kind=OrganisationKind.AGENT)
    right_with_contacts()
    client = verified_client(acting_agent.user)
    before = counts()

    claim = client.post(
        "/identity/claims/new/", {"office": "EM", "number": "018000001", "relation": "owner", "method": "documents"}
    )
    grant = client.post("/identity/mandates/", {"agent": "x"})

    assert claim.status_code == 403
    assert grant.status_code == 403
    assert "Only right holders give mandates." in html(grant)
    assert counts() == before


# The organisation's identity ------------------------------------------------------------------------------------


def test_profile_documents_domain_and_submission_then_the_operator_approves(
    django_capture_on_commit_callbacks: Any,
) -> None:
    applicant = member(name="Aurora Cosmetics")
    client = verified_client(applicant.user)
    assert 'id="submit-button" disabled' in html(client.get("/identity/"))

    saved = client.post(
        "/identity/profile/",
        {
            "legal_name": "Aurora Cosmetics S.A.",
            "registration_number": "RCS Paris 552 100 554",
            "registration_country": "fr",
            "address": "12 rue de la Paix, 75002 Paris",
            "email_domain": "aurora.example",
        },
    )
    uploaded = client.post("/identity/documents/", {"kind": "business_registration", "file": pdf("kbis.pdf")})
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/identity/domain/code/", {"email": "legal@aurora.example"})
    confirmed = client.post("/identity/domain/confirm/", {"code": last_code()})

    assert [saved.status_code, uploaded.status_code, sent.status_code, confirmed.status_code] == [302] * 4
    assert mail.outbox[0].to == ["legal@aurora.example"]
    page = html(client.get("/identity/"))
    assert 'id="nothing-missing"' in page
    assert "aurora.example confirmed through l****@aurora.example" in page
    assert "kbis.pdf" in page
    assert 'id="submit-button" disabled' not in page

    submitted = client.post("/identity/submit/", {"note": "Kbis attached"})

    assert submitted["Location"] == "/identity/"
    applicant.organisation.refresh_from_db()
    assert applicant.organisation.verification_status == "pending"
    assert 'id="identity-pending"' in html(client.get("/identity/"))

    operator = verified_client(member(kind=OrganisationKind.OPERATOR).user)
    queue = html(operator.get("/operator/identity/"))
    assert f'data-organisation="{applicant.organisation.slug}"' in queue
    review = html(operator.get(f"/operator/identity/{applicant.organisation.slug}/"))
    assert "RCS Paris 552 100 554" in review
    assert "kbis.pdf" in review
    document = IdentityDocument.objects.get()
    assert operator.get(f"/identity/documents/{document.pk}/")["Content-Disposition"] == (
        'attachment; filename="kbis.pdf"'
    )
    refused = operator.post(f"/operator/identity/{applicant.organisation.slug}/decide/", {"decision": "reject"})
    assert field_error(refused, "reason") == "Say why, so that the organisation knows what to do."

    decided = operator.post(
        f"/operator/identity/{applicant.organisation.slug}/decide/",
        {"decision": "approve", "reason": "Kbis matches the register"},
    )

    assert decided["Location"] == "/operator/identity/"
    applicant.organisation.refresh_from_db()
    assert applicant.organisation.verification_status == "verified"
    page = html(client.get("/identity/"))
    assert 'data-status="verified"' in page
    assert "Kbis matches the register" in page


def test_the_identity_forms_say_what_is_wrong_on_their_fields(settings: Any) -> None:
    settings.IDENTITY_DOCUMENT_MAX_BYTES = 2**20
    applicant = member()
    client = verified_client(applicant.user)
    base = {"legal_name": "Aurora", "registration_number": "1", "registration_country": "FR"}

    free_mail = client.post("/identity/profile/", {**base, "email_domain": "gmail.com"})
    country = client.post("/identity/profile/", {**base, "registration_country": "12"})
    text_file = client.post(
        "/identity/documents/", {"kind": "business_registration", "file": SimpleUploadedFile("a.pdf", b"hello")}
    )
    too_large = client.post(
        "/identity/documents/", {"kind": "business_registration", "file": pdf(content=PDF + b"0" * 2**20)}
    )
    wrong_kind = client.post("/identity/documents/", {"kind": "licence", "file": pdf()})
    no_domain = client.post("/identity/domain/code/", {"email": "legal@aurora.example"})
    submit = client.post("/identity/submit/", {})

    assert field_error(free_mail, "email_domain") == (
        "gmail.com is a public e-mail service; give your organisation&#x27;s own domain."
    )
    assert field_error(country, "registration_country") == "A two-letter country code such as CN, DE or FR."
    assert (
        field_error(text_file, "file") == "Send a PDF or an image (PDF, PNG, JPEG, WebP, TIFF); this file is not one."
    )
    assert field_error(too_large, "file") == "The file is larger than 1 MiB."
    assert field_error(wrong_kind, "kind").startswith("Select a valid choice.")
    assert "Give your organisation&#x27;s e-mail domain first." in html(no_domain)
    assert "Still missing: the legal name;" in html(submit)
    assert IdentityDocument.objects.count() == 0


def test_a_wrong_domain_code_is_refused_on_the_code_field(django_capture_on_commit_callbacks: Any) -> None:
    applicant = member()
    IdentityProfile.objects.create(organisation=applicant.organisation, email_domain="aurora.example")
    client = verified_client(applicant.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/identity/domain/code/", {"email": "legal@aurora.example"})
    wrong = "000000" if last_code() != "000000" else "111111"

    response = client.post("/identity/domain/confirm/", {"code": wrong})

    assert field_error(response, "code") == "That code is not right."
    assert IdentityProfile.objects.get().domain_confirmed_at is None


# Claims on register rights --------------------------------------------------------------------------------------


def test_a_right_is_claimed_by_a_code_sent_to_its_contact_of_record(django_capture_on_commit_callbacks: Any) -> None:
    imported(owner_email="legal@aurora.example")
    owner = right_holder()
    client = verified_client(owner.user)

    proof = client.get("/identity/claims/new/?office=em&number=018234567&relation=owner")

    page = html(proof)
    assert proof.status_code == 200
    assert "l****@aurora.example · Owner" in page
    assert "legal@aurora.example" not in page
    assert "Aurora Cosmetics S.A. (FR)" in page

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/identity/claims/new/",
            {"office": "EM", "number": "018234567", "relation": "owner", "method": "contact_code", "contact": "0"},
        )

    claim = RightClaim.objects.get()
    assert started["Location"] == f"/identity/claims/{claim.pk}/"
    assert mail.outbox[-1].to == ["legal@aurora.example"]
    assert claim.status == "awaiting_code"
    detail = html(client.get(started["Location"]))
    assert "We sent a six-digit code to l****@aurora.example" in detail
    wrong = client.post(f"/identity/claims/{claim.pk}/code/", {"code": "not-a-code"})
    assert field_error(wrong, "code") == "That code is not right."

    confirmed = client.post(f"/identity/claims/{claim.pk}/code/", {"code": last_code()})

    assert confirmed["Location"] == f"/identity/claims/{claim.pk}/"
    claim.refresh_from_db()
    assert claim.status == "approved"
    listing = html(client.get("/identity/claims/"))
    assert 'data-status="approved"' in listing
    assert "EM 018234567" in listing


def test_a_code_can_be_sent_again(django_capture_on_commit_callbacks: Any) -> None:
    imported(owner_email="legal@aurora.example")
    client = verified_client(right_holder().user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/identity/claims/new/",
            {"office": "EM", "number": "018234567", "relation": "owner", "method": "contact_code", "contact": "0"},
        )
    claim = RightClaim.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"/identity/claims/{claim.pk}/code/resend/")

    assert again["Location"] == f"/identity/claims/{claim.pk}/"
    assert len(mail.outbox) == 2
    assert client.post(f"/identity/claims/{claim.pk}/code/", {"code": last_code()}).status_code == 302
    claim.refresh_from_db()
    assert claim.status == "approved"


def test_a_claim_goes_to_review_when_the_registers_contact_changed_recently(
    django_capture_on_commit_callbacks: Any,
) -> None:
    imported(owner_email="old-legal@aurora.example")
    imported(owner_email="new-legal@aurora.example")
    client = verified_client(right_holder().user)

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/identity/claims/new/",
            {"office": "EM", "number": "018234567", "relation": "owner", "method": "contact_code", "contact": "0"},
        )

    claim = RightClaim.objects.get()
    assert claim.status == "in_review"
    assert mail.outbox == []
    detail = html(client.get(started["Location"]))
    assert "The register&#x27;s contact or owner changed recently" in detail
    assert 'id="claim-document-form"' in detail
    client.post(f"/identity/claims/{claim.pk}/documents/", {"kind": "registration_certificate", "file": pdf()})

    operator = verified_client(member(kind=OrganisationKind.OPERATOR).user)
    assert f'data-claim="{claim.pk}"' in html(operator.get("/operator/identity/"))
    review = html(operator.get(f"/identity/claims/{claim.pk}/"))
    assert "o********@aurora.example → n********@aurora.example" in review
    assert "new-legal@aurora.example" not in review
    assert "certificate.pdf" in review

    decided = operator.post(
        f"/identity/claims/{claim.pk}/decide/", {"decision": "approve", "reason": "Certificate matches"}
    )

    assert decided["Location"] == "/operator/identity/"
    claim.refresh_from_db()
    assert claim.status == "approved"
    assert "Certificate matches" in html(client.get(f"/identity/claims/{claim.pk}/"))


def test_claim_errors_are_shown_on_the_form() -> None:
    imported(owner_email="legal@aurora.example")
    client = verified_client(right_holder(verified=False, name="Another Name Ltd").user)

    missing = client.get("/identity/claims/new/?office=EM&number=999&relation=owner")
    no_office = client.get("/identity/claims/new/?number=018234567")
    automatic = client.post(
        "/identity/claims/new/", {"office": "EM", "number": "018234567", "relation": "owner", "method": "automatic"}
    )
    licensee = client.post(
        "/identity/claims/new/",
        {"office": "EM", "number": "018234567", "relation": "exclusive_licensee", "method": "contact_code"},
    )
    bad_contact = client.post(
        "/identity/claims/new/",
        {"office": "EM", "number": "018234567", "relation": "owner", "method": "contact_code", "contact": "7"},
    )

    assert field_error(missing, "number") == "No right EM 999 in the register."
    assert field_error(no_office, "office") == "This field is required."
    assert field_error(automatic, "method") == (
        "Automatic proof needs a verified organisation; get verified first, or choose another proof."
    )
    assert field_error(licensee, "method") == "A licence is proved by the licence contract: choose documents."
    assert field_error(bad_contact, "contact") == "Choose one of the register&#x27;s contact addresses."
    assert RightClaim.objects.count() == 0


def test_a_claim_can_be_withdrawn() -> None:
    right_with_contacts()
    client = verified_client(right_holder().user)
    client.post(
        "/identity/claims/new/", {"office": "EM", "number": "018000001", "relation": "owner", "method": "documents"}
    )
    claim = RightClaim.objects.get()

    client.post(f"/identity/claims/{claim.pk}/withdraw/")

    claim.refresh_from_db()
    assert claim.status == "withdrawn"
    assert 'id="claim-withdraw"' not in html(client.get(f"/identity/claims/{claim.pk}/"))


# Mandates -------------------------------------------------------------------------------------------------------


def test_a_mandate_is_given_used_within_its_scope_and_revoked() -> None:
    owner = right_holder()
    target = right_with_contacts()
    held(owner.organisation, target)
    firm = member(kind=OrganisationKind.AGENT, name="BrandGuard IP Services", verification_status="verified")
    megamart = OrganisationFactory(kind=OrganisationKind.MARKETPLACE, name="MegaMart", slug="megamart")
    OrganisationFactory(kind=OrganisationKind.MARKETPLACE, name="ShopSphere", slug="shopsphere")
    client = verified_client(owner.user)
    until = timezone.localdate() + timedelta(days=180)

    form = html(client.get("/identity/mandates/"))
    assert "BrandGuard IP Services" in form
    assert "EM 018000001 · AURORA" in form
    granted = client.post(
        "/identity/mandates/",
        {
            "agent": firm.organisation.slug,
            "rights": [str(target.pk)],
            "marketplaces": [megamart.slug],
            "actions": ["notify"],
            "valid_from": timezone.localdate().isoformat(),
            "valid_until": until.isoformat(),
            "document": pdf("authorisation.pdf"),
            "note": "Brand protection 2025",
        },
    )

    mandate = Mandate.objects.get()
    assert granted["Location"] == f"/identity/mandates/{mandate.pk}/"
    assert mandate.document_sha256 in html(client.get(granted["Location"]))
    agent_client = verified_client(firm.user)
    received = html(agent_client.get("/identity/mandates/"))
    assert 'data-state="in_force"' in received
    check = {"principal": owner.organisation.slug, "office": "EM", "number": "018000001", "action": "notify"}

    within = agent_client.post("/identity/mandates/authorise/", {**check, "marketplace": "megamart"})
    outside = agent_client.post("/identity/mandates/authorise/", {**check, "marketplace": "shopsphere"})
    other_action = agent_client.post("/identity/mandates/authorise/", {**check, "action": "respond"})

    assert 'data-allowed="true"' in html(within)
    assert f"Allowed under the mandate valid until {until.isoformat()}." in html(within)
    assert 'data-code="marketplace_not_covered"' in html(outside)
    assert "Your mandate does not cover ShopSphere." in html(outside)
    assert "Your mandate does not allow this action: Answer counter-notices." in html(other_action)
    assert agent_client.post(f"/identity/mandates/{mandate.pk}/revoke/", {"reason": "no"}).status_code == 403

    revoked = client.post(f"/identity/mandates/{mandate.pk}/revoke/", {"reason": "Contract ended"})

    assert revoked["Location"] == f"/identity/mandates/{mandate.pk}/"
    after = agent_client.post("/identity/mandates/authorise/", {**check, "marketplace": "megamart"})
    assert "Your mandate from this right holder was revoked." in html(after)
    assert "Contract ended" in html(client.get(f"/identity/mandates/{mandate.pk}/"))
    document = agent_client.get(f"/identity/mandates/{mandate.pk}/document/")
    assert document["Content-Type"] == "application/pdf"
    assert b"".join(document.streaming_content) == PDF  # type: ignore[attr-defined]


def test_mandate_errors_are_shown_on_their_fields() -> None:
    owner = right_holder()
    target = right_with_contacts()
    held(owner.organisation, target)
    firm = agent()
    client = verified_client(owner.user)
    today = timezone.localdate()
    data = {
        "agent": firm.slug,
        "rights": [str(target.pk)],
        "actions": ["notify"],
        "valid_from": today.isoformat(),
        "valid_until": (today - timedelta(days=1)).isoformat(),
    }

    backwards = client.post("/identity/mandates/", {**data, "document": pdf()})
    not_pdf = client.post(
        "/identity/mandates/",
        {**data, "valid_until": today.isoformat(), "document": SimpleUploadedFile("a.pdf", b"plain text")},
    )
    no_document = client.post("/identity/mandates/", data)

    assert field_error(backwards, "valid_until") == "The mandate must end after it starts."
    assert field_error(not_pdf, "document").startswith("Send a PDF or an image")
    assert field_error(no_document, "document") == "This field is required."
    assert Mandate.objects.count() == 0


def test_an_agent_without_a_mandate_is_told_so() -> None:
    owner = right_holder()
    right_with_contacts()
    firm = member(kind=OrganisationKind.AGENT, verification_status="verified")
    client = verified_client(firm.user)

    form_page = html(client.get("/identity/mandates/"))
    refused = client.post(
        "/identity/mandates/authorise/",
        {"principal": owner.organisation.slug, "office": "EM", "number": "018000001", "action": "notify"},
    )

    assert 'id="no-mandates"' in form_page
    assert field_error(refused, "principal").startswith("Select a valid choice.")


# Credentials ----------------------------------------------------------------------------------------------------


def tampered(token: str) -> str:
    """The same signature over a payload naming another organisation."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["organisation"]["name"] = "Counterfeit Traders Ltd"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_a_credential_is_issued_downloaded_verified_and_revoked(settings: Any) -> None:
    settings.SITE_URL = "https://ipbridge.example"
    owner = right_holder()
    held(owner.organisation, right_with_contacts())
    client = verified_client(owner.user)

    issued = client.post("/identity/credentials/issue/")

    credential = Credential.objects.get()
    assert issued["Location"] == f"/identity/credentials/{credential.pk}/"
    detail = html(client.get(issued["Location"]))
    assert f'id="credential-token" aria-label="The token">{credential.token}</textarea>' in detail
    assert 'src="data:image/svg+xml' in detail
    assert "ipbridge credential verify TOKEN --jwks https://ipbridge.example/.well-known/jwks.json" in detail
    assert "EM 018000001" in detail
    download = client.get(f"/identity/credentials/{credential.pk}/download/")
    assert download["Content-Type"] == "application/jwt"
    assert download["Content-Disposition"] == f'attachment; filename="ipbridge-credential-{credential.jti}.jwt"'
    assert download.content.decode().strip() == credential.token
    public = Client()

    valid = public.post("/credentials/verify/", {"token": credential.token})
    forged = public.post("/credentials/verify/", {"token": tampered(credential.token)})

    assert 'data-valid="true"' in html(valid)
    assert "Aurora Cosmetics S.A." in html(valid)
    assert "Revoked: no." in html(valid)
    assert 'data-reason="bad_signature"' in html(forged)
    assert "The signature does not match the contents: the credential was altered." in html(forged)
    assert "Counterfeit Traders Ltd" not in html(forged)

    client.post(f"/identity/credentials/{credential.pk}/revoke/", {"reason": "Lost laptop"})

    revoked = public.post("/credentials/verify/", {"token": credential.token})
    assert 'data-reason="revoked"' in html(revoked)
    assert re.search(r"The credential was revoked on \d{4}-\d\d-\d\d \d\d:\d\d UTC: Lost laptop\.", html(revoked))
    assert 'data-state="revoked"' in html(client.get("/identity/credentials/"))
    status = html(public.get(f"/credentials/verify/?jti={credential.jti}"))
    assert 'data-revoked="true"' in status


def test_a_credential_needs_a_verified_organisation_with_something_to_state() -> None:
    client = verified_client(right_holder().user)

    response = client.post("/identity/credentials/issue/", follow=True)

    assert "Authenticate at least one right, or hold a mandate, before asking for a credential." in html(response)
    assert Credential.objects.count() == 0


def test_the_verification_page_refuses_what_is_not_a_credential() -> None:
    response = Client().post("/credentials/verify/", {"token": "not.a.token"})

    assert 'data-valid="false"' in html(response)
    assert "This is not a well-formed credential." in html(response)


def test_operators_rotate_the_signing_key_and_old_credentials_still_verify() -> None:
    owner = right_holder()
    held(owner.organisation, right_with_contacts())
    verified_client(owner.user).post("/identity/credentials/issue/")
    operator = verified_client(member(kind=OrganisationKind.OPERATOR).user)

    rotated = operator.post("/operator/identity/signing-key/rotate/")

    assert rotated["Location"] == "/operator/identity/"
    assert SigningKey.objects.filter(retired_at=None).count() == 1
    assert SigningKey.objects.count() == 2
    response = Client().post("/credentials/verify/", {"token": Credential.objects.get().token})
    assert 'data-valid="true"' in html(response)
    assert verified_client(owner.user).post("/operator/identity/signing-key/rotate/").status_code == 403


def test_a_token_too_long_for_a_qr_code_gets_one_of_its_status_page() -> None:
    qr, holds_token = _token_qr("x" * 5000, fallback_url="https://ipbridge.example/credentials/verify/?jti=1")

    assert holds_token is False
    assert qr.startswith("data:image/svg+xml")


def test_an_agent_credential_states_its_mandates() -> None:
    owner = right_holder()
    target = right_with_contacts()
    held(owner.organisation, target)
    firm = member(kind=OrganisationKind.AGENT, name="BrandGuard IP Services", verification_status="verified")
    mandate_given(owner.organisation, firm.organisation, [target])
    client = verified_client(firm.user)

    issued = client.post("/identity/credentials/issue/")

    detail = html(client.get(issued["Location"]))
    assert "For Aurora Cosmetics S.A." in detail
    assert "Send notices" in detail


# Navigation and the dashboard -----------------------------------------------------------------------------------


def test_the_menu_shows_authentication_to_the_kinds_it_serves() -> None:
    def menu(kind: str) -> list[str]:
        page = html(verified_client(member(kind=kind).user).get("/dashboard/"))
        return re.findall(r'class="nav-link[^"]*" href="/(?:identity|operator/identity)/[^"]*">([^<]+)<', page)

    assert menu(OrganisationKind.RIGHT_HOLDER) == ["Identity", "Rights held", "Mandates", "Credentials"]
    assert menu(OrganisationKind.AGENT) == ["Identity", "Mandates", "Credentials"]
    assert menu(OrganisationKind.MARKETPLACE) == ["Identity", "Right holders"]
    assert menu(OrganisationKind.OPERATOR) == ["Right holders", "Identity reviews"]


def test_the_dashboard_leads_to_the_identity_page_and_the_next_step_of_each_kind() -> None:
    owner = right_holder(verified=False)
    firm = member(kind=OrganisationKind.AGENT)

    holder_page = html(verified_client(owner.user).get("/dashboard/"))
    agent_page = html(verified_client(firm.user).get("/dashboard/"))

    assert '<a href="/identity/">Get your organisation verified</a>' in holder_page
    assert '<a href="/identity/claims/">Authenticate your rights</a>' in holder_page
    assert '<a href="/identity/mandates/">Receive a mandate</a>' in agent_page
    held(owner.organisation, right_with_contacts())
    assert '<a href="/identity/claims/">' not in html(verified_client(owner.user).get("/dashboard/"))


def test_a_form_target_opened_directly_leads_back_to_its_page() -> None:
    """A reload, or the language switch, after a form was shown with its errors."""
    client = verified_client(member(kind=OrganisationKind.AGENT).user)

    assert client.get("/identity/profile/")["Location"] == "/identity/"
    assert client.get("/identity/mandates/authorise/")["Location"] == "/identity/mandates/"
    assert client.get("/identity/credentials/12/revoke/")["Location"] == "/identity/credentials/12/"
