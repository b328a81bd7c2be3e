"""The demo's authentication: the demo right holders prove who they are and what they own through the same
services people use — identity details and documents, a code to their e-mail domain, claims on their register
rights by each kind of proof, an operator's reviews, a mandate to their agent, credentials.

Codes travel by e-mail as they always do; while the demo loads, mail is kept in memory so that the demo can read
its own codes. One right is left unclaimed (Aurora's WO 1523456) for a visitor to claim by hand.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.core import mail
from django.test.utils import override_settings
from django.utils import timezone

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import Organisation, User
from ipbridge.accounts.selectors import actor_for_user
from ipbridge.identity import credentials, services
from ipbridge.identity.models import ClaimStatus, RightClaim

_CODE = re.compile(r"\b(\d{6})\b")


def demo_pdf(title: str) -> bytes:
    """A one-page PDF saying ``title``: a stand-in for a scanned certificate or a signed authorisation."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 16 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    start = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, start))
    return out.getvalue()


@contextmanager
def _mail_in_memory() -> Iterator[None]:
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", JOBS_IN_BACKGROUND_THREAD=False
    ):
        mail.outbox = []
        yield


def _last_code() -> str:
    found = _CODE.search(str(mail.outbox[-1].body)) if mail.outbox else None
    if found is None:
        raise RuntimeError("the demo's code e-mail did not arrive")
    return found.group(1)


def _actor(email: str) -> Actor:
    actor = actor_for_user(User.objects.get(email=email))
    assert actor is not None
    return actor


def _identity(
    actor: Actor, *, legal_name: str, number: str, country: str, address: str, domain: str, mailbox: str
) -> None:
    services.identity_profile_update(
        actor=actor,
        legal_name=legal_name,
        registration_number=number,
        registration_country=country,
        address=address,
        email_domain=domain,
    )
    services.identity_document_add(
        actor=actor,
        kind="business_registration",
        upload=io.BytesIO(demo_pdf(f"Business registration - {legal_name} - {number}")),
        file_name="business-registration.pdf",
    )
    services.identity_domain_code_send(actor=actor, email=mailbox)
    services.identity_domain_code_confirm(actor=actor, code=_last_code())
    if Organisation.objects.get(pk=actor.organisation.pk).verification_status == "unverified":
        services.identity_submit(actor=actor, note="Our registration extract is attached.")


def _claim_by_code(actor: Actor, office: str, number: str, contact: str) -> RightClaim:
    claim = services.right_claim_start(
        actor=actor, office=office, number=number, method="contact_code", contact_email=contact
    )
    if claim.status == ClaimStatus.AWAITING_CODE:
        claim = services.right_claim_code_confirm(actor=actor, claim_id=claim.pk, code=_last_code())
    return claim


def demo_authentication_load() -> bool:
    """Authenticate the demo right holders once; returns False when it was done before."""
    if RightClaim.objects.filter(organisation__slug="aurora-cosmetics").exists():
        return False
    with _mail_in_memory():
        _load()
    return True


def _load() -> None:
    operator = _actor("operator@ipbridge.demo")
    aurora = _actor("brand@aurora.demo")
    lumina = _actor("ip@lumina.demo")
    brandguard = _actor("agent@brandguard.demo")

    _identity(
        aurora,
        legal_name="Aurora Cosmetics S.A.",
        number="RCS Paris 552 100 554",
        country="FR",
        address="12 rue de la Paix, 75002 Paris",
        domain="aurora.demo",
        mailbox="brand@aurora.demo",
    )
    _identity(
        lumina,
        legal_name="深圳流明电子有限公司",
        number="91440300MA5FLUMINA",
        country="CN",
        address="深圳市南山区科技园 Shenzhen",
        domain="lumina.demo",
        mailbox="ip@lumina.demo",
    )
    _identity(
        brandguard,
        legal_name="BrandGuard IP Services GmbH",
        number="HRB 204411 B",
        country="DE",
        address="Friedrichstraße 10, 10117 Berlin",
        domain="brandguard.demo",
        mailbox="agent@brandguard.demo",
    )
    for reviewed in (aurora, lumina, brandguard):
        if Organisation.objects.get(pk=reviewed.organisation.pk).verification_status == "pending":
            services.identity_review_decide(
                actor=operator,
                organisation_id=reviewed.organisation.pk,
                decision="approve",
                reason="Registration extract and e-mail domain checked.",
            )

    # Aurora: its EU mark automatically (a verified organisation named as owner of record), its Chinese mark by
    # the code sent to the owner's address of record.
    services.right_claim_start(actor=aurora, office="EM", number="018234567", method="automatic")
    _claim_by_code(aurora, "CN", "45678901", "legal@aurora.demo")

    # Lumina: its Chinese mark automatically. The EU mark changed owner in the register recently, so the code
    # path goes to review; Lumina adds the assignment and an operator approves.
    services.right_claim_start(actor=lumina, office="CN", number="32165498", method="automatic")
    held_back = _claim_by_code(lumina, "EM", "018765432", "ip@lumina.demo")
    services.right_claim_document_add(
        actor=lumina,
        claim_id=held_back.pk,
        kind="assignment",
        upload=io.BytesIO(demo_pdf("Assignment EM 018765432 - Lumina Trading (HK) Limited to Lumina Electronics")),
        file_name="assignment-EM-018765432.pdf",
    )
    services.right_claim_review_decide(
        actor=operator,
        claim_id=held_back.pk,
        decision="approve",
        reason="Assignment from Lumina Trading (HK) Limited checked against the EUIPO recordal.",
    )
    us_claim = services.right_claim_start(actor=lumina, office="US", number="6123456", method="documents")
    services.right_claim_document_add(
        actor=lumina,
        claim_id=us_claim.pk,
        kind="registration_certificate",
        upload=io.BytesIO(demo_pdf("USPTO registration certificate 6123456 LUMINA")),
        file_name="uspto-6123456.pdf",
    )
    services.right_claim_review_decide(
        actor=operator, claim_id=us_claim.pk, decision="approve", reason="USPTO certificate matches the register."
    )

    # Lumina acts through BrandGuard on every marketplace, for a year.
    today = timezone.localdate()
    services.mandate_grant(
        actor=lumina,
        agent_slug="brandguard",
        rights=[("EM", "018765432"), ("CN", "32165498")],
        actions=["notify", "respond"],
        valid_from=today,
        valid_until=today + timedelta(days=365),
        document=io.BytesIO(demo_pdf("Authorisation - Lumina Electronics appoints BrandGuard IP Services")),
        document_name="授权委托书-BrandGuard.pdf",
        note="Enforcement of LUMINA marks on all marketplaces.",
    )

    for actor in (aurora, lumina, brandguard):
        credentials.credential_issue(actor=actor)

    _pending_reviews()


def _pending_reviews() -> None:
    """Two organisations send their identity, complete and documented, for the operators' review."""
    for email, legal_name, number, country, domain in (
        ("owner@littlebazaar.demo", "Little Bazaar Unipessoal Lda", "PT 515 000 321", "PT", "littlebazaar.demo"),
        ("seller@brightdeals.demo", "Bright Deals Sp. z o.o.", "KRS 0000771234", "PL", "brightdeals.demo"),
    ):
        actor = _actor(email)
        if Organisation.objects.get(pk=actor.organisation.pk).verification_status != "unverified":
            continue
        _identity(
            actor,
            legal_name=legal_name,
            number=number,
            country=country,
            address="",
            domain=domain,
            mailbox=email,
        )
