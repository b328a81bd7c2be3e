"""Public register endpoints: verification verdicts, search and right details. No login needed."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Router
from ninja.throttling import AnonRateThrottle

from ipbridge.accounts.schemas import ErrorOut
from ipbridge.identity.selectors import authority_for
from ipbridge.rights import selectors
from ipbridge.rights.presenters import right_public, search_result_public
from ipbridge.rights.schemas import RightOut, SearchOut, VerifyIn, VerifyOut
from ipbridge.rights.verification import claim_build

router = Router(auth=None, throttle=[AnonRateThrottle(settings.PUBLIC_RATE_LIMIT)])
ERRORS = {404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


@router.post("/rights/verify", response={200: VerifyOut, **ERRORS}, operation_id="right_verify")
def right_verify(request: HttpRequest, payload: VerifyIn) -> dict[str, Any]:
    """Check a claimed right: that it exists, is in force on the date, belongs to the claimant and covers the
    goods and the territory. Every check says why it passed or failed."""
    claim = claim_build(
        office=payload.office,
        number=payload.number,
        mark=payload.mark,
        claimant=payload.claimant,
        nice_class=payload.nice_class,
        goods=payload.goods,
        territory=payload.territory,
        on=payload.date,
    )
    result = selectors.right_verify(claim=claim, authority=authority_for)
    return {
        "verdict": result.verdict,
        "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in result.checks],
        "right": right_public(result.right) if result.right is not None else None,
    }


@router.get("/rights/search", response={200: SearchOut, **ERRORS}, operation_id="rights_search")
def rights_search(
    request: HttpRequest,
    q: str,
    office: str = "",
    nice_class: int | None = None,
    status: str = "",
    owner: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 20,
) -> dict[str, Any]:
    """Marks similar to ``q``, best first, each with a score in [0, 1] and the reasons it resembles the query
    (equal once normalised, edit distance, sound, pinyin, look-alike letters, leetspeak, spacing, word order,
    contained in a longer name). Filters: office, Nice class, status, owner, filing dates."""
    results = selectors.rights_search(
        q=q,
        office=office,
        nice_class=nice_class,
        status=status,
        owner=owner,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
    )
    return {"results": [search_result_public(r) for r in results]}


@router.get("/rights/{office}/{number}", response={200: RightOut, **ERRORS}, operation_id="right_get")
def right_get(request: HttpRequest, office: str, number: str) -> dict[str, Any]:
    """One right as the register holds it (contacts' e-mail addresses are not published)."""
    return right_public(selectors.right_get(office=office, number=number))
