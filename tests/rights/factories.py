"""Rights as an office would publish them, for tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from ipbridge.rights.models import ClassScheme, PartyRole, Right, RightGoods, RightParty


def right(
    *,
    office: str = "EM",
    number: str = "018000001",
    mark: str = "AURORA",
    owner: str = "Aurora Cosmetics S.A.",
    former_owners: tuple[str, ...] = (),
    classes: dict[int, str] | None = None,
    status: str = "registered",
    **fields: Any,
) -> Right:
    created = Right.objects.create(
        office=office,
        number=number,
        registration_number=fields.pop("registration_number", number),
        verbal_element=mark,
        status=status,
        kind=fields.pop("kind", "trademark"),
        filing_date=fields.pop("filing_date", date(2019, 3, 1)),
        registration_date=fields.pop("registration_date", date(2019, 9, 1)),
        **fields,
    )
    RightParty.objects.create(right=created, role=PartyRole.OWNER, name=owner, country="FR", email="ip@aurora.example")
    for position, name in enumerate(former_owners):
        RightParty.objects.create(right=created, role=PartyRole.FORMER_OWNER, name=name, position=position)
    for number_, text in (classes if classes is not None else {3: "Cosmetics; perfumes; lipsticks"}).items():
        RightGoods.objects.create(right=created, scheme=ClassScheme.NICE, class_number=str(number_), description=text)
    return created
