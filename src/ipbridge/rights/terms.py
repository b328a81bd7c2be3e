"""How long rights last where a register gives no expiry date: the offices' term rules, as facts.

Trademarks: ten years, counted from filing (EUIPO, UK, Germany, France, Benelux) or from registration (China,
United States, Japan, Korea, WIPO international registrations). Designs: EU five years renewable (the first term
is what a register without expiry shows); China's design patents fifteen years from filing (ten for filings before
1 June 2021). Patents twenty years from filing; utility models ten years from filing in China and Germany.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ipbridge.rights.models import Right, RightKind

FILING = "filing_date"
REGISTRATION = "registration_date"


@dataclass(frozen=True)
class TermRule:
    years: int
    counted_from: str  # FILING or REGISTRATION


_TRADEMARK_FROM_REGISTRATION = {"CN", "US", "JP", "KR", "WO"}
_RULES: dict[str, TermRule] = {
    RightKind.PATENT: TermRule(20, FILING),
    RightKind.UTILITY_MODEL: TermRule(10, FILING),
}


def term_rule(right: Right) -> TermRule | None:
    if right.kind == RightKind.TRADEMARK:
        return TermRule(10, REGISTRATION if right.office in _TRADEMARK_FROM_REGISTRATION else FILING)
    if right.kind == RightKind.DESIGN:
        if right.office == "CN":
            filed = right.filing_date
            return TermRule(15 if filed is None or filed >= date(2021, 6, 1) else 10, FILING)
        return TermRule(5, FILING)
    return _RULES.get(right.kind)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def derived_expiry(right: Right) -> tuple[date | None, TermRule | None]:
    """The end of the first term by the office's rule, or (None, rule-or-None) when it cannot be derived."""
    rule = term_rule(right)
    if rule is None:
        return None, None
    start = getattr(right, rule.counted_from)
    if start is None:
        return None, rule
    return _add_years(start, rule.years), rule
