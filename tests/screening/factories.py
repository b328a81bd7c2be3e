"""A world for screening: a verified right holder that proved it holds the AURORA mark (EM 018234567, registered
with the transliteration 奥罗拉), a verified marketplace (MegaMart) with a person, another marketplace, and an
operator; listings as marketplaces send them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ipbridge.accounts.models import Membership, Organisation, OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.rights.models import Right
from ipbridge.screening import scans, settings_services
from ipbridge.screening.scans import ScanOutcome
from tests.factories import member
from tests.identity.factories import held
from tests.rights.factories import right

AURORA_OFFICE = "EM"
AURORA_NUMBER = "018234567"


def aurora_right() -> Right:
    """The AURORA word mark, made once per test."""
    found = Right.objects.filter(office=AURORA_OFFICE, number=AURORA_NUMBER).first()
    if found is not None:
        return found
    return right(office=AURORA_OFFICE, number=AURORA_NUMBER, mark="AURORA", transliteration="奥罗拉")


def holder_member(*, role: str = Role.ADMIN, verified: bool = True, **org: Any) -> Membership:
    """A person of a right holder with an approved claim on the AURORA mark."""
    org.setdefault("name", "Aurora Cosmetics S.A.")
    org.setdefault("slug", "aurora")
    person = member(
        OrganisationKind.RIGHT_HOLDER, role, verification_status="verified" if verified else "unverified", **org
    )
    held(person.organisation, aurora_right())
    return person


def marketplace_member(*, role: str = Role.ADMIN, verified: bool = True, **org: Any) -> Membership:
    """A person of a marketplace (MegaMart unless told otherwise)."""
    org.setdefault("name", "MegaMart")
    org.setdefault("slug", "megamart")
    status = "verified" if verified else "unverified"
    return member(OrganisationKind.MARKETPLACE, role, verification_status=status, **org)


def listing(**fields: Any) -> dict[str, Any]:
    """A listing as a marketplace sends it: a counterfeit of AURORA unless ``fields`` say otherwise."""
    item: dict[str, Any] = {
        "id": "L-1",
        "title": "AURORA Rouge lipstick 高仿 replica",
        "description": "",
        "url": "https://megamart.example/item/L-1",
        "price": "9.90",
        "currency": "EUR",
        "category": "cosmetics",
        "shop_id": "shop-9",
        "shop_name": "Bright Deals",
    }
    item.update(fields)
    return item


def innocent(**fields: Any) -> dict[str, Any]:
    """A listing nothing flags."""
    return listing(**{"id": "L-2", "title": "Plain cotton towel", "url": "https://megamart.example/item/L-2", **fields})


@dataclass
class Screening:
    """A verified right holder holding AURORA; MegaMart (verified) and Little Bazaar, each with an admin; an
    operator."""

    holder: Membership
    megamart: Membership
    bazaar: Membership
    operator: Membership

    @property
    def marketplace(self) -> Organisation:
        return self.megamart.organisation


def screening_world() -> Screening:
    holder = holder_member()
    megamart = marketplace_member()
    bazaar = marketplace_member(name="Little Bazaar", slug="little-bazaar")
    operator = member(OrganisationKind.OPERATOR, slug="ipbridge-operators", name="IPBridge operators")
    return Screening(holder, megamart, bazaar, operator)


def scanned(marketplace: Organisation, items: list[Any]) -> ScanOutcome:
    """Listings screened while the request waits, sent by the marketplace's own systems."""
    return scans.scan_listings(actor=actor_for_system(marketplace), items=items)


def thresholds_set(marketplace: Organisation, *, alert: float, hold: float) -> None:
    settings_services.screening_settings_update(
        actor=actor_for_system(marketplace),
        changes=settings_services.SettingsChanges(alert_threshold=alert, hold_threshold=hold),
    )
