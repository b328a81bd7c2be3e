"""Reads of the rights register. Register data is public: these take no actor."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from ipbridge.core.errors import NotFound
from ipbridge.engine.names import same_organisation
from ipbridge.rights.models import IN_FORCE_STATUSES, PartyRole, Right, RightChange, RightParty
from ipbridge.rights.verification import Claim, Verification, verify


def _clean_number(number: str) -> str:
    return "".join(number.split()).upper()


def rights_with_details() -> QuerySet[Right]:
    return Right.objects.prefetch_related(
        Prefetch("parties", queryset=RightParty.objects.order_by("role", "position")), "goods"
    )


def right_find(*, office: str, number: str) -> Right | None:
    """The right an office knows by this registration or application number."""
    office, number = office.strip().upper(), _clean_number(number)
    if not office or not number:
        return None
    return (
        rights_with_details()
        .filter(office=office)
        .filter(Q(number=number) | Q(registration_number=number) | Q(application_number=number))
        .order_by("-registration_number")
        .first()
    )


def right_get(*, office: str, number: str) -> Right:
    right = right_find(office=office, number=number)
    if right is None:
        raise NotFound()
    return right


def right_find_by_mark(*, mark: str, office: str = "", claimant: str = "") -> Right | None:
    """A right whose verbal element is ``mark``: the claimant's if there is one, else one in force, else any."""
    rights = rights_with_details().filter(verbal_element__iexact=mark.strip())
    if office:
        rights = rights.filter(office=office.strip().upper())
    candidates = list(rights[:50])
    if claimant:
        for right in candidates:
            owners = [p.name for p in right.parties.all() if p.role == PartyRole.OWNER]
            if any(same_organisation(claimant, name) for name in owners):
                return right
    in_force = [r for r in candidates if r.status in IN_FORCE_STATUSES]
    chosen = in_force or candidates
    return chosen[0] if chosen else None


def right_verify(*, claim: Claim) -> Verification:
    if claim.office and claim.number:
        right = right_find(office=claim.office, number=claim.number)
    else:
        right = right_find_by_mark(mark=claim.mark, office=claim.office, claimant=claim.claimant)
    return verify(claim, right)


def right_history(*, right: Right) -> QuerySet[RightChange]:
    return RightChange.objects.filter(right=right).order_by("-changed_at", "-id")
