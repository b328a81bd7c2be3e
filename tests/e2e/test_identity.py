"""Authentication of right holders in a real browser: identity review, a claim proved by a code to the register's
contact, a credential checked on the command line, an agent acting within and outside its mandate."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect

from ipbridge.accounts.models import Membership, OrganisationKind
from ipbridge.identity.models import Credential, Mandate, RightClaim
from ipbridge.rights.models import Right, RightChange
from ipbridge.rights.records import GoodsRecord, PartyRecord, RightRecord
from ipbridge.rights.services import rights_import_records
from tests.factories import PASSWORD, OrganisationFactory, member
from tests.identity.factories import held

from .conftest import TIMEOUT_MS, log_in, screenshot, totp_code, url_path

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

IPBRIDGE = Path(sys.executable).with_name("ipbridge")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _import(number: str, mark: str, owner_email: str) -> None:
    owner = PartyRecord("Aurora Cosmetics S.A.", "12 rue de la Paix, 75002 Paris", "FR", owner_email)
    record = RightRecord(
        office="EM",
        number=number,
        kind="trademark",
        status="registered",
        registration_number=number,
        verbal_element=mark,
        mark_feature="word",
        owners=(owner,),
        goods=(GoodsRecord("3", "Cosmetics; perfumes; lipsticks"),),
    )
    rights_import_records(records=[record], source="EUIPO weekly", format="synthetic")


@pytest.fixture
def register() -> None:
    """AURORA, reached at its owner's address of record; LUMIÈRE, whose contact changed at the office last week."""
    _import("018234567", "AURORA", "legal@aurora.example")
    _import("018999999", "LUMIÈRE", "legal@aurora.example")
    _import("018999999", "LUMIÈRE", "brand-desk@aurora-new.example")
    RightChange.objects.filter(right__number="018999999").update(changed_at=timezone.now() - timedelta(days=7))


@pytest.fixture
def second_page(browser: Browser, live_server: Any) -> Iterator[Page]:
    """Another person's browser, at the same time."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def person(kind: str, name: str, *, verified: bool = True) -> Membership:
    return member(kind=kind, name=name, verification_status="verified" if verified else "unverified")


def sign_in(page: Page, membership: Membership) -> None:
    device = TOTPDevice.objects.get(user=membership.user)
    log_in(page, email=membership.user.email, password=PASSWORD, code=totp_code(device.bin_key))


def nav(page: Page, label: str) -> None:
    page.locator("nav").get_by_role("link", name=label, exact=True).click()


def last_code() -> str:
    found = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert found is not None
    return found.group(1)


def credential_verify_cli(token: str, jwks: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command, with a token the test made
        [str(IPBRIDGE), "credential", "verify", token, "--jwks", jwks],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_identity_is_stated_confirmed_and_approved_by_an_operator(page: Page, second_page: Page) -> None:
    applicant = person(OrganisationKind.RIGHT_HOLDER, "Aurora Cosmetics", verified=False)
    sign_in(page, applicant)
    expect(page.locator("#next-steps")).to_contain_text("Get your organisation verified")
    nav(page, "Identity")
    expect(page.locator("#submit-button")).to_be_disabled()

    page.fill("#id_legal_name", "Aurora Cosmetics S.A.")
    page.fill("#id_registration_number", "RCS Paris 552 100 554")
    page.fill("#id_registration_country", "FR")
    page.fill("#id_address", "12 rue de la Paix\n75002 Paris")
    page.fill("#id_email_domain", "aurora.example")
    page.locator("#profile-form").get_by_role("button", name="Save").click()
    page.select_option("#document-form #id_kind", "business_registration")
    page.set_input_files("#document-form #id_file", {"name": "kbis.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.locator("#document-form").get_by_role("button", name="Upload").click()
    expect(page.locator("#documents")).to_contain_text("kbis.pdf")
    page.fill("#domain-send-form #id_email", "legal@aurora.example")
    page.locator("#domain-send-form").get_by_role("button", name="Send a code").click()
    expect(page.locator("#domain-confirm-form")).to_contain_text("Sent to l****@aurora.example.")
    page.fill("#domain-confirm-form #id_code", last_code())
    page.locator("#domain-confirm-form").get_by_role("button", name="Confirm").click()
    expect(page.locator("#domain-confirmed")).to_contain_text("aurora.example confirmed through l****@aurora.example")
    expect(page.locator("#nothing-missing")).to_be_visible()
    screenshot(page, "identity-overview")

    page.locator("#submit-button").click()
    expect(page.locator("#identity-status")).to_have_attribute("data-status", "pending")

    operator = person(OrganisationKind.OPERATOR, "IPBridge Operations")
    sign_in(second_page, operator)
    nav(second_page, "Identity reviews")
    second_page.get_by_role("link", name="Aurora Cosmetics", exact=True).click()
    expect(second_page.locator("#stated-identity")).to_contain_text("RCS Paris 552 100 554")
    second_page.check('#identity-decision-form input[value="approve"]')
    second_page.fill("#identity-decision-form #id_reason", "Kbis matches the commercial register.")
    screenshot(second_page, "identity-review-organisation")
    second_page.get_by_role("button", name="Save the decision").click()
    expect(second_page).to_have_url(url_path("/operator/identity/"))

    page.reload()
    expect(page.locator("#identity-status")).to_have_attribute("data-status", "verified")
    expect(page.locator("#review-note")).to_contain_text("Kbis matches the commercial register.")
    page.locator('#language-form button[value="zh-hans"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    screenshot(page, "identity-overview-zh-hans")


@pytest.mark.usefixtures("register")
def test_a_right_holder_claims_by_the_contact_code_and_its_credential_verifies_on_the_command_line(
    page: Page, live_server: Any, settings: Any
) -> None:
    settings.SITE_URL = live_server.url
    holder = person(OrganisationKind.RIGHT_HOLDER, "Aurora Cosmetics S.A.")
    sign_in(page, holder)

    nav(page, "Rights held")
    page.fill("#claim-start-form #id_office", "EM")
    page.fill("#claim-start-form #id_number", "018234567")
    page.locator("#claim-start-form").get_by_role("button", name="Continue").click()
    expect(page.locator("#right-label")).to_have_text("AURORA")
    expect(page.locator("#contacts .form-check-label")).to_have_text(["l****@aurora.example · Owner"])
    expect(page.locator("main")).not_to_contain_text("legal@aurora.example")
    screenshot(page, "identity-claim-proof")
    page.get_by_role("button", name="Claim this right").click()

    expect(page.locator("#claim-status [data-status]")).to_have_attribute("data-status", "awaiting_code")
    assert mail.outbox[-1].to == ["legal@aurora.example"]
    page.fill("#claim-code-form #id_code", last_code())
    page.locator("#claim-code-form").get_by_role("button", name="Confirm").click()
    expect(page.locator("#claim-status [data-status]")).to_have_attribute("data-status", "approved")
    expect(page.locator("#evidence-contact")).to_have_text("l****@aurora.example")
    screenshot(page, "identity-claim-approved")

    nav(page, "Credentials")
    page.get_by_role("button", name="Issue a credential").click()
    expect(page.locator("#statement-rights")).to_contain_text("EM 018234567 · AURORA")
    expect(page.locator("#qr-note")).to_contain_text("The QR code holds the whole token")
    screenshot(page, "identity-credential")
    token = page.locator("#credential-token").input_value()
    assert token == Credential.objects.get().token
    jwks = f"{live_server.url}/.well-known/jwks.json"

    checked = credential_verify_cli(token, jwks)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("valid: The credential is valid until")
    assert "right: EM 018234567 AURORA" in checked.stdout
    assert "revocation: checked, not revoked" in checked.stdout

    page.locator("footer").get_by_role("link", name="Verify a credential").click()
    page.fill("#id_token", token)
    page.locator("#credential-verify-form").get_by_role("button", name="Verify").click()
    expect(page.locator("#check-result")).to_have_attribute("data-valid", "true")
    screenshot(page, "identity-credential-verified")

    page.go_back()
    page.go_back()
    page.fill("#revoke-form #id_reason", "Replaced by a newer credential")
    page.locator("#revoke-form").get_by_role("button", name="Revoke").click()
    expect(page.locator("#credential-state [data-state]")).to_have_attribute("data-state", "revoked")

    revoked = credential_verify_cli(token, jwks)

    assert revoked.returncode == 1
    assert revoked.stdout.startswith("invalid (revoked):")


@pytest.mark.usefixtures("register")
def test_a_claim_on_a_right_whose_contact_changed_last_week_goes_to_review(page: Page, second_page: Page) -> None:
    holder = person(OrganisationKind.RIGHT_HOLDER, "Aurora Cosmetics S.A.")
    sign_in(page, holder)

    page.goto("/identity/claims/new/?office=EM&number=018999999&relation=owner")
    expect(page.locator("#contacts .form-check-label")).to_have_text(["b*********@aurora-new.example · Owner"])
    page.get_by_role("button", name="Claim this right").click()

    expect(page.locator("#claim-status [data-status]")).to_have_attribute("data-status", "in_review")
    expect(page.locator("#review-reasons")).to_contain_text("The register's contact or owner changed recently")
    assert mail.outbox == []
    page.select_option("#claim-document-form #id_kind", "registration_certificate")
    page.set_input_files(
        "#claim-document-form #id_file", {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.locator("#claim-document-form").get_by_role("button", name="Upload").click()
    expect(page.locator(".documents")).to_contain_text("certificate.pdf")
    screenshot(page, "identity-claim-in-review")

    operator = person(OrganisationKind.OPERATOR, "IPBridge Operations")
    sign_in(second_page, operator)
    nav(second_page, "Identity reviews")
    screenshot(second_page, "identity-reviews")
    second_page.locator("#claims-queue").get_by_role("link", name="EM 018999999").click()
    expect(second_page.locator("#register-history")).to_contain_text("l****@aurora.example")
    expect(second_page.locator("main")).not_to_contain_text("brand-desk@aurora-new.example")
    screenshot(second_page, "identity-claim-review")
    second_page.check('#claim-decision-form input[value="more_information"]')
    second_page.fill("#claim-decision-form #id_reason", "Send the recorded assignment to the new owner.")
    second_page.get_by_role("button", name="Save the decision").click()

    page.reload()
    expect(page.locator("#claim-status [data-status]")).to_have_attribute("data-status", "more_information")
    expect(page.locator("#decision-reason")).to_have_text("Send the recorded assignment to the new owner.")
    page.locator('#language-form button[value="zh-hans"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    screenshot(page, "identity-claim-zh-hans")
    assert RightClaim.objects.get().status == "more_information"


@pytest.mark.usefixtures("register")
def test_an_agent_acts_within_its_mandate_and_not_outside_it_nor_after_revocation(
    page: Page, second_page: Page
) -> None:
    holder = person(OrganisationKind.RIGHT_HOLDER, "Aurora Cosmetics S.A.")
    firm = person(OrganisationKind.AGENT, "BrandGuard IP Services")
    held(holder.organisation, Right.objects.get(office="EM", number="018234567"))
    OrganisationFactory(kind=OrganisationKind.MARKETPLACE, name="MegaMart", slug="megamart")
    OrganisationFactory(kind=OrganisationKind.MARKETPLACE, name="ShopSphere", slug="shopsphere")

    sign_in(page, holder)
    nav(page, "Mandates")
    page.select_option("#grant-form #id_agent", label="BrandGuard IP Services")
    page.locator("#grant-form").get_by_label("EM 018234567 · AURORA").check()
    page.locator("#grant-form").get_by_label("MegaMart").check()
    page.locator("#grant-form").get_by_label("Send notices").check()
    page.set_input_files(
        "#grant-form #id_document", {"name": "authorisation.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.fill("#grant-form #id_note", "Brand protection on MegaMart")
    screenshot(page, "identity-mandates-grant")
    page.get_by_role("button", name="Give the mandate").click()
    expect(page.locator("#mandate-state [data-state]")).to_have_attribute("data-state", "in_force")
    expect(page.locator("#mandate-facts")).to_contain_text(Mandate.objects.get().document_sha256)
    screenshot(page, "identity-mandate")

    sign_in(second_page, firm)
    nav(second_page, "Mandates")

    def check(marketplace: str) -> None:
        second_page.select_option("#authorise-form #id_principal", label="Aurora Cosmetics S.A.")
        second_page.fill("#authorise-form #id_office", "EM")
        second_page.fill("#authorise-form #id_number", "018234567")
        second_page.select_option("#authorise-form #id_marketplace", label=marketplace)
        second_page.select_option("#authorise-form #id_action", "notify")
        second_page.get_by_role("button", name="Check", exact=True).click()

    until = Mandate.objects.get().valid_until.isoformat()
    check("MegaMart")
    expect(second_page.locator("#authorisation")).to_have_attribute("data-allowed", "true")
    expect(second_page.locator("#authorisation-reason")).to_have_text(f"Allowed under the mandate valid until {until}.")
    screenshot(second_page, "identity-authority-allowed")
    check("ShopSphere")
    expect(second_page.locator("#authorisation")).to_have_attribute("data-allowed", "false")
    expect(second_page.locator("#authorisation-reason")).to_have_text("Your mandate does not cover ShopSphere.")

    page.fill("#revoke-form #id_reason", "Contract ended")
    page.locator("#revoke-form").get_by_role("button", name="Revoke").click()
    expect(page.locator("#mandate-state [data-state]")).to_have_attribute("data-state", "revoked")

    check("MegaMart")
    expect(second_page.locator("#authorisation")).to_have_attribute("data-allowed", "false")
    expect(second_page.locator("#authorisation-reason")).to_have_text(
        "Your mandate from this right holder was revoked."
    )
    second_page.locator('#language-form button[value="zh-hans"]').click()
    expect(second_page.locator("html")).to_have_attribute("lang", "zh-hans")
    screenshot(second_page, "identity-mandates-zh-hans")
