"""The verification verdict (确权): does this right exist, is it in force, does the claimant own it, does it cover
these goods and this territory — every check explained."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.core.errors import ValidationFailed
from ipbridge.engine.names import same_organisation
from ipbridge.engine.nice import nice
from ipbridge.rights.models import IN_FORCE_STATUSES, ClassScheme, PartyRole, Right, RightStatus
from ipbridge.rights.terms import derived_expiry

# Territories an office's rights cover beyond its own code (ISO 3166 alpha-2).
EU_MEMBER_STATES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()  # noqa: SIM905
)
OFFICE_TERRITORIES: dict[str, frozenset[str]] = {
    "EM": EU_MEMBER_STATES | {"EU"},
    "BX": frozenset({"BE", "NL", "LU"}),
}


class Verdict:
    VERIFIED = "verified"
    NOT_VERIFIED = "not_verified"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool | None  # None: the register does not say
    detail: str


@dataclass(frozen=True)
class Claim:
    office: str = ""
    number: str = ""
    mark: str = ""
    claimant: str = ""
    nice_class: int | None = None
    goods: str = ""
    territory: str = ""
    on: date = field(default_factory=timezone.localdate)


@dataclass(frozen=True)
class Verification:
    verdict: str
    checks: list[Check]
    right: Right | None


@dataclass(frozen=True)
class Authority:
    """Someone other than the owner of record who may act for the right, as authenticated on IPBridge: an agent
    under a mandate from the authenticated owner, or an authenticated exclusive licensee."""

    name: str
    kind: str  # "mandate" or "licence"
    on_behalf_of: str = ""
    valid_until: date | None = None


# Who, besides the owner of record, may act for a right: looked up by the caller (authentication lives outside
# the register).
AuthorityLookup = Callable[[Right, str], Authority | None]


def _in_force(right: Right, on: date) -> Check:
    status_label = RightStatus(right.status).label
    if right.status not in IN_FORCE_STATUSES:
        return Check("in_force", False, _("Its status is “%(status)s”.") % {"status": status_label})
    if right.registration_date and right.registration_date > on:
        return Check("in_force", False, _("It was registered only on %(date)s.") % {"date": right.registration_date})
    if right.expiry_date is not None:
        if right.expiry_date < on:
            return Check("in_force", False, _("It expired on %(date)s.") % {"date": right.expiry_date})
        return Check(
            "in_force",
            True,
            _("Status “%(status)s”, in force until %(date)s.") % {"status": status_label, "date": right.expiry_date},
        )
    expiry, rule = derived_expiry(right)
    if expiry is None:
        return Check(
            "in_force",
            None,
            _("Status “%(status)s”, but the register gives no expiry date and none can be derived.")
            % {"status": status_label},
        )
    assert rule is not None
    if expiry < on:
        return Check(
            "in_force",
            False,
            _(
                "The register gives no expiry date; by the office's %(years)d-year term the first term ended on "
                "%(date)s and no renewal is recorded."
            )
            % {"years": rule.years, "date": expiry},
        )
    return Check(
        "in_force",
        True,
        _(
            "Status “%(status)s”; the register gives no expiry date, the office's %(years)d-year term runs until "
            "%(date)s."
        )
        % {"status": status_label, "years": rule.years, "date": expiry},
    )


def _owner(right: Right, claimant: str, authority: AuthorityLookup | None) -> Check:
    parties = list(right.parties.all())
    owners = [p.name for p in parties if p.role == PartyRole.OWNER]
    former = [p.name for p in parties if p.role == PartyRole.FORMER_OWNER]
    if any(same_organisation(claimant, name) for name in owners):
        return Check(
            "owner",
            True,
            _("“%(claimant)s” is the owner of record (%(owners)s).")
            % {"claimant": claimant, "owners": "; ".join(owners)},
        )
    acting = authority(right, claimant) if authority is not None else None
    if acting is not None and acting.kind == "mandate":
        return Check(
            "owner",
            True,
            _(
                "“%(claimant)s” is not the owner of record but acts for %(principal)s, the authenticated owner, "
                "under a mandate valid until %(date)s."
            )
            % {"claimant": acting.name, "principal": acting.on_behalf_of, "date": acting.valid_until},
        )
    if acting is not None:
        return Check(
            "owner",
            True,
            _("“%(claimant)s” is not the owner of record but its authenticated exclusive licensee (%(owners)s).")
            % {"claimant": acting.name, "owners": "; ".join(owners) or "—"},
        )
    if any(same_organisation(claimant, name) for name in former):
        return Check(
            "owner",
            False,
            _("“%(claimant)s” is a former owner, not the owner of record (%(owners)s).")
            % {"claimant": claimant, "owners": "; ".join(owners) or "—"},
        )
    return Check(
        "owner",
        False,
        _("“%(claimant)s” is not the owner of record (%(owners)s).")
        % {"claimant": claimant, "owners": "; ".join(owners) or "—"},
    )


def _goods(right: Right, nice_class: int | None, goods: str) -> Check:
    covered = sorted(
        int(g.class_number) for g in right.goods.all() if g.scheme == ClassScheme.NICE and g.class_number.isdigit()
    )
    listed = ", ".join(str(c) for c in covered) or "—"
    if nice_class is not None:
        passed = nice_class in covered
        return Check(
            "goods",
            passed,
            (
                _("Class %(cls)d is among its classes (%(classes)s).")
                if passed
                else _("Class %(cls)d is not among its classes (%(classes)s).")
            )
            % {"cls": nice_class, "classes": listed},
        )
    guesses = nice().guess(goods)
    if not guesses:
        return Check("goods", None, _("“%(goods)s” could not be mapped to a Nice class.") % {"goods": goods})
    mapped = ", ".join(f"{g.class_number} ({g.term})" for g in guesses)
    hit = next((g for g in guesses if g.class_number in covered), None)
    if hit is not None:
        return Check(
            "goods",
            True,
            _("“%(goods)s” maps to class %(cls)d (%(term)s), which it covers.")
            % {"goods": goods, "cls": hit.class_number, "term": hit.term},
        )
    return Check(
        "goods",
        False,
        _("“%(goods)s” maps to %(mapped)s; it covers %(classes)s.")
        % {"goods": goods, "mapped": mapped, "classes": listed},
    )


def _territory(right: Right, territory: str) -> Check:
    territory = territory.upper()
    covered = {right.office} | OFFICE_TERRITORIES.get(right.office, frozenset()) | set(right.territories)
    if right.office == "WO":
        covered.discard("WO")
    if territory in covered:
        return Check(
            "territory",
            True,
            _("%(territory)s is covered by this %(office)s right.") % {"territory": territory, "office": right.office},
        )
    return Check(
        "territory",
        False,
        _("%(territory)s is not covered; it covers %(covered)s.")
        % {"territory": territory, "covered": ", ".join(sorted(covered)) or "—"},
    )


def verify(claim: Claim, right: Right | None, *, authority: AuthorityLookup | None = None) -> Verification:
    """Every check the claim asks for, on the right the register holds (None when it holds none). ``authority``
    tells who else may act for the right (agents under mandate, licensees)."""
    if right is None:
        wanted = f"{claim.office} {claim.number}".strip() or claim.mark
        return Verification(
            Verdict.NOT_FOUND,
            [Check("exists", False, _("No right “%(right)s” in the register.") % {"right": wanted})],
            None,
        )
    checks = [
        Check(
            "exists",
            True,
            _("%(office)s %(number)s: %(label)s.")
            % {"office": right.office, "number": right.number, "label": right.label},
        ),
        _in_force(right, claim.on),
    ]
    if claim.claimant:
        checks.append(_owner(right, claim.claimant, authority))
    if claim.nice_class is not None or claim.goods:
        checks.append(_goods(right, claim.nice_class, claim.goods))
    if claim.territory:
        checks.append(_territory(right, claim.territory))
    verdict = Verdict.VERIFIED if all(c.passed is True for c in checks) else Verdict.NOT_VERIFIED
    return Verification(verdict, checks, right)


def claim_build(
    *,
    office: str = "",
    number: str = "",
    mark: str = "",
    claimant: str = "",
    nice_class: int | None = None,
    goods: str = "",
    territory: str = "",
    on: date | None = None,
) -> Claim:
    """A claim from raw input, or ``ValidationFailed`` naming the field at fault."""
    office, number, mark = office.strip().upper(), number.strip(), mark.strip()
    if not mark and not (office and number):
        field_name = "number" if office else "office"
        raise ValidationFailed("required", _("Give an office and a number, or a mark."), field=field_name)
    if office and not (2 <= len(office) <= 3 and office.isalpha()):
        raise ValidationFailed(
            "invalid_office", _("An office is a two-letter WIPO ST.3 code such as EM, CN or US."), field="office"
        )
    if nice_class is not None and not nice().is_class(nice_class):
        raise ValidationFailed("invalid_class", _("Nice classes run from 1 to 45."), field="nice_class")
    territory = territory.strip().upper()
    if territory and not (len(territory) == 2 and territory.isalpha()):
        raise ValidationFailed(
            "invalid_territory", _("A territory is a two-letter country code such as DE or CN."), field="territory"
        )
    return Claim(
        office=office,
        number=number,
        mark=mark,
        claimant=claimant.strip(),
        nice_class=nice_class,
        goods=goods.strip(),
        territory=territory,
        on=on or timezone.localdate(),
    )
