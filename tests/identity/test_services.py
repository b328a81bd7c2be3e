"""Authentication use cases: identity review, claims on rights by each proof, mandates, credentials."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ipbridge.accounts.models import AuditEvent, Organisation, OrganisationKind
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import ApplicationError, Conflict, PermissionDenied, TooManyRequests
from ipbridge.engine import credentials as jws
from ipbridge.identity import credentials, services
from ipbridge.identity.models import (
    Credential,
    IdentityDocument,
    RightClaim,
    VerificationCode,
)
from ipbridge.identity.selectors import authority_for, identity_missing
from ipbridge.identity.signing import published_jwks
from ipbridge.rights.selectors import right_verify
from ipbridge.rights.verification import claim_build
from tests.factories import OrganisationFactory, member
from tests.identity.factories import (
    PDF,
    PNG,
    agent,
    contact_changed,
    held,
    last_code,
    mandate_given,
    pdf,
    right_holder,
    right_with_contacts,
)

# Codes go out by e-mail after the transaction commits, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def error_of(call: Any, **kwargs: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call(**kwargs)
    return caught.value


def actions_of(organisation: Organisation) -> list[str]:
    return list(AuditEvent.objects.filter(organisation=organisation).order_by("id").values_list("action", flat=True))


def complete_identity(actor: Any, *, domain: str = "aurora.example") -> None:
    services.identity_profile_update(
        actor=actor,
        legal_name="Aurora Cosmetics S.A.",
        registration_number="RCS Paris 552 100 554",
        registration_country="fr",
        email_domain=domain,
    )
    services.identity_document_add(actor=actor, kind="business_registration", upload=pdf(), file_name="kbis.pdf")
    services.identity_domain_code_send(actor=actor, email=f"legal@{domain}")
    services.identity_domain_code_confirm(actor=actor, code=last_code())


# The organisation's identity ------------------------------------------------------------------------------------


def test_profile_refuses_a_public_mail_domain_and_a_bad_country_naming_the_field() -> None:
    actor = actor_for_system(right_holder(verified=False).organisation)

    free = error_of(
        services.identity_profile_update,
        actor=actor,
        legal_name="Aurora",
        registration_number="1",
        registration_country="FR",
        email_domain="gmail.com",
    )
    country = error_of(
        services.identity_profile_update,
        actor=actor,
        legal_name="Aurora",
        registration_number="1",
        registration_country="France",
    )

    assert (free.code, free.field) == ("free_mail_domain", "email_domain")
    assert (country.code, country.field) == ("invalid_country", "registration_country")


def test_changing_the_stated_legal_name_of_a_verified_organisation_makes_it_unverified() -> None:
    organisation = right_holder(verified=True).organisation
    actor = actor_for_system(organisation)
    services.identity_profile_update(
        actor=actor, legal_name="Aurora Cosmetics S.A.", registration_number="552 100 554", registration_country="FR"
    )
    organisation.refresh_from_db()
    assert organisation.verification_status == "verified"

    services.identity_profile_update(
        actor=actor, legal_name="Aurora Holding S.A.", registration_number="552 100 554", registration_country="FR"
    )

    organisation.refresh_from_db()
    assert organisation.verification_status == "unverified"


def test_a_document_is_stored_under_its_hash_and_typed_by_its_bytes() -> None:
    actor = actor_for_system(right_holder().organisation)

    document = services.identity_document_add(
        actor=actor, kind="business_registration", upload=pdf("extract.png", PDF), file_name="extract.png"
    )

    assert (document.content_type, document.size, document.file_name) == ("application/pdf", len(PDF), "extract.png")
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.storage_name == f"identity/{document.sha256[:2]}/{document.sha256}"
    with default_storage.open(document.storage_name) as stored:
        assert stored.read() == PDF


@pytest.mark.parametrize(
    ("content", "code", "status"),
    [
        (b"just some text, not a scan", "unsupported_file_type", 422),
        (b"", "empty_file", 422),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "unsupported_file_type", 422),
    ],
)
def test_a_document_that_is_not_a_pdf_or_image_is_refused_and_nothing_is_kept(
    content: bytes, code: str, status: int
) -> None:
    actor = actor_for_system(right_holder().organisation)
    upload = SimpleUploadedFile("certificate.pdf", content, content_type="application/pdf")

    refused = error_of(
        services.identity_document_add, actor=actor, kind="business_registration", upload=upload, file_name="x.pdf"
    )

    assert (refused.code, refused.status, refused.field) == (code, status, "file")
    assert IdentityDocument.objects.count() == 0


def test_a_document_over_the_size_limit_is_refused_with_413(settings: Any) -> None:
    settings.IDENTITY_DOCUMENT_MAX_BYTES = 2 * 2**20
    actor = actor_for_system(right_holder().organisation)
    upload = SimpleUploadedFile("big.png", PNG + b"\x00" * (2 * 2**20), content_type="image/png")

    refused = error_of(services.identity_document_add, actor=actor, kind="other", upload=upload, file_name="big.png")

    assert (refused.code, refused.status) == ("file_too_large", 413)
    assert str(refused.message) == "The file is larger than 2 MiB."
    assert IdentityDocument.objects.count() == 0


def test_the_domain_code_goes_only_to_an_address_on_the_organisations_domain() -> None:
    actor = actor_for_system(right_holder().organisation)
    services.identity_profile_update(
        actor=actor,
        legal_name="Aurora",
        registration_number="1",
        registration_country="FR",
        email_domain="aurora.example",
    )

    elsewhere = error_of(services.identity_domain_code_send, actor=actor, email="someone@other.example")
    services.identity_domain_code_send(actor=actor, email="Legal@Aurora.example")

    assert (elsewhere.code, elsewhere.field) == ("wrong_domain", "email")
    assert [m.to for m in mail.outbox] == [["legal@aurora.example"]]
    assert mail.outbox[0].subject == "Your IPBridge verification code"


def test_a_wrong_code_counts_and_is_recorded_even_though_the_call_fails() -> None:
    organisation = right_holder().organisation
    actor = actor_for_system(organisation)
    services.identity_profile_update(
        actor=actor,
        legal_name="Aurora",
        registration_number="1",
        registration_country="FR",
        email_domain="aurora.example",
    )
    services.identity_domain_code_send(actor=actor, email="legal@aurora.example")
    right_code = last_code()
    wrong = "000000" if right_code != "000000" else "111111"

    refused = error_of(services.identity_domain_code_confirm, actor=actor, code=wrong)
    profile = services.identity_domain_code_confirm(actor=actor, code=right_code)
    reused = error_of(services.identity_domain_code_confirm, actor=actor, code=right_code)

    assert refused.code == "invalid_code"
    assert VerificationCode.objects.get().attempts == 1
    assert profile.domain_confirmed_at is not None
    assert profile.domain_confirmed_email == "legal@aurora.example"
    assert reused.code == "code_expired"
    assert actions_of(organisation)[-3:] == [
        "identity.code_sent",
        "identity.code_failed",
        "identity.domain_confirmed",
    ]


def test_five_wrong_codes_use_up_the_code() -> None:
    actor = actor_for_system(right_holder().organisation)
    services.identity_profile_update(
        actor=actor,
        legal_name="Aurora",
        registration_number="1",
        registration_country="FR",
        email_domain="aurora.example",
    )
    services.identity_domain_code_send(actor=actor, email="legal@aurora.example")
    right_code = last_code()
    wrong = "000000" if right_code != "000000" else "111111"

    answers = [error_of(services.identity_domain_code_confirm, actor=actor, code=wrong).code for _ in range(5)]
    after = error_of(services.identity_domain_code_confirm, actor=actor, code=right_code)

    assert answers == ["invalid_code"] * 5
    assert after.code == "too_many_attempts"


def test_an_expired_code_is_refused() -> None:
    actor = actor_for_system(right_holder().organisation)
    services.identity_profile_update(
        actor=actor,
        legal_name="Aurora",
        registration_number="1",
        registration_country="FR",
        email_domain="aurora.example",
    )
    services.identity_domain_code_send(actor=actor, email="legal@aurora.example")
    VerificationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert error_of(services.identity_domain_code_confirm, actor=actor, code=last_code()).code == "code_expired"


def test_at_most_five_codes_an_hour_are_sent() -> None:
    actor = actor_for_system(right_holder().organisation)
    services.identity_profile_update(
        actor=actor,
        legal_name="Aurora",
        registration_number="1",
        registration_country="FR",
        email_domain="aurora.example",
    )
    for _ in range(5):
        services.identity_domain_code_send(actor=actor, email="legal@aurora.example")

    with pytest.raises(TooManyRequests) as refused:
        services.identity_domain_code_send(actor=actor, email="legal@aurora.example")

    assert (refused.value.code, refused.value.status) == ("too_many_codes", 429)
    assert len(mail.outbox) == 5


def test_submitting_names_what_is_missing_then_goes_to_review_and_an_operator_decides() -> None:
    organisation = right_holder(verified=False).organisation
    actor = actor_for_system(organisation)
    operator = actor_for_system(OrganisationFactory(kind=OrganisationKind.OPERATOR))

    incomplete = error_of(services.identity_submit, actor=actor)
    complete_identity(actor)
    services.identity_submit(actor=actor)
    organisation.refresh_from_db()
    pending = organisation.verification_status
    no_reason = error_of(
        services.identity_review_decide, actor=operator, organisation_id=organisation.pk, decision="reject"
    )
    services.identity_review_decide(actor=operator, organisation_id=organisation.pk, decision="approve")

    assert incomplete.code == "incomplete"
    assert incomplete.details == {
        "missing": ["legal_name", "registration_number", "registration_country", "business_registration", "domain"]
    }
    assert pending == "pending"
    assert (no_reason.code, no_reason.field) == ("required", "reason")
    organisation.refresh_from_db()
    assert organisation.verification_status == "verified"
    assert identity_missing(organisation=organisation) == []


def test_an_operator_asks_for_more_and_the_organisation_sees_why() -> None:
    organisation = right_holder(verified=False).organisation
    actor = actor_for_system(organisation)
    operator = actor_for_system(OrganisationFactory(kind=OrganisationKind.OPERATOR))
    complete_identity(actor)
    services.identity_submit(actor=actor)

    services.identity_review_decide(
        actor=operator,
        organisation_id=organisation.pk,
        decision="more_information",
        reason="The extract is older than 3 months.",
    )

    organisation.refresh_from_db()
    assert organisation.verification_status == "more_information"
    assert organisation.identity.review_note == "The extract is older than 3 months."


def test_only_operators_review_identities() -> None:
    organisation = right_holder(verified=False).organisation
    actor = actor_for_system(organisation)
    complete_identity(actor)
    services.identity_submit(actor=actor)

    with pytest.raises(PermissionDenied):
        services.identity_review_decide(actor=actor, organisation_id=organisation.pk, decision="approve")


# Claims on register rights --------------------------------------------------------------------------------------


def test_a_verified_organisation_named_as_owner_of_record_is_approved_automatically() -> None:
    organisation = right_holder(name="AURORA COSMETICS SA").organisation
    target = right_with_contacts()

    claim = services.right_claim_start(
        actor=actor_for_system(organisation), office="em", number="018 000 001", method="automatic"
    )

    assert (claim.status, claim.method, claim.right_id) == ("approved", "automatic", target.pk)
    assert claim.evidence["matched_owner"] == "Aurora Cosmetics S.A."
    assert actions_of(organisation)[-2:] == ["claim.started", "claim.approved"]


def test_automatic_proof_needs_a_verified_organisation_and_the_owners_name() -> None:
    right_with_contacts()
    unverified = actor_for_system(right_holder(verified=False).organisation)
    stranger = actor_for_system(right_holder(name="Borealis Beauty Ltd").organisation)

    not_verified = error_of(
        services.right_claim_start, actor=unverified, office="EM", number="018000001", method="automatic"
    )
    mismatch = error_of(services.right_claim_start, actor=stranger, office="EM", number="018000001", method="automatic")

    assert (not_verified.code, not_verified.field) == ("organisation_not_verified", "method")
    assert (mismatch.code, str(mismatch.message)) == (
        "name_mismatch",
        "Your organisation's name does not match the owner of record (Aurora Cosmetics S.A.); choose another proof.",
    )
    assert RightClaim.objects.count() == 0


def test_a_code_to_the_contact_of_record_proves_the_claim() -> None:
    organisation = right_holder(name="Aurora Trading", verified=False).organisation
    actor = actor_for_system(organisation)
    right_with_contacts()

    claim = services.right_claim_start(
        actor=actor, office="EM", number="018000001", method="contact_code", contact_email="tm@lefevre.example"
    )
    sent_to = mail.outbox[-1].to
    confirmed = services.right_claim_code_confirm(actor=actor, claim_id=claim.pk, code=last_code())

    assert claim.status == "awaiting_code"
    assert claim.evidence["contact_of_record"] == "t***@lefevre.example"
    assert sent_to == ["tm@lefevre.example"]
    assert "018000001" in mail.outbox[-1].body
    assert confirmed.status == "approved"


def test_a_code_can_only_go_to_an_address_the_register_holds() -> None:
    right_with_contacts()
    actor = actor_for_system(right_holder().organisation)

    refused = error_of(
        services.right_claim_start,
        actor=actor,
        office="EM",
        number="018000001",
        method="contact_code",
        contact_email="me@attacker.example",
    )

    assert (refused.code, refused.field) == ("not_a_contact", "contact_email")
    assert mail.outbox == []


def test_a_contact_changed_last_week_sends_the_claim_to_review_without_a_code() -> None:
    target = right_with_contacts()
    contact_changed(target, days_ago=7)
    organisation = right_holder().organisation

    claim = services.right_claim_start(
        actor=actor_for_system(organisation), office="EM", number="018000001", method="contact_code"
    )

    assert (claim.status, claim.review_reasons) == ("in_review", ["contact_changed"])
    assert claim.evidence["register_change"]["field"] == "contact"
    assert mail.outbox == []
    assert actions_of(organisation)[-2:] == ["claim.started", "claim.sent_to_review"]


def test_a_contact_changed_long_ago_does_not_hold_the_code_back() -> None:
    target = right_with_contacts()
    contact_changed(target, days_ago=200)

    claim = services.right_claim_start(
        actor=actor_for_system(right_holder().organisation), office="EM", number="018000001", method="contact_code"
    )

    assert claim.status == "awaiting_code"
    assert mail.outbox[-1].to == ["ip@aurora.example"]


def test_a_claim_conflicting_with_another_organisations_goes_to_review_and_never_overrides_it() -> None:
    target = right_with_contacts()
    first = held(right_holder(name="Aurora Cosmetics S.A.").organisation, target)
    rival = right_holder(name="Aurora Cosmetics SA").organisation
    operator = actor_for_system(OrganisationFactory(kind=OrganisationKind.OPERATOR))

    claim = services.right_claim_start(
        actor=actor_for_system(rival), office="EM", number="018000001", method="automatic"
    )
    services.right_claim_review_decide(actor=operator, claim_id=claim.pk, decision="reject", reason="Not the owner.")

    assert claim.review_reasons == ["conflict"]
    assert claim.evidence["conflicting_claims"] == [first.pk]
    first.refresh_from_db()
    claim.refresh_from_db()
    assert (first.status, claim.status, claim.decision_reason) == ("approved", "rejected", "Not the owner.")


def test_documents_claim_asks_for_more_then_is_approved() -> None:
    right_with_contacts()
    organisation = right_holder(name="Aurora Licensing GmbH").organisation
    actor = actor_for_system(organisation)
    operator = actor_for_system(OrganisationFactory(kind=OrganisationKind.OPERATOR))

    claim = services.right_claim_start(
        actor=actor, office="EM", number="018000001", method="documents", relation="exclusive_licensee"
    )
    services.right_claim_review_decide(
        actor=operator, claim_id=claim.pk, decision="more_information", reason="Send the licence contract."
    )
    services.right_claim_document_add(
        actor=actor, claim_id=claim.pk, kind="licence", upload=pdf(), file_name="licence.pdf"
    )
    claim.refresh_from_db()
    back_in_review = claim.status
    services.right_claim_review_decide(actor=operator, claim_id=claim.pk, decision="approve")

    claim.refresh_from_db()
    assert (back_in_review, claim.status, claim.review_reasons) == ("in_review", "approved", ["licensee"])
    assert [d.kind for d in claim.documents.all()] == ["licence"]


def test_a_licence_is_proved_by_documents_only_and_a_right_is_claimed_once() -> None:
    right_with_contacts()
    actor = actor_for_system(right_holder().organisation)

    licence = error_of(
        services.right_claim_start,
        actor=actor,
        office="EM",
        number="018000001",
        method="automatic",
        relation="exclusive_licensee",
    )
    services.right_claim_start(actor=actor, office="EM", number="018000001", method="automatic")
    again = error_of(services.right_claim_start, actor=actor, office="EM", number="018000001", method="documents")
    missing = error_of(services.right_claim_start, actor=actor, office="EM", number="999", method="documents")

    assert (licence.code, licence.field) == ("licence_needs_documents", "method")
    assert (again.code, again.status) == ("already_claimed", 409)
    assert (missing.code, missing.field) == ("right_not_found", "number")


def test_only_right_holders_claim_rights() -> None:
    right_with_contacts()
    for kind in ("agent", "marketplace", "merchant", "mediator", "authority", "operator"):
        actor = actor_for_system(OrganisationFactory(kind=kind, verification_status="verified"))
        with pytest.raises(PermissionDenied):
            services.right_claim_start(actor=actor, office="EM", number="018000001", method="documents")
    assert RightClaim.objects.count() == 0


def test_a_withdrawn_claim_can_be_made_again() -> None:
    right_with_contacts()
    actor = actor_for_system(right_holder().organisation)
    claim = services.right_claim_start(actor=actor, office="EM", number="018000001", method="documents")

    services.right_claim_withdraw(actor=actor, claim_id=claim.pk)
    again = services.right_claim_start(actor=actor, office="EM", number="018000001", method="automatic")

    assert again.status == "approved"
    assert list(RightClaim.objects.order_by("id").values_list("status", flat=True)) == ["withdrawn", "approved"]


# Mandates -------------------------------------------------------------------------------------------------------


def test_a_mandate_is_granted_only_to_a_verified_agent_for_rights_held() -> None:
    holder = right_holder().organisation
    mine, theirs = right_with_contacts(), right_with_contacts(number="018000002")
    held(holder, mine)
    actor = actor_for_system(holder)
    unverified = agent(name="Unverified Agent", verified=False)
    today = timezone.localdate()

    def grant(**changes: Any) -> ApplicationError:
        values: dict[str, Any] = {
            "actor": actor,
            "agent_slug": agent().slug,
            "rights": [("EM", "018000001")],
            "actions": ["notify"],
            "valid_from": today,
            "valid_until": today + timedelta(days=10),
            "document": pdf(),
            "document_name": "mandate.pdf",
        }
        return error_of(services.mandate_grant, **{**values, **changes})

    assert grant(agent_slug=unverified.slug).code == "agent_not_verified"
    assert grant(rights=[("EM", theirs.number)]).code == "right_not_held"
    assert grant(actions=["sue"]).code == "invalid_choice"
    assert grant(valid_until=today - timedelta(days=1)).code == "invalid_dates"
    assert grant(valid_until=today + timedelta(days=366 * 6)).code == "too_long"
    assert grant(document=SimpleUploadedFile("m.pdf", b"plain text")).code == "unsupported_file_type"
    assert grant(marketplace_slugs=["nowhere"]).field == "marketplaces"


def test_granting_a_mandate_is_recorded_for_both_organisations() -> None:
    holder = right_holder().organisation
    target = right_with_contacts()
    held(holder, target)
    to = agent()

    mandate = mandate_given(holder, to, [target], actions=("notify", "respond"))

    assert list(mandate.rights.all()) == [target]
    assert (mandate.all_marketplaces, mandate.actions) == (True, ["notify", "respond"])
    assert len(mandate.document_sha256) == 64
    assert actions_of(holder)[-1] == "mandate.granted"
    assert actions_of(to) == ["mandate.granted"]


def test_an_agent_acts_within_its_mandate_and_is_refused_outside_it_and_after_revocation() -> None:
    holder = right_holder().organisation
    target, other = right_with_contacts(), right_with_contacts(number="018000002")
    held(holder, target)
    held(holder, other)
    to = agent()
    megamart = OrganisationFactory(kind="marketplace", slug="megamart")
    OrganisationFactory(kind="marketplace", slug="little-bazaar")
    mandate = mandate_given(holder, to, [target], marketplaces=("megamart",))
    acting = actor_for_system(to)

    def ask(**changes: Any) -> tuple[bool, str]:
        values = {"principal_slug": holder.slug, "office": "EM", "number": "018000001", "action": "notify"}
        values["marketplace_slug"] = "megamart"
        result = services.mandate_authorise(actor=acting, **{**values, **changes})
        return result.allowed, result.code

    within = ask()
    elsewhere = ask(marketplace_slug="little-bazaar")
    other_right = ask(number="018000002")
    other_action = ask(action="respond")
    too_late = ask(on=timezone.localdate() + timedelta(days=60))
    services.mandate_revoke(actor=actor_for_system(holder), mandate_id=mandate.pk, reason="Contract ended.")
    revoked = ask()

    assert within == (True, "allowed")
    assert elsewhere == (False, "marketplace_not_covered")
    assert other_right == (False, "right_not_covered")
    assert other_action == (False, "action_not_covered")
    assert too_late == (False, "mandate_not_in_force")
    assert revoked == (False, "mandate_revoked")
    assert actions_of(to).count("mandate.refused") == 5
    assert actions_of(holder).count("mandate.refused") == 5
    assert megamart.kind == "marketplace"


def test_an_agent_without_any_mandate_is_refused() -> None:
    holder = right_holder().organisation
    held(holder, right_with_contacts())

    result = services.mandate_authorise(
        actor=actor_for_system(agent()), principal_slug=holder.slug, office="EM", number="018000001", action="notify"
    )

    assert (result.allowed, result.code, str(result.reason)) == (
        False,
        "no_mandate",
        "You hold no mandate from this right holder.",
    )


def test_only_the_right_holder_who_gave_a_mandate_revokes_it() -> None:
    holder = right_holder().organisation
    target = right_with_contacts()
    held(holder, target)
    to = agent()
    mandate = mandate_given(holder, to, [target])

    with pytest.raises(PermissionDenied):
        services.mandate_revoke(actor=actor_for_system(to), mandate_id=mandate.pk)
    services.mandate_revoke(actor=actor_for_system(holder), mandate_id=mandate.pk)
    with pytest.raises(Conflict):
        services.mandate_revoke(actor=actor_for_system(holder), mandate_id=mandate.pk)


def test_the_verdict_reports_an_agent_acting_under_a_mandate() -> None:
    holder = right_holder(name="Aurora Cosmetics S.A.").organisation
    target = right_with_contacts()
    held(holder, target)
    to = agent(name="BrandGuard IP Services")
    mandate = mandate_given(holder, to, [target])
    claim = claim_build(office="EM", number="018000001", claimant="BrandGuard IP Services GmbH")

    under_mandate = right_verify(claim=claim, authority=authority_for)
    services.mandate_revoke(actor=actor_for_system(holder), mandate_id=mandate.pk)
    after = right_verify(claim=claim, authority=authority_for)

    owner = next(c for c in under_mandate.checks if c.name == "owner")
    assert under_mandate.verdict == "verified"
    assert owner.detail == (
        "“BrandGuard IP Services” is not the owner of record but acts for Aurora Cosmetics S.A., the authenticated "
        f"owner, under a mandate valid until {mandate.valid_until}."
    )
    assert after.verdict == "not_verified"


# Credentials ----------------------------------------------------------------------------------------------------


def test_a_right_holders_credential_names_its_rights_and_verifies_with_the_published_keys() -> None:
    holder = right_holder(name="Aurora Cosmetics S.A.").organisation
    held(holder, right_with_contacts())

    credential = credentials.credential_issue(actor=actor_for_system(holder))
    checked = jws.verify(credential.token, keys=published_jwks())

    assert checked.valid, checked.detail
    assert checked.claims["sub"] == f"org:{holder.slug}"
    assert checked.claims["rights"] == [
        {
            "office": "EM",
            "number": "018000001",
            "mark": "AURORA",
            "relation": "owner",
            "proof": "documents",
            "since": timezone.localdate().isoformat(),
        }
    ]
    assert checked.claims["status"] == f"http://127.0.0.1:8000/api/v1/credentials/{credential.jti}/status"
    assert checked.claims["exp"] - checked.claims["iat"] == 90 * 86400
    assert actions_of(holder)[-1] == "credential.issued"


def test_an_agents_credential_ends_with_its_mandate() -> None:
    holder = right_holder().organisation
    target = right_with_contacts()
    held(holder, target)
    to = agent()
    mandate = mandate_given(holder, to, [target], valid_until=timezone.localdate() + timedelta(days=10))

    credential = credentials.credential_issue(actor=actor_for_system(to))

    assert [m["id"] for m in credential.claims["mandates"]] == [mandate.pk]
    assert credential.expires_at.date() == mandate.valid_until + timedelta(days=1)


def test_revoking_a_mandate_revokes_the_credentials_that_name_it() -> None:
    holder = right_holder().organisation
    target = right_with_contacts()
    held(holder, target)
    to = agent()
    mandate = mandate_given(holder, to, [target])
    credential = credentials.credential_issue(actor=actor_for_system(to))

    services.mandate_revoke(actor=actor_for_system(holder), mandate_id=mandate.pk)
    result, status = credentials.credential_check(token=credential.token)

    assert (result.valid, result.reason) == (False, "revoked")
    assert status is not None
    assert status.revoked
    assert status.reason == f"mandate {mandate.pk} revoked"


def test_credentials_need_a_verified_organisation_with_something_to_state() -> None:
    unverified = right_holder(verified=False).organisation
    empty = right_holder().organisation
    merchant = OrganisationFactory(kind="merchant", verification_status="verified")

    assert (
        error_of(credentials.credential_issue, actor=actor_for_system(unverified)).code == "organisation_not_verified"
    )
    assert error_of(credentials.credential_issue, actor=actor_for_system(empty)).code == "nothing_to_state"
    assert error_of(credentials.credential_issue, actor=actor_for_system(merchant)).code == "wrong_organisation_kind"
    assert Credential.objects.count() == 0


def test_rotating_the_key_keeps_earlier_credentials_valid() -> None:
    holder = right_holder().organisation
    held(holder, right_with_contacts())
    operator = actor_for_system(OrganisationFactory(kind=OrganisationKind.OPERATOR))
    before = credentials.credential_issue(actor=actor_for_system(holder))

    credentials.signing_key_rotate(actor=operator)
    after = credentials.credential_issue(actor=actor_for_system(holder))

    keys = published_jwks()["keys"]
    assert [k["kid"] for k in keys] == [before.kid, after.kid]
    assert before.kid != after.kid
    assert jws.verify(before.token, keys={"keys": keys}).valid
    assert jws.verify(after.token, keys={"keys": keys}).valid


def test_a_revoked_credential_says_so_publicly() -> None:
    holder = right_holder().organisation
    held(holder, right_with_contacts())
    actor = actor_for_system(holder)
    credential = credentials.credential_issue(actor=actor)

    credentials.credential_revoke(actor=actor, credential_id=credential.pk, reason="Laptop lost.")
    status = credentials.credential_status(jti=str(credential.jti))

    assert (status.revoked, status.reason) == (True, "Laptop lost.")
    assert error_of(credentials.credential_status, jti="not-a-uuid").status == 404


def test_another_organisation_cannot_revoke_a_credential() -> None:
    holder = right_holder().organisation
    held(holder, right_with_contacts())
    credential = credentials.credential_issue(actor=actor_for_system(holder))
    other = actor_for_system(member().organisation)

    assert error_of(credentials.credential_revoke, actor=other, credential_id=credential.pk).status == 404
    credential.refresh_from_db()
    assert credential.revoked_at is None
