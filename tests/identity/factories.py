"""Authentication fixtures: documents, rights with contacts of record, held rights, mandates."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ipbridge.accounts.models import Membership, Organisation, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.identity import services
from ipbridge.identity.models import ClaimMethod, ClaimStatus, Mandate, RightClaim
from ipbridge.rights.models import ChangeField, PartyRole, Right, RightChange, RightParty
from tests.factories import OrganisationFactory, member
from tests.rights.factories import right

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 20


def pdf(name: str = "certificate.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def right_with_contacts(
    *,
    office: str = "EM",
    number: str = "018000001",
    owner: str = "Aurora Cosmetics S.A.",
    representative_email: str = "tm@lefevre.example",
) -> Right:
    """A right whose owner of record is reached at ip@aurora.example, its representative at another address."""
    created = right(office=office, number=number, owner=owner)
    RightParty.objects.create(
        right=created, role=PartyRole.REPRESENTATIVE, name="Cabinet Lefèvre", email=representative_email
    )
    return created


def contact_changed(target: Right, *, days_ago: int) -> RightChange:
    return RightChange.objects.create(
        right=target,
        field=ChangeField.CONTACT,
        old_value=["old@aurora.example"],
        new_value=["ip@aurora.example"],
        changed_at=timezone.now() - timedelta(days=days_ago),
    )


def last_code() -> str:
    found = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert found is not None
    return found.group(1)


def right_holder(*, name: str = "Aurora Cosmetics S.A.", verified: bool = True, role: str = Role.ADMIN) -> Membership:
    return member(
        kind=OrganisationKind.RIGHT_HOLDER,
        role=role,
        name=name,
        verification_status="verified" if verified else "unverified",
    )


def agent(*, name: str = "BrandGuard IP Services", verified: bool = True) -> Organisation:
    return OrganisationFactory(
        kind=OrganisationKind.AGENT, name=name, verification_status="verified" if verified else "unverified"
    )


def held(organisation: Organisation, target: Right) -> RightClaim:
    """An approved claim, as an operator's review would leave it."""
    return RightClaim.objects.create(
        organisation=organisation,
        right=target,
        relation="owner",
        method=ClaimMethod.DOCUMENTS,
        status=ClaimStatus.APPROVED,
        decided_at=timezone.now(),
    )


def mandate_given(
    principal: Organisation,
    to: Organisation,
    rights: list[Right],
    *,
    actions: tuple[str, ...] = ("notify",),
    marketplaces: tuple[str, ...] = (),
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> Mandate:
    today = timezone.localdate()
    return services.mandate_grant(
        actor=actor_for_system(principal),
        agent_slug=to.slug,
        rights=[(r.office, r.number) for r in rights],
        actions=list(actions),
        marketplace_slugs=list(marketplaces),
        valid_from=valid_from or today,
        valid_until=valid_until or today + timedelta(days=30),
        document=pdf("mandate.pdf"),
        document_name="mandate.pdf",
    )
