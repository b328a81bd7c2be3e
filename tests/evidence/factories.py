"""Evidence added, shared and attached through the services, and a case with a sender, a marketplace and a
merchant for it to be attached to."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from ipbridge.accounts.models import Organisation, OrganisationKind
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.evidence import services
from ipbridge.evidence.models import CaseEvidence, Evidence, EvidenceShare
from ipbridge.notices import services as notice_services
from ipbridge.notices.completeness import ItemIn
from ipbridge.notices.models import Case, NoticeItem
from tests.factories import OrganisationFactory
from tests.identity.factories import held, right_with_contacts
from tests.notices.factories import notice_fields


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# A whole 1×1 PNG (one red pixel), as a screenshot of a listing would come.
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    + _png_chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    + _png_chunk(b"IEND", b"")
)
TEXT = "Seller on chat, 3 March: “the AURORA lipsticks come from our own factory, no box”."


def png_upload(name: str = "listing.png", content: bytes = PNG, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def file_added(
    organisation: Organisation, *, name: str = "listing.png", content: bytes = PNG, **fields: Any
) -> Evidence:
    """A file the organisation added to its vault (by its command line)."""
    return services.evidence_add(actor=actor_for_system(organisation), name=name, upload=content, **fields)


def text_added(
    organisation: Organisation, *, name: str = "Chat with the seller", text: str = TEXT, **fields: Any
) -> Evidence:
    return services.evidence_add(actor=actor_for_system(organisation), name=name, text=text, **fields)


def shared(item: Evidence, organisation: Organisation) -> EvidenceShare:
    """The item's owner shows it to ``organisation`` (an authority or a mediator)."""
    return services.evidence_share(
        actor=actor_for_system(item.organisation), evidence_id=item.pk, organisation=organisation.slug
    )


def attached(item: Evidence, case: Case) -> CaseEvidence:
    """The item's owner, a party of the case, attaches it to the case."""
    return services.evidence_attach(actor=actor_for_system(item.organisation), evidence_id=item.pk, case_id=case.pk)


@dataclass
class CaseParties:
    sender: Organisation
    marketplace: Organisation
    merchant: Organisation
    case: Case


def case_between(
    *,
    sender: Organisation | None = None,
    marketplace: Organisation | None = None,
    merchant: Organisation | None = None,
    number: str = "018000001",
) -> CaseParties:
    """A delivered case of a notice from ``sender`` (a verified right holder holding right EM ``number``) to
    ``marketplace``, decided with measures against ``merchant``'s listings, so that all three are its parties."""
    sender = sender or OrganisationFactory(
        kind=OrganisationKind.RIGHT_HOLDER, name="Aurora Cosmetics S.A.", verification_status="verified"
    )
    marketplace = marketplace or OrganisationFactory(kind=OrganisationKind.MARKETPLACE)
    merchant = merchant or OrganisationFactory(kind=OrganisationKind.MERCHANT)
    held(sender, right_with_contacts(number=number))
    notice = notice_services.notice_submit(
        actor=actor_for_system(sender),
        **notice_fields(
            rights=[("EM", number)],
            items=[ItemIn(marketplace.slug, f"https://{marketplace.slug}.example/item/{k}") for k in (1, 2)],
        ),
    )
    case = Case.objects.get(notice=notice)
    notice_services.case_deliver(case_id=case.pk)
    notice_services.case_decide(
        actor=actor_for_system(marketplace),
        case_id=case.pk,
        decisions=[notice_services.ItemDecision(i.pk, "block") for i in NoticeItem.objects.filter(case=case)],
        facts="Lipsticks under the AURORA mark, not made by the right holder.",
        legal_ground="Regulation (EU) 2017/1001 art. 9",
        merchant_slug=merchant.slug,
    )
    case.refresh_from_db()
    return CaseParties(sender, marketplace, merchant, case)
