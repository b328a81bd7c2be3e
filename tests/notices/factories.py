"""A world for notices: an authenticated right holder with a right, marketplaces, a merchant, an agent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ipbridge.accounts.models import Membership, Organisation, OrganisationKind
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.notices import services
from ipbridge.notices.completeness import ItemIn
from ipbridge.notices.models import Notice
from ipbridge.rights.models import Right
from tests.factories import OrganisationFactory, member
from tests.identity.factories import held, right_holder, right_with_contacts

EXPLANATION = "The listings sell lipsticks under the AURORA mark without the right holder's consent."


@dataclass
class World:
    holder: Membership
    right: Right
    megamart: Organisation
    bazaar: Organisation
    merchant: Membership
    marketplace_person: Membership

    @property
    def organisation(self) -> Organisation:
        return self.holder.organisation


def world() -> World:
    holder = right_holder(name="Aurora Cosmetics S.A.")
    right = right_with_contacts()
    held(holder.organisation, right)
    marketplace_person = member(kind=OrganisationKind.MARKETPLACE, slug="megamart", name="MegaMart")
    bazaar = OrganisationFactory(kind=OrganisationKind.MARKETPLACE, slug="little-bazaar", name="Little Bazaar")
    merchant = member(kind=OrganisationKind.MERCHANT, slug="bright-deals", name="Bright Deals")
    return World(holder, right, marketplace_person.organisation, bazaar, merchant, marketplace_person)


def notice_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "rights": [("EM", "018000001")],
        "items": [
            ItemIn("megamart", "https://megamart.example/item/1"),
            ItemIn("megamart", "https://megamart.example/item/2"),
            ItemIn("little-bazaar", listing_id="LB-77"),
        ],
        "explanation": EXPLANATION,
        "good_faith": True,
        "notifier_name": "Amélie Laurent",
        "notifier_email": "brand@aurora.example",
    }
    return {**fields, **changes}


def send(organisation: Organisation, **changes: Any) -> Notice:
    return services.notice_submit(actor=actor_for_system(organisation), **notice_fields(**changes))
