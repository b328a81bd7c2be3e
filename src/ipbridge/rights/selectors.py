"""Reads of the rights register. Register data is public: these take no actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from ipbridge.core.errors import NotFound, ValidationFailed
from ipbridge.engine.marks import Reason
from ipbridge.engine.names import same_organisation
from ipbridge.rights.index import register_index
from ipbridge.rights.models import IN_FORCE_STATUSES, PartyRole, Right, RightChange, RightParty, RightStatus
from ipbridge.rights.verification import AuthorityLookup, Claim, Verification, verify


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


def right_verify(*, claim: Claim, authority: AuthorityLookup | None = None) -> Verification:
    if claim.office and claim.number:
        right = right_find(office=claim.office, number=claim.number)
    else:
        right = right_find_by_mark(mark=claim.mark, office=claim.office, claimant=claim.claimant)
    return verify(claim, right, authority=authority)


def right_history(*, right: Right) -> QuerySet[RightChange]:
    return RightChange.objects.filter(right=right).order_by("-changed_at", "-id")


@dataclass(frozen=True)
class SearchResult:
    right: Right
    score: float
    reasons: tuple[Reason, ...]


def rights_search(
    *,
    q: str,
    office: str = "",
    nice_class: int | None = None,
    status: str = "",
    owner: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 20,
) -> list[SearchResult]:
    """Marks similar to ``q``, best first, with why each resembles it (public register data)."""
    if not q.strip():
        raise ValidationFailed("required", _("Enter a mark to search for."), field="q")
    if not 1 <= limit <= 100:
        raise ValidationFailed("out_of_range", _("The limit runs from 1 to 100."), field="limit")
    if status and status not in RightStatus.values:
        raise ValidationFailed(
            "invalid_choice",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(RightStatus.values)},
            field="status",
        )
    if nice_class is not None and not 1 <= nice_class <= 45:
        raise ValidationFailed("invalid_class", _("Nice classes run from 1 to 45."), field="nice_class")
    hits = register_index().search(
        q,
        limit=limit,
        office=office.strip().upper() or None,
        nice_class=nice_class,
        status=status or None,
        owner=owner.strip() or None,
        date_from=date_from,
        date_to=date_to,
    )
    rights = rights_with_details().in_bulk([hit.id for hit in hits])
    return [SearchResult(rights[hit.id], hit.score, hit.reasons) for hit in hits if hit.id in rights]
