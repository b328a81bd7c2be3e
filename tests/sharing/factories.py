"""A world for shared information: a verified right holder holding the AURORA mark, marketplaces (verified, not
verified), an authority, and guides and authorised sellers written through the services."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from ipbridge.accounts.models import Membership, Organisation, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.rights.models import Right
from ipbridge.sharing import sellers, services
from ipbridge.sharing.models import AuthorisedSeller, Guide, GuideImage
from tests.factories import member
from tests.identity.factories import held
from tests.rights.factories import right


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int = 2, height: int = 2, colour: tuple[int, int, int] = (200, 30, 60)) -> bytes:
    """A whole PNG of one colour."""
    rows = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


# The first bytes of a JPEG (JFIF) and of a WebP picture: enough for a type told by its bytes.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 40
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def picture(
    name: str = "genuine.png", content: bytes | None = None, content_type: str = "image/png"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else png(), content_type=content_type)


def aurora_right(number: str = "018234567", mark: str = "AURORA") -> Right:
    return right(office="EM", number=number, mark=mark)


def holder_member(*, role: str = Role.ADMIN, verified: bool = True, **org: Any) -> Membership:
    """A person of a right holder that holds the AURORA mark (EM 018234567)."""
    org.setdefault("name", "Aurora Cosmetics S.A.")
    person = member(
        OrganisationKind.RIGHT_HOLDER, role, verification_status="verified" if verified else "unverified", **org
    )
    held(person.organisation, Right.objects.filter(office="EM", number="018234567").first() or aurora_right())
    return person


GUIDE_FIELDS: dict[str, Any] = {
    "title": "AURORA Rouge lipstick",
    "summary": "How to tell genuine AURORA Rouge lipsticks from counterfeits.",
    "rights": ["EM 018234567"],
    "products": ["AURORA Rouge lipstick 3.5 g", "AURORA Rouge gift set"],
    "genuine_features": ["Batch code laser-engraved on the base", "Hologram on the seal"],
    "counterfeit_features": ["Printed batch code", "No hologram", "Wider font of the word mark"],
    "packaging": "Black box with a gold foil AURORA word mark; cellophane with a tear strip.",
    "serial_schemes": ["Batch code: two digits of the year, a letter of the month, two digits (26K11)"],
    "reference_prices": [{"product": "AURORA Rouge lipstick 3.5 g", "amount": 3900, "currency": "EUR"}],
}


def guide_written(holder: Organisation, **changes: Any) -> Guide:
    fields = {**GUIDE_FIELDS, **changes}
    return services.guide_create(actor=actor_for_system(holder), changes=services.GuideChanges(**fields))


def guide_published(holder: Organisation, **changes: Any) -> Guide:
    """A guide published to whom ``changes`` say (every verified marketplace when they say nothing)."""
    if not any(k.startswith("audience_") for k in changes):
        changes["audience_all_marketplaces"] = True
    guide = guide_written(holder, **changes)
    return services.guide_publish(actor=actor_for_system(holder), guide_id=guide.pk)


def image_added(guide: Guide, content: bytes | None = None, caption: str = "Genuine base") -> GuideImage:
    return services.guide_image_add(
        actor=actor_for_system(guide.holder), guide_id=guide.pk, upload=content or png(), caption=caption
    )


def seller_listed(holder: Organisation, on: Organisation | None, **fields: Any) -> AuthorisedSeller:
    """The right holder lists a shop on the marketplace ``on`` (or, with the fields saying so, on one not on
    IPBridge)."""
    entry: dict[str, Any] = {
        "brand": "AURORA",
        "shop_id": "shop-1",
        "shop_name": "Aurora Official Store",
        "relation": "own_shop",
        "valid_from": date(2026, 1, 1),
    }
    if on is not None:
        entry["marketplace"] = on.slug
    entry.update(fields)
    return sellers.seller_create(actor=actor_for_system(holder), entry=sellers.SellerIn(**entry))


@dataclass
class Sharing:
    """A verified right holder; a verified marketplace (MegaMart) and an unverified one (Little Bazaar), each with a
    person; a verified authority and a merchant."""

    holder: Membership
    megamart: Membership
    bazaar: Membership
    authority: Membership
    merchant: Membership

    @property
    def organisation(self) -> Organisation:
        return self.holder.organisation


def sharing_world() -> Sharing:
    holder = holder_member(slug="aurora")
    megamart = member(OrganisationKind.MARKETPLACE, slug="megamart", name="MegaMart", verification_status="verified")
    bazaar = member(OrganisationKind.MARKETPLACE, slug="little-bazaar", name="Little Bazaar")
    authority = member(
        OrganisationKind.AUTHORITY, slug="market-supervision", name="Market Supervision", verification_status="verified"
    )
    merchant = member(OrganisationKind.MERCHANT, slug="bright-deals", name="Bright Deals")
    return Sharing(holder, megamart, bazaar, authority, merchant)
